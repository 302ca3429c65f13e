"""Any plan year on screen (projects/view_helpers.plan_year_for and the navigation bar's selector):
the year comes from ?year=, else the session, else the year containing today, else the latest, and
only from the years the user may see. A second plan year (tests/plan_years.py) stands beside 2022."""

import io
import re
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from projects.choices import PlanYearState, Role
from projects.models import PlanYear, Unit, User
from projects.selectors import plan_year_default
from tests.factories import UserFactory
from tests.plan_years import second_plan_year, started_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def yicheng(programme: None) -> Unit:
    return Unit.objects.get(name="驿城区")


@pytest.fixture
def city(programme: None) -> User:
    return UserFactory(role=Role.CITY, unit=None, username="city")


@pytest.fixture
def clerk(yicheng: Unit) -> User:
    return UserFactory(role=Role.CLERK, unit=yicheng, username="clerk")


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(client: Client, url: str, **query: Any) -> str:
    response = client.get(url, query)
    assert response.status_code == 200, (url, query, response.status_code)
    return str(response.content.decode())


def main(html: str) -> str:
    """The page's own content (the navigation bar, with its year selector, left out), its CSRF
    tokens (new on every page) blanked."""
    content = html[html.index("<main") : html.index("</main>")]
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", content)


def figure(html: str, unit: str, name: str) -> int:
    """A figure of a unit's row of the city overview (its data-figure cell)."""
    row = re.search(rf'<tr[^>]*data-unit="{unit}".*?</tr>', html, re.S)
    assert row is not None, unit
    cell = re.search(rf'data-figure="{name}">(\d+)<', row.group(0))
    assert cell is not None, name
    return int(cell.group(1))


def heading(html: str) -> str:
    match = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    assert match is not None
    return re.sub(r"\s+", "", match.group(1))


def selector_years(html: str) -> list[str]:
    """The years the navigation bar offers, as their links read (草拟中 marked)."""
    menu = re.search(r'id="year-selector".*?</ul>', html, re.S)
    assert menu is not None
    return [
        re.sub(r"<[^>]+>|\s+", "", item)
        for item in re.findall(r'<a class="dropdown-item[^"]*"[^>]*>(.*?)</a>', menu.group(0))
    ]


# --- the year asked for ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("asked", "reason"),
    [
        ("2O23", "“2O23”不是有效的年度：年度应为四位数字，如 2023。"),
        ("22", "“22”不是有效的年度：年度应为四位数字，如 2023。"),
        ("1999", "没有 1999 年度的年度计划。可查看的年度：2022、2023。"),
    ],
)
def test_a_year_that_is_none_is_a_404_saying_which_years_there_are(
    city: User, asked: str, reason: str
) -> None:
    """A typo'd or unknown ?year= is a 404 page that says what is wrong and names the years the
    user may see; never a page of some other year."""
    second_plan_year()
    response = client_of(city).get(reverse("reporting:overview"), {"year": asked})
    assert response.status_code == 404
    html = response.content.decode()
    assert f'<p class="mb-3" id="not-found-reason">{reason}</p>' in html
    assert "年度考核" in html  # the navigation bar is there, to switch to a year that exists


def test_other_404s_say_nothing_more(city: User) -> None:
    """Only a plan year's 404 explains itself: an object that does not exist (or is another unit's)
    keeps the page's one plain sentence."""
    response = client_of(city).get(reverse("project_detail", args=[999999]))
    assert response.status_code == 404
    html = response.content.decode()
    assert "您要找的页面不存在，或者属于其他区县。" in html
    assert "not-found-reason" not in html


def test_a_county_user_cannot_select_a_draft_year(city: User, clerk: User) -> None:
    """A draft year (being entered by the city office) is not offered to a unit: a clerk asking for
    it gets the 404 of a year that does not exist, and it is not in their selector."""
    second_plan_year(state=PlanYearState.DRAFT)
    clerk_client = client_of(clerk)
    response = clerk_client.get(reverse("project_list"), {"year": "2023"})
    assert response.status_code == 404
    assert "没有 2023 年度的年度计划。可查看的年度：2022。" in response.content.decode()
    html = page(clerk_client, reverse("project_list"))
    assert heading(html) == "2022年度改造项目"
    assert selector_years(html) == ["2022年度"]

    city_html = page(client_of(city), reverse("project_list"), year="2023")
    assert heading(city_html) == "2023年度改造项目"
    assert selector_years(city_html) == ["2022年度", "2023年度草拟中"]


def test_an_administrator_may_select_a_draft_year(programme: None) -> None:
    """The door (projects.permissions.open_years_for_units) keeps a draft from the units only: an
    administrator, who sets targets with the city office, may select it."""
    second_plan_year(state=PlanYearState.DRAFT)
    admin = UserFactory(role=Role.ADMIN, unit=None, is_staff=True, is_superuser=True)
    html = page(client_of(admin), reverse("reporting:overview"), year="2023")
    assert heading(html).startswith("2023年度")
    assert selector_years(html) == ["2022年度", "2023年度草拟中"]


# --- the year remembered, and the default ---------------------------------------------------------


def test_the_year_chosen_is_kept_for_the_pages_reached_without_one(city: User) -> None:
    """?year= on one page carries to the next pages in the session, until another is chosen."""
    second_plan_year()
    client = client_of(city)
    assert heading(page(client, reverse("project_list"))).startswith("2023")  # the latest
    page(client, reverse("reporting:overview"), year="2022")
    assert heading(page(client, reverse("project_list"))) == "2022年度改造项目"
    assert heading(page(client, reverse("reporting:assessment"))).startswith("2022年度考核评价")
    assert heading(page(client, reverse("project_list"), year="2023")) == "2023年度改造项目"
    assert heading(page(client, reverse("reporting:overview"))).startswith("2023年度")


def test_without_a_choice_the_year_containing_today_is_shown(
    city: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On 1 March 2023 the pages show 2023 (the year containing today), although 2024 is later;
    once today is past every year, the latest."""
    second_plan_year()
    second_plan_year(year=2024)
    monkeypatch.setattr("projects.selectors.today_local", lambda: date(2023, 3, 1))
    assert heading(page(client_of(city), reverse("project_list"))) == "2023年度改造项目"
    monkeypatch.setattr("projects.selectors.today_local", lambda: date(2025, 3, 1))
    assert heading(page(client_of(city), reverse("project_list"))) == "2024年度改造项目"


@pytest.mark.parametrize(
    ("years", "today", "expected"),
    [
        ([(2022, "open")], date(2026, 1, 1), 2022),  # only 2022: the latest
        ([(2022, "open"), (2023, "open")], date(2022, 12, 31), 2022),  # containing today
        ([(2022, "open"), (2023, "open")], date(2023, 1, 1), 2023),
        ([(2022, "open"), (2023, "open")], date(2021, 6, 1), 2023),  # before all: the latest
        ([(2022, "open"), (2023, "draft")], date(2022, 12, 1), 2022),  # drafting next year
        ([(2022, "open"), (2023, "draft")], date(2023, 2, 1), 2023),  # a draft, to who sees it
        ([], date(2023, 2, 1), None),
    ],
)
def test_the_default_year(years: list[tuple[int, str]], today: date, expected: int | None) -> None:
    """The year containing today, else the latest (of the years the user may see)."""
    plan_years = [PlanYear(year=year, state=state) for year, state in years]
    chosen = plan_year_default(plan_years=plan_years, today=today)
    assert (chosen.year if chosen else None) == expected


# --- 2022 stays as it was -------------------------------------------------------------------------


def test_2022_pages_are_unchanged_when_a_2023_year_is_open(city: User, clerk: User) -> None:
    """驿城区 started 12 households in 2022 (1 May) and 40 in 2023 (10 April). The 2022 pages asked
    for with ?year=2022 after 2023 is opened are the pages shown before 2023 existed: 12 started on
    30 June 2022, not 52 and not 40; 2023's overview counts its own 40 on 31 May 2023."""
    plan_2022 = PlanYear.objects.get(year=2022)
    started_project(plan_2022, name="二〇二二年小区", households=12, started=date(2022, 5, 1))
    city_client, clerk_client = client_of(city), client_of(clerk)
    yicheng = Unit.objects.get(name="驿城区")
    pages = [
        (city_client, reverse("reporting:overview"), {"as_of": "2022-06-30"}),
        (city_client, reverse("reporting:unit", args=[yicheng.pk]), {"as_of": "2022-06-30"}),
        (city_client, reverse("project_list"), {}),
        (city_client, reverse("funds"), {}),
        (city_client, reverse("reporting:assessment"), {"as_of": "2022-12-31"}),
        (city_client, reverse("reporting:targets"), {}),
        (clerk_client, reverse("home"), {"as_of": "2022-06-30"}),
        (clerk_client, reverse("project_list"), {}),
    ]
    before = [main(page(client, url, **query)) for client, url, query in pages]
    assert figure(page(city_client, pages[0][1], **pages[0][2]), "驿城区", "new_started") == 12

    plan_2023 = second_plan_year()
    started_project(plan_2023, name="二〇二三年小区", households=40, started=date(2023, 4, 10))
    asked = [main(page(client, url, year="2022", **query)) for client, url, query in pages]
    # The one difference ?year= makes: the links that keep the page's query carry it too.
    assert [_without_year(html) for html in asked] == [_without_year(html) for html in before]
    # The session now holds 2022: the same addresses without ?year= are exactly the old pages.
    assert [main(page(client, url, **query)) for client, url, query in pages] == before
    overview_2022 = page(city_client, reverse("reporting:overview"), as_of="2022-06-30")
    assert figure(overview_2022, "驿城区", "new_started") == 12  # the session's 2022
    overview_2023 = page(city_client, reverse("reporting:overview"), year=2023, as_of="2023-05-31")
    assert heading(overview_2023) == "2023年度城镇老旧小区改造进展（截至2023年5月31日）"
    assert figure(overview_2023, "驿城区", "new_started") == 40


def _without_year(html: str) -> str:
    return re.sub(r"(\?|&amp;)year=2022", "", html)


# --- the selector ---------------------------------------------------------------------------------


def test_the_selector_keeps_the_page_and_its_filters(city: User) -> None:
    """Each year's link is the current path with the page's filters and ?year=; the date and the
    page number, which belong to one year, are left out."""
    second_plan_year(state=PlanYearState.DRAFT)
    html = page(
        client_of(city),
        reverse("project_list"),
        kind="new",
        q="小区",
        page="2",
        as_of="2022-06-30",
        year="2022",
    )
    links = re.findall(r'href="([^"]+)" data-selector-year="(\d+)"', html)
    assert links == [
        ("/projects/?kind=new&amp;q=%E5%B0%8F%E5%8C%BA&amp;year=2022", "2022"),
        ("/projects/?kind=new&amp;q=%E5%B0%8F%E5%8C%BA&amp;year=2023", "2023"),
    ]
    assert re.search(r'class="dropdown-item active" href="[^"]+year=2022"', html)


def test_the_selector_is_on_pages_that_show_no_year_and_sets_the_session(
    city: User, yicheng: Unit
) -> None:
    """A project's page (no year of its own) has the selector too; choosing there sets the year of
    the pages reached next."""
    second_plan_year()
    project = started_project(
        PlanYear.objects.get(year=2022), name="甲", households=5, started=date(2022, 5, 1)
    )
    client = client_of(city)
    html = page(client, reverse("project_detail", args=[project.pk]), year="2022")
    assert selector_years(html) == ["2022年度", "2023年度"]
    assert f'href="/projects/{project.pk}/?year=2023"' in html
    assert heading(page(client, reverse("project_list"))) == "2022年度改造项目"


def test_no_selector_without_a_plan_year(db: None) -> None:
    """Before any plan year is loaded the bar has no selector (and the home page says why)."""
    html = page(client_of(UserFactory(role=Role.CITY, unit=None)), reverse("home"))
    assert 'id="year-selector"' not in html
    assert "尚未建立年度计划" in html


def queries(client: Client, url: str, **query: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, query).status_code == 200
    return len(captured)


@pytest.mark.parametrize("name", ["reporting:overview", "project_list", "project_detail", "funds"])
def test_a_page_costs_the_same_queries_however_many_plan_years(
    city: User, yicheng: Unit, name: str
) -> None:
    """The selector's years are one query shared with the page's own plan year: a page costs the
    same with 2 plan years as with 6."""
    project = started_project(
        PlanYear.objects.get(year=2022), name="甲", households=5, started=date(2022, 5, 1)
    )
    url = reverse(name, args=[project.pk]) if name == "project_detail" else reverse(name)
    second_plan_year()
    client = client_of(city)
    client.get(url, {"year": "2022"})  # the session learns the year (one write, once)
    two = queries(client, url, year="2022")
    for year in (2024, 2025, 2026, 2027):
        second_plan_year(year=year, state=PlanYearState.DRAFT if year == 2027 else "open")
    assert queries(client, url, year="2022") == two
    assert queries(client, url) == two


# --- the date and the downloads follow the year ---------------------------------------------------


def test_the_page_date_is_limited_to_the_chosen_year(city: User) -> None:
    """On 2023's overview a 2022 date is clipped to 1 January 2023, with a warning; the date input
    offers 2023's days only."""
    second_plan_year()
    html = page(client_of(city), reverse("reporting:overview"), year="2023", as_of="2022-06-30")
    assert heading(html) == "2023年度城镇老旧小区改造进展（截至2023年1月1日）"
    assert "日期 2022-06-30 不在 2023 年度内，已按 2023年1月1日 显示" in html
    assert 'min="2023-01-01" max="2023-12-31"' in html
    assert '<input type="hidden" name="year" value="2023">' in html


def test_downloads_and_the_assessment_are_of_the_chosen_year(city: User) -> None:
    """The project list download, the assessment page and its workbook and the city's monthly
    workbook are 2023's when 2023 is chosen, 2022's when 2022 is."""
    plan_2023 = second_plan_year()
    started_project(plan_2023, name="二〇二三年小区", households=40, started=date(2023, 4, 10))
    started_project(
        PlanYear.objects.get(year=2022),
        name="二〇二二年小区",
        households=12,
        started=date(2022, 5, 1),
    )
    client = client_of(city)
    for year, name in ((2023, "二〇二三年小区"), (2022, "二〇二二年小区")):
        download = client.get(reverse("project_list_download"), {"year": year})
        assert download.status_code == 200
        assert f"{year}%E5%B9%B4%E5%BA%A6" in download["Content-Disposition"]  # 年度
        sheet = load_workbook(filename=io.BytesIO(download.content)).active
        names = {str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value}
        assert name in names
        assert ({"二〇二三年小区", "二〇二二年小区"} - {name}).isdisjoint(names)

        assessment = page(client, reverse("reporting:assessment"), year=year)
        assert heading(assessment).startswith(f"{year}年度考核评价")
        workbook = client.get(reverse("reporting:assessment_export"), {"year": year})
        assert workbook.status_code == 200
        assert f"{year}%E5%B9%B4%E5%BA%A6%E8%80%83%E6%A0%B8" in workbook["Content-Disposition"]
        monthly = client.get(reverse("reporting:city_month_export", args=[6]), {"year": year})
        assert monthly.status_code == 200
        assert f"{year}%E5%B9%B46%E6%9C%88" in monthly["Content-Disposition"]  # 年6月
