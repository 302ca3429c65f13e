"""The monthly reports' part of the 待办 panel (projects.worklist): for a unit's clerk the report to
prepare, its drafts, the months missing (漏报) and the versions sent back or returned to correct; for
its leader the reports awaiting approval; for the city office the reports awaiting receipt and the
open flags (疑点).

Where a month stands in the workflow is its latest version (``reports.latest_versions``, as on the
months table); whether it is due, on time or missing is ``reports.unit_timeliness`` on the page's
date, the rule the months table and the assessment judge by. Four queries whatever the number of
units and reports.
"""

from collections.abc import Sequence

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from projects.choices import Role
from projects.models import PlanYear, Unit
from projects.rules.reports import ReportState, Timeliness
from projects.templatetags.portal import cn_date
from projects.worklist import WorkContext, WorkGroup, WorkItem, by_due

from . import reports
from .models import MonthlyReport


def _month_url(unit_id: int, month: int) -> str:
    return reverse("reporting:report_month", args=[unit_id, month])


def _unit_groups(
    *,
    context: WorkContext,
    unit: Unit,
    latest: dict[tuple[int, int], MonthlyReport],
    statuses: Sequence[reports.MonthStatus],
) -> list[WorkGroup]:
    """A clerk's or leader's report items for their unit."""
    day, clerk = context.day, context.role == Role.CLERK
    prepare: list[WorkItem] = []
    correct: list[WorkItem] = []
    approve: list[WorkItem] = []
    missing: list[WorkItem] = []
    # The report to prepare now: the first month whose due day has not passed.
    current = next((s.month for s in statuses if s.due >= day), None)
    for status in statuses:
        month, due = status.month, status.due
        url = _month_url(unit.id, month)
        version = latest.get((unit.id, month))
        state = version.state if version is not None else None
        if state == ReportState.SUBMITTED:
            if not clerk:
                text = _("%(month)d月信息月报待审核（填报员已提交）") % {"month": month}
                approve.append(WorkItem(text, url, day, due))
        elif state == ReportState.RETURNED and version is not None:
            text = _("%(month)d月信息月报被市老旧办退回，待更正") % {"month": month}
            correct.append(WorkItem(text, url, day, due, version.return_reason))
        elif state == ReportState.DRAFT and version is not None:
            if clerk and version.send_back_reason:
                text = _("%(month)d月信息月报被审核人退回修改") % {"month": month}
                correct.append(WorkItem(text, url, day, due, version.send_back_reason))
            elif clerk:
                text = _("%(month)d月信息月报草稿待提交审核") % {"month": month}
                prepare.append(WorkItem(text, url, day, due))
            elif status.timeliness == Timeliness.MISSING:
                text = _("%(month)d月信息月报漏报（草稿未提交审核）") % {"month": month}
                missing.append(WorkItem(text, url, day, due))
        elif state is None and status.timeliness == Timeliness.MISSING:
            text = _("%(month)d月信息月报漏报（尚未填报）") % {"month": month}
            missing.append(WorkItem(text, url, day, due))
        elif state is None and month == current and clerk:
            text = _("%(month)d月信息月报待填报") % {"month": month}
            prepare.append(WorkItem(text, url, day, due))
    index = reverse("reporting:reports")
    return [
        WorkGroup("report_approve", _("待审核的信息月报"), index, by_due(approve), order=10),
        WorkGroup("report_correct", _("退回待更正的信息月报"), index, by_due(correct), order=11),
        WorkGroup("report_missing", _("漏报的信息月报"), index, by_due(missing), order=12),
        WorkGroup("report_prepare", _("待填报的信息月报"), index, by_due(prepare), order=13),
    ]


def _city_groups(
    *, context: WorkContext, units: Sequence[Unit], latest: dict[tuple[int, int], MonthlyReport]
) -> list[WorkGroup]:
    """The city office's report items: versions approved by a unit and not yet received, and the
    flags not yet ruled on."""
    names = {u.id: u.name for u in units}
    order = {u.id: (u.sort_order, u.id) for u in units}
    receive = [
        WorkItem(
            _("%(unit)s%(month)d月信息月报待接收") % {"unit": names[unit_id], "month": month},
            _month_url(unit_id, month),
            context.day,
            note=_("%(day)s审核") % {"day": cn_date(timezone.localtime(version.approved_at).date())}
            if version.approved_at is not None
            else "",
        )
        for (unit_id, month), version in sorted(
            latest.items(), key=lambda kv: (kv[0][1], order.get(kv[0][0], (0, 0)))
        )
        if version.state == ReportState.APPROVED and unit_id in names
    ]
    flags_url = reverse("reporting:flags")
    flags = [
        WorkItem(
            _("%(unit)s%(month)d月信息月报疑点待认定")
            % {"unit": flag.report.unit.name, "month": flag.report.month},
            f"{flags_url}#flag-{flag.pk}",
            context.day,
            note=flag.detail,
        )
        for flag in reports.flags_open(plan_year=context.plan_year)
    ]
    return [
        WorkGroup(
            "report_receive",
            _("待接收的信息月报"),
            reverse("reporting:reports"),
            tuple(receive),
            10,
        ),
        WorkGroup("flags_open", _("待认定的疑点"), flags_url, tuple(flags), order=11),
    ]


# What the items read of a month's latest version.
_READ = ("state", "approved_at", "return_reason", "send_back_reason")


def report_worklist(context: WorkContext) -> list[WorkGroup]:
    """The report items of ``context``'s role (none for administrators)."""
    plan_year: PlanYear = context.plan_year
    if context.role in (Role.CLERK, Role.LEADER) and context.unit is not None:
        unit = context.unit
        latest = reports.latest_versions(plan_year=plan_year, units=[unit], fields=_READ)
        valid_on = reports.valid_on_by_month(plan_year=plan_year)
        statuses = reports.unit_timeliness(
            plan_year=plan_year, unit=unit, today=context.day, valid_on=valid_on
        )
        return _unit_groups(context=context, unit=unit, latest=latest, statuses=statuses)
    if context.role == Role.CITY:
        units = list(Unit.objects.all())
        latest = reports.latest_versions(plan_year=plan_year, fields=_READ)
        return _city_groups(context=context, units=units, latest=latest)
    return []
