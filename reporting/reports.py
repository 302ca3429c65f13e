"""The monthly report workflow (SPEC §5): one service per action, each atomic, each checking the
role and state through projects.rules.reports, each recording who, when and (where asked) why.

Draft → submitted (clerk) → approved with the stamped scan (leader: the figures are frozen with a
SHA-256 digest) → received or returned with a reason (city office); a returned version stays as it
is and its correction is a new version. A leader may send a submitted draft back to the clerk with a
reason, and withdraw an approval until the city receives it.
"""

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Case, CharField, Count, Func, Min, Q, Sum, TextField, Value, When
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from projects import permissions
from projects import selectors as facts
from projects.choices import ProjectKind, Role
from projects.data_version import cache_read, cache_store, writes_data
from projects.models import PlanYear, Project, Unit, User
from projects.rules.milestones import MilestoneResult, MilestoneStatus
from projects.rules.periods import ReportPeriod, whole_year
from projects.rules.reports import (
    TRANSITIONS,
    Action,
    ReportState,
    Timeliness,
    projects_differ,
    report_discrepancies,
    report_due,
    report_period_end,
    timeliness,
    trial_month,
)
from projects.rules.start import CRITERIA

from . import report_notifications as tell
from .digests import digest_of
from .models import CITY_RULINGS, FlagKind, MonthlyReport, ReportFlag, Ruling

VALID_STATES = (ReportState.APPROVED, ReportState.RECEIVED, ReportState.RETURNED)


class ReportConflict(Exception):
    """The report is no longer in the state the action starts from (someone acted first)."""


# --- figures ------------------------------------------------------------------------------------


def report_figures(
    *,
    plan_year: PlanYear,
    unit: Unit,
    month: int,
    milestones: facts.MilestoneReport | None = None,
) -> dict[str, Any]:
    """The unit's figures at the end of ``month`` from the project records, by the same rules and
    query as ``check_targets``: households and projects started and completed, carry-over progress,
    investment of completed projects, and the new projects still lacking each start criterion.
    ``milestones`` is the month end's milestone report when the caller already has it (filing many
    units' reports at once reads it once)."""
    as_of = report_period_end(year=plan_year.year, month=month)
    report = milestones or facts.milestone_report(plan_year=plan_year, as_of=as_of)
    if report.as_of != as_of:
        raise ValueError(f"里程碑报告的日期 {report.as_of} 不是 {month} 月末")
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
    consultation = facts.consultation_checks(projects=every, as_of=as_of)
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
        "projects": [
            _project_as_reported(
                p, as_of=as_of, statuses=statuses, warnings=consultation[p.id].warnings
            )
            for p in every
        ],
    }


def _project_as_reported(
    project: Project, *, as_of: date, statuses: dict[int, Any], warnings: Sequence[str] = ()
) -> dict[str, Any]:
    """One project as the report stands on it at month end: the dates reached by then, for a new
    project not started the start criteria it still lacked, and its consultation warnings (SPEC
    §4) at month end. Frozen with the figures, so the report names its projects whatever the
    records say later (a report frozen before the warnings were kept has none)."""

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
        "warnings": list(warnings),
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


def report_digest_intact(report: MonthlyReport) -> bool:
    """Whether a frozen report's stored digest still matches its content: False once its figures or
    notes were changed after approval, behind the workflow's back (nothing to check without one)."""
    return not report.digest or report.digest == report_digest(report)


class ContentHash(Func):
    """SHA-256 (hex) that the database takes of a report's stored content (its figures as the
    database keeps them, and its notes): changes whenever the content does, so a digest check
    already made of the same content need not decode and digest the figures again."""

    # SQLite: the SHA256 function Django registers on each connection.
    function = "SHA256"
    output_field = CharField()

    def __init__(self) -> None:
        separator = Value("\x1f")
        content = Concat(
            Cast("figures", TextField()), separator, "problems", separator, "next_plan",
            output_field=TextField(),
        )  # fmt: skip
        super().__init__(content)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(
            compiler, connection, template="encode(sha256(convert_to(%(expressions)s, 'UTF8')), 'hex')",
            **extra,
        )  # fmt: skip


# A digest check is kept this long under its content's hash (it never goes stale: new content has
# a new hash).
DIGEST_CHECK_SECONDS = 7 * 24 * 3600
# Raised whenever report_digest or the key's parts change, so no verdict of before is read.
DIGEST_CHECK_FORMAT = 1


def _digest_check_key(report: MonthlyReport, content_hash: str) -> str:
    identity = "\x1f".join(
        (
            str(report.pk), report.digest, report.unit.name, str(report.plan_year.year),
            str(report.month), str(report.version), content_hash,
        )
    )  # fmt: skip
    return (
        f"zmd:digest:{DIGEST_CHECK_FORMAT}:" + hashlib.sha256(identity.encode("utf-8")).hexdigest()
    )


def digests_intact(reports: Iterable[MonthlyReport]) -> dict[int, bool]:
    """``report_digest_intact`` of each report, by id, for a page or a workbook of reports read with
    their ``content_hash`` (``latest_versions`` with ``hashed``, ``valid_versions`` with
    ``hash_month``; their unit and plan year set). Each verdict is kept in the cache under
    everything the digest covers, the content as its database hash, so the same content is
    digested once; content changed behind the workflow's back has a new hash and is digested again
    (the figures of reports read without them read then, one query). A report without a stored
    digest, or deleted since it was read, is intact (nothing to check). A cache that does not
    answer is skipped: every report is checked."""
    verdicts: dict[int, bool] = {}
    keys: dict[str, MonthlyReport] = {}
    for report in reports:
        if not report.digest:
            verdicts[report.pk] = True
        else:
            keys[_digest_check_key(report, report.content_hash)] = report  # type: ignore[attr-defined]
    found = cache_read(keys) if keys else {}
    for key, verdict in found.items():
        verdicts[keys[key].pk] = bool(verdict)
    unchecked = {key: report for key, report in keys.items() if key not in found}
    # The content of those read without it, in one query (a workbook's reports carry theirs).
    unread = [r.pk for r in unchecked.values() if "figures" in r.get_deferred_fields()]
    content = (
        {
            row["pk"]: row
            for row in MonthlyReport.objects.filter(pk__in=unread).values(
                "pk", "figures", "problems", "next_plan"
            )
        }
        if unread
        else {}
    )
    checked: dict[str, bool] = {}
    for key, report in unchecked.items():
        if report.pk in content:
            row = content[report.pk]
            report = MonthlyReport(
                pk=report.pk, unit=report.unit, plan_year=report.plan_year, month=report.month,
                version=report.version, digest=report.digest, figures=row["figures"],
                problems=row["problems"], next_plan=row["next_plan"],
            )  # fmt: skip
        elif report.pk in unread:  # deleted since it was read: nothing left to check
            verdicts[report.pk] = True
            continue
        verdicts[report.pk] = checked[key] = report_digest_intact(report)
    cache_store(checked, DIGEST_CHECK_SECONDS)
    return verdicts


# --- permissions and state ----------------------------------------------------------------------


def _require(user: User, report: MonthlyReport, action: Action) -> None:
    """The workflow's table says which roles take ``action``; a unit's people act on their own
    unit's reports only."""
    role = permissions.role_of(user)
    permissions.require(role in TRANSITIONS[action].roles)
    permissions.require(
        role not in (Role.CLERK, Role.LEADER) or permissions.may_change_unit(user, report.unit_id),
        "只能处理本区县的月报",
    )


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


@writes_data
@transaction.atomic
def report_open(*, plan_year: PlanYear, unit: Unit, month: int, user: User) -> MonthlyReport:
    """The unit's report for ``month``: its latest version, or a new draft prepared from the
    records. Only the unit's clerk or leader opens one."""
    permissions.require_unit_writer(user, unit.id, "只能填报本区县的月报")
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


@writes_data
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


@writes_data
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
    tell.report_submitted(report, user=user, at=at)
    return report


@writes_data
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
    tell.report_approved(report, user=user, at=at)
    # The unit's earlier months too: a record changed since they were approved shows now.
    flags_check(plan_year=report.plan_year, units=[report.unit])
    return report


@writes_data
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
    _flags_lapse(report, reason=f"第{report.version}版已撤回审核，不再是有效月报")
    tell.report_withdrawn(report, user=user, reason=reason)
    return report


@writes_data
@transaction.atomic
def report_send_back(*, report: MonthlyReport, reason: str, user: User) -> MonthlyReport:
    """The leader sends a submitted draft back to the clerk with a reason, without a stamp; the
    version is a draft again and the clerk sees the reason on it."""
    reason = _required(reason, "reason", "请填写退回修改的原因")
    _require(user, report, Action.SEND_BACK)
    report = _locked(report, Action.SEND_BACK)
    report.state = ReportState.DRAFT
    report.send_back_reason = reason
    report.submitted_at = report.submitted_by = None
    _save(report, user, reason=f"退回修改：{reason}")
    tell.report_sent_back(report, user=user, reason=reason)
    return report


@writes_data
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
    tell.report_received(report, user=user, at=at)
    return report


@writes_data
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
    _flags_lapse(report, reason=f"第{report.version}版已被市老旧办退回，不再是有效月报")
    tell.report_returned(report, user=user, at=at)
    return report


@writes_data
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
    *,
    plan_year: PlanYear,
    month: int | None = None,
    units: Sequence[Unit] | None = None,
    hash_month: int | None = None,
) -> dict[tuple[int, int], MonthlyReport]:
    """The valid version of each unit's month, by (unit id, month): the latest version approved or
    received. This version is the report: exports, totals, flags and pages read its frozen figures.
    A month without one has no report (whatever is shown from the records is a working copy). With
    ``hash_month`` the versions of that month carry their ``content_hash`` for ``digests_intact``.
    One query."""
    versions = MonthlyReport.objects.filter(plan_year=plan_year, state__in=RECORD_STATES)
    if hash_month is not None:
        versions = versions.annotate(
            content_hash=Case(When(month=hash_month, then=ContentHash()), default=Value(""))
        )
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


def latest_versions(
    *,
    plan_year: PlanYear,
    units: Sequence[Unit] | None = None,
    hashed: bool = False,
    fields: Sequence[str] = (),
) -> dict[tuple[int, int], MonthlyReport]:
    """The latest version of each unit's month, by (unit id, month), whatever its state: where the
    month's report stands in the workflow (the months table and the 待办 read it). Read without its
    content (figures and notes: the bulk of the row, and what no caller shows), or with only
    ``fields`` besides its unit, month and version when they are named (a national 待办 reads
    36,000 versions); with ``hashed`` each carries its ``content_hash`` for ``digests_intact``.
    One query."""
    versions = MonthlyReport.objects.filter(plan_year=plan_year)
    versions = (
        versions.only("unit_id", "month", "version", *fields)
        if fields
        else versions.defer("figures", "problems", "next_plan")
    )
    if hashed:
        versions = versions.annotate(content_hash=ContentHash())
    if units is not None:
        versions = versions.filter(unit__in=units)
    result: dict[tuple[int, int], MonthlyReport] = {}
    for version in versions.order_by("version"):
        result[(version.unit_id, version.month)] = version
    return result


def flags_open(*, plan_year: PlanYear, units: Sequence[Unit] | None = None) -> list[ReportFlag]:
    """The flags the city office has still to rule on: open, on a month's valid version (the only
    ones ``flag_rule`` accepts), the oldest first, with their report and unit. One query."""
    flags = ReportFlag.objects.filter(
        report__plan_year=plan_year, report__state__in=RECORD_STATES, ruling=Ruling.OPEN
    )
    if units is not None:
        flags = flags.filter(report__unit__in=units)
    return list(flags.select_related("report__unit").order_by("raised_at", "id"))


@dataclass(frozen=True)
class FlagCheck:
    """What one check changed: flags raised, open flags whose detail or projects changed, and open
    flags that lapsed (their version is no longer valid, or the records agree again)."""

    raised: list[ReportFlag]
    updated: list[ReportFlag]
    lapsed: list[ReportFlag]

    def __bool__(self) -> bool:
        return bool(self.raised or self.updated or self.lapsed)


def _flag_save(flag: ReportFlag, reason: str) -> None:
    flag._change_reason = reason[:100]  # type: ignore[attr-defined]
    flag.full_clean(validate_constraints=False)  # the database holds the one-open-flag rule
    flag.save()


# A flag covers every figure of its report that differs: one report that differs from the records
# is one discrepancy, whichever and however many of its figures a change moves.
ALL_FIGURES = ""


def _flag_projects(
    report: MonthlyReport, records: dict[str, Any], figures: Sequence[str]
) -> list[dict[str, Any]] | None:
    """The projects behind a report's discrepancy, each once with what it moved in each figure, or
    None when the report froze no project list."""
    if "projects" not in report.figures:
        return None
    return [
        {
            "project_id": c.project_id,
            "name": c.name,
            "reported": c.reported,
            "records": c.records,
            "text": c.text,
        }
        for c in projects_differ(
            reported=report.figures["projects"], records=records["projects"], figures=figures
        )
    ]


def _flags_lapse(report: MonthlyReport, *, reason: str) -> list[ReportFlag]:
    """Close the open flags of a version that is no longer the valid one: the assessment counts
    flags on valid versions only, and the correction, once approved, is checked afresh."""
    lapsed = []
    for flag in ReportFlag.objects.select_for_update().filter(report=report, ruling=Ruling.OPEN):
        flag.ruling, flag.ruling_reason, flag.ruled_at = Ruling.LAPSED, reason, timezone.now()
        _flag_save(flag, reason)
        lapsed.append(flag)
    return lapsed


@writes_data
@transaction.atomic
def flags_check(
    *,
    plan_year: PlanYear,
    units: Sequence[Unit] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> FlagCheck:
    """Check the valid version of each month (of ``units``, default all) against the project
    records at its month end, recomputed now. A report that differs is one discrepancy, one flag
    (report, kind) naming every figure and project that differs: an open flag is updated, never
    duplicated, however often the records move between checks. A difference the city has already
    ruled on is not raised again: a later flag on the same report names only the projects no ruling
    has covered (without a frozen project list, only a changed detail raises one). An open flag
    whose report agrees again, or whose version is no longer valid, lapses. ``progress(done,
    total)`` is told as each valid version is checked (a background job's progress bar)."""
    valid = valid_versions(plan_year=plan_year, units=units)
    # The valid versions' rows, locked in one order before their flags are read: of two checks at
    # once, the second waits and then finds the first one's flags open, so it updates them.
    list(
        MonthlyReport.objects.select_for_update()
        .filter(pk__in=[r.pk for r in valid.values()])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    flags = ReportFlag.objects.select_for_update().filter(report__plan_year=plan_year)
    if units is not None:
        flags = flags.filter(report__unit__in=units)
    open_flags: dict[tuple[int, str, str], ReportFlag] = {}
    ruled_details: set[tuple[int, str]] = set()
    ruled_projects: dict[int, set[tuple[int, str]]] = {}
    for flag in flags.select_related("report"):
        if flag.ruling == Ruling.OPEN:
            open_flags[(flag.report_id, flag.kind, flag.figure)] = flag
        elif flag.ruling in CITY_RULINGS:  # a lapsed flag settles nothing
            ruled_details.add((flag.report_id, flag.detail))
            ruled_projects.setdefault(flag.report_id, set()).update(
                (int(p["project_id"]), str(p["text"])) for p in flag.projects or []
            )
    valid_ids = {r.pk for r in valid.values()}
    flagged: set[int] = set()
    result = FlagCheck([], [], [])
    previous: dict[int, MonthlyReport] = {}
    # Each month end's milestone report (every unit) is read once, not once per unit's report.
    milestones: dict[int, facts.MilestoneReport] = {}
    for checked, ((unit_id, month), report) in enumerate(sorted(valid.items())):
        if progress is not None:
            progress(checked, len(valid))
        earlier = previous.get(unit_id)
        previous[unit_id] = report
        if month not in milestones:
            milestones[month] = facts.milestone_report(
                plan_year=plan_year, as_of=report_period_end(year=plan_year.year, month=month)
            )
        records = report_figures(
            plan_year=plan_year, unit=report.unit, month=month, milestones=milestones[month]
        )
        found = report_discrepancies(
            reported=report.figures,
            records=records,
            earlier=earlier.figures if earlier is not None else None,
            earlier_month=earlier.month if earlier is not None else None,
        )
        if not found:
            continue
        detail = "；".join(d.detail for d in found)
        projects = _flag_projects(report, records, [d.figure for d in found])
        if projects is not None:
            settled = ruled_projects.get(report.pk, set())
            projects = [p for p in projects if (p["project_id"], p["text"]) not in settled]
            if not projects and report.pk in ruled_projects:
                continue  # every project behind it has been ruled on
        elif (report.pk, detail) in ruled_details:
            continue
        flagged.add(report.pk)
        key = (report.pk, str(FlagKind.DIFFERS), ALL_FIGURES)
        if key in open_flags:
            flag = open_flags.pop(key)
            if (flag.detail, flag.projects) != (detail, projects):
                flag.detail, flag.projects = detail, projects
                flag.updated_at = timezone.now()
                _flag_save(flag, "重新核对：差异有变化")
                result.updated.append(flag)
        else:
            flag = ReportFlag(
                report=report,
                kind=FlagKind.DIFFERS,
                figure=ALL_FIGURES,
                detail=detail,
                projects=projects,
            )
            _flag_save(flag, "核对发现")
            result.raised.append(flag)
    for flag in open_flags.values():
        valid_now = flag.report_id in valid_ids
        flag.ruling, flag.ruled_at = Ruling.LAPSED, timezone.now()
        flag.ruling_reason = (
            f"第{flag.report.version}版已不是有效月报"
            if not valid_now
            else "已并入该月报的疑点"
            if flag.report_id in flagged
            else "项目记录已与报告一致"
            if flag.kind == FlagKind.DIFFERS
            else "累计数下降改由与项目记录的比对核对"
        )
        _flag_save(flag, flag.ruling_reason)
        result.lapsed.append(flag)
    return result


@writes_data
@transaction.atomic
def flag_rule(*, flag: ReportFlag, ruling: str, reason: str, user: User) -> ReportFlag:
    """The city office rules on an open flag: 认定瞒报 (counts as 瞒报), 认定错报 (counts as 错报)
    or 不予认定, always with a reason. Only a flag on the month's valid version is ruled on."""
    permissions.require_city_office(user, "只有市老旧办可以认定疑点")
    if ruling not in CITY_RULINGS:
        raise ValidationError({"ruling": "认定结果须为认定瞒报、认定错报或不予认定"})
    reason = _required(reason, "reason", "请填写认定理由")
    flag = ReportFlag.objects.select_for_update().select_related("report").get(pk=flag.pk)
    if flag.ruling != Ruling.OPEN:
        raise ReportConflict("该疑点已认定或已失效")
    if flag.report.state not in RECORD_STATES:
        raise ReportConflict("该疑点所在版本已不是有效月报")
    flag.ruling = Ruling(ruling)
    flag.ruling_reason, flag.ruled_by, flag.ruled_at = reason, user, timezone.now()
    flag._history_user = user  # type: ignore[attr-defined]
    _flag_save(flag, f"{flag.get_ruling_display()}：{reason}")
    tell.flag_ruled(flag, user=user)
    return flag


# --- timeliness and the annual assessment -------------------------------------------------------


def _local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def valid_on_by_month(
    *, plan_year: PlanYear, units: Sequence[Unit] | None = None
) -> dict[tuple[int, int], date]:
    """The day each unit's (of ``units`` when given) report for each month first became valid (the
    earliest approval among versions still valid), by (unit id, month). One query."""
    valid = MonthlyReport.objects.filter(plan_year=plan_year, state__in=VALID_STATES)
    if units is not None:
        valid = valid.filter(unit__in=units)
    rows = valid.values("unit_id", "month").annotate(first=Min("approved_at")).order_by()
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
    trial_months = list(plan_year.trial_months or [])
    for month in range(1, 13):
        due = report_due(year=plan_year.year, month=month, due_day=plan_year.report_due_day)
        arrived = valid_on.get((unit.id, month))
        if arrived is not None and arrived > today:
            arrived = None  # not arrived yet on the day asked about
        judged = timeliness(
            due=due,
            valid_on=arrived,
            today=today,
            trial=trial_month(month=month, trial_months=trial_months),
        )
        result.append(MonthStatus(month, due, judged, arrived))
    return result


@dataclass(frozen=True)
class AssessmentRow:
    """One unit's line of the annual assessment (年度考核评价), or of a notice (通报) for a period:
    the months behind each count, so a count and the months it names can never disagree."""

    unit: Unit
    due: int
    on_time: int
    late_months: tuple[int, ...]
    missing_months: tuple[int, ...]
    # One entry per return for wrong figures or flag ruled 认定错报 (a month may appear twice).
    wrong_months: tuple[int, ...]
    concealed_months: tuple[int, ...]
    milestones: dict[str, MilestoneStatus]
    results: dict[str, MilestoneResult]

    @property
    def late(self) -> int:
        return len(self.late_months)

    @property
    def missing(self) -> int:
        return len(self.missing_months)

    @property
    def wrong(self) -> int:
        return len(self.wrong_months)

    @property
    def concealed(self) -> int:
        return len(self.concealed_months)


def assessment_day(*, plan_year: PlanYear, asked: date | None = None) -> date:
    """The day the annual assessment is judged on: the day asked for, else today, from the plan
    year's start to ``assessment_latest`` (as every page clips its date). Its report counts
    (迟报, 漏报, returns and rulings) stand on that day, since reports are settled and ruled after
    the year ends; its milestones are judged on the earlier of that day and the plan year's end,
    the same results as the dashboards' default (``milestone_day``)."""
    return facts.page_date(plan_year=plan_year, asked=asked, latest=assessment_latest(plan_year))


def assessment_latest(plan_year: PlanYear) -> date:
    """The latest day the assessment may be asked for: today, or the plan year's end while the year
    runs — its counts settle after the year ends, but no day to come can be judged yet."""
    return max(facts.today_local(), plan_year.year_end)


def milestone_day(*, plan_year: PlanYear, day: date, period: ReportPeriod | None = None) -> date:
    """The day the assessment's milestones are read on: ``day``, or the period's end when that is
    earlier, clipped to the plan year."""
    if period is not None:
        day = min(day, period.end)
    return facts.clip_to_year(plan_year=plan_year, day=day)


def assessment(
    *, plan_year: PlanYear, today: date, period: ReportPeriod | None = None
) -> list[AssessmentRow]:
    """Per unit, for the report months of ``period`` (default the whole plan year): reports due by
    ``today`` (outcome settled), valid on time, 迟报, 漏报, 错报 (versions returned for wrong figures
    by ``today``, plus flags ruled 认定错报 by then), 瞒报 (flags ruled 认定瞒报 by ``today``),
    rulings counted on valid versions only, each with its months; and the milestone results on
    ``today`` or the period's end, whichever is earlier (clipped to the year).
    A fixed number of queries whatever the number of reports."""
    period = period or whole_year(plan_year.year)
    if period.year != plan_year.year:
        raise ValueError(f"期间 {period.label} 不在 {plan_year.year} 年度计划内")
    months_in = Q(month__gte=period.first_month, month__lte=period.last_month)
    valid_on = valid_on_by_month(plan_year=plan_year)
    # Trial months (试填报) count nowhere in the assessment: not due, not 错报, not 瞒报.
    trial_months = list(plan_year.trial_months or [])
    # Returns and rulings count from the day they were made (local days, as the due days are).
    day_end = timezone.make_aware(datetime.combine(today + timedelta(days=1), time.min))
    wrong: dict[int, list[int]] = {}
    for unit_id, month in (
        MonthlyReport.objects.filter(
            months_in, plan_year=plan_year, wrong_figures=True, returned_at__lt=day_end
        )
        .exclude(month__in=trial_months)
        .order_by("month", "version")
        .values_list("unit_id", "month")
    ):
        wrong.setdefault(unit_id, []).append(month)
    # Rulings count while their version is the valid one (a returned version's rulings give way
    # to the return, which counts 错报 itself when it was for wrong figures).
    concealed: dict[int, list[int]] = {}
    for unit_id, month, ruling in (
        ReportFlag.objects.filter(
            report__plan_year=plan_year,
            report__month__gte=period.first_month,
            report__month__lte=period.last_month,
            report__state__in=RECORD_STATES,
            ruled_at__lt=day_end,
            ruling__in=(Ruling.CONCEALED, Ruling.WRONG),
        )
        .exclude(report__month__in=trial_months)
        .order_by("report__month", "ruled_at", "id")
        .values_list("report__unit_id", "report__month", "ruling")
    ):
        (concealed if ruling == Ruling.CONCEALED else wrong).setdefault(unit_id, []).append(month)
    report = facts.milestone_report(
        plan_year=plan_year, as_of=milestone_day(plan_year=plan_year, day=today, period=period)
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
            if m.month in period.months
            and m.timeliness != Timeliness.TRIAL
            and (m.due < today or (m.due == today and m.valid_on is not None))
        ]

        def named(kind: Timeliness, months: list[MonthStatus] = months) -> tuple[int, ...]:
            return tuple(m.month for m in months if m.timeliness == kind)

        rows.append(
            AssessmentRow(
                unit=row.unit,
                due=len(months),
                on_time=len(named(Timeliness.ON_TIME)),
                late_months=named(Timeliness.LATE),
                missing_months=named(Timeliness.MISSING),
                wrong_months=tuple(sorted(wrong.get(row.unit.id, []))),
                concealed_months=tuple(concealed.get(row.unit.id, [])),
                milestones={k: r.status for k, r in row.milestones.items()},
                results=dict(row.milestones),
            )
        )
    return rows
