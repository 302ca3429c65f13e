"""Settings shared by every environment; every value that differs comes from the environment."""

import json
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h]

DJANGO_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]
THIRD_PARTY_APPS = [
    "axes",
    "csp",
    "bootstrap",
    "crispy_forms",
    "crispy_bootstrap5",
    "import_export",
    "simple_history",
]
LOCAL_APPS = [
    "projects",
    "reporting",
    "paperwork",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files with hashed names, compressed, served by the app itself (no CDN, no web root).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # One structured log line per request (method, path, status, time, user id; no personal data).
    "zmd_renovation.middleware.RequestLogMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "zmd_renovation.urls"
WSGI_APPLICATION = "zmd_renovation.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                # The unread count in the navigation bar (one query, only where a page shows it).
                "projects.context_processors.notifications_unread",
                # What the user may do, from the permission door (projects.permissions).
                "projects.context_processors.portal_permissions",
                # The plan years to switch between (one query, shared with the page's plan year).
                "projects.context_processors.plan_year_selector",
            ],
        },
    },
    {
        # The large tables of the city overview (a row per unit), rendered by Jinja2: several times
        # faster than Django's engine for the same markup. Templates in each app's jinja2/ folder;
        # autoescape on (the backend's default, set here so it cannot be lost).
        "NAME": "jinja2",
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"environment": "projects.jinja.environment", "autoescape": True},
    },
]

# With no DATABASE_URL the portal runs on SQLite in the project folder (the embedded default);
# production sets a PostgreSQL URL.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "0")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers queue for the lock (BEGIN IMMEDIATE) for up to 20 s instead of failing at once, so
    # two saves of one project on the embedded database behave as on PostgreSQL: one waits, then
    # the optimistic lock refuses it.
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT compilation: the portal's statements take milliseconds, and PostgreSQL compiled the
    # overview's count of linked-renovation tags (a JSON array unnested per project, estimated at
    # 100 rows a project) for 14 ms to run it for 8 ms.
    DATABASES["default"]["OPTIONS"] = {"options": "-c jit=off"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "projects.User"
# django-axes first: it refuses a login while the username is locked out from that address.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Failed-login throttle: five failures for one username from one address lock it for 15 minutes.
# The address is the client's (zmd_renovation.client_address), never a proxy's, and the key always
# holds it: failures from one address never lock the user out at another.
AXES_CLIENT_IP_CALLABLE = "zmd_renovation.client_address.client_address"
# How many reverse proxies in front of the portal write X-Forwarded-For (production: the one nginx).
# None here: the connection's own address is the client's, and the header is ignored.
TRUSTED_PROXY_COUNT = 0
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# A flat lockout: attempts during it do not restart the 15 minutes.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        # Django's own rule with a Chinese message (Django's has no translation of its wording).
        "NAME": "projects.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Sessions end after a working day, and when the browser closes.
SESSION_COOKIE_AGE = int(os.environ.get("DJANGO_SESSION_SECONDS", str(8 * 3600)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))

# Evidence scans are kept outside the web root and served only through permission checks.
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
# Evidence and stamps on disk outside the web root by default; a django-storages backend (S3, OSS,
# …) when DJANGO_MEDIA_STORAGE names its class (its options from DJANGO_MEDIA_STORAGE_OPTIONS, JSON).
STORAGES = {
    "default": {
        "BACKEND": os.environ.get(
            "DJANGO_MEDIA_STORAGE", "django.core.files.storage.FileSystemStorage"
        ),
        "OPTIONS": json.loads(os.environ.get("DJANGO_MEDIA_STORAGE_OPTIONS", "{}")),
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Sessions live in the database and the cache in Redis (REDIS_URL) or the database, never in a
# process's memory, so several app servers can share one PostgreSQL.
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
        if os.environ.get("REDIS_URL")
        else {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "portal_cache"}
    )
}
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# No URL serves MEDIA_ROOT: evidence is downloaded only through the views that check the unit.
MEDIA_URL = "/media/"
# Evidence uploads: PDF, JPEG or PNG, recognised by their content, at most this many bytes.
EVIDENCE_MAX_BYTES = int(os.environ.get("EVIDENCE_MAX_BYTES", str(10 * 1024 * 1024)))

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False

# Largest spreadsheet the imports accept, in bytes and rows (guards against huge or zip-bomb files).
# 64 MB holds a province's roster of 400,000 households (about 160 MB of sheet XML unpacked).
IMPORT_MAX_FILE_BYTES = int(os.environ.get("IMPORT_MAX_FILE_BYTES", str(64 * 1024 * 1024)))
# 500,000 rows holds a province's roster (400,000 households) in one file; every row counts, empty
# ones too. Above JOBS_IMPORT_ROWS an import runs as a background job, so no request reads that many.
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "500000"))
# What an uploaded workbook may unpack to, checked before anything is parsed (projects/workbooks.py):
# all parts together, one sheet, the shared-strings table, any other part; and the XML of one row.
# A 400,000-row roster unpacks to about 160 MB of sheet and 10 MB of shared strings.
IMPORT_MAX_UNPACKED_BYTES = int(os.environ.get("IMPORT_MAX_UNPACKED_BYTES", str(400 * 1024 * 1024)))
IMPORT_MAX_SHEET_BYTES = int(os.environ.get("IMPORT_MAX_SHEET_BYTES", str(256 * 1024 * 1024)))
IMPORT_MAX_SHARED_STRINGS_BYTES = int(
    os.environ.get("IMPORT_MAX_SHARED_STRINGS_BYTES", str(64 * 1024 * 1024))
)
IMPORT_MAX_PART_BYTES = int(os.environ.get("IMPORT_MAX_PART_BYTES", str(16 * 1024 * 1024)))
IMPORT_MAX_ROW_BYTES = int(os.environ.get("IMPORT_MAX_ROW_BYTES", str(256 * 1024)))

# Logs are JSON lines on stderr (one per request and per report state change); never residents'
# names or phones. DJANGO_LOG_LEVEL raises or lowers the level.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "zmd_renovation.logging.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # axes logs usernames on every login; warnings (lockouts) are enough.
        "axes": {"level": "WARNING"},
    },
}

# Content security policy: scripts and everything else only from the portal itself, no inline
# script; inline styles are allowed (the SVG charts and progress bars carry style attributes).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Whether clerks and leaders may open the city overview (counts only, never another unit's projects
# or households). The city office decides; off unless DJANGO_CITY_OVERVIEW_FOR_UNITS=1.
CITY_OVERVIEW_FOR_UNITS = os.environ.get("DJANGO_CITY_OVERVIEW_FOR_UNITS", "0") == "1"

# Notifications (站内通知) are e-mailed too when the environment names a mail server (EMAIL_HOST) or
# an e-mail backend (DJANGO_EMAIL_BACKEND); a user without an address gets the in-portal one only.
EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "0") == "1"
EMAIL_USE_SSL = os.environ.get("EMAIL_USE_SSL", "0") == "1"
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "webmaster@localhost")
NOTIFY_BY_EMAIL = bool(os.environ.get("EMAIL_HOST") or os.environ.get("DJANGO_EMAIL_BACKEND"))
# The portal's address as users reach it (https://portal.example.gov.cn), for links in e-mails.
PORTAL_URL = os.environ.get("DJANGO_PORTAL_URL", "")
# Due-day reminders (send_reminders): this many days before a monthly report's due day, and again
# the day after it passes; a run missed within that many days is made up by the next one.
REMINDER_DAYS_BEFORE = int(os.environ.get("REMINDER_DAYS_BEFORE", "3"))

# Background jobs (projects.jobs) go to a Celery worker through this broker (Redis, e.g.
# redis://127.0.0.1:6379/1); run `celery -A zmd_renovation worker` beside the app servers. Unset (the
# demo on a fresh machine, the tests): no worker is needed, a job runs in the request that starts it.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker takes one job at a time: the next waits for a free worker, not behind a running one.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A job's message is acknowledged when its run ends, not when a worker takes it, and handed back to
# the broker if the worker process dies (killed, out of memory): a queued job is not lost with the
# worker that had taken it. A message delivered again finds its job no longer queued and leaves it
# (projects.jobs.job_run): a run killed half-way is never repeated, it is failed as stale below.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TIMEZONE = TIME_ZONE
# Imports above this many data rows run as background jobs; smaller ones in the request.
JOBS_IMPORT_ROWS = int(os.environ.get("JOBS_IMPORT_ROWS", "5000"))
# Finished jobs and their result files (residents' data among them) are deleted after this many days.
JOBS_KEEP_DAYS = int(os.environ.get("JOBS_KEEP_DAYS", "7"))
# A running job writes its row at least this often (its progress, or a heartbeat); one silent for
# longer was lost with its worker and is failed (projects.jobs.jobs_reap), as is a job queued for
# longer than JOBS_QUEUED_STALE_SECONDS (no worker took it).
JOBS_STALE_SECONDS = int(os.environ.get("JOBS_STALE_SECONDS", "600"))
JOBS_QUEUED_STALE_SECONDS = int(os.environ.get("JOBS_QUEUED_STALE_SECONDS", "3600"))
