"""Two saves of the same project version at the same moment: exactly one is written, the other is
told the project changed (optimistic locking holds under real concurrency, not only in sequence)."""

import threading
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

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
