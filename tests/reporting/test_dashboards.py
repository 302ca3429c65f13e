"""The city office's dashboards: the overview and the unit pages agree with ``check_targets`` on the
demo data, run a fixed number of queries, forecast from the last 30 days, and show other units to
nobody but the city office."""

import io
import json
import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.choices import Criterion, ProjectKind, Role
from projects.data_version import data_changed
from projects.management.commands.load_programme import FIXTURES
from projects.models import PlanYear, Project, StartCriterion, Unit, User
from reporting import selectors
from tests.factories import ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

ROW = re.compile(r'<tr[^>]*data-unit="([^"]+)"[^>]*>(.*?)</tr>', re.S)
FIGURE = re.compile(r'data-figure="(\w+)">(\d+)<')
MILESTONE = re.compile(
    r'data-milestone="(\w+)" data-status="(\w+)" data-actual="(\d+)" data-target="(\d*)"'
)


def as_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def check_targets(day: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("check_targets", "--year", "2022", "--as-of", day, "--json", stdout=out)
    return dict(json.loads(out.getvalue()))


def screen_rows(html: str) -> dict[str, dict[str, Any]]:
    """Per row of the overview (城市 as "city"): its figures and its milestones as shown."""
    rows = {}
    for label, body in ROW.findall(html):
        rows[label] = {
            "figures": {k: int(v) for k, v in FIGURE.findall(body)},
            "milestones": {
                key: (status, int(actual), int(target) if target else None)
                for key, status, actual, target in MILESTONE.findall(body)
            },
        }
    return rows


FIGURE_OF = {
    "new_started": "new_started_half",
    "new_completed": "new_completed_70",
    "carryover_completed": "carryover_completed",
}


@pytest.fixture(scope="class")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The fixtures and the default demo, written once for the class and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("loaddata", *FIXTURES, verbosity=0)
        call_command("seed_demo", verbosity=0)
        yield
        transaction.set_rollback(True)


@pytest.mark.usefixtures("demo")
class TestDashboardsAgreeWithCheckTargets:
    @pytest.mark.parametrize("day", ["2022-06-30", "2022-10-31", "2022-12-31", "2022-03-15"])
    def test_overview_shows_what_check_targets_says(self, day: str) -> None:
        """Every unit's and the city's figures, and every milestone's status, judged figure and
        target on the overview equal check_targets --json for the same date."""
        city = UserFactory(role=Role.CITY, unit=None)
        html = as_client(city).get(reverse("reporting:overview"), {"as_of": day}).content.decode()
        shown = screen_rows(html)
        expected = check_targets(day)
        wanted = {"city": expected["city"]} | {u["unit"]: u for u in expected["units"]}
        assert set(shown) == set(wanted)
        for label, row in wanted.items():
            for key, result in row["milestones"].items():
                assert shown[label]["milestones"][key] == (
                    result["status"],
                    result["actual"],
                    result["target"],
                ), (label, key)
            for figure, key in FIGURE_OF.items():
                assert shown[label]["figures"][figure] == row["milestones"][key]["actual_as_of"]

    @pytest.mark.parametrize("day", ["2022-06-30", "2022-10-31", "2022-12-31"])
    def test_unit_pages_show_what_check_targets_says(self, day: str) -> None:
        """Each unit's page shows the same milestone statuses, figures and targets as the command."""
        city = UserFactory(role=Role.CITY, unit=None)
        client = as_client(city)
        for row in check_targets(day)["units"]:
            unit = Unit.objects.get(name=row["unit"])
            html = client.get(reverse("reporting:unit", args=[unit.pk]), {"as_of": day})
            shown = {
                key: (status, int(actual), int(target) if target else None)
                for key, status, actual, target in MILESTONE.findall(html.content.decode())
            }
            assert shown == {
                key: (r["status"], r["actual"], r["target"]) for key, r in row["milestones"].items()
            }, row["unit"]

    def test_cumulative_series_end_at_the_reports_figures(self) -> None:
        """The charts' cumulative lines end, on the date asked, at the city's figures of that date."""
        plan_year = PlanYear.objects.get(year=2022)
        for day in (date(2022, 6, 30), date(2022, 12, 31)):
            series = selectors.cumulative(plan_year=plan_year, as_of=day)
            city = selectors.city_overview(plan_year=plan_year, as_of=day).city.row.today
            assert series.days[-1] == day
            assert series.new_started[-1] == city.new_started
            assert series.new_completed[-1] == city.new_completed
            assert series.carryover_completed[-1] == city.carryover_completed
            assert list(series.new_started) == sorted(series.new_started)


# --- small, hand-built cases --------------------------------------------------------------------


@pytest.fixture
def city(programme: None) -> User:
    return UserFactory(role=Role.CITY, unit=None)


def test_overview_query_count_is_constant(city: User) -> None:
    """The overview runs as many queries with 1 project as with 12 projects in 3 units and a new
    unit added by the city office: built after a write (cold), and read back from the cache (warm,
    fewer, as many at either size)."""
    client = as_client(city)
    url = reverse("reporting:overview")

    def queries() -> int:
        with CaptureQueriesContext(connection) as run:
            assert client.get(url, {"as_of": "2022-06-30"}).status_code == 200
        return len(run)

    ProjectFactory(started_on=date(2022, 5, 1))
    data_changed()  # as a write service does (the factories write around them)
    few, few_warm = queries(), queries()
    Unit.objects.create(name="高新技术产业开发区", sort_order=200)
    for name in ("驿城区", "西平县", "高新技术产业开发区"):
        ProjectFactory.create_batch(
            4, unit=Unit.objects.get(name=name), completed_on=date(2022, 9, 1)
        )
    data_changed()  # as a write service does (the factories write around them)
    many, many_warm = queries(), queries()
    assert many == few
    assert many_warm == few_warm < few


def test_unit_page_query_count_is_constant(city: User) -> None:
    """A unit's page runs as many queries for 1 project as for 9 with criteria recorded."""
    unit = Unit.objects.get(name="驿城区")
    client = as_client(city)
    ProjectFactory()
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("reporting:unit", args=[unit.pk])).status_code == 200
    for project in ProjectFactory.create_batch(8):
        StartCriterion.objects.create(
            project=project, criterion=Criterion.ON_SITE, met_on=date(2022, 4, 1)
        )
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse("reporting:unit", args=[unit.pk])).status_code == 200
    assert len(many) == len(few)


def test_unit_page_forecasts_from_the_last_30_days(city: User) -> None:
    """驿城区 needs 2402 households started by June 30th. On May 31st 1800 have started, 300 of them
    since May 1st: 602 to go at 300 per 30 days is 61 days → July 31st, late; 602 × 7 / 30 days
    left = 140.5 → 141 households a week."""
    unit = Unit.objects.get(name="驿城区")
    ProjectFactory(households=1500, started_on=date(2022, 4, 1))
    ProjectFactory(households=300, started_on=date(2022, 5, 20))
    html = (
        as_client(city)
        .get(reverse("reporting:unit", args=[unit.pk]), {"as_of": "2022-05-31"})
        .content.decode()
    )
    assert "近30天新增 300 户，尚差 602 户。" in html
    assert "按此进度预计2022年7月31日达到目标" in html and "（晚于截止日期）" in html
    assert "距截止日期每周还需 141 户。" in html


def test_unit_page_names_the_blocking_projects_and_what_they_lack(city: User) -> None:
    """A new project not started is listed under the start milestones with the criteria it lacks;
    a started one is not."""
    unit = Unit.objects.get(name="驿城区")
    ProjectFactory(name="未开工小区", households=10)
    ProjectFactory(name="已开工小区", households=10, started_on=date(2022, 4, 1))
    html = (
        as_client(city)
        .get(reverse("reporting:unit", args=[unit.pk]), {"as_of": "2022-06-30"})
        .content.decode()
    )
    half = html.split('data-milestone="new_started_half"')[1].split("milestone-detail")[0]
    assert "未开工小区" in half and "已开工小区" not in half
    assert "居民同意" in half and "进场施工" in half


def test_unallocated_and_unassigned_rows_are_shown(city: User) -> None:
    """The remainder the source does not allocate (5307 / 3714) and the 30 and 2113 carry-over
    households of no named unit are rows of their own."""
    html = as_client(city).get(reverse("reporting:overview")).content.decode()
    assert html.count("未分解到区县的目标") == 1 and html.count("未列明区县的续建目标") == 2
    for figure in ("5307", "3714", "30", "2113"):
        assert f">{figure}<" in html


def test_charts_and_their_tables_are_on_the_page(city: User) -> None:
    """The overview holds three SVG charts, each with its numbers in a table one click away."""
    ProjectFactory(households=120, started_on=date(2022, 3, 8))
    html = (
        as_client(city).get(reverse("reporting:overview"), {"as_of": "2022-03-31"}).content.decode()
    )
    assert html.count("<svg xmlns=") == 3  # the charts (the navigation bar's bell is an svg too)
    assert html.count('class="table table-sm mb-0 chart-data"') == 3
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert re.search(r'<td>2022年3月31日</td>\s*<td class="text-end">120</td>', html)


def test_many_units_are_paged_with_the_city_on_every_page(
    city: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past a page of units the overview pages them: each page holds the city row, its own units in
    order in the milestone table, the paperwork table and the share chart, and a pager that keeps
    the date; every unit appears on exactly one page, in as many queries on each page (each built
    after a write, not read from the cache)."""
    monkeypatch.setattr("reporting.overview_page.OVERVIEW_UNITS_PER_PAGE", 4)
    names = list(Unit.objects.values_list("name", flat=True))
    assert len(names) == 11
    client = as_client(city)
    seen: list[str] = []
    counts = []
    for number in (1, 2, 3):
        data_changed()  # as a write service does (the factories write around them)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(
                reverse("reporting:overview"), {"as_of": "2022-06-30", "page": number}
            )
        counts.append(len(queries))
        html = response.content.decode()
        units = [label for label in screen_rows(html) if label != "city"]
        assert next(iter(screen_rows(html))) == "city"
        assert len(units) == (4 if number < 3 else 3)
        assert re.findall(r'data-paperwork-unit="([^"]+)"', html) == units
        share_table = re.findall(r'<tr><td>([^<]+)</td><td class="text-end">', html)
        assert [label for label in share_table if label in names] == units
        assert f"第 {number} / 3 页" in html
        if number < 3:
            assert f"?as_of=2022-06-30&amp;page={number + 1}" in html
        seen += units
    assert seen == names
    assert len(set(counts)) == 1


def test_one_page_of_units_has_no_pager(city: User) -> None:
    html = as_client(city).get(reverse("reporting:overview")).content.decode()
    assert 'id="overview-pager"' not in html
    assert len(screen_rows(html)) == 12


# --- who sees what ------------------------------------------------------------------------------


@pytest.fixture
def clerk(programme: None) -> User:
    return UserFactory(role=Role.CLERK, unit=Unit.objects.get(name="驿城区"))


def test_units_do_not_see_the_overview_unless_allowed(clerk: User, settings: Any) -> None:
    """Clerks get 403 on the city overview by default; allowed in settings, they see the counts with
    no links to other units' pages."""
    client = as_client(clerk)
    assert client.get(reverse("reporting:overview")).status_code == 403
    settings.CITY_OVERVIEW_FOR_UNITS = True
    html = client.get(reverse("reporting:overview")).content.decode()
    assert "西平县" in html
    xiping = Unit.objects.get(name="西平县")
    assert reverse("reporting:unit", args=[xiping.pk]) not in html


def test_unit_pages_of_other_units_are_not_found(clerk: User) -> None:
    """A clerk opens their own unit's dashboard but gets 404 for another unit's."""
    client = as_client(clerk)
    own, other = Unit.objects.get(name="驿城区"), Unit.objects.get(name="西平县")
    assert client.get(reverse("reporting:unit", args=[own.pk])).status_code == 200
    assert client.get(reverse("reporting:unit", args=[other.pk])).status_code == 404


def test_city_reads_a_projects_drill_down(city: User) -> None:
    """From a unit page the city office opens a project's page (criteria, history) read-only."""
    project = ProjectFactory(kind=ProjectKind.NEW)
    client = as_client(city)
    page = client.get(reverse("project_detail", args=[project.pk])).content.decode()
    assert project.name in page and reverse("project_edit", args=[project.pk]) not in page
    assert client.get(reverse("project_history", args=[project.pk])).status_code == 200
    assert client.get(reverse("project_edit", args=[project.pk])).status_code == 403
    assert Project.objects.count() == 1
