"""One benchmark run: the programme ensured, every figure measured, the table printed, the JSON
written."""

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

from projects.models import PlanYear

from . import browser_import, figures, report
from .generate import YEAR, programme_ensure
from .measure import Row, vacuum
from .scales import Scale

MEASUREMENTS: dict[str, Callable[[figures.Context], tuple[list[Row], dict[str, Any]]]] = {
    "overview": figures.overview,
    "pages": figures.pages,
    "workbook": figures.workbook,
    "project_import": figures.project_import,
    "household_import": figures.household_import,
    "browser_import": browser_import.browser_import,
}


# Measured only when named (--only) or in a smoke run: at province the browser import takes about
# 8.5 minutes (a synchronous import to compare with, then the preview and the import as jobs).
ON_REQUEST = frozenset({"browser_import"})
# Measurements whose (rolled-back) writes leave dead rows to vacuum before the next one.
WRITES = frozenset({"pages", "project_import", "household_import"})


def run(
    *,
    scale: Scale,
    seed: int,
    repeat: int,
    heavy_repeat: int,
    only: Sequence[str] = (),
    load: bool = True,
    memory: bool = True,
    results: Path | None = report.RESULTS,
    smoke: bool = False,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Measure ``scale`` and return the results (written as JSON under ``results`` unless None)."""
    started = time.perf_counter()
    load_before = os.getloadavg()
    log(
        f"==> {scale.name}：生成或复用数据（{connection.vendor} {connection.settings_dict['NAME']}）"
    )
    generation = programme_ensure(scale=scale, seed=seed, log=log)
    log(f"    {'复用' if generation.reused else '生成'}：{generation.seconds:.1f} s")
    ctx = figures.Context(
        scale=scale,
        plan_year=PlanYear.objects.get(year=YEAR),
        repeat=repeat,
        heavy_repeat=heavy_repeat,
        seed=seed,
        memory=memory,
        log=log,
    )
    rows: list[Row] = []
    info: dict[str, Any] = {}
    timings: dict[str, float] = {}
    vacuum()
    for name, measure in MEASUREMENTS.items():
        if (only and name not in only) or (not only and not smoke and name in ON_REQUEST):
            continue
        mark = time.perf_counter()
        found, details = measure(ctx)
        if name in WRITES:
            vacuum()
        rows += found
        info[name] = details
        timings[name] = time.perf_counter() - mark
    load_result: dict[str, Any] = {}
    if load and (not only or "load" in only) and scale.load_users:
        log(f"  负载测试（{scale.load_users} 用户，{scale.load_seconds} s）")
        from .load import load_test

        mark = time.perf_counter()
        # A smoke run's load is a few users for a few seconds: its times are shown, not judged.
        load_result = load_test(
            users=scale.load_users,
            seconds=scale.load_seconds,
            p95_goal_ms=scale.load_p95_ms,
            judged=not smoke,
        )
        timings["load"] = time.perf_counter() - mark
    result = {
        "scale": scale.name,
        "smoke": smoke,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "git": report.git_state(),
        "machine": report.machine(),
        # Where cached pages are kept: Redis as in production when REDIS_URL is set, else the
        # database table (the cold overview stores its page there in a few statements more).
        "cache": settings.CACHES["default"]["BACKEND"],
        "seed": seed,
        "repeat": repeat,
        "heavy_repeat": heavy_repeat,
        "scale_sizes": asdict(scale),
        "generation": asdict(generation),
        "figures": [r.as_dict() for r in rows],
        "details": info,
        "load": load_result,
        "seconds_by_part": timings,
        "total_seconds": time.perf_counter() - started,
        # The machine's load (1, 5, 15 min) before and after: other work on it slows every figure.
        "load_average": {"before": load_before, "after": os.getloadavg()},
    }
    log("")
    log(report.table(rows))
    for line in [*report.memory_lines(info), *report.load_lines(load_result)]:
        log(line)
    overview = info.get("overview")
    if overview:
        log(
            f"overview queries at {scale.name}: {overview['queries']}; floor agrees: {overview['floor_agrees']}"
        )
    workbook = info.get("workbook")
    if workbook:
        log(f"workbook floor reads the rows the build compiles: {workbook['floor_agrees']}")
    log(
        f"total {result['total_seconds']:.0f} s; load average {load_before[0]:.1f} → {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    if results is not None:
        path = report.write_json(result, directory=results)
        log(f"results: {path}")
    return result
