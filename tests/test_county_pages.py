"""The county clerks' and leaders' pages: unit home, project list and forms, criteria with evidence,
the household roster and its import, and two people editing one project."""

import io
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from projects import selectors, services
from projects.choices import Criterion, Opinion, ProjectKind, Role
from projects.importing import HOUSEHOLD_HEADERS
from projects.management.commands.load_programme import FIXTURES
from projects.models import Household, PlanYear, Project, StartCriterion, Unit, User
from tests.factories import HouseholdFactory, ProjectFactory, UserFactory
from tests.xlsx import household_row, write_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def yicheng(programme: None) -> Unit:
    return Unit.objects.get(name="驿城区")


@pytest.fixture
def clerk(yicheng: Unit) -> User:
    return UserFactory(role=Role.CLERK, unit=yicheng, first_name="驿城区填报员")


@pytest.fixture
def leader(yicheng: Unit) -> User:
    return UserFactory(role=Role.LEADER, unit=yicheng, first_name="驿城区审核人")


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def html(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return str(response.content.decode())


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(buffer, "PNG")
    return buffer.getvalue()


def project_post(project: Project | None = None, **changes: Any) -> dict[str, Any]:
    """The project form as a browser posts it: every field, sources adding up to the estimate."""
    data: dict[str, Any] = {
        "version": project.version if project else "",
        "kind": ProjectKind.NEW,
        "name": project.name if project else "幸福里小区",
        "address": project.address if project else "",
        "buildings": 2,
        "households": 10,
        "floor_area": "1200.50",
        "investment": "100",
        "fund_central": "60",
        "fund_provincial": "0",
        "fund_city": "0",
        "fund_county": "40",
        "fund_social": "0",
        "fund_credit": "0",
        "fund_residents": "0",
        "hazards": ["燃气"],
        "contents": ["燃气", "屋面防水"],
        "contents_other": "",
        "hazards_other": "",
        "linked_tags": ["适老化"],
        "management_mode": "专业化物业服务",
        "construction_unit": "",
        "supervising_unit": "",
        "responsible_person": "",
        "responsible_phone": "",
        "contractor": "",
        "completed_on": "",
        "accepted_on": "",
        "warning_note": "",
    }
    data.update(changes)
    return data


# --- unit home ----------------------------------------------------------------------------------


def test_unit_home_names_what_blocks_the_milestones(clerk: User, yicheng: Unit) -> None:
    """The unit page shows the unit's targets and counts the projects not started by what they
    lack: here 3 not started, 2 of them lacking only 进场施工, 1 lacking more."""
    for name in ("甲", "乙"):
        project = ProjectFactory(name=name, households=1, contractor="某公司")
        HouseholdFactory(project=project)
        for key in (
            Criterion.STRUCTURES_CLEARED,
            Criterion.DESIGN_POSTED,
            Criterion.CONTRACT_SIGNED,
        ):
            StartCriterion.objects.create(project=project, criterion=key, met_on=date(2022, 3, 2))
    ProjectFactory(name="丙")
    ProjectFactory(name="丁", kind=ProjectKind.CARRYOVER)
    page = html(logged_in(clerk).get(reverse("home"), {"as_of": "2022-06-30"}))
    assert "4804 户" in page and "3363 户" in page and "962 户" in page
    assert "3 个新开工项目尚未开工" in page
    assert "其中 2 个仅缺“进场施工”" in page
    assert "其中 1 个缺两项及以上" in page
    assert "1 个续建项目尚未完工" in page
    assert "2 个项目有开工条件已填日期但未上传证明材料" in page


def test_unit_home_lists_project_warnings(clerk: User) -> None:
    """A project whose sources do not add up is named with the warning on the unit page."""
    ProjectFactory(name="资金不符小区", investment=100, fund_central=50)
    page = html(logged_in(clerk).get(reverse("home")))
    assert "资金不符小区" in page
    assert "各资金来源合计 50.0000 万元与资金概算 100.0000 万元不一致" in page


def test_unit_home_query_count_is_constant(clerk: User) -> None:
    """The unit page runs as many queries for 1 project as for 8 with their households."""
    client = logged_in(clerk)
    ProjectFactory()
    with CaptureQueriesContext(connection) as one:
        html(client.get(reverse("home")))
    for project in ProjectFactory.create_batch(7):
        HouseholdFactory.create_batch(3, project=project)
        StartCriterion.objects.create(
            project=project, criterion=Criterion.ON_SITE, met_on=date(2022, 5, 1)
        )
    with CaptureQueriesContext(connection) as eight:
        html(client.get(reverse("home")))
    assert len(eight) == len(one)


# --- project list -------------------------------------------------------------------------------


def test_project_list_query_count_is_constant(clerk: User) -> None:
    """The project list runs as many queries for 2 projects as for 30 (more than a page)."""
    client = logged_in(clerk)
    ProjectFactory.create_batch(2)
    with CaptureQueriesContext(connection) as few:
        html(client.get(reverse("project_list")))
    for project in ProjectFactory.create_batch(28):
        HouseholdFactory.create_batch(2, project=project)
    with CaptureQueriesContext(connection) as many:
        page = html(client.get(reverse("project_list")))
    assert len(many) == len(few)
    assert "共 30 个项目" in page and "第 1 / 2 页" in page


def test_project_list_shows_only_the_users_unit(clerk: User) -> None:
    """Another unit's project never appears in a clerk's list, even when searched for by name."""
    ProjectFactory(name="本区县小区")
    ProjectFactory(name="外区县小区", unit=Unit.objects.get(name="西平县"))
    page = html(logged_in(clerk).get(reverse("project_list"), {"q": "小区"}))
    assert "本区县小区" in page and "外区县小区" not in page


def test_project_list_counts_each_projects_agreeing_households(clerk: User) -> None:
    """The 同意户数 column counts the households that agreed to both the plan and the management
    mode: 3 of a project's 5 records, 0 of another's."""
    agreeing, other = ProjectFactory(name="甲小区"), ProjectFactory(name="乙小区")
    HouseholdFactory.create_batch(3, project=agreeing)
    HouseholdFactory(project=agreeing, plan_opinion=Opinion.DISAGREE)
    HouseholdFactory(project=agreeing, management_opinion=Opinion.UNDECIDED)
    HouseholdFactory(project=other, plan_opinion=Opinion.DISAGREE)
    page = html(logged_in(clerk).get(reverse("project_list")))
    cells = re.findall(
        r">(甲小区|乙小区)</a></td>.*?<td class=\"text-end\">(\d+)</td>\s*"
        r"<td class=\"text-end d-none d-md-table-cell\">(\d+)</td>",
        page,
        re.S,
    )
    assert sorted(cells) == sorted([("甲小区", "10", "3"), ("乙小区", "10", "0")])


def test_project_list_filters(clerk: User) -> None:
    """Kind, progress and search narrow the list."""
    ProjectFactory(name="新建A", address="解放路")
    ProjectFactory(name="续建B", kind=ProjectKind.CARRYOVER)
    ProjectFactory(name="完工C", completed_on=date(2022, 9, 1))
    client = logged_in(clerk)
    assert "续建B" not in html(client.get(reverse("project_list"), {"kind": "new"}))
    page = html(client.get(reverse("project_list"), {"status": "carryover_open"}))
    assert "续建B" in page and "新建A" not in page
    page = html(client.get(reverse("project_list"), {"q": "解放"}))
    assert "新建A" in page and "完工C" not in page


@pytest.fixture(scope="class")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The fixtures and the default demo, written once for the class and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("loaddata", *FIXTURES, verbosity=0)
        call_command("seed_demo", verbosity=0)
        yield
        transaction.set_rollback(True)


@pytest.mark.usefixtures("demo")
class TestMissingFilterOnDemo:
    @pytest.mark.parametrize("key", ["consent", *Criterion.values])
    def test_missing_criterion_filter_is_the_start_rule(self, key: str) -> None:
        """Filtering by an open criterion returns exactly the new projects whose start status (the
        rule in projects/rules/start.py) says that criterion does not hold."""
        plan_year = PlanYear.objects.get(year=2022)
        if key != "consent":
            # The demo's projects all have some criteria recorded; open this one on two projects,
            # one by clearing its date, one by removing its record.
            recorded = StartCriterion.objects.filter(criterion=key, met_on__isnull=False)
            first, second = recorded[:2]
            StartCriterion.objects.filter(pk=first.pk).update(met_on=None)
            StartCriterion.objects.filter(pk=second.pk).delete()
            # Written behind the services' back: store the start rule's judgement as they would.
            services.projects_refresh_start(project_ids=[first.project_id, second.project_id])
        projects = list(selectors.project_list(plan_year=plan_year, kind=ProjectKind.NEW))
        statuses = selectors.start_statuses(projects=projects)
        expected = {p.id for p in projects if key in statuses[p.id].missing}
        filtered = selectors.project_search(
            projects=Project.objects.filter(plan_year=plan_year), missing=key
        )
        assert {p.id for p in filtered} == expected
        assert expected


# --- project form -------------------------------------------------------------------------------


def test_create_project_in_own_unit(clerk: User) -> None:
    """The form creates the project in the clerk's unit, with its lists and its first version."""
    response = logged_in(clerk).post(reverse("project_create"), project_post())
    project = Project.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("project_detail", args=[project.pk])
    assert project.unit == clerk.unit and project.contents == ["燃气", "屋面防水"]
    assert project.linked_tags == ["适老化"] and project.version == 1


def test_form_errors_are_beside_the_field_and_input_is_kept(clerk: User) -> None:
    """A bad phone and a pipeline hazard left out of the contents: the page comes back with the
    Chinese messages by their fields and every value typed still in the form."""
    response = logged_in(clerk).post(
        reverse("project_create"),
        project_post(responsible_phone="12345", contents=["屋面防水"], address="驿城区幸福路8号"),
    )
    page = html(response)
    assert not Project.objects.exists()
    assert re.search(r'id="error_1_id_responsible_phone".*?请填写11位手机号', page, re.S)
    assert 'value="驿城区幸福路8号"' in page and 'value="12345"' in page


def test_soft_warning_is_shown_and_needs_an_explanation(clerk: User) -> None:
    """Funding that does not add up is shown above the explanation field, which is then required."""
    client = logged_in(clerk)
    page = html(client.post(reverse("project_create"), project_post(fund_county="30")))
    assert "各资金来源合计 90 万元与资金概算 100 万元不一致" in page
    assert "项目存在以下提示，请填写情况说明" in page
    assert not Project.objects.exists()
    client.post(
        reverse("project_create"), project_post(fund_county="30", warning_note="配套资金待追加")
    )
    assert Project.objects.get().warning_note == "配套资金待追加"


def test_unit_in_the_post_is_ignored(clerk: User) -> None:
    """A hidden ``unit`` field naming another unit does not move the project there."""
    xiping = Unit.objects.get(name="西平县")
    logged_in(clerk).post(reverse("project_create"), project_post(unit=xiping.pk))
    assert Project.objects.get().unit == clerk.unit


def test_second_editor_is_told_what_changed_and_keeps_their_input(
    clerk: User, leader: User
) -> None:
    """Clerk and leader open the same project; the leader saves a new address; the clerk's save is
    refused, names the leader and the change, writes nothing, and keeps the clerk's input."""
    project = ProjectFactory(
        name="幸福里小区", investment=100, fund_central=60, fund_county=40, households=10
    )
    clerk_client, leader_client = logged_in(clerk), logged_in(leader)
    html(clerk_client.get(reverse("project_edit", args=[project.pk])))
    html(leader_client.get(reverse("project_edit", args=[project.pk])))
    leader_client.post(
        reverse("project_edit", args=[project.pk]), project_post(project, address="新地址1号")
    )
    page = html(
        clerk_client.post(
            reverse("project_edit", args=[project.pk]), project_post(project, buildings=7)
        )
    )
    assert "保存未成功" in page and "驿城区审核人" in page
    assert "<td>地址</td><td>（空）</td><td>新地址1号</td>" in page
    project.refresh_from_db()
    assert (project.address, project.buildings, project.version) == ("新地址1号", 2, 2)
    assert 'name="buildings" value="7"' in page
    assert 'name="version" value="2"' in page


# --- criteria and evidence ----------------------------------------------------------------------


def test_criterion_with_evidence_and_download(clerk: User) -> None:
    """Design posted with a PNG: stored under a random name, served back typed by content to the
    unit, with the project page showing the criterion met."""
    project = ProjectFactory()
    client = logged_in(clerk)
    upload = io.BytesIO(png_bytes())
    upload.name = "公示照片.png"
    response = client.post(
        reverse("criterion_edit", args=[project.pk, Criterion.DESIGN_POSTED]),
        {"met_on": "2022-03-15", "note": "", "evidence": upload},
    )
    assert response.status_code == 302
    record = StartCriterion.objects.get()
    assert record.met_on == date(2022, 3, 15) and record.evidence.name.endswith(".png")
    assert "公示照片" not in record.evidence.name
    download = client.get(reverse("evidence_download", args=[project.pk, "design_posted"]))
    assert download["Content-Type"] == "image/png"
    assert b"".join(download.streaming_content) == png_bytes()  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("scan.pdf", b"<html><script>alert(1)</script></html>"),
        ("photo.png", b'<svg xmlns="http://www.w3.org/2000/svg"></svg>'),
    ],
)
def test_evidence_is_checked_by_content(clerk: User, name: str, content: bytes) -> None:
    """HTML named .pdf and SVG named .png are refused with a Chinese message; nothing is recorded."""
    project = ProjectFactory()
    upload = io.BytesIO(content)
    upload.name = name
    page = html(
        logged_in(clerk).post(
            reverse("criterion_edit", args=[project.pk, Criterion.ON_SITE]),
            {"met_on": "2022-04-01", "evidence": upload},
        )
    )
    assert "只接受 PDF、JPEG 或 PNG 格式" in page
    assert not StartCriterion.objects.exists()


def test_design_posted_needs_evidence(clerk: User) -> None:
    """A design-posted date without a photo or scan is refused beside the evidence field."""
    project = ProjectFactory()
    page = html(
        logged_in(clerk).post(
            reverse("criterion_edit", args=[project.pk, Criterion.DESIGN_POSTED]),
            {"met_on": "2022-03-15"},
        )
    )
    assert "请上传证明材料" in page and not StartCriterion.objects.exists()


def test_no_structures_needs_a_named_confirmer(clerk: User) -> None:
    """“None present” without a confirming person is refused."""
    project = ProjectFactory()
    page = html(
        logged_in(clerk).post(
            reverse("criterion_edit", args=[project.pk, Criterion.STRUCTURES_CLEARED]),
            {"met_on": "2022-03-10", "no_structures": "on", "confirmed_by": " "},
        )
    )
    assert "“无违建”须由具名人员确认" in page and not StartCriterion.objects.exists()


# --- households ---------------------------------------------------------------------------------


def test_roster_masks_names_and_phones_and_detail_shows_them(clerk: User) -> None:
    """The roster shows 张* and 138****1234; only the household's page shows the full name."""
    household = HouseholdFactory(head_name="张三丰", phone="13812341234")
    client = logged_in(clerk)
    roster = html(client.get(reverse("household_list", args=[household.project_id])))
    assert "张**" in roster and "138****1234" in roster
    assert "张三丰" not in roster and "13812341234" not in roster
    detail = html(client.get(reverse("household_detail", args=[household.pk])))
    assert "张三丰" in detail and "13812341234" in detail


def test_household_form_adds_and_consent_moves(clerk: User) -> None:
    """Adding households by form moves the consent count shown on the roster (1 household of 1)."""
    project = ProjectFactory(households=1)
    client = logged_in(clerk)
    response = client.post(
        reverse("household_create", args=[project.pk]),
        {
            "building": "1",
            "entrance": "2",
            "room": "301",
            "head_name": "李四",
            "phone": "13900005678",
            "plan_opinion": Opinion.AGREE,
            "management_opinion": Opinion.AGREE,
            "answered_on": "2022-03-05",
        },
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.consent_met_on == date(2022, 3, 5)
    assert "已于2022年3月5日达到同意比例" in html(
        client.get(reverse("household_list", args=[project.pk]))
    )


def test_household_answer_without_date_is_refused_beside_the_field(clerk: User) -> None:
    """An agreement with no answer date comes back with the message on the date field."""
    project = ProjectFactory()
    page = html(
        logged_in(clerk).post(
            reverse("household_create", args=[project.pk]),
            {
                "building": "1",
                "entrance": "1",
                "room": "101",
                "head_name": "李四",
                "plan_opinion": Opinion.AGREE,
                "management_opinion": Opinion.AGREE,
                "answered_on": "",
            },
        )
    )
    assert re.search(r'id="error_1_id_answered_on".*?已表态的住户须填写表态日期', page, re.S)
    assert not Household.objects.exists()


def test_roster_import_previews_then_writes_on_confirm(clerk: User, tmp_path: Path) -> None:
    """Uploading shows what would change and writes nothing; confirming writes all rows."""
    project = ProjectFactory(name="建设路1号院", households=3)
    rows = [household_row(**{"房号": str(101 + i)}) for i in range(3)]
    path = write_xlsx(tmp_path / "roster.xlsx", HOUSEHOLD_HEADERS, rows)
    client = logged_in(clerk)
    url = reverse("household_import", args=[project.pk])
    with path.open("rb") as handle:
        page = html(client.post(url, {"file": handle, "preview": "1"}))
    assert "将新增 3 户，更新 0 户，0 户不变" in page
    assert not Household.objects.exists()
    token = re.search(r'name="token" value="([0-9a-f]{32})"', page)
    assert token
    response = client.post(url, {"token": token.group(1), "confirm": "1"})
    assert response.status_code == 302
    assert Household.objects.filter(project=project).count() == 3
    project.refresh_from_db()
    assert project.consent_met_on == date(2022, 3, 1)


def test_roster_import_with_an_error_writes_nothing(clerk: User, tmp_path: Path) -> None:
    """One bad row (a date that does not exist) and no row is imported; the error names the row."""
    project = ProjectFactory(name="建设路1号院", households=3)
    rows = [
        household_row(**{"房号": "101"}),
        household_row(**{"房号": "102", "表态日期": "2022-02-30"}),
    ]
    path = write_xlsx(tmp_path / "roster.xlsx", HOUSEHOLD_HEADERS, rows)
    with path.open("rb") as handle:
        page = html(
            logged_in(clerk).post(
                reverse("household_import", args=[project.pk]), {"file": handle, "preview": "1"}
            )
        )
    assert "第3行「表态日期」" in page and "未导入任何数据" in page
    assert not Household.objects.filter(project=project).exists()


def test_stale_import_token_is_refused(clerk: User) -> None:
    """Confirming with a token the session did not issue imports nothing."""
    project = ProjectFactory()
    response = logged_in(clerk).post(
        reverse("household_import", args=[project.pk]), {"token": "0" * 32, "confirm": "1"}
    )
    assert response.status_code == 302 and not Household.objects.exists()


def test_history_page_names_who_changed_what(clerk: User) -> None:
    """The project's history shows the clerk's change of a field with old and new values."""
    project = ProjectFactory(investment=100, fund_central=60, fund_county=40, households=10)
    client = logged_in(clerk)
    client.post(reverse("project_edit", args=[project.pk]), project_post(project, buildings=9))
    page = html(client.get(reverse("project_history", args=[project.pk])))
    assert "驿城区填报员" in page and "楼栋数：4 → 9" in page


def test_history_page_lists_terms_and_skips_saves_that_changed_nothing(clerk: User) -> None:
    """改造内容 changes read as terms (not list reprs), the same terms in another order are no
    change, and a save that changed nothing adds no row to the project's history."""
    stored = ["电力", "燃气", "通信", "垃圾分类设施", "雨污分流"]
    project = ProjectFactory(investment=100, fund_central=60, fund_county=40, contents=stored)
    client = logged_in(clerk)
    url = reverse("project_edit", args=[project.pk])
    for contents in (["雨污分流", *stored[:4]], stored, ["电力", "燃气"]):
        project.refresh_from_db()
        response = client.post(url, project_post(project, contents=contents))
        assert response.status_code == 302
    page = html(client.get(reverse("project_history", args=[project.pk])))
    assert "改造内容：电力、燃气、通信、垃圾分类设施、雨污分流 → 电力、燃气" in page
    assert page.count("改造内容：") == 1 and "[&#x27;" not in page
    assert page.count("<tr>") == 4  # the header, the creation and the two saves that changed
