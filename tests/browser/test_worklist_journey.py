"""The 待办 panel in a real browser (issue 14): each role opens its home page and follows one item to the
page where it is settled. The home pages are judged on the plan year's last day (today, clipped), so
驿城区's December report (due 2023-01-05) is the one to prepare: the clerk follows it, prepares and
submits it; the leader follows the approval item and approves with the stamp; the city office follows
the receipt item and receives it, after which the item is gone. Screenshots: worklist-*."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.core.management import call_command

from projects.choices import Role
from projects.management.commands.load_programme import FIXTURES
from projects.models import Unit
from reporting.models import MonthlyReport
from tests.browser import skip_module_without_browser
from tests.browser.test_report_corrections import act, log_in, state
from tests.factories import ProjectFactory, UserFactory

if TYPE_CHECKING:
    from pytest_django.live_server_helper import LiveServer

    from .conftest import Visitor

skip_module_without_browser()

UNIT = "驿城区"


@pytest.fixture
def people(transactional_db: None) -> dict[str, str]:
    """The programme, one project of 驿城区, its clerk and leader and the city office, committed so
    the live server sees them; returns their usernames."""
    call_command("loaddata", *FIXTURES, verbosity=0)
    yicheng = Unit.objects.get(name=UNIT)
    ProjectFactory(name="建业小区", households=320)
    users = {
        "clerk": UserFactory(username="wl-clerk", role=Role.CLERK, unit=yicheng),
        "leader": UserFactory(username="wl-leader", role=Role.LEADER, unit=yicheng),
        "city": UserFactory(username="wl-city", role=Role.CITY, unit=None),
    }
    return {who: user.username for who, user in users.items()}


def follow(v: Visitor, text: str) -> None:
    """Click the 待办 item named ``text`` and wait for the page it leads to."""
    with v.page.expect_navigation():
        v.page.locator("#worklist").get_by_role("link", name=text, exact=True).click()


def items(v: Visitor) -> list[str]:
    return v.page.locator("#worklist .worklist-item a").all_inner_texts()


def test_each_role_follows_one_worklist_item_to_where_it_is_settled(
    live_server: LiveServer,
    people: dict[str, str],
    open_browser: Callable[[str], Visitor],
    tmp_path: Path,
) -> None:
    """Clerk: 12月信息月报待填报 → prepare and submit; leader: 待审核 → approve with the stamp; city:
    待接收 → receive, and the item is gone from the city's home."""
    from tests.pdf import minimal_pdf

    stamp = tmp_path / "stamp.pdf"
    stamp.write_bytes(minimal_pdf())
    unit = Unit.objects.get(name=UNIT)
    clerk, leader, city = (open_browser(f"worklist-{who}") for who in ("clerk", "leader", "city"))

    log_in(clerk, people["clerk"], "/")
    assert "待办（截至2022年12月31日）" in clerk.page.locator("#worklist").inner_text()
    # January–November missing, the most overdue first: eight shown, the rest behind a link.
    assert items(clerk)[:2] == ["1月信息月报漏报（尚未填报）", "2月信息月报漏报（尚未填报）"]
    assert "查看全部 11 项" in clerk.page.locator("#worklist").inner_text()
    due = clerk.page.locator(".worklist-item", has_text="12月信息月报待填报").inner_text()
    assert "截止2023年1月5日" in due and "剩 5 天" in due
    clerk.capture("01-clerk-home")
    follow(clerk, "12月信息月报待填报")
    assert clerk.page.url == clerk.url(f"/city/reports/{unit.pk}/12/")
    act(clerk, "main", "按项目记录生成月报草稿", "")
    act(clerk, "#notes-form", "提交审核", "已完成：提交审核")
    assert state(clerk) == "submitted"
    clerk.goto("/")
    assert "12月信息月报待填报" not in items(clerk)

    log_in(leader, people["leader"], "/")
    leader.capture("02-leader-home")
    follow(leader, "12月信息月报待审核（填报员已提交）")
    leader.page.set_input_files("#approve-form input[name=stamp]", str(stamp))
    act(leader, "#approve-form", "审核通过", "已完成：审核通过并上传盖章件")
    assert state(leader) == "approved"

    log_in(city, people["city"], "/city/")
    city.capture("03-city-home")
    follow(city, f"{UNIT}12月信息月报待接收")
    act(city, "main", "接收", "已完成：接收")
    assert MonthlyReport.objects.get(unit=unit, month=12).state == "received"
    city.goto("/")
    assert f"{UNIT}12月信息月报待接收" not in items(city)
    city.capture("04-city-home-after")

    for v in (clerk, leader, city):
        assert not v.overflowing, v.overflowing
        assert not v.errors, v.errors
