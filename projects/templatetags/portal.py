"""Template filters of the portal: Chinese dates and the milestone table's labels and badges."""

from datetime import date
from decimal import Decimal
from typing import Any

from django import template
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext

from projects.choices import MilestoneStatusChoice
from projects.presenters import mask_phone
from projects.rules import dates as chinese
from projects.rules.arithmetic import percent_tenths_down
from projects.rules.milestones import MilestoneStatus
from projects.rules.records import wan_text

register = template.Library()

STATUS_BADGES: dict[MilestoneStatus, str] = {
    MilestoneStatus.MET: "text-bg-success",
    MilestoneStatus.MISSED: "text-bg-danger",
    MilestoneStatus.ON_TRACK: "text-bg-primary",
    MilestoneStatus.AT_RISK: "text-bg-warning",
    MilestoneStatus.NO_TARGET: "text-bg-secondary",
}


@register.filter
def cn_date(day: date | None) -> str:
    """A date as the portal shows it: 2022年6月30日 in Chinese, the locale's format otherwise."""
    if day is None:
        return ""
    if not (get_language() or "zh").startswith("zh"):
        return date_format(day, "DATE_FORMAT")
    return chinese.cn_date(day)


@register.filter
def status_label(status: str) -> str:
    """The label of a milestone status (已完成, 未完成, …) in the active language."""
    return str(MilestoneStatusChoice(MilestoneStatus(status).value).label)


@register.filter
def status_badge(status: str) -> str:
    """The Bootstrap badge class of a milestone status."""
    return STATUS_BADGES[MilestoneStatus(status)]


@register.filter
def milestone(row: Any, key: str) -> Any:
    """The judged milestone ``key`` of a milestone-table row (templates cannot index a dict by a
    variable)."""
    return row.milestones.get(key)


@register.filter
def milestone_projects(result: Any) -> str:
    """The projects part of a milestone cell after "actual / target": " · 项目 3/5" (started of all,
    for the all-started milestone), " · 完工项目 2/4" (completed of all), "" for a milestone of
    households only."""
    if result.projects_total is None:
        return ""
    if result.projects_completed is not None:
        return " · " + gettext("完工项目 %(done)s/%(total)s") % {
            "done": result.projects_completed,
            "total": result.projects_total,
        }
    return " · " + gettext("项目 %(started)s/%(total)s") % {
        "started": result.projects_started,
        "total": result.projects_total,
    }


@register.filter
def milestone_reached(result: Any) -> str:
    """The share a milestone judges, "50.3%" (rounded down, so 100.0% is met; the completion
    milestone's is the table's 完工率), "" without a target or with a target of 0."""
    reached = (
        None
        if not result.target
        else percent_tenths_down(actual=result.actual, target=result.target)
    )
    return "" if reached is None else f"{reached // 10}.{reached % 10}%"


@register.filter
def milestone_rows(report: Any) -> list[Any]:
    """The rows of a milestone report in table order: the city first, then the units."""
    return [report.city, *report.units]


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    """``mapping[key]`` in a template (None when absent)."""
    return mapping.get(key)


@register.filter
def money(value: Decimal | None) -> str:
    """An amount or area with two decimals, rounded half up (100.00, 12.3456 → 12.35), so a column
    never mixes two and three decimals; storage keeps the yuan (four decimals)."""
    if value is None:
        return ""
    return wan_text(Decimal(value))


NO_SHARE = mark_safe('<span class="text-body-secondary">—</span>')


@register.filter
def share(value: int | None) -> str:
    """A share in tenths of a percent as the tables show it ("50.3%"), a muted "—" when there is
    none (no target, or a target of 0)."""
    if value is None:
        return NO_SHARE
    return f"{tenths(value)}%"


@register.filter
def tenths(value: int | None) -> str:
    """A share held in tenths of a percent, shown with one decimal (503 → "50.3")."""
    if value is None:
        return ""
    return f"{value // 10}.{value % 10}"


@register.filter
def masked_phone(phone: str | None) -> str:
    """A phone shown on a page, its middle hidden (13812341234 → 138****1234), as every list and
    page of the portal shows phones; the full number only on the form that edits it."""
    return mask_phone(phone or "")
