"""The sizes a benchmark run generates and measures: the programme in the database, and the import
files (whose sizes are the issue's, fixed at province scale and above)."""

from dataclasses import dataclass, replace

# Bump when the generated data changes, so an old programme is not reused as if it were the new one
# (a database holding an older version of the same programme is dropped and generated again).
GENERATOR_VERSION = 2


@dataclass(frozen=True)
class Scale:
    """A programme of ``units`` county-level units, ``projects`` projects and ``households``
    household records (the sum of the projects' household counts), and the sizes of the imports and
    of the load test measured on it."""

    name: str
    units: int
    projects: int
    households: int
    import_projects: int
    import_households: int
    load_users: int = 50
    load_seconds: int = 60
    # The load test's latency bound: every request kind's 95th percentile at most this (issue 17:
    # 1 s at province, and at city; 2 s at national scale).
    load_p95_ms: int = 1_000
    # django-import-export's row-by-row import is slow: it runs on a file of at most this many rows
    # and its time is scaled to the full file (it grows linearly; the harness records both).
    baseline_rows: int = 20_000


SCALES: dict[str, Scale] = {
    "city": Scale("city", 11, 200, 22_000, import_projects=2_000, import_households=22_000),
    # Above a city the row-by-row baseline runs on a quarter of the file (about a minute saved a
    # run; it grows linearly, and the record says it was scaled).
    "province": Scale(
        "province",
        160,
        4_000,
        400_000,
        import_projects=20_000,
        import_households=400_000,
        baseline_rows=5_000,
    ),
    "national": Scale(
        "national",
        3_000,
        60_000,
        9_000_000,
        import_projects=20_000,
        import_households=400_000,
        baseline_rows=5_000,
        load_p95_ms=2_000,
    ),
}

# The smallest programme the harness can build: the test suite generates it on SQLite.
TINY = Scale(
    "tiny",
    11,
    24,
    1_200,
    import_projects=30,
    import_households=300,
    load_users=0,
    load_seconds=0,
    baseline_rows=30,
)


def smoke(scale: Scale) -> Scale:
    """The same programme with small imports and a short, light load test: exercises every path
    quickly (CI), its times mean nothing."""
    return replace(
        scale,
        import_projects=min(scale.import_projects, 200),
        import_households=min(scale.import_households, 2_000),
        load_users=min(scale.load_users, 5),
        load_seconds=min(scale.load_seconds, 10),
        baseline_rows=min(scale.baseline_rows, 100),
    )
