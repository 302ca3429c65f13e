"""Template context shared by every page."""

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from . import notifications, permissions, view_helpers
from .models import User


def notifications_unread(request: HttpRequest) -> dict[str, Any]:
    """The signed-in user's unread notification count for the navigation bar: read lazily, at most
    once per page, and only when the page shows it (one query)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: notifications.unread_count(user=user))}


def portal_permissions(request: HttpRequest) -> dict[str, Any]:
    """What the signed-in user may do, as flags from the permission door (``perms_portal.is_city``,
    ``perms_portal.may_write`` …), so templates never compare role strings."""
    user = getattr(request, "user", None)
    if not isinstance(user, User):
        return {}
    return {"perms_portal": permissions.portal_flags(user)}


def plan_year_selector(request: HttpRequest) -> dict[str, Any]:
    """The navigation bar's year selector (view_helpers.year_selector): the years the signed-in
    user may see, read once per page and shared with the page's own plan year."""
    user = getattr(request, "user", None)
    if not isinstance(user, User):
        return {}
    return {"year_selector": SimpleLazyObject(lambda: view_helpers.year_selector(request))}
