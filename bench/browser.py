"""A browser's session over HTTP, and the portal served for it: gunicorn (bench.settings, as the
load test serves it) and a Celery worker on Redis, both on the benchmark database.

The browser keeps its cookies, sends the fields it read from a page's form, follows redirects one
request at a time and times each request. Its ``Send`` is what it asks the server through: HTTP
here, Django's test client in the tests.
"""

import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from django.db import connection

from .load import BIN, ROOT, _database_url, _free_port, _wait_until_up

BROKER_URL = os.environ.get("BENCH_CELERY_BROKER_URL", "redis://127.0.0.1:6379/5")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Answer:
    """What the server answered: the status, where it redirects (a path), the body as text."""

    status: int
    location: str
    text: str


# send(method, path, fields, files): one request, redirects not followed.
Send = Callable[[str, str, list[tuple[str, str]], dict[str, Path]], Answer]


def http_send(base_url: str) -> Send:
    """Requests over HTTP keeping the session's cookies, as a browser does."""
    import requests

    session = requests.Session()

    def send(
        method: str, path: str, fields: list[tuple[str, str]], files: dict[str, Path]
    ) -> Answer:
        handles = {name: (p.name, p.open("rb"), XLSX) for name, p in files.items()}
        try:
            response = session.request(
                method,
                base_url + path,
                data=fields or None,
                files=handles or None,
                allow_redirects=False,
                timeout=300,
            )
        finally:
            for _name, handle, _type in handles.values():
                handle.close()
        location = urlsplit(response.headers.get("Location", ""))
        return Answer(
            response.status_code,
            location.path + (f"?{location.query}" if location.query else ""),
            response.text,
        )

    return send


@dataclass(frozen=True)
class Request:
    """One request the browser made, with its wall time."""

    step: str
    method: str
    path: str
    status: int
    seconds: float
    # When it started, in seconds from the upload's start (negative before it).
    at: float


@dataclass
class Browser:
    """A browser's requests, each timed, redirects followed one request at a time."""

    send: Send
    clock: Callable[[], float] = time.perf_counter
    requests: list[Request] = field(default_factory=list)
    origin: float = 0.0

    def request(
        self,
        step: str,
        method: str,
        path: str,
        fields: list[tuple[str, str]] | None = None,
        files: dict[str, Path] | None = None,
    ) -> Answer:
        start = self.clock()
        answer = self.send(method, path, fields or [], files or {})
        took = self.clock() - start
        self.requests.append(Request(step, method, path, answer.status, took, start - self.origin))
        if answer.status >= 400:
            raise RuntimeError(f"{step}: {method} {path} answered {answer.status}")
        return answer

    def visit(
        self,
        step: str,
        method: str,
        path: str,
        fields: list[tuple[str, str]] | None = None,
        files: dict[str, Path] | None = None,
    ) -> tuple[str, Answer]:
        """The request and the redirects it leads to; the final path and answer."""
        answer = self.request(step, method, path, fields, files)
        while answer.status in (301, 302, 303):
            path = answer.location
            answer = self.request(f"{step} → {path}", "GET", path)
        return path, answer


# --- serving: gunicorn and a Celery worker ------------------------------------------------------


def _stop_groups(processes: list[subprocess.Popen[bytes]], seconds: float = 30) -> None:
    """Stop processes started in sessions of their own: SIGTERM to each, then the groups of those
    still running after ``seconds`` killed."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + seconds
    for process in processes:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _wait_for_line(log: Path, text: str, process: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the worker stopped: {log.read_text(errors='replace')[-2000:]}")
        if log.exists() and text in log.read_text(errors="replace"):
            return
        time.sleep(0.2)
    raise RuntimeError(f"the worker was not ready within {seconds:.0f} s")


@contextmanager
def served(media: Path, job_rows: int) -> Iterator[Send]:
    """The portal served as ``serving`` serves it; a browser's ``Send`` to it."""
    with serving(media, job_rows) as base_url:
        yield http_send(base_url)


@contextmanager
def serving(media: Path, job_rows: int) -> Iterator[str]:
    """gunicorn (2 sync workers, as the load test) and a Celery worker on Redis, sharing the
    uploads in ``media``, imports above ``job_rows`` rows as jobs; the portal's base URL."""
    connection.close()  # the server's and the worker's processes open their own connections
    work = Path(tempfile.mkdtemp(prefix="zmd-bench-browser-"))
    queue = f"zmd-bench-jobs-{uuid.uuid4().hex}"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DJANGO_SETTINGS_MODULE": "bench.served_settings",
        "BENCH_CELERY_QUEUE": queue,
        "CELERY_BROKER_URL": BROKER_URL,
        "DJANGO_MEDIA_ROOT": str(media),
        "JOBS_IMPORT_ROWS": str(job_rows),
    }
    port = _free_port()
    serve = [
        str(BIN / "gunicorn"), "zmd_renovation.wsgi:application", "--workers", "2",
        "--bind", f"127.0.0.1:{port}", "--timeout", "120", "--log-level", "warning",
    ]  # fmt: skip
    work_on = [
        str(BIN / "celery"), "-A", "zmd_renovation", "worker", "--queues", queue,
        "--concurrency", "1", "--loglevel", "INFO", "--hostname", f"{queue}@%h",
        "--without-mingle", "--without-gossip",
    ]  # fmt: skip
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for command, log in ((serve, "gunicorn.log"), (work_on, "worker.log")):
            processes.append(
                subprocess.Popen(  # noqa: S603
                    command,
                    cwd=ROOT,
                    env=env,
                    stdout=(work / log).open("wb"),
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        _wait_until_up(f"http://127.0.0.1:{port}/accounts/login/")
        _wait_for_line(work / "worker.log", " ready.", processes[1], 60)
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop_groups(processes)
        shutil.rmtree(work, ignore_errors=True)
        _queue_delete(queue)


def _queue_delete(queue: str) -> None:
    """Remove the run's queue and its bindings from the broker (kombu leaves them behind)."""
    import redis

    client = redis.Redis.from_url(BROKER_URL)
    try:
        client.delete(queue, *client.keys(f"_kombu.binding*.{queue}"))
    finally:
        client.close()
