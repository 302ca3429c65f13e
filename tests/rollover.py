"""The world of the year-rollover tests: the 2022 fixtures with a few projects of known dates, and a
2023 plan year drafted with the ORM whose milestones differ from 2022's (60 % of the new-start
target started by 31 May, 80 % of it completed by 31 December, on households; every carry-over
project completed by 30 June). Test data, not a claim about any real year.

The 2022 projects (households; start and completion dates) and what the rollover does with them:

    驿城区  年内完工小区     new   100  started 2022-04-01, completed 2022-12-31  stays (done on the last day)
            跨年完工小区     new    80  started 2022-05-01, completed 2023-01-02  carried on, completed in 2023
            未完工小区       new    60  started 2022-06-01, never completed        carried on
            未开工小区       new    40  never started                              carried on
            续建未完工小区   carry  30  never completed                            carried on
            续建已完工小区   carry  50  completed 2022-06-15                       stays
    西平县  西平完工小区     new   200  started 2022-03-01, completed 2022-11-30  stays
            西平未开工小区   new    25  never started                              carried on
            西平续建跨年小区 carry  70  completed 2023-01-02                       carried on, completed in 2023
    遂平县  遂平完工小区     new    15  started 2022-02-01, completed 2022-12-31  stays

Carried on: 驿城区 80 + 60 + 40 + 30 = 210 households in 4 projects; 西平县 25 + 70 = 95 in 2;
the city 305 in 6. Every other unit carries on nothing, so its proposed carry-over target is 0.
"""

from dataclasses import dataclass
from datetime import date

from projects.choices import Measure, PlanYearState, ProjectKind, TargetBasis
from projects.models import Milestone, PlanYear, Project, Unit, UnitTarget
from tests.factories import ProjectFactory

NEW, CARRY = ProjectKind.NEW, ProjectKind.CARRYOVER

# (unit, name, kind, households, started_on, completed_on)
PROJECTS_2022: tuple[tuple[str, str, str, int, date | None, date | None], ...] = (
    ("驿城区", "年内完工小区", NEW, 100, date(2022, 4, 1), date(2022, 12, 31)),
    ("驿城区", "跨年完工小区", NEW, 80, date(2022, 5, 1), date(2023, 1, 2)),
    ("驿城区", "未完工小区", NEW, 60, date(2022, 6, 1), None),
    ("驿城区", "未开工小区", NEW, 40, None, None),
    ("驿城区", "续建未完工小区", CARRY, 30, None, None),
    ("驿城区", "续建已完工小区", CARRY, 50, None, date(2022, 6, 15)),
    ("西平县", "西平完工小区", NEW, 200, date(2022, 3, 1), date(2022, 11, 30)),
    ("西平县", "西平未开工小区", NEW, 25, None, None),
    ("西平县", "西平续建跨年小区", CARRY, 70, None, date(2023, 1, 2)),
    ("遂平县", "遂平完工小区", NEW, 15, date(2022, 2, 1), date(2022, 12, 31)),
)
CARRIED_ON = {
    "驿城区": {"跨年完工小区", "未完工小区", "未开工小区", "续建未完工小区"},
    "西平县": {"西平未开工小区", "西平续建跨年小区"},
}
PROPOSED = {"驿城区": 210, "西平县": 95}
CITY_PROPOSED = 305


def projects_2022() -> dict[str, Project]:
    """The 2022 projects above, by name."""
    units = {u.name: u for u in Unit.objects.all()}
    return {
        name: ProjectFactory(
            unit=units[unit],
            name=name,
            kind=kind,
            households=households,
            started_on=started,
            completed_on=completed,
        )
        for unit, name, kind, households, started, completed in PROJECTS_2022
    }


# (key, due, percent, basis, measure, every project completed)
MILESTONES_2023 = (
    ("carryover_done", date(2023, 6, 30), 100, TargetBasis.CARRYOVER, Measure.CARRYOVER_COMPLETED, True),
    ("new_started_60", date(2023, 5, 31), 60, TargetBasis.NEW_STARTS, Measure.NEW_STARTED, False),
    ("new_completed_80", date(2023, 12, 31), 80, TargetBasis.NEW_STARTS, Measure.NEW_COMPLETED, False),
)  # fmt: skip


def draft_2023() -> PlanYear:
    """The 2023 plan year as a draft: its own totals and milestones; 驿城区 and 西平县 have new-start
    targets, 西平县 a carry-over target of 500 copied from somewhere (the proposal replaces it)."""
    year = PlanYear.objects.create(
        year=2023,
        state=PlanYearState.DRAFT,
        city_new_starts=2000,
        city_completions=1600,
        city_carryover=500,
        completion_percent=80,
        consent_percent=80,
        implementation_plan_due=date(2023, 2, 28),
        renovation_plans_due=date(2023, 3, 31),
        adjustment_cutoff=date(2023, 3, 31),
        report_due_day=5,
    )
    for order, (key, due, percent, basis, measure, all_done) in enumerate(MILESTONES_2023, 1):
        Milestone.objects.create(
            plan_year=year,
            key=key,
            due=due,
            percent=percent,
            basis=basis,
            measure=measure,
            requires_all_projects_completed=all_done,
            sort_order=order,
        )
    UnitTarget.objects.create(
        plan_year=year, unit=Unit.objects.get(name="驿城区"), new_starts=1000, completions=800
    )
    UnitTarget.objects.create(
        plan_year=year,
        unit=Unit.objects.get(name="西平县"),
        new_starts=500,
        completions=400,
        carryover=500,
    )
    return year


@dataclass
class RolloverWorld:
    y2022: PlanYear
    y2023: PlanYear
    projects: dict[str, Project]


def rollover_world() -> RolloverWorld:
    """The 2022 projects and the 2023 draft (the fixtures loaded)."""
    projects = projects_2022()
    return RolloverWorld(PlanYear.objects.get(year=2022), draft_2023(), projects)
