"""The admin's long lists at scale (issue 17): the household list pages along the dwelling index at a
constant number of queries, an unfiltered list of a large table is counted from PostgreSQL's
statistics instead of row by row, and the history pages cost the same whatever their length."""

from typing import Any

import pytest
from django.contrib import admin
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.admin.lists import LargeTablePaginator, estimated_rows
from projects.choices import Role
from projects.models import Household, PlanYear, Project, Unit, User
from tests.factories import HouseholdFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

HOUSEHOLDS = reverse("admin:projects_household_changelist")


def staff(**fields: Any) -> User:
    """A staff user whose password hash is saved (UserFactory skips the post-generation save)."""
    user = UserFactory(**{"is_staff": True, **fields})
    user.save()
    return user


@pytest.fixture
def superuser(programme: None) -> User:
    return staff(role=Role.ADMIN, unit=None, is_superuser=True)


@pytest.fixture
def client_admin(client: Client, superuser: User) -> Client:
    client.force_login(superuser)
    return client


def households(project: Project, count: int, *, first_room: int = 101) -> list[Household]:
    """``count`` households of ``project`` in building 1, entrance 1, rooms from ``first_room`` on."""
    return Household.objects.bulk_create(
        Household(project=project, building="1", entrance="1", room=str(first_room + i),
                  head_name="住户")
        for i in range(count)
    )  # fmt: skip


def query_count(client: Client, url: str, **params: str) -> int:
    """The queries of a GET of ``url``, after a first GET has filled the process's caches (the
    content types the history page looks up)."""
    client.get(url, params)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params).status_code == 200
    return len(ctx)


# --- the household list ---------------------------------------------------------------------------


def test_household_changelist_query_count_is_constant(
    client_admin: Client, plan_year: PlanYear
) -> None:
    """The household list costs the same number of queries with 5 or 50 households on the page, in
    two units' projects, unfiltered and filtered by unit."""
    yicheng = ProjectFactory()
    xiping = ProjectFactory(unit=Unit.objects.get(name="西平县"))
    households(yicheng, 3)
    households(xiping, 2)
    unit = {"project__unit__id__exact": str(xiping.unit_id)}
    few, few_filtered = (
        query_count(client_admin, HOUSEHOLDS),
        query_count(client_admin, HOUSEHOLDS, **unit),
    )
    households(yicheng, 25, first_room=201)
    households(xiping, 20, first_room=201)
    assert query_count(client_admin, HOUSEHOLDS) == few
    assert query_count(client_admin, HOUSEHOLDS, **unit) == few_filtered


def test_household_changelist_pages_in_dwelling_order(
    client_admin: Client, plan_year: PlanYear, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three households a page, the seven households of two projects come page after page, each once,
    grouped by project and in dwelling order, and the list says there are seven."""
    monkeypatch.setattr(admin.site.get_model_admin(Household), "list_per_page", 3)
    second, first = ProjectFactory(), ProjectFactory()  # the list goes by project id, not by name
    households(second, 3, first_room=301)
    households(first, 4, first_room=101)
    expected = [(second.id, f"{301 + i}") for i in range(3)] + [
        (first.id, f"{101 + i}") for i in range(4)
    ]
    listed = []
    for page in (1, 2, 3):
        cl = client_admin.get(HOUSEHOLDS, {"p": str(page)}).context["cl"]
        assert cl.result_count == 7
        listed += [(h.project_id, h.room) for h in cl.result_list]
    assert listed == expected


def test_household_changelist_orders_on_the_dwelling_index(
    client_admin: Client, plan_year: PlanYear, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page is ordered by the columns of the unique dwelling index alone (project id, building,
    entrance, room), so the database reads it off the index instead of joining every household to
    its project and unit and sorting them all; its keys are found without the joins."""
    monkeypatch.setattr(admin.site.get_model_admin(Household), "list_per_page", 2)
    households(ProjectFactory(), 3)
    with CaptureQueriesContext(connection) as ctx:
        client_admin.get(HOUSEHOLDS, {"p": "2"})
    table = Household._meta.db_table
    order = ", ".join(
        f'"{table}"."{c}" ASC' for c in ("project_id", "building", "entrance", "room")
    )
    listed = [q["sql"] for q in ctx.captured_queries if f'FROM "{table}"' in q["sql"]]
    ordered = [sql.split(" ORDER BY ", 1)[1] for sql in listed if " ORDER BY " in sql]
    assert len(ordered) == 2  # the page's keys, then its rows with their projects and units
    assert all(clause.startswith(order) and "projects_project" not in clause for clause in ordered)
    keys = next(sql for sql in listed if " ORDER BY " in sql and "LIMIT" in sql)
    assert "JOIN" not in keys


def test_clerk_still_sees_only_its_units_households_page_by_page(
    client: Client, plan_year: PlanYear, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A clerk of 西平县 pages through its unit's three households only, counted exactly."""
    from django.contrib.auth.models import Permission

    monkeypatch.setattr(admin.site.get_model_admin(Household), "list_per_page", 2)
    households(ProjectFactory(), 4)
    households(ProjectFactory(unit=Unit.objects.get(name="西平县")), 3, first_room=501)
    clerk = staff(unit=Unit.objects.get(name="西平县"))
    clerk.user_permissions.add(*Permission.objects.filter(codename="view_household"))
    client.force_login(clerk)
    rooms = []
    for page in (1, 2):
        cl = client.get(HOUSEHOLDS, {"p": str(page)}).context["cl"]
        assert cl.result_count == 3 and not cl.paginator.estimated
        rooms += [h.room for h in cl.result_list]
    assert rooms == ["501", "502", "503"]


# --- the count of a large table -----------------------------------------------------------------


def test_an_unfiltered_large_table_is_counted_from_the_estimate(
    plan_year: PlanYear, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the statistics saying 400,000 rows, the whole household table is counted as 400,000
    (about, as the list shows), and its 4,000th page of 100 is found; a filtered list is counted
    exactly (2)."""
    households(ProjectFactory(), 2)
    monkeypatch.setattr("projects.admin.lists.estimated_rows", lambda queryset: 400_000)
    whole = LargeTablePaginator(Household.objects.order_by("pk"), 100)
    assert (whole.count, whole.estimated, whole.num_pages) == (400_000, True, 4_000)
    assert list(whole.page(4_000)) == []  # past the real rows: an empty page, not an error
    filtered = LargeTablePaginator(Household.objects.filter(room="101").order_by("pk"), 100)
    monkeypatch.setattr("projects.admin.lists.estimated_rows", lambda queryset: None)
    assert (filtered.count, filtered.estimated) == (1, False)


def test_a_small_table_is_counted_exactly(
    plan_year: PlanYear, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An estimate under the threshold (a few thousand rows) is not trusted: the rows are counted."""
    households(ProjectFactory(), 2)
    monkeypatch.setattr("projects.admin.lists.estimated_rows", lambda queryset: 5)
    paginator = LargeTablePaginator(Household.objects.order_by("pk"), 100)
    assert (paginator.count, paginator.estimated) == (2, False)


def test_the_list_says_about_when_estimated(
    client_admin: Client, plan_year: PlanYear, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The household list shows an estimated total as 约 400000, and no full count link."""
    households(ProjectFactory(), 2)
    monkeypatch.setattr("projects.admin.lists.estimated_rows", lambda queryset: 400_000)
    response = client_admin.get(HOUSEHOLDS)
    assert response.context["cl"].result_count == 400_000
    assert "约 400000" in response.content.decode()
    assert response.context["cl"].full_result_count is None


def test_the_estimate_is_only_for_the_whole_table() -> None:
    """Only the whole, unfiltered table is estimated: on SQLite, or for a filtered or distinct
    queryset, there is no estimate."""
    if connection.vendor != "postgresql":
        assert estimated_rows(Household.objects.all()) is None
    assert estimated_rows(Household.objects.filter(room="101")) is None
    assert estimated_rows(Household.objects.none()) is None
    assert estimated_rows(Household.objects.distinct()) is None


def test_the_estimate_follows_analyze_on_postgresql_and_never_on_sqlite(
    plan_year: PlanYear,
) -> None:
    """On PostgreSQL the estimate is the table's reltuples: after ANALYZE, the 12 rows there are.
    SQLite keeps no such figure: the list counts exactly there (no estimate)."""
    households(ProjectFactory(), 12)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f'ANALYZE "{Household._meta.db_table}"')
        assert estimated_rows(Household.objects.all()) == 12
    else:
        assert estimated_rows(Household.objects.all()) is None


# --- history pages --------------------------------------------------------------------------------


def edit(obj: Any, user: User, times: int, **change: Any) -> None:
    """Save ``obj`` ``times`` times as ``user``, each time with a new value of the field changed."""
    ((field, make),) = change.items()
    for i in range(times):
        setattr(obj, field, make(i))
        obj._history_user = user
        obj.save()


def test_project_history_query_count_is_constant(
    client_admin: Client, superuser: User, plan_year: PlanYear
) -> None:
    """A project's history page costs the same number of queries with 5 or 50 history rows, and it
    names the project (unit and name) and who changed it."""
    project = ProjectFactory(name="朝阳小区")
    clerk = staff(username="clerk_history", unit=project.unit)
    edit(project, clerk, 4, buildings=lambda i: 10 + i)
    url = reverse("admin:projects_project_history", args=[project.id])
    few = query_count(client_admin, url)
    edit(project, superuser, 45, buildings=lambda i: 100 + i)
    assert project.history.count() == 50
    assert query_count(client_admin, url) == few
    html = client_admin.get(url).content.decode()
    assert "驿城区 朝阳小区" in html and "clerk_history" in html


def test_household_history_query_count_is_constant(
    client_admin: Client, superuser: User, plan_year: PlanYear
) -> None:
    """A household's history page costs the same number of queries with 5 or 50 history rows; the
    head of household stays masked in its changes."""
    household = HouseholdFactory(head_name="张三丰")
    edit(household, superuser, 4, room=lambda i: str(900 + i))
    url = reverse("admin:projects_household_history", args=[household.id])
    few = query_count(client_admin, url)
    edit(household, superuser, 45, room=lambda i: str(1900 + i))
    assert query_count(client_admin, url) == few
    assert "张三丰" not in client_admin.get(url).content.decode()


def test_criterion_history_query_count_is_constant(
    client_admin: Client, superuser: User, plan_year: PlanYear
) -> None:
    """A start criterion's history page names its project's unit on every row without a query per
    row: the same number of queries with 5 or 50 rows."""
    from datetime import date, timedelta

    from projects.choices import Criterion
    from projects.models import StartCriterion

    criterion = StartCriterion.objects.create(
        project=ProjectFactory(), criterion=Criterion.DESIGN_POSTED, met_on=date(2022, 1, 1)
    )
    edit(criterion, superuser, 4, met_on=lambda i: date(2022, 2, 1) + timedelta(days=i))
    url = reverse("admin:projects_startcriterion_history", args=[criterion.id])
    few = query_count(client_admin, url)
    edit(criterion, superuser, 45, met_on=lambda i: date(2022, 3, 1) + timedelta(days=i))
    assert query_count(client_admin, url) == few
