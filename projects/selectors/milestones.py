"""Reads of the programme: querysets and plain rows with the joins they need, judged by projects/rules."""

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from ..choices import Criterion, Measure, ProjectKind, TargetBasis
from ..milestone_names import milestone_name
from ..models import (
    Household,
    Milestone,
    PlanYear,
    Project,
    StartCriterion,
    Unit,
    UnitTarget,
    User,
)
from ..rules.consultation import ConsultationCheck, ConsultationInput, consultation_check
from ..rules.message import Message
from ..rules.milestones import MilestoneResult, MilestoneSpec, judged_on, milestone_status
from ..rules.project_checks import (
    Funding,
    completion_warnings,
    funding_problems,
    household_count_problem,
    missing_pipeline_contents,
)
from ..rules.start import (
    AGREEING_ANSWERS,
    CRITERIA,
    EVIDENCED_CRITERIA,
    StartInput,
    StartStatus,
    start_status,
)
from ..rules.targets import CityTotals, TargetCheck, UnitTargets, check_targets_reconcile


def today_local() -> date:
    """Today's date in the portal's time zone (Asia/Shanghai)."""
    return timezone.localdate()


def plan_year_get(*, year: int) -> PlanYear:
    return PlanYear.objects.get(year=year)


def plan_year_latest() -> PlanYear | None:
    """The latest plan year, the one pages show by default."""
    return PlanYear.objects.order_by("-year").first()


def clip_to_year(*, plan_year: PlanYear, day: date) -> date:
    """A date clipped to the plan year (the dashboards' default is today, clipped)."""
    return min(max(day, plan_year.year_start), plan_year.year_end)


def page_date(
    *, plan_year: PlanYear, asked: date | None = None, latest: date | None = None
) -> date:
    """The one day a dashboard page is judged on (its 截至 heading): the day asked for, else today,
    clipped to the plan year — so a past year's pages default to its last day. ``latest`` moves the
    upper bound past the year's end for a page whose counts settle after it (the assessment)."""
    last = plan_year.year_end if latest is None else max(plan_year.year_end, latest)
    return min(max(asked or today_local(), plan_year.year_start), last)


# --- milestones -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Targets:
    """Annual targets of a unit or the city; None where unknown; the reason given for a completion
    target above its share of the new starts."""

    new_starts: int | None
    completions: int | None
    carryover: int | None
    completions_reason: str = ""


@dataclass(frozen=True)
class Figures:
    """Cumulative households and project counts of a unit or the city on one date."""

    carryover_completed: int = 0
    new_started: int = 0
    new_completed: int = 0
    projects_started: int = 0
    carryover_projects_completed: int = 0

    def measure(self, measure: str) -> int:
        return int(getattr(self, Measure(measure).value))


@dataclass(frozen=True)
class MilestoneRow:
    """One row of the milestone table: a unit (or the city), its targets, figures and milestones."""

    label: str
    unit: Unit | None
    targets: Targets
    projects_total: int
    today: Figures
    milestones: dict[str, MilestoneResult]
    actual_as_of: dict[str, int] = field(default_factory=dict)
    carryover_projects_total: int = 0


@dataclass(frozen=True)
class MilestoneReport:
    """The whole milestone table of a plan year as of a date."""

    plan_year: PlanYear
    as_of: date
    specs: tuple[MilestoneSpec, ...]
    city: MilestoneRow
    units: list[MilestoneRow]
    reconciliation: TargetCheck
    unassigned_carryover: list[int]


def milestone_specs(*, plan_year: PlanYear) -> list[tuple[MilestoneSpec, Milestone]]:
    """The plan year's milestones as the rule judges them (share, due date, all-projects flags),
    each with its name in the active language, all read from the plan year's data."""
    return [
        (
            MilestoneSpec(
                key=m.key,
                due=m.due,
                percent=m.percent,
                requires_all_projects_started=m.requires_all_projects_started,
                requires_all_projects_completed=m.requires_all_projects_completed,
                name=milestone_name(m, completion_percent=plan_year.completion_percent),
                measure=m.measure,
            ),
            m,
        )
        for m in plan_year.milestones.all()
    ]


@dataclass(frozen=True)
class UnitFigures:
    """One unit with its targets, its numbers of new and carry-over projects and its cumulative
    figures by date."""

    unit: Unit
    targets: Targets
    projects_total: int
    figures: dict[date, Figures]
    carryover_projects_total: int = 0


def _conditional(value: str, condition: str) -> str:
    """SUM of ``value`` over the rows meeting ``condition`` (SQL), 0 when there are none."""
    if connection.features.supports_aggregate_filter_clause:
        return f"COALESCE(SUM({value}) FILTER (WHERE {condition}), 0)"
    return f"COALESCE(SUM(CASE WHEN {condition} THEN {value} ELSE 0 END), 0)"


def units_with_figures(*, plan_year: PlanYear, dates: Sequence[date]) -> list[UnitFigures]:
    """Every unit in order, with its targets (unknown where there is no figure) and its figures on
    each of ``dates``, in one statement: the units joined to their targets and to the projects'
    stored start and completion dates summed per unit."""
    new = f"p.kind = '{ProjectKind.NEW.value}'"
    carry = f"p.kind = '{ProjectKind.CARRYOVER.value}'"
    sums = [
        f"{_conditional('1', new)} AS projects_total",
        f"{_conditional('1', carry)} AS carryover_projects_total",
    ]
    params: list[Any] = []
    for i, day in enumerate(dates):
        sums += [
            f"{_conditional('p.households', f'{carry} AND p.completed_on <= %s')} AS cc_{i}",
            f"{_conditional('p.households', f'{new} AND p.started_on <= %s')} AS ns_{i}",
            f"{_conditional('p.households', f'{new} AND p.completed_on <= %s')} AS nc_{i}",
            f"{_conditional('1', f'{new} AND p.started_on <= %s')} AS ps_{i}",
            f"{_conditional('1', f'{carry} AND p.completed_on <= %s')} AS cp_{i}",
        ]
        params += [day] * 5
    figures = ", ".join(
        f"COALESCE(f.{name}, 0) AS fig_{name}"
        for name in ["projects_total", "carryover_projects_total"]
        + [f"{k}_{i}" for i in range(len(dates)) for k in ("cc", "ns", "nc", "ps", "cp")]
    )
    unit_table, target_table, project_table = (
        m._meta.db_table for m in (Unit, UnitTarget, Project)
    )
    # Only table names, model constants and generated aliases go into the text; values are params.
    sql = (
        f"SELECT u.*, t.new_starts AS target_new_starts, t.completions AS target_completions, "  # noqa: S608
        f"t.carryover AS target_carryover, t.completions_reason AS target_completions_reason, "
        f"{figures} FROM {unit_table} u "
        f"LEFT JOIN {target_table} t ON t.unit_id = u.id AND t.plan_year_id = %s "
        f"LEFT JOIN (SELECT p.unit_id, {', '.join(sums)} FROM {project_table} p "
        "WHERE p.plan_year_id = %s GROUP BY p.unit_id) f ON f.unit_id = u.id "
        "ORDER BY u.sort_order, u.id"
    )
    columns: list[tuple[date, tuple[str, str, str, str, str]]] = [
        (day, (f"fig_cc_{i}", f"fig_ns_{i}", f"fig_nc_{i}", f"fig_ps_{i}", f"fig_cp_{i}"))
        for i, day in enumerate(dates)
    ]
    rows: list[UnitFigures] = []
    for unit in Unit.objects.raw(sql, [plan_year.pk, *params, plan_year.pk]):
        # The statement's other columns arrive as attributes of the unit.
        extra = vars(unit)
        rows.append(
            UnitFigures(
                unit=unit,
                targets=Targets(
                    extra["target_new_starts"],
                    extra["target_completions"],
                    extra["target_carryover"],
                    extra["target_completions_reason"] or "",
                ),
                projects_total=int(extra["fig_projects_total"]),
                carryover_projects_total=int(extra["fig_carryover_projects_total"]),
                figures={
                    day: Figures(
                        carryover_completed=int(extra[cc]),
                        new_started=int(extra[ns]),
                        new_completed=int(extra[nc]),
                        projects_started=int(extra[ps]),
                        carryover_projects_completed=int(extra[cp]),
                    )
                    for day, (cc, ns, nc, ps, cp) in columns
                },
            )
        )
    return rows


def _sum_figures(items: Iterable[Figures]) -> Figures:
    items = list(items)
    return Figures(
        carryover_completed=sum(f.carryover_completed for f in items),
        new_started=sum(f.new_started for f in items),
        new_completed=sum(f.new_completed for f in items),
        projects_started=sum(f.projects_started for f in items),
        carryover_projects_completed=sum(f.carryover_projects_completed for f in items),
    )


@dataclass(frozen=True)
class _Judged:
    """A milestone with the target and the figure it reads as attribute names (resolved once)."""

    spec: MilestoneSpec
    basis: str
    measure: str


def _judge_row(
    *,
    label: str,
    unit: Unit | None,
    targets: Targets,
    projects_total: int,
    carryover_projects_total: int,
    figures: dict[date, Figures],
    judged: Sequence[_Judged],
    as_of: date,
    year_start: date,
) -> MilestoneRow:
    results: dict[str, MilestoneResult] = {}
    actual_as_of: dict[str, int] = {}
    today = figures[as_of]
    for item in judged:
        spec = item.spec
        on_day = figures[judged_on(due=spec.due, as_of=as_of)]
        results[spec.key] = milestone_status(
            spec=spec,
            base_target=getattr(targets, item.basis),
            actual=getattr(on_day, item.measure),
            as_of=as_of,
            year_start=year_start,
            # The all-completed milestone counts the carry-over projects, the all-started one the new.
            projects_total=(
                carryover_projects_total if spec.requires_all_projects_completed else projects_total
            ),
            projects_started=on_day.projects_started,
            projects_completed=on_day.carryover_projects_completed,
        )
        actual_as_of[spec.key] = getattr(today, item.measure)
    return MilestoneRow(
        label=label,
        unit=unit,
        targets=targets,
        projects_total=projects_total,
        today=today,
        milestones=results,
        actual_as_of=actual_as_of,
        carryover_projects_total=carryover_projects_total,
    )


def milestone_report(*, plan_year: PlanYear, as_of: date) -> MilestoneReport:
    """Every unit and the city judged against every milestone of ``plan_year`` as of ``as_of``.

    A fixed number of queries whatever the number of units and projects: the sums happen in the
    database over the start and completion dates stored on projects.
    """
    specs = milestone_specs(plan_year=plan_year)
    judged = [
        _Judged(spec, TargetBasis(m.basis).value, Measure(m.measure).value) for spec, m in specs
    ]
    dates = sorted({as_of} | {judged_on(due=s.due, as_of=as_of) for s, _ in specs})
    units = units_with_figures(plan_year=plan_year, dates=dates)
    unassigned = unassigned_carryover(plan_year=plan_year)
    rows = [
        _judge_row(
            label=item.unit.name,
            unit=item.unit,
            targets=item.targets,
            projects_total=item.projects_total,
            carryover_projects_total=item.carryover_projects_total,
            figures=item.figures,
            judged=judged,
            as_of=as_of,
            year_start=plan_year.year_start,
        )
        for item in units
    ]
    city_figures = {day: _sum_figures(item.figures[day] for item in units) for day in dates}
    city = _judge_row(
        label="全市",
        unit=None,
        targets=Targets(
            plan_year.city_new_starts, plan_year.city_completions, plan_year.city_carryover
        ),
        projects_total=sum(item.projects_total for item in units),
        carryover_projects_total=sum(item.carryover_projects_total for item in units),
        figures=city_figures,
        judged=judged,
        as_of=as_of,
        year_start=plan_year.year_start,
    )
    reconciliation = _reconcile(
        plan_year=plan_year,
        units=[(r.label, r.targets) for r in rows],
        unassigned=unassigned,
    )
    return MilestoneReport(
        plan_year=plan_year,
        as_of=as_of,
        specs=tuple(s for s, _ in specs),
        city=city,
        units=rows,
        reconciliation=reconciliation,
        unassigned_carryover=unassigned,
    )


def _reconcile(
    *, plan_year: PlanYear, units: Sequence[tuple[str, Targets]], unassigned: Sequence[int]
) -> TargetCheck:
    return check_targets_reconcile(
        city=CityTotals(
            plan_year.city_new_starts,
            plan_year.city_completions,
            plan_year.city_carryover,
            plan_year.completion_percent,
        ),
        units=[
            UnitTargets(name, t.new_starts, t.completions, t.carryover, t.completions_reason)
            for name, t in units
        ],
        unassigned_carryover=unassigned,
    )


def unassigned_carryover(*, plan_year: PlanYear) -> list[int]:
    """The carry-over figures (households) whose unit the source lost and the city office has not
    assigned yet (30 and 2113 in 2022)."""
    return list(
        plan_year.unassigned_carryover.filter(assigned_unit__isnull=True).values_list(
            "households", flat=True
        )
    )


def unit_targets(*, plan_year: PlanYear) -> list[tuple[Unit, Targets]]:
    """Every unit in order with its targets for the plan year (unknown where there is no figure)."""
    rows = {t.unit_id: t for t in UnitTarget.objects.filter(plan_year=plan_year)}
    return [
        (
            unit,
            Targets(
                rows[unit.id].new_starts,
                rows[unit.id].completions,
                rows[unit.id].carryover,
                rows[unit.id].completions_reason,
            )
            if unit.id in rows
            else Targets(None, None, None),
        )
        for unit in Unit.objects.all()
    ]


def target_reconciliation(*, plan_year: PlanYear) -> TargetCheck:
    """The loaded targets checked against the city totals and the 70 % completion rule."""
    unassigned = unassigned_carryover(plan_year=plan_year)
    return _reconcile(
        plan_year=plan_year,
        units=[(unit.name, targets) for unit, targets in unit_targets(plan_year=plan_year)],
        unassigned=unassigned,
    )


def milestone_report_for_today(
    *, year: int | None = None, as_of: date | None = None
) -> MilestoneReport | None:
    """The milestone table as of ``as_of`` or today, clipped to the plan year (the latest by default)."""
    plan_year = PlanYear.objects.filter(year=year).first() if year else plan_year_latest()
    if plan_year is None:
        return None
    return milestone_report(plan_year=plan_year, as_of=page_date(plan_year=plan_year, asked=as_of))


# --- start of work ----------------------------------------------------------------------------


# The households that agree (rules.start.agrees), as a condition on Household: built from the
# rule's own answers, and a test checks the two agree on every pair of answers.
AGREES = Q(**AGREEING_ANSWERS)


def agreeing_households() -> QuerySet[Household]:
    """Households that agreed to both the plan and the management mode (rules.start.agrees)."""
    return Household.objects.filter(AGREES)


def criteria_dates(criteria: dict[str, StartCriterion]) -> dict[str, date | None]:
    """The recorded criteria's dates by their Chinese label, for the date-order check."""
    return {str(Criterion(k).label): row.met_on for k, row in criteria.items()}


def project_funding(project: Project) -> Funding:
    return Funding(
        total=project.investment,
        central=project.fund_central,
        provincial=project.fund_provincial,
        city=project.fund_city,
        county=project.fund_county,
        social=project.fund_social,
        credit=project.fund_credit,
        residents=project.fund_residents,
    )


def subsidised_unit_names(*, plan_year_id: int) -> tuple[str, ...]:
    """The units whose projects may have 市级补助 in the plan year, in unit order (one query)."""
    return tuple(
        Unit.objects.filter(subsidised_plan_years=plan_year_id)
        .order_by("sort_order", "id")
        .values_list("name", flat=True)
    )


def project_warnings(
    *, project: Project, status: StartStatus, subsidised_units: Sequence[str] | None = None
) -> list[str]:
    """The checks of SPEC §4 shown on a project without blocking it: funding, 应改尽改 and a
    completion recorded before the project meets the start criteria. ``subsidised_units`` (from
    ``subsidised_unit_names``) is read here when the caller, checking one project, has not."""
    if subsidised_units is None:
        subsidised_units = subsidised_unit_names(plan_year_id=project.plan_year_id)
    warnings = list(
        funding_problems(
            unit=project.unit.name,
            funding=project_funding(project),
            subsidised_units=subsidised_units,
        )
    )
    missing = missing_pipeline_contents(
        hazards=frozenset(project.hazards or ()), contents=frozenset(project.contents or ())
    )
    if missing:
        warnings.append(Message("checks.pipelines_left_out", pipelines="、".join(missing)))
    warnings += completion_warnings(
        start_applies=project.kind == ProjectKind.NEW,
        started_on=status.started_on,
        completed_on=project.completed_on,
    )
    return warnings


def agree_dates_by_project(*, project_ids: Iterable[int]) -> dict[int, list[date | None]]:
    """The answer dates of the households that agreed to both plan and management mode, per project."""
    result: dict[int, list[date | None]] = defaultdict(list)
    rows = (
        agreeing_households()
        .filter(project_id__in=list(project_ids))
        .order_by()  # not the households' default order: it joins and sorts by project and unit
        .values_list("project_id", "answered_on")
    )
    for project_id, answered_on in rows:
        result[project_id].append(answered_on)
    return result


# --- consultation before consent (SPEC §4) -------------------------------------------------------

# The renovation plans and their consultation dates live in paperwork/, which projects/ may not
# import: paperwork registers how to read them when it is ready (paperwork.apps), and the checks
# below ask through it. Without a provider no plan counts as consulted.
ConsultationDates = Callable[[Sequence[int]], Mapping[int, date | None]]
_consultation_providers: list[ConsultationDates] = []


def consultation_dates_provider_set(provider: ConsultationDates) -> None:
    """Name the function that reads the consultation dates of projects' renovation plans."""
    _consultation_providers[:] = [provider]


def consultation_dates(*, project_ids: Sequence[int]) -> Mapping[int, date | None]:
    """Each project's renovation-plan consultation date (absent or None: never consulted)."""
    if not _consultation_providers or not project_ids:
        return {}
    return _consultation_providers[0](project_ids)


def agreement_counts_by_project(*, project_ids: Iterable[int]) -> dict[int, dict[date, int]]:
    """How many households of each project agreed on each answer date, in one grouped query (a
    row per project and day, not per household)."""
    result: dict[int, dict[date, int]] = defaultdict(dict)
    rows = (
        agreeing_households()
        .filter(project_id__in=list(project_ids), answered_on__isnull=False)
        .order_by()
        .values("project_id", "answered_on")
        .annotate(n=Count("id"))
        .values_list("project_id", "answered_on", "n")
    )
    for project_id, answered_on, n in rows:
        if answered_on is not None:  # filtered out above; says so to the type checker
            result[project_id][answered_on] = n
    return result


def consultation_checks(
    *, projects: Sequence[Project], as_of: date | None = None
) -> dict[int, ConsultationCheck]:
    """Each project judged by the consultation rule on ``as_of`` (the records as they are when
    None), in two queries whatever the number of projects."""
    ids = [p.id for p in projects]
    consulted = consultation_dates(project_ids=ids)
    agreements = agreement_counts_by_project(project_ids=ids)
    return {
        p.id: consultation_check(
            ConsultationInput(
                applies=p.kind == ProjectKind.NEW,
                started_on=p.started_on,
                consultation_on=consulted.get(p.id),
                agreements=agreements.get(p.id, {}),
            ),
            as_of=as_of,
        )
        for p in projects
    }


def agreements_by_project(*, project_ids: Iterable[int], as_of: date | None) -> dict[int, int]:
    """How many households of each project had agreed, with a date, by ``as_of`` (ever when None):
    what the start rule counts, in one grouped query."""
    rows = agreeing_households().filter(project_id__in=list(project_ids), answered_on__isnull=False)
    if as_of is not None:
        rows = rows.filter(answered_on__lte=as_of)
    grouped = rows.order_by().values("project_id").annotate(n=Count("id"))
    return dict(grouped.values_list("project_id", "n"))


def criteria_by_project(*, project_ids: Iterable[int]) -> dict[int, dict[str, StartCriterion]]:
    result: dict[int, dict[str, StartCriterion]] = defaultdict(dict)
    for row in StartCriterion.objects.filter(project_id__in=list(project_ids)):
        result[row.project_id][row.criterion] = row
    return result


@dataclass(frozen=True)
class CriterionRecord:
    """What the start rule reads of a recorded criterion (a StartCriterion without the model: many
    projects' criteria are read as plain values)."""

    met_on: date | None
    no_structures: bool
    confirmed_by: str
    evidence: str


def criterion_records_by_project(
    *, project_ids: Iterable[int]
) -> dict[int, dict[str, CriterionRecord]]:
    """Each project's recorded criteria as plain values, in one query."""
    result: dict[int, dict[str, CriterionRecord]] = defaultdict(dict)
    rows = (
        StartCriterion.objects.filter(project_id__in=list(project_ids))
        .order_by()
        .values_list(
            "project_id", "criterion", "met_on", "no_structures", "confirmed_by", "evidence"
        )
    )
    for project_id, criterion, met_on, no_structures, confirmed_by, evidence in rows:
        result[project_id][criterion] = CriterionRecord(
            met_on, no_structures, confirmed_by, evidence or ""
        )
    return result


def start_input(
    *,
    project: Project,
    consent_percent: int,
    agree_dates: Sequence[date | None],
    criteria: Mapping[str, StartCriterion | CriterionRecord],
    agreed_as_of: int | None = None,
) -> StartInput:
    """The plain values the start rule reads, built from a project and its records; with
    ``agreed_as_of`` (the agreements counted up to the day judged) the consent date is the stored
    one instead of being recomputed from ``agree_dates``."""

    def met_on(key: str) -> date | None:
        row = criteria.get(key)
        return row.met_on if row else None

    structures = criteria.get(Criterion.STRUCTURES_CLEARED)
    return StartInput(
        applies=project.kind == ProjectKind.NEW,
        households=project.households,
        agree_dates=tuple(agree_dates),
        consent_percent=consent_percent,
        structures_cleared_on=met_on(Criterion.STRUCTURES_CLEARED),
        no_structures=bool(structures and structures.no_structures),
        structures_confirmed_by=structures.confirmed_by if structures else "",
        design_posted_on=met_on(Criterion.DESIGN_POSTED),
        contractor=project.contractor,
        contract_signed_on=met_on(Criterion.CONTRACT_SIGNED),
        on_site_on=met_on(Criterion.ON_SITE),
        evidenced=frozenset(k for k, row in criteria.items() if row.evidence),
        agreed_as_of=agreed_as_of,
        consent_reached_on=project.consent_met_on if agreed_as_of is not None else None,
    )


def start_statuses(
    *, projects: Sequence[Project], as_of: date | None = None, stored_consent: bool = False
) -> dict[int, StartStatus]:
    """The start status of each project (its ``plan_year`` selected), in two queries whatever the
    number of projects.

    With ``stored_consent`` the households are counted in SQL and the consent date is the one the
    start rule stored (``consent_met_on``), instead of every agreeing household's date being read:
    the same status, for pages and reports that judge many projects as of a day. Whatever writes
    the records recomputes the stored dates without it."""
    inputs = start_inputs(projects=projects, as_of=as_of, stored_consent=stored_consent)
    return {p.id: start_status(inputs[p.id], as_of=as_of) for p in projects}


def start_inputs(
    *, projects: Sequence[Project], as_of: date | None = None, stored_consent: bool = False
) -> dict[int, StartInput]:
    """What the start rule reads of each project, in two queries (see start_statuses); without
    ``stored_consent`` the same inputs judge the project on any day."""
    ids = [p.id for p in projects]
    agree = {} if stored_consent else agree_dates_by_project(project_ids=ids)
    counts = agreements_by_project(project_ids=ids, as_of=as_of) if stored_consent else {}
    criteria = criterion_records_by_project(project_ids=ids)
    return {
        p.id: start_input(
            project=p,
            consent_percent=p.plan_year.consent_percent,
            agree_dates=agree.get(p.id, []),
            criteria=criteria.get(p.id, {}),
            agreed_as_of=counts.get(p.id, 0) if stored_consent else None,
        )
        for p in projects
    }


def project_list(
    *, plan_year: PlanYear, unit: Unit | None = None, kind: str | None = None
) -> QuerySet[Project]:
    qs = Project.objects.filter(plan_year=plan_year).select_related("unit", "plan_year")
    if unit is not None:
        qs = qs.filter(unit=unit)
    if kind is not None:
        qs = qs.filter(kind=kind)
    return qs.order_by("unit__sort_order", "name", "id")


# --- what a user may see (through the door, projects.permissions) ---------------------------


def roster_households(*, projects: QuerySet[Project]) -> QuerySet[Household]:
    """The household records of ``projects`` in roster order, with what a roster row names."""
    return (
        Household.objects.filter(project__in=projects)
        .select_related("project__unit")
        .order_by(
            "project__unit__sort_order", "project__name", "building", "entrance", "room", "id"
        )
    )


def projects_visible(*, user: User) -> QuerySet[Project]:
    """The projects ``user`` may read: their unit's, or every unit's for the city office."""
    return Project.objects.restrict(user, "view").select_related("unit", "plan_year")


def households_visible(*, user: User) -> QuerySet[Household]:
    """The household records ``user`` may read (they hold residents' personal data)."""
    return Household.objects.restrict(user, "view").select_related(
        "project__unit", "project__plan_year"
    )


# --- the project list -------------------------------------------------------------------------

PROJECT_STATUSES: dict[str, str] = {
    "not_started": "未开工",
    "started": "已开工未完工",
    "completed": "已完工未验收",
    "accepted": "已验收移交",
    "not_completed": "未完工",
    "carryover_open": "续建未完工",
}


def reached(day: date | None, as_of: date | None) -> bool:
    """A recorded date has been reached on ``as_of`` (on any day when ``as_of`` is None)."""
    return day is not None and (as_of is None or day <= as_of)


def _not_reached(field: str, as_of: date | None) -> Q:
    """``field`` (a date) not reached on ``as_of``: empty, or later than that day."""
    empty = Q(**{f"{field}__isnull": True})
    return empty if as_of is None else empty | Q(**{f"{field}__gt": as_of})


def _criterion_missing(key: str, as_of: date | None = None) -> Q:
    """Projects where criterion ``key`` does not hold (on ``as_of`` when given), read from the
    criteria met the start rule stored (``Project.criteria_met``, rules.start.stored_criteria): not
    met on the records, or met on a later day. A criterion holds on a day exactly when it holds on
    the records and its date is not later, so the stored dates serve any day."""
    missing = ~Q(criteria_met__has_key=key)
    if as_of is not None:
        # ISO dates compare as their text does.
        missing |= Q(**{f"criteria_met__{key}__on__gt": as_of.isoformat()})
    return missing


def _evidence_missing(as_of: date | None = None) -> Q:
    """Projects with a start criterion met (on ``as_of`` when given) but not backed by its photo or
    scan (未核验), read from the start rule's stored judgement (``Project.criteria_met``)."""
    unbacked = Q(pk__in=[])
    for key in sorted(EVIDENCED_CRITERIA):
        one = Q(**{f"criteria_met__{key}__verified": False})
        if as_of is not None:
            one &= Q(**{f"criteria_met__{key}__on__lte": as_of.isoformat()})
        unbacked |= one
    return unbacked


EVIDENCE_FILTERS: dict[str, str] = {"missing": "未核验（已填日期未上传证明材料）"}


def project_search(
    *,
    projects: QuerySet[Project],
    q: str = "",
    kind: str = "",
    status: str = "",
    missing: str = "",
    only: bool = False,
    evidence: str = "",
    as_of: date | None = None,
) -> QuerySet[Project]:
    """The project list filtered by kind, progress, a criterion still open, and a search of the
    name, address and contractor, in the list's order; progress and criteria as they stood on
    ``as_of`` when given (a dashboard's date), else as recorded; with ``only``, the projects lacking
    ``missing`` and no other criterion; with ``evidence="missing"``, the projects with a criterion
    dated but not backed by its evidence (未核验). Nothing is counted per row here: a
    city's list of tens of thousands of projects is paged, and a page counts its own
    (start_statuses)."""
    if q:
        projects = projects.filter(
            Q(name__icontains=q) | Q(address__icontains=q) | Q(contractor__icontains=q)
        )
    if kind:
        projects = projects.filter(kind=kind)
    started, completed, accepted = (
        ~_not_reached(f, as_of) for f in ("started_on", "completed_on", "accepted_on")
    )
    if status == "not_started":
        projects = projects.filter(Q(kind=ProjectKind.NEW) & ~started)
    elif status == "started":
        projects = projects.filter(started & ~completed)
    elif status == "completed":
        projects = projects.filter(completed & ~accepted)
    elif status == "accepted":
        projects = projects.filter(accepted)
    elif status == "not_completed":
        projects = projects.filter(~completed)
    elif status == "carryover_open":
        projects = projects.filter(Q(kind=ProjectKind.CARRYOVER) & ~completed)
    if missing:
        projects = projects.filter(Q(kind=ProjectKind.NEW) & _criterion_missing(missing, as_of))
        if only:  # lacking that criterion alone: every other one holds
            for other in CRITERIA:
                if other != missing:
                    projects = projects.exclude(_criterion_missing(other, as_of))
    if evidence == "missing":
        projects = projects.filter(_evidence_missing(as_of))
    return projects.order_by("unit__sort_order", "name", "id")


def household_records_by_project(*, project_ids: Iterable[int]) -> dict[int, int]:
    """How many household records each project has, in one grouped query."""
    rows = (
        Household.objects.filter(project_id__in=list(project_ids)).order_by().values("project_id")
    )
    return dict(rows.annotate(n=Count("id")).values_list("project_id", "n"))


# --- a unit's home page -----------------------------------------------------------------------


@dataclass(frozen=True)
class Blockers:
    """The projects that hold a unit back from a milestone: not started (by what each lacks), or not
    completed."""

    not_started: int
    lacking_one: dict[str, int]
    lacking_more: int
    unverified: int
    not_completed: int
    carryover_open: int


@dataclass(frozen=True)
class UnitHome:
    """A unit's home page: its row of the milestone table, what blocks it, and its warnings."""

    row: MilestoneRow
    as_of: date
    specs: tuple[MilestoneSpec, ...]
    blockers: Blockers
    warnings: list[tuple[Project, list[str]]]
    projects_total: int


def unit_home(*, plan_year: PlanYear, unit: Unit, as_of: date) -> UnitHome:
    """Everything the unit home page shows, in a fixed number of queries whatever the unit's size."""
    report = milestone_report(plan_year=plan_year, as_of=as_of)
    row = next(r for r in report.units if r.unit is not None and r.unit.id == unit.id)
    projects = list(
        project_search(
            projects=Project.objects.filter(plan_year=plan_year, unit=unit)
        ).select_related("unit", "plan_year")
    )
    # The blockers are judged on the page's date; the warnings are about the records as they are.
    inputs = start_inputs(projects=projects)
    statuses = {p.id: start_status(inputs[p.id]) for p in projects}
    on_day = {p.id: start_status(inputs[p.id], as_of=as_of) for p in projects}
    records = household_records_by_project(project_ids=[p.id for p in projects])
    consultation = consultation_checks(projects=projects)
    subsidised = subsidised_unit_names(plan_year_id=plan_year.id)
    lacking_one: dict[str, int] = defaultdict(int)
    lacking_more = unverified = 0
    warnings = []
    for project in projects:
        status = statuses[project.id]
        if project.kind == ProjectKind.NEW and not on_day[project.id].started:
            if len(on_day[project.id].missing) == 1:
                lacking_one[on_day[project.id].missing[0]] += 1
            else:
                lacking_more += 1
        unverified += any(c.met and not c.verified for c in status.criteria[1:])
        lines = project_warnings(project=project, status=status, subsidised_units=subsidised)
        too_many = household_count_problem(
            records=records.get(project.id, 0), households=project.households
        )
        if too_many:
            lines.append(too_many)
        lines += consultation[project.id].warnings
        if lines:
            warnings.append((project, lines))
    new = [p for p in projects if p.kind == ProjectKind.NEW]
    blockers = Blockers(
        not_started=sum(1 for p in new if not on_day[p.id].started),
        lacking_one=dict(lacking_one),
        lacking_more=lacking_more,
        unverified=unverified,
        not_completed=sum(1 for p in new if not reached(p.completed_on, as_of)),
        carryover_open=sum(
            1
            for p in projects
            if p.kind == ProjectKind.CARRYOVER and not reached(p.completed_on, as_of)
        ),
    )
    return UnitHome(row, report.as_of, report.specs, blockers, warnings, len(projects))
