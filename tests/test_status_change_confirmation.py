"""No silent reversal on the pages (issue 13, part 3): the roster import's preview shows the status
change and the valid report it affects and needs the confirmation checkbox; a criterion edit or a
household deletion that moves or takes away a start shows its consequences and writes only when
confirmed. And the household form checks dwellings by the roster import's rule (part 4)."""

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from projects.choices import Criterion, Role
from projects.importing import HOUSEHOLD_HEADERS, PROJECT_HEADERS
from projects.models import Household, PlanYear, Project, Unit, User
from projects.services import projects_import
from tests.factories import UserFactory
from tests.status_changes import roster, started_and_reported
from tests.test_county_pages import png_bytes, project_post
from tests.xlsx import project_row, write_xlsx

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONFIRM_LABEL = "我已知晓上述项目状态变化及受影响的已报送月报"


@pytest.fixture
def started(tmp_path: Path, plan_year: PlanYear) -> Project:
    """建设路1号院 of 驿城区, started on 2022-04-15, counted in 驿城区's received May report."""
    return started_and_reported(tmp_path, plan_year)


@pytest.fixture
def client(programme: None) -> Client:
    clerk = UserFactory(role=Role.CLERK, unit=Unit.objects.get(name="驿城区"))
    assert isinstance(clerk, User)
    client = Client()
    client.force_login(clerk)
    return client


def text(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return str(response.content.decode())


def preview(client: Client, project: Project, path: Path) -> tuple[str, str]:
    url = reverse("household_import", args=[project.pk])
    with path.open("rb") as handle:
        page = text(client.post(url, {"file": handle, "preview": "1"}))
    token = re.search(r'name="token" value="([0-9a-f]{32})"', page)
    assert token
    return page, token.group(1)


def test_roster_import_preview_shows_the_status_change_and_needs_confirmation(
    client: Client, started: Project, tmp_path: Path
) -> None:
    """The preview names 建设路1号院 已开工 → 未开工 and 驿城区's 2022年5月 report (version 1), lists the
    two changed answers old → new, and offers the checkbox; confirming without it writes nothing and
    says why; with it the roster is written and the project un-started."""
    page, token = preview(
        client, started, write_xlsx(tmp_path / "r.xlsx", HOUSEHOLD_HEADERS, roster(6))
    )
    assert "已开工 → 未开工" in page
    assert "开工日期 2022年4月15日 → 未达到" in page
    assert re.search(r"<td>驿城区</td><td>2022年5月</td><td>第1版</td><td>建设路1号院</td>", page)
    assert "改造方案意见：同意 → 不同意" in page
    assert page.count("change-updated") == 2
    assert CONFIRM_LABEL in page
    url = reverse("household_import", args=[started.pk])
    refused = text(client.post(url, {"token": token, "confirm": "1"}))
    assert "未写入任何数据" in refused and CONFIRM_LABEL in refused
    started.refresh_from_db()
    assert started.started_on == date(2022, 4, 15)
    assert Household.objects.filter(plan_opinion="agree").count() == 8
    response = client.post(url, {"token": token, "confirm": "1", "confirm_status_changes": "1"})
    assert response.status_code == 302
    started.refresh_from_db()
    assert started.started_on is None
    assert Household.objects.filter(plan_opinion="agree").count() == 6


def test_roster_import_preview_lists_added_rows(
    client: Client, plan_year: PlanYear, tmp_path: Path
) -> None:
    """A first roster lists each added dwelling; with no status reversed and no valid report there is
    no checkbox to tick."""
    projects_import(
        source=write_xlsx(tmp_path / "p.xlsx", PROJECT_HEADERS, [project_row()]),
        plan_year=plan_year,
    )
    project = Project.objects.get()
    page, token = preview(
        client, project, write_xlsx(tmp_path / "r.xlsx", HOUSEHOLD_HEADERS, roster(8))
    )
    assert page.count("change-added") == 10
    assert "建设路1号院（楼栋1 单元1 房号110）" in page
    assert "未达到 → 2022年4月15日" in page
    assert CONFIRM_LABEL not in page
    response = client.post(
        reverse("household_import", args=[project.pk]), {"token": token, "confirm": "1"}
    )
    assert response.status_code == 302 and Household.objects.count() == 10


def test_criterion_edit_moving_the_start_needs_confirmation(
    client: Client, started: Project
) -> None:
    """Moving 违建拆除 from 03-10 to 04-25 moves the start 04-15 → 04-25 (May's report counted it):
    the form shows that and saves only with the checkbox ticked."""
    url = reverse("criterion_edit", args=[started.pk, Criterion.STRUCTURES_CLEARED])
    page = text(client.post(url, {"met_on": "2022-04-25"}))
    assert "开工日期 2022年4月15日 → 2022年4月25日" in page and CONFIRM_LABEL in page
    started.refresh_from_db()
    assert started.started_on == date(2022, 4, 15)
    response = client.post(url, {"met_on": "2022-04-25", "confirm_status_changes": "1"})
    assert response.status_code == 302
    started.refresh_from_db()
    assert started.started_on == date(2022, 4, 25)


def test_household_delete_that_unstarts_needs_confirmation(
    client: Client, started: Project
) -> None:
    """Deleting one of the 8 agreeing households leaves 7 of 10 (below 80 %): the page names the
    un-start and the May report and deletes only when confirmed."""
    household = Household.objects.get(room="101")
    url = reverse("household_delete", args=[household.pk])
    page = text(client.post(url))
    assert "已开工 → 未开工" in page and "2022年5月" in page
    assert Household.objects.filter(pk=household.pk).exists()
    assert client.post(url, {"confirm_status_changes": "1"}).status_code == 302
    assert not Household.objects.filter(pk=household.pk).exists()
    started.refresh_from_db()
    assert started.started_on is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("building", "-3", "楼栋应为正整数或简短编号"),
        ("building", "9999", "楼栋号9999超过项目楼栋数2"),
        ("entrance", "0", "单元不能为0"),
        ("room", "1.5", "房号应为数字或简短编号"),
    ],
)
def test_household_form_checks_the_dwelling(
    client: Client, started: Project, field: str, value: str, message: str
) -> None:
    """The household form refuses what the roster import refuses, beside the field."""
    household = Household.objects.get(room="110")
    data = {
        "building": "1",
        "entrance": "1",
        "room": "110",
        "head_name": "李四",
        "phone": "",
        "plan_opinion": "disagree",
        "management_opinion": "agree",
        "answered_on": "2022-03-10",
        field: value,
    }
    page = text(client.post(reverse("household_edit", args=[household.pk]), data))
    assert message in page
    assert Household.objects.get(pk=household.pk).room == "110"


def test_admin_import_refuses_a_status_change_it_cannot_confirm(
    started: Project, plan_year: PlanYear, tmp_path: Path
) -> None:
    """The admin's import preview of the un-starting roster names the project and offers no confirm
    (its screens have no confirmation checkbox); nothing is written."""
    admin = UserFactory(role=Role.ADMIN, unit=None, is_staff=True, is_superuser=True)
    admin.save()
    client = Client()
    client.force_login(admin)
    path = write_xlsx(tmp_path / "r.xlsx", HOUSEHOLD_HEADERS, roster(6))
    response = client.post(
        reverse("admin:projects_household_import"),
        {
            "resource": "0",
            "format": "0",
            "plan_year": plan_year.pk,
            "import_file": SimpleUploadedFile("r.xlsx", path.read_bytes(), content_type=XLSX),
        },
    )
    page = text(response)
    assert "建设路1号院" in page and "后台导入不能确认此类变化" in page
    assert "confirm_form" not in response.context
    started.refresh_from_db()
    assert started.started_on == date(2022, 4, 15)


def test_project_edit_completion_in_a_reported_month_needs_confirmation(
    client: Client, started: Project, plan_year: PlanYear
) -> None:
    """A completion date of 2022-05-20 falls in the month of the received May report: the edit shows
    完工日期 未达到 → 2022年5月20日 with that report and saves only when confirmed."""
    url = reverse("project_edit", args=[started.pk])
    data = project_post(started, completed_on="2022-05-20", contractor="驻马店某建设公司")
    page = text(client.post(url, data))
    assert "完工日期 未达到 → 2022年5月20日" in page and "2022年5月" in page
    assert CONFIRM_LABEL in page
    started.refresh_from_db()
    assert started.completed_on is None
    response = client.post(url, {**data, "confirm_status_changes": "1"})
    assert response.status_code == 302, response.content.decode()[-2000:]
    started.refresh_from_db()
    assert started.completed_on == date(2022, 5, 20)


def test_criterion_edit_confirmation_asks_again_for_the_evidence_file(
    client: Client, started: Project
) -> None:
    """A 设计公示 change refused for confirmation with a file attached says to choose the file again;
    the confirmed save without it is refused for the evidence and still shows the status change."""
    url = reverse("criterion_edit", args=[started.pk, Criterion.DESIGN_POSTED])
    upload = SimpleUploadedFile("公示.png", png_bytes(), content_type="image/png")
    page = text(client.post(url, {"met_on": "2022-04-25", "evidence": upload}))
    assert "请重新选择证明材料文件后再勾选确认保存" in page and CONFIRM_LABEL in page
    page = text(client.post(url, {"met_on": "2022-04-25", "confirm_status_changes": "1"}))
    assert "请上传证明材料" in page and CONFIRM_LABEL in page
    assert "开工日期 2022年4月15日 → 2022年4月25日" in page
    started.refresh_from_db()
    assert started.started_on == date(2022, 4, 15)
