"""The household-count rule under real concurrency: a roster import and the add-household form, each
in its own thread and database connection, never leave more households than the project's count.

Each test stops one writer right after it has counted the project's households (a hook in the
service), starts the other, and lets the first go once the second has either finished or shown it
is waiting. Without the lock on the project row both count 2 of 3 and both write: 4 households.
On PostgreSQL the second writer waits for the project row; on SQLite for the database's write lock
(BEGIN IMMEDIATE): either way it counts after the first has written, and is refused.
"""

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from projects import services
from projects.choices import Opinion
from projects.importing import HOUSEHOLD_HEADERS
from projects.models import Household, PlanYear, Project
from projects.services import household_import, households
from tests.factories import HouseholdFactory, ProjectFactory
from tests.xlsx import household_row, write_xlsx

pytestmark = pytest.mark.django_db(transaction=True)

FORM_DATA = {
    "building": "1",
    "entrance": "1",
    "room": "202",
    "head_name": "赵六",
    "phone": "13900001111",
    "plan_opinion": Opinion.DISAGREE,
    "management_opinion": Opinion.DISAGREE,
    "answered_on": date(2022, 3, 2),
}


@pytest.fixture
def project(programme: None) -> Project:
    """A project of 3 households with 2 recorded: room for exactly one more. Every answer is a
    refusal, so no write moves the consent date (the count is all that is judged)."""
    project = ProjectFactory(name="建设路1号院", households=3)
    for room in ("101", "102"):
        HouseholdFactory(
            project=project,
            room=room,
            plan_opinion=Opinion.DISAGREE,
            management_opinion=Opinion.DISAGREE,
        )
    return project


@pytest.fixture
def roster(tmp_path: Path) -> Path:
    """A roster adding one new dwelling (room 201) to the project."""
    return write_xlsx(
        tmp_path / "roster.xlsx",
        HOUSEHOLD_HEADERS,
        [household_row(房号="201", 改造方案意见="不同意", 物业管理模式意见="不同意")],
    )


@contextmanager
def paused_after(target: Any, name: str) -> Iterator[tuple[threading.Event, threading.Event]]:
    """Patch ``target.name`` so that the thread calling it stops once it returns, until released.
    Yields (reached, release)."""
    reached, release = threading.Event(), threading.Event()
    real = getattr(target, name)

    def pausing(*args: Any, **kwargs: Any) -> Any:
        value = real(*args, **kwargs)
        reached.set()
        assert release.wait(timeout=30)
        return value

    with mock.patch.object(target, name, pausing):
        try:
            yield reached, release
        finally:
            release.set()


def in_thread(work: Callable[[], Any], outcome: list[Any]) -> threading.Thread:
    def run() -> None:
        try:
            outcome.append(work())
        except Exception as error:  # judged by the test
            outcome.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def race(
    first: Callable[[], Any], second: Callable[[], Any], pause: tuple[Any, str]
) -> tuple[Any, Any]:
    """Run ``first`` until it passes ``pause`` (it has counted), then ``second``; let ``first`` go
    once ``second`` has finished or has waited two seconds. Returns both outcomes."""
    first_outcome: list[Any] = []
    second_outcome: list[Any] = []
    with paused_after(*pause) as (reached, release):
        first_thread = in_thread(first, first_outcome)
        assert reached.wait(timeout=30)
        second_thread = in_thread(second, second_outcome)
        second_thread.join(timeout=2)  # without a lock it finishes; with one it waits
        release.set()
        first_thread.join(timeout=30)
        second_thread.join(timeout=30)
    assert not first_thread.is_alive() and not second_thread.is_alive()
    return first_outcome[0], second_outcome[0]


def test_form_waits_for_an_import_that_has_counted(project: Project, roster: Path) -> None:
    """The import has counted 2 of 3 and will add room 201; the form adding room 202 meanwhile
    waits for it, then finds 3 of 3 and is refused: 3 households, never 4."""
    plan_year = PlanYear.objects.get(year=2022)
    imported, added = race(
        lambda: services.households_import(source=roster, plan_year=plan_year),
        lambda: services.household_create(project=project, user=None, data=dict(FORM_DATA)),
        pause=(household_import, "_count_recorded"),
    )
    assert isinstance(imported, services.ImportResult) and imported.ok, imported
    assert imported.created == 1
    assert isinstance(added, ValidationError), added
    assert "户数" in " ".join(added.messages)
    assert Household.objects.filter(project=project).count() == 3


def test_import_waits_for_a_form_that_has_counted(project: Project, roster: Path) -> None:
    """The form has added room 202 (3 of 3) and not yet committed; the import adding room 201
    meanwhile waits for it, then counts 3 recorded and refuses the file: 3 households, never 4."""
    plan_year = PlanYear.objects.get(year=2022)
    added, imported = race(
        lambda: services.household_create(project=project, user=None, data=dict(FORM_DATA)),
        lambda: services.households_import(source=roster, plan_year=plan_year),
        pause=(households, "_touch_project"),
    )
    assert isinstance(added, Household), added
    assert isinstance(imported, services.ImportResult), imported
    assert not imported.ok and imported.created == 0
    assert "户数" in " ".join(str(e) for e in imported.errors)
    assert Household.objects.filter(project=project).count() == 3
