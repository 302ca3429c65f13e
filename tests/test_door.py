"""The permission door (projects.permissions): for every model with a rule, which roles see and
change a row of unit A (驿城区), against the matrix of SPEC §6 written out by hand below."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django.db import models

from paperwork.models import (
    AdjustmentCommunity,
    Complaint,
    Finding,
    FollowUpVisit,
    ImplementationPlan,
    Inspection,
    InspectionKind,
    PlanAdjustment,
    RenovationPlan,
    ResidentWish,
    Warranty,
    WorkInfo,
    WorkInfoPhoto,
)
from projects import permissions
from projects.choices import (
    ApprovalKind,
    Criterion,
    HandoverParty,
    ParticipantRole,
    PlanYearState,
    Role,
)
from projects.models import (
    AcceptanceRecord,
    Approval,
    CoordinatedConstructionPlan,
    FundReceipt,
    Household,
    Participant,
    PlanYear,
    Project,
    StartCriterion,
    Unit,
    UnitTarget,
    User,
)
from reporting.models import MonthlyReport
from tests.factories import HouseholdFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = ("clerk_a", "leader_a", "clerk_b", "city", "admin")
# Who reads a row of unit A: its own clerk and leader, the city office and administrators.
READERS = frozenset({"clerk_a", "leader_a", "city", "admin"})
# Who writes unit A's data: its own clerk and leader only.
WRITERS = frozenset({"clerk_a", "leader_a"})

# model name -> who may change unit A's row (everyone in READERS may see it).
CHANGERS: dict[str, frozenset[str]] = {
    "Project": WRITERS,
    "Household": WRITERS,
    "StartCriterion": WRITERS,
    "FundReceipt": WRITERS,
    "Participant": WRITERS,
    "Approval": WRITERS,
    "CoordinatedConstructionPlan": WRITERS,
    "AcceptanceRecord": WRITERS,
    "UnitTarget": frozenset({"city", "admin"}),
    "MonthlyReport": frozenset({"clerk_a", "leader_a", "city"}),
    "ImplementationPlan": WRITERS,
    "RenovationPlan": WRITERS,
    "PlanAdjustment": WRITERS,
    "AdjustmentCommunity": WRITERS,
    "Inspection/city": frozenset({"city"}),
    "Inspection/self": WRITERS,
    "Finding/city": frozenset({"city"}),
    "Finding/self": WRITERS,
    "Complaint": WRITERS,
    "FollowUpVisit": WRITERS,
    "Warranty": WRITERS,
    "ResidentWish": WRITERS,
    "WorkInfo": WRITERS,
    "WorkInfoPhoto": WRITERS,
    # Plan years belong to no unit: the city office and administrators set them.
    "PlanYear/open": frozenset({"city", "admin"}),
    "PlanYear/draft": frozenset({"city", "admin"}),
}
# Who sees the row, where it is not READERS: an opened plan year everyone, a drafted one only those
# who draft it (issue 16: a year the city office is still entering is not the units' yet).
VIEWERS: dict[str, frozenset[str]] = {
    "PlanYear/open": frozenset(ROLES),
    "PlanYear/draft": frozenset({"city", "admin"}),
}


@dataclass
class World:
    users: dict[str, User]
    rows: dict[str, models.Model]


@pytest.fixture
def world(plan_year: PlanYear) -> World:
    unit_a = Unit.objects.get(name="驿城区")
    unit_b = Unit.objects.get(name="西平县")
    users = {
        "clerk_a": UserFactory(role=Role.CLERK, unit=unit_a),
        "leader_a": UserFactory(role=Role.LEADER, unit=unit_a),
        "clerk_b": UserFactory(role=Role.CLERK, unit=unit_b),
        "city": UserFactory(role=Role.CITY, unit=None),
        "admin": User.objects.create_superuser("root", password="Zmd-test-2022!"),
    }
    project = ProjectFactory(unit=unit_a)
    ProjectFactory(unit=unit_b)  # B's rows must not leak into A's clerk's restricted lists
    renovation_plan = RenovationPlan.objects.create(project=project)
    adjustment = PlanAdjustment.objects.create(plan_year=plan_year, unit=unit_a)
    city_inspection = Inspection.objects.create(
        plan_year=plan_year,
        unit=unit_a,
        kind=InspectionKind.CITY_JUNE,
        held_on=date(2022, 6, 20),
        inspectors="市老旧办",
    )
    self_inspection = Inspection.objects.create(
        plan_year=plan_year,
        unit=unit_a,
        kind=InspectionKind.SELF_INSPECTION,
        held_on=date(2022, 6, 10),
        inspectors="驿城区",
    )
    finding = {"description": "围挡不连续", "rectification": "完善", "deadline": date(2022, 7, 1)}
    work_info = WorkInfo.objects.create(plan_year=plan_year, unit=unit_a, title="信息", text="内容")
    rows: dict[str, models.Model] = {
        "Project": project,
        "Household": HouseholdFactory(project=project),
        "StartCriterion": StartCriterion.objects.create(
            project=project, criterion=Criterion.DESIGN_POSTED, met_on=date(2022, 3, 20)
        ),
        "FundReceipt": FundReceipt.objects.create(
            project=project, source="central", received_on=date(2022, 4, 1), amount=10
        ),
        "Participant": Participant.objects.create(
            project=project, role=ParticipantRole.DESIGN, person="张三"
        ),
        "Approval": Approval.objects.create(
            project=project, kind=ApprovalKind.PROJECT_APPROVAL, approved_on=date(2022, 2, 1)
        ),
        "CoordinatedConstructionPlan": CoordinatedConstructionPlan.objects.create(project=project),
        "AcceptanceRecord": AcceptanceRecord.objects.create(
            project=project, participants="建设单位", handed_to=HandoverParty.PROPERTY_COMPANY
        ),
        "UnitTarget": UnitTarget.objects.get(plan_year=plan_year, unit=unit_a),
        "MonthlyReport": MonthlyReport.objects.create(plan_year=plan_year, unit=unit_a, month=6),
        "ImplementationPlan": ImplementationPlan.objects.create(plan_year=plan_year, unit=unit_a),
        "RenovationPlan": renovation_plan,
        "PlanAdjustment": adjustment,
        "AdjustmentCommunity": AdjustmentCommunity.objects.create(
            adjustment=adjustment,
            name="新小区",
            buildings=1,
            households=10,
            floor_area=Decimal("100"),
            investment=Decimal("1"),
        ),
        "Inspection/city": city_inspection,
        "Inspection/self": self_inspection,
        "Finding/city": Finding.objects.create(inspection=city_inspection, **finding),
        "Finding/self": Finding.objects.create(inspection=self_inspection, **finding),
        "Complaint": Complaint.objects.create(
            project=project, kind="complaint", received_on=date(2022, 9, 1), summary="噪声"
        ),
        "FollowUpVisit": FollowUpVisit.objects.create(
            project=project, visited_on=date(2022, 10, 1), visitors="社区"
        ),
        "Warranty": Warranty.objects.create(
            project=project, starts_on=date(2022, 11, 1), ends_on=date(2024, 11, 1)
        ),
        "ResidentWish": ResidentWish.objects.create(
            plan=renovation_plan, facility="加装电梯", households=3
        ),
        "WorkInfo": work_info,
        "WorkInfoPhoto": WorkInfoPhoto.objects.create(item=work_info, image="p.png"),
        "PlanYear/open": plan_year,
        "PlanYear/draft": PlanYear.objects.create(
            year=2023,
            state=PlanYearState.DRAFT,
            city_new_starts=0,
            city_completions=0,
            city_carryover=0,
            implementation_plan_due=date(2023, 2, 28),
            renovation_plans_due=date(2023, 3, 31),
            adjustment_cutoff=date(2023, 3, 31),
        ),
    }
    return World(users, rows)


def test_every_model_with_a_rule_is_in_the_matrix() -> None:
    """A model given a rule in the door (from any app) must have its row in CHANGERS."""
    named = {name.split("/")[0] for name in CHANGERS}
    assert {model.__name__ for model in permissions.RULES} == named


@pytest.mark.parametrize("name", sorted(CHANGERS))
@pytest.mark.parametrize("role", ROLES)
def test_the_door_matches_the_matrix(world: World, name: str, role: str) -> None:
    """Unit A's row is in restrict(user, "view") for READERS (a plan year: its VIEWERS) and in
    restrict(user, "change") for the model's CHANGERS only; may() answers the same for the row."""
    row, user = world.rows[name], world.users[role]
    manager = type(row)._default_manager
    sees = role in VIEWERS.get(name, READERS)
    for action, expected in (("view", sees), ("change", role in CHANGERS[name])):
        restricted = manager.restrict(user, action)  # type: ignore[attr-defined]
        assert restricted.filter(pk=row.pk).exists() is expected, (action, expected)
        assert permissions.may(user, action, row) is expected, (action, expected)


def test_unit_a_clerk_sees_only_unit_a(world: World) -> None:
    """Of the two projects (one in 驿城区, one in 西平县) 驿城区's clerk sees one, the city office
    both; B's clerk changes none of A's households."""
    assert Project.objects.restrict(world.users["clerk_a"]).count() == 1
    assert Project.objects.restrict(world.users["city"]).count() == 2
    assert not Household.objects.restrict(world.users["clerk_b"], "change").exists()


def test_the_system_passes_the_door(world: World) -> None:
    """Commands and demo data act without a user: they see and change every row."""
    assert Project.objects.restrict(None, "change").count() == 2
    assert permissions.may(None, "change", world.rows["UnitTarget"])


@pytest.mark.parametrize(
    ("role", "is_city", "is_unit", "may_set_targets"),
    [
        ("clerk_a", False, True, False),
        ("leader_a", False, True, False),
        ("city", True, False, True),
        ("admin", False, False, True),
    ],
)
def test_portal_flags(
    world: World, role: str, is_city: bool, is_unit: bool, may_set_targets: bool
) -> None:
    """The flags the templates read instead of role strings, per role."""
    flags = permissions.portal_flags(world.users[role])
    assert (flags.is_city, flags.is_unit, flags.may_set_targets) == (
        is_city,
        is_unit,
        may_set_targets,
    )
    assert flags.may_write is is_unit
