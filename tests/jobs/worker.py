"""A real Celery worker for the job tests: a thread of the test process consuming a queue of its
own on Redis, so parallel runs (xdist workers, another checkout) never take each other's jobs.

The broker is Redis database 5 at 127.0.0.1:6379 (TEST_REDIS_URL overrides). Without Redis the
test is skipped with the reason, except under CI=true, where it fails (.ci/run starts Redis).
"""

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import pytest

BROKER = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
# One queue for the whole test process: Celery keeps the queues it first declared, so a worker
# started again later in the process must consume the same one.
QUEUE = f"zmd-test-jobs-{uuid.uuid4().hex}"


def redis_missing() -> str | None:
    """Why no Redis answers at BROKER, or None when one does."""
    address = urlsplit(BROKER)
    try:
        with socket.create_connection((address.hostname, address.port or 6379), timeout=2) as s:
            s.sendall(b"PING\r\n")
            if not s.recv(16).startswith(b"+PONG"):
                return f"Redis at {BROKER} did not answer PING"
    except OSError as error:
        return f"no Redis at {BROKER}: {error}"
    return None


@contextmanager
def celery_worker() -> Iterator[Any]:
    """The portal's Celery app sending to Redis (not eager) and a worker thread running its jobs;
    the app's settings are put back afterwards."""
    reason = redis_missing()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (.ci/run starts redis-server)")
        pytest.skip(reason)
    from celery.contrib.testing.worker import start_worker

    from zmd_renovation.celery import app

    saved = {k: app.conf[k] for k in ("broker_url", "task_always_eager", "task_default_queue")}
    app.conf.update(
        broker_url=BROKER,
        task_always_eager=False,
        task_default_queue=QUEUE,
    )
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30) as w:
            yield w
    finally:
        app.conf.update(saved)
