"""The milestone table: every unit's targets and its started and completed figures on the days the
milestones judge, summed in the database, each unit and the city judged by projects.rules.milestones;
the targets reconciled with the city totals."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connection

from ..choices import Measure, ProjectKind, TargetBasis
from ..milestone_names import milestone_name
from ..models import Milestone, PlanYear, Project, Unit, UnitTarget
from ..rules.milestones import MilestoneResult, MilestoneSpec, judged_on, milestone_status
from ..rules.targets import CityTotals, TargetCheck, UnitTargets, check_targets_reconcile
from .plan_years import page_date, plan_year_latest


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
