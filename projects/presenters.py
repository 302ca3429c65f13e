"""Plain, stable representations of the rules' answers, for commands (``--json``) and exports."""

import copy
from datetime import date
from typing import Any

from .models import Project
from .rules.dates import cn_date
from .rules.milestones import STATUS_LABELS, MilestoneResult
from .rules.start import CRITERIA, StartStatus
from .selectors import MilestoneReport


def milestone_as_dict(result: MilestoneResult, actual_as_of: int | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "due": result.due.isoformat(),
        "target": result.target,
        "actual": result.actual,
        "status": result.status.value,
    }
    if result.projects_total is not None:
        data["projects_total"] = result.projects_total
    if result.projects_started is not None:
        data["projects_started"] = result.projects_started
    if result.projects_completed is not None:
        data["projects_completed"] = result.projects_completed
    if actual_as_of is not None:
        data["actual_as_of"] = actual_as_of
    return data


def milestone_report_as_dict(report: MilestoneReport) -> dict[str, Any]:
    """The ``check_targets --json`` contract: year, as_of, city and units with their milestones."""

    def milestones(row: Any) -> dict[str, Any]:
        return {
            key: milestone_as_dict(result, row.actual_as_of.get(key))
            for key, result in row.milestones.items()
        }

    rec = report.reconciliation
    return {
        "year": report.plan_year.year,
        "as_of": report.as_of.isoformat(),
        "city": {"milestones": milestones(report.city)},
        "units": [{"unit": row.label, "milestones": milestones(row)} for row in report.units],
        "unallocated": {
            "new_starts": rec.unallocated_new_starts,
            "completions": rec.unallocated_completions,
            "carryover_unassigned": report.unassigned_carryover,
        },
    }


def milestone_cell(result: MilestoneResult) -> str:
    """A milestone in one short Chinese cell: actual / target and the status."""
    target = "无目标" if result.target is None else str(result.target)
    extra = ""
    if result.projects_total is not None:
        extra = f"，项目 {projects_done(result)}/{result.projects_total}"
    return f"{result.actual}/{target}{extra} {STATUS_LABELS[result.status]}"


def projects_done(result: MilestoneResult) -> int | None:
    """The projects a milestone counts as done: completed for the all-completed milestone, else
    started."""
    if result.projects_completed is not None:
        return result.projects_completed
    return result.projects_started


def milestone_report_as_table(report: MilestoneReport) -> list[list[str]]:
    """The milestone table as rows of text, header first (for the command's readable output)."""
    keys = [spec.key for spec in report.specs]
    header = ["区县", *[f"{s.name}（截止{cn_date(s.due)}）" for s in report.specs]]
    rows = [header]
    for row in [report.city, *report.units]:
        rows.append([row.label, *[milestone_cell(row.milestones[k]) for k in keys]])
    return rows


def start_status_as_dict(project: Project, status: StartStatus) -> dict[str, Any]:
    """The ``check_start_criteria --json`` contract for one project."""
    return {
        "unit": project.unit.name,
        "project": project.name,
        "households": project.households,
        "consent_agreed": status.consent_agreed,
        "criteria": {
            key: {
                "met": status.criterion(key).met,
                "date": _iso(status.criterion(key).date),
                "verified": status.criterion(key).verified,
                "reason": status.criterion(key).reason,
            }
            for key in CRITERIA
        },
        "started": status.started,
        "start_date": _iso(status.started_on),
    }


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


# --- personal data: masked wherever listed or exported ---


def mask_name(name: str) -> str:
    """A head of household's name with all but the first character hidden: 张三 → 张*."""
    name = name.strip()
    return name[:1] + "*" * (len(name) - 1) if name else ""


def mask_phone(phone: str) -> str:
    """A phone number with its middle hidden: 13812341234 → 138****1234 (short numbers fully)."""
    phone = phone.strip()
    if len(phone) < 8:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def project_as_of(project: Project, as_of: date | None) -> Project:
    """The project as it stood on ``as_of`` for a list's progress column: a copy (never saved)
    without the dates recorded for later days; the project itself when no day is asked."""
    if as_of is None:
        return project
    shown = copy.copy(project)
    for field in ("consent_met_on", "started_on", "completed_on", "accepted_on"):
        day = getattr(shown, field)
        if day is not None and day > as_of:
            setattr(shown, field, None)
    return shown
