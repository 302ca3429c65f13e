"""The city office's rollover page (/city/plan-years/2023/rollover/): the preview per unit with the
hand-worked figures of tests/rollover.py, the confirmation, who may see and confirm it, and a fixed
number of queries whatever the number of projects."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.choices import ProjectKind, Role
from projects.models import Project, Unit
from tests.factories import ProjectFactory, UserFactory
from tests.rollover import RolloverWorld, rollover_world

pytestmark = pytest.mark.django_db

URL = reverse("reporting:plan_year_rollover", kwargs={"year": 2023})


@pytest.fixture
def world(programme: None) -> RolloverWorld:
    return rollover_world()


def client_as(role: str, unit: str | None = None) -> Client:
    client = Client()
    client.force_login(UserFactory(role=role, unit=Unit.objects.get(name=unit) if unit else None))
    return client


def cell(page: str, unit: str, column: str) -> str:
    """The text of ``column`` in ``unit``'s row of the units table."""
    row = re.search(rf'<tr data-unit="{unit}">(.*?)</tr>', page, re.S)
    assert row, unit
    value = re.search(rf'data-col="{column}">([^<]*)<', row.group(1))
    assert value, (unit, column)
    return value.group(1).strip()


def test_preview_shows_each_units_projects_households_and_targets(world: RolloverWorld) -> None:
    """驿城区: 4 projects, 210 households, target — now, 210 proposed; 西平县 2, 95, 500 → 95; 遂平县
    nothing, — → 0; the city 500 → 305; the four 驿城区 projects listed, 年内完工小区 not."""
    page = client_as(Role.CITY).get(URL).content.decode()
    assert (cell(page, "驿城区", "projects"), cell(page, "驿城区", "households")) == ("4", "210")
    assert (cell(page, "驿城区", "carryover-now"), cell(page, "驿城区", "carryover-proposed")) == (
        "—",
        "210",
    )
    assert (cell(page, "西平县", "carryover-now"), cell(page, "西平县", "carryover-proposed")) == (
        "500",
        "95",
    )
    assert (cell(page, "遂平县", "households"), cell(page, "遂平县", "carryover-proposed")) == (
        "0",
        "0",
    )
    assert re.search(r'data-col="city-now">500<', page)
    assert re.search(r'data-col="city-proposed">305<', page)
    listed = set(re.findall(r'<tr data-project="([^"]+)">', page))
    assert listed == {"跨年完工小区", "未完工小区", "未开工小区", "续建未完工小区"} | {
        "西平未开工小区",
        "西平续建跨年小区",
    }
    assert 'id="rollover-confirm"' in page
    assert '<input type="hidden" name="projects" value="6">' in page


def test_confirming_rolls_the_year_over_once(world: RolloverWorld) -> None:
    """The confirmed preview carries the six projects on and says so; the page then lists nothing
    more to carry on, 6 carried on before, and offers no second confirmation."""
    client = client_as(Role.CITY)
    response = client.post(URL, {"projects": "6", "checked": "1"}, follow=True)
    page = response.content.decode()
    assert "已将2022年度 6 个未完工项目（305 户）转入2023年度续建" in page
    assert Project.objects.filter(plan_year=world.y2023, kind=ProjectKind.CARRYOVER).count() == 6
    assert 'id="nothing-to-roll"' in page and 'id="rollover-confirm"' not in page
    assert re.search(r'data-summary="rolled-before">6 个<', page)
    assert cell(page, "驿城区", "carryover-now") == "210"


def test_an_unchecked_confirmation_writes_nothing(world: RolloverWorld) -> None:
    page = client_as(Role.CITY).post(URL, {"projects": "6"}).content.decode()
    assert "请勾选确认已核对待转入项目" in page
    assert not Project.objects.filter(plan_year=world.y2023).exists()


def test_administrators_read_the_preview_but_do_not_confirm(world: RolloverWorld) -> None:
    """Administrators see the preview without the confirmation and are refused a POST; a unit's
    clerk or leader gets neither."""
    admin = client_as(Role.ADMIN)
    page = admin.get(URL).content.decode()
    assert 'id="rollover-units"' in page and 'id="rollover-confirm"' not in page
    assert admin.post(URL, {"projects": "6", "checked": "1"}).status_code == 403
    for role in (Role.CLERK, Role.LEADER):
        assert client_as(role, "驿城区").get(URL).status_code == 403
    assert not Project.objects.filter(plan_year=world.y2023).exists()


def test_a_year_without_a_previous_one_and_an_unknown_year(programme: None) -> None:
    """2022 has no 2021 to carry on from: said on the page; 2031 has no plan: 404."""
    city = client_as(Role.CITY)
    page = city.get(reverse("reporting:plan_year_rollover", kwargs={"year": 2022}))
    assert 'id="no-source"' in page.content.decode() and "没有2021年度计划" in page.content.decode()
    assert (
        city.get(reverse("reporting:plan_year_rollover", kwargs={"year": 2031})).status_code == 404
    )


def test_an_open_year_is_previewed_with_the_reason_and_no_confirmation(
    world: RolloverWorld,
) -> None:
    world.y2023.state = "open"
    world.y2023.save(update_fields=["state"])
    page = client_as(Role.CITY).get(URL).content.decode()
    assert "2023年度计划已开启，续建项目须在开启前转入" in page
    assert 'id="rollover-confirm"' not in page


def test_preview_queries_do_not_grow_with_the_projects(world: RolloverWorld) -> None:
    """Six projects to carry on, or 36 over four units (some held back by a name already taken in
    2023): the same number of queries."""
    city = client_as(Role.CITY)
    with CaptureQueriesContext(connection) as few:
        assert city.get(URL).status_code == 200
    units = list(Unit.objects.filter(name__in=["驿城区", "西平县", "上蔡县", "汝南县"]))
    for i in range(30):
        ProjectFactory(unit=units[i % 4], name=f"追加小区{i}", households=10 + i)
    for i in range(3):
        ProjectFactory(plan_year=world.y2023, unit=units[i % 4], name=f"追加小区{i}")
    with CaptureQueriesContext(connection) as many:
        page = city.get(URL).content.decode()
    assert 'data-held-back="追加小区0"' in page
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_target_page_of_a_draft_year_leads_to_the_rollover(world: RolloverWorld) -> None:
    """While 2023 is the latest year and a draft, its target page links to its rollover."""
    page = client_as(Role.CITY).get(reverse("reporting:targets")).content.decode()
    assert 'id="rollover-link"' in page and URL in page
