"""Two saves of the same project version at the same moment: exactly one is written, the other is
told the project changed (optimistic locking holds under real concurrency, not only in sequence)."""

import threading
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.utils import translation

from projects import services
from projects.choices import Role
from projects.models import Unit
from tests.factories import ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_simultaneous_saves_one_wins_one_is_refused(programme: None) -> None:
    """Eight threads save version 1 at once with different building counts: one succeeds, seven
    get StaleEdit, the version is 2 and the stored count is the winner's."""
    unit = Unit.objects.get(name="驿城区")
    clerk = UserFactory(role=Role.CLERK, unit=unit)
    project = ProjectFactory(investment=Decimal(0))
    data = {name: getattr(project, name) for name in services.PROJECT_EDITABLE_FIELDS}
    barrier = threading.Barrier(8)
    outcomes: list[Any] = []
    lock = threading.Lock()

    def save(buildings: int) -> None:
        try:
            barrier.wait()
            services.project_update(
                project_id=project.pk,
                expected_version=1,
                user=clerk,
                data={**data, "buildings": buildings},
            )
            result: Any = buildings
        except services.StaleEdit as stale:
            result = stale
        except Exception as error:  # any other failure is reported by the assert below
            result = error
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=save, args=(10 + i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [o for o in outcomes if isinstance(o, int)]
    stale = [o for o in outcomes if isinstance(o, services.StaleEdit)]
    assert len(winners) == 1 and len(stale) == 7, outcomes
    project.refresh_from_db()
    assert project.version == 2 and project.buildings == winners[0]
    assert all(s.conflict.version == 2 for s in stale)


# --- merging after a conflict (issue 13, part 6) -----------------------------------------------------


def editable(project: Any, **changes: Any) -> dict[str, Any]:
    """The project's editable fields as a form opened now would send them, with ``changes``."""
    return {**{n: getattr(project, n) for n in services.PROJECT_EDITABLE_FIELDS}, **changes}


@pytest.fixture
def two_people(programme: None) -> tuple[Any, Any]:
    unit = Unit.objects.get(name="驿城区")
    return UserFactory(role=Role.CLERK, unit=unit), UserFactory(role=Role.LEADER, unit=unit)


def test_saving_again_after_a_conflict_keeps_the_other_persons_unrelated_change(
    two_people: tuple[Any, Any],
) -> None:
    """Both open version 1; the leader changes the address, the clerk the building count. The clerk's
    first save is refused; saving the same form again writes 5 buildings and keeps the leader's
    address (the clerk's form still holds the old, empty address)."""
    clerk, leader = two_people
    project = ProjectFactory(investment=Decimal(0), buildings=2, address="")
    opened = editable(project)
    services.project_update(
        project_id=project.pk,
        expected_version=1,
        user=leader,
        data={**opened, "address": "幸福路8号"},
    )
    mine = {**opened, "buildings": 5}
    with pytest.raises(services.StaleEdit) as stale:
        services.project_update(project_id=project.pk, expected_version=1, user=clerk, data=mine)
    saved = services.project_update(
        project_id=project.pk,
        expected_version=stale.value.conflict.version,
        base_version=1,
        user=clerk,
        data=mine,
    )
    assert (saved.buildings, saved.address, saved.version) == (5, "幸福路8号", 3)


@pytest.mark.parametrize(("keep", "buildings"), [("theirs", 4), ("mine", 5)])
def test_a_field_both_changed_asks_and_honours_the_choice(
    two_people: tuple[Any, Any], keep: str, buildings: int
) -> None:
    """Leader 2 → 4 buildings, clerk 2 → 5 and a new address: saving again without a choice is
    refused naming 楼栋数 (opened 2, theirs 4, mine 5) and writes nothing; with the choice it keeps
    the chosen count and the clerk's address either way."""
    clerk, leader = two_people
    project = ProjectFactory(investment=Decimal(0), buildings=2, address="")
    opened = editable(project)
    services.project_update(
        project_id=project.pk, expected_version=1, user=leader, data={**opened, "buildings": 4}
    )
    mine = {**opened, "buildings": 5, "address": "幸福路9号"}
    again = {"project_id": project.pk, "expected_version": 2, "base_version": 1, "user": clerk}
    with translation.override("zh-hans"), pytest.raises(services.MergeChoiceNeeded) as asked:
        services.project_update(**again, data=mine)
    assert [(c.name, c.label, c.base, c.theirs, c.mine) for c in asked.value.clashes] == [
        ("buildings", "楼栋数", "2", "4", "5")
    ]
    project.refresh_from_db()
    assert (project.version, project.buildings, project.address) == (2, 4, "")
    saved = services.project_update(**again, data=mine, keep={"buildings": keep})
    assert (saved.buildings, saved.address, saved.version) == (buildings, "幸福路9号", 3)


def test_a_third_save_in_between_is_still_refused(two_people: tuple[Any, Any]) -> None:
    """After the clerk's conflict at version 2, another save makes version 3: the clerk's merge save
    from version 2 is refused again; from version 3 it merges both others' changes with the clerk's."""
    clerk, leader = two_people
    project = ProjectFactory(investment=Decimal(0), buildings=2, address="", contractor="")
    opened = editable(project)
    services.project_update(
        project_id=project.pk,
        expected_version=1,
        user=leader,
        data={**opened, "address": "幸福路8号"},
    )
    mine = {**opened, "buildings": 5}
    with pytest.raises(services.StaleEdit):
        services.project_update(project_id=project.pk, expected_version=1, user=clerk, data=mine)
    services.project_update(
        project_id=project.pk,
        expected_version=2,
        user=leader,
        data={**opened, "address": "幸福路8号", "contractor": "某建设公司"},
    )
    merge = {"project_id": project.pk, "base_version": 1, "user": clerk, "data": mine}
    with pytest.raises(services.StaleEdit) as stale:
        services.project_update(expected_version=2, **merge)
    assert stale.value.conflict.version == 3
    saved = services.project_update(expected_version=3, **merge)
    assert (saved.buildings, saved.address, saved.contractor, saved.version) == (
        5,
        "幸福路8号",
        "某建设公司",
        4,
    )
