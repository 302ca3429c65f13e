"""The client's address as the portal's trusted reverse proxies saw it: the one key the login
throttle (django-axes) and the request log use, so a client behind the proxy is never mistaken for
the proxy itself."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str | None:
    """The address the nearest of ``TRUSTED_PROXY_COUNT`` proxies wrote into X-Forwarded-For.

    The documented nginx replaces the header with the one address it saw (``$remote_addr``); a
    proxy that appends (``$proxy_add_x_forwarded_for``) puts it right-most. Either way the client's
    address is the entry ``TRUSTED_PROXY_COUNT`` places from the right: entries further left were
    written by the client and are never trusted. Without trusted proxies, or without that entry
    (a probe on the local host straight to gunicorn), the connection's own address.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0))
    if proxies <= 0:
        return remote
    entries = [e for e in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if e.strip()]
    if len(entries) < proxies:
        return remote
    return _address(entries[-proxies]) or remote
