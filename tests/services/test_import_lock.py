"""Two imports of the same roster at once: exactly one writes; the other is told another import is
running (PostgreSQL) or, on SQLite, waits for it and then finds nothing left to change."""

import threading
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from projects.importing import HOUSEHOLD_HEADERS
from projects.models import Household, PlanYear
from projects.services import IMPORT_BUSY, ImportResult, households_import
from tests.factories import ProjectFactory
from tests.services.locks import another_households_import
from tests.xlsx import household_row, write_xlsx

pytestmark = pytest.mark.django_db(transaction=True)


def roster(tmp_path: Path, count: int) -> Path:
    rows = [household_row(**{"房号": str(101 + i)}) for i in range(count)]
    return write_xlsx(tmp_path / "roster.xlsx", HOUSEHOLD_HEADERS, rows)


def test_simultaneous_imports_write_once(programme: None, tmp_path: Path) -> None:
    """Four threads import the same 40-household roster at once: 40 households exist afterwards,
    exactly one import created them, and every other one either was refused as busy or changed
    nothing; none raised."""
    ProjectFactory(name="建设路1号院", households=40)
    path = roster(tmp_path, 40)
    plan_year = PlanYear.objects.get(year=2022)
    barrier = threading.Barrier(4)
    results: list[Any] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(households_import(source=path, plan_year=plan_year))
        except Exception as error:  # reported by the assert below
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(isinstance(r, ImportResult) for r in results), results
    assert sorted(r.created for r in results) == [0, 0, 0, 40]
    for result in results:
        if result.created == 0:
            busy = [e.message for e in result.errors] == [IMPORT_BUSY["households"]]
            assert busy or (result.ok and result.unchanged == 40), result
    assert Household.objects.count() == 40


def test_import_while_another_holds_the_lock(programme: None, tmp_path: Path) -> None:
    """While another import's transaction is open, PostgreSQL refuses at once with the busy message
    and writes nothing; SQLite makes the import wait until the other transaction ends."""
    ProjectFactory(name="建设路1号院", households=5)
    path = roster(tmp_path, 5)
    plan_year = PlanYear.objects.get(year=2022)
    with another_households_import(plan_year) as release:
        result = households_import(source=path, plan_year=plan_year)
        waited = release.is_set()
    if connection.vendor == "postgresql":
        assert [e.message for e in result.errors] == [IMPORT_BUSY["households"]]
        assert not Household.objects.exists()
    else:
        assert waited  # it could only finish once the other transaction ended
        assert result.ok and result.created == 5
