"""One structured log line per request, on the "zmd.request" logger."""

import logging
import time
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.functional import empty

from .client_address import client_address

logger = logging.getLogger("zmd.request")

HEALTH_URL_NAME = "healthz"


def _resolved_user(request: HttpRequest) -> Any:
    """The request's user if the request has already looked it up, else None.

    Looking it up here would cost a session and a user query on requests that never needed them
    (and would fail while the database is down, e.g. for the health check); every page behind a
    login has looked it up by the time the response comes back.
    """
    user = getattr(request, "user", None)
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    return user


def _user_fields(request: HttpRequest) -> dict[str, Any]:
    try:
        user = _resolved_user(request)
        if user is None or not user.is_authenticated:
            return {"user_id": None, "role": None, "unit_id": None}
        return {
            "user_id": user.pk,
            "role": getattr(user, "role", None),
            "unit_id": getattr(user, "unit_id", None),
        }
    except Exception:  # the log line must never turn a response into an error
        return {"user_id": None, "role": None, "unit_id": None}


class RequestLogMiddleware:
    """Logs method, path (never the query string: searches may hold residents' names), status,
    duration, the user's id, role and unit, and the client's address (behind the proxy, the one
    it saw). Never parameters, form data, cookies or anything else a resident could be identified
    by."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        try:
            response = self.get_response(request)
        except BaseException:
            self._log(request, 500, started)
            raise
        self._log(request, response.status_code, started)
        return response

    def _log(self, request: HttpRequest, status: int, started: float) -> None:
        fields: dict[str, Any] = {
            "method": request.method,
            "path": request.path,
            "status": status,
            "duration_ms": int((time.perf_counter() - started) * 1000),
            **_user_fields(request),
            "remote_addr": client_address(request),
        }
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name == HEALTH_URL_NAME:
            fields["health"] = True
        logger.info("request", extra=fields)
