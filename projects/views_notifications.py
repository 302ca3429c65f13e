"""The user's own notifications (站内通知): the list, and marking one or all of them read.

Every notification is looked up among the signed-in user's own (``notifications_of``), so another
user's is a 404 whatever id the URL names. Marking read is a POST with the CSRF token.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import notifications
from .models import Notification
from .view_helpers import portal_user

PAGE_SIZE = 25


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    """The user's notifications, newest first, unread ones marked, 25 a page."""
    user = portal_user(request)
    page = Paginator(notifications.notifications_of(user=user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "projects/notification_list.html", {"page": page})


@require_POST
@login_required
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one of the user's notifications read; with ``open`` go on to the page it names."""
    try:
        notification = notifications.notification_mark_read(
            user=portal_user(request), notification_id=pk
        )
    except Notification.DoesNotExist:
        raise Http404 from None
    # The link was written by the portal itself; checked anyway, so it can never lead off-site.
    if request.POST.get("open") and url_has_allowed_host_and_scheme(
        notification.link, allowed_hosts=None
    ):
        return redirect(notification.link or "notifications")
    return redirect("notifications")


@require_POST
@login_required
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    """Mark all of the user's notifications read."""
    count = notifications.notifications_mark_all_read(user=portal_user(request))
    if count:
        messages.success(request, _("已将 %(n)d 条通知标为已读") % {"n": count})
    return redirect("notifications")
