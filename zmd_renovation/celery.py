"""The Celery app that runs background jobs (projects.jobs): ``celery -A zmd_renovation worker``.

Its settings are Django's ``CELERY_*`` settings. With no broker configured (CELERY_BROKER_URL unset:
the demo on a fresh machine, the tests) tasks run eagerly, in the request that starts them.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zmd_renovation.settings.local")

app = Celery("zmd_renovation")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
