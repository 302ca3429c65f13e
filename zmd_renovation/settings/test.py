"""Settings for the test suite: fast hashing, media in a temporary folder."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403

SECRET_KEY = "test-only-not-a-secret"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="zmd-media-"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests need no cache table; the database cache is production's (or Redis).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so tests with threads get the locking of the real embedded database
    # (a folder of its own per process, so parallel runs and xdist workers never share a file).
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.mkdtemp(prefix="zmd-db-")) / "test.sqlite3")
    }

# Static files straight from the apps' folders (no collectstatic in tests).
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="zmd-static-"))
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Notifications are e-mailed in tests (to Django's locmem outbox, which the test runner installs).
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
NOTIFY_BY_EMAIL = True
