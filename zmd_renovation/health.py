"""The health endpoint for the load balancer and monitoring: is the database (and a shared cache)
answering? Public, no session, nothing in the body an outsider could use."""

import logging

from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

logger = logging.getLogger("zmd.health")


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        # The details (host, driver message) go to the server's log, never into the response.
        logger.warning("health_database_unavailable", exc_info=True)
        return False
    return True


def _cache_ok() -> bool | None:
    """Whether the shared cache (Redis or the database table) answers; None for a cache in the
    process's own memory, which cannot be unreachable."""
    cache = caches["default"]
    if isinstance(cache, LocMemCache):
        return None
    try:
        cache.get("zmd:healthz")
    except Exception:
        logger.warning("health_cache_unavailable", exc_info=True)
        return False
    return True


@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """200 {"status": "ok", "database": "ok"} while the database answers ``SELECT 1``; 503 with
    "unavailable" for the part that does not. Never cached."""
    body = {"status": "ok", "database": "ok"}
    if not _database_ok():
        body.update(status="error", database="unavailable")
    cache_ok = _cache_ok()
    if cache_ok is not None:
        body["cache"] = "ok" if cache_ok else "unavailable"
        if not cache_ok:
            body["status"] = "error"
    response = JsonResponse(body, status=200 if body["status"] == "ok" else 503)
    patch_cache_control(response, no_store=True)
    return response
