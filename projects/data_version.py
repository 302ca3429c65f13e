"""The data version: one counter that every write service raises after its transaction commits, so
a page computed from the programme's data can be kept in Django's cache under the version it was
read at and is never served once anything changed.

The counter is a database row (``DataVersion``), so every worker process and server reads the same
version whatever the cache (Redis, the database table, or each process's memory in tests). A reader
reads the version *before* the data: a write committed in between is then at most in a page stored
under the older version, never missing from a page stored under the newer one.
"""

import functools
import logging
import pickle
import zlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ParamSpec, TypeVar

from django.core.cache import cache
from django.db import transaction
from django.db.models import F

from .models import DataVersion

logger = logging.getLogger("zmd.cache")

ROW = 1
# Raised whenever what ``cached`` stores changes shape (1: values pickled and compressed), so an
# entry stored in the previous shape is never read as this one.
FORMAT = 1
# How long a cached page is kept (a day): entries of older versions are never read again and age out.
CACHE_SECONDS = 24 * 3600


def data_version() -> int:
    """The current version: 0 before the first write. One query."""
    return next(iter(DataVersion.objects.filter(pk=ROW).values_list("counter", flat=True)), 0)


def _bump() -> None:
    if not DataVersion.objects.filter(pk=ROW).update(counter=F("counter") + 1):
        DataVersion.objects.get_or_create(pk=ROW, defaults={"counter": 1})


def data_changed() -> None:
    """Raise the version once the current transaction commits (at once outside a transaction); a
    rolled-back write raises nothing. Called once by every write service (a service calling another
    raises it twice: one more small UPDATE after the commit)."""
    transaction.on_commit(_bump)


_P = ParamSpec("_P")
_R = TypeVar("_R")


def writes_data(service: Callable[_P, _R]) -> Callable[_P, _R]:
    """Marks a write service: once it returns, the data version rises when its writes commit (at
    once when they already have). Placed above ``@transaction.atomic``; a service that raises
    raises nothing (its transaction rolled back). tests/test_data_version.py checks that every
    atomic function of the apps carries it."""

    @functools.wraps(service)
    def write(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        result = service(*args, **kwargs)
        data_changed()
        return result

    write.writes_data = True  # type: ignore[attr-defined]
    return write


def _packed(value: Any) -> bytes:
    """A value as it is kept: pickled and compressed (a page's tables are mostly repeated markup,
    591 KiB of it at province shrinking about tenfold, so storing and reading cost little)."""
    return zlib.compress(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), 1)


def _unpacked(data: Any) -> Any:
    return pickle.loads(zlib.decompress(data))  # noqa: S301 (written by _packed, as the cache's own)


def cached(
    computes: Mapping[str, Callable[[], Any]], *, seconds: int = CACHE_SECONDS
) -> dict[str, Any]:
    """Each of ``computes`` (name → how to compute it) read from the cache under its name and the
    current data version, the missing ones computed and stored (compressed): one version query and
    one cache read whatever their number. A cache that does not answer is logged and skipped (the
    page is computed as if nothing were cached), never an error page."""
    version = data_version()
    keys = {name: f"zmd:v{version}:{FORMAT}:{name}" for name in computes}
    found = cache_read(keys.values())
    result: dict[str, Any] = {}
    missing: dict[str, Any] = {}
    for name, key in keys.items():
        if key in found:
            result[name] = _unpacked(found[key])
        else:
            result[name] = computes[name]()
            missing[key] = _packed(result[name])
    cache_store(missing, seconds)
    return result


def cache_read(keys: Iterable[str]) -> dict[str, Any]:
    """``cache.get_many``, with a cache that does not answer logged and read as empty."""
    try:
        return cache.get_many(keys)
    except Exception:
        logger.warning("cache_unavailable", exc_info=True)
        return {}


def cache_store(values: dict[str, Any], seconds: int) -> None:
    """``cache.set_many`` (nothing when there is nothing to store), with a cache that does not
    answer logged and skipped."""
    if not values:
        return
    try:
        cache.set_many(values, seconds)
    except Exception:
        logger.warning("cache_unavailable", exc_info=True)
