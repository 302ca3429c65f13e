"""The monthly report workflow (SPEC §5): one service per action, each atomic, each checking the
role and state through projects.rules.reports, each recording who, when and (where asked) why.

Draft → submitted (clerk) → approved with the stamped scan (leader: the figures are frozen with a
SHA-256 digest) → received or returned with a reason (city office); a returned version stays as it
is and its correction is a new version. A leader may withdraw an approval until the city receives it.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Count, Min, Q, Sum
from django.utils import timezone

from projects import selectors as facts
from projects.choices import ProjectKind, Role
from projects.models import PlanYear, Project, Unit, User
from projects.rules.milestones import MilestoneStatus
from projects.rules.reports import (
    TRANSITIONS,
    Action,
    ReportState,
    Timeliness,
    figures_differ,
    figures_fell,
    report_due,
    report_period_end,
    timeliness,
)
from projects.rules.start import CRITERIA

from .digests import digest_of
from .models import FlagKind, MonthlyReport, ReportFlag, Ruling

VALID_STATES = (ReportState.APPROVED, ReportState.RECEIVED, ReportState.RETURNED)


class ReportConflict(Exception):
    """The report is no longer in the state the action starts from (someone acted first)."""


def role_of(user: User) -> str:
    """The user's role as the workflow rules name it (administrators are "admin")."""
    return "admin" if user.is_superuser else str(user.role)


# --- figures ------------------------------------------------------------------------------------


def report_figures(*, plan_year: PlanYear, unit: Unit, month: int) -> dict[str, Any]:
    """The unit's figures at the end of ``month`` from the project records, by the same rules and
    query as ``check_targets``: households and projects started and completed, carry-over progress,
    investment of completed projects, and the new projects still lacking each start criterion."""
    as_of = report_period_end(year=plan_year.year, month=month)
    report = facts.milestone_report(plan_year=plan_year, as_of=as_of)
    row = next(r for r in report.units if r.unit is not None and r.unit.id == unit.id)
    projects = Project.objects.filter(plan_year=plan_year, unit=unit)
    done = Q(completed_on__lte=as_of)
    counts = projects.aggregate(
        projects_completed=Count("id", filter=done & Q(kind=ProjectKind.NEW)),
        carryover_projects=Count("id", filter=Q(kind=ProjectKind.CARRYOVER)),
        carryover_projects_completed=Count("id", filter=done & Q(kind=ProjectKind.CARRYOVER)),
        investment_total=Sum("investment"),
        investment_completed=Sum("investment", filter=done),
    )
    every = list(projects.select_related("plan_year").order_by("kind", "name", "id"))
    new = [p for p in every if p.kind == ProjectKind.NEW]
    statuses = facts.start_statuses(projects=new, as_of=as_of, stored_consent=True)
    open_criteria = dict.fromkeys(CRITERIA, 0)
    for project in new:
        if not statuses[project.id].started:
            for key in statuses[project.id].missing:
                open_criteria[key] += 1
    return {
        "as_of": as_of.isoformat(),
        "targets": {
            "new_starts": row.targets.new_starts,
            "completions": row.targets.completions,
            "carryover": row.targets.carryover,
        },
        "new_started": row.today.new_started,
        "new_completed": row.today.new_completed,
        "carryover_completed": row.today.carryover_completed,
        "projects_started": row.today.projects_started,
        "projects_total": row.projects_total,
        "projects_completed": counts["projects_completed"],
        "carryover_projects": counts["carryover_projects"],
        "carryover_projects_completed": counts["carryover_projects_completed"],
        "investment_total": _wan_yuan(counts["investment_total"]),
        "investment_completed": _wan_yuan(counts["investment_completed"]),
        "open_criteria": open_criteria,
        "milestones": {key: result.status.value for key, result in row.milestones.items()},
        "projects": [_project_as_reported(p, as_of=as_of, statuses=statuses) for p in every],
    }


def _project_as_reported(
    project: Project, *, as_of: date, statuses: dict[int, Any]
) -> dict[str, Any]:
    """One project as the report stands on it at month end: the dates reached by then, and for a
    new project not started, the start criteria it still lacked. Frozen with the figures, so the
    report names its projects whatever the records say later."""

    def reached(day: date | None) -> str | None:
        return day.isoformat() if day is not None and day <= as_of else None

    status = statuses.get(project.id)
    return {
        "id": project.id,
        "name": project.name,
        "kind": str(project.kind),
        "households": project.households,
        "investment": _wan_yuan(project.investment),
        "consent_met_on": reached(project.consent_met_on),
        "started_on": reached(project.started_on),
        "completed_on": reached(project.completed_on),
        "accepted_on": reached(project.accepted_on),
        "missing": list(status.missing) if status is not None and not status.started else [],
    }


def _wan_yuan(value: Decimal | None) -> str:
    """An amount in 万元 as text with the field's four decimals, the same on every database (SQLite
    sums carry more digits), so the digest does not depend on the database."""
    return str((value or Decimal(0)).quantize(Decimal("0.0001")))


def report_digest(report: MonthlyReport) -> str:
    """SHA-256 over the report's content in canonical JSON: unit, period, version, figures, notes."""
    content = {
        "unit": report.unit.name,
        "year": report.plan_year.year,
        "month": report.month,
        "version": report.version,
        "figures": report.figures,
        "problems": report.problems,
        "next_plan": report.next_plan,
    }
    return digest_of(content)


# --- permissions and state ----------------------------------------------------------------------


def _require(user: User, report: MonthlyReport, action: Action) -> None:
    transition = TRANSITIONS[action]
    role = role_of(user)
    if role not in transition.roles:
        raise PermissionDenied("无权执行此操作")
    if role in ("clerk", "leader") and user.unit_id != report.unit_id:
        raise PermissionDenied("只能处理本区县的月报")


def _locked(report: MonthlyReport, action: Action) -> MonthlyReport:
    """The report's row, locked until the transaction ends, checked to be in the action's source
    state: of two people acting at once, the second finds the state changed."""
    current = (
        MonthlyReport.objects.select_for_update()
        .select_related("plan_year", "unit")
        .get(pk=report.pk)
    )
    if current.state != TRANSITIONS[action].source:
        raise ReportConflict(
            f"月报当前状态为“{current.get_state_display()}”，无法执行此操作（可能已被他人处理）"
        )
    return current


def _save(report: MonthlyReport, user: User | None, reason: str = "") -> None:
    report._history_user = user  # type: ignore[attr-defined]
    if reason:
        report._change_reason = reason[:100]  # type: ignore[attr-defined]
    report.full_clean()
    report.save()
    import logging  # here, not at the top: this helper is the file's only logging

    # Ids and state only, never the notes or the reason's text; logged once the change commits, so
    # a rolled-back action leaves no line.
    fields = {
        "report_id": report.pk,
        "unit_id": report.unit_id,
        "month": report.month,
        "version": report.version,
        "state": str(report.state),
        "user_id": user.pk if user is not None else None,
        "reason_present": bool(reason),
    }
    transaction.on_commit(
        lambda: logging.getLogger("zmd.reports").info("report_state", extra=fields)
    )


def _required(text: str, field: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: message})
    return text


# --- the actions --------------------------------------------------------------------------------


@transaction.atomic
def report_open(*, plan_year: PlanYear, unit: Unit, month: int, user: User) -> MonthlyReport:
    """The unit's report for ``month``: its latest version, or a new draft prepared from the
    records. Only the unit's clerk or leader opens one."""
    if role_of(user) not in ("clerk", "leader") or user.unit_id != unit.id:
        raise PermissionDenied("只能填报本区县的月报")
    if not 1 <= month <= 12:
        raise ValidationError("月份须为 1—12")
    latest = (
        MonthlyReport.objects.filter(plan_year=plan_year, unit=unit, month=month)
        .order_by("-version")
        .first()
    )
    if latest is not None:
        return latest
    report = MonthlyReport(plan_year=plan_year, unit=unit, month=month, created_by=user)
    report.figures = report_figures(plan_year=plan_year, unit=unit, month=month)
    _save(report, user)
    return report


@transaction.atomic
def report_save_draft(
    *, report: MonthlyReport, problems: str, next_plan: str, user: User
) -> MonthlyReport:
    """Write the notes of a draft and prepare its figures again from the records."""
    _require(user, report, Action.SUBMIT)
    report = _locked(report, Action.SUBMIT)
    report.problems, report.next_plan = problems, next_plan
    report.figures = report_figures(
        plan_year=report.plan_year, unit=report.unit, month=report.month
    )
    _save(report, user)
    return report


@transaction.atomic
def report_submit(
    *, report: MonthlyReport, user: User, at: datetime | None = None
) -> MonthlyReport:
    """The clerk submits the draft to the unit's leader; its figures are prepared once more."""
    _require(user, report, Action.SUBMIT)
    report = _locked(report, Action.SUBMIT)
    report.figures = report_figures(
        plan_year=report.plan_year, unit=report.unit, month=report.month
    )
    report.state = ReportState.SUBMITTED
    report.submitted_at, report.submitted_by = at or timezone.now(), user
    _save(report, user)
    return report


@transaction.atomic
def report_approve(
    *, report: MonthlyReport, stamp: File, user: User, at: datetime | None = None
) -> MonthlyReport:
    """The leader approves with the stamped scan: the figures are prepared a last time and frozen
    with their digest, the report becomes valid, and the checks for suspect figures run."""
    _require(user, report, Action.APPROVE)
    report = _locked(report, Action.APPROVE)
    if not stamp:
        raise ValidationError({"stamp": "须上传加盖单位印章的扫描件"})
    report.figures = report_figures(
        plan_year=report.plan_year, unit=report.unit, month=report.month
    )
    report.stamp = stamp
    report.state = ReportState.APPROVED
    report.approved_at, report.approved_by = at or timezone.now(), user
    report.withdraw_reason = ""
    report.digest = report_digest(report)
    _save(report, user)
    flags_check(plan_year=report.plan_year, reports=[report])
    return report


@transaction.atomic
def report_withdraw(*, report: MonthlyReport, reason: str, user: User) -> MonthlyReport:
    """The leader withdraws an approval the city has not received yet; the version is a draft
    again and the reason is kept."""
    reason = _required(reason, "reason", "请填写撤回审核的原因")
    _require(user, report, Action.WITHDRAW)
    report = _locked(report, Action.WITHDRAW)
    report.state = ReportState.DRAFT
    report.withdraw_reason = reason
    report.approved_at = report.approved_by = report.submitted_at = report.submitted_by = None
    report.digest = ""
    report.stamp = ""
    _save(report, user, reason=f"撤回审核：{reason}")
    return report


@transaction.atomic
def report_receive(
    *, report: MonthlyReport, user: User, at: datetime | None = None
) -> MonthlyReport:
    """The city office receives a valid report; nobody edits it afterwards."""
    _require(user, report, Action.RECEIVE)
    report = _locked(report, Action.RECEIVE)
    report.state = ReportState.RECEIVED
    report.received_at, report.received_by = at or timezone.now(), user
    _save(report, user)
    return report


@transaction.atomic
def report_return(
    *,
    report: MonthlyReport,
    reason: str,
    wrong_figures: bool,
    user: User,
    at: datetime | None = None,
) -> MonthlyReport:
    """The city office returns a valid report with a reason; returned for wrong figures it counts
    as 错报. The version is kept as it is; the unit corrects it in a new version."""
    reason = _required(reason, "reason", "退回须填写原因")
    _require(user, report, Action.RETURN)
    report = _locked(report, Action.RETURN)
    report.state = ReportState.RETURNED
    report.returned_at, report.returned_by = at or timezone.now(), user
    report.return_reason, report.wrong_figures = reason, wrong_figures
    _save(report, user, reason=f"退回：{reason}")
    return report


@transaction.atomic
def report_correct(*, report: MonthlyReport, user: User) -> MonthlyReport:
    """A new draft version of a returned report, with its notes, prepared from the records."""
    _require(user, report, Action.CORRECT)
    returned = _locked(report, Action.CORRECT)
    latest = (
        MonthlyReport.objects.filter(
            plan_year=returned.plan_year, unit=returned.unit, month=returned.month
        )
        .order_by("-version")
        .first()
    )
    assert latest is not None
    if latest.pk != returned.pk:
        raise ReportConflict("已有更新的版本")
    new = MonthlyReport(
        plan_year=returned.plan_year,
        unit=returned.unit,
        month=returned.month,
        version=returned.version + 1,
        problems=returned.problems,
        next_plan=returned.next_plan,
        created_by=user,
    )
    new.figures = report_figures(plan_year=new.plan_year, unit=new.unit, month=new.month)
    _save(new, user, reason=f"更正第{returned.version}版")
    return new


# --- suspect figures ----------------------------------------------------------------------------


# The states of the valid version of a month: approved by the unit's leader with the stamp, and not
# returned by the city office (a returned version is kept, but it is no longer the record).
RECORD_STATES = (ReportState.APPROVED, ReportState.RECEIVED)


def valid_versions(
    *, plan_year: PlanYear, month: int | None = None, units: Sequence[Unit] | None = None
) -> dict[tuple[int, int], MonthlyReport]:
    """The valid version of each unit's month, by (unit id, month): the latest version approved or
    received. This version is the report: exports, totals, flags and pages read its frozen figures.
    A month without one has no report (whatever is shown from the records is a working copy). One
    query."""
    versions = MonthlyReport.objects.filter(plan_year=plan_year, state__in=RECORD_STATES)
    if month is not None:
        versions = versions.filter(month=month)
    if units is not None:
        versions = versions.filter(unit__in=units)
    result: dict[tuple[int, int], MonthlyReport] = {}
    for version in versions.select_related(
        "unit", "plan_year", "approved_by", "received_by"
    ).order_by("version"):
        result[(version.unit_id, version.month)] = version
    return result


def valid_reports(*, plan_year: PlanYear) -> list[MonthlyReport]:
    return list(
        MonthlyReport.objects.filter(plan_year=plan_year, state__in=VALID_STATES)
        .select_related("unit", "plan_year")
        .order_by("unit__sort_order", "month", "version")
    )


def flags_check(
    *, plan_year: PlanYear, reports: Sequence[MonthlyReport] | None = None
) -> list[ReportFlag]:
    """Raise a flag on each valid report whose cumulative figures fall below an earlier month's
    valid report, or differ from the project records at its month end (recomputed now). Flags
    already raised are not raised again. Returns the new flags."""
    every = valid_reports(plan_year=plan_year)
    checked = every if reports is None else [r for r in every if r.pk in {x.pk for x in reports}]
    by_unit: dict[int, list[MonthlyReport]] = defaultdict(list)
    for r in every:
        by_unit[r.unit_id].append(r)
    records: dict[tuple[int, int], dict[str, Any]] = {}
    new_flags = []
    for report in checked:
        earlier = [r for r in by_unit[report.unit_id] if r.month < report.month]
        if earlier:
            previous = max(earlier, key=lambda r: (r.month, r.version))
            for detail in figures_fell(
                earlier=previous.figures, later=report.figures, earlier_month=previous.month
            ):
                new_flags.append(ReportFlag(report=report, kind=FlagKind.FELL, detail=detail))
        key = (report.unit_id, report.month)
        if key not in records:
            records[key] = report_figures(plan_year=plan_year, unit=report.unit, month=report.month)
        for detail in figures_differ(reported=report.figures, records=records[key]):
            new_flags.append(ReportFlag(report=report, kind=FlagKind.DIFFERS, detail=detail))
    created = []
    for flag in new_flags:
        if not ReportFlag.objects.filter(
            report=flag.report, kind=flag.kind, detail=flag.detail
        ).exists():
            flag.save()
            created.append(flag)
    return created


@transaction.atomic
def flag_rule(*, flag: ReportFlag, upheld: bool, reason: str, user: User) -> ReportFlag:
    """The city office rules on a flag: upheld (counts as 瞒报 in the assessment) or dismissed,
    always with a reason."""
    if role_of(user) != Role.CITY:
        raise PermissionDenied("只有市老旧办可以认定疑点")
    reason = _required(reason, "reason", "请填写认定理由")
    flag = ReportFlag.objects.select_for_update().get(pk=flag.pk)
    if flag.ruling != Ruling.OPEN:
        raise ReportConflict("该疑点已认定")
    flag.ruling = Ruling.UPHELD if upheld else Ruling.DISMISSED
    flag.ruling_reason, flag.ruled_by, flag.ruled_at = reason, user, timezone.now()
    flag._history_user = user  # type: ignore[attr-defined]
    flag.full_clean()
    flag.save()
    return flag


# --- timeliness and the annual assessment -------------------------------------------------------


def _local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def valid_on_by_month(*, plan_year: PlanYear) -> dict[tuple[int, int], date]:
    """The day each unit's report for each month first became valid (the earliest approval among
    versions still valid), by (unit id, month). One query."""
    rows = (
        MonthlyReport.objects.filter(plan_year=plan_year, state__in=VALID_STATES)
        .values("unit_id", "month")
        .annotate(first=Min("approved_at"))
        .order_by()
    )
    return {(r["unit_id"], r["month"]): _local_day(r["first"]) for r in rows}


@dataclass(frozen=True)
class MonthStatus:
    month: int
    due: date
    timeliness: Timeliness
    valid_on: date | None


def unit_timeliness(
    *, plan_year: PlanYear, unit: Unit, today: date, valid_on: dict[tuple[int, int], date]
) -> list[MonthStatus]:
    result = []
    for month in range(1, 13):
        due = report_due(year=plan_year.year, month=month, due_day=plan_year.report_due_day)
        arrived = valid_on.get((unit.id, month))
        if arrived is not None and arrived > today:
            arrived = None  # not arrived yet on the day asked about
        result.append(
            MonthStatus(month, due, timeliness(due=due, valid_on=arrived, today=today), arrived)
        )
    return result


@dataclass(frozen=True)
class AssessmentRow:
    """One unit's line of the annual assessment (年度考核评价)."""

    unit: Unit
    due: int
    on_time: int
    late: int
    missing: int
    wrong: int
    concealed: int
    milestones: dict[str, MilestoneStatus]


def assessment(*, plan_year: PlanYear, today: date) -> list[AssessmentRow]:
    """Per unit: reports due by ``today`` (outcome settled), valid on time, 迟报, 漏报, 错报
    (returned for wrong figures by ``today``), 瞒报/错报 flags upheld by ``today``, and the milestone
    results on ``today`` (clipped to the year).
    A fixed number of queries whatever the number of reports."""
    valid_on = valid_on_by_month(plan_year=plan_year)
    # Returns and rulings count from the day they were made (local days, as the due days are).
    day_end = timezone.make_aware(datetime.combine(today + timedelta(days=1), time.min))
    wrong = dict(
        MonthlyReport.objects.filter(
            plan_year=plan_year, wrong_figures=True, returned_at__lt=day_end
        )
        .values("unit_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("unit_id", "n")
    )
    concealed = dict(
        ReportFlag.objects.filter(
            report__plan_year=plan_year, ruling=Ruling.UPHELD, ruled_at__lt=day_end
        )
        .values("report__unit_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("report__unit_id", "n")
    )
    report = facts.milestone_report(
        plan_year=plan_year, as_of=facts.clip_to_year(plan_year=plan_year, day=today)
    )
    rows = []
    for row in report.units:
        assert row.unit is not None
        # The months whose outcome is settled: due day passed (on time, late or missing), or the
        # due day itself with a valid report already in; so due = on time + late + missing.
        months = [
            m
            for m in unit_timeliness(
                plan_year=plan_year, unit=row.unit, today=today, valid_on=valid_on
            )
            if m.due < today or (m.due == today and m.valid_on is not None)
        ]
        rows.append(
            AssessmentRow(
                unit=row.unit,
                due=len(months),
                on_time=sum(m.timeliness == Timeliness.ON_TIME for m in months),
                late=sum(m.timeliness == Timeliness.LATE for m in months),
                missing=sum(m.timeliness == Timeliness.MISSING for m in months),
                wrong=wrong.get(row.unit.id, 0),
                concealed=concealed.get(row.unit.id, 0),
                milestones={k: r.status for k, r in row.milestones.items()},
            )
        )
    return rows
