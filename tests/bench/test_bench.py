"""The benchmark harness (bench/) on its smallest programme: generation, the floors it compares with
and one pass of each measurement. No time is asserted, only that the harness measures the same
work as the portal does."""

import io
from dataclasses import replace
from pathlib import Path

import pytest
from django.test import Client
from openpyxl import load_workbook

from bench import figures, floors, generate
from bench.htmlforms import form_with
from bench.scales import TINY
from projects import services
from projects.models import Household, PlanYear, Project, Unit, User
from reporting.exports.workbooks import city_monthly_workbook

pytestmark = pytest.mark.django_db
SEED = 7


@pytest.fixture
def programme() -> generate.Generation:
    return generate.programme_ensure(scale=TINY, seed=SEED, migrate=False, log=lambda _: None)


@pytest.fixture
def ctx(programme: generate.Generation, tmp_path: Path) -> figures.Context:
    return figures.Context(
        scale=TINY,
        plan_year=PlanYear.objects.get(year=2022),
        repeat=1,
        heavy_repeat=1,
        seed=SEED,
        files=tmp_path,
        warmup=0,
        memory=False,
        log=lambda _: None,
    )


def test_generation_has_the_scale_and_the_start_rule(programme: generate.Generation) -> None:
    """The tiny programme has its units, projects and households, its stored start dates are the
    start rule's (the refresh service finds nothing to change), and a second run reuses it."""
    assert (programme.units, programme.projects, programme.households) == (11, 24, 1_200)
    assert Project.objects.count() == 24
    assert Household.objects.count() == 1_200
    assert Project.objects.filter(started_on__isnull=False).exists()
    ids = list(Project.objects.values_list("id", flat=True))
    assert services.projects_refresh_start(project_ids=ids) == 0
    again = generate.programme_ensure(scale=TINY, seed=SEED, migrate=False, log=lambda _: None)
    assert again.reused and again.projects == 24


def test_generation_refuses_a_database_with_other_data(programme: generate.Generation) -> None:
    """A database holding another programme is never generated into a second time."""
    with pytest.raises(generate.DatabaseRefused):
        generate.programme_ensure(scale=TINY, seed=SEED + 1, migrate=False, log=lambda _: None)


def test_overview_floor_returns_the_portals_figures(ctx: figures.Context) -> None:
    """The floor statement returns the figures and targets the milestone table is built from, and
    the overview figures are measured with their query counts."""
    assert figures.floor_agrees(plan_year=ctx.plan_year, as_of=figures.AS_OF)
    rows, info = figures.overview(ctx)
    assert rows[0].figure.startswith("city overview page")
    assert all(r.floor is not None and r.ratio is not None for r in rows)
    assert info["queries"]["floor"] == 1
    assert info["floor_agrees"]


def _values(data: bytes) -> dict[str, list[tuple[object, ...]]]:
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    sheets = {
        ws.title: [
            tuple(v for v in row if v is not None)
            for row in ws.iter_rows(values_only=True)
            if any(v is not None for v in row)
        ]
        for ws in workbook.worksheets
    }
    workbook.close()
    return sheets


def test_workbook_floor_writes_the_same_cells(ctx: figures.Context) -> None:
    """The plain write-only floor holds the very values of the portal's formatted workbook, sheet by
    sheet; January lists every 2022 project as not started."""
    data = figures._city_monthly(ctx.plan_year)
    assert len(data.not_started) == Project.objects.filter(kind="new").count()
    floor = io.BytesIO()
    floors.city_monthly_floor(data, floor)
    assert _values(city_monthly_workbook(data)) == _values(floor.getvalue())
    openpyxl_floor = io.BytesIO()
    floors.city_monthly_openpyxl_floor(data, openpyxl_floor)
    assert _values(openpyxl_floor.getvalue()) == _values(floor.getvalue())
    rows, info = figures.workbook(ctx)
    assert [r.goal for r in rows] == ["ratio", "", "", "ratio"]
    assert all(r.floor is not None for r in rows)
    assert info["rows"] == len(data.not_started)


def test_workbook_read_floor_reads_the_rows_the_build_compiles(ctx: figures.Context) -> None:
    """The download's floor reads, in two statements, every unit and the very projects the city's
    not-started sheet lists (January: every new project), in the same order."""
    data = figures._city_monthly(ctx.plan_year)
    assert figures.workbook_floor_agrees(plan_year=ctx.plan_year, data=data)
    rows = floors.city_monthly_read_floor(plan_year_id=ctx.plan_year.id)
    listed = floors.valid_not_started(rows, month=figures.WORKBOOK_MONTH)
    assert len(listed) == Project.objects.filter(kind="new").count() > 0
    assert not figures.workbook_floor_agrees(
        plan_year=ctx.plan_year, data=replace(data, not_started=data.not_started[1:])
    )


def test_imports_are_measured_against_their_floors(ctx: figures.Context) -> None:
    """Both import files are accepted by the portal's services, by their floors and (projects) by
    django-import-export's row-by-row import; every write is rolled back."""
    projects_before = Project.objects.count()
    rows, info = figures.project_import(ctx)
    assert [r.goal for r in rows] == ["ratio", "faster"]
    assert info["rows"] == TINY.import_projects
    rows, info = figures.household_import(ctx)
    assert info["rows"] == TINY.import_households
    assert Project.objects.count() == projects_before


def test_load_test_form_posts_back(programme: generate.Generation) -> None:
    """The load test's clerk reads the project form as a browser would and posting it back saves
    the project (the optimistic lock's version included)."""
    project_id = generate.clerk_projects(count=1)[0]
    client = Client()
    client.force_login(User.objects.get(username=f"{generate.CLERK_PREFIX}01"))
    url = f"/projects/{project_id}/edit/"
    fields = form_with(client.get(url).content.decode(), "version")
    assert ("version", "1") in fields
    response = client.post(url, data=figures._query(fields))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Project.objects.get(id=project_id).version == 2


def test_clerk_pages_are_measured(ctx: figures.Context) -> None:
    """The load test's pages and the city office's list are timed through the whole stack, the save
    rolled back each time."""
    rows, info = figures.pages(ctx)
    assert [r.note.endswith("queries") for r in rows] == [True, True, True, True]
    assert "city office" in rows[1].figure
    assert Project.objects.get(id=info["project_id"]).version == 1


def test_extra_unit_names_do_not_clash_with_the_fixture() -> None:
    """Generated units are named apart from the city's eleven."""
    assert generate.extra_unit_name(12) == "模拟区县0012"
    assert not Unit.objects.filter(name__startswith="模拟区县").exists()
