"""Implementation plans (年度工作实施方案) and renovation plans (改造方案), the reads: where each
document stands against its due date, every unit's plans for the city's page, a unit's renovation
plans, and the implementation plan's project table.

The deadlines are judged by projects/rules/paperwork.py, the plan table's gaps by its
``plan_table_gaps`` and the 应改尽改 check by projects/rules/project_checks.py; nothing here
decides a rule of its own. The writes are in paperwork.services.plans.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from projects.choices import ProjectKind
from projects.models import PlanYear, Project, Unit, UnitTarget
from projects.records import ParticipantRow, participants_by_project
from projects.rules.paperwork import (
    PlanCoverage,
    document_overdue,
    plan_coverage,
    plan_table_gaps,
    submitted_in_time,
)
from projects.rules.project_checks import missing_pipeline_contents

from ..models import ImplementationPlan, RenovationPlan

# The seven funding sources of a project (SPEC §4), in the order of the task tables.
FUND_FIELDS: tuple[tuple[str, Any], ...] = (
    ("fund_central", _("中央补助")),
    ("fund_provincial", _("省级补助")),
    ("fund_city", _("市级补助")),
    ("fund_county", _("县级配套")),
    ("fund_social", _("社会资本")),
    ("fund_credit", _("信贷")),
    ("fund_residents", _("居民出资")),
)


# --- deadlines --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentStatus:
    """Where a document stands against its due date: submitted in time or late, or not yet
    submitted (overdue from the day after the due date)."""

    due: date
    submitted_on: date | None
    in_time: bool
    overdue: bool

    @property
    def key(self) -> str:
        """``in_time``, ``late``, ``overdue`` or ``pending`` (for the page's badge)."""
        if self.submitted_on is not None:
            return "in_time" if self.in_time else "late"
        return "overdue" if self.overdue else "pending"


def document_status(*, submitted_on: date | None, due: date, today: date) -> DocumentStatus:
    return DocumentStatus(
        due=due,
        submitted_on=submitted_on,
        in_time=submitted_in_time(submitted_on=submitted_on, due=due),
        overdue=document_overdue(submitted_on=submitted_on, due=due, today=today),
    )


# --- reads ------------------------------------------------------------------------------------


@dataclass
class RenovationCounts:
    """A unit's renovation plans of its new projects: how many projects, finalized, finalized in
    time, and not finalized although the due date has passed."""

    projects: int = 0
    final: int = 0
    final_in_time: int = 0
    overdue: int = 0

    @property
    def final_late(self) -> int:
        return self.final - self.final_in_time


@dataclass(frozen=True)
class PlanRow:
    """One unit's line on the city's plans page."""

    unit: Unit
    plan: ImplementationPlan | None
    status: DocumentStatus
    renovation: RenovationCounts


def implementation_plan_get(*, plan_year: PlanYear, unit: Unit) -> ImplementationPlan | None:
    return (
        ImplementationPlan.objects.filter(plan_year=plan_year, unit=unit)
        .select_related("submitted_by")
        .first()
    )


def _count(counts: RenovationCounts, status: DocumentStatus) -> None:
    counts.projects += 1
    if status.submitted_on is not None:
        counts.final += 1
        counts.final_in_time += status.in_time
    counts.overdue += status.overdue


def renovation_status(*, plan: RenovationPlan | None, due: date, today: date) -> DocumentStatus:
    """A renovation plan counts as submitted on the day it was marked final."""
    finalized_on = plan.finalized_on if plan is not None and plan.final else None
    return document_status(submitted_on=finalized_on, due=due, today=today)


def renovation_counts(*, plan_year: PlanYear, today: date) -> dict[int, RenovationCounts]:
    """The renovation-plan counts of every unit, in one query whatever the number of projects.
    Only new projects need a plan this year: carry-over ones had theirs in 2021."""
    rows = Project.objects.filter(plan_year=plan_year, kind=ProjectKind.NEW).order_by()
    due = plan_year.renovation_plans_due
    counts: dict[int, RenovationCounts] = defaultdict(RenovationCounts)
    for unit_id, final, finalized_on in rows.values_list(
        "unit_id", "renovation_plan__final", "renovation_plan__finalized_on"
    ):
        status = document_status(submitted_on=finalized_on if final else None, due=due, today=today)
        _count(counts[unit_id], status)
    return counts


def implementation_plan_rows(*, plan_year: PlanYear, today: date) -> list[PlanRow]:
    """Every unit's implementation plan and renovation plans, in three queries."""
    plans = {
        p.unit_id: p
        for p in ImplementationPlan.objects.filter(plan_year=plan_year).select_related(
            "submitted_by"
        )
    }
    counts = renovation_counts(plan_year=plan_year, today=today)
    due = plan_year.implementation_plan_due
    rows = []
    for unit in Unit.objects.all():
        plan = plans.get(unit.id)
        rows.append(
            PlanRow(
                unit=unit,
                plan=plan,
                status=document_status(
                    submitted_on=plan.submitted_on if plan else None, due=due, today=today
                ),
                renovation=counts.get(unit.id, RenovationCounts()),
            )
        )
    return rows


@dataclass(frozen=True)
class RenovationRow:
    """One new project of a unit with its renovation plan (None where none is started)."""

    project: Project
    plan: RenovationPlan | None
    status: DocumentStatus


def renovation_plan_rows(
    *, plan_year: PlanYear, unit: Unit, today: date
) -> tuple[list[RenovationRow], RenovationCounts]:
    """A unit's new projects with their renovation plans and the counts, in one query."""
    projects = (
        Project.objects.filter(plan_year=plan_year, unit=unit, kind=ProjectKind.NEW)
        .select_related("renovation_plan")
        .order_by("name", "id")
    )
    rows = []
    counts = RenovationCounts()
    for project in projects:
        plan = renovation_plan_of(project)
        status = renovation_status(plan=plan, due=plan_year.renovation_plans_due, today=today)
        _count(counts, status)
        rows.append(RenovationRow(project=project, plan=plan, status=status))
    return rows, counts


def renovation_plan_of(project: Project) -> RenovationPlan | None:
    try:
        return project.renovation_plan
    except RenovationPlan.DoesNotExist:
        return None


def project_funding_sources(project: Project) -> tuple[tuple[str, Decimal], ...]:
    """The funding sources a project names, with their amounts (万元); the zero ones left out."""
    return tuple(
        (str(label), getattr(project, name))
        for name, label in FUND_FIELDS
        if getattr(project, name)
    )


@dataclass(frozen=True)
class PlanTableRow:
    """One project of the implementation plan's table and the columns it leaves empty."""

    project: Project
    funding: tuple[tuple[str, Decimal], ...]
    gaps: tuple[str, ...]
    # Who answers on site (参建单位和质量安全责任人), phones masked: projects.records.
    participants: tuple[ParticipantRow, ...] = ()


@dataclass(frozen=True)
class PlanTable:
    """A unit's implementation-plan project table, generated from its project records."""

    unit: Unit
    plan_year: PlanYear
    plan: ImplementationPlan | None
    rows: list[PlanTableRow] = field(default_factory=list)
    coverage: tuple[PlanCoverage, ...] = ()

    @property
    def shortfalls(self) -> list[str]:
        """The targets the table's projects do not cover, as messages."""
        return [c.problem for c in self.coverage if c.problem]

    @property
    def rows_with_gaps(self) -> int:
        return sum(1 for row in self.rows if row.gaps)

    @property
    def investment(self) -> Decimal:
        return sum((row.project.investment for row in self.rows), Decimal(0))

    @property
    def households(self) -> int:
        return sum(row.project.households for row in self.rows)


def plan_table(*, plan_year: PlanYear, unit: Unit) -> PlanTable:
    """The project table of ``unit``'s implementation plan and what its projects' households cover
    of the unit's targets, in three queries whatever its size."""
    rows = []
    projects = list(
        Project.objects.filter(plan_year=plan_year, unit=unit).order_by("kind", "name", "id")
    )
    participants = participants_by_project(projects)
    for project in projects:
        funding = project_funding_sources(project)
        gaps = plan_table_gaps(
            {
                "contents": project.contents,
                "investment": project.investment,
                "funding": funding,
                "construction_unit": project.construction_unit.strip(),
                "supervising_unit": project.supervising_unit.strip(),
                "responsible_person": project.responsible_person.strip(),
            }
        )
        rows.append(
            PlanTableRow(
                project=project,
                funding=funding,
                gaps=gaps,
                participants=participants[project.id],
            )
        )
    target = UnitTarget.objects.filter(plan_year=plan_year, unit=unit).first()
    return PlanTable(
        unit=unit,
        plan_year=plan_year,
        plan=implementation_plan_get(plan_year=plan_year, unit=unit),
        rows=rows,
        coverage=plan_coverage(
            new_households=sum(
                r.project.households for r in rows if r.project.kind == ProjectKind.NEW
            ),
            new_target=target.new_starts if target else None,
            carryover_households=sum(
                r.project.households for r in rows if r.project.kind == ProjectKind.CARRYOVER
            ),
            carryover_target=target.carryover if target else None,
        ),
    )


def pipeline_message(missing: tuple[str, ...]) -> str:
    """The 应改尽改 message, worded as on the project page."""
    return "应改尽改：摸底排查发现的" + "、".join(missing) + "管线隐患未列入改造内容"


def project_missing_pipelines(project: Project) -> tuple[str, ...]:
    return missing_pipeline_contents(
        hazards=frozenset(project.hazards or ()), contents=frozenset(project.contents or ())
    )
