"""The household roster imported from the browser as background jobs (issue 17: "a 400,000-row
household import started from the browser completes in the background with progress and no
request over 5 s").

gunicorn and a Celery worker on Redis (bench.browser) serve the portal on the benchmark database;
a browser's session over HTTP (cookies, the CSRF token read from each form, redirects followed one
at a time) logs in as the system administrator and uploads the roster in the admin's household
import — the one page that takes a roster of many units (a unit's clerk imports one project's
roster on its page, all rows of that project) — follows to the preview job's page, polls the
status its progress bar polls, once a second, confirms on the finished preview, and polls the
import job to its end. Every request's wall time is recorded, the slowest judged against 5 s.

What the import needs (the file's projects, 100 households each, and the administrator) is created
beforehand, untimed and committed, for the worker to see; afterwards it is removed with everything
the import wrote (households, their history, the projects' history, the jobs, the login's session
and access log, the stored upload), and the row count of every table is compared with the one
before (in the tables every visitor writes to — sessions, login records, the database cache — only
this run's own rows count, for others may use the database meanwhile). The result is compared with
the synchronous service's on the same file, run first in a transaction rolled back: the same
counts, the same households, the same consent and start dates, as many history rows.
"""

import hashlib
import html
import json
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any
from urllib.parse import quote

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection, models, transaction
from django.db.models import QuerySet
from django.urls import reverse

from projects import services
from projects.choices import JobState, Role
from projects.import_jobs import LISTED
from projects.models import Household, Job, PlanYear, Project, User

from . import importfiles
from .browser import BROKER_URL, Answer, Browser, Send, served
from .figures import Context, _roster_setup, _unit_names
from .generate import BENCH_PASSWORD
from .htmlforms import form_with
from .measure import Row, Samples, rolled_back, vacuum

GOAL_SECONDS = 5.0
# The page's progress bar asks for the job's status a second after each answer
# (static/js/job_progress.js).
POLL_SECONDS = 1.0
JOB_DEADLINE_SECONDS = 3_600
ADMIN_USERNAME = "bench_import_admin"
# The names of importfiles.roster_projects: no project of the generated programme has one.
ROSTER_PREFIX = "住户导入"
JOB_PATH = re.compile(r"^/jobs/(\d+)/$")
STATUS_URL = re.compile(r'data-status-url="([^"]+)"')
OVER = re.compile(r'id="job"[^>]*data-over="1"')
CONFIRM_FORM = re.compile(r'<form\b[^>]*\bid="import-confirm"[^>]*>')
ACTION = re.compile(r'\baction="([^"]*)"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Flow:
    """What the browser saw: the two jobs, the progress each poll showed, and the times."""

    preview_job: int = 0
    import_job: int = 0
    # One per status poll: which job, seconds from the upload's start, state, done, total, percent.
    progress: list[dict[str, Any]] = field(default_factory=list)
    preview_seconds: float = 0.0
    import_seconds: float = 0.0
    total_seconds: float = 0.0
    message: str = ""


def _job_id(path: str, step: str) -> int:
    found = JOB_PATH.match(path)
    if not found:
        raise RuntimeError(f"{step} led to {path}, not to a job's page")
    return int(found[1])


def _follow_job(
    browser: Browser,
    flow: Flow,
    *,
    label: str,
    path: str,
    page: Answer,
    wait: Callable[[float], None],
) -> tuple[dict[str, Any], Answer]:
    """Poll the job's status as its page does until the job is over, then reload the page.
    A page showing a job already over (no worker: it ran in the request) polls nothing."""
    status: dict[str, Any] = {}
    if OVER.search(page.text):
        return status, page
    found = STATUS_URL.search(page.text)
    if not found:
        raise RuntimeError(f"{label}: the job's page has no status to poll")
    status_url = html.unescape(found[1])
    deadline = browser.clock() + JOB_DEADLINE_SECONDS
    while True:
        wait(POLL_SECONDS)
        status = json.loads(browser.request(f"{label}: status", "GET", status_url).text)
        flow.progress.append(
            {
                "job": label,
                "at": round(browser.clock() - browser.origin, 3),
                **{k: status[k] for k in ("state", "done", "total", "percent")},
            }
        )
        if status["over"]:
            break
        if browser.clock() > deadline:
            raise RuntimeError(
                f"{label}: job still {status['state']} after {JOB_DEADLINE_SECONDS} s"
            )
    return status, browser.request(f"{label}: page reloaded", "GET", path)


def import_in_browser(
    browser: Browser,
    *,
    source: Path,
    username: str,
    password: str,
    wait: Callable[[float], None] = time.sleep,
) -> Flow:
    """Log in, upload ``source`` in the admin's household import, follow the preview job to its
    end, confirm, follow the import job to its end, log out."""
    flow = Flow()
    upload_page = reverse("admin:projects_household_import")
    browser.origin = browser.clock()
    _path, login = browser.visit(
        "login page", "GET", f"{reverse('login')}?next={quote(upload_page)}"
    )
    fields = [
        (name, {"username": username, "password": password}.get(name, value))
        for name, value in form_with(login.text, "username")
    ]
    path, page = browser.visit("log in", "POST", reverse("login"), fields)
    if path != upload_page:
        raise RuntimeError(f"logging in led to {path}, not to the import page")
    fields = form_with(page.text, "plan_year")
    browser.origin = started = browser.clock()
    path, page = browser.visit("upload", "POST", upload_page, fields, {"import_file": source})
    flow.preview_job = _job_id(path, "the upload")
    status, page = _follow_job(browser, flow, label="preview", path=path, page=page, wait=wait)
    flow.preview_seconds = browser.clock() - started
    form = CONFIRM_FORM.search(page.text)
    if not form:
        raise RuntimeError(f"the preview offers no confirmation: {status.get('message', '')}")
    action = ACTION.search(form[0])
    confirm_url = html.unescape(action[1]) if action else path
    # The button pressed is sent with the form's fields, as a browser sends it.
    fields = [*form_with(page.text, "token"), ("confirm", "1")]
    confirmed = browser.clock()
    path, page = browser.visit("confirm", "POST", confirm_url, fields)
    flow.import_job = _job_id(path, "the confirmation")
    status, page = _follow_job(browser, flow, label="import", path=path, page=page, wait=wait)
    done = browser.clock()
    flow.import_seconds = done - confirmed
    flow.total_seconds = done - started
    flow.message = status.get("message", "")
    token = CSRF.search(page.text)
    if token:
        browser.visit("log out", "POST", reverse("logout"), [("csrfmiddlewaretoken", token[1])])
    return flow


# --- what the import needs, and its removal -----------------------------------------------------


def _roster(plan_year: PlanYear) -> QuerySet[Project]:
    return Project.objects.filter(plan_year=plan_year, name__startswith=ROSTER_PREFIX)


def _admin_create() -> User:
    """The system administrator who imports the roster (the admin's import asks a superuser)."""
    return User.objects.create_user(
        username=ADMIN_USERNAME,
        password=BENCH_PASSWORD,
        role=Role.ADMIN,
        is_staff=True,
        is_superuser=True,
    )


def _delete_in(cursor: Any, model: type[models.Model], column: str, among: QuerySet[Any]) -> int:
    """DELETE the model's rows whose ``column`` is among the ids ``among`` selects, in one
    statement: no row is loaded, and no history of the deletion is written."""
    sql, params = among.values("pk").query.sql_with_params()
    quote_name = connection.ops.quote_name
    cursor.execute(
        f"DELETE FROM {quote_name(model._meta.db_table)} WHERE {quote_name(column)} IN ({sql})",  # noqa: S608
        params,
    )
    return int(cursor.rowcount)


def _sessions_of(user: User) -> list[str]:
    return [
        s.session_key
        for s in Session.objects.iterator()
        if s.get_decoded().get("_auth_user_id") == str(user.pk)
    ]


def remove(plan_year: PlanYear) -> dict[str, int]:
    """Remove the roster's projects with their households and history, and the administrator with
    its jobs, sessions and login records; how many rows of each."""
    removed: dict[str, int] = {}
    roster = _roster(plan_year)
    admin = User.objects.filter(username=ADMIN_USERNAME).first()
    with transaction.atomic(), connection.cursor() as cursor:
        if admin is not None:
            for job in Job.objects.filter(user=admin):
                if job.result:
                    job.result.delete(save=False)
            removed["jobs"] = Job.objects.filter(user=admin).delete()[0]
            removed["sessions"] = Session.objects.filter(pk__in=_sessions_of(admin)).delete()[0]
        removed["household_history"] = _delete_in(
            cursor, Household.history.model, "project_id", roster
        )
        removed["households"] = _delete_in(cursor, Household, "project_id", roster)
        removed["project_history"] = _delete_in(cursor, Project.history.model, "id", roster)
        removed["projects"] = _delete_in(cursor, Project, "id", roster)
        removed["login_records"] = sum(
            model.objects.filter(username=ADMIN_USERNAME).delete()[0]
            for model in (AccessLog, AccessAttempt, AccessFailureLog)
        )
        removed["users"] = User.objects.filter(username=ADMIN_USERNAME).delete()[0]
    return removed


def shared_tables() -> frozenset[str]:
    """The tables every visitor writes to: sessions, login records, the database cache. Others
    using the benchmark database meanwhile move their counts; this run's own rows in them are
    removed by who they belong to, and checked gone (``own_rows_left``)."""
    tables = {
        model._meta.db_table for model in (Session, AccessLog, AccessAttempt, AccessFailureLog)
    }
    cache = settings.CACHES["default"]
    if cache["BACKEND"].endswith(".DatabaseCache"):
        tables.add(cache["LOCATION"])
    return frozenset(tables)


def own_rows_left(user_id: int) -> int:
    """The sessions and login records of the administrator (user ``user_id``) still there."""
    sessions = sum(
        1
        for s in Session.objects.iterator()
        if s.get_decoded().get("_auth_user_id") == str(user_id)
    )
    return sessions + sum(
        model.objects.filter(username=ADMIN_USERNAME).count()
        for model in (AccessLog, AccessAttempt, AccessFailureLog)
    )


def table_counts() -> dict[str, int]:
    """Every table's row count."""
    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = int(cursor.fetchone()[0])
    return counts


# Every field an import writes on a household, with the project it belongs to.
HOUSEHOLD_FIELDS = (
    "project_id", "building", "entrance", "room", "head_name", "phone",
    "plan_opinion", "management_opinion", "answered_on",
)  # fmt: skip


def imported_state(plan_year: PlanYear) -> dict[str, Any]:
    """What an import of the roster left: the households (a digest of every field), the projects'
    consent and start dates (a digest), and the history rows written."""
    roster = _roster(plan_year)
    households = hashlib.sha256()
    count = 0
    for row in (
        Household.objects.filter(project__in=roster)
        .order_by("project_id", "building", "entrance", "room")
        .values_list(*HOUSEHOLD_FIELDS)
        .iterator(chunk_size=10_000)
    ):
        households.update(repr(row).encode())
        count += 1
    dates = hashlib.sha256()
    for row in roster.order_by("pk").values_list("pk", "consent_met_on", "started_on"):
        dates.update(repr(row).encode())
    return {
        "households": count,
        "households_digest": households.hexdigest(),
        "consented": roster.filter(consent_met_on__isnull=False).count(),
        "started": roster.filter(started_on__isnull=False).count(),
        "dates_digest": dates.hexdigest(),
        "history_rows": Household.history.model.objects.filter(
            project_id__in=roster.values("pk")
        ).count()
        + Project.history.model.objects.filter(id__in=roster.values("pk")).count(),
    }


def _sync_import(source: Path, plan_year: PlanYear, user: User) -> dict[str, Any]:
    """The synchronous service on the same file, rolled back: its counts, time and state."""
    with rolled_back():
        start = time.perf_counter()
        result = services.households_import(source=source, plan_year=plan_year, user=user)
        seconds = time.perf_counter() - start
        state = imported_state(plan_year)
    return {
        "seconds": seconds,
        "ok": result.ok,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "errors": len(result.errors),
        "warnings": len(result.warnings),
        "state": state,
    }


def _job_record(pk: int) -> dict[str, Any]:
    """A job as the worker left it: its state, counts and its own times on the worker."""
    job = Job.objects.get(pk=pk)
    outcome = job.outcome or {}
    return {
        "id": job.pk,
        "state": job.state,
        "message": job.message,
        "done": job.done,
        "total": job.total,
        "queued_seconds": (job.started_at - job.created_at).total_seconds()
        if job.started_at
        else None,
        "run_seconds": (job.finished_at - job.started_at).total_seconds()
        if job.finished_at and job.started_at
        else None,
        **{
            k: outcome.get(k)
            for k in ("ok", "created", "updated", "unchanged", "error_count", "dry_run")
        },
        "warnings": len(outcome.get("warnings") or []),
        "errors": (outcome.get("errors") or [])[:5],
    }


def progress_rises(progress: list[dict[str, Any]], job: str) -> bool | None:
    """Whether the job's bar never went back and moved while the job ran (None: the job was over
    before three polls saw it running, too quick to judge)."""
    seen = [p for p in progress if p["job"] == job]
    running = [p["percent"] for p in seen if p["state"] in (JobState.QUEUED, JobState.RUNNING)]
    if len(running) < 3:
        return None
    percents = [p["percent"] for p in seen]
    return all(a <= b for a, b in pairwise(percents)) and running[0] < running[-1]


def _vacuum() -> None:
    """VACUUM the written tables, unless inside a transaction (a test's), where PostgreSQL
    refuses it."""
    if not connection.in_atomic_block:
        vacuum()


# --- the measurement ------------------------------------------------------------------------------

Serve = Callable[[Path, int], AbstractContextManager[Send]]


def browser_import(ctx: Context) -> tuple[list[Row], dict[str, Any]]:
    """The roster imported from the browser through gunicorn and a Celery worker."""
    return measure(ctx, serve=served)


def measure(
    ctx: Context, *, serve: Serve, wait: Callable[[float], None] = time.sleep
) -> tuple[list[Row], dict[str, Any]]:
    """The browser's import of the scale's roster, served by ``serve(media, job_rows)``."""
    plan_year, rows = ctx.plan_year, ctx.scale.import_households
    # The deployment's threshold, or half the file when the file is smaller (a smoke run): the
    # file always goes through the jobs.
    job_rows = min(settings.JOBS_IMPORT_ROWS, rows // 2)
    ctx.log(f"  浏览器导入住户（{rows} 行，后台任务，超过 {job_rows} 行）")
    source = importfiles.households_file(
        rows=rows, units=_unit_names(), seed=ctx.seed, directory=ctx.files
    )
    phases: dict[str, float] = {}
    mark = time.perf_counter()

    def phase(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        phases[name] = round(now - mark, 3)
        mark = now

    leftover = remove(plan_year)
    if any(leftover.values()):
        ctx.log(f"    removed what an interrupted run left: {leftover}")
    before = table_counts()
    admin = _admin_create()
    with transaction.atomic():
        _roster_setup(plan_year, rows)()
    media = Path(tempfile.mkdtemp(prefix="zmd-bench-media-"))
    left_in_media: list[str] = []
    phase("setup")
    try:
        sync = _sync_import(source, plan_year, admin)
        _vacuum()
        phase("synchronous import")
        with serve(media, job_rows) as send:
            phase("servers started")
            browser = Browser(send)
            flow = import_in_browser(
                browser, source=source, username=ADMIN_USERNAME, password=BENCH_PASSWORD, wait=wait
            )
            phase("browser")
        phase("servers stopped")
        jobs = {"preview": _job_record(flow.preview_job), "import": _job_record(flow.import_job)}
        state = imported_state(plan_year)
        phase("result read")
    finally:
        left_in_media = sorted(str(p.relative_to(media)) for p in media.rglob("*") if p.is_file())
        shutil.rmtree(media, ignore_errors=True)
        removed = remove(plan_year)
        _vacuum()
        phase("removal")
    after = table_counts()
    left = own_rows_left(admin.pk)
    changed = {t: [before.get(t), after.get(t)] for t in before.keys() | after.keys()}
    changed = {t: counts for t, counts in sorted(changed.items()) if counts[0] != counts[1]}
    changed_here = {t: counts for t, counts in changed.items() if t not in shared_tables()}
    done = jobs["import"]
    # A job keeps the first LISTED warnings for its page.
    same_counts = (
        all(done[k] == sync[k] for k in ("created", "updated", "unchanged"))
        and done["warnings"] == min(sync["warnings"], LISTED)
        and (done["error_count"], sync["errors"]) == (0, 0)
    )
    checks = {
        "created_all_rows": done["state"] == JobState.DONE and done["created"] == rows,
        "result_equals_sync": same_counts and state == sync["state"],
        "preview_progress_rises": progress_rises(flow.progress, "preview"),
        "import_progress_rises": progress_rises(flow.progress, "import"),
        "database_left_as_it_was": not changed_here and not left and not left_in_media,
        "slowest_request_within_goal": max(r.seconds for r in browser.requests) <= GOAL_SECONDS,
    }
    ctx.log(f"    checks: {checks}")
    ctx.log(f"    seconds: {phases}")
    if not checks["created_all_rows"] or not checks["result_equals_sync"]:
        raise RuntimeError(
            f"the browser's import differs from the service's: {done} vs {sync}; {state}"
        )
    slowest = max(browser.requests, key=lambda r: r.seconds)
    polls = [r.seconds for r in browser.requests if r.step.endswith(": status")]
    import_run = done["run_seconds"] or flow.import_seconds
    table = [
        Row(
            f"browser import {rows} household rows: slowest of {len(browser.requests)} requests",
            Samples((slowest.seconds,)),
            goal="time",
            limit=GOAL_SECONDS,
            note=f"{slowest.step} ({slowest.method} {slowest.path})",
        ),
        Row(
            f"browser import {rows} household rows: upload to done",
            Samples((flow.total_seconds,)),
            note=f"preview {flow.preview_seconds:.1f} s, confirm to done "
            f"{flow.import_seconds:.1f} s, {len(polls)} status polls",
        ),
        Row(
            f"browser import {rows} household rows: import job vs services.households_import",
            Samples((import_run,)),
            Samples((sync["seconds"],)),
            note="the job's own run on the worker, beside the service in the benchmark's process",
        ),
    ]
    return table, {
        "rows": rows,
        "file_bytes": source.stat().st_size,
        "jobs_import_rows": job_rows,
        "user": "系统管理员（superuser）: the admin's household import",
        "broker": BROKER_URL,
        "requests": [asdict(r) for r in browser.requests],
        "max_request_seconds": slowest.seconds,
        "slowest_request": asdict(slowest),
        "status_polls": len(polls),
        "status_poll_max_seconds": max(polls, default=None),
        "progress": flow.progress,
        "preview_seconds": flow.preview_seconds,
        "import_seconds": flow.import_seconds,
        "total_seconds": flow.total_seconds,
        "message": flow.message,
        "jobs": jobs,
        "sync": sync,
        "browser_state": state,
        "checks": checks,
        "phase_seconds": phases,
        "removed": removed,
        "tables_changed": changed,
        "tables_changed_not_shared": changed_here,
        "own_rows_left": left,
        "left_in_media": left_in_media,
    }
