"""Settings for benchmark runs: the portal's base settings served as in production (DEBUG off,
persistent connections checked before reuse, database sessions and cache) on the database named
by DATABASE_URL, over plain HTTP on loopback (no HTTPS-only cookies or redirects)."""

import os

from zmd_renovation.settings.base import *  # noqa: F403

DEBUG = False
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "benchmark-only-not-a-secret")
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("DJANGO_CONN_MAX_AGE", "60"))  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405
# Pages name static files without collectstatic's manifest (the load test fetches pages only).
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The harness imports files of 400,000 household rows, near the default limits (64 MB,
# 500,000 rows); the limits are deployment settings, read from the environment like the others.
IMPORT_MAX_FILE_BYTES = int(os.environ.get("IMPORT_MAX_FILE_BYTES", str(200 * 1024 * 1024)))
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "10000000"))
IMPORT_MAX_UNPACKED_BYTES = int(os.environ.get("IMPORT_MAX_UNPACKED_BYTES", str(4 * 1024**3)))
IMPORT_MAX_SHEET_BYTES = int(os.environ.get("IMPORT_MAX_SHEET_BYTES", str(4 * 1024**3)))
IMPORT_MAX_SHARED_STRINGS_BYTES = int(
    os.environ.get("IMPORT_MAX_SHARED_STRINGS_BYTES", str(1024**3))
)
# One JSON line per request would flood the benchmark's output: warnings and errors only.
LOGGING["root"]["level"] = os.environ.get("DJANGO_LOG_LEVEL", "WARNING")  # noqa: F405
