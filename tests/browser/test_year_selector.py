"""The year selector in a real browser: the city office switches its pages from one plan year to
another and back through the navigation bar, the choice following it from page to page; a county
clerk is offered the open years only. 2022 (the fixtures) stands beside a second year built with
the ORM (tests/plan_years.py) and a draft third. Screenshots go to SCREENSHOT_DIR, named year-*."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pytest
from django.core.management import call_command

from projects.choices import PlanYearState, Role
from projects.management.commands.load_programme import FIXTURES
from projects.models import PlanYear, Unit
from tests.browser import skip_module_without_browser
from tests.browser.conftest import PASSWORD
from tests.factories import UserFactory
from tests.plan_years import second_plan_year, started_project

if TYPE_CHECKING:
    from collections.abc import Callable

    from .conftest import Visitor

skip_module_without_browser()

UNIT = "驿城区"


@pytest.fixture
def two_years(transactional_db: None) -> None:
    """2022 with 驿城区's 12 households on site from 1 May 2022; 2023 open, with 40 households on
    site from 10 April 2023; 2024 a draft. Committed, so the live server sees them."""
    call_command("loaddata", *FIXTURES, verbosity=0)
    started_project(
        PlanYear.objects.get(year=2022),
        name="二〇二二年小区",
        households=12,
        started=date(2022, 5, 1),
    )
    started_project(
        second_plan_year(), name="二〇二三年小区", households=40, started=date(2023, 4, 10)
    )
    second_plan_year(year=2024, state=PlanYearState.DRAFT)
    UserFactory(username="city-office", first_name="市老旧办", role=Role.CITY, unit=None)
    UserFactory(
        username="yicheng-clerk",
        first_name="驿城区填报员",
        role=Role.CLERK,
        unit=Unit.objects.get(name=UNIT),
    )


def log_in(v: Visitor, username: str, lands_on: str) -> None:
    v.goto("/accounts/login/")
    v.page.get_by_label("用户名").fill(username)
    v.page.get_by_label("密码").fill(PASSWORD)
    v.page.get_by_role("button", name="登录").click()
    v.page.wait_for_url(v.url(lands_on))
    v.phone.context.add_cookies(v.page.context.cookies())


def offered(v: Visitor) -> list[str]:
    """Open the year selector; the years it offers, as read."""
    v.page.locator("#year-selector-button").click()
    items = v.page.locator("#year-selector .dropdown-item")
    items.first.wait_for(state="visible")
    return [" ".join(text.split()) for text in items.all_inner_texts()]


def switch_to(v: Visitor, year: int) -> None:
    """Choose ``year`` in the selector; the same page comes back for that year."""
    path = v.page.url.split("?")[0]
    if not v.page.locator("#year-selector .dropdown-item").first.is_visible():
        v.page.locator("#year-selector-button").click()
    with v.page.expect_navigation():
        v.page.locator(f'#year-selector .dropdown-item[data-selector-year="{year}"]').click()
    assert v.page.url.split("?")[0] == path, v.page.url
    assert f"year={year}" in v.page.url
    assert v.page.locator("#year-selector-button").inner_text().strip() == f"{year}年度"


def figure(v: Visitor, name: str) -> int:
    cell = v.page.locator(f'#overview-table tr[data-unit="{UNIT}"] td[data-figure="{name}"]')
    return int(cell.inner_text())


def test_the_city_office_switches_to_another_year_and_back(
    two_years: None, open_browser: Callable[[str], Visitor]
) -> None:
    """The overview opens on the draft 2024 (the latest year the city office may see; today lies
    past all three); switching to 2023 shows its 40 households, to 2022 its 12; the project list
    then stays on 2022; switching to 2023 there shows 2023's project, and the overview follows;
    back on 2022, its figures are as they were."""
    city = open_browser("year-city")
    log_in(city, "city-office", "/city/")
    assert city.page.locator("h1").inner_text().startswith("2024年度")
    assert figure(city, "new_started") == 0
    assert offered(city) == ["2022年度", "2023年度", "2024年度 草拟中"]
    city.shot("01-selector-open")

    switch_to(city, 2023)
    assert city.page.locator("h1").inner_text().startswith("2023年度")
    assert figure(city, "new_started") == 40
    switch_to(city, 2022)
    assert city.page.locator("h1").inner_text().startswith("2022年度")
    assert figure(city, "new_started") == 12
    with city.page.expect_navigation():
        city.page.locator("#portal-nav").get_by_role("link", name="改造项目").click()
    assert city.page.locator("h1").inner_text() == "2022年度改造项目"
    table = city.page.locator("main table").inner_text()
    assert "二〇二二年小区" in table and "二〇二三年小区" not in table

    switch_to(city, 2023)
    assert city.page.locator("h1").inner_text() == "2023年度改造项目"
    table = city.page.locator("main table").inner_text()
    assert "二〇二三年小区" in table and "二〇二二年小区" not in table
    with city.page.expect_navigation():
        city.page.locator("#portal-nav").get_by_role("link", name="全市概况").click()
    assert city.page.locator("h1").inner_text().startswith("2023年度")

    switch_to(city, 2022)
    assert city.page.locator("h1").inner_text().startswith("2022年度")
    assert figure(city, "new_started") == 12
    # A date from another year is not offered: the picker holds 2022's days.
    picker = city.page.locator("#id_as_of")
    assert (picker.get_attribute("min"), picker.get_attribute("max")) == (
        "2022-01-01",
        "2022-12-31",
    )
    city.capture("02-overview-2022")
    assert not city.errors and not city.overflowing, city.errors + city.overflowing


def test_a_clerk_is_offered_the_open_years_only(
    two_years: None, open_browser: Callable[[str], Visitor]
) -> None:
    """驿城区's clerk sees 2022 and 2023, not the draft 2024; asking for 2024 in the address is the
    404 of a year that does not exist, saying which years there are."""
    clerk = open_browser("year-clerk")
    log_in(clerk, "yicheng-clerk", "/")
    assert offered(clerk) == ["2022年度", "2023年度"]
    clerk.shot("01-selector-open")
    # On a phone the selector sits in the folded menu, and opens within the screen.
    clerk.phone.goto(clerk.page.url)
    clerk.phone.locator(".navbar-toggler").click()
    clerk.phone.locator("#year-selector-button").click()
    clerk.phone.locator("#year-selector .dropdown-item").first.wait_for(state="visible")
    clerk.phone_shot("01-selector-open")
    switch_to(clerk, 2022)
    assert clerk.page.locator("h1").inner_text() == "驿城区 2022年度改造任务"
    switch_to(clerk, 2023)
    assert clerk.page.locator("h1").inner_text() == "驿城区 2023年度改造任务"

    response = clerk.goto("/projects/?year=2024")
    assert response.status == 404
    assert clerk.page.locator("#not-found-reason").inner_text() == (
        "没有 2024 年度的年度计划。可查看的年度：2022、2023。"
    )
    clerk.capture("02-unknown-year")
    assert not clerk.errors and not clerk.overflowing, clerk.errors + clerk.overflowing
