"""Reads of the city office's dashboards: every figure comes from projects.selectors.milestone_report
(the same rules and query as ``check_targets``), so the dashboards and the command cannot disagree."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import QuerySet, Sum

from projects import selectors as facts
from projects.choices import Measure, ProjectKind
from projects.models import PlanYear, Project, Unit
from projects.rules.arithmetic import percent_tenths_down as percent_tenths
from projects.rules.forecast import PACE_WINDOW_DAYS, Forecast, milestone_forecast
from projects.rules.milestones import MilestoneSpec, MilestoneStatus, judged_on
from projects.rules.start import StartStatus


@dataclass(frozen=True)
class Shares:
    """A row's shares, in tenths of a percent rounded down, so a share shown reaching a threshold has
    reached it (None where the target is unknown or 0)."""

    started: int | None
    completed: int | None
    carryover: int | None


def row_shares(row: facts.MilestoneRow) -> Shares:
    """Started households of the new-start target (开工率), completed of the completion target (完工率,
    the share the completion milestone judges), carry-over completed of the carry-over target
    (续建完成率), on the row's date."""
    t, f = row.targets, row.today
    return Shares(
        started=None
        if t.new_starts is None
        else percent_tenths(actual=f.new_started, target=t.new_starts),
        completed=None
        if t.completions is None
        else percent_tenths(actual=f.new_completed, target=t.completions),
        carryover=None
        if t.carryover is None
        else percent_tenths(actual=f.carryover_completed, target=t.carryover),
    )


@dataclass(frozen=True)
class OverviewRow:
    row: facts.MilestoneRow
    shares: Shares


@dataclass(frozen=True)
class Overview:
    """The city overview on a date: the milestone report with shares beside each row."""

    report: facts.MilestoneReport
    city: OverviewRow
    units: list[OverviewRow]


def city_overview(*, plan_year: PlanYear, as_of: date) -> Overview:
    report = facts.milestone_report(plan_year=plan_year, as_of=as_of)
    return Overview(
        report=report,
        city=OverviewRow(report.city, row_shares(report.city)),
        units=[OverviewRow(r, row_shares(r)) for r in report.units],
    )


# --- cumulative series for the charts -----------------------------------------------------------


@dataclass(frozen=True)
class Cumulative:
    """Cumulative households on each sampled day: new started, new completed, carry-over completed."""

    days: tuple[date, ...]
    new_started: tuple[int, ...]
    new_completed: tuple[int, ...]
    carryover_completed: tuple[int, ...]


def _daily(qs: QuerySet[Project], field: str) -> dict[date, int]:
    rows = (
        qs.filter(**{f"{field}__isnull": False})
        .order_by()
        .values(field)
        .annotate(households=Sum("households"))
        .values_list(field, "households")
    )
    return dict(rows)


def _running(daily: dict[date, int], days: Sequence[date]) -> tuple[int, ...]:
    """Cumulative sums of ``daily`` on each of ``days`` (ascending)."""
    events = sorted(daily.items())
    totals, running, i = [], 0, 0
    for day in days:
        while i < len(events) and events[i][0] <= day:
            running += events[i][1]
            i += 1
        totals.append(running)
    return tuple(totals)


def sample_days(
    *, plan_year: PlanYear, as_of: date, extra: Iterable[date] = ()
) -> tuple[date, ...]:
    """Every Sunday of the year up to ``as_of``, the first day, ``as_of`` and the ``extra`` days
    (the milestones' due dates) that are not after it."""
    start = plan_year.year_start
    days = {start, as_of} | {d for d in extra if start <= d <= as_of}
    day = start + timedelta(days=(6 - start.weekday()) % 7)
    while day <= as_of:
        days.add(day)
        day += timedelta(days=7)
    return tuple(sorted(days))


def cumulative(*, plan_year: PlanYear, as_of: date, unit: Unit | None = None) -> Cumulative:
    """The cumulative series of the city (or one unit) up to ``as_of``, from three grouped queries
    over the dates stored on projects (the same dates the milestone report sums)."""
    qs = Project.objects.filter(plan_year=plan_year)
    if unit is not None:
        qs = qs.filter(unit=unit)
    new, carry = qs.filter(kind=ProjectKind.NEW), qs.filter(kind=ProjectKind.CARRYOVER)
    days = sample_days(
        plan_year=plan_year, as_of=as_of, extra=plan_year.milestones.values_list("due", flat=True)
    )
    return Cumulative(
        days=days,
        new_started=_running(_daily(new, "started_on"), days),
        new_completed=_running(_daily(new, "completed_on"), days),
        carryover_completed=_running(_daily(carry, "completed_on"), days),
    )


# --- a unit's drill-down ------------------------------------------------------------------------


@dataclass(frozen=True)
class Blocking:
    """A project that holds a milestone back, and (for the start milestones) what it lacks."""

    project: Project
    status: StartStatus | None


@dataclass(frozen=True)
class MilestoneDetail:
    spec: MilestoneSpec
    result: object
    forecast: Forecast | None
    blocking: list[Blocking]
    past_due: bool


@dataclass(frozen=True)
class UnitDashboard:
    row: OverviewRow
    as_of: date
    milestones: list[MilestoneDetail]
    cumulative: Cumulative


MEASURE_KIND = {
    Measure.CARRYOVER_COMPLETED: ProjectKind.CARRYOVER,
    Measure.NEW_STARTED: ProjectKind.NEW,
    Measure.NEW_COMPLETED: ProjectKind.NEW,
}


def unit_dashboard(*, plan_year: PlanYear, unit: Unit, as_of: date) -> UnitDashboard:
    """One unit's figures and milestones on ``as_of``, the projects that block each milestone with
    the criteria each lacks on that date, and the forecast at the last 30 days' pace. A fixed number
    of queries whatever the unit's size."""
    window_start = as_of - timedelta(days=PACE_WINDOW_DAYS)
    specs = facts.milestone_specs(plan_year=plan_year)
    report = facts.milestone_report(plan_year=plan_year, as_of=as_of)
    row = next(r for r in report.units if r.unit is not None and r.unit.id == unit.id)
    before = next(
        u.figures[window_start]
        for u in facts.units_with_figures(plan_year=plan_year, dates=[window_start])
        if u.unit.id == unit.id
    )
    projects = list(
        Project.objects.filter(plan_year=plan_year, unit=unit).select_related("unit", "plan_year")
    )
    new = [p for p in projects if p.kind == ProjectKind.NEW]
    statuses = facts.start_statuses(projects=new, as_of=as_of, stored_consent=True)
    details = []
    for spec, milestone in specs:
        result = row.milestones[spec.key]
        measure = Measure(milestone.measure)
        judged = judged_on(due=spec.due, as_of=as_of)
        if result.status == MilestoneStatus.MET:
            blocking = []
        elif measure == Measure.NEW_STARTED:
            blocking = [
                Blocking(p, statuses[p.id])
                for p in new
                if p.started_on is None or p.started_on > judged
            ]
        else:
            kind = MEASURE_KIND[measure]
            blocking = [
                Blocking(p, None)
                for p in projects
                if p.kind == kind and (p.completed_on is None or p.completed_on > judged)
            ]
        forecast = None
        past_due = as_of >= spec.due
        if result.target is not None and not past_due:
            forecast = milestone_forecast(
                needed=result.target,
                actual=row.today.measure(measure),
                actual_window_ago=before.measure(measure),
                as_of=as_of,
                due=spec.due,
            )
        details.append(MilestoneDetail(spec, result, forecast, blocking, past_due))
    return UnitDashboard(
        row=OverviewRow(row, row_shares(row)),
        as_of=as_of,
        milestones=details,
        cumulative=cumulative(plan_year=plan_year, as_of=as_of, unit=unit),
    )
