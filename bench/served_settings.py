"""bench.settings for the processes the browser import starts (gunicorn and its Celery worker):
their jobs go to a queue of the run's own on the broker, so no other worker on the same Redis
database (another checkout's, the job tests') takes them, and they take no one else's."""

import os

from bench.settings import *  # noqa: F403

CELERY_TASK_DEFAULT_QUEUE = os.environ["BENCH_CELERY_QUEUE"]
