"""The load test: gunicorn (2 sync workers) serving the portal on the benchmark database, and locust
driving it headless from a second process over loopback.

Both are started and stopped here, by their process ids. The figures come from locust's CSV
statistics: per request name and in aggregate, the request count, failures, median and 95th
percentile (ms) and requests per second. The verdict: zero errors, and every request kind's 95th
percentile within the scale's bound (``Scale.load_p95_ms``) — the bound judged only in a full run,
a smoke run's times meaning nothing.
"""

import csv
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from django.db import connection

from .generate import BENCH_PASSWORD, CITY_USERNAME, CLERK_PREFIX, CLERKS, clerk_projects

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        raise RuntimeError("the load test needs DATABASE_URL (PostgreSQL)")
    return url


def _wait_until_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"gunicorn did not answer {url} within {seconds:.0f} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# locust's name for the row of all requests together; every other row is one kind of request.
AGGREGATED = "Aggregated"


def _ms(value: str) -> float | None:
    """A time of locust's CSV in ms; locust writes N/A for a percentile of a name never answered."""
    return None if value in ("", "N/A") else float(value)


def read_stats(path: Path) -> dict[str, dict[str, Any]]:
    """locust's ``*_stats.csv``: per request name (and the Aggregated row) the request count,
    failures, median and 95th percentile (ms, None when there is none) and requests per second."""
    result = {}
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            result[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "median_ms": _ms(row["Median Response Time"]),
                "p95_ms": _ms(row["95%"]),
                "rps": float(row["Requests/s"]),
            }
    return result


def verdict(
    requests: dict[str, dict[str, Any]], *, p95_goal_ms: float, judged: bool
) -> dict[str, Any]:
    """The load test's verdict on locust's figures: zero failed requests, and each request kind's
    95th percentile (the Aggregated row is not a kind) at most ``p95_goal_ms``. With ``judged``
    false (a smoke run) the times are recorded beside the goal but not judged: their results are
    None. A kind with no percentile (never answered) fails the bound when judged."""
    kinds = {
        name: {
            "median_ms": s["median_ms"],
            "p95_ms": s["p95_ms"],
            "passed": (s["p95_ms"] is not None and s["p95_ms"] <= p95_goal_ms) if judged else None,
        }
        for name, s in requests.items()
        if name != AGGREGATED
    }
    failures = sum(s["failures"] for name, s in requests.items() if name != AGGREGATED)
    slow = [name for name, kind in kinds.items() if kind["passed"] is False]
    latency_passed = (bool(kinds) and not slow) if judged else None
    return {
        "failures": failures,
        "zero_errors": failures == 0,
        "p95_goal_ms": p95_goal_ms,
        "judged": judged,
        "kinds": kinds,
        "slow": slow,
        "latency_passed": latency_passed,
        "passed": (failures == 0 and bool(latency_passed)) if judged else None,
    }


def _failures(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(newline="") as handle:
        return [
            {"name": row["Name"], "error": row["Error"][:300], "count": row["Occurrences"]}
            for row in csv.DictReader(handle)
        ]


def load_test(
    *,
    users: int,
    seconds: int,
    p95_goal_ms: float,
    judged: bool = True,
    workers: int = 2,
    wait: str = "0.5,1.5",
) -> dict[str, Any]:
    """Serve with gunicorn, drive with locust, return the figures and their verdict (and stop
    both); ``judged`` false records the times without judging them (a smoke run)."""
    connection.close()  # the server's workers open their own connections
    city_users = max(1, users // 5)
    clerk_users = users - city_users
    projects = clerk_projects(count=min(clerk_users, CLERKS))
    if clerk_users > len(projects):
        raise RuntimeError(
            f"{clerk_users} clerks need as many projects, the unit has {len(projects)}"
        )
    port = _free_port()
    work = Path(tempfile.mkdtemp(prefix="zmd-bench-load-"))
    config = work / "config.json"
    config.write_text(
        json.dumps(
            {
                "password": BENCH_PASSWORD,
                "city_username": CITY_USERNAME,
                "city_users": city_users,
                "clerk_users": clerk_users,
                "clerks": [
                    {"username": f"{CLERK_PREFIX}{n + 1:02d}", "project_id": pid}
                    for n, pid in enumerate(projects)
                ],
                "wait": wait,
            }
        )
    )
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "BENCH_LOAD_CONFIG": str(config),
        # locust puts only bench/ on the path; the locustfile imports bench.htmlforms.
        "PYTHONPATH": str(ROOT),
    }
    serve = [
        str(BIN / "gunicorn"), "zmd_renovation.wsgi:application", "--workers", str(workers),
        "--bind", f"127.0.0.1:{port}", "--timeout", "120", "--log-level", "warning",
    ]  # fmt: skip
    drive = [
        str(BIN / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
        "--users", str(users), "--spawn-rate", str(max(1, users // 2)),
        "--run-time", f"{seconds}s", "--host", f"http://127.0.0.1:{port}",
        "--csv", str(work / "load"), "--only-summary", "--loglevel", "WARNING",
        "--stop-timeout", "10",
    ]  # fmt: skip
    server = subprocess.Popen(  # noqa: S603
        serve,
        cwd=ROOT,
        env=env,
        stdout=(work / "gunicorn.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_until_up(f"http://127.0.0.1:{port}/accounts/login/")
        started = time.monotonic()
        locust = subprocess.run(  # noqa: S603
            drive, cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )
        elapsed = time.monotonic() - started
    finally:
        _stop(server)
    stats_file = work / "load_stats.csv"
    if not stats_file.exists():
        raise RuntimeError(f"locust wrote no statistics: {locust.stderr[-2000:]}")
    stats = read_stats(stats_file)
    return {
        "users": users,
        "city_users": city_users,
        "clerk_users": clerk_users,
        "seconds": seconds,
        "elapsed": elapsed,
        "workers": workers,
        "wait_seconds": wait,
        "requests": stats,
        "aggregated": stats.get(AGGREGATED, {}),
        "verdict": verdict(stats, p95_goal_ms=p95_goal_ms, judged=judged),
        "errors": _failures(work / "load_failures.csv"),
        "locust_exit": locust.returncode,
        "work_dir": str(work),
    }
