"""The login page, the home dashboard, the import template downloads and the base layout."""

import io
import re
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from projects.choices import Role
from projects.data_version import data_changed
from projects.importing import HOUSEHOLD_HEADERS, PROJECT_HEADERS
from projects.models import PlanYear, Unit, User
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

ASSET = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")


PASSWORD = "Zmd-test-2022!"


@pytest.fixture
def clerk(programme: None) -> User:
    return User.objects.create_user(
        "411702-clerk",
        password=PASSWORD,
        first_name="驿城区填报员",
        role=Role.CLERK,
        unit=Unit.objects.get(name="驿城区"),
    )


@pytest.fixture
def city_user(programme: None) -> User:
    return User.objects.create_user("city", password=PASSWORD, role=Role.CITY, is_staff=True)


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_login_page_renders_in_chinese(client: Client) -> None:
    """The login page is a Chinese form with user name, password and a CSRF token."""
    html = page(client, reverse("login"))
    assert '<html lang="zh-hans">' in html
    assert "驻马店市城镇老旧小区改造信息平台" in html
    assert 'name="username"' in html and 'name="password"' in html
    assert "csrfmiddlewaretoken" in html
    assert "登录" in html


def test_login_with_demo_credentials_lands_on_home(client: Client, clerk: User) -> None:
    """Posting a valid user name and password logs in and redirects to the home page."""
    response = client.post(reverse("login"), {"username": "411702-clerk", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_home_requires_login(client: Client) -> None:
    """An anonymous visitor is redirected to the login page, keeping where they were going."""
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={reverse('home')}"


def test_home_shows_city_row_units_and_unallocated_rows(client: Client, city_user: User) -> None:
    """The milestone table has the city row, every unit, the remainder the source does not allocate
    (15948 − 10641 = 5307 new starts, 11164 − 7450 = 3714 completions) and the two carry-over figures
    whose unit the source lost (30 and 2113)."""
    client.force_login(city_user)
    html = page(client, reverse("reporting:overview"))
    assert "全市" in html
    for unit in Unit.objects.all():
        assert unit.name in html
    assert html.count("未分解到区县的目标") == 1
    assert html.count("未列明区县的续建目标") == 2
    for figure in ("5307", "3714", "30", "2113", "15948", "11164", "4676"):
        assert f">{figure}<" in html
    assert "截止2022年6月30日" in html and "截止2022年10月31日" in html
    assert "2022-06-30" not in re.sub(r"<[^>]+>", " ", html)  # shown dates are 2022年6月30日


def test_home_shows_statuses_as_badges(client: Client, city_user: User) -> None:
    """Each milestone cell carries a coloured badge with its Chinese status: a unit whose target the
    source does not give shows 无目标, a target of 0 (上蔡县 carry-over) is 已完成."""
    client.force_login(city_user)
    html = page(client, reverse("reporting:overview"))
    assert 'class="badge text-bg-secondary">无目标<' in html
    assert 'class="badge text-bg-success">已完成<' in html


def test_home_without_a_plan_year_says_so(client: Client, db: None) -> None:
    """With no plan year loaded the home page explains that instead of failing."""
    user = User.objects.create_user("city", password="x", role=Role.CITY)
    client.force_login(user)
    assert not PlanYear.objects.exists()
    assert "尚未建立年度计划" in page(client, reverse("home"))


def test_home_query_count_does_not_grow_with_projects(client: Client, city_user: User) -> None:
    """The dashboard, built after a write, runs the same number of queries for 1 project as for 6."""
    client.force_login(city_user)
    ProjectFactory()
    data_changed()  # as the write services do (the factories write around them)
    with CaptureQueriesContext(connection) as one:
        page(client, reverse("reporting:overview"))
    ProjectFactory.create_batch(5, unit=Unit.objects.get(name="西平县"))
    data_changed()
    with CaptureQueriesContext(connection) as six:
        page(client, reverse("reporting:overview"))
    assert len(six) == len(one)


def test_navbar_shows_user_logout_form_and_admin_link_for_staff(
    client: Client, clerk: User, city_user: User
) -> None:
    """The navbar names the user and logs out by POST; only staff see the admin link."""
    client.force_login(clerk)
    html = page(client, reverse("home"))
    assert "驿城区填报员" in html
    assert f'method="post" action="{reverse("logout")}"' in html
    assert reverse("admin:index") not in html
    client.force_login(city_user)
    assert reverse("admin:index") in page(client, reverse("reporting:overview"))


def test_logout_by_post_returns_to_login(client: Client, clerk: User) -> None:
    """Logging out with the navbar's POST form ends the session and shows the login page."""
    client.force_login(clerk)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.parametrize(
    ("kind", "headers"), [("projects", PROJECT_HEADERS), ("households", HOUSEHOLD_HEADERS)]
)
def test_template_download_has_the_import_headers(
    client: Client, clerk: User, kind: str, headers: tuple[str, ...]
) -> None:
    """The downloadable import template is an .xlsx whose first row is exactly the import headers."""
    client.force_login(clerk)
    html = page(client, reverse("home"))
    url = reverse("import_template", args=[kind])
    assert f'href="{url}"' in html
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    first_row = next(sheet.iter_rows(min_row=1, max_row=1, values_only=True))
    assert tuple(first_row) == headers


def test_unknown_template_is_not_found(client: Client, clerk: User) -> None:
    """Only the two import templates exist."""
    client.force_login(clerk)
    assert client.get(reverse("import_template", args=["users"])).status_code == 404


def test_pages_load_no_assets_from_the_internet(
    client: Client, clerk: User, city_user: User
) -> None:
    """No page links anything over http:// or https:// (the portal works offline); every local
    asset it links is found by the static files finders."""
    pages = [page(client, reverse("login"))]
    client.force_login(city_user)
    pages.append(page(client, reverse("reporting:overview")))
    for html in pages:
        html = html.replace('xmlns="http://www.w3.org/2000/svg"', "")  # a namespace, not a link
        assert "http://" not in html and "https://" not in html
        for link in ASSET.findall(html):
            if link.startswith("/static/"):
                assert finders.find(link.removeprefix("/static/")), link
    assert "/static/bootstrap/css/bootstrap.min.css" in pages[0]
    assert "/static/bootstrap/js/bootstrap.bundle.min.js" in pages[0]


def test_home_as_of_a_date(client: Client, city_user: User) -> None:
    """?as_of= judges the table on that date; a date outside the plan year is clipped to it."""
    from datetime import date

    ProjectFactory(households=2402, started_on=date(2022, 6, 1))
    client.force_login(city_user)

    def half(response: Any, row: str) -> str:
        """The status of the half milestone in the milestone table's ``row``."""
        cells = response.content.decode().split(f'data-unit="{row}"')[1].split("</tr>")[0]
        found = re.search(r'data-milestone="new_started_half" data-status="(\w+)"', cells)
        assert found
        return found.group(1)

    response = client.get(reverse("reporting:overview"), {"as_of": "2022-06-30"})
    assert response.context["as_of"] == date(2022, 6, 30)
    assert half(response, "驿城区") == "met"
    assert half(response, "city") == "missed"  # 2402 of 7974
    response = client.get(reverse("reporting:overview"), {"as_of": "2023-05-01"})
    assert response.context["as_of"] == date(2022, 12, 31)
    response = client.get(reverse("reporting:overview"), {"as_of": "不是日期"})
    assert response.context["as_of"] == date(2022, 12, 31)  # today (2026) clipped to the plan year


def test_home_sends_the_city_office_to_the_overview_with_its_date(
    client: Client, city_user: User
) -> None:
    """The city office's home is the city overview; the date asked for goes along."""
    client.force_login(city_user)
    response = client.get(reverse("home"), {"as_of": "2022-06-30"})
    assert response.status_code == 302
    assert response["Location"] == reverse("reporting:overview") + "?as_of=2022-06-30"
