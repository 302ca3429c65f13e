"""The monthly report's correction cycle in a real browser (SPEC §5, issue 13 parts 2 and 9): the clerk
submits June, the leader sends it back with a reason (no stamp), the clerk sees why and resubmits,
the leader approves with the stamp; a project's start is then moved to July, the city office's check
flags the report naming the project, and the city returns it for wrong figures (the open flag
lapses with its version); the clerk corrects it, the leader approves version 2 and the city receives
it. A later change of the records is flagged on version 2 only and ruled 认定错报, and the
assessment counts 错报 2 (the return and the ruling), 瞒报 0. Screenshots: corrections-*."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.core.management import call_command

from projects.choices import Role
from projects.management.commands.load_programme import FIXTURES
from projects.models import Project, Unit
from reporting.models import MonthlyReport, ReportFlag
from tests.browser import skip_module_without_browser
from tests.browser.conftest import PASSWORD
from tests.factories import ProjectFactory, UserFactory

if TYPE_CHECKING:
    from pytest_django.live_server_helper import LiveServer

    from .conftest import Visitor

skip_module_without_browser()

UNIT = "驿城区"
SEND_BACK_REASON = "存在问题请写明哪几个小区管线迁改滞后"
RETURN_REASON = "新开工项目累计开工户数与项目台账不一致"
# One discrepancy, named by project: the 320-household project started on 2022-06-10 moved to July.
MOVED = "建业小区：报告时已开工（2022年6月10日），现项目记录未开工，开工户数 \u2212320"


@pytest.fixture
def people(transactional_db: None) -> dict[str, str]:
    """The programme, two June projects of 驿城区 and its clerk and leader and the city office,
    committed so the live server sees them; returns their usernames."""
    call_command("loaddata", *FIXTURES, verbosity=0)
    yicheng = Unit.objects.get(name=UNIT)
    ProjectFactory(name="建业小区", households=320, started_on=date(2022, 6, 10))
    ProjectFactory(name="幸福里小区", households=180, started_on=date(2022, 6, 20))
    users = {
        "clerk": UserFactory(username="yc-clerk", role=Role.CLERK, unit=yicheng),
        "leader": UserFactory(username="yc-leader", role=Role.LEADER, unit=yicheng),
        "city": UserFactory(username="city-office", role=Role.CITY, unit=None),
    }
    return {who: user.username for who, user in users.items()}


def log_in(v: Visitor, username: str, landing: str) -> None:
    v.goto("/accounts/login/")
    v.page.get_by_label("用户名").fill(username)
    v.page.get_by_label("密码").fill(PASSWORD)
    v.page.get_by_role("button", name="登录").click()
    v.page.wait_for_url(v.url(landing))
    v.phone.context.add_cookies(v.page.context.cookies())


def act(v: Visitor, scope: str, button: str, done: str) -> None:
    """Press ``button`` inside ``scope``; back on the same page, no error, the message ``done``."""
    url = v.page.url
    with v.page.expect_navigation():
        v.page.locator(scope).get_by_role("button", name=button, exact=True).click()
    assert v.page.url == url, v.page.url
    errors = v.page.locator(".alert-danger, .invalid-feedback")
    assert errors.count() == 0, errors.all_inner_texts()
    assert done in " ".join(v.page.locator(".alert-success, .alert-info").all_inner_texts())


def recheck(v: Visitor, found: str = "个新疑点") -> None:
    """The city's re-check of every valid report, a background job (in the request here, no broker):
    its page says what it found; its link leads back to the flags."""
    with v.page.expect_navigation():
        v.page.locator("main").get_by_role(
            "button", name="按项目记录重新核对全部有效月报", exact=True
        ).click()
    assert "/jobs/" in v.page.url, v.page.url
    assert found in v.page.locator("#job-done").inner_text()
    with v.page.expect_navigation():
        v.page.locator("#job-flags").click()
    assert v.page.url == v.url("/city/reports/flags/"), v.page.url


def state(v: Visitor) -> str:
    found = re.search(
        r"\bstate-(\w+)", v.page.locator("h1 .report-state").get_attribute("class") or ""
    )
    assert found
    return found.group(1)


def latest() -> MonthlyReport:
    report = MonthlyReport.objects.filter(month=6).order_by("-version").first()
    assert report is not None
    return report


def approve(leader: Visitor, month_path: str, stamp: Path) -> None:
    leader.goto(month_path)
    assert state(leader) == "submitted"
    leader.page.set_input_files("#approve-form input[name=stamp]", str(stamp))
    act(leader, "#approve-form", "审核通过", "已完成：审核通过并上传盖章件")
    assert state(leader) == "approved"


def test_correction_cycle_with_the_leaders_send_back(
    live_server: LiveServer,
    people: dict[str, str],
    open_browser: Callable[[str], Visitor],
    tmp_path: Path,
) -> None:
    """Submit, send back with a reason, resubmit, approve with the stamp, flag (naming the
    project), return as wrong figures (the flag lapses), correct, approve, receive; a later flag on
    version 2 ruled 认定错报; the assessment counts 错报 2 and 瞒报 0."""
    from tests.pdf import minimal_pdf

    stamp = tmp_path / "stamp.pdf"
    stamp.write_bytes(minimal_pdf())
    clerk, leader, city = (
        open_browser(f"corrections-{who}") for who in ("clerk", "leader", "city")
    )
    month_path = f"/city/reports/{Unit.objects.get(name=UNIT).pk}/6/"

    # The clerk prepares June from the records and submits it.
    log_in(clerk, people["clerk"], "/")
    clerk.goto(month_path)
    act(clerk, "main", "按项目记录生成月报草稿", "")
    assert clerk.page.locator('[data-figure="new_started"]').inner_text() == "500"
    clerk.page.fill("#id_problems", "部分小区管线迁改滞后")
    act(clerk, "#notes-form", "提交审核", "已完成：提交审核")
    assert state(clerk) == "submitted"
    assert clerk.page.locator("#send-back-form").count() == 0  # the leader's, not the clerk's

    # The leader sends it back: no reason is refused by the browser, a reason sends it back.
    log_in(leader, people["leader"], "/")
    leader.goto(month_path)
    form = leader.page.locator("#send-back-form")
    assert form.is_visible() and leader.page.locator("#approve-form").is_visible()
    form.get_by_role("button", name="退回填报员修改").click()
    assert form.locator("textarea").evaluate("(el) => el.validity.valueMissing")
    form.locator("textarea").fill(SEND_BACK_REASON)
    leader.capture("01-send-back")
    act(leader, "#send-back-form", "退回填报员修改", "已完成：退回填报员修改")
    assert state(leader) == "draft"
    assert (latest().state, latest().send_back_reason, latest().stamp.name) == (
        "draft",
        SEND_BACK_REASON,
        "",
    )

    # The clerk sees why on the draft, writes more, submits again.
    clerk.page.reload()
    assert state(clerk) == "draft"
    assert SEND_BACK_REASON in clerk.page.locator("#send-back-reason").inner_text()
    clerk.capture("02-draft-sent-back")
    clerk.page.fill("#id_problems", "建业小区、幸福里小区管线迁改滞后")
    act(clerk, "#notes-form", "提交审核", "已完成：提交审核")

    # The leader approves with the stamp.
    approve(leader, month_path, stamp)
    first = latest()
    assert first.version == 1 and first.figures["new_started"] == 500

    # The records change: 建业小区's start moves to July. The city's check flags June once, with
    # the project named; checking again adds nothing.
    Project.objects.filter(name="建业小区").update(started_on=date(2022, 7, 5))
    log_in(city, people["city"], "/city/")
    city.goto("/city/reports/flags/")
    for _ in range(2):
        recheck(city)
    # One flag for the report, naming both figures the moved start changes.
    assert ReportFlag.objects.filter(ruling="open").count() == 1
    item = city.page.locator("#flag-list li[data-ruling=open]")
    assert item.count() == 1
    assert "新开工项目累计开工户数：报告 500，项目记录 180" in item.inner_text()
    assert "累计开工项目数" in item.inner_text()
    assert MOVED in item.locator(".flag-projects").inner_text()
    city.capture("03-flag-names-the-project")

    # The city returns version 1 as wrong figures; its open flags lapse with it.
    city.goto(month_path)
    city.page.fill("#return-form textarea[name=return-reason]", RETURN_REASON)
    city.page.locator("#return-form input[name=return-wrong_figures]").check()
    act(city, "#return-form", "退回", "已完成：退回")
    assert state(city) == "returned"
    assert set(ReportFlag.objects.values_list("ruling", flat=True)) == {"lapsed"}

    # The clerk corrects (version 2, from the records: 180 households) and submits; approved.
    clerk.page.reload()
    act(clerk, "#correct-form", "更正（新建版本）", "已完成：更正（新建版本）")
    assert clerk.page.locator('[data-figure="new_started"]').inner_text() == "180"
    act(clerk, "#notes-form", "提交审核", "已完成：提交审核")
    approve(leader, month_path, stamp)
    second = latest()
    assert (second.version, second.figures["new_started"]) == (2, 180)
    assert not second.flags.exists()

    # The city receives version 2.
    city.goto(month_path)
    act(city, "#city-actions", "接收", "已完成：接收")
    assert state(city) == "received"
    versions = city.page.locator("#versions")
    assert SEND_BACK_REASON in versions.locator('li[data-version="1"]').inner_text()
    assert "已失效" in versions.locator('li[data-version="1"]').inner_text()
    city.capture("04-received-v2", check_overflow=False)  # the digest: see test_monthly_reports

    # 幸福里小区's households change from 180 to 200: flagged on version 2 only, ruled 认定错报.
    Project.objects.filter(name="幸福里小区").update(households=200)
    city.goto("/city/reports/flags/")
    recheck(city, "发现 1 个新疑点")
    item = city.page.locator("#flag-list li[data-ruling=open]")
    assert item.count() == 1 and "第2版" in item.inner_text()
    assert (
        "幸福里小区：报告时已开工（2022年6月20日，180户），现项目记录已开工（2022年6月20日，200户），开工户数 +20"
        in item.inner_text()
    )
    item.locator("input[name=reason]").fill("台账户数核实为200户，月报漏计")
    act(
        city,
        f'#flag-list li[data-flag="{item.get_attribute("data-flag")}"]',
        "认定错报",
        "已认定错报",
    )
    assert city.page.locator("#flag-list li[data-ruling=wrong]").count() == 1
    city.capture("05-flag-ruled-wrong")

    # The assessment: 错报 = the return for wrong figures + the 认定错报 ruling; 瞒报 none.
    city.goto("/city/reports/assessment/")
    row = city.page.locator(f'#assessment-table tr[data-unit="{UNIT}"]')
    counts = {
        key: int(row.locator(f'td[data-count="{key}"]').inner_text())
        for key in ("late", "missing", "wrong", "concealed")
    }
    assert (counts["wrong"], counts["concealed"]) == (2, 0)
    city.capture("06-assessment")

    for v in (clerk, leader, city):
        assert v.errors == [], v.errors
        assert v.overflowing == [], v.overflowing
