"""The year rollover in a real browser (issue 16): the city office previews carrying 2022's unfinished
projects into the 2023 draft (the hand-worked world of tests/rollover.py), confirms, and follows a
carried-on project back to 2022. Screenshots (desktop and phone) go to SCREENSHOT_DIR, named
i16-rollover-*."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from django.core.management import call_command

from projects.choices import Role
from projects.management.commands.load_programme import FIXTURES
from projects.models import Project
from tests.browser import skip_module_without_browser
from tests.browser.conftest import PASSWORD
from tests.factories import UserFactory
from tests.rollover import RolloverWorld, rollover_world

if TYPE_CHECKING:
    from .conftest import Visitor

skip_module_without_browser()

CITY_USER = "city-office"


@pytest.fixture
def world(transactional_db: None) -> RolloverWorld:
    """The fixtures, the 2022 projects and the 2023 draft, committed for the live server."""
    call_command("loaddata", *FIXTURES, verbosity=0)
    UserFactory(username=CITY_USER, first_name="市老旧办", role=Role.CITY, unit=None)
    return rollover_world()


def test_city_office_previews_and_confirms_the_rollover(
    world: RolloverWorld, open_browser: Callable[[str], Visitor]
) -> None:
    """Preview: 驿城区 210 households proposed, 西平县 95, the city 305; confirmed: six projects in
    2023, the page then offers nothing more; 2023's 未完工小区 leads back to 2022's."""
    visitor = open_browser("i16-rollover")
    visitor.goto("/accounts/login/")
    visitor.page.get_by_label("用户名").fill(CITY_USER)
    visitor.page.get_by_label("密码").fill(PASSWORD)
    visitor.page.get_by_role("button", name="登录").click()
    visitor.page.wait_for_url(visitor.url("/city/"))  # the city office's home is the overview
    visitor.phone.context.add_cookies(visitor.page.context.cookies())
    visitor.goto("/city/plan-years/2023/rollover/")
    page = visitor.page
    assert page.locator('tr[data-unit="驿城区"] [data-col="carryover-proposed"]').inner_text() == (
        "210"
    )
    assert page.locator('tr[data-unit="西平县"] [data-col="carryover-proposed"]').inner_text() == (
        "95"
    )
    assert page.locator('[data-col="city-proposed"]').inner_text() == "305"
    visitor.capture("preview")
    page.get_by_label("已核对以上待转入项目和续建目标").check()
    visitor.submit("确认转入 6 个项目到2023年度")
    assert "已将2022年度 6 个未完工项目（305 户）转入2023年度续建" in page.inner_text("main")
    assert page.locator("#nothing-to-roll").is_visible()
    visitor.capture("done")
    continued = Project.objects.get(plan_year=world.y2023, name="未完工小区")
    visitor.goto(f"/projects/{continued.pk}/")
    assert page.locator("#rolled-from").is_visible()
    visitor.capture("carried-on-project")
    page.locator("#rolled-from").get_by_role("link", name="查看2022年度项目").click()
    page.wait_for_url(visitor.url(f"/projects/{world.projects['未完工小区'].pk}/"))
    assert page.locator("#rolled-into").is_visible()
    visitor.capture("origin-project")
    assert visitor.overflowing == []
    assert visitor.errors == []
