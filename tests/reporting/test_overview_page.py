"""The city overview's tables (drawn by Jinja2) and its cache: key cells worked out by hand in both
languages, escaping kept on, a second request read whole from the cache, and a write through a
service shown by the next request."""

import re
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects import services
from projects.choices import ProjectKind, Role
from projects.models import PlanYear, Unit, User
from reporting import overview_page
from tests.factories import ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


@pytest.fixture
def city(programme: None) -> User:
    return UserFactory(role=Role.CITY, unit=None)


@pytest.fixture
def client(city: User) -> Client:
    client = Client()
    client.force_login(city)
    return client


def overview(client: Client, day: str = "2022-06-30", **headers: Any) -> str:
    response = client.get(reverse("reporting:overview"), {"as_of": day}, **headers)
    assert response.status_code == 200
    return CSRF.sub("", response.content.decode())


def row_of(html: str, unit: str) -> str:
    """The milestone table's row of ``unit`` ("city" for the city's)."""
    match = re.search(rf'<tr[^>]*data-unit="{unit}"[^>]*>(.*?)</tr>', html, re.S)
    assert match, unit
    return match.group(1)


def cells(row: str) -> list[str]:
    """The row's cells as text, tags removed and whitespace collapsed."""
    return [
        " ".join(re.sub(r"<[^>]+>", " ", cell).split())
        for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
    ]


def test_key_cells_of_the_milestone_table(client: Client) -> None:
    """驿城区 (targets 4804 / 3363 / 962) with one new project of 2500 households started on 10 May,
    on 30 June: 开工率 2500 / 4804 = 52.04 % → 52.0 %; the half milestone needs 4804 × 50 % = 2402,
    2500 reached it (104.0 % of it, 1 of 1 projects counted by the all-started one); nothing
    completed: 0.0 %. The city's 开工率 is 2500 / 15948 = 15.67 % → 15.6 %."""
    yicheng = Unit.objects.get(name="驿城区")
    ProjectFactory(unit=yicheng, households=2500, started_on=date(2022, 5, 10))
    html = overview(client)
    row = row_of(html, "驿城区")
    link = reverse("reporting:unit", args=[yicheng.pk])
    assert f'<a href="{link}?as_of=2022-06-30">驿城区</a>' in row
    assert cells(row)[:10] == [
        "驿城区", "4804", "2500", "52.0%", "3363", "0", "0.0%", "962", "0", "0.0%",
    ]  # fmt: skip
    assert re.search(
        r'<td data-milestone="new_started_half" data-status="met" data-actual="2500" '
        r'data-target="2402">\s*<span class="badge text-bg-success">已完成</span>\s*'
        r'<small class="figure d-block text-body-secondary">2500 / 2402</small>\s*'
        r'<small class="figure d-block text-body-secondary" data-share>104.0%</small>',
        row,
    )
    assert "2500 / 4804 · 项目 1/1" in row
    assert cells(row_of(html, "city"))[:4] == ["全市", "15948", "2500", "15.6%"]
    paperwork = re.search(r'<tr data-paperwork-unit="驿城区"[^>]*>(.*?)</tr>', html, re.S)
    assert paperwork and cells(paperwork.group(1))[:4] == ["驿城区", "逾期未报", "1", "0"]


def test_key_cells_in_english(client: Client) -> None:
    """The same cells in English: the city row is "City total", the status "Met", the projects
    "projects 1/1"; the figures are the same digits."""
    ProjectFactory(households=2500, started_on=date(2022, 5, 10))
    html = overview(client, HTTP_ACCEPT_LANGUAGE="en")
    assert cells(row_of(html, "city"))[:4] == ["City total", "15948", "2500", "15.6%"]
    row = row_of(html, "驿城区")
    assert '<span class="badge text-bg-success">Met</span>' in row
    assert "2500 / 4804 · projects 1/1" in row


def test_names_are_escaped_in_the_jinja2_tables(client: Client, programme: None) -> None:
    """A unit named with markup is shown as text in every table Jinja2 draws, never as markup."""
    Unit.objects.create(name='<b onclick="x()">新区</b>', sort_order=300)
    html = overview(client)
    assert '<b onclick="x()">' not in html
    # In the milestone table, the paperwork table and the share chart's data table.
    assert html.count("&lt;b onclick=&#34;x()&#34;&gt;新区&lt;/b&gt;") >= 3


def test_a_second_request_is_read_from_the_cache(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no write between them, the second request shows the same page without building it:
    nothing of the body is computed again, in fewer queries."""
    ProjectFactory(households=2500, started_on=date(2022, 5, 10))
    with CaptureQueriesContext(connection) as first:
        before = overview(client)

    def not_again(**_: Any) -> None:
        raise AssertionError("the overview was built again")

    monkeypatch.setattr(overview_page, "overview_body", not_again)
    monkeypatch.setattr(overview_page, "worklist", not_again)
    with CaptureQueriesContext(connection) as second:
        assert overview(client) == before
    assert len(second) < len(first)


def test_each_language_and_date_is_cached_apart(client: Client) -> None:
    """The cache keeps each language's and each date's page: English after Chinese is English, and
    another date shows that date's figures."""
    ProjectFactory(households=2500, started_on=date(2022, 5, 10))
    assert "全市" in row_of(overview(client), "city")
    assert "City total" in row_of(overview(client, HTTP_ACCEPT_LANGUAGE="en"), "city")
    assert cells(row_of(overview(client, "2022-05-01"), "驿城区"))[2] == "0"
    assert cells(row_of(overview(client, "2022-05-10"), "驿城区"))[2] == "2500"


def test_a_write_through_a_service_changes_the_next_page(client: Client, city: User) -> None:
    """A target set and a project created through the services show on the very next request of a
    page cached before them."""
    plan_year = PlanYear.objects.get(year=2022)
    yicheng = Unit.objects.get(name="驿城区")
    before = cells(row_of(overview(client), "驿城区"))
    assert before[1] == "4804"
    services.unit_target_set(
        plan_year=plan_year,
        unit=yicheng,
        new_starts=5000,
        completions=None,
        carryover=962,
        reason="市政府调整目标",
        user=city,
    )
    after = cells(row_of(overview(client), "驿城区"))
    assert after[1] == "5000" and after[4] == "3500"  # 5000 × 70 %
    clerk = UserFactory(role=Role.CLERK, unit=yicheng)
    services.project_create(
        plan_year=plan_year,
        unit=yicheng,
        user=clerk,
        data={"kind": ProjectKind.NEW, "name": "新建小区", "buildings": 2, "households": 40},
    )
    assert "项目 0/1" in row_of(overview(client), "驿城区")


def test_a_page_is_shown_when_the_cache_does_not_answer(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cache that fails (Redis down) costs the page its speed, never the page itself."""

    def down(*_: Any, **__: Any) -> None:
        raise ConnectionError("cache down")

    monkeypatch.setattr("projects.data_version.cache.get_many", down)
    monkeypatch.setattr("projects.data_version.cache.set_many", down)
    assert cells(row_of(overview(client), "city"))[0] == "全市"


@pytest.mark.parametrize(
    ("asked", "number"),
    [(None, 1), ("", 1), ("1", 1), ("3", 3), ("0", None), ("-1", None), ("x", None)],
)
def test_only_whole_page_numbers_are_cache_keys(asked: str | None, number: int | None) -> None:
    """A page asked as a positive whole number is kept under it (none asked: page 1); anything else
    is shown as the paginator reads it, not cached."""
    assert overview_page.page_number(asked) == number


def test_a_built_page_reads_the_days_paperwork_once(client: Client) -> None:
    """Built after a write, the overview's paperwork table and the city office's 待办 (which lists
    the units whose documents are overdue) read the day's implementation plans once between them;
    both still show 驿城区 overdue on 2022-06-30 (its implementation plan was due on 2022-02-28)."""
    from projects.data_version import data_changed

    data_changed()
    with CaptureQueriesContext(connection) as built:
        html = overview(client)
    plans = [q for q in built.captured_queries if "paperwork_implementationplan" in q["sql"]]
    assert len(plans) == 1
    assert "驿城区：逾期" in html
