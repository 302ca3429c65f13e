"""The health check as operations probe it (issue 19): plain HTTP on the local host under the
production settings, and the demo's own /healthz."""

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
HOST = "portal.example.gov.cn"
# Plain HTTP, as `curl -fsS -H 'Host: …' http://127.0.0.1:8000/healthz` in docs/operations.md sends
# it: no X-Forwarded-Proto, so not a secure request.
PROBE = (
    "import django, json; django.setup();"
    "from django.core.management import call_command;"
    "from django.test import Client;"
    "{prepare}"
    f"health = Client().get('/healthz', HTTP_HOST={HOST!r});"
    f"page = Client().get('/accounts/login/', HTTP_HOST={HOST!r});"
    "print(json.dumps([health.status_code, health.content.decode(), page.status_code,"
    " page.get('Location', '')]))"
)


def probe(database_url: str, prepare: str = "") -> tuple[int, dict[str, str], int, str]:
    """Run the probe in a fresh interpreter under the production settings."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "zmd_renovation.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DATABASE_URL": database_url,
        "DJANGO_LOG_LEVEL": "CRITICAL",
    }
    env.pop("REDIS_URL", None)
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", PROBE.format(prepare=prepare)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    status, body, page_status, location = json.loads(result.stdout.strip().splitlines()[-1])
    return status, json.loads(body), page_status, location


def test_plain_http_health_probe_sees_the_database_up(tmp_path: Path) -> None:
    """Production settings, plain HTTP: /healthz answers 200 with the database and cache table ok,
    while every other page is still redirected to HTTPS."""
    status, body, page_status, location = probe(
        f"sqlite:///{tmp_path / 'portal.sqlite3'}",
        prepare="call_command('createcachetable', verbosity=0);",
    )
    assert (status, body) == (200, {"status": "ok", "database": "ok", "cache": "ok"})
    assert (page_status, location) == (301, f"https://{HOST}/accounts/login/")


def test_plain_http_health_probe_sees_the_database_down() -> None:
    """Production settings, plain HTTP, nothing listening where the database should be: /healthz
    answers 503 (so `curl -f` fails), not a redirect."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    status, body, _, _ = probe(f"postgres://portal@127.0.0.1:{port}/portal?connect_timeout=2")
    assert status == 503
    assert body["status"] == "error" and body["database"] == "unavailable"


def free_port() -> int:
    with socket.socket() as spare:
        spare.bind(("127.0.0.1", 0))
        return int(spare.getsockname()[1])


def test_the_demo_creates_its_cache_table_and_answers_healthy(tmp_path: Path) -> None:
    """scripts/serve_demo.sh on a new database: once it serves, /healthz is 200 with the database
    cache table answering (it was 503: no cache table)."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "DEMO_PASSWORD": "Demo-Passw0rd-2026",
        "PORT": str(port),
        "DJANGO_MEDIA_ROOT": str(tmp_path / "media"),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)  # the demo's own (local) settings, not the tests'
    env.pop("REDIS_URL", None)
    log = tmp_path / "demo.log"
    with log.open("wb") as out:
        demo = subprocess.Popen(
            ["bash", "scripts/serve_demo.sh"],  # noqa: S607
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        answer = None
        deadline = time.monotonic() + 300
        while answer is None and time.monotonic() < deadline and demo.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as r:
                    answer = (r.status, json.loads(r.read()))
            except urllib.error.HTTPError as error:
                answer = (error.code, json.loads(error.read()))
            except OSError:
                time.sleep(1)
        tail = log.read_text(errors="replace")[-3000:]
        assert answer == (200, {"status": "ok", "database": "ok", "cache": "ok"}), tail
    finally:
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGTERM)
            try:
                demo.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(demo.pid, signal.SIGKILL)
                demo.wait(timeout=15)
