"""Root pytest configuration: the 2022 fixtures are available to every database test."""

from collections.abc import Iterator

import pytest
from django.core.management import call_command

from projects.management.commands.load_programme import FIXTURES


@pytest.fixture
def programme(db: None) -> None:
    """The units, the 2022 plan year with its milestones, and the annex targets, as loaddata loads them."""
    call_command("loaddata", *FIXTURES, verbosity=0)


@pytest.fixture
def plan_year(programme: None):  # type: ignore[no-untyped-def]
    from projects.models import PlanYear

    return PlanYear.objects.get(year=2022)


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    """Every test starts with an empty cache: the data version (projects.data_version) is a database
    row, rolled back with each test, so a page an earlier test cached could be read again under the
    same version."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def data_version_at_once(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A test's transaction never commits, so the data version a write service raises on commit
    (projects.data_version.data_changed) is raised at once instead: inside the service's
    transaction, undone with it if it fails, as a refused write raises nothing in production.
    Tests of the commit itself opt out with ``@pytest.mark.data_version_on_commit``."""
    if request.node.get_closest_marker("data_version_on_commit"):
        return
    from types import SimpleNamespace

    monkeypatch.setattr(
        "projects.data_version.transaction", SimpleNamespace(on_commit=lambda bump: bump())
    )


@pytest.fixture(autouse=True)
def default_language() -> Iterator[None]:
    """Every test starts in the portal's language (zh-hans): a request sent with Accept-Language: en
    leaves English active in its thread, which would otherwise change the messages of later tests."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
