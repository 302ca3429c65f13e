"""A roster re-import that would un-start a project counted in a received report, in a real browser
(issue 13, part 3): the preview shows the status change and the report affected, confirming without
the checkbox writes nothing and says why, and with it the roster goes in."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from projects.importing import HOUSEHOLD_HEADERS
from projects.models import Household, PlanYear
from tests.browser import skip_module_without_browser
from tests.factories import UserFactory
from tests.status_changes import roster, started_and_reported
from tests.xlsx import write_xlsx

if TYPE_CHECKING:
    from pytest_django.live_server_helper import LiveServer

    from .conftest import Visitor

skip_module_without_browser()


def test_roster_preview_shows_the_status_change_and_needs_the_confirmation(
    live_server: LiveServer,
    transactional_db: None,
    programme: None,
    open_browser: Callable[[str], Visitor],
    tmp_path: Path,
) -> None:
    """建设路1号院 started on 2022-04-15 and 驿城区's May report was received; a roster with two answers
    turned to 不同意 previews as 已开工 → 未开工 with that report, is refused without the checkbox and
    written with it."""
    project = started_and_reported(tmp_path, PlanYear.objects.get(year=2022))
    UserFactory(username="411702-clerk", first_name="驿城区填报员")
    v = open_browser("roster-status-change")
    v.login("411702-clerk")
    v.goto(f"/projects/{project.pk}/households/import/")
    v.page.set_input_files(
        "#id_file", str(write_xlsx(tmp_path / "r.xlsx", HOUSEHOLD_HEADERS, roster(6)))
    )
    v.submit("上传并预览")
    changes = v.page.locator("#status-changes").inner_text()
    assert "建设路1号院" in changes and "已开工 → 未开工" in changes, changes
    assert "开工日期 2022年4月15日 → 未达到" in changes
    reports = v.page.locator("#affected-reports tbody tr").all_inner_texts()
    assert [re.sub(r"\s+", " ", r).strip() for r in reports] == [
        "驿城区 2022年5月 第1版 建设路1号院"
    ]
    assert v.page.locator("#import-changes .change-updated").count() == 2
    assert "改造方案意见：同意 → 不同意" in v.page.locator("#import-changes").inner_text()
    v.shot("01-preview")

    with v.page.expect_navigation():
        v.page.get_by_role("button", name="确认导入").click()
    assert "未写入任何数据" in v.page.locator("#import-refused").inner_text()
    project.refresh_from_db()
    assert project.started_on == date(2022, 4, 15)
    assert Household.objects.filter(plan_opinion="agree").count() == 8
    v.shot("02-refused")

    v.page.get_by_label("我已知晓上述项目状态变化及受影响的已报送月报").check()
    v.submit("确认导入")
    assert v.page.url.endswith("/households/"), v.page.url
    project.refresh_from_db()
    assert project.started_on is None
    assert Household.objects.filter(plan_opinion="agree").count() == 6
    assert not v.errors and not v.overflowing, (v.errors, v.overflowing)
