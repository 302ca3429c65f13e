"""Names and dwellings that only look alike are one: a project name ending in a zero-width space is
the same project, and rooms 9901, ９９０１ and 9901 + a zero-width space are one dwelling, on every
path (the project form, the services behind the household form and the admin, both imports)."""

from datetime import date
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from projects import services
from projects.choices import Opinion
from projects.importing import HOUSEHOLD_HEADERS, PROJECT_HEADERS
from projects.models import Household, PlanYear, Project, User
from tests.factories import HouseholdFactory, ProjectFactory
from tests.test_county_pages import clerk, logged_in, project_post, yicheng  # noqa: F401
from tests.xlsx import household_row, project_row, write_xlsx

pytestmark = pytest.mark.django_db

ROOMS = ["9901", "９９０１", "9901\u200b"]


def household_data(room: str) -> dict[str, object]:
    return {
        "building": "1",
        "entrance": "1",
        "room": room,
        "head_name": "\u3000赵六\u200b",
        "phone": "13900001111",
        "plan_opinion": Opinion.DISAGREE,
        "management_opinion": Opinion.DISAGREE,
        "answered_on": date(2022, 3, 2),
    }


def test_project_form_refuses_a_name_that_differs_by_a_zero_width_space(clerk: User) -> None:  # noqa: F811
    """The project form stores 幸福里小区 once: the same name with a zero-width space after it is
    refused as a duplicate, not kept as a second, identical-looking project."""
    client = logged_in(clerk)
    assert client.post(reverse("project_create"), project_post()).status_code in (200, 302)
    response = client.post(reverse("project_create"), project_post(name="幸福里小区\u200b"))
    assert response.status_code == 200
    assert Project.objects.count() == 1
    assert Project.objects.get().name == "幸福里小区"


def test_project_service_stores_the_normal_form(programme: None) -> None:
    """A project saved with full-width spaces and a byte-order mark around its name is stored
    without them (the model's clean, which every writer runs)."""
    project = ProjectFactory.build(name="\u3000建设路1号院\ufeff")
    project.full_clean(exclude=["plan_year", "unit"])
    assert project.name == "建设路1号院"


def test_projects_import_matches_the_project_without_the_invisible_character(
    programme: None, tmp_path: Path
) -> None:
    """Importing 建设路1号院 + U+200B updates the recorded 建设路1号院 instead of adding a project."""
    ProjectFactory(name="建设路1号院", households=10)
    path = write_xlsx(
        tmp_path / "p.xlsx", PROJECT_HEADERS, [project_row(小区名称="建设路1号院\u200b")]
    )
    result = services.projects_import(
        source=path, plan_year=PlanYear.objects.get(year=2022), allow_status_changes=True
    )
    assert result.ok, result.errors
    assert result.created == 0
    assert list(Project.objects.values_list("name", flat=True)) == ["建设路1号院"]


@pytest.mark.parametrize("room", ROOMS[1:])
def test_household_service_refuses_the_same_dwelling_written_otherwise(
    programme: None, room: str
) -> None:
    """With room 9901 recorded, adding ９９０１ or 9901 + U+200B (the form's and the admin's
    service) is refused as the same dwelling."""
    project = ProjectFactory(name="建设路1号院", households=10)
    HouseholdFactory(project=project, room="9901")
    with pytest.raises(ValidationError) as refused:
        services.household_create(project=project, user=None, data=household_data(room))
    assert "已经存在" in " ".join(refused.value.messages)
    assert list(Household.objects.values_list("room", flat=True)) == ["9901"]


def test_household_service_stores_the_normal_form(programme: None) -> None:
    """A household added as ９９０１ with the head's name between an ideographic space and a
    zero-width space is stored as 9901 and 赵六."""
    project = ProjectFactory(name="建设路1号院", households=10)
    household = services.household_create(
        project=project, user=None, data=household_data("９９０１")
    )
    household.refresh_from_db()
    assert (household.room, household.head_name) == ("9901", "赵六")


def test_roster_import_finds_the_three_rooms_one_dwelling(programme: None, tmp_path: Path) -> None:
    """A roster listing 9901, ９９０１ and 9901 + U+200B is refused: rows 3 and 4 are the dwelling
    of row 2; nothing is written."""
    ProjectFactory(name="建设路1号院", households=10)
    rows = [household_row(房号=room) for room in ROOMS]
    path = write_xlsx(tmp_path / "h.xlsx", HOUSEHOLD_HEADERS, rows)
    result = services.households_import(source=path, plan_year=PlanYear.objects.get(year=2022))
    assert [(e.row, e.message) for e in result.errors] == [
        (3, "与第2行是同一住户（楼栋、单元、房号相同）"),
        (4, "与第2行是同一住户（楼栋、单元、房号相同）"),
    ]
    assert not Household.objects.exists()


@pytest.mark.parametrize("room", ROOMS[1:])
def test_roster_import_updates_the_recorded_dwelling(
    programme: None, tmp_path: Path, room: str
) -> None:
    """With 9901 recorded, a roster row for ９９０１ or 9901 + U+200B (its project name with a
    zero-width space too) updates that household rather than adding a second."""
    project = ProjectFactory(name="建设路1号院", households=10)
    HouseholdFactory(project=project, room="9901", head_name="王五")
    path = write_xlsx(
        tmp_path / "h.xlsx",
        HOUSEHOLD_HEADERS,
        [household_row(房号=room, 小区名称="建设路1号院\u200b", 户主姓名="李四")],
    )
    result = services.households_import(
        source=path, plan_year=PlanYear.objects.get(year=2022), allow_status_changes=True
    )
    assert result.ok, result.errors
    assert (result.created, result.updated) == (0, 1)
    assert list(Household.objects.values_list("room", "head_name")) == [("9901", "李四")]
