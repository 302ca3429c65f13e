"""The data version (projects.data_version): raised when a write commits, not before and not when it
is rolled back; pages cached under it are keyed by it; every write service raises it."""

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from paperwork.demo import seed_demo_paperwork
from projects import services
from projects.data_version import cached, data_changed, data_version
from reporting.demo import seed_demo_reports


class Refused(Exception):
    pass


@pytest.mark.django_db(transaction=True)
@pytest.mark.data_version_on_commit
def test_the_version_rises_when_the_write_commits() -> None:
    """Inside the writing transaction readers still see the old version (the data is not theirs
    yet); after the commit the new one. Outside a transaction it rises at once."""
    assert data_version() == 0
    with transaction.atomic():
        data_changed()
        assert data_version() == 0
    assert data_version() == 1
    data_changed()
    assert data_version() == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.data_version_on_commit
def test_a_rolled_back_write_raises_nothing() -> None:
    """A service that fails inside its transaction leaves the version, so the cache stays valid."""
    with pytest.raises(Refused), transaction.atomic():
        data_changed()
        raise Refused
    assert data_version() == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.data_version_on_commit
def test_cached_values_are_read_under_the_version() -> None:
    """A value is computed once per version: read back while nothing is written, computed again
    after a write."""
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    assert cached({"thing": compute}) == {"thing": 1}
    assert cached({"thing": compute}) == {"thing": 1}
    data_changed()
    assert cached({"thing": compute}) == {"thing": 2}
    assert len(calls) == 2
    cache.clear()


# Atomic functions that write no data a page is built from: notifications are read per user, live.
NOT_DATA = {"projects/notifications.py:notify"}
APPS = ("projects", "reporting", "paperwork")


def _decorators(node: ast.FunctionDef) -> set[str]:
    return {ast.unparse(d) for d in node.decorator_list}


def atomic_without_version(root: Path) -> list[str]:
    """Every module-level function of the apps decorated ``@transaction.atomic`` (a write) but not
    ``@writes_data``, as "path:function"."""
    found = []
    for app in APPS:
        for path in sorted((root / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in tree.body:
                if isinstance(node, ast.FunctionDef):
                    names = _decorators(node)
                    if "transaction.atomic" in names and "writes_data" not in names:
                        found.append(f"{path.relative_to(root).as_posix()}:{node.name}")
    return sorted(set(found) - NOT_DATA)


def test_every_atomic_write_raises_the_version() -> None:
    """Each write service of projects, reporting and paperwork (each is atomic) raises the data
    version, so no page is served from the cache after it."""
    assert atomic_without_version(Path(settings.BASE_DIR)) == []


def test_the_check_finds_a_write_that_forgets(tmp_path: Path) -> None:
    """A new atomic service without the mark is reported."""
    (tmp_path / "reporting").mkdir()
    (tmp_path / "reporting" / "things.py").write_text(
        "from django.db import transaction\n\n"
        "@transaction.atomic\ndef thing_save():\n    pass\n\n"
        "@writes_data\n@transaction.atomic\ndef thing_delete():\n    pass\n",
        encoding="utf-8",
    )
    assert atomic_without_version(tmp_path) == ["reporting/things.py:thing_save"]


@pytest.mark.parametrize(
    "writer",
    [
        services.households_import,
        services.projects_import,
        services.projects_refresh_start,
        services.unit_target_set,
        seed_demo_reports,
        seed_demo_paperwork,
    ],
)
def test_writers_that_manage_their_own_transactions_raise_it_too(writer: object) -> None:
    """The imports and the start-date refresh commit in steps of their own (not one atomic block),
    and the demo loaders write around the services: each is marked all the same."""
    assert getattr(writer, "writes_data", False)
