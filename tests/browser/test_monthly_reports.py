"""The monthly report workflow in a real browser (SPEC §5, §6), on the demo data (January–May filed by
``seed_demo_reports``, June left empty): every unit's clerk prepares and submits June's report and its
leader approves it with a stamped scan; for 驿城区 the city office also returns it (first without a
reason, refused), the clerk corrects it in a new version, the leader approves that and the city
receives it. The assessment and the months table are checked against counts worked out by hand from
reporting/demo.py's scenario. Screenshots go to SCREENSHOT_DIR (tmp/screenshots/), named reports-*."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.core.management import call_command

from projects.management.commands.load_programme import FIXTURES
from projects.models import Unit
from reporting.models import MonthlyReport
from reporting.reports import report_digest
from tests.browser import skip_module_without_browser
from tests.pdf import minimal_pdf

if TYPE_CHECKING:
    from pytest_django.live_server_helper import LiveServer

    from .conftest import Visitor

skip_module_without_browser()

DEMO_PASSWORD = "Zmd-Demo-2022!x"
JUNE = 6
UNIT = "驿城区"
UNITS = (
    "驿城区",
    "经济开发区",
    "遂平县",
    "西平县",
    "上蔡县",
    "汝南县",
    "平舆县",
    "正阳县",
    "确山县",
    "泌阳县",
    "新蔡县",
)
RETURN_REASON = "6月新开工项目累计开工户数与项目台账不一致，请核对后更正"

# Worked out by hand from reporting/demo.py's SCENARIO. A month's report is due on the 5th of the
# next month; approved (with the stamp) by then it is on time, after it 迟报, never 漏报.
# The months that are not on time, January–May:
DEPARTURES: dict[str, dict[int, str]] = {
    "经济开发区": {2: "late", 3: "late"},  # approved 2022-03-09 and 2022-04-12
    "遂平县": {1: "late"},  # approved 2022-02-08
    "西平县": {3: "missing"},  # never filed
    "上蔡县": {5: "missing"},  # never filed
    "正阳县": {1: "missing", 2: "missing"},  # never filed
    "新蔡县": {5: "late"},  # approved 2022-06-20
}
# The assessment as of 2022-06-30: January–May are due (June's due day is 5 July).
# (应报, 按时有效, 迟报, 漏报, 错报, 瞒报)
ASSESSMENT_JUNE_30: dict[str, tuple[int, int, int, int, int, int]] = {
    # April approved on 5/4, on time; returned on 5/5 for wrong figures (错报 1), corrected.
    "驿城区": (5, 5, 0, 0, 1, 0),
    "经济开发区": (5, 3, 2, 0, 0, 0),
    "遂平县": (5, 4, 1, 0, 0, 0),
    "西平县": (5, 4, 0, 1, 0, 0),
    "上蔡县": (5, 4, 0, 1, 0, 0),  # May was due on 6/5
    "汝南县": (5, 5, 0, 0, 0, 0),
    "平舆县": (5, 5, 0, 0, 0, 0),
    "正阳县": (5, 3, 0, 2, 0, 0),
    "确山县": (5, 5, 0, 0, 0, 0),
    "泌阳县": (5, 5, 0, 0, 0, 0),
    "新蔡县": (5, 4, 1, 0, 0, 0),  # May arrived on 6/20: late
}
# On 2022-06-10 新蔡县's May report (approved 6/20) has not arrived yet: 漏报 on that day.
ASSESSMENT_JUNE_10_XINCAI = (5, 4, 0, 1, 0, 0)
COUNTS = ("due", "on_time", "late", "missing", "wrong", "concealed")


@pytest.fixture
def demo_reports(transactional_db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The programme, the default demo, the demo users (one known password) and the demo's
    January–May reports, committed so the live server sees them."""
    monkeypatch.setenv("DEMO_PASSWORD", DEMO_PASSWORD)
    call_command("loaddata", *FIXTURES, verbosity=0)
    call_command("seed_demo", verbosity=0, stdout=io.StringIO())
    call_command("setup_demo_users", stdout=io.StringIO())
    call_command("seed_demo_reports", stdout=io.StringIO())


def log_in(v: Visitor, username: str) -> None:
    """Log in through the form (after dropping any earlier session); units land on their home page,
    the city office on the overview. The phone tab gets the same session."""
    for context in (v.page.context, v.phone.context):
        context.clear_cookies()
    v.goto("/accounts/login/")
    v.page.get_by_label("用户名").fill(username)
    v.page.get_by_label("密码").fill(DEMO_PASSWORD)
    v.page.get_by_role("button", name="登录").click()
    v.page.wait_for_url(v.url("/city/" if username == "city" else "/"))
    v.phone.context.add_cookies(v.page.context.cookies())


def month_path(unit: str, month: int = JUNE) -> str:
    return f"/city/reports/{Unit.objects.get(name=unit).pk}/{month}/"


def code(unit: str) -> str:
    return str(Unit.objects.get(name=unit).division_code)


def shown_state(v: Visitor) -> str:
    """The state in the month page's heading: draft, submitted, … or "none" (未填报)."""
    badge = v.page.locator("h1 .report-state")
    if badge.count() == 0:
        assert "未填报" in v.page.locator("h1").inner_text()
        return "none"
    found = re.search(r"\bstate-(\w+)", badge.get_attribute("class") or "")
    assert found, badge.get_attribute("class")
    return found.group(1)


def badge_text(v: Visitor) -> str:
    return v.page.locator("h1 .report-state").inner_text()


def act(v: Visitor, scope: str, button: str, done: str | None = None) -> None:
    """Press ``button`` inside ``scope`` and land back on the month page with no error shown (and the
    success message ``done`` when given)."""
    month_url = v.page.url
    with v.page.expect_navigation():
        v.page.locator(scope).get_by_role("button", name=button, exact=True).click()
    assert v.page.url == month_url, v.page.url
    errors = v.page.locator(".alert-danger, .invalid-feedback")
    assert errors.count() == 0, f"{v.page.url}：{errors.all_inner_texts()}"
    if done is not None:
        assert done in " ".join(v.page.locator(".alert-success").all_inner_texts())


def act_refused(v: Visitor, scope: str, button: str) -> list[str]:
    """Press ``button``; the server sends the month page back with errors, which are returned."""
    with v.page.expect_navigation():
        v.page.locator(scope).get_by_role("button", name=button, exact=True).click()
    errors = v.page.locator(".alert-danger").all_inner_texts()
    assert errors, v.page.url
    return errors


def latest(unit: str, month: int = JUNE) -> MonthlyReport:
    report = (
        MonthlyReport.objects.filter(unit__name=unit, month=month, plan_year__year=2022)
        .order_by("-version")
        .first()
    )
    assert report is not None, (unit, month)
    return report


def check_digest(v: Visitor, unit: str) -> str:
    """The digest shown equals the one in the database, which is the digest of the frozen content."""
    report = latest(unit)
    shown = v.page.locator("#report-figures code.digest").inner_text()
    assert shown == f"SHA-256：{report.digest}", (shown, report.digest)
    assert re.fullmatch(r"[0-9a-f]{64}", report.digest)
    assert report.digest == report_digest(report)
    return report.digest


def capture(v: Visitor, name: str) -> None:
    """Desktop and phone screenshots; the phone's sideways overflow is checked except on a page
    showing a frozen report's digest, which is known to overflow (see
    test_frozen_report_fits_a_phone)."""
    v.capture(name, check_overflow=v.page.locator("code.digest").count() == 0)


def prepare_and_submit(clerk: Visitor, unit: str, *, shots: bool = False) -> None:
    """The unit's clerk opens June, prepares the draft from the records, writes the notes, submits."""
    clerk.goto(month_path(unit))
    assert shown_state(clerk) == "none"
    assert clerk.page.locator("#notes-form").count() == 0
    if shots:
        capture(clerk, "02-june-empty")
    act(clerk, "main", "按项目记录生成月报草稿")
    assert shown_state(clerk) == "draft"
    assert latest(unit).state == "draft"
    clerk.page.fill("#id_problems", f"{unit}：部分小区管线迁改协调进度偏慢")
    clerk.page.fill("#id_next_plan", f"{unit}：7月底前完成剩余项目开工条件")
    if shots:
        act(clerk, "#notes-form", "保存草稿", "已保存草稿")
        assert shown_state(clerk) == "draft"
        assert clerk.page.input_value("#id_problems") == f"{unit}：部分小区管线迁改协调进度偏慢"
        assert latest(unit).problems == f"{unit}：部分小区管线迁改协调进度偏慢"
        capture(clerk, "03-june-draft")
    act(clerk, "#notes-form", "提交审核", "已完成：提交审核")
    assert shown_state(clerk) == "submitted"
    assert clerk.page.locator("#notes-form, #approve-form").count() == 0  # the leader's turn
    assert latest(unit).state == "submitted"


def approve(leader: Visitor, unit: str, stamp: Path) -> str:
    """The unit's leader approves the submitted report with the stamped scan; returns the digest."""
    leader.goto(month_path(unit))
    assert shown_state(leader) == "submitted"
    leader.page.set_input_files("#approve-form input[type=file][name=stamp]", str(stamp))
    act(leader, "#approve-form", "审核通过", "已完成：审核通过并上传盖章件")
    assert shown_state(leader) == "approved"
    assert leader.page.locator("#withdraw-form").is_visible()  # until the city receives it
    assert latest(unit).state == "approved"
    return check_digest(leader, unit)


def receive(city: Visitor, unit: str) -> None:
    city.goto(month_path(unit))
    assert shown_state(city) == "approved"
    act(city, "#city-actions", "接收", "已完成：接收")
    assert shown_state(city) == "received"
    assert city.page.locator("#city-actions").count() == 0
    assert latest(unit).state == "received"


def return_for_correction(city: Visitor, unit: str, reason: str) -> None:
    """The city office returns the approved report with a reason (not for wrong figures)."""
    city.goto(month_path(unit))
    assert shown_state(city) == "approved"
    city.page.fill("#return-form textarea[name=return-reason]", reason)
    act(city, "#return-form", "退回", "已完成：退回")
    assert shown_state(city) == "returned"
    returned = latest(unit)
    assert (returned.state, returned.return_reason, returned.wrong_figures) == (
        "returned",
        reason,
        False,
    )


def correct_and_submit(clerk: Visitor, unit: str) -> None:
    """The clerk corrects the returned report (version 2, a draft) and submits it."""
    clerk.goto(month_path(unit))
    assert shown_state(clerk) == "returned"
    act(clerk, "#correct-form", "更正（新建版本）", "已完成：更正（新建版本）")
    assert badge_text(clerk) == "草稿 · v2"
    clerk.page.fill("#id_next_plan", f"{unit}：按市老旧办意见补充下月计划")
    act(clerk, "#notes-form", "提交审核", "已完成：提交审核")
    assert badge_text(clerk) == "已提交待审核 · v2"


def assessment_counts(v: Visitor, unit: str) -> tuple[int, ...]:
    row = v.page.locator(f'#assessment-table tr[data-unit="{unit}"]')
    return tuple(int(row.locator(f'td[data-count="{key}"]').inner_text()) for key in COUNTS)


def matrix_cell(v: Visitor, unit: str, month: int) -> str:
    cell = v.page.locator(f'#report-matrix tr[data-unit="{unit}"] td[data-month="{month}"]')
    return str(cell.get_attribute("data-timeliness"))


def test_june_reports_through_the_whole_workflow(
    live_server: LiveServer,
    demo_reports: None,
    open_browser: Callable[[str], Visitor],
    tmp_path: Path,
) -> None:
    """驿城区's June report goes draft → submitted → approved (stamp, digest) → returned (a reason
    required, 数据错误) → corrected as version 2 → submitted → approved → received; then every
    other unit's clerk and leader prepare, submit and approve June, and the city receives it."""
    stamp = tmp_path / "stamp.pdf"
    stamp.write_bytes(minimal_pdf())
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes(minimal_pdf().replace(b"%%EOF", b""))
    clerk, leader, city = (open_browser(f"reports-{who}") for who in ("clerk", "leader", "city"))
    started = time.perf_counter()

    # The city office's months table: June is 漏报 everywhere (its due day, 2022-07-05, has passed).
    log_in(city, "city")
    city.page.locator("#portal-nav").get_by_role("link", name="信息月报").click()
    city.page.wait_for_url(city.url("/city/reports/"))
    assert city.page.locator("#report-matrix tbody tr[data-unit]").count() == len(UNITS)
    assert all(matrix_cell(city, unit, JUNE) == "missing" for unit in UNITS)
    capture(city, "01-months-city")

    # 驿城区's clerk sees only 驿城区, opens June from the table, prepares, saves, submits.
    log_in(clerk, f"{code(UNIT)}-clerk")
    clerk.page.locator("#portal-nav").get_by_role("link", name="信息月报").click()
    clerk.page.wait_for_url(clerk.url("/city/reports/"))
    rows = clerk.page.locator("#report-matrix tbody tr[data-unit]")
    assert rows.count() == 1 and rows.get_attribute("data-unit") == UNIT
    capture(clerk, "01-months-clerk")
    rows.locator(f'td[data-month="{JUNE}"] a').click()
    clerk.page.wait_for_url(clerk.url(month_path(UNIT)))
    assert clerk.page.locator("h1").inner_text().startswith(f"{UNIT} 2022年6月信息月报")
    assert "报送截止：2022年7月5日" in clerk.page.inner_text("main")
    prepare_and_submit(clerk, UNIT, shots=True)
    capture(clerk, "04-june-submitted")

    # Another unit's clerk can neither open nor prepare 驿城区's June.
    other = open_browser("reports-other")
    log_in(other, f"{code('新蔡县')}-clerk")
    assert other.goto(month_path(UNIT)).status == 404

    # The leader: a cut-off PDF is refused by its content; the real scan approves and freezes it.
    log_in(leader, f"{code(UNIT)}-leader")
    leader.goto(month_path(UNIT))
    assert shown_state(leader) == "submitted"
    assert leader.page.locator("#approve-form").is_visible()
    capture(leader, "05-june-to-approve")
    leader.page.set_input_files("#approve-form input[name=stamp]", str(truncated))
    errors = act_refused(leader, "#approve-form", "审核通过")
    assert any("PDF 文件不完整" in error for error in errors), errors
    assert shown_state(leader) == "submitted" and latest(UNIT).state == "submitted"
    first_digest = approve(leader, UNIT, stamp)
    assert badge_text(leader) == "已审核盖章"
    capture(leader, "06-june-approved")

    # The stamped scan comes back as the PDF that was uploaded.
    link = leader.page.locator('#versions li[data-version="1"]').get_by_role(
        "link", name="盖章扫描件"
    )
    scan = leader.page.request.get(leader.url(str(link.get_attribute("href"))))
    assert scan.ok and scan.headers["content-type"] == "application/pdf", scan.headers
    assert scan.body() == stamp.read_bytes()
    # The clerk can no longer act on it.
    clerk.page.reload()
    assert shown_state(clerk) == "approved"
    assert clerk.page.locator("form[id$='-form'], #city-actions").count() == 0

    # The city office returns it: an empty reason is stopped by the browser, a blank one by the server.
    city.goto(month_path(UNIT))
    assert shown_state(city) == "approved"
    assert city.page.get_by_role("button", name="接收", exact=True).is_visible()
    reason = city.page.locator("#return-form textarea[name=return-reason]")
    city.page.locator("#return-form").get_by_role("button", name="退回", exact=True).click()
    assert reason.evaluate("(el) => el.validity.valueMissing")
    assert city.page.url == city.url(month_path(UNIT))
    reason.fill("   ")
    errors = act_refused(city, "#return-form", "退回")
    assert shown_state(city) == "approved" and latest(UNIT).state == "approved"
    capture(city, "07-june-return-refused")
    reason.fill(RETURN_REASON)
    city.page.locator("#return-form input[name=return-wrong_figures]").check()
    act(city, "#return-form", "退回", "已完成：退回")
    assert shown_state(city) == "returned"
    returned = latest(UNIT)
    assert (returned.version, returned.state, returned.wrong_figures) == (1, "returned", True)
    assert returned.return_reason == RETURN_REASON and returned.digest == first_digest
    capture(city, "08-june-returned")

    # The clerk corrects it: version 2, a draft with version 1's notes; submits it.
    clerk.page.reload()
    assert shown_state(clerk) == "returned"
    assert RETURN_REASON in clerk.page.locator('#versions li[data-version="1"]').inner_text()
    act(clerk, "#correct-form", "更正（新建版本）", "已完成：更正（新建版本）")
    assert shown_state(clerk) == "draft" and badge_text(clerk) == "草稿 · v2"
    assert clerk.page.input_value("#id_problems") == f"{UNIT}：部分小区管线迁改协调进度偏慢"
    assert clerk.page.locator("#versions li[data-version]").count() == 2
    capture(clerk, "09-june-correction-draft")
    clerk.page.fill("#id_problems", f"{UNIT}：已按项目台账核对开工户数")
    act(clerk, "#notes-form", "提交审核", "已完成：提交审核")
    assert badge_text(clerk) == "已提交待审核 · v2"

    # The leader approves version 2; the city office receives it.
    second_digest = approve(leader, UNIT, stamp)
    assert second_digest != first_digest
    receive(city, UNIT)
    assert badge_text(city) == "市老旧办已接收 · v2"
    versions = city.page.locator("#versions li[data-version]")
    assert versions.count() == 2
    assert [versions.nth(i).get_attribute("data-version") for i in range(2)] == ["2", "1"]
    v1, v2 = (city.page.locator(f'#versions li[data-version="{n}"]') for n in (1, 2))
    assert RETURN_REASON in v1.inner_text() and "（错报）" in v1.inner_text()
    assert v1.locator(".report-state.state-returned").count() == 1
    assert v2.locator(".report-state.state-received").count() == 1
    assert "接收" in v2.inner_text() and "退回" not in v2.inner_text()
    assert first_digest[:16] in v1.inner_text()
    capture(city, "10-june-received")
    one_unit = time.perf_counter() - started

    # Every other unit, the same steps without the screenshots: prepared and submitted, approved,
    # returned (for a reason other than wrong figures), corrected, approved again and received.
    loop_started = time.perf_counter()
    for unit in UNITS[1:]:
        log_in(clerk, f"{code(unit)}-clerk")
        prepare_and_submit(clerk, unit)
        log_in(leader, f"{code(unit)}-leader")
        first = approve(leader, unit, stamp)
        return_for_correction(city, unit, f"{unit}：请补充下月工作计划")
        correct_and_submit(clerk, unit)
        assert approve(leader, unit, stamp) != first
        receive(city, unit)
    loop = time.perf_counter() - loop_started
    print(f"\n驿城区全流程 {one_unit:.1f} 秒；其余 {len(UNITS) - 1} 个区县 {loop:.1f} 秒")

    # June in the months table: version 2 received everywhere, 迟报 (approved today, after 5 July).
    city.goto("/city/reports/")
    for unit in UNITS:
        cell = city.page.locator(f'#report-matrix tr[data-unit="{unit}"] td[data-month="{JUNE}"]')
        assert cell.get_attribute("data-timeliness") == "late", unit
        assert cell.locator(".report-state.state-received").inner_text() == "市老旧办已接收 · v2"
    capture(city, "11-months-after")
    states = MonthlyReport.objects.filter(month=JUNE).values_list("unit__name", "version", "state")
    assert sorted(states) == sorted(
        [(unit, 1, "returned") for unit in UNITS] + [(unit, 2, "received") for unit in UNITS]
    )
    assert MonthlyReport.objects.filter(month=JUNE, wrong_figures=True).count() == 1

    # The assessment today: all twelve months are due; June counts as 迟报 for every unit, July to
    # December as 漏报, and 驿城区 has a second 错报.
    city.page.locator("#portal-nav").get_by_role("link", name="年度考核").click()
    city.page.wait_for_url(city.url("/city/reports/assessment/"))
    for unit in UNITS:
        _due, on_time, late, missing, wrong, concealed = ASSESSMENT_JUNE_30[unit]
        expected = (12, on_time, late + 1, missing + 6, wrong + (unit == UNIT), concealed)
        assert assessment_counts(city, unit) == expected, unit
    capture(city, "12-assessment-today")

    for v in (clerk, leader, city, other):
        assert v.errors == [], v.errors
    overflowing = clerk.overflowing + leader.overflowing + city.overflowing
    assert overflowing == [], "手机屏幕上页面横向溢出：\n" + "\n".join(overflowing)


def test_assessment_and_months_table_count_the_demo_reports(
    live_server: LiveServer, demo_reports: None, open_browser: Callable[[str], Visitor]
) -> None:
    """As of 2022-06-30 the assessment counts January–May as worked out by hand; on 2022-06-10
    新蔡县's May report (approved 6/20) is still 漏报; the months table marks each month."""
    city = open_browser("reports-city")
    log_in(city, "city")
    city.goto("/city/reports/assessment/?as_of=2022-06-30")
    assert city.page.locator("h1").inner_text() == "2022年度考核评价（截至2022年6月30日）"
    shown = {unit: assessment_counts(city, unit) for unit in UNITS}
    assert shown == ASSESSMENT_JUNE_30
    assert city.page.locator("#assessment-table tbody tr[data-unit]").count() == len(UNITS)
    capture(city, "13-assessment-june-30")

    # The date picker: on 10 June 新蔡县's May report has not arrived yet.
    city.page.get_by_label("截至日期").fill("2022-06-10")
    with city.page.expect_navigation():
        city.page.get_by_role("button", name="查看", exact=True).click()
    assert "as_of=2022-06-10" in city.page.url
    assert city.page.locator("h1").inner_text() == "2022年度考核评价（截至2022年6月10日）"
    assert assessment_counts(city, "新蔡县") == ASSESSMENT_JUNE_10_XINCAI
    assert assessment_counts(city, "经济开发区") == ASSESSMENT_JUNE_30["经济开发区"]

    # The months table (today, long after 2022): January–May as by hand, 西平县's March 漏报.
    city.goto("/city/reports/")
    assert matrix_cell(city, "西平县", 3) == "missing"
    march = city.page.locator('#report-matrix tr[data-unit="西平县"] td[data-month="3"]')
    assert "漏报" in march.inner_text() and "未填报" in march.inner_text()
    for unit in UNITS:
        for month in range(1, 6):
            expected = DEPARTURES.get(unit, {}).get(month, "on_time")
            assert matrix_cell(city, unit, month) == expected, (unit, month)
    capture(city, "14-months-demo")
    assert city.errors == []
    assert city.overflowing == [], "手机屏幕上页面横向溢出：\n" + "\n".join(city.overflowing)


def test_assessment_on_a_due_day_adds_up(
    live_server: LiveServer, demo_reports: None, open_browser: Callable[[str], Visitor]
) -> None:
    """On 2022-06-05, May's due day, on time + late + missing make up the reports due."""
    city = open_browser("reports-city")
    log_in(city, "city")
    city.goto("/city/reports/assessment/?as_of=2022-06-05")
    wrong = {}
    for unit in UNITS:
        due, on_time, late, missing, _wrong, _concealed = assessment_counts(city, unit)
        if on_time + late + missing != due:
            wrong[unit] = (due, on_time, late, missing)
    assert wrong == {}


def test_assessment_counts_returns_made_by_the_day_asked_about(
    live_server: LiveServer, demo_reports: None, open_browser: Callable[[str], Visitor]
) -> None:
    """驿城区's April report was returned for wrong figures on 2022-05-05: not yet 错报 on 1 May."""
    city = open_browser("reports-city")
    log_in(city, "city")
    city.goto("/city/reports/assessment/?as_of=2022-05-01")
    assert assessment_counts(city, UNIT)[COUNTS.index("wrong")] == 0


def test_frozen_report_fits_a_phone(
    live_server: LiveServer, demo_reports: None, open_browser: Callable[[str], Visitor]
) -> None:
    """驿城区's May report (received, with its digest) on a 390 px phone does not scroll sideways."""
    city = open_browser("reports-city")
    log_in(city, "city")
    city.phone.goto(city.url(month_path(UNIT, 5)))
    assert city.phone.locator("code.digest").is_visible()
    city.phone_shot("15-may-received")
    assert city.overflowing == []


def test_report_investment_is_shown_in_wan_yuan(
    live_server: LiveServer, demo_reports: None, open_browser: Callable[[str], Visitor]
) -> None:
    """The investment figures of a report read as amounts in 万元 (at most 4 decimals, the field's)."""
    city = open_browser("reports-city")
    log_in(city, "city")
    city.goto(month_path(UNIT, 5))
    row = city.page.locator("#report-figures tr", has_text="已完工项目投资（万元）")
    shown = [text.strip().lstrip("/ ") for text in row.locator("td").all_inner_texts()]
    assert all(re.fullmatch(r"\d+(\.\d{1,4})?", text) for text in shown), shown
