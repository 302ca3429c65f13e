"""Issue 16 from end to end in a real browser: the city office drafts 2023 from 2022 with milestones
unlike 2022's, carries 2022's unfinished projects into it, opens it, reads 2023 judged on its own
dates, and switches back to 2022, which reads exactly as before. Screenshots go to SCREENSHOT_DIR,
named new-year-*.

The 2022 projects are those of tests/rollover.py (worked by hand there): 驿城区 carries on 4 projects
of 80 + 60 + 40 + 30 = 210 households, 西平县 2 of 25 + 70 = 95, the city 305. Of those, 跨年完工小区
(驿城区, 80) and 西平续建跨年小区 (西平县, 70) were completed on 2 January 2023, so on 30 June 2023 the
carry-over milestone (every carry-over project completed by 30 June) reads 驿城区 80 of 210 and
西平县 70 of 95 — both missed — and the city 150 of 305. Test data, not a claim about any real year:
60 % of the new starts started by 31 May and 80 % completed by 31 December.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from django.core.management import call_command

from projects.choices import PlanYearState, Role
from projects.management.commands.load_programme import FIXTURES
from projects.models import PlanYear, Project, Unit, UnitTarget
from tests.browser import skip_module_without_browser
from tests.browser.conftest import PASSWORD
from tests.factories import UserFactory
from tests.rollover import CARRIED_ON, projects_2022

if TYPE_CHECKING:
    from .conftest import Visitor

skip_module_without_browser()

CITY_USER = "city-office"


@pytest.fixture
def programme(transactional_db: None) -> None:
    """The 2022 fixtures and projects, committed for the live server, and the city office."""
    call_command("loaddata", *FIXTURES, verbosity=0)
    UserFactory(username=CITY_USER, first_name="市老旧办", role=Role.CITY, unit=None)
    projects_2022()


def check_targets_2022() -> str:
    out = io.StringIO()
    call_command("check_targets", "--year", "2022", "--as-of", "2022-12-31", "--json", stdout=out)
    return out.getvalue()


def overview_2022(v: Visitor) -> str:
    """The 2022 overview on its last day, as the table reads."""
    v.goto("/city/?year=2022&as_of=2022-12-31")
    return v.page.locator("#overview-table").inner_text()


def cell(v: Visitor, unit: str, milestone: str) -> tuple[str | None, str | None, str | None]:
    """A milestone cell of the overview: (status, actual, target)."""
    td = v.page.locator(f'#overview-table tr[data-unit="{unit}"] td[data-milestone="{milestone}"]')
    return (
        td.get_attribute("data-status"),
        td.get_attribute("data-actual"),
        td.get_attribute("data-target"),
    )


def test_the_city_office_starts_2023_rolls_2022_into_it_and_2022_stays(
    programme: None, open_browser: Callable[[str], Visitor]
) -> None:
    v = open_browser("new-year")
    v.goto("/accounts/login/")
    v.page.get_by_label("用户名").fill(CITY_USER)
    v.page.get_by_label("密码").fill(PASSWORD)
    v.page.get_by_role("button", name="登录").click()
    v.page.wait_for_url(v.url("/city/"))
    v.phone.context.add_cookies(v.page.context.cookies())
    table_before, targets_before = overview_2022(v), check_targets_2022()

    # A draft 2023 copied from 2022: 1000 new starts, 300 carry-over for now.
    v.goto("/city/plan-years/new/")
    assert v.page.input_value("#id_year") == "2023"
    v.page.fill("#id_city_new_starts", "1000")
    v.page.fill("#id_city_carryover", "300")
    v.page.fill("#id_reason", "依据2023年度计划文件新建")
    v.submit("新建草拟")
    assert v.page.url == v.url("/city/plan-years/2023/edit/")

    # Milestones unlike 2022's: 60 % started by 31 May; 80 % of new starts completed by 31 Dec.
    v.page.fill("#id_ms-1-key", "new_started_60")
    v.page.fill("#id_ms-1-due", "2023-05-31")
    v.page.fill("#id_ms-1-percent", "60")
    v.page.check("#id_ms-2-DELETE")
    v.page.fill("#id_ms-3-key", "new_completed_80")
    v.page.select_option("#id_ms-3-basis", "new_starts")
    v.page.fill("#id_ms-3-percent", "80")
    v.page.fill("#id_milestones-reason", "2023年阶段任务")
    v.submit("保存阶段任务")

    # The rollover: previewed per unit, then confirmed.
    v.goto("/city/plan-years/2023/rollover/")
    proposed = '[data-col="carryover-proposed"]'
    assert v.page.locator(f'tr[data-unit="驿城区"] {proposed}').inner_text() == "210"
    assert v.page.locator(f'tr[data-unit="西平县"] {proposed}').inner_text() == "95"
    assert v.page.locator('[data-col="city-proposed"]').inner_text() == "305"
    v.capture("rollover")
    v.page.get_by_label("已核对以上待转入项目和续建目标").check()
    v.submit("确认转入 6 个项目到2023年度")
    y2023 = PlanYear.objects.get(year=2023)
    rolled = Project.objects.filter(plan_year=y2023).select_related("unit", "rolled_from")
    assert {u: {p.name for p in rolled if p.unit.name == u} for u in CARRIED_ON} == CARRIED_ON
    assert all(p.rolled_from is not None and p.rolled_from.plan_year.year == 2022 for p in rolled)

    # The proposed carry-over targets stand; the new-start targets entered; then opened.
    v.goto("/city/plan-years/2023/edit/")
    yicheng, xiping = (Unit.objects.get(name=n).pk for n in ("驿城区", "西平县"))
    assert v.page.input_value(f"#id_targets-u{yicheng}_carryover") == "210"
    assert v.page.input_value(f"#id_targets-u{xiping}_carryover") == "95"
    v.page.fill(f"#id_targets-u{yicheng}_new_starts", "400")
    v.page.fill(f"#id_targets-u{xiping}_new_starts", "250")
    v.page.fill("#id_targets-reason", "依据各区县上报")
    v.submit("保存区县目标")
    v.page.get_by_role("link", name="核对并开启").click()
    v.page.fill("#id_reason", "市政府已批准2023年度计划")
    v.submit("开启2023年度计划")
    y2023.refresh_from_db()
    assert y2023.state == PlanYearState.OPEN and y2023.city_carryover == 305
    assert {
        t.unit.name: (t.new_starts, t.completions, t.carryover)
        for t in UnitTarget.objects.filter(plan_year=y2023, carryover__gt=0).select_related("unit")
    } == {"驿城区": (400, 280, 210), "西平县": (250, 175, 95)}  # completions: 70 % copied

    # 2023 on 30 June, judged by its own milestones and dates.
    v.goto("/city/?year=2023&as_of=2023-06-30")
    heading = v.page.locator("#overview-table thead").inner_text()
    assert "5月底开工量达60%" in heading and "12月底完成改造80%" in heading
    assert "6月底开工量达50%" not in heading and "10月底全部开工" not in heading
    assert "2022年续建" in heading and "2021年续建" not in heading
    assert cell(v, "驿城区", "carryover_completed") == ("missed", "80", "210")
    assert cell(v, "西平县", "carryover_completed") == ("missed", "70", "95")
    assert cell(v, "city", "carryover_completed") == ("missed", "150", "305")
    v.capture("overview-2023")

    # Back to 2022 through the selector: the same table, the same check_targets.
    v.page.locator("#year-selector-button").click()
    with v.page.expect_navigation():
        v.page.locator('#year-selector .dropdown-item[data-selector-year="2022"]').click()
    assert v.page.locator("h1").inner_text().startswith("2022年度")
    assert "2021年续建" in v.page.locator("#overview-table thead").inner_text()
    assert overview_2022(v) == table_before
    assert check_targets_2022() == targets_before
    v.capture("overview-2022")
    assert not v.errors and not v.overflowing, v.errors + v.overflowing
