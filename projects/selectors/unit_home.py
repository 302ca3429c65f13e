"""A unit's home page: its row of the milestone table, the projects that block it and their
warnings."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from ..choices import ProjectKind
from ..models import PlanYear, Project, Unit
from ..rules.milestones import MilestoneSpec
from ..rules.project_checks import household_count_problem
from ..rules.start import start_status
from .consultation import consultation_checks
from .milestones import MilestoneRow, milestone_report
from .project_list import household_records_by_project, project_search, reached
from .start import project_warnings, start_inputs, subsidised_unit_names


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
