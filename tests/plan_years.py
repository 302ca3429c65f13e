"""A second plan year for tests that show more than one year: test data, not a claim about any real
year. 2023 asks for 60 % of the new-start households started by 31 May and 80 % of them completed
by 31 December; 驿城区's targets are 100 new-start households and 80 completions."""

from datetime import date

from projects.choices import Measure, PlanYearState, ProjectKind, TargetBasis
from projects.models import Milestone, PlanYear, Project, Unit, UnitTarget
from tests.factories import ProjectFactory

SECOND_YEAR = 2023
UNIT = "驿城区"


def second_plan_year(*, year: int = SECOND_YEAR, state: str = PlanYearState.OPEN) -> PlanYear:
    """The plan year ``year`` (2023 by default) with its two milestones and 驿城区's targets."""
    plan_year = PlanYear.objects.create(
        year=year,
        city_new_starts=100,
        city_completions=80,
        city_carryover=0,
        completion_percent=80,
        implementation_plan_due=date(year, 2, 28),
        renovation_plans_due=date(year, 3, 31),
        adjustment_cutoff=date(year, 3, 31),
        state=state,
    )
    Milestone.objects.create(
        plan_year=plan_year,
        key="new_started_60",
        due=date(year, 5, 31),
        percent=60,
        basis=TargetBasis.NEW_STARTS,
        measure=Measure.NEW_STARTED,
        sort_order=1,
    )
    Milestone.objects.create(
        plan_year=plan_year,
        key="new_completed_80",
        due=date(year, 12, 31),
        percent=80,
        basis=TargetBasis.NEW_STARTS,
        measure=Measure.NEW_COMPLETED,
        sort_order=2,
    )
    UnitTarget.objects.create(
        plan_year=plan_year,
        unit=Unit.objects.get(name=UNIT),
        new_starts=100,
        completions=80,
        carryover=0,
    )
    return plan_year


def started_project(plan_year: PlanYear, *, name: str, households: int, started: date) -> Project:
    """A new-start project of 驿城区 in ``plan_year`` with ``households`` households, on site from
    ``started``."""
    project: Project = ProjectFactory(
        plan_year=plan_year,
        unit=Unit.objects.get(name=UNIT),
        kind=ProjectKind.NEW,
        name=name,
        households=households,
        started_on=started,
    )
    return project
