"""Two people editing one project in real browsers (issue 13, part 6): after the conflict, saving
again keeps the other person's change; where both changed the same field the form asks whose value
to keep."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from projects.choices import Role
from projects.models import Project, Unit
from tests.browser import skip_module_without_browser
from tests.factories import ProjectFactory, UserFactory

if TYPE_CHECKING:
    from pytest_django.live_server_helper import LiveServer

    from .conftest import Visitor

skip_module_without_browser()


def press_save(v: Visitor) -> None:
    with v.page.expect_navigation():
        v.page.get_by_role("button", name="保存").click()


def test_saving_again_merges_and_asks_about_the_same_field(
    live_server: LiveServer,
    transactional_db: None,
    programme: None,
    open_browser: Callable[[str], Visitor],
) -> None:
    """The leader saves a new address and 4 buildings while the clerk types 7 buildings and a
    contractor: the clerk is told, asked about 楼栋数 only, keeps the leader's 4, and the saved project
    has the leader's address and count and the clerk's contractor."""
    unit = Unit.objects.get(name="驿城区")
    UserFactory(username="411702-clerk", unit=unit)
    UserFactory(username="411702-leader", unit=unit, role=Role.LEADER, first_name="驿城区审核人")
    project = ProjectFactory(
        name="幸福里小区", investment=100, fund_central=60, fund_county=40, buildings=2, address=""
    )
    edit = f"/projects/{project.pk}/edit/"
    clerk, leader = open_browser("conflict-clerk"), open_browser("conflict-leader")
    clerk.login("411702-clerk")
    leader.login("411702-leader")
    clerk.goto(edit)
    leader.goto(edit)

    leader.page.fill("#id_address", "幸福路8号")
    leader.page.fill("#id_buildings", "4")
    leader.submit("保存")

    clerk.page.fill("#id_buildings", "7")
    clerk.page.fill("#id_contractor", "某建设公司")
    press_save(clerk)
    assert "驿城区审核人" in clerk.page.locator("#edit-conflict").inner_text()
    assert clerk.page.input_value("#id_address") == "幸福路8号"  # theirs, merged into the form
    assert clerk.page.input_value("#id_contractor") == "某建设公司"  # mine, kept
    choices = clerk.page.locator("#merge-choices")
    assert choices.locator("tbody tr").count() == 1
    assert "楼栋数" in choices.inner_text()
    clerk.capture("08-edit-conflict-choices")

    press_save(clerk)  # no choice made: asked again, nothing saved
    assert "请逐项选择保留哪个值" in clerk.page.content()
    project.refresh_from_db()
    assert (project.version, project.contractor) == (2, "")

    clerk.page.get_by_label("保留对方的值").check()
    clerk.submit("保存")
    project = Project.objects.get(pk=project.pk)
    assert (project.address, project.buildings, project.contractor, project.version) == (
        "幸福路8号",
        4,
        "某建设公司",
        3,
    )
    assert not clerk.errors and not leader.errors
    assert not clerk.overflowing, clerk.overflowing
