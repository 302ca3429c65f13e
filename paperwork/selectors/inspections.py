"""Inspections and aftercare (SPEC §5, issue 6), the reads: who may record what, the inspections,
findings and complaints a user may see, the overdue rectifications per unit for the city's and the
unit's pages, the coverage of the city inspections, and a project's aftercare.

The city office runs the city inspections, spot checks and patrols (CITY_KINDS) of any unit; a
unit's clerk or leader records its own self-inspection and self-evaluation, closes the
rectifications of its own unit's findings, and records its projects' complaints, visits and
warranties. Overdue is judged by projects.rules.paperwork, once. The writes are in
paperwork.services.inspections."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Min, Prefetch, Q, QuerySet

from projects import permissions
from projects.models import PlanYear, Project, Unit, User
from projects.rules.paperwork import rectification_overdue, warranty_active

from ..models import (
    CITY_KINDS,
    Complaint,
    Finding,
    FollowUpVisit,
    Inspection,
    InspectionKind,
    Warranty,
)

SELF_KINDS: tuple[InspectionKind, ...] = tuple(k for k in InspectionKind if k not in CITY_KINDS)


# --- who may do what ------------------------------------------------------------------------------


def inspection_kinds_for(user: User) -> tuple[InspectionKind, ...]:
    """The kinds of inspection ``user`` may record: the city's kinds for the city office, the
    self-inspection and self-evaluation for a unit's clerk or leader, none for anyone else."""
    if permissions.is_city_office(user):
        return tuple(CITY_KINDS)
    if user.unit_id is not None and permissions.may_change_unit(user, user.unit_id):
        return SELF_KINDS
    return ()


def user_may_author(user: User | None, *, kind: str, unit_id: int) -> bool:
    """An inspection and its findings are recorded by the side that inspected: the city office for
    its kinds (any unit), the unit's own clerk or leader for its self-inspection and
    self-evaluation. ``None`` (commands, demo data) may do anything."""
    if user is None:
        return True
    if kind in CITY_KINDS:
        return permissions.is_city_office(user)
    return permissions.may_change_unit(user, unit_id)


def user_may_close(user: User | None, *, unit_id: int) -> bool:
    """The rectification of a finding is closed by the inspected unit's clerk or leader, whoever
    inspected."""
    return user is None or permissions.may_change_unit(user, unit_id)


# --- inspections, findings and aftercare ----------------------------------------------------------


def _overdue(today: date, prefix: str = "") -> Q:
    """rectification_overdue as a filter: today after the deadline (the deadline day itself is not
    overdue), and not closed by today."""
    return Q(**{f"{prefix}deadline__lt": today}) & (
        Q(**{f"{prefix}closed_on__isnull": True}) | Q(**{f"{prefix}closed_on__gt": today})
    )


def inspections_visible(*, user: User) -> QuerySet[Inspection]:
    """The inspections ``user`` may read: of their unit, or of every unit for the city office and
    administrators."""
    return Inspection.objects.restrict(user, "view").select_related(
        "unit", "plan_year", "created_by"
    )


def findings_visible(*, user: User) -> QuerySet[Finding]:
    """The findings ``user`` may read (those of the inspections they may read)."""
    return Finding.objects.restrict(user, "view").select_related(
        "inspection__unit", "inspection__plan_year", "project__unit"
    )


def complaints_visible(*, user: User) -> QuerySet[Complaint]:
    """The complaints and disputes ``user`` may read (those of the projects they may read)."""
    return Complaint.objects.restrict(user, "view").select_related(
        "project__unit", "project__plan_year"
    )


def finding_projects(inspection: Inspection) -> QuerySet[Project]:
    """The projects a finding of ``inspection`` may name: those it covered, or every project of the
    unit in the plan year when it named none."""
    covered = Project.objects.filter(inspection=inspection)
    if covered.exists():
        return covered
    return Project.objects.filter(unit_id=inspection.unit_id, plan_year_id=inspection.plan_year_id)


def inspection_list(
    *, user: User, plan_year: PlanYear, today: date, kind: str = "", unit: Unit | None = None
) -> QuerySet[Inspection]:
    """The inspections of a plan year ``user`` may read, optionally of one kind and one unit, each
    with its projects and its findings counted (all, open, overdue on ``today``): three queries
    whatever the number of rows (count, page, projects)."""
    qs = inspections_visible(user=user).filter(plan_year=plan_year)
    if kind:
        qs = qs.filter(kind=kind)
    if unit is not None:
        qs = qs.filter(unit=unit)
    return (
        qs.annotate(
            findings_total=Count("findings"),
            findings_open=Count("findings", filter=Q(findings__closed_on__isnull=True)),
            findings_overdue=Count("findings", filter=_overdue(today, "findings__")),
        )
        .prefetch_related(
            Prefetch("projects", queryset=Project.objects.only("id", "name").order_by("name"))
        )
        .order_by("-held_on", "-id")
    )


# The inspections whose coverage of every unit the city's page shows: the two city inspections and
# the province's verification.
COVERAGE_KINDS: tuple[InspectionKind, ...] = (
    InspectionKind.CITY_JUNE,
    InspectionKind.CITY_DECEMBER,
    InspectionKind.PROVINCIAL,
)


@dataclass(frozen=True)
class CoverageRow:
    """One unit and the day of its first inspection of each COVERAGE_KINDS kind (None: not yet)."""

    unit: Unit
    held: tuple[date | None, ...]


def inspection_coverage(*, plan_year: PlanYear, today: date) -> list[CoverageRow]:
    """Which units have had the June and December city inspections and the provincial verification
    by ``today``, and which not: every unit in order, in two queries."""
    rows = (
        Inspection.objects.filter(plan_year=plan_year, kind__in=COVERAGE_KINDS, held_on__lte=today)
        .order_by()
        .values("unit_id", "kind")
        .annotate(first=Min("held_on"))
    )
    first = {(r["unit_id"], r["kind"]): r["first"] for r in rows}
    return [
        CoverageRow(unit, tuple(first.get((unit.id, kind)) for kind in COVERAGE_KINDS))
        for unit in Unit.objects.all()
    ]


def overdue_rectifications(
    *, plan_year: PlanYear, today: date, unit: Unit | None = None
) -> list[Finding]:
    """The findings of a plan year's inspections whose rectification is overdue on ``today`` (the
    rule's definition: deadline before today, not closed by today), of one unit or all, the most overdue
    first, with their inspection, unit and project."""
    qs = (
        Finding.objects.filter(_overdue(today), inspection__plan_year=plan_year)
        .select_related("inspection__unit", "project")
        .order_by("deadline", "inspection__unit__sort_order", "id")
    )
    if unit is not None:
        qs = qs.filter(inspection__unit=unit)
    return list(qs)


def overdue_counts_by_unit(*, plan_year: PlanYear, today: date) -> dict[int, int]:
    """Unit id → number of overdue rectifications on ``today``, in one grouped query; units with
    none are absent."""
    rows = (
        Finding.objects.filter(_overdue(today), inspection__plan_year=plan_year)
        .order_by()
        .values("inspection__unit_id")
        .annotate(n=Count("id"))
    )
    return {row["inspection__unit_id"]: row["n"] for row in rows}


def finding_overdue(finding: Finding, *, today: date) -> bool:
    """Whether one finding's rectification is overdue on ``today`` (the rule, applied)."""
    return rectification_overdue(
        deadline=finding.deadline, closed_on=finding.closed_on, today=today
    )


class WarrantyStatus:
    """Where a day falls against a warranty period."""

    ACTIVE = "active"
    EXPIRED = "expired"
    PENDING = "pending"


def warranty_status(warranty: Warranty | None, *, today: date) -> str | None:
    """active within the period (both ends included, the rule), expired after it, pending before
    it; None without a warranty."""
    if warranty is None:
        return None
    if warranty_active(starts_on=warranty.starts_on, ends_on=warranty.ends_on, today=today):
        return WarrantyStatus.ACTIVE
    return WarrantyStatus.EXPIRED if today > warranty.ends_on else WarrantyStatus.PENDING


@dataclass(frozen=True)
class Aftercare:
    """A project's complaints and disputes, follow-up visits and warranty, as of a day."""

    project: Project
    complaints: list[Complaint]
    visits: list[FollowUpVisit]
    warranty: Warranty | None
    warranty_status: str | None
    open_complaints: int


def aftercare(*, project: Project, today: date) -> Aftercare:
    """Everything after the works for one project (three queries)."""
    complaints = list(Complaint.objects.filter(project=project))
    warranty = Warranty.objects.filter(project=project).first()
    return Aftercare(
        project=project,
        complaints=complaints,
        visits=list(FollowUpVisit.objects.filter(project=project)),
        warranty=warranty,
        warranty_status=warranty_status(warranty, today=today),
        open_complaints=sum(1 for c in complaints if c.closed_on is None),
    )
