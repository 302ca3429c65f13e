"""WSGI entry point (gunicorn zmd_renovation.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zmd_renovation.settings.local")

application = get_wsgi_application()
