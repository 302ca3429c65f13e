"""A large roster import and the city's workbook as background jobs, in a real browser with a real
Celery worker on Redis (tests.jobs.worker): the upload lands on the job's page, whose progress bar
(polling the job's status) runs to done and shows the preview; the confirmation does the same for
the import; the city's June workbook is downloaded from its job's page. 我的任务 lists them all."""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.db import connection
from openpyxl import load_workbook

from projects.choices import Role
from projects.importing import HOUSEHOLD_HEADERS
from projects.models import Household
from projects.services import household_import
from tests.browser import skip_module_without_browser
from tests.browser.test_city_dashboards import CITY_USER, log_in_city
from tests.factories import ProjectFactory, UserFactory
from tests.jobs.worker import celery_worker
from tests.xlsx import household_row, write_xlsx

try:
    from playwright.sync_api import Error as PlaywrightError
except ImportError:  # the module is skipped without Playwright
    PlaywrightError = Exception  # type: ignore[misc,assignment]

if TYPE_CHECKING:
    from pytest_django.live_server_helper import LiveServer

    from .conftest import Visitor

skip_module_without_browser()

ROWS = 80


@pytest.fixture(scope="module")
def worker() -> Iterator[Any]:
    with celery_worker() as running:
        yield running


def bar_until_done(v: Visitor) -> list[int]:
    """The progress bar's values as the page shows them, until the page says the job is over
    (30 s at most): the script reloads the page then, and the bar reads 100."""
    values: list[int] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            now = int(v.page.locator("#job-progress").get_attribute("aria-valuenow") or 0)
            state = v.page.locator("#job-state").inner_text()
        except PlaywrightError:  # the page reloading under us: read it again
            time.sleep(0.05)
            continue
        if not values or values[-1] != now:
            values.append(now)
        if state in ("已完成", "失败"):
            # Read again: the bar above may have been read before the page reloaded.
            values.append(int(v.page.locator("#job-progress").get_attribute("aria-valuenow") or 0))
            return values
        time.sleep(0.05)
    pytest.fail(f"the job's page never reached the end: {values}")


def test_a_large_roster_import_runs_in_the_background_with_its_progress(
    live_server: LiveServer,
    transactional_db: None,
    programme: None,
    worker: Any,
    open_browser: Callable[[str], Visitor],
    tmp_path: Path,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """80 rows over a threshold of 20: the upload lands on the job's page, whose bar runs to 100 %
    and shows the preview (nothing written); confirming lands on the import job's page, whose bar
    (moving on PostgreSQL while the rows are written) runs to done: 80 households, listed in 我的任务."""
    settings.JOBS_IMPORT_ROWS = 20
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(household_import, "BATCH", 10)
    original = household_import._write_households

    def slow(*args: Any, **kwargs: Any) -> None:
        time.sleep(0.4)  # each batch long enough for the page's poll to see it
        original(*args, **kwargs)

    monkeypatch.setattr(household_import, "_write_households", slow)
    project = ProjectFactory(name="建设路1号院", households=ROWS, buildings=2)
    UserFactory(username="411702-clerk", first_name="驿城区填报员", role=Role.CLERK)
    roster = write_xlsx(
        tmp_path / "roster.xlsx",
        HOUSEHOLD_HEADERS,
        [household_row(**{"房号": str(101 + i)}) for i in range(ROWS)],
    )
    v = open_browser("background-jobs")
    v.login("411702-clerk")
    v.goto(f"/projects/{project.pk}/households/import/")
    v.page.set_input_files("#id_file", str(roster))
    v.submit("上传并预览")
    assert "/jobs/" in v.page.url, v.page.url
    assert bar_until_done(v)[-1] == 100
    assert "将新增 80 户，更新 0 户，0 户不变" in v.page.locator("#import-preview").inner_text()
    assert not Household.objects.exists()
    v.capture("01-preview-done")

    with v.page.expect_navigation():
        v.page.get_by_role("button", name="确认导入").click()
    assert "/jobs/" in v.page.url, v.page.url
    v.shot("02-import-running")
    values = bar_until_done(v)
    assert values[-1] == 100, values
    if connection.vendor == "postgresql":
        assert any(0 < value < 100 for value in values), values
    assert v.page.locator("#job-done").inner_text() == "导入完成：新增 80 户，更新 0 户，未变 0 户"
    assert Household.objects.filter(project=project).count() == ROWS
    v.capture("03-import-done")
    with v.page.expect_navigation():
        v.page.locator("#import-list").click()
    assert v.page.url.endswith(f"/projects/{project.pk}/households/"), v.page.url

    v.page.locator("#nav-jobs").click()
    rows = v.page.locator("#job-list tbody tr").all_inner_texts()
    assert len(rows) == 2 and all("住户花名册导入" in r and "已完成" in r for r in rows), rows
    v.capture("04-my-jobs")
    assert not v.errors and not v.overflowing, (v.errors, v.overflowing)


def test_the_city_workbook_is_downloaded_from_its_jobs_page(
    live_server: LiveServer,
    transactional_db: None,
    programme: None,
    worker: Any,
    open_browser: Callable[[str], Visitor],
    tmp_path: Path,
    settings: Any,
) -> None:
    """The city office's June button on the report index starts a job; its page reaches done and
    offers the workbook, which opens as the city's June report."""
    settings.MEDIA_ROOT = tmp_path / "media"
    UserFactory(username=CITY_USER, first_name="市老旧办", role=Role.CITY, unit=None)
    v = open_browser("background-export")
    log_in_city(v)
    v.goto("/city/reports/")
    with v.page.expect_navigation():
        v.page.locator("#city-month-exports").get_by_role("button", name="6月").click()
    assert "/jobs/" in v.page.url, v.page.url
    assert bar_until_done(v)[-1] == 100
    with v.page.expect_download() as download:
        v.page.locator("#job-download").click()
    assert (
        download.value.suggested_filename
        == "驻马店市城镇老旧小区改造进展情况月报（2022年6月）.xlsx"
    )
    workbook = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert workbook.sheetnames
    v.capture("01-export-done")
    assert not v.errors and not v.overflowing, (v.errors, v.overflowing)
