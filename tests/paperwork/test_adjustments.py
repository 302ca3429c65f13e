"""Plan adjustments (计划调整, SPEC §5): the five totals before and after, the cut-off and the
not-lower rule at their exact boundaries, the documents, the city office's decision, and who may
see and do what."""

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from paperwork.models import AdjustmentState, PlanAdjustment
from paperwork.selectors.adjustments import adjustment_totals
from paperwork.services import adjustments
from paperwork.services.adjustments import AdjustmentInput, Community
from projects.choices import Criterion, ProjectKind, Role
from projects.models import PlanYear, Project, StartCriterion, Unit, User
from projects.rules.paperwork import PlanTotals
from tests.factories import HouseholdFactory, ProjectFactory, UserFactory
from tests.pdf import minimal_pdf

pytestmark = pytest.mark.django_db

ON_TIME = date(2022, 3, 20)
PDF = minimal_pdf()


def scan(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def documents() -> dict[str, Any]:
    """Both documents complete: numbers, dates and scans."""
    return {
        "county_consent_no": "驿政文〔2022〕12号",
        "county_consent_on": date(2022, 3, 10),
        "county_consent_scan": scan("consent.pdf"),
        "joint_document_no": "驿住建〔2022〕8号",
        "joint_document_on": date(2022, 3, 15),
        "joint_document_scan": scan("joint.pdf"),
    }


@pytest.fixture
def unit_a(programme: None) -> Unit:
    return Unit.objects.get(name="驿城区")


@pytest.fixture
def users(unit_a: Unit) -> dict[str, User]:
    unit_b = Unit.objects.get(name="西平县")
    return {
        "clerk_a": UserFactory(username="clerk-a", role=Role.CLERK, unit=unit_a),
        "leader_a": UserFactory(username="leader-a", role=Role.LEADER, unit=unit_a),
        "clerk_b": UserFactory(username="clerk-b", role=Role.CLERK, unit=unit_b),
        "city": UserFactory(username="city", role=Role.CITY, unit=None),
        "admin": User.objects.create_superuser("admin", password="Zmd-test-2022!"),
    }


@pytest.fixture
def plan(unit_a: Unit) -> dict[str, Project]:
    """驿城区's plan: two new projects (7 buildings, 160 households, 8000.50 ㎡, 480.5 万元), a
    carry-over project and another unit's project that are not part of it."""
    return {
        "p1": ProjectFactory(
            unit=unit_a,
            name="建设路1号院",
            buildings=4,
            households=100,
            floor_area=Decimal("5000.00"),
            investment=Decimal("300"),
        ),
        "p2": ProjectFactory(
            unit=unit_a,
            name="交通路2号院",
            buildings=3,
            households=60,
            floor_area=Decimal("3000.50"),
            investment=Decimal("180.5"),
        ),
        "carryover": ProjectFactory(
            unit=unit_a, name="续建小区", kind=ProjectKind.CARRYOVER, households=500
        ),
        "other_unit": ProjectFactory(
            unit=Unit.objects.get(name="西平县"), name="人民路3号院", households=80
        ),
    }


def swap(plan: dict[str, Project], **community: Any) -> AdjustmentInput:
    """Swap 交通路2号院 (3 buildings, 60 households, 3000.50 ㎡, 180.5 万元) for one new community
    (by default 5 buildings, 70 households, 3200 ㎡, 200 万元), with both documents."""
    figures: dict[str, Any] = {
        "name": "幸福里小区",
        "address": "驿城区幸福路8号",
        "buildings": 5,
        "households": 70,
        "floor_area": Decimal("3200.00"),
        "investment": Decimal("200"),
        **community,
    }
    return AdjustmentInput(
        reason="交通路2号院纳入棚改",
        removed=(plan["p2"],),
        added=(Community(**figures),),
        **documents(),
    )


def draft(users: dict[str, User], data: AdjustmentInput) -> PlanAdjustment:
    return adjustments.adjustment_create(
        plan_year=PlanYear.objects.get(year=2022),
        unit=users["clerk_a"].unit,  # type: ignore[arg-type]
        user=users["clerk_a"],
        data=data,
    )


def submitted(users: dict[str, User], data: AdjustmentInput) -> PlanAdjustment:
    return adjustments.adjustment_submit(
        adjustment=draft(users, data), user=users["clerk_a"], today=ON_TIME
    )


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- totals and the rule ------------------------------------------------------------------------


def test_totals_before_and_after_as_worked_out_by_hand(users: dict[str, User], plan: Any) -> None:
    """Original = the unit's new projects only; adjusted = original − 交通路2号院 + 幸福里小区."""
    original, adjusted = adjustment_totals(draft(users, swap(plan)))
    assert original == PlanTotals(2, 7, 160, Decimal("8000.50"), Decimal("480.5"))
    assert adjusted == PlanTotals(2, 9, 170, Decimal("8200.00"), Decimal("500"))


def test_submission_refused_when_households_fall_by_one(users: dict[str, User], plan: Any) -> None:
    """59 households in for 60 out: refused with the rule's Chinese reason, still a draft."""
    adjustment = draft(users, swap(plan, households=59))
    with pytest.raises(ValidationError) as refused:
        adjustments.adjustment_submit(adjustment=adjustment, user=users["clerk_a"], today=ON_TIME)
    assert refused.value.messages == ["调整后户数 159户 低于原计划 160户"]
    adjustment.refresh_from_db()
    assert adjustment.state == AdjustmentState.DRAFT


def test_submission_allowed_when_every_total_equals_the_original(
    users: dict[str, User], plan: Any
) -> None:
    """Exactly the figures swapped out: equal is not lower, so it is submitted."""
    data = swap(
        plan, buildings=3, households=60, floor_area=Decimal("3000.50"), investment=Decimal("180.5")
    )
    adjustment = submitted(users, data)
    assert adjustment.state == AdjustmentState.SUBMITTED
    assert adjustment.original_totals == adjustment.adjusted_totals


@pytest.mark.parametrize(
    ("today", "allowed"), [(date(2022, 3, 31), True), (date(2022, 4, 1), False)]
)
def test_cutoff_day_itself_allowed_and_the_next_day_refused(
    users: dict[str, User], plan: Any, today: date, allowed: bool
) -> None:
    """The plan year's cut-off (2022-03-31) still counts; 2022-04-01 is refused."""
    adjustment = draft(users, swap(plan))
    if allowed:
        adjustments.adjustment_submit(adjustment=adjustment, user=users["clerk_a"], today=today)
        adjustment.refresh_from_db()
        assert (adjustment.state, adjustment.submitted_on) == (AdjustmentState.SUBMITTED, today)
    else:
        with pytest.raises(ValidationError) as refused:
            adjustments.adjustment_submit(adjustment=adjustment, user=users["clerk_a"], today=today)
        assert refused.value.messages == ["计划调整须于2022年3月31日前提出，已截止"]


def test_submission_keeps_the_plan_and_totals_as_they_stood(
    users: dict[str, User], plan: Any
) -> None:
    """The original plan and both totals are stored on submission, Decimals as exact strings."""
    adjustment = submitted(users, swap(plan))
    assert adjustment.original_totals == {
        "communities": 2,
        "buildings": 7,
        "households": 160,
        "floor_area": "8000.50",
        "investment": "480.5000",
    }
    assert adjustment.adjusted_totals["households"] == 170
    rows = {row["name"]: row for row in adjustment.original_projects}
    assert set(rows) == {"建设路1号院", "交通路2号院"}
    assert rows["交通路2号院"]["removed"] and not rows["建设路1号院"]["removed"]
    assert rows["交通路2号院"]["floor_area"] == "3000.50"


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("county_consent_no", "请填写县级政府同意文号"),
        ("county_consent_on", "请填写县级政府同意日期"),
        ("county_consent_scan", "请上传县级政府同意文件扫描件"),
        ("joint_document_no", "请填写住建、发改、财政联合文件文号"),
        ("joint_document_on", "请填写联合文件日期"),
        ("joint_document_scan", "请上传联合文件扫描件"),
    ],
)
def test_submission_refused_without_each_document_detail(
    users: dict[str, User], plan: Any, missing: str, message: str
) -> None:
    """Both documents need their number, date and scan before the adjustment can go in."""
    empty = None if missing.endswith(("_on", "_scan")) else ""
    adjustment = draft(users, replace(swap(plan), **{missing: empty}))
    with pytest.raises(ValidationError) as refused:
        adjustments.adjustment_submit(adjustment=adjustment, user=users["clerk_a"], today=ON_TIME)
    assert refused.value.messages == [message]


def test_submission_refused_when_nothing_changes(users: dict[str, User], plan: Any) -> None:
    """An adjustment that neither swaps out nor brings in anything is not an adjustment."""
    adjustment = draft(users, AdjustmentInput(**documents()))
    with pytest.raises(ValidationError, match="请选择调出的项目或填写调入的小区"):
        adjustments.adjustment_submit(adjustment=adjustment, user=users["clerk_a"], today=ON_TIME)


# --- what may be swapped out ---------------------------------------------------------------------


def test_removing_a_project_with_households_is_refused(users: dict[str, User], plan: Any) -> None:
    """A project with household records is under way and cannot be swapped out."""
    HouseholdFactory(project=plan["p2"])
    with pytest.raises(ValidationError) as refused:
        draft(users, swap(plan))
    assert refused.value.message_dict["removed"] == [
        "“交通路2号院”已在实施中（已有住户记录），不能调出"
    ]
    assert not PlanAdjustment.objects.exists()


@pytest.mark.parametrize("mark", ["criterion", "completed"])
def test_removing_a_project_with_start_criteria_or_dates_is_refused(
    users: dict[str, User], plan: Any, mark: str
) -> None:
    """A recorded start criterion or a progress date also makes a project under way."""
    if mark == "criterion":
        StartCriterion.objects.create(
            project=plan["p2"], criterion=Criterion.DESIGN_POSTED, met_on=date(2022, 3, 1)
        )
        reason = "已填报开工条件"
    else:
        Project.objects.filter(pk=plan["p2"].pk).update(completed_on=date(2022, 3, 1))
        reason = "已有完工日期"
    with pytest.raises(ValidationError, match=reason):
        draft(users, swap(plan))


@pytest.mark.parametrize("project", ["carryover", "other_unit"])
def test_only_the_units_own_new_projects_can_be_swapped_out(
    users: dict[str, User], plan: Any, project: str
) -> None:
    """A carry-over project or another unit's project is not in the plan being adjusted."""
    data = replace(swap(plan), removed=(plan[project],))
    with pytest.raises(ValidationError, match="不是本区县2022年度新开工计划内的项目"):
        draft(users, data)


def test_a_community_may_not_take_the_name_of_a_project_that_stays(
    users: dict[str, User], plan: Any
) -> None:
    """The new project would clash with 建设路1号院; the name of the one swapped out is free."""
    with pytest.raises(ValidationError, match="与本区县已有项目重名"):
        draft(users, swap(plan, name="建设路1号院"))
    assert draft(users, swap(plan, name="交通路2号院")).added.get().name == "交通路2号院"


# --- the city office's decision -----------------------------------------------------------------


def test_accept_replaces_the_projects_and_the_page_keeps_the_original_plan(
    users: dict[str, User], plan: Any
) -> None:
    """Accepted: 交通路2号院 is deleted (its history keeps it, by the city office), 幸福里小区 is a
    new project with its figures, and the adjustment's page still shows the original plan."""
    adjustment = submitted(users, swap(plan))
    adjustments.adjustment_accept(adjustment=adjustment, user=users["city"])
    adjustment.refresh_from_db()
    assert adjustment.state == AdjustmentState.ACCEPTED
    assert adjustment.decided_by == users["city"] and adjustment.decided_at is not None
    assert not Project.objects.filter(pk=plan["p2"].pk).exists()
    deleted = Project.history.filter(id=plan["p2"].pk, history_type="-").get()
    assert deleted.history_user == users["city"]
    new = Project.objects.get(unit=plan["p1"].unit, name="幸福里小区")
    assert (new.kind, new.plan_year.year, new.buildings, new.households) == (
        ProjectKind.NEW,
        2022,
        5,
        70,
    )
    assert (new.floor_area, new.investment, new.address) == (
        Decimal("3200.00"),
        Decimal("200"),
        "驿城区幸福路8号",
    )
    assert adjustment.added.get().project == new
    assert Project.history.filter(id=new.pk).get().history_user == users["city"]

    response = signed_in(users["clerk_a"]).get(
        reverse("paperwork:adjustment_detail", args=[adjustment.pk])
    )
    assert response.status_code == 200
    page = response.content.decode()
    original = page.split('id="original-plan"')[1].split('id="adjusted-plan"')[0]
    assert "交通路2号院" in original and "调出" in original and "建设路1号院" in original
    adjusted = page.split('id="adjusted-plan"')[1].split("</table>")[0]
    assert "幸福里小区" in adjusted and "交通路2号院" not in adjusted


def test_accept_refused_when_a_removed_project_got_under_way_after_submission(
    users: dict[str, User], plan: Any
) -> None:
    """Households recorded on 交通路2号院 after submission: nothing is deleted or created."""
    adjustment = submitted(users, swap(plan))
    HouseholdFactory(project=plan["p2"])
    with pytest.raises(ValidationError, match="已在实施中"):
        adjustments.adjustment_accept(adjustment=adjustment, user=users["city"])
    assert Project.objects.filter(pk=plan["p2"].pk).exists()
    assert not Project.objects.filter(name="幸福里小区").exists()
    adjustment.refresh_from_db()
    assert adjustment.state == AdjustmentState.SUBMITTED


def test_accept_refused_when_the_removed_project_was_swapped_out_by_another(
    users: dict[str, User], plan: Any
) -> None:
    """Two adjustments swap out 交通路2号院: once the first is accepted, the second is refused."""
    first = submitted(users, swap(plan))
    second = submitted(users, swap(plan, name="和平小区"))
    adjustments.adjustment_accept(adjustment=first, user=users["city"])
    with pytest.raises(ValidationError, match="调出的项目“交通路2号院”已不在本区县计划中"):
        adjustments.adjustment_accept(adjustment=second, user=users["city"])
    assert not Project.objects.filter(name="和平小区").exists()


def test_return_needs_a_reason(users: dict[str, User], plan: Any) -> None:
    """Returning without a reason is refused; with one, the adjustment is returned, plan untouched."""
    adjustment = submitted(users, swap(plan))
    with pytest.raises(ValidationError, match="退回须填写原因"):
        adjustments.adjustment_return(adjustment=adjustment, reason="  ", user=users["city"])
    adjustment.refresh_from_db()
    assert adjustment.state == AdjustmentState.SUBMITTED
    adjustments.adjustment_return(
        adjustment=adjustment, reason="缺少财政部门会签", user=users["city"]
    )
    adjustment.refresh_from_db()
    assert (adjustment.state, adjustment.return_reason) == (
        AdjustmentState.RETURNED,
        "缺少财政部门会签",
    )
    assert Project.objects.filter(pk=plan["p2"].pk).exists()


@pytest.mark.parametrize("role", ["clerk_a", "leader_a", "admin"])
def test_only_the_city_office_accepts(users: dict[str, User], plan: Any, role: str) -> None:
    """The unit's clerk and leader and administrators cannot accept or return (403 on the page)."""
    adjustment = submitted(users, swap(plan))
    with pytest.raises(PermissionDenied):
        adjustments.adjustment_accept(adjustment=adjustment, user=users[role])
    with pytest.raises(PermissionDenied):
        adjustments.adjustment_return(adjustment=adjustment, reason="不同意", user=users[role])
    client = signed_in(users[role])
    assert (
        client.post(reverse("paperwork:adjustment_accept", args=[adjustment.pk])).status_code == 403
    )
    adjustment.refresh_from_db()
    assert adjustment.state == AdjustmentState.SUBMITTED


def test_a_decided_adjustment_cannot_be_decided_again(users: dict[str, User], plan: Any) -> None:
    """The second of two decisions finds the state changed (the row is locked and re-read)."""
    adjustment = submitted(users, swap(plan))
    stale = PlanAdjustment.objects.get(pk=adjustment.pk)
    adjustments.adjustment_accept(adjustment=adjustment, user=users["city"])
    with pytest.raises(adjustments.AdjustmentConflict):
        adjustments.adjustment_return(adjustment=stale, reason="不同意", user=users["city"])
    with pytest.raises(adjustments.AdjustmentConflict):
        adjustments.adjustment_update(adjustment=stale, user=users["clerk_a"], data=swap(plan))


def test_the_city_office_writes_no_drafts(users: dict[str, User], plan: Any) -> None:
    """Preparing and submitting an adjustment is the unit's clerk's or leader's job."""
    with pytest.raises(PermissionDenied):
        adjustments.adjustment_create(
            plan_year=PlanYear.objects.get(year=2022),
            unit=plan["p1"].unit,
            user=users["city"],
            data=swap(plan),
        )
    adjustment = draft(users, swap(plan))
    with pytest.raises(PermissionDenied):
        adjustments.adjustment_submit(adjustment=adjustment, user=users["clerk_b"], today=ON_TIME)


# --- pages --------------------------------------------------------------------------------------


def test_another_units_adjustment_is_a_404(users: dict[str, User], plan: Any) -> None:
    """西平县's clerk finds nothing at 驿城区's adjustment, its form, its scans or its actions."""
    adjustment = draft(users, swap(plan))
    client = signed_in(users["clerk_b"])
    for name in ("adjustment_detail", "adjustment_edit", "adjustment_consent_scan"):
        url = reverse(f"paperwork:{name}", args=[adjustment.pk])
        assert client.get(url).status_code == 404, name
    assert (
        client.post(reverse("paperwork:adjustment_submit", args=[adjustment.pk])).status_code == 404
    )
    assert "驿城区" not in client.get(reverse("paperwork:adjustment_list")).content.decode()


@pytest.mark.parametrize(
    ("role", "status"),
    [("clerk_a", 200), ("leader_a", 200), ("clerk_b", 404), ("city", 200), ("admin", 200)],
)
def test_who_reads_an_adjustment_and_its_scans(
    users: dict[str, User], plan: Any, role: str, status: int
) -> None:
    """The unit, the city office and administrators read the page and download both scans."""
    adjustment = draft(users, swap(plan))
    client = signed_in(users[role])
    for name in ("adjustment_detail", "adjustment_consent_scan", "adjustment_joint_scan"):
        response = client.get(reverse(f"paperwork:{name}", args=[adjustment.pk]))
        assert response.status_code == status, name
    if status == 200:
        response = client.get(reverse("paperwork:adjustment_joint_scan", args=[adjustment.pk]))
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]


def test_draft_page_shows_the_totals_and_marks_the_one_below(
    users: dict[str, User], plan: Any
) -> None:
    """Before submission the page shows the five totals before and after, the households row red."""
    adjustment = draft(users, swap(plan, households=59))
    page = (
        signed_in(users["clerk_a"])
        .get(reverse("paperwork:adjustment_detail", args=[adjustment.pk]))
        .content.decode()
    )
    rows = page.split('id="adjustment-totals"')[1].split("</table>")[0].split("<tr")[2:]
    assert len(rows) == 5
    below = [row for row in rows if "table-danger" in row]
    assert len(below) == 1 and 'data-total="households"' in below[0]
    assert "160" in below[0] and "159" in below[0] and "低于原计划" in below[0]
    assert "调整后户数 159户 低于原计划 160户" in page


def test_clerk_creates_a_draft_through_the_form(users: dict[str, User], plan: Any) -> None:
    """The form saves the swap, a community row and both documents, for the clerk's own unit."""
    form = {
        "reason": "调整",
        "removed": [str(plan["p2"].pk)],
        "county_consent_no": "驿政文〔2022〕12号",
        "county_consent_on": "2022-03-10",
        "county_consent_scan": scan("a.pdf"),
        "joint_document_no": "驿住建〔2022〕8号",
        "joint_document_on": "2022-03-15",
        "joint_document_scan": scan("b.pdf"),
        "added-TOTAL_FORMS": "2",
        "added-INITIAL_FORMS": "0",
        "added-MIN_NUM_FORMS": "0",
        "added-MAX_NUM_FORMS": "1000",
        "added-0-name": "幸福里小区",
        "added-0-buildings": "5",
        "added-0-households": "70",
        "added-0-floor_area": "3200",
        "added-0-investment": "200",
    }
    client = signed_in(users["clerk_a"])
    assert client.get(reverse("paperwork:adjustment_create")).status_code == 200
    response = client.post(reverse("paperwork:adjustment_create"), form)
    adjustment = PlanAdjustment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("paperwork:adjustment_detail", args=[adjustment.pk])
    assert adjustment.unit == users["clerk_a"].unit
    assert list(adjustment.removed.all()) == [plan["p2"]]
    assert adjustment.added.get().households == 70
    assert adjustment.county_consent_scan and adjustment.joint_document_scan
    edit = client.get(reverse("paperwork:adjustment_edit", args=[adjustment.pk]))
    assert edit.status_code == 200 and "幸福里小区" in edit.content.decode()


def test_the_city_office_cannot_open_the_new_form(users: dict[str, User], plan: Any) -> None:
    """Only a unit's clerk or leader proposes an adjustment."""
    for role in ("city", "admin"):
        response = signed_in(users[role]).get(reverse("paperwork:adjustment_create"))
        assert response.status_code == 403


def test_list_queries_do_not_grow_with_the_adjustments(users: dict[str, User], plan: Any) -> None:
    """The city office's list costs the same number of queries for one adjustment or five."""
    client = signed_in(users["city"])
    url = reverse("paperwork:adjustment_list")
    draft(users, swap(plan))
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for n in range(4):
        draft(users, swap(plan, name=f"新小区{n}"))
    submitted(users, swap(plan, name="新小区9"))
    with CaptureQueriesContext(connection) as five:
        response = client.get(url)
    assert response.content.decode().count('<td><a href="/paperwork/adjustments/') == 6
    assert len(five) == len(one)
