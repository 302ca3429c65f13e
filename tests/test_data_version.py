"""The data version (projects.data_version): raised when a write commits, not before and not when it
is rolled back; pages cached under it are keyed by it."""

import pytest
from django.core.cache import cache
from django.db import transaction

from projects.data_version import cached, data_changed, data_version

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.data_version_on_commit]


class Refused(Exception):
    pass


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


def test_a_rolled_back_write_raises_nothing() -> None:
    """A service that fails inside its transaction leaves the version, so the cache stays valid."""
    with pytest.raises(Refused), transaction.atomic():
        data_changed()
        raise Refused
    assert data_version() == 0


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
