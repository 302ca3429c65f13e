"""Excel both ways in a real browser (issue 20): a county clerk downloads the unit's project list,
edits one completion date in the file (openpyxl, as Excel would) and uploads it back; the preview
shows exactly one update, and confirming writes it."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from openpyxl import load_workbook

from projects import services
from projects.importing import PROJECT_HEADERS
from projects.models import PlanYear, Project
from tests.browser import skip_module_without_browser
from tests.factories import UserFactory
from tests.xlsx import project_row, write_xlsx

if TYPE_CHECKING:
    from pytest_django.live_server_helper import LiveServer

    from .conftest import Visitor

skip_module_without_browser()

NAMES = ("建设路1号院", "文化路2号院", "人民路3号院")
EDITED = "文化路2号院"
COMPLETED_ON = date(2022, 9, 30)


def test_clerk_downloads_the_project_list_edits_a_completion_date_and_uploads_it_back(
    live_server: LiveServer,
    transactional_db: None,
    programme: None,
    open_browser: Callable[[str], Visitor],
    tmp_path: Path,
) -> None:
    """Three 驿城区 carry-over projects: the downloaded list, one 完工日期 filled in, previews as 0 new,
    1 updated, 2 unchanged with that one change; confirmed, only that project changed."""
    plan_year = PlanYear.objects.get(year=2022)
    blank_criteria = dict.fromkeys(("违建拆除日期", "设计公示日期", "施工合同日期", "进场日期"))
    rows = [project_row(项目类型="续建", 小区名称=name, **blank_criteria) for name in NAMES]
    imported = services.projects_import(
        source=write_xlsx(tmp_path / "seed.xlsx", PROJECT_HEADERS, rows), plan_year=plan_year
    )
    assert imported.ok, imported.errors
    UserFactory(username="411702-clerk", first_name="驿城区填报员")
    v = open_browser("project-list-excel")
    v.login("411702-clerk")
    v.goto("/projects/")
    v.capture("01-project-list")

    with v.page.expect_download() as download_info:
        v.page.locator("#project-list-download").click()
    download = download_info.value
    assert download.suggested_filename == "驿城区2022年度改造项目.xlsx"
    path = tmp_path / "list.xlsx"
    download.save_as(path)

    book = load_workbook(path)
    sheet = book.worksheets[0]
    names = [c.value for c in sheet["C"][1:]]
    assert sorted(names) == sorted(NAMES)
    column = PROJECT_HEADERS.index("完工日期") + 1
    sheet.cell(names.index(EDITED) + 2, column).value = COMPLETED_ON
    book.save(path)

    v.page.get_by_role("link", name="从Excel导入").click()
    v.page.wait_for_url(re.compile(r"/projects/import/$"))
    v.page.set_input_files("#id_file", str(path))
    v.submit("上传并预览")
    preview = v.page.locator("#import-preview").inner_text()
    assert "将新增 0 个项目，更新 1 个，2 个不变" in preview, preview
    changes = v.page.locator("#import-changes tbody tr").all_inner_texts()
    assert len(changes) == 1 and EDITED in changes[0], changes
    assert "完工日期：（空） → 2022-09-30" in changes[0], changes
    v.capture("02-preview")

    assert "未完工 → 已完工" in v.page.locator("#status-changes").inner_text()
    before = {p.name: p.version for p in Project.objects.all()}
    v.submit("确认导入")
    assert v.page.url.endswith("/projects/"), v.page.url
    assert "导入完成：新增 0 个项目，更新 1 个" in v.page.locator(".alert-success").inner_text()
    after = {p.name: (p.version, p.completed_on) for p in Project.objects.all()}
    assert after == {
        name: (before[name] + 1, COMPLETED_ON) if name == EDITED else (before[name], None)
        for name in NAMES
    }
    assert not v.errors and not v.overflowing, (v.errors, v.overflowing)
