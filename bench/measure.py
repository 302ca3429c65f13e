"""Timing, query counting and peak memory of one measurement, and the rows of the results table."""

import gc
import statistics
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext


@dataclass(frozen=True)
class Samples:
    """Seconds taken by each repetition of a measurement (warm-up runs excluded)."""

    seconds: tuple[float, ...]
    # This process's CPU seconds in each run: far below ``seconds`` when the database did the work,
    # or when other programs on the machine took the CPU (compare with the load average).
    cpu_seconds: tuple[float, ...] = ()

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def low(self) -> float:
        return min(self.seconds)

    @property
    def high(self) -> float:
        return max(self.seconds)

    def as_dict(self) -> dict[str, Any]:
        return {
            "median": self.median,
            "min": self.low,
            "max": self.high,
            "samples": list(self.seconds),
            "cpu_samples": list(self.cpu_seconds),
        }


@contextmanager
def rolled_back() -> Iterator[None]:
    """Everything inside is undone at the end, so a write can be measured again on the same data."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def timed(
    run: Callable[[], Any],
    *,
    repeat: int,
    warmup: int = 1,
    setup: Callable[[], Any] | None = None,
    rollback: bool = False,
) -> Samples:
    """``run`` ``warmup`` times unmeasured, then ``repeat`` times measured. With ``rollback`` each
    run (and its untimed ``setup``) happens in a transaction that is then rolled back."""
    return timed_together([run], repeat=repeat, warmup=warmup, setup=setup, rollback=rollback)[0]


def timed_together(
    runs: Sequence[Callable[[], Any]],
    *,
    repeat: int,
    warmup: int = 1,
    setup: Callable[[], Any] | None = None,
    rollback: bool = False,
) -> list[Samples]:
    """Several measurements taken in turns (a figure and its floor), in alternating order, so a
    machine busy with other work for a while slows both alike and their ratio stays fair."""
    seconds: list[list[float]] = [[] for _ in runs]
    cpu: list[list[float]] = [[] for _ in runs]
    for i in range(warmup + repeat):
        order = list(enumerate(runs))
        if i % 2:
            order.reverse()
        for index, run in order:
            gc.collect()
            with rolled_back() if rollback else _nothing():
                if setup is not None:
                    setup()
                start, start_cpu = time.perf_counter(), time.process_time()
                run()
                took, took_cpu = time.perf_counter() - start, time.process_time() - start_cpu
            if i >= warmup:
                seconds[index].append(took)
                cpu[index].append(took_cpu)
    return [Samples(tuple(s), tuple(c)) for s, c in zip(seconds, cpu, strict=True)]


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def query_count(run: Callable[[], Any], *, rollback: bool = False) -> int:
    """How many SQL statements ``run`` sends."""
    with rolled_back() if rollback else _nothing(), CaptureQueriesContext(connection) as queries:
        run()
    return len(queries)


def peak_memory(
    run: Callable[[], Any], *, setup: Callable[[], Any] | None = None, rollback: bool = False
) -> int:
    """The peak of Python's allocations (tracemalloc) while ``run`` runs, above what was allocated
    before it started, in bytes."""
    gc.collect()
    with rolled_back() if rollback else _nothing():
        if setup is not None:
            setup()
        tracemalloc.start()
        try:
            base = tracemalloc.get_traced_memory()[0]
            run()
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    return peak - base


# Tables the measurements write to. Their writes are rolled back, which leaves dead rows behind:
# hundreds of thousands after an import run, enough to slow every later scan of the table.
WRITTEN_TABLES = (
    "projects_project", "projects_household", "projects_startcriterion",
    "projects_historicalproject", "projects_historicalhousehold",
    "projects_historicalstartcriterion",
)  # fmt: skip


# Small enough (a row per project or criterion) to rewrite each time: a plain VACUUM leaves the
# pages of rolled-back rows in the table, and every scan of it still reads them.
REWRITTEN_TABLES = frozenset({"projects_project", "projects_startcriterion"})


def vacuum() -> None:
    """VACUUM ANALYZE the tables the measurements write to (PostgreSQL; outside any transaction),
    so each figure is measured on tables without the dead rows of earlier runs, as autovacuum
    keeps them in service."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in WRITTEN_TABLES:
            full = "FULL " if table in REWRITTEN_TABLES else ""
            cursor.execute(f"VACUUM {full}ANALYZE {table}")


# --- the results table --------------------------------------------------------------------------


@dataclass
class Row:
    """One figure of the table: its samples, its floor's (or the baseline's) and its goal.

    ``goal`` is "ratio" (median ≤ ``limit`` × the floor's), "faster" (the baseline's median ≥
    ``limit`` × this median), "time" (median ≤ ``limit`` seconds; the floor, if any, is shown
    beside it) or "" (recorded, no goal).
    """

    figure: str
    samples: Samples
    floor: Samples | None = None
    goal: str = ""
    limit: float = 0.0
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.floor is None or not self.floor.median:
            return None
        if self.goal == "faster":
            return self.floor.median / self.samples.median
        return self.samples.median / self.floor.median

    @property
    def passed(self) -> bool | None:
        if self.goal == "time":
            return self.samples.median <= self.limit
        ratio = self.ratio
        if not self.goal or ratio is None:
            return None
        if self.goal == "faster":
            return ratio >= self.limit
        return ratio <= self.limit

    @property
    def goal_text(self) -> str:
        if self.goal == "faster":
            return f"≥ {self.limit:g}× faster"
        if self.goal == "ratio":
            return f"≤ {self.limit:g}× floor"
        if self.goal == "time":
            return f"≤ {self.limit * 1000:g} ms"
        return "—"

    def as_dict(self) -> dict[str, Any]:
        return {
            "figure": self.figure,
            "seconds": self.samples.as_dict(),
            "floor_seconds": self.floor.as_dict() if self.floor else None,
            "ratio": self.ratio,
            "goal": self.goal_text,
            "passed": self.passed,
            "note": self.note,
            **self.extra,
        }
