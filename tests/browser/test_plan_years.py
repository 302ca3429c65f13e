"""The city office enters a new plan year in a real browser (issue 16): a draft 2023 copied from
2022, its completion share raised to 80 %, milestones that differ from 2022's, unit targets, then
opened; a unit's clerk is refused the pages. Screenshots go to SCREENSHOT_DIR, named i16-years-*.

Test data, not a claim about any real year: 2023 with 1000 new-start households, the completion
total left blank (1000 × 80 % = 800), 300 carry-over; 60 % of the new-start households started by
31 May, 80 % of them completed by 31 December; 驿城区 400 new starts (→ 320 completions) and 100
carry-over, 西平县 250 (→ 200) and 200, leaving 1000 − 650 = 350 new starts unallocated.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

import pytest
from django.core.management import call_command

from projects.choices import PlanYearState, Role
from projects.management.commands.load_programme import FIXTURES
from projects.models import PlanYear, Unit, UnitTarget
from tests.browser import skip_module_without_browser
from tests.browser.conftest import PASSWORD
from tests.factories import UserFactory

if TYPE_CHECKING:
    from pytest_django.live_server_helper import LiveServer

    from .conftest import Visitor

skip_module_without_browser()

CITY_USER, CLERK_USER = "city-office", "clerk-yicheng"


@pytest.fixture
def programme_2022(transactional_db: None) -> None:
    """The 2022 fixtures, committed so the live server sees them, a city-office user and a clerk."""
    call_command("loaddata", *FIXTURES, verbosity=0)
    UserFactory(username=CITY_USER, first_name="市老旧办", role=Role.CITY, unit=None)
    UserFactory(username=CLERK_USER, role=Role.CLERK, unit=Unit.objects.get(name="驿城区"))


def log_in(v: Visitor, username: str, lands_on: str) -> None:
    """The login form; the city office lands on the overview, a clerk on the unit's page."""
    v.goto("/accounts/login/")
    v.page.get_by_label("用户名").fill(username)
    v.page.get_by_label("密码").fill(PASSWORD)
    v.page.get_by_role("button", name="登录").click()
    v.page.wait_for_url(v.url(lands_on))
    v.phone.context.add_cookies(v.page.context.cookies())


def unit_pk(name: str) -> int:
    return int(Unit.objects.get(name=name).pk)


def test_city_office_drafts_2023_and_opens_it(
    live_server: LiveServer, programme_2022: None, open_browser: Callable[[str], Visitor]
) -> None:
    """List → new (copied from 2022) → settings → milestones → unit targets → open → the year's
    page, each step checked on the page and in the database."""
    v = open_browser("i16-years")
    log_in(v, CITY_USER, "/city/")
    v.page.locator("#portal-nav").get_by_role("button", name="更多").click()
    v.page.locator("#portal-nav").get_by_role("link", name="年度计划").click()
    v.page.wait_for_url(v.url("/city/plan-years/"))
    assert v.page.locator('#plan-year-table tr[data-year="2022"]').count() == 1
    v.capture("01-list")

    # A new year: 2023 proposed, 2022 chosen to copy; the completion total left to the rule.
    v.page.get_by_role("link", name="新建年度计划").click()
    assert v.page.input_value("#id_year") == "2023"
    assert v.page.locator("#id_source option:checked").inner_text() == "2022年"
    v.page.fill("#id_city_new_starts", "1000")
    v.page.fill("#id_city_carryover", "300")
    v.page.fill("#id_reason", "依据2023年度计划文件新建")
    v.capture("02-new")
    v.submit("新建草拟")
    assert v.page.url == v.url("/city/plan-years/2023/edit/")
    assert v.page.input_value("#id_settings-adjustment_cutoff") == "2023-03-31"
    assert v.page.input_value("#id_settings-city_completions") == "700"  # 1000 × 70 %, 2022's

    # Settings: the completion share raised to 80 %, the completion total blank again (→ 800).
    v.page.fill("#id_settings-completion_percent", "80")
    v.page.fill("#id_settings-city_completions", "")
    v.page.fill("#id_settings-reason", "2023年完成改造比例为80%")
    v.submit("保存设置")
    assert v.page.input_value("#id_settings-city_completions") == "800"

    # Milestones: copied from 2022 with the dates a year on; 60 % started by 31 May instead of
    # 50 % by 30 June, the all-started milestone dropped, 80 % of new starts completed by 31 Dec.
    assert v.page.input_value("#id_ms-1-due") == "2023-06-30"
    v.page.fill("#id_ms-1-key", "new_started_60")
    v.page.fill("#id_ms-1-due", "2023-05-31")
    v.page.fill("#id_ms-1-percent", "60")
    v.page.check("#id_ms-2-DELETE")
    v.page.fill("#id_ms-3-key", "new_completed_80")
    v.page.select_option("#id_ms-3-basis", "new_starts")
    v.page.fill("#id_ms-3-percent", "80")
    v.page.fill("#id_milestones-reason", "2023年阶段任务")
    v.submit("保存阶段任务")
    plan_year = PlanYear.objects.get(year=2023)
    assert [(m.key, m.due, m.percent, m.basis) for m in plan_year.milestones.all()] == [
        ("carryover_completed", date(2023, 6, 30), 100, "carryover"),
        ("new_started_60", date(2023, 5, 31), 60, "new_starts"),
        ("new_completed_80", date(2023, 12, 31), 80, "new_starts"),
    ]

    # Unit targets: completions left blank are filled in at 80 %.
    yicheng, xiping = unit_pk("驿城区"), unit_pk("西平县")
    v.page.fill(f"#id_targets-u{yicheng}_new_starts", "400")
    v.page.fill(f"#id_targets-u{yicheng}_carryover", "100")
    v.page.fill(f"#id_targets-u{xiping}_new_starts", "250")
    v.page.fill(f"#id_targets-u{xiping}_carryover", "200")
    v.page.fill("#id_targets-reason", "依据各区县上报")
    v.submit("保存区县目标")
    assert v.page.input_value(f"#id_targets-u{yicheng}_completions") == "320"
    assert v.page.input_value(f"#id_targets-u{xiping}_completions") == "200"
    remainder = v.page.locator('#target-formset td[data-remainder="new_starts"]')
    assert remainder.inner_text() == "350"
    v.capture("03-edit")

    # Opening: the checks pass; the year opens with a reason.
    v.page.get_by_role("link", name="核对并开启").click()
    assert v.page.locator("#open-ready").is_visible()
    v.page.fill("#id_reason", "市政府已批准2023年度计划")
    v.capture("04-open")
    v.submit("开启2023年度计划")
    assert v.page.url == v.url("/city/plan-years/2023/")
    assert v.page.locator(".plan-year-state").inner_text() == "已开启"
    milestones = v.page.locator("#milestone-table").inner_text()
    assert "5月底开工量达60%" in milestones and "12月底完成改造80%" in milestones
    assert "6月底开工量达50%" not in milestones
    changes = v.page.locator("#plan-year-changes").inner_text()
    for reason in ("依据2023年度计划文件新建", "2023年阶段任务", "依据各区县上报", "市政府已批准"):
        assert reason in changes, reason
    v.capture("05-detail")

    plan_year.refresh_from_db()
    assert plan_year.state == PlanYearState.OPEN and plan_year.opened_by is not None
    assert (plan_year.city_completions, plan_year.completion_percent) == (800, 80)
    assert {
        t.unit.name: (t.new_starts, t.completions, t.carryover)
        for t in UnitTarget.objects.filter(plan_year=plan_year).select_related("unit")
    } == {"驿城区": (400, 320, 100), "西平县": (250, 200, 200)}
    # 2022 is as it was.
    y2022 = PlanYear.objects.get(year=2022)
    assert [m.due for m in y2022.milestones.all()][1] == date(2022, 6, 30)
    assert y2022.completion_percent == 70
    assert not v.overflowing, v.overflowing
    assert not v.errors, v.errors


def test_a_clerk_is_refused_the_plan_year_pages(
    live_server: LiveServer, programme_2022: None, open_browser: Callable[[str], Visitor]
) -> None:
    """A unit's clerk gets 403 on the plan-year list and has no link to it."""
    v = open_browser("i16-years-clerk")
    log_in(v, CLERK_USER, "/")
    assert v.page.get_by_role("link", name="年度计划").count() == 0
    response = v.goto("/city/plan-years/")
    assert response is not None and response.status == 403
