"""The monthly reports' figures as the plain dataclasses the workbook writers take.

A unit's month is its valid report (``reports.valid_versions``): the figures, statuses and projects
frozen when it was approved, its notes, approval and own digest, never recomputed; the milestone
rule only derives the households needed from the frozen targets. A month without a valid report is a
working copy read from the records with the portal's selectors and rules (the same as the dashboards
and ``check_targets``). The city's workbook compiles the units' valid reports.

A fixed number of queries whatever the number of projects and reports.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone, translation

from projects import selectors as facts
from projects.choices import Measure, ProjectKind, TargetBasis
from projects.models import Milestone, PlanYear, Project, Unit, User
from projects.rules.milestones import (
    STATUS_LABELS,
    MilestoneSpec,
    MilestoneStatus,
    judged_on,
    milestone_status,
)
from projects.rules.reports import report_period_end
from projects.rules.start import CRITERION_SHORT_LABELS
from projects.rules.targets import TargetCheck
from reporting.digests import digest_of, plain
from reporting.models import MonthlyReport
from reporting.reports import digests_intact, milestone_day, report_digest_intact, valid_versions
from reporting.selectors import row_shares

from .rows import (
    Assessment,
    AssessmentRow,
    CityMonthly,
    MilestoneCell,
    MilestoneColumn,
    NotStartedRow,
    ProgressRow,
    ProjectRow,
    ReportCounts,
    ReportRecord,
    TimelinessRow,
    TimelinessTable,
    UnallocatedRow,
    UnitMonthly,
    UnreportedRow,
)

UNALLOCATED_LABEL = "未分解到区县的目标"
UNALLOCATED_NOTE = "全市目标中来源文件未分解到区县的部分，待市老旧办录入"
UNASSIGNED_LABEL = "未列明区县的续建目标"
UNASSIGNED_NOTE = "续建目标所属区县在来源文件中缺失，待市老旧办指定"

Report = TypeVar("Report", CityMonthly, UnitMonthly, Assessment)


# --- the digest of a compiled table ------------------------------------------------------------


def figures_of(report: CityMonthly | UnitMonthly | Assessment) -> dict[str, Any]:
    """Everything a table shows except its own digest: what the digest is taken over."""
    figures = plain(report)
    figures.pop("digest")
    return dict(figures)


def with_digest(report: Report) -> Report:
    """A compiled table (the city's, the assessment) with the digest of its figures, taken with the
    portal's one digest function."""
    return replace(report, digest=digest_of(figures_of(report)))


# --- rows ---------------------------------------------------------------------------------------


def columns_of(specs: Iterable[MilestoneSpec]) -> tuple[MilestoneColumn, ...]:
    return tuple(
        MilestoneColumn(key=s.key, label=s.name, due=s.due, measure=s.measure) for s in specs
    )


def milestone_columns(report: facts.MilestoneReport) -> tuple[MilestoneColumn, ...]:
    return columns_of(report.specs)


def milestone_cells(row: facts.MilestoneRow) -> tuple[MilestoneCell, ...]:
    return tuple(
        MilestoneCell(key=key, needed=r.target, actual=r.actual, status=STATUS_LABELS[r.status])
        for key, r in row.milestones.items()
    )


def _progress(
    *,
    label: str,
    targets: facts.Targets,
    today: facts.Figures,
    projects_total: int,
    investment_completed: Decimal,
    milestones: tuple[MilestoneCell, ...],
) -> ProgressRow:
    """A progress row with the dashboard's shares (rounded down, by ``row_shares``) beside it."""
    shares = row_shares(
        facts.MilestoneRow(
            label=label,
            unit=None,
            targets=targets,
            projects_total=projects_total,
            today=today,
            milestones={},
        )
    )
    return ProgressRow(
        label=label,
        new_target=targets.new_starts,
        new_started=today.new_started,
        started_share_tenths=shares.started,
        completion_target=targets.completions,
        new_completed=today.new_completed,
        completed_share_tenths=shares.completed,
        carryover_target=targets.carryover,
        carryover_completed=today.carryover_completed,
        carryover_share_tenths=shares.carryover,
        investment_completed=investment_completed,
        projects_started=today.projects_started,
        projects_total=projects_total,
        milestones=milestones,
    )


def progress_row(row: facts.MilestoneRow, *, investment_completed: Decimal) -> ProgressRow:
    """A row of the milestone report (the live records) as a progress row."""
    return _progress(
        label=row.label,
        targets=row.targets,
        today=row.today,
        projects_total=row.projects_total,
        investment_completed=investment_completed,
        milestones=milestone_cells(row),
    )


def investment_completed_by_unit(*, plan_year: PlanYear, as_of: date) -> dict[int, Decimal]:
    """Per unit, the investment estimates (万元) of its projects completed by ``as_of``, new and
    carried over alike: one grouped query."""
    rows = (
        Project.objects.filter(plan_year=plan_year, completed_on__lte=as_of)
        .order_by()
        .values("unit_id")
        .annotate(total=Sum("investment"))
        .values_list("unit_id", "total")
    )
    return {unit_id: Decimal(total or 0) for unit_id, total in rows}


def unallocated_rows(
    *, reconciliation: TargetCheck, unassigned: Sequence[int]
) -> tuple[UnallocatedRow, ...]:
    """The city's targets the source gives to no unit, as the dashboard shows them."""
    rec = reconciliation
    rows = []
    if rec.unallocated_new_starts or rec.unallocated_completions:
        rows.append(
            UnallocatedRow(
                UNALLOCATED_LABEL,
                rec.unallocated_new_starts,
                rec.unallocated_completions,
                None,
                UNALLOCATED_NOTE,
            )
        )
    rows += [
        UnallocatedRow(UNASSIGNED_LABEL, None, None, households, UNASSIGNED_NOTE)
        for households in unassigned
    ]
    return tuple(rows)


def not_started(project: Project, *, as_of: date) -> bool:
    """A 2022 project without a start date on or before ``as_of``."""
    return project.kind == ProjectKind.NEW and (
        project.started_on is None or project.started_on > as_of
    )


def not_started_rows(*, projects: Sequence[Project], as_of: date) -> list[NotStartedRow]:
    """The projects not started by ``as_of`` (units and plan years selected), each with the start
    criteria it still lacked that day, judged by the one start rule from the stored consent date
    (two queries)."""
    waiting = [p for p in projects if not_started(p, as_of=as_of)]
    statuses = facts.start_statuses(projects=waiting, as_of=as_of, stored_consent=True)
    return [
        NotStartedRow(
            unit=p.unit.name,
            project=p.name,
            households=p.households,
            missing="、".join(CRITERION_SHORT_LABELS[k] for k in statuses[p.id].missing),
        )
        for p in waiting
    ]


def _on_or_before(day: date | None, as_of: date) -> date | None:
    return day if day is not None and day <= as_of else None


def local_naive(moment: datetime | None) -> datetime | None:
    """A stored (aware) time as the portal's local time without a zone, as the sheets show it."""
    if moment is None or timezone.is_naive(moment):
        return moment
    return timezone.localtime(moment).replace(tzinfo=None)


def timeliness_row(
    *,
    unit: str,
    version: int | None,
    state_label: str,
    submitted_at: datetime | None,
    approved_at: datetime | None,
    timeliness_label: str,
    digest: str,
) -> TimelinessRow:
    """A timeliness row from the report workflow's values, its times made local."""
    return TimelinessRow(
        unit=unit,
        version=version,
        state_label=state_label,
        submitted_at=local_naive(submitted_at),
        approved_at=local_naive(approved_at),
        timeliness_label=timeliness_label,
        digest=digest,
    )


def _no_timeliness() -> TimelinessTable:
    return TimelinessTable(as_of=facts.today_local(), rows=())


# --- a valid report's frozen figures ------------------------------------------------------------


def _person(user: User | None) -> str:
    return (user.get_full_name() or user.username) if user is not None else ""


def report_record(report: MonthlyReport) -> ReportRecord:
    """The valid version as the workbook shows it (``approved_by`` and ``received_by`` selected)."""
    return ReportRecord(
        version=report.version,
        state_label=str(report.get_state_display()),
        approved_by=_person(report.approved_by),
        approved_at=local_naive(report.approved_at),
        received_by=_person(report.received_by),
        received_at=local_naive(report.received_at),
        problems=report.problems,
        next_plan=report.next_plan,
        digest=report.digest,
        digest_intact=report_digest_intact(report),
    )


def _frozen_targets(figures: Mapping[str, Any]) -> facts.Targets:
    t = figures.get("targets", {})
    return facts.Targets(t.get("new_starts"), t.get("completions"), t.get("carryover"))


def frozen_milestone_cells(
    figures: Mapping[str, Any],
    *,
    specs: Sequence[tuple[MilestoneSpec, Milestone]],
    as_of: date,
    year_start: date,
    reported_on: Mapping[date, Mapping[str, Any]],
) -> tuple[MilestoneCell, ...]:
    """A report's milestones: the statuses it froze, and the households needed and judged derived
    from its frozen targets and figures by the milestone rule. A milestone judged on a due date
    before the report's month end reads that date's figure from the valid report of the month the
    due date ends (``reported_on``, by month end); without one the figure is unknown (None)."""
    frozen = figures.get("milestones", {})
    targets = _frozen_targets(figures)
    cells = []
    for spec, milestone in specs:
        day = judged_on(due=spec.due, as_of=as_of)
        source = figures if day == as_of else reported_on.get(day)
        measure = Measure(milestone.measure).value
        actual = source.get(measure) if source is not None else None
        judged = milestone_status(
            spec=spec,
            base_target=getattr(targets, TargetBasis(milestone.basis).value),
            actual=actual or 0,
            as_of=as_of,
            year_start=year_start,
        )
        status = frozen.get(spec.key)
        cells.append(
            MilestoneCell(
                key=spec.key,
                needed=judged.target,
                actual=actual,
                status=STATUS_LABELS[MilestoneStatus(status)] if status else "—",
            )
        )
    return tuple(cells)


def frozen_progress_row(
    *, label: str, figures: Mapping[str, Any], milestones: tuple[MilestoneCell, ...]
) -> ProgressRow:
    """A valid report's progress row from its frozen figures only."""
    return _progress(
        label=label,
        targets=_frozen_targets(figures),
        today=facts.Figures(
            carryover_completed=figures["carryover_completed"],
            new_started=figures["new_started"],
            new_completed=figures["new_completed"],
            projects_started=figures["projects_started"],
        ),
        projects_total=figures["projects_total"],
        investment_completed=Decimal(figures["investment_completed"]),
        milestones=milestones,
    )


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def frozen_projects(figures: Mapping[str, Any]) -> list[ProjectRow] | None:
    """The projects the report froze (None for a report approved before projects were frozen)."""
    if "projects" not in figures:
        return None
    return [
        ProjectRow(
            name=p["name"],
            kind_label=str(ProjectKind(p["kind"]).label),
            households=p["households"],
            investment=Decimal(p["investment"]),
            started_on=_day(p["started_on"]),
            completed_on=_day(p["completed_on"]),
            accepted_on=_day(p["accepted_on"]),
            consent_met_on=_day(p.get("consent_met_on")),
            warnings="；".join(p.get("warnings", [])),
        )
        for p in figures["projects"]
    ]


def frozen_not_started(*, unit: str, figures: Mapping[str, Any]) -> list[NotStartedRow] | None:
    """The report's 2022 projects not started at month end, with the criteria they lacked then."""
    if "projects" not in figures:
        return None
    return [
        NotStartedRow(
            unit=unit,
            project=p["name"],
            households=p["households"],
            missing="、".join(CRITERION_SHORT_LABELS[k] for k in p["missing"]),
        )
        for p in figures["projects"]
        if p["kind"] == ProjectKind.NEW and not p["started_on"]
    ]


def _reported_on(
    versions: Mapping[tuple[int, int], MonthlyReport], *, unit_id: int, year: int
) -> dict[date, Mapping[str, Any]]:
    """A unit's valid reports' figures by their month end."""
    return {
        report_period_end(year=year, month=month): report.figures
        for (uid, month), report in versions.items()
        if uid == unit_id
    }


# --- the reports --------------------------------------------------------------------------------


def _sum_known(values: Iterable[int | None]) -> int | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def reported_total(
    rows: Sequence[ProgressRow], *, label: str, milestone_keys: Sequence[str]
) -> ProgressRow:
    """The total of the rows shown (targets too, of those rows only), shares by the same rule; no
    milestone is judged on it."""
    return _progress(
        label=label,
        targets=facts.Targets(
            _sum_known(r.new_target for r in rows),
            _sum_known(r.completion_target for r in rows),
            _sum_known(r.carryover_target for r in rows),
        ),
        today=facts.Figures(
            carryover_completed=sum(r.carryover_completed for r in rows),
            new_started=sum(r.new_started for r in rows),
            new_completed=sum(r.new_completed for r in rows),
            projects_started=sum(r.projects_started for r in rows),
        ),
        projects_total=sum(r.projects_total for r in rows),
        investment_completed=sum((r.investment_completed for r in rows), Decimal(0)),
        milestones=tuple(
            MilestoneCell(key=key, needed=None, actual=None, status="—") for key in milestone_keys
        ),
    )


def _reported_row(
    report: MonthlyReport,
    *,
    plan_year: PlanYear,
    specs: Sequence[tuple[MilestoneSpec, Milestone]],
    versions: Mapping[tuple[int, int], MonthlyReport],
) -> ProgressRow:
    """A unit's row as its valid report froze it, the milestones from the frozen figures."""
    return frozen_progress_row(
        label=report.unit.name,
        figures=report.figures,
        milestones=frozen_milestone_cells(
            report.figures,
            specs=specs,
            as_of=report_period_end(year=plan_year.year, month=report.month),
            year_start=plan_year.year_start,
            reported_on=_reported_on(versions, unit_id=report.unit_id, year=plan_year.year),
        ),
    )


def build_city_monthly(
    *, plan_year: PlanYear, month: int, timeliness: TimelinessTable | None = None
) -> CityMonthly:
    """The city's monthly report for ``month``, compiled from each unit's valid report's frozen
    figures; a unit without one is listed as unreported. A fixed number of queries."""
    as_of = report_period_end(year=plan_year.year, month=month)
    with translation.override(settings.LANGUAGE_CODE):
        specs = facts.milestone_specs(plan_year=plan_year)
        versions = valid_versions(plan_year=plan_year, hash_month=month)
        # Each valid version's digest checked once per content (a cache entry under its hash).
        intact = digests_intact(v for v in versions.values() if v.month == month)
        rows: list[ProgressRow | UnreportedRow] = []
        reported: list[ProgressRow] = []
        waiting: list[NotStartedRow] = []
        unreported: list[str] = []
        without_list: list[str] = []
        altered: list[str] = []
        for unit in Unit.objects.all():
            report = versions.get((unit.id, month))
            if report is None:
                rows.append(UnreportedRow(unit.name))
                unreported.append(unit.name)
                continue
            if not intact[report.pk]:
                altered.append(unit.name)
            row = _reported_row(report, plan_year=plan_year, specs=specs, versions=versions)
            rows.append(row)
            reported.append(row)
            listed = frozen_not_started(unit=unit.name, figures=report.figures)
            if listed is None:
                without_list.append(unit.name)
            else:
                waiting += listed
        data = CityMonthly(
            year=plan_year.year,
            month=month,
            as_of=as_of,
            milestone_columns=columns_of(s for s, _ in specs),
            city_row=reported_total(
                reported,
                label=f"已报送区县合计\n（{len(reported)}个）",
                milestone_keys=[s.key for s, _ in specs],
            ),
            rows=tuple(rows),
            unallocated=unallocated_rows(
                reconciliation=facts.target_reconciliation(plan_year=plan_year),
                unassigned=facts.unassigned_carryover(plan_year=plan_year),
            ),
            not_started=waiting,
            timeliness=timeliness or _no_timeliness(),
            digest="",
            unreported=tuple(unreported),
            without_project_list=tuple(without_list),
            digest_mismatch=tuple(altered),
        )
    return with_digest(data)


def build_unit_monthly(
    *, plan_year: PlanYear, month: int, unit: Unit, timeliness: TimelinessTable | None = None
) -> UnitMonthly:
    """One unit's monthly report for ``month``: the valid version's frozen figures, notes, approval
    and digest; without a valid version, a working copy from the live records (``record`` None)."""
    versions = valid_versions(plan_year=plan_year, units=[unit])
    report = versions.get((unit.id, month))
    table = timeliness or _no_timeliness()
    if report is None:
        return build_unit_working_copy(
            plan_year=plan_year, month=month, unit=unit, timeliness=table
        )
    as_of = report_period_end(year=plan_year.year, month=month)
    with translation.override(settings.LANGUAGE_CODE):
        specs = facts.milestone_specs(plan_year=plan_year)
        projects = frozen_projects(report.figures)
        return UnitMonthly(
            year=plan_year.year,
            month=month,
            as_of=as_of,
            unit=unit.name,
            milestone_columns=columns_of(s for s, _ in specs),
            row=_reported_row(report, plan_year=plan_year, specs=specs, versions=versions),
            projects=projects or [],
            not_started=frozen_not_started(unit=unit.name, figures=report.figures) or [],
            timeliness=table,
            digest=report.digest,
            record=report_record(report),
            projects_frozen=projects is not None,
        )


def build_unit_working_copy(
    *, plan_year: PlanYear, month: int, unit: Unit, timeliness: TimelinessTable
) -> UnitMonthly:
    """A unit's month from the live records, for a month without a valid report: a working copy
    (按当前项目记录（未报送）), with no report digest."""
    as_of = report_period_end(year=plan_year.year, month=month)
    with translation.override(settings.LANGUAGE_CODE):
        report = facts.milestone_report(plan_year=plan_year, as_of=as_of)
        row = next(r for r in report.units if r.unit is not None and r.unit.id == unit.id)
        investment = investment_completed_by_unit(plan_year=plan_year, as_of=as_of)
        projects = list(facts.project_list(plan_year=plan_year, unit=unit))
        consultation = facts.consultation_checks(projects=projects, as_of=as_of)
        return UnitMonthly(
            year=plan_year.year,
            month=month,
            as_of=as_of,
            unit=unit.name,
            milestone_columns=milestone_columns(report),
            row=progress_row(row, investment_completed=investment.get(unit.id, Decimal(0))),
            projects=[
                ProjectRow(
                    name=p.name,
                    kind_label=str(ProjectKind(p.kind).label),
                    households=p.households,
                    investment=p.investment,
                    started_on=_on_or_before(p.started_on, as_of),
                    completed_on=_on_or_before(p.completed_on, as_of),
                    accepted_on=_on_or_before(p.accepted_on, as_of),
                    consent_met_on=_on_or_before(p.consent_met_on, as_of),
                    warnings="；".join(consultation[p.id].warnings),
                )
                for p in projects
            ],
            not_started=not_started_rows(projects=projects, as_of=as_of),
            timeliness=timeliness,
            digest="",
            record=None,
        )


def build_assessment(
    *,
    plan_year: PlanYear,
    as_of: date,
    reports: Mapping[str, ReportCounts] | None = None,
) -> Assessment:
    """The annual assessment headed with ``as_of``, the day the reports' counts were judged on (the
    caller passes the same day to the report workflow); the milestones as of that day clipped to the
    plan year."""
    reports = reports or {}
    with translation.override(settings.LANGUAGE_CODE):
        report = facts.milestone_report(
            plan_year=plan_year, as_of=milestone_day(plan_year=plan_year, day=as_of)
        )
        data = Assessment(
            year=plan_year.year,
            as_of=as_of,
            milestone_columns=milestone_columns(report),
            rows=tuple(
                AssessmentRow(
                    unit=r.label, reports=reports.get(r.label), milestones=milestone_cells(r)
                )
                for r in report.units
            ),
            digest="",
        )
    return with_digest(data)
