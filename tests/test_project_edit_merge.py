"""The project edit page after a conflict (issue 13, part 6) and its date check (part 4): saving
again merges instead of overwriting, and asks where both people changed the same field."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from projects.choices import Criterion, Role
from projects.models import Project, StartCriterion, Unit, User
from tests.factories import ProjectFactory, UserFactory
from tests.test_county_pages import html, logged_in, project_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(programme: None) -> tuple[Client, Client]:
    unit = Unit.objects.get(name="驿城区")
    clerk: User = UserFactory(role=Role.CLERK, unit=unit)
    leader: User = UserFactory(role=Role.LEADER, unit=unit, first_name="驿城区审核人")
    return logged_in(clerk), logged_in(leader)


def a_project(client: Client) -> Project:
    """A project saved once through the form with project_post's values (version 2), so that both
    people's forms start from exactly what is stored."""
    project = ProjectFactory(
        name="幸福里小区", investment=100, fund_central=60, fund_county=40, households=10
    )
    client.post(reverse("project_edit", args=[project.pk]), project_post(project))
    project.refresh_from_db()
    assert project.version == 2
    return project


def hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="(\d+)"', page)
    assert match, name
    return match.group(1)


def test_saving_again_keeps_the_other_persons_address(people: tuple[Client, Client]) -> None:
    """The leader saves a new address while the clerk edits the building count: the conflict page
    shows the leader's address in the form, carries version 3 and base version 2, and the clerk's
    second save (even with the old address it first sent) keeps the address and writes 7 buildings."""
    clerk, leader = people
    project = a_project(leader)
    url = reverse("project_edit", args=[project.pk])
    opened = html(clerk.get(url))
    assert hidden(opened, "version") == hidden(opened, "base_version") == "2"
    leader.post(url, project_post(project, address="新地址1号"))
    page = html(clerk.post(url, project_post(project, buildings=7, base_version=2)))
    assert "保存未成功" in page and "merge-choices" not in page
    assert (hidden(page, "version"), hidden(page, "base_version")) == ("3", "2")
    assert 'name="address" value="新地址1号"' in page and 'name="buildings" value="7"' in page
    response = clerk.post(url, project_post(project, buildings=7, version=3, base_version=2))
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.address, project.buildings, project.version) == ("新地址1号", 7, 4)


def test_the_same_field_asks_which_value_to_keep(people: tuple[Client, Client]) -> None:
    """Leader 2 → 4 buildings, clerk 2 → 7: the conflict page offers 保留对方的值 / 使用我的值 for
    楼栋数; saving without a choice writes nothing and asks again; keeping theirs saves 4."""
    clerk, leader = people
    project = a_project(leader)
    url = reverse("project_edit", args=[project.pk])
    leader.post(url, project_post(project, buildings=4))
    page = html(clerk.post(url, project_post(project, buildings=7, base_version=2)))
    choices = re.search(r'id="merge-choices".*?</table>', page, re.S)
    assert choices is not None
    assert "<td>楼栋数</td><td>2</td><td>4</td><td>7</td>" in choices.group(0)
    assert 'name="keep_buildings" value="theirs"' in choices.group(0)
    assert 'name="keep_buildings" value="mine"' in choices.group(0)
    again = project_post(project, buildings=7, version=3, base_version=2)
    page = html(clerk.post(url, again))
    assert "请逐项选择保留哪个值" in page and "merge-choices" in page
    project.refresh_from_db()
    assert (project.buildings, project.version) == (4, 3)
    assert clerk.post(url, {**again, "keep_buildings": "theirs"}).status_code == 302
    project.refresh_from_db()
    assert (project.buildings, project.version) == (4, 4)


def test_the_form_refuses_a_future_completion(people: tuple[Client, Client]) -> None:
    """A 完工日期 of 2031-01-01 is shown beside the field with both dates, and not saved."""
    clerk, leader = people
    project = a_project(leader)
    url = reverse("project_edit", args=[project.pk])
    page = html(clerk.post(url, project_post(project, kind="carryover", completed_on="2031-01-01")))
    today = timezone.localdate()
    assert f"完工日期 2031年1月1日 晚于今天（{today.year}年{today.month}月{today.day}日）" in page
    project.refresh_from_db()
    assert project.completed_on is None and project.version == 2


def test_the_criterion_form_refuses_a_future_date(people: tuple[Client, Client]) -> None:
    """A 违建拆除 date of 2030-04-02 is shown beside the date field with both dates and not stored."""
    clerk, leader = people
    project = a_project(leader)
    url = reverse("criterion_edit", args=[project.pk, Criterion.STRUCTURES_CLEARED])
    page = html(clerk.post(url, {"met_on": "2030-04-02", "note": ""}))
    today = timezone.localdate()
    assert (
        f"违建拆除日期 2030年4月2日 晚于今天（{today.year}年{today.month}月{today.day}日）" in page
    )
    assert not StartCriterion.objects.exists()
