"""Reads of the year rollover (续建): a year's projects still unfinished on 31 December, per unit,
with the carry-over targets they propose for the next year — what the preview lists and the service
(services.rollover.plan_year_rollover) carries on, read by the same function."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, QuerySet, Sum

from ..choices import PlanYearState
from ..models import PlanYear, Project, UnassignedCarryover, Unit, UnitTarget
from ..rules.message import Message
from ..rules.rollover import (
    COMPLETION_FIELDS,
    RolloverYears,
    carried_on_problem,
    rollover_problems,
)


def unfinished_by(day: date) -> Q:
    """Projects not completed by ``day``: no completion date, or a later one (a project completed
    on ``day`` itself is finished, as on a milestone's due date)."""
    return Q(completed_on__isnull=True) | Q(completed_on__gt=day)


def rollover_candidates(*, source: PlanYear) -> QuerySet[Project]:
    """Year ``source``'s new starts and carry-over projects unfinished on its 31 December and not
    carried on yet, in unit order."""
    return (
        Project.objects.filter(unfinished_by(source.year_end), plan_year=source)
        .filter(rolled_into__isnull=True)
        .select_related("unit")
        .order_by("unit__sort_order", "unit_id", "kind", "name", "id")
    )


def rolled_projects(*, source: PlanYear, target: PlanYear) -> QuerySet[Project]:
    """The projects of ``target`` carried on from ``source``."""
    return Project.objects.filter(plan_year=target, rolled_from__plan_year=source)


@dataclass(frozen=True)
class UnitRollover:
    """One unit in the rollover: the projects to carry on (and those held back because the next year
    already has a project of that name in the unit), the households they hold, what was carried on
    before, and its carry-over target for the next year now and as the rollover would set it."""

    unit: Unit
    projects: tuple[Project, ...]
    held_back: tuple[Project, ...]
    households: int
    rolled_before: int
    rolled_before_households: int
    carryover_now: int | None
    carryover_proposed: int | None

    @property
    def target_changes(self) -> bool:
        return self.carryover_proposed != self.carryover_now


@dataclass(frozen=True)
class RolloverPreview:
    """Everything the rollover of ``source`` into ``target`` would do, nothing written: per unit,
    then for the city; ``problems`` say why it may not run at all."""

    source: PlanYear
    target: PlanYear
    problems: tuple[Message, ...]
    units: tuple[UnitRollover, ...]
    city_carryover_now: int
    city_carryover_proposed: int

    @property
    def projects(self) -> int:
        return sum(len(u.projects) for u in self.units)

    @property
    def households(self) -> int:
        return sum(u.households for u in self.units)

    @property
    def held_back(self) -> int:
        return sum(len(u.held_back) for u in self.units)

    @property
    def rolled_before(self) -> int:
        return sum(u.rolled_before for u in self.units)

    @property
    def rolled_before_households(self) -> int:
        return sum(u.rolled_before_households for u in self.units)

    @property
    def first(self) -> bool:
        """Nothing of ``source`` has been carried into ``target`` yet."""
        return self.rolled_before == 0


def rollover_preview(*, source: PlanYear, target: PlanYear) -> RolloverPreview:
    """What carrying ``source``'s unfinished projects into ``target`` would do, in a fixed number of
    queries whatever the number of projects.

    The carry-over target proposed for a unit is the households of all its projects carried on
    from ``source`` (before and now). The first rollover proposes it for every unit (0 where
    nothing is carried on); a later one only for the units gaining projects, so a target the city
    office has corrected since is kept; a rollover carrying nothing changes no target. The city's
    carry-over total is then the units' targets plus the figures whose unit is not named yet."""
    problems = rollover_problems(
        RolloverYears(
            source_year=source.year,
            source_open=source.state == PlanYearState.OPEN,
            target_year=target.year,
            target_draft=target.state == PlanYearState.DRAFT,
        )
    )
    candidates = list(rollover_candidates(source=source))
    taken = set(
        Project.objects.filter(plan_year=target, name__in={p.name for p in candidates}).values_list(
            "unit_id", "name"
        )
    )
    before = {
        row["unit_id"]: (row["n"], row["households"] or 0)
        for row in rolled_projects(source=source, target=target)
        .values("unit_id")
        .annotate(n=Count("id"), households=Sum("households"))
        .order_by()
    }
    carryover = dict(
        UnitTarget.objects.filter(plan_year=target).values_list("unit_id", "carryover")
    )
    by_unit: dict[int, list[Project]] = defaultdict(list)
    for project in candidates:
        by_unit[project.unit_id].append(project)
    first = not before
    units = []
    for unit in Unit.objects.all():
        carried = [p for p in by_unit[unit.id] if (unit.id, p.name) not in taken]
        held = [p for p in by_unit[unit.id] if (unit.id, p.name) in taken]
        rolled_n, rolled_households = before.get(unit.id, (0, 0))
        households = sum(p.households for p in carried)
        now = carryover.get(unit.id)
        proposed = now
        if first or carried:
            proposed = rolled_households + households
        units.append(
            UnitRollover(
                unit=unit,
                projects=tuple(carried),
                held_back=tuple(held),
                households=households,
                rolled_before=rolled_n,
                rolled_before_households=rolled_households,
                carryover_now=now,
                carryover_proposed=proposed,
            )
        )
    city_proposed = target.city_carryover
    if any(u.projects for u in units):
        unassigned = UnassignedCarryover.objects.filter(
            plan_year=target, assigned_unit__isnull=True
        ).aggregate(households=Sum("households"))["households"]
        city_proposed = sum(u.carryover_proposed or 0 for u in units) + (unassigned or 0)
    return RolloverPreview(
        source=source,
        target=target,
        problems=problems,
        units=tuple(units),
        city_carryover_now=target.city_carryover,
        city_carryover_proposed=city_proposed,
    )


# --- a carried-on project and the project it continues ---------------------------------------


def roster_project(project: Project) -> Project:
    """The project whose households, start criteria and evidence ``project`` shows and writes: the
    first year's project it continues (through every year it was carried on), else itself. One
    query per year carried on."""
    return roster_projects([project])[project.id]


def roster_projects(projects: Iterable[Project]) -> dict[int, Project]:
    """``roster_project`` of each of ``projects`` by id (its unit selected), in one query per year
    carried on, whatever the number of projects."""
    roster = {p.id: p for p in projects}
    pending = {p.id: p.rolled_from_id for p in roster.values() if p.rolled_from_id is not None}
    while pending:
        earlier = Project.objects.select_related("unit", "plan_year").in_bulk(set(pending.values()))
        for project_id, origin_id in list(pending.items()):
            origin = earlier[origin_id]
            roster[project_id] = origin
            if origin.rolled_from_id is None:
                del pending[project_id]
            else:
                pending[project_id] = origin.rolled_from_id
    return roster


def continuation(project: Project) -> Project | None:
    """The next year's project ``project`` was carried on as, if it was."""
    return Project.objects.select_related("plan_year").filter(rolled_from=project).first()


def continuations(*, project_ids: Iterable[int]) -> dict[int, Project]:
    """The next year's project each of ``project_ids`` was carried on as (those carried on only),
    in one query."""
    return {
        p.rolled_from_id: p
        for p in Project.objects.select_related("plan_year").filter(
            rolled_from_id__in=list(project_ids)
        )
        if p.rolled_from_id is not None
    }


def carried_on_problems(project: Project, *, fields: Iterable[str]) -> dict[str, list[str]]:
    """Why a change of ``fields`` of ``project`` is refused once the project was carried into the
    next year: its completion and acceptance go on the next year's row (``{field: [reason]}``,
    empty when nothing is refused). One query when a completion field is among ``fields``."""
    touched = [name for name in fields if name in COMPLETION_FIELDS]
    if not touched or project.pk is None:
        return {}
    continued = continuation(project)
    if continued is None:
        return {}
    return {
        name: [carried_on_problem(field=name, year=continued.plan_year.year, name=continued.name)]
        for name in touched
    }
