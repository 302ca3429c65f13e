"""The results: one table (Markdown, so it pastes into BENCHMARKS.md) and a JSON file per run under
bench/results/ with the machine, the date and the git commit, so runs can be compared."""

import json
import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import django
from django.db import connection

from .measure import Row

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"


def duration(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s"


def _spread(row_seconds: tuple[float, ...]) -> str:
    low, high = min(row_seconds), max(row_seconds)
    return f"{duration(low)} – {duration(high)}"


def table(rows: list[Row]) -> str:
    head = "| figure | median | spread (min – max) | floor | ratio | goal | result | note |"
    lines = [head, "|---|---|---|---|---|---|---|---|"]
    for row in rows:
        ratio = row.ratio
        if ratio is None:
            ratio_text = "—"
        elif row.goal == "faster":
            ratio_text = f"{ratio:.1f}× faster"
        else:
            ratio_text = f"{ratio:.2f}×"
        result = {True: "pass", False: "**FAIL**", None: "—"}[row.passed]
        lines.append(
            f"| {row.figure} | {duration(row.samples.median)} | {_spread(row.samples.seconds)} "
            f"| {duration(row.floor.median) if row.floor else '—'} | {ratio_text} "
            f"| {row.goal_text} | {result} | {row.note} |"
        )
    return "\n".join(lines)


def memory_lines(info: dict[str, Any]) -> list[str]:
    """Peak memory at two sizes, as text lines (MiB)."""

    def mib(n: int) -> str:
        return f"{n / 2**20:.1f} MiB"

    lines = []
    wb = info.get("workbook", {}).get("memory")
    if wb:
        small, large = wb["rows"]
        lines.append(
            f"workbook write, {small} → {large} rows: "
            f"{mib(wb['write_peak_bytes'][0])} → {mib(wb['write_peak_bytes'][1])} "
            f"(floor {mib(wb['floor_write_peak_bytes'][0])} → {mib(wb['floor_write_peak_bytes'][1])}); "
            f"build + write at {large} rows: {mib(wb['build_and_write_peak_bytes'])}"
        )
    hh = info.get("household_import", {}).get("memory")
    if hh:
        small, large = hh["rows"]
        lines.append(
            f"household import, {small} → {large} rows: "
            f"{mib(hh['import_peak_bytes'][0])} → {mib(hh['import_peak_bytes'][1])} "
            f"(floor {mib(hh['floor_peak_bytes'][0])} → {mib(hh['floor_peak_bytes'][1])})"
        )
    return lines


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f} ms"


RESULT = {True: "pass", False: "**FAIL**", None: "—"}


def load_lines(load: dict[str, Any]) -> list[str]:
    """The load test's table, each request kind's p95 beside its goal, then the verdict."""
    if not load:
        return []
    verdict = load.get("verdict", {})
    kinds = verdict.get("kinds", {})
    goal = verdict.get("p95_goal_ms")
    lines = [
        f"load: {load['users']} users ({load['city_users']} city office, {load['clerk_users']} "
        f"clerks), {load['seconds']} s, gunicorn {load['workers']} workers, think time "
        f"{load['wait_seconds']} s",
        "| request | requests | failures | median | p95 | p95 goal | result | req/s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, s in load["requests"].items():
        kind = kinds.get(name)
        lines.append(
            f"| {name} | {s['requests']} | {s['failures']} | {_ms(s['median_ms'])} "
            f"| {_ms(s['p95_ms'])} | {'≤ ' + _ms(goal) if kind and goal else '—'} "
            f"| {RESULT[kind['passed']] if kind else '—'} | {s['rps']:.1f} |"
        )
    if verdict:
        lines.append(verdict_line(verdict))
    return lines


def verdict_line(verdict: dict[str, Any]) -> str:
    """One line: zero errors, and every request kind's p95 within the goal (or not judged)."""
    errors = f"{verdict['failures']} failed requests ({RESULT[verdict['zero_errors']]})"
    bound = f"p95 ≤ {_ms(verdict['p95_goal_ms'])} for every request kind"
    if not verdict["judged"]:
        return f"load verdict: {errors}; {bound}: times not judged (smoke run)"
    over = [f"{name} {_ms(verdict['kinds'][name]['p95_ms'])}" for name in verdict["slow"]]
    slow = f" (over it: {', '.join(over)})" if over else ""
    return (
        f"load verdict: {errors}; {bound}: {RESULT[verdict['latency_passed']]}{slow} "
        f"— {RESULT[verdict['passed']]}"
    )


def _git(*args: str) -> str:
    try:
        return subprocess.run(  # noqa: S603
            ["git", *args],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.rstrip("\n")
    except (OSError, subprocess.CalledProcessError):
        return ""


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None


def machine() -> dict[str, Any]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
        else:
            cursor.execute("SELECT sqlite_version()")
        database_version = cursor.fetchone()[0]
    return {
        "cpu": _cpu(),
        "cores": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "database": f"{connection.vendor} {database_version}",
    }


def git_state() -> dict[str, Any]:
    changed = [
        line[3:]
        for line in _git("status", "--porcelain", "--untracked-files=no").splitlines()
        if line
    ]
    # Files changed but not committed were measured too: listed so a run can be reproduced.
    return {"commit": _git("rev-parse", "HEAD"), "changed_files": changed}


def write_json(result: dict[str, Any], *, directory: Path = RESULTS) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = directory / f"{result['scale']}-{stamp}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str) + "\n")
    return path
