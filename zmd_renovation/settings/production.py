"""Production settings: every secret from the environment, PostgreSQL required, secure cookies."""

import os

from .base import *  # noqa: F403

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
DEBUG = False
if not os.environ.get("DATABASE_URL"):
    raise RuntimeError("DATABASE_URL must name the production PostgreSQL database")

# Behind a reverse proxy that terminates HTTPS and sets X-Forwarded-Proto (see README).
if os.environ.get("DJANGO_BEHIND_PROXY", "1") == "1":
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # The login throttle and the request log key on the client's address: the entry the nginx in
    # front writes into X-Forwarded-For (it replaces the header with the one address it saw, see
    # docs/operations.md), never the proxy's own address, or anyone could lock any user out.
    # DJANGO_PROXY_COUNT: how many proxies in a row write the header (each inner one appending).
    TRUSTED_PROXY_COUNT = int(os.environ.get("DJANGO_PROXY_COUNT", "1"))
# The local health probe (curl http://127.0.0.1:8000/healthz) is answered over plain HTTP: it must
# see the database's state, not a redirect to HTTPS.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]
# Persistent connections, checked before reuse: a restarted database is reconnected to without
# restarting the portal.
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("DJANGO_CONN_MAX_AGE", "60"))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = os.environ.get("DJANGO_SECURE_SSL_REDIRECT", "1") == "1"
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
