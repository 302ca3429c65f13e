"""Uploaded rosters waiting for confirmation (导入预览): kept in the media storage under a random
name between the preview and the confirmation, and deleted when confirmed, replaced, cancelled or
expired, for they hold residents' names and phones."""

import math
import re
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

FOLDER = "imports"
TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")
_NAME_RE = re.compile(r"^[0-9a-f]{32}\.xlsx$")


def preview_path(token: str) -> str:
    return f"{FOLDER}/{token}.xlsx"


def preview_save(content: bytes) -> str:
    """Store an uploaded roster until it is confirmed; its token."""
    token = uuid.uuid4().hex
    default_storage.save(preview_path(token), ContentFile(content))
    return token


def preview_delete(token: str | None) -> None:
    """Delete a preview's file if there is one (a token not of ours names nothing)."""
    if token and TOKEN_RE.match(token):
        default_storage.delete(preview_path(token))


def preview_max_age() -> timedelta:
    """How long a preview can still be confirmed: a session's life (the token lives in it)."""
    return timedelta(hours=math.ceil(settings.SESSION_COOKIE_AGE / 3600))


def previews_delete_expired(*, older_than: timedelta, now: datetime | None = None) -> int:
    """Delete the previews stored more than ``older_than`` ago; how many. Safe to run at any time
    and twice at once: a file another run or a confirmation removed meanwhile is skipped."""
    now = now or timezone.now()
    try:
        _folders, names = default_storage.listdir(FOLDER)
    except FileNotFoundError:
        return 0
    deleted = 0
    for name in names:
        if not _NAME_RE.match(name):
            continue
        path = f"{FOLDER}/{name}"
        try:
            if now - default_storage.get_modified_time(path) <= older_than:
                continue
            default_storage.delete(path)
        except FileNotFoundError:
            continue
        deleted += 1
    return deleted
