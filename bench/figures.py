"""The measurements: each figure of the issue's table, run on the generated programme, beside its
floor (bench.floors) or baseline (bench.baseline)."""

import io
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from paperwork.models import PlanAdjustment
from paperwork.selectors.overview import paperwork_rows
from projects import selectors as facts
from projects import services
from projects.choices import LINKED_TAGS, ProjectKind
from projects.data_version import data_changed
from projects.models import Notification, PlanYear, Project, Unit, User
from projects.rules.milestones import judged_on
from reporting import reports
from reporting import selectors as dashboards
from reporting.exports.build import build_city_monthly
from reporting.exports.rows import CityMonthly
from reporting.exports.workbooks import city_monthly_workbook
from reporting.exports.workflow import timeliness_table

from . import floors, importfiles
from .baseline import baseline_import
from .generate import CITY_USERNAME, CLERK_PREFIX, clerk_projects
from .htmlforms import form_with
from .measure import Row, Samples, peak_memory, query_count, timed, timed_together
from .scales import Scale

AS_OF = date(2022, 11, 30)
# The month whose city report lists every 2022 project as not started: the generator starts none
# before February, so January's not-started sheet holds all of them.
WORKBOOK_MONTH = 1
TIMELINESS_TODAY = date(2022, 12, 31)
REPORTS = "/city/reports/"


@dataclass(frozen=True)
class Context:
    """What every measurement needs: the programme's scale and plan year, and how often to repeat."""

    scale: Scale
    plan_year: PlanYear
    repeat: int
    heavy_repeat: int
    seed: int
    files: Path = importfiles.CACHE
    warmup: int = 1
    # Peak memory (tracemalloc) is slow to take; the test suite leaves it out.
    memory: bool = True
    log: Callable[[str], None] = print


def _milestone_dates(plan_year: PlanYear, as_of: date) -> list[date]:
    """The dates the milestone table sums on (as projects.selectors.milestone_report takes them)."""
    specs = facts.milestone_specs(plan_year=plan_year)
    return sorted({as_of} | {judged_on(due=s.due, as_of=as_of) for s, _ in specs})


def floor_agrees(*, plan_year: PlanYear, as_of: date) -> bool:
    """The floor's statement returns exactly the figures and targets the portal's milestone table
    is built from (so the comparison is of the same work)."""
    dates = _milestone_dates(plan_year, as_of)
    portal = {
        row.unit.id: row for row in facts.units_with_figures(plan_year=plan_year, dates=dates)
    }
    floor = floors.overview_floor(plan_year_id=plan_year.id, dates=dates)
    for row in floor:
        mine = portal[row.unit_id]
        if (row.new_starts, row.completions, row.carryover) != (
            mine.targets.new_starts,
            mine.targets.completions,
            mine.targets.carryover,
        ):
            return False
        if (row.projects_total, row.carryover_projects_total, row.figures) != (
            mine.projects_total,
            mine.carryover_projects_total,
            mine.figures,
        ):
            return False
    return [r.unit_id for r in floor] == list(portal) and len(floor) == Unit.objects.count()


def _client(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def page_floor_agrees(*, plan_year: PlanYear, as_of: date, client: Client, user: User) -> bool:
    """The whole-page floor reads what the page is built from: the figures (floor_agrees), the
    milestones, the unassigned carry-over, the city's cumulative series, every unit's paperwork,
    the city office's worklist (reports awaiting receipt, open flags, adjustments to decide) and the
    unread notifications, each equal to what the portal's selectors return."""
    data = _page_floor(plan_year, as_of, client, user)()
    specs = facts.milestone_specs(plan_year=plan_year)
    if [(m.key, m.due) for _, m in specs] != [(row[0], row[2]) for row in data.milestones]:
        return False
    if data.unassigned != facts.unassigned_carryover(plan_year=plan_year):
        return False
    series = dashboards.cumulative(plan_year=plan_year, as_of=as_of)
    for name, by_day in data.daily.items():
        running = tuple(sum(n for d, n in by_day.items() if d <= day) for day in series.days)
        if running != getattr(series, name):
            return False
    for row in paperwork_rows(plan_year=plan_year, today=as_of):
        unit_id = row.unit.id
        tags = {t: n for t, n in data.tags.get(unit_id, {}).items() if t in LINKED_TAGS}
        if (
            row.plan_submitted_on,
            row.renovation_plans_missing,
            row.overdue_rectifications,
            {t: n for t, n in row.tags.items() if n},
        ) != (
            data.plans.get(unit_id),
            data.missing.get(unit_id, 0),
            data.overdue.get(unit_id, 0),
            tags,
        ):
            return False
    latest = reports.latest_versions(plan_year=plan_year)
    awaiting = sorted((u, m, r.version) for (u, m), r in latest.items() if r.state == "approved")
    if awaiting != sorted((u, m, v) for u, m, v, _ in data.awaiting):
        return False
    if [f.id for f in reports.flags_open(plan_year=plan_year)] != [f[0] for f in data.flags]:
        return False
    adjustments = PlanAdjustment.objects.filter(plan_year=plan_year, state="submitted")
    if list(adjustments.order_by("submitted_on", "id").values_list("id", flat=True)) != [
        a[0] for a in data.adjustments
    ]:
        return False
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
    return (
        data.session
        and data.user is not None
        and data.unread == unread
        and floor_agrees(plan_year=plan_year, as_of=as_of)
    )


def _page_floor(plan_year: PlanYear, as_of: date, client: Client, user: User) -> Callable[[], Any]:
    dates = _milestone_dates(plan_year, as_of)
    session_key = client.session.session_key or ""

    def run() -> floors.PageData:
        return floors.overview_page_floor(
            session_key=session_key, user_id=user.pk, dates=dates, as_of=as_of, now=timezone.now()
        )

    return run


def overview(ctx: Context) -> tuple[list[Row], dict[str, Any]]:
    """The city overview page (server time through the whole Django stack) read from the cache
    (warm) and built just after a write (cold), both against the floor of everything the page
    reads; its data (the selector behind it) and check_targets --json against the figures'
    floor statement."""
    plan_year, as_of = ctx.plan_year, AS_OF
    dates = _milestone_dates(plan_year, as_of)
    user = User.objects.get(username=CITY_USERNAME)
    client = _client(CITY_USERNAME)
    url = f"/city/?as_of={as_of.isoformat()}"

    def page() -> None:
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: HTTP {response.status_code}")

    def selector() -> None:
        dashboards.city_overview(plan_year=plan_year, as_of=as_of)

    def check_targets() -> None:
        call_command(
            "check_targets", year=plan_year.year, as_of=as_of.isoformat(), json=True,
            stdout=io.StringIO(),
        )  # fmt: skip

    def floor() -> None:
        floors.overview_floor(plan_year_id=plan_year.id, dates=dates)

    page_floor = _page_floor(plan_year, as_of, client, user)

    ctx.log("  概况页（缓存、写入后）、check_targets 与底线 SQL")
    floor_samples, page_floor_samples, page_samples, selector_samples, check_samples = (
        timed_together(
            [floor, page_floor, page, selector, check_targets],
            repeat=ctx.repeat,
            warmup=ctx.warmup,
        )
    )
    # Cold: a write (its version raised, untimed) just before each request.
    cold_floor_samples, cold_samples = timed_together(
        [page_floor, page], repeat=ctx.repeat, warmup=ctx.warmup, setup=data_changed
    )
    data_changed()
    queries = {
        "overview_page_cold": query_count(page),
        "overview_page": query_count(page),
        "overview_selector": query_count(selector),
        "check_targets": query_count(check_targets),
        "floor": query_count(floor),
        "page_floor": query_count(page_floor),
    }
    page_bytes = len(client.get(url).content)
    rows = [
        Row(
            "city overview page /city/ (server), warm: read from the cache",
            page_samples,
            page_floor_samples,
            goal="ratio",
            limit=1.5,
            note=f"{queries['overview_page']} queries, {page_bytes / 1024:.0f} KiB",
        ),
        Row(
            "city overview page /city/ (server), cold: just after a write",
            cold_samples,
            cold_floor_samples,
            goal="time",
            limit=0.1,
            note=f"{queries['overview_page_cold']} queries",
        ),
        Row(
            "city overview data (reporting.selectors.city_overview)",
            selector_samples,
            floor_samples,
            goal="ratio",
            limit=1.5,
            note=f"{queries['overview_selector']} queries",
        ),
        Row(
            "check_targets --json",
            check_samples,
            floor_samples,
            goal="ratio",
            limit=1.5,
            note=f"{queries['check_targets']} queries",
        ),
        Row(
            "floor of the whole page's data (bench.floors.overview_page_floor)",
            page_floor_samples,
            floor_samples,
            note=f"{queries['page_floor']} statements; against the figures' one statement",
        ),
    ]
    info = {
        "as_of": as_of.isoformat(),
        "queries": queries,
        "page_bytes": page_bytes,
        "floor_agrees": floor_agrees(plan_year=plan_year, as_of=as_of),
        "page_floor_agrees": page_floor_agrees(
            plan_year=plan_year, as_of=as_of, client=client, user=user
        ),
        "floor_sql": floors.overview_floor_sql(dates=dates),
    }
    return rows, info


def pages(ctx: Context) -> tuple[list[Row], dict[str, Any]]:
    """The clerk's pages the load test mixes in, timed one at a time through the whole stack (no
    floor, no goal: they explain the load test's figures), the city office's list of every unit's
    projects, and its report index (goal: 50 ms a page). The save is rolled back each time."""
    ctx.log("  区县页面（项目列表、编辑）与信息月报列表")
    project_id = clerk_projects(count=1)[0]
    client = _client(f"{CLERK_PREFIX}01")
    edit = f"/projects/{project_id}/edit/"
    form = _query(form_with(client.get(edit).content.decode(), "version"))

    city = _client(CITY_USERNAME)

    def get(url: str, status: int = 200, as_user: Client = client) -> Callable[[], None]:
        def run() -> None:
            response = as_user.get(url)
            if response.status_code != status:
                raise RuntimeError(f"{url}: HTTP {response.status_code}")

        return run

    def save() -> None:
        response = client.post(edit, data=form)
        if response.status_code != 302:
            raise RuntimeError(f"{edit}: HTTP {response.status_code}, not saved")

    rows = []
    for name, run, rollback, limit in (
        ("project list /projects/ (server)", get("/projects/"), False, None),
        (
            "project list of every unit, city office (server)",
            get("/projects/", as_user=city),
            False,
            None,
        ),
        ("project edit form GET (server)", get(edit), False, None),
        ("project edit save POST (server)", save, True, None),
        # The city office's months table, a page of units (200) at a time.
        (
            "report index /city/reports/ (server), city office",
            get(REPORTS, as_user=city),
            False,
            0.05,
        ),
    ):
        queries = query_count(run, rollback=rollback)
        samples = timed(run, repeat=ctx.repeat, warmup=ctx.warmup, rollback=rollback)
        if limit is None:
            rows.append(Row(name, samples, note=f"{queries} queries"))
        else:
            size = len(city.get(REPORTS).content)
            note = f"{queries} queries, {size / 1024:.0f} KiB"
            rows.append(Row(name, samples, goal="time", limit=limit, note=note))
    return rows, {"project_id": project_id}


def _query(fields: list[tuple[str, str]]) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    return data


def _city_monthly(plan_year: PlanYear) -> CityMonthly:
    """January's city report, built as the download view builds it."""
    return build_city_monthly(
        plan_year=plan_year,
        month=WORKBOOK_MONTH,
        timeliness=timeliness_table(
            plan_year=plan_year,
            month=WORKBOOK_MONTH,
            as_of=TIMELINESS_TODAY,
            units=list(Unit.objects.all()),
        ),
    )


def workbook_floor_agrees(*, plan_year: PlanYear, data: CityMonthly) -> bool:
    """The floor's statements read the rows the city workbook is compiled from: every unit, and the
    very projects its not-started sheet lists (so the download is compared with the same work)."""
    rows = floors.city_monthly_read_floor(plan_year_id=plan_year.id)
    listed = [(r.unit, r.project) for r in data.not_started]
    units = {r[0] for r in rows.reports}
    return (
        floors.valid_not_started(rows, month=WORKBOOK_MONTH) == listed
        and len(units) == len(data.rows)
        and len(rows.plan) >= len(data.milestone_columns)
    )


def workbook(ctx: Context) -> tuple[list[Row], dict[str, Any]]:
    """The city's monthly report for January, whose not-started sheet lists every 2022 project:
    the writer against the plain write of the same values by the same library (XlsxWriter), the
    build against the statements reading its rows, the download against those statements and the
    plain write; openpyxl's plain write-only (the floor before issue 17) beside them; peak memory
    at two sizes."""
    plan_year = ctx.plan_year
    ctx.log("  月报工作簿")
    data = _city_monthly(plan_year)
    rows_written = len(data.not_started)
    quarter = replace(data, not_started=data.not_started[: max(1, rows_written // 4)])

    def app_writer(report: CityMonthly) -> Callable[[], None]:
        return lambda: city_monthly_workbook(report, io.BytesIO())

    def floor_writer(report: CityMonthly) -> Callable[[], None]:
        return lambda: floors.city_monthly_floor(report, io.BytesIO())

    def read_floor() -> None:
        floors.city_monthly_read_floor(plan_year_id=plan_year.id)

    def download_floor() -> None:
        read_floor()
        floors.city_monthly_floor(data, io.BytesIO())

    client = _client(CITY_USERNAME)
    url = f"/city/reports/city/{WORKBOOK_MONTH}/export.xlsx"

    def download() -> None:
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: HTTP {response.status_code}")

    write_samples, floor_samples, openpyxl_samples = timed_together(
        [
            app_writer(data),
            floor_writer(data),
            lambda: floors.city_monthly_openpyxl_floor(data, io.BytesIO()),
        ],
        repeat=ctx.repeat,
        warmup=ctx.warmup,
    )
    build_samples, read_samples = timed_together(
        [lambda: _city_monthly(plan_year), read_floor], repeat=ctx.repeat, warmup=ctx.warmup
    )
    download_samples, download_floor_samples = timed_together(
        [download, download_floor], repeat=ctx.repeat, warmup=ctx.warmup
    )
    rows = [
        Row(
            f"monthly workbook: write ({rows_written} project rows)",
            write_samples,
            floor_samples,
            goal="ratio",
            limit=1.3,
        ),
        Row(
            "monthly workbook: write vs openpyxl's plain write-only (the floor before issue 17)",
            write_samples,
            openpyxl_samples,
        ),
        Row(
            "monthly workbook: build (queries + start rule)",
            build_samples,
            read_samples,
            note=f"{query_count(lambda: _city_monthly(plan_year))} queries; floor 2",
        ),
        Row(
            "monthly workbook: download (build + write, server)",
            download_samples,
            download_floor_samples,
            goal="ratio",
            limit=2.0,
            note=f"{query_count(download)} queries",
        ),
    ]
    memory = None
    if ctx.memory:
        memory = {
            "rows": [len(quarter.not_started), rows_written],
            "write_peak_bytes": [peak_memory(app_writer(quarter)), peak_memory(app_writer(data))],
            "floor_write_peak_bytes": [
                peak_memory(floor_writer(quarter)),
                peak_memory(floor_writer(data)),
            ],
            "build_and_write_peak_bytes": peak_memory(
                lambda: city_monthly_workbook(_city_monthly(plan_year), io.BytesIO())
            ),
        }
    return rows, {
        "month": WORKBOOK_MONTH,
        "rows": rows_written,
        "memory": memory,
        "floor_agrees": workbook_floor_agrees(plan_year=plan_year, data=data),
        "read_floor_sql": [floors.READ_REPORTS_SQL, floors.READ_PLAN_SQL],
    }


def _unit_names() -> list[str]:
    return list(Unit.objects.order_by("sort_order", "id").values_list("name", flat=True))


def project_import(ctx: Context) -> tuple[list[Row], dict[str, Any]]:
    """The projects template imported by the portal's service (every check, all or nothing)
    against read-only + bulk_create, and against django-import-export's row-by-row import."""
    plan_year, rows = ctx.plan_year, ctx.scale.import_projects
    ctx.log(f"  项目导入（{rows} 行）")
    source = importfiles.projects_file(
        rows=rows, units=_unit_names(), seed=ctx.seed, directory=ctx.files
    )

    def app() -> None:
        result = services.projects_import(source=source, plan_year=plan_year)
        if not result.ok or result.created != rows:
            raise RuntimeError(f"projects_import: {result.errors[:3]} created {result.created}")

    def floor() -> None:
        floors.projects_import_floor(source=source, plan_year=plan_year)

    baseline_rows = min(rows, ctx.scale.baseline_rows)
    baseline_source = (
        source
        if baseline_rows == rows
        else importfiles.projects_file(
            rows=baseline_rows, units=_unit_names(), seed=ctx.seed, directory=ctx.files
        )
    )

    def baseline() -> None:
        baseline_import(source=baseline_source, plan_year=plan_year)

    app_samples, floor_samples = timed_together(
        [app, floor], repeat=ctx.heavy_repeat, warmup=0, rollback=True
    )
    baseline_samples = timed(baseline, repeat=1, warmup=0, rollback=True)
    if baseline_rows != rows:
        # Row by row, its time grows linearly with the rows: scaled to the full file.
        baseline_samples = Samples(
            tuple(s * rows / baseline_rows for s in baseline_samples.seconds)
        )
    table = [
        Row(
            f"import {rows} project rows (services.projects_import)",
            app_samples,
            floor_samples,
            goal="ratio",
            limit=2.0,
            note=f"file {source.stat().st_size / 1e6:.1f} MB",
        ),
        Row(
            f"import {rows} project rows vs django-import-export row by row",
            app_samples,
            baseline_samples,
            goal="faster",
            limit=3.0,
            note=""
            if baseline_rows == rows
            else f"baseline run on {baseline_rows} rows, scaled ×{rows / baseline_rows:g}",
        ),
    ]
    info = {
        "rows": rows,
        "file_bytes": source.stat().st_size,
        "baseline_rows": baseline_rows,
        "queries": query_count(app, rollback=True),
    }
    return table, info


def _roster_setup(plan_year: PlanYear, rows: int) -> Callable[[], None]:
    """Create (inside the measurement's transaction, untimed) the projects a household file fills."""
    units = {u.name: u.id for u in Unit.objects.all()}
    roster = importfiles.roster_projects(rows=rows, units=_unit_names())

    def setup() -> None:
        Project.objects.bulk_create(
            (
                Project(
                    plan_year=plan_year,
                    unit_id=units[p.unit],
                    kind=ProjectKind.NEW,
                    name=p.name,
                    households=p.households,
                )
                for p in roster
            ),
            batch_size=2_000,
        )

    return setup


def household_import(ctx: Context) -> tuple[list[Row], dict[str, Any]]:
    """The household roster template imported by the portal's service (every check, start dates
    recomputed) against read-only + bulk_create, with peak memory at a quarter and at the full
    size."""
    plan_year, rows = ctx.plan_year, ctx.scale.import_households
    ctx.log(f"  住户导入（{rows} 行）")
    names = _unit_names()
    source = importfiles.households_file(rows=rows, units=names, seed=ctx.seed, directory=ctx.files)
    setup = _roster_setup(plan_year, rows)

    def app(path: Path, expected: int) -> Callable[[], None]:
        def run() -> None:
            result = services.households_import(source=path, plan_year=plan_year)
            if not result.ok or result.created != expected:
                raise RuntimeError(f"households_import: {result.errors[:3]} {result.created}")

        return run

    def floor(path: Path) -> Callable[[], None]:
        return lambda: floors.households_import_floor(source=path, plan_year=plan_year)

    app_samples, floor_samples = timed_together(
        [app(source, rows), floor(source)],
        repeat=ctx.heavy_repeat,
        warmup=0,
        setup=setup,
        rollback=True,
    )
    memory = None
    if ctx.memory:
        # Two sizes, four times apart: tracemalloc slows Python several times over, so the full
        # file is traced only when it is small, and a large one at 10,000 and 40,000 rows.
        sizes = [rows // 4, rows] if rows <= 50_000 else [10_000, 40_000]
        files = [
            importfiles.households_file(rows=n, units=names, seed=ctx.seed, directory=ctx.files)
            for n in sizes
        ]
        setups = [_roster_setup(plan_year, n) for n in sizes]
        memory = {
            "rows": sizes,
            "import_peak_bytes": [
                peak_memory(app(f, n), setup=up, rollback=True)
                for f, n, up in zip(files, sizes, setups, strict=True)
            ],
            "floor_peak_bytes": [
                peak_memory(floor(f), setup=up, rollback=True)
                for f, up in zip(files, setups, strict=True)
            ],
        }
    table = [
        Row(
            f"import {rows} household rows (services.households_import)",
            app_samples,
            floor_samples,
            goal="ratio",
            limit=2.0,
            note=f"file {source.stat().st_size / 1e6:.1f} MB",
        )
    ]
    return table, {"rows": rows, "file_bytes": source.stat().st_size, "memory": memory}
