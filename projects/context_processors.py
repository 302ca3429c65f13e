"""Template context shared by every page."""

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from . import notifications


def notifications_unread(request: HttpRequest) -> dict[str, Any]:
    """The signed-in user's unread notification count for the navigation bar: read lazily, at most
    once per page, and only when the page shows it (one query)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: notifications.unread_count(user=user))}
