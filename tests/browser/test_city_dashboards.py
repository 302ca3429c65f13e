"""The city office's dashboards in a real browser (SPEC §2): on the demo programme, the overview, a
unit's drill-down and a project read-only, each checked on a chosen date against ``check_targets``;
target maintenance changing the overview's unallocated remainder; the overview printed on A4
landscape; and both dashboards on a phone. Screenshots (and the printed PDF) go to SCREENSHOT_DIR
(tmp/screenshots/), named city-*."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

import pytest
from django.core.management import call_command

from projects.choices import Role
from projects.management.commands.load_programme import FIXTURES
from projects.models import UnassignedCarryover, Unit, UnitTarget
from tests.browser import skip_module_without_browser
from tests.browser.conftest import PASSWORD, PHONE, screenshot_dir
from tests.factories import UserFactory

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page
    from pytest_django.live_server_helper import LiveServer

    from .conftest import Visitor

skip_module_without_browser()

CITY_USER = "city-office"
UNIT = "驿城区"
JUNE = "2022-06-30"  # due date of carryover_completed and new_started_half
OCTOBER = "2022-10-31"  # due date of new_all_started
# The city's new-start target is 15948; the annex units add up to 10641, so 5307 is unallocated.
# Filling in 确山县's 1000 leaves 5307 − 1000 = 4307.
UNALLOCATED_BEFORE, QUESHAN_NEW_STARTS, UNALLOCATED_AFTER = 5307, 1000, 4307
# A4 landscape in PDF points (1/72 in): 297 mm × 210 mm.
A4_LANDSCAPE = (841.89, 595.28)
# The width the printed page lays out in, in CSS pixels (96 per inch): 297 mm less 2 × 10 mm margins.
A4_PRINTABLE_PX = round((297 - 2 * 10) / 25.4 * 96)


@pytest.fixture
def demo(transactional_db: None) -> None:
    """The fixtures and the default demo (87 projects), committed so the live server sees them, and a
    city-office user without a unit."""
    call_command("loaddata", *FIXTURES, verbosity=0)
    call_command("seed_demo", verbosity=0)
    UserFactory(username=CITY_USER, first_name="市老旧办", role=Role.CITY, unit=None)


def check_targets(day: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("check_targets", "--year", "2022", "--as-of", day, "--json", stdout=out)
    return dict(json.loads(out.getvalue()))


def reported(report: dict[str, Any], unit: str) -> dict[str, Any]:
    """The milestones of ``unit`` (or of the city, for "city") in a check_targets answer."""
    if unit == "city":
        return dict(report["city"]["milestones"])
    (row,) = [row for row in report["units"] if row["unit"] == unit]
    return dict(row["milestones"])


def cn_date(day: str) -> str:
    parsed = date.fromisoformat(day)
    return f"{parsed.year}年{parsed.month}月{parsed.day}日"


def log_in_city(v: Visitor) -> None:
    """The login form; the city office lands on the overview (its home redirects there)."""
    v.goto("/accounts/login/")
    v.page.get_by_label("用户名").fill(CITY_USER)
    v.page.get_by_label("密码").fill(PASSWORD)
    v.page.get_by_role("button", name="登录").click()
    v.page.wait_for_url(v.url("/city/"))
    v.phone.context.add_cookies(v.page.context.cookies())


def choose_date(page: Page, day: str) -> None:
    """Type a date into the 截至日期 picker and press 查看; the page answers for that date."""
    page.fill("#id_as_of", day)
    with page.expect_navigation():
        page.get_by_role("button", name="查看", exact=True).click()
    assert f"as_of={day}" in page.url, page.url
    assert f"截至{cn_date(day)}" in page.locator("h1").inner_text()
    assert page.input_value("#id_as_of") == day


def overview_row(page: Page, unit: str) -> Locator:
    return page.locator(f'#overview-table tr[data-unit="{unit}"]')


def shown_milestone(cell: Locator) -> dict[str, Any]:
    """A milestone as a dashboard shows it, in check_targets' terms (status, actual, target)."""
    target = cell.get_attribute("data-target")
    return {
        "status": cell.get_attribute("data-status"),
        "actual": int(cell.get_attribute("data-actual") or ""),
        "target": int(target) if target else None,
    }


def judged(milestone: dict[str, Any]) -> dict[str, Any]:
    return {key: milestone[key] for key in ("status", "actual", "target")}


def unallocated_new_starts(page: Page) -> int:
    row = page.locator("#overview-table tr.unallocated-row", has_text="未分解到区县的目标")
    return int(row.locator("td.num").first.inner_text())


def unassigned_carryover(page: Page) -> list[int]:
    rows = page.locator("#overview-table tr.unallocated-row", has_text="未列明区县的续建目标")
    return [int(row.locator("td.num").nth(6).inner_text()) for row in rows.all()]


def scroll_widths(page: Page) -> dict[str, int]:
    return dict(
        page.evaluate(
            """() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"""
        )
    )


def test_city_office_reads_the_dashboards_and_fills_in_a_target(
    live_server: LiveServer, demo: None, open_browser: Callable[[str], Visitor]
) -> None:
    """Overview → 驿城区 → a blocking project → target maintenance, each figure checked against
    ``check_targets`` on the date chosen in the page."""
    v = open_browser("city")
    log_in_city(v)
    assert v.page.locator("h1").inner_text().startswith("2022年度城镇老旧小区改造进展")
    v.capture("01-overview")

    # The overview on 30 June: 驿城区's and the city's figures and the half-way milestone.
    choose_date(v.page, JUNE)
    june = check_targets(JUNE)
    for unit in (UNIT, "city"):
        row = overview_row(v.page, unit)
        expected = reported(june, unit)["new_started_half"]
        started = int(row.locator('td[data-figure="new_started"]').inner_text())
        assert started == expected["actual"], (unit, started, expected)
        cell = row.locator('td[data-milestone="new_started_half"]')
        assert shown_milestone(cell) == judged(expected), unit
        assert cell.locator(".badge").inner_text() in {"已完成", "未完成"}  # judged: past due
    assert reported(june, UNIT)["new_started_half"]["status"] == "met"
    assert reported(june, "city")["new_started_half"]["status"] == "missed"
    assert unallocated_new_starts(v.page) == UNALLOCATED_BEFORE == june["unallocated"]["new_starts"]
    assert unassigned_carryover(v.page) == june["unallocated"]["carryover_unassigned"] == [30, 2113]

    # A chart's numbers: hidden until its summary is clicked; the last row is the city's figure.
    data = v.page.locator("#chart-new details table.chart-data")
    assert not data.is_visible()
    v.page.locator("#chart-new details summary").click()
    data.wait_for(state="visible")
    last = data.locator("tbody tr").last.locator("td")
    assert last.nth(0).inner_text() == cn_date(JUNE)
    assert int(last.nth(1).inner_text()) == reported(june, "city")["new_started_half"]["actual"]
    for chart in ("#chart-shares", "#chart-new", "#chart-carryover"):
        assert v.page.locator(f"{chart} svg").is_visible(), chart
    v.capture("02-overview-june")

    # 驿城区's drill-down keeps the date; its milestone cards agree with check_targets for the unit.
    overview_row(v.page, UNIT).get_by_role("link", name=UNIT).click()
    v.page.wait_for_url(re.compile(rf"/city/units/\d+/\?as_of={JUNE}$"))
    assert v.page.locator("h1").inner_text() == f"{UNIT}（截至{cn_date(JUNE)}）"
    card = v.page.locator('.milestone-detail[data-milestone="new_started_half"]')
    assert shown_milestone(card) == judged(reported(june, UNIT)["new_started_half"])
    assert card.locator(".card-header .badge").inner_text() == "已完成"
    v.capture("03-unit-june")

    choose_date(v.page, OCTOBER)
    october = check_targets(OCTOBER)
    for key in ("new_all_started", "new_completed_70"):
        card = v.page.locator(f'.milestone-detail[data-milestone="{key}"]')
        assert shown_milestone(card) == judged(reported(october, UNIT)[key]), key
    assert reported(october, UNIT)["new_all_started"]["status"] == "met"
    completions = v.page.locator('.milestone-detail[data-milestone="new_completed_70"]')
    assert "近30天新增" in completions.locator(".forecast").inner_text()
    v.capture("04-unit-october")

    # A project that holds back the completions: the city office reads it but may not edit it.
    blocking = completions.locator("ul.blocking a").first
    name = blocking.inner_text()
    blocking.click()
    v.page.wait_for_url(re.compile(r"/projects/\d+/$"))
    assert name in v.page.locator("h1").inner_text()
    assert v.page.get_by_role("link", name="编辑项目").count() == 0
    assert v.page.locator('a[href$="/edit/"]').count() == 0
    v.capture("05-project-read-only")

    # Target maintenance: 确山县's lost new-start target filled in, the completions worked out (70 %).
    v.page.locator("#portal-nav").get_by_role("button", name="更多").click()
    v.page.locator("#portal-nav").get_by_role("link", name="目标维护").click()
    v.page.wait_for_url(v.url("/city/targets/"))
    remainder = v.page.locator('#unallocated-row td[data-remainder="new_starts"]')
    assert int(remainder.inner_text()) == UNALLOCATED_BEFORE
    v.capture("06-targets")
    v.page.locator('#target-table tr[data-unit="确山县"]').get_by_role("link", name="修改").click()
    v.page.wait_for_url(re.compile(r"/city/targets/\d+/$"))
    v.page.fill("#id_new_starts", str(QUESHAN_NEW_STARTS))
    v.page.fill("#id_reason", "确山县2022年度实施方案（确旧改〔2022〕2号）明确新开工1000户")
    v.capture("07-target-form")
    v.submit("保存")
    assert v.page.url == v.url("/city/targets/")
    assert "已保存确山县的目标" in v.page.locator(".alert-success").inner_text()
    assert int(remainder.inner_text()) == UNALLOCATED_AFTER
    queshan = v.page.locator('#target-table tr[data-unit="确山县"]')
    assert queshan.locator('td[data-target="new_starts"]').inner_text() == "1000"
    assert queshan.locator('td[data-target="completions"]').inner_text() == "700"
    assert "确旧改〔2022〕2号" in v.page.locator("#target-changes").inner_text()

    # The unassigned carry-over of 30 households named as 确山县's.
    v.page.locator('#unassigned-list li[data-unassigned="30"]').get_by_role(
        "link", name="指定区县"
    ).click()
    v.page.wait_for_url(re.compile(r"/city/targets/carryover/\d+/assign/$"))
    v.page.select_option("#id_unit", value=str(Unit.objects.get(name="确山县").pk))
    v.page.fill("#id_reason", "市老旧办核对原件：30户属确山县")
    v.capture("08-carryover-assign")
    v.submit("确认指定")
    assert v.page.url == v.url("/city/targets/")
    assert "已将续建目标 30 户指定给确山县" in v.page.locator(".alert-success").inner_text()
    v.capture("09-targets-after")

    # Back on the overview of 30 June: the remainder is down by 1000, 确山县 has its targets.
    v.page.locator("#portal-nav").get_by_role("link", name="全市概况").click()
    v.page.wait_for_url(v.url("/city/"))
    choose_date(v.page, JUNE)
    assert unallocated_new_starts(v.page) == UNALLOCATED_AFTER
    assert unassigned_carryover(v.page) == [2113]
    after = check_targets(JUNE)
    assert after["unallocated"]["new_starts"] == UNALLOCATED_AFTER
    half = overview_row(v.page, "确山县").locator('td[data-milestone="new_started_half"]')
    assert shown_milestone(half) == judged(reported(after, "确山县")["new_started_half"])
    assert shown_milestone(half) == {"status": "missed", "actual": 0, "target": 500}
    v.capture("10-overview-after-targets")

    target = UnitTarget.objects.get(unit__name="确山县")
    assert (target.new_starts, target.completions, target.carryover) == (1000, 700, 30)
    assert UnassignedCarryover.objects.filter(assigned_unit__isnull=True).count() == 1
    assert v.errors == []
    assert v.overflowing == [], "手机屏幕上页面横向溢出：\n" + "\n".join(v.overflowing)


def print_overview(v: Visitor) -> None:
    """The overview of 30 June as the printer gets it: print media, laid out at the width of the
    printable area of an A4 landscape page."""
    v.goto(f"/city/?as_of={JUNE}")
    v.page.emulate_media(media="print")
    v.page.set_viewport_size({"width": A4_PRINTABLE_PX, "height": 794})


def test_overview_prints_on_a4_landscape(
    live_server: LiveServer, demo: None, open_browser: Callable[[str], Visitor]
) -> None:
    """Printed for a meeting: A4 landscape pages without the navigation bar, the date form or the
    chart tables' toggles; the PDF and a print-media screenshot are kept to look at."""
    v = open_browser("city")
    log_in_city(v)
    print_overview(v)
    assert not v.page.locator("nav.navbar").is_visible()
    assert not v.page.locator("#id_as_of").is_visible()
    assert not v.page.get_by_role("button", name="打印").is_visible()
    assert not v.page.locator("details summary").first.is_visible()
    assert v.page.locator("#overview-table").is_visible()
    assert v.page.locator("#chart-new svg").is_visible()
    v.shot("11-overview-print", size="a4")

    pdf = screenshot_dir() / "city-overview-print.pdf"
    v.page.pdf(path=str(pdf), prefer_css_page_size=True)
    boxes = re.findall(
        rb"/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]",
        pdf.read_bytes(),
    )
    assert boxes, "PDF 中没有 MediaBox"
    for box in boxes:  # the first page, and every other one
        x0, y0, x1, y1 = (float(n) for n in box)
        width, height = x1 - x0, y1 - y0
        assert width == pytest.approx(A4_LANDSCAPE[0], abs=2), (width, height)
        assert height == pytest.approx(A4_LANDSCAPE[1], abs=2), (width, height)
    assert v.errors == []


def test_overview_table_fits_the_printed_page(
    live_server: LiveServer, demo: None, open_browser: Callable[[str], Visitor]
) -> None:
    """On the printed page the whole table fits the width (nothing cut at the right margin) and each
    unit's name stays on one line."""
    v = open_browser("city")
    log_in_city(v)
    print_overview(v)
    fit = v.page.evaluate(
        """() => {
          const table = document.querySelector('#overview-table');
          const card = table.closest('.card');
          const names = [...table.querySelectorAll('tbody th a')];
          return {table: Math.ceil(table.getBoundingClientRect().right),
                  card: Math.ceil(card.getBoundingClientRect().right),
                  page: document.documentElement.scrollWidth, inner: window.innerWidth,
                  wrapped: names.filter((a) => a.getClientRects().length > 1)
                                .map((a) => a.innerText)};
        }"""
    )
    assert fit["table"] <= fit["card"] <= fit["inner"] and fit["page"] <= fit["inner"], fit
    assert fit["wrapped"] == [], fit


def test_dashboards_fit_a_phone(
    live_server: LiveServer, demo: None, open_browser: Callable[[str], Visitor]
) -> None:
    """At 390×844 the overview and the unit page scroll sideways only inside their tables."""
    v = open_browser("city")
    log_in_city(v)
    for path, name in (
        (f"/city/?as_of={JUNE}", "12-overview-phone"),
        (
            f"/city/units/{Unit.objects.get(name=UNIT).pk}/?as_of={OCTOBER}",
            "13-unit-phone",
        ),
    ):
        v.phone.goto(v.url(path))
        assert v.phone.viewport_size == PHONE
        widths = scroll_widths(v.phone)
        assert widths["scroll"] <= widths["inner"] == PHONE["width"], (path, widths)
        v.phone_shot(name)
    # The overview's wide table scrolls inside its own box.
    v.phone.goto(v.url(f"/city/?as_of={JUNE}"))
    box = v.phone.locator("#overview-table").locator("xpath=..")
    assert "table-responsive" in (box.get_attribute("class") or "")
    assert box.evaluate("(el) => el.scrollWidth > el.clientWidth")
    assert v.errors == []
    assert v.overflowing == [], "手机屏幕上页面横向溢出：\n" + "\n".join(v.overflowing)
