"""The admin's Excel import: upload → preview (the service's dry run) → confirm (the real run), with
the commands' validation and write path, all or nothing."""

import io
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from projects.choices import Role
from projects.importing import HOUSEHOLD_HEADERS, PROJECT_HEADERS
from projects.models import Household, PlanYear, Project, StartCriterion, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PROJECT_IMPORT = "admin:projects_project_import"
HOUSEHOLD_IMPORT = "admin:projects_household_import"


@pytest.fixture
def superuser(programme: None) -> User:
    user = UserFactory(role=Role.ADMIN, unit=None, is_staff=True, is_superuser=True)
    user.save()  # UserFactory does not save the password it sets; a session needs the stored hash
    return user


@pytest.fixture
def client_admin(client: Client, superuser: User) -> Client:
    client.force_login(superuser)
    return client


def workbook(headers: tuple[str, ...], rows: list[dict[str, Any]]) -> bytes:
    """An xlsx whose first row holds ``headers`` and then one row per dict (missing cells empty)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(headers))
    for row in rows:
        sheet.append([row.get(h) for h in headers])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def project_row(**values: Any) -> dict[str, Any]:
    """A valid row for a 10-household 驿城区 project whose criteria 2–5 are met by 2022-04-15."""
    return {
        "区县": "驿城区", "项目类型": "新开工", "小区名称": "建设路1号院", "楼栋数": 2, "户数": 10,
        "总投资(万元)": 100, "中央补助(万元)": 50, "省级补助(万元)": 20, "市级补助(万元)": 10,
        "县级配套(万元)": 20, "责任人": "张三", "联系电话": "13800001234",
        "违建拆除日期": date(2022, 3, 10), "无违建": "否", "设计公示日期": date(2022, 3, 20),
        "施工单位": "驻马店某建设公司", "施工合同日期": date(2022, 4, 1), "进场日期": date(2022, 4, 15),
        **values,
    }  # fmt: skip


def household_rows(agree: int, total: int = 10) -> list[dict[str, Any]]:
    """``total`` households of 建设路1号院, the first ``agree`` agreeing, answered on March 1st, 2nd, …"""
    return [
        {
            "区县": "驿城区", "小区名称": "建设路1号院", "楼栋": "1", "单元": "1", "房号": str(101 + i),
            "户主姓名": "李四" if i == 0 else f"住户{i}", "联系电话": "13900005678",
            "改造方案意见": "同意" if i < agree else "不同意", "物业管理模式意见": "同意",
            "表态日期": date(2022, 3, i + 1),
        }
        for i in range(total)
    ]  # fmt: skip


def upload(
    client: Client, url_name: str, content: bytes, plan_year: PlanYear, name: str = "data.xlsx"
) -> Any:
    """Post a file to the admin's import page (the preview step)."""
    return client.post(
        reverse(url_name),
        {
            "resource": "0",
            "format": "0",
            "plan_year": plan_year.pk,
            "import_file": SimpleUploadedFile(name, content, content_type=XLSX),
        },
    )


def confirm(client: Client, preview: Any, url_name: str) -> Any:
    """Confirm the previewed import with the hidden fields of its confirm form."""
    form = preview.context["confirm_form"]
    return client.post(reverse(url_name), dict(form.initial))


def test_import_page_offers_only_xlsx(client_admin: Client, plan_year: PlanYear) -> None:
    """The import page renders, offers xlsx as its only format and links the import template."""
    response = client_admin.get(reverse(PROJECT_IMPORT))
    assert response.status_code == 200
    assert [label for _, label in response.context["form"].fields["format"].choices] == ["xlsx"]
    assert reverse("import_template", kwargs={"kind": "projects"}) in response.content.decode()


def test_preview_of_a_bad_row_shows_the_error_and_writes_nothing(
    client_admin: Client, plan_year: PlanYear
) -> None:
    """A file with one bad row shows that row's error by Excel row number, offers no confirm, and
    leaves the database as it was (the good row is not imported either)."""
    content = workbook(
        PROJECT_HEADERS, [project_row(), project_row(**{"小区名称": "文化路2号院", "户数": "很多"})]
    )
    response = upload(client_admin, PROJECT_IMPORT, content, plan_year)
    assert response.status_code == 200
    result = response.context["result"]
    assert [row.number for row in result.invalid_rows] == [3]
    assert "confirm_form" not in response.context
    html = response.content.decode()
    assert "「户数」应为整数，实为“很多”" in html
    assert Project.objects.count() == 0
    upload_copy = response.context["form"].cleaned_data["import_file"].tmp_storage_name
    assert not (Path(tempfile.gettempdir()) / upload_copy).exists()  # the refused upload is dropped


def test_good_file_previews_then_imports_on_confirm(
    client_admin: Client, plan_year: PlanYear, superuser: User
) -> None:
    """A good file is only previewed at first (nothing written); confirming imports it through the
    service: the project, its four criteria, and history naming the user."""
    content = workbook(PROJECT_HEADERS, [project_row()])
    preview = upload(client_admin, PROJECT_IMPORT, content, plan_year)
    assert preview.status_code == 200
    assert "confirm_form" in preview.context
    assert preview.context["result"].counts.created == 1
    assert "建设路1号院" in preview.content.decode()
    assert Project.objects.count() == 0

    response = confirm(client_admin, preview, "admin:projects_project_process_import")
    assert response.status_code == 302
    project = Project.objects.get()
    assert (project.unit.name, project.name, project.households) == ("驿城区", "建设路1号院", 10)
    assert StartCriterion.objects.filter(project=project).count() == 4
    assert project.started_on is None  # no household has agreed yet
    assert project.history.latest().history_user == superuser


def test_reimporting_the_same_file_changes_nothing(
    client_admin: Client, plan_year: PlanYear
) -> None:
    """A second import of the same file is previewed as an existing row with nothing to change."""
    content = workbook(PROJECT_HEADERS, [project_row()])
    confirm(client_admin, upload(client_admin, PROJECT_IMPORT, content, plan_year),
            "admin:projects_project_process_import")  # fmt: skip
    again = upload(client_admin, PROJECT_IMPORT, content, plan_year)
    counts = again.context["result"].counts
    assert (counts.created, counts.updated, counts.unchanged) == (0, 0, 1)
    assert "已有（有变化则更新）" in again.content.decode()


def test_household_import_masks_the_preview_and_starts_the_project(
    client_admin: Client, plan_year: PlanYear
) -> None:
    """Households go in through the admin too: the preview masks names and phones, and after
    confirm 8 of 10 agreeing (the 8th on March 8th) start the project on its last criterion, 04-15."""
    projects = workbook(PROJECT_HEADERS, [project_row()])
    confirm(client_admin, upload(client_admin, PROJECT_IMPORT, projects, plan_year),
            "admin:projects_project_process_import")  # fmt: skip
    preview = upload(
        client_admin, HOUSEHOLD_IMPORT, workbook(HOUSEHOLD_HEADERS, household_rows(8)), plan_year
    )
    html = preview.content.decode()
    assert "李*" in html and "139****5678" in html
    assert "李四" not in html and "13900005678" not in html
    assert Household.objects.count() == 0

    response = confirm(client_admin, preview, "admin:projects_household_process_import")
    assert response.status_code == 302
    project = Project.objects.get()
    assert project.household_records.count() == 10
    assert project.consent_met_on == date(2022, 3, 8)
    assert project.started_on == date(2022, 4, 15)


def test_wrong_headers_are_a_file_error(client_admin: Client, plan_year: PlanYear) -> None:
    """A file without the template's headers is refused as a whole, in Chinese, without a traceback."""
    headers = tuple(h for h in PROJECT_HEADERS if h != "户数")
    response = upload(client_admin, PROJECT_IMPORT, workbook(headers, [project_row()]), plan_year)
    html = response.content.decode()
    assert "缺少列：户数" in html
    assert "Traceback" not in html
    assert "confirm_form" not in response.context


def test_formula_cells_are_refused(client_admin: Client, plan_year: PlanYear) -> None:
    """The service reads the uploaded workbook itself, so a formula cell is refused as in the command."""
    content = workbook(PROJECT_HEADERS, [project_row(**{"户数": "=5+5"})])
    response = upload(client_admin, PROJECT_IMPORT, content, plan_year)
    assert "含有公式" in response.content.decode()
    assert Project.objects.count() == 0


def test_a_file_that_is_not_a_workbook_is_explained(
    client_admin: Client, plan_year: PlanYear
) -> None:
    """Uploading something that is not an xlsx gives the service's Chinese explanation."""
    response = upload(client_admin, PROJECT_IMPORT, "区县,小区名称\n".encode(), plan_year, "x.xlsx")
    assert "不是有效的Excel工作簿" in response.content.decode()


def test_confirm_after_the_data_changed_writes_nothing(
    client_admin: Client, plan_year: PlanYear
) -> None:
    """If the database changed between preview and confirm so that the file no longer passes, the
    confirm writes nothing and says why."""
    projects = workbook(PROJECT_HEADERS, [project_row()])
    confirm(client_admin, upload(client_admin, PROJECT_IMPORT, projects, plan_year),
            "admin:projects_project_process_import")  # fmt: skip
    preview = upload(
        client_admin, HOUSEHOLD_IMPORT, workbook(HOUSEHOLD_HEADERS, household_rows(8)), plan_year
    )
    Project.objects.all().delete()
    response = confirm(client_admin, preview, "admin:projects_household_process_import")
    assert response.status_code == 302
    assert response["Location"] == reverse(HOUSEHOLD_IMPORT)
    assert Household.objects.count() == 0
    follow = client_admin.get(response["Location"])
    assert "导入未执行" in follow.content.decode()


def test_import_needs_add_and_change_permission(client: Client, plan_year: PlanYear) -> None:
    """A staff user who may only view projects cannot reach the import page."""
    from django.contrib.auth.models import Permission

    viewer = UserFactory(role=Role.CITY, unit=None, is_staff=True)
    viewer.save()
    viewer.user_permissions.add(Permission.objects.get(codename="view_project"))
    client.force_login(viewer)
    assert client.get(reverse(PROJECT_IMPORT)).status_code == 403
