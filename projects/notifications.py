"""Portal notifications (站内通知) and their e-mail copies: the one door through which the report
workflow and the due-day reminders reach people (``notify``), the inbox's reads, and marking read.

A notification is written inside the caller's transaction, so a workflow step that rolls back
leaves no message; the e-mail copy goes out only once that transaction commits. A reminder carries a
dedupe key, unique per recipient in the database, so however often (or however concurrently) the
reminder command runs, each person gets each reminder once.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from .choices import NotificationKind, Role
from .models import Notification, User

logger = logging.getLogger("zmd.notifications")

UNIT_ROLES = (Role.CLERK, Role.LEADER)
TEXT_MAX = Notification._meta.get_field("text").max_length or 300
SUBJECT_PREFIX = "驻马店市城镇老旧小区改造信息平台："


# --- who is told ---------------------------------------------------------------------------------


def unit_people(*, unit_id: int, roles: Iterable[str] = UNIT_ROLES) -> QuerySet[User]:
    """The active users of one unit with one of ``roles`` (default its clerks and leaders)."""
    return User.objects.filter(is_active=True, unit_id=unit_id, role__in=list(roles)).order_by("pk")


def city_office() -> QuerySet[User]:
    """The active users of the city office (市老旧办)."""
    return User.objects.filter(is_active=True, role=Role.CITY).order_by("pk")


# --- writing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Mail:
    address: str
    subject: str
    body: str


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= TEXT_MAX else text[: TEXT_MAX - 1] + "…"


def _mail_for(notification: Notification, address: str) -> _Mail:
    link = notification.link
    if link and settings.PORTAL_URL:
        link = settings.PORTAL_URL.rstrip("/") + link
    body = notification.text + (f"\n\n{link}" if link else "")
    body += "\n\n（本邮件由系统自动发送，请登录平台处理，勿直接回复。）"
    label = NotificationKind(notification.kind).label
    return _Mail(address=address, subject=f"{SUBJECT_PREFIX}{label}", body=body)


def _send(mails: list[_Mail]) -> None:
    """Send the e-mail copies over one connection. A mail server that is down must not break the
    step already committed: the failure is logged (counts only, no addresses) and the in-portal
    notifications stand."""
    try:
        connection = get_connection()
        connection.send_messages(
            [EmailMessage(mail.subject, mail.body, to=[mail.address]) for mail in mails]
        )
    except Exception as error:  # any transport failure, see above
        logger.warning(
            "notification_email_failed",
            extra={"count": len(mails), "error": type(error).__name__},
        )


@transaction.atomic
def notify(
    *,
    recipients: Iterable[User],
    kind: str,
    text: str,
    link: str = "",
    dedupe_key: str = "",
    at: datetime | None = None,
    exclude: User | None = None,
) -> list[Notification]:
    """Write one notification per recipient (each person once; ``exclude``, the person acting, is
    not told of their own step) and, once the transaction commits, e-mail a copy to those with an
    address when e-mail is configured (``NOTIFY_BY_EMAIL``). With a ``dedupe_key`` a recipient who
    already has it gets nothing: the database's unique constraint decides, so two runs at once
    cannot both write it. Returns the notifications written."""
    kind = NotificationKind(kind).value  # an unknown kind is a programming error, not a duplicate
    people = {u.pk: u for u in recipients if exclude is None or u.pk != exclude.pk}
    moment = at or timezone.now()
    rows = [
        Notification(
            recipient=user,
            kind=kind,
            text=_shorten(text),
            link=link,
            dedupe_key=dedupe_key,
            created_at=moment,
        )
        for user in people.values()
    ]
    if not dedupe_key:
        written = Notification.objects.bulk_create(rows)
    else:
        already = set(
            Notification.objects.filter(
                recipient__in=list(people), dedupe_key=dedupe_key
            ).values_list("recipient_id", flat=True)
        )
        written = []
        for row in rows:
            if row.recipient_id in already:
                continue
            try:
                with transaction.atomic():  # a savepoint: a concurrent run's row wins, quietly
                    row.save(force_insert=True)
            except IntegrityError:
                continue
            written.append(row)
    if settings.NOTIFY_BY_EMAIL:
        mails = [
            _mail_for(row, people[row.recipient_id].email)
            for row in written
            if people[row.recipient_id].email
        ]
        if mails:
            transaction.on_commit(lambda: _send(mails))
    return written


# --- the inbox ----------------------------------------------------------------------------------


def notifications_of(*, user: User) -> QuerySet[Notification]:
    """A user's own notifications, newest first; nobody reads anyone else's."""
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def unread_count(*, user: User) -> int:
    """How many of the user's notifications are unread. One query."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_mark_read(*, user: User, notification_id: int) -> Notification:
    """Mark one of the user's own notifications read (another user's is ``DoesNotExist``)."""
    notification = notifications_of(user=user).get(pk=notification_id)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_settle(
    *, link: str, about: str, kinds: Iterable[str], at: datetime | None = None
) -> int:
    """Mark read, for every recipient, the unread notifications of ``kinds`` about one thing (its
    ``link`` and the start of their text, ``about``): they asked for a step that has now been taken,
    so nobody's bell keeps counting them. Returns how many. One query."""
    return Notification.objects.filter(
        read_at__isnull=True, link=link, text__startswith=about, kind__in=list(kinds)
    ).update(read_at=at or timezone.now())


def notifications_mark_past_read(*, after_id: int) -> int:
    """Mark read, as of when each was written, the unread notifications written after ``after_id``:
    a history filed through the workflow with past dates (the demo's) leaves nobody a pile of
    unread notifications about steps long settled. Returns how many. One query."""
    return Notification.objects.filter(pk__gt=after_id, read_at__isnull=True).update(
        read_at=F("created_at")
    )


def notifications_mark_all_read(*, user: User) -> int:
    """Mark every unread notification of the user read; returns how many. One query."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
