"""Faults a real server meets (issue 8, Faults), against the real PostgreSQL server: the database
going away under gunicorn and coming back, an import and a report approval killed half-way, and two
imports of one roster at once."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from openpyxl import Workbook

from projects.importing import HOUSEHOLD_HEADERS, PROJECT_HEADERS
from tests.xlsx import household_row, project_row, write_xlsx

from .conftest import REPO_ROOT, ScratchDatabase

GUNICORN = Path(sys.executable).with_name("gunicorn")
PASSWORD = "Drill-pass-2022!"
# Large enough that the write transaction lasts a few seconds and the parse several more.
ROSTER_SIZE = 20_000
COMMUNITY = "故障演练小区"
# What a visitor may never see on an error page.
LEAKS = ("Traceback", 'File "', "OperationalError", "psycopg", "DATABASE", "postgres://")


# --- gunicorn under production settings ----------------------------------------------------------


@dataclass
class Reply:
    path: str
    status: int
    seconds: float
    body: str


@dataclass
class Portal:
    """gunicorn serving the portal with production settings on a port of its own."""

    process: subprocess.Popen[bytes]
    base: str
    log: Path

    def get(self, path: str, cookie: str = "") -> Reply:
        began = time.monotonic()
        response = requests.get(
            self.base + path,
            headers={"Cookie": cookie} if cookie else {},
            allow_redirects=False,
            timeout=15,
        )
        return Reply(path, response.status_code, time.monotonic() - began, response.text)

    def login(self, username: str, password: str) -> tuple[Reply, str]:
        """Log in through the form; the session cookie (marked Secure, so sent by hand over the
        test's plain HTTP) for later requests."""
        page = requests.get(f"{self.base}/accounts/login/", timeout=15)
        token = page.cookies["csrftoken"]
        began = time.monotonic()
        response = requests.post(
            f"{self.base}/accounts/login/",
            data={"username": username, "password": password, "csrfmiddlewaretoken": token},
            headers={"Cookie": f"csrftoken={token}"},
            allow_redirects=False,
            timeout=15,
        )
        seconds = time.monotonic() - began
        reply = Reply("POST /accounts/login/", response.status_code, seconds, response.text)
        session = response.cookies.get("sessionid")
        return reply, f"sessionid={session}" if session else ""

    def workers(self) -> set[int]:
        """The worker processes' ids (a worker restarted by the arbiter gets a new one)."""
        children = set()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                children.add(int(stat.parent.name))
        return children

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def production_env(db: ScratchDatabase, tmp_path: Path) -> dict[str, str]:
    return db.env(
        DJANGO_SETTINGS_MODULE="zmd_renovation.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_BEHIND_PROXY="0",
        DJANGO_CONN_MAX_AGE="600",
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
        DJANGO_LOG_LEVEL="WARNING",
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to gunicorn's process group, SIGKILL when it has not gone in ten seconds."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@contextmanager
def gunicorn(db: ScratchDatabase, tmp_path: Path) -> Iterator[Portal]:
    """Migrate, create the cache table, collect the static files and an administrator, then serve
    with two workers until the block ends (stopped even when the test fails)."""
    env = production_env(db, tmp_path)
    # collectstatic compresses every file (brotli and gzip), the slowest step: alongside the rest.
    collecting = subprocess.Popen(  # noqa: S603 - our manage.py, fixed arguments
        db.manage_command("collectstatic", "--noinput", "-v0"),
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        db.manage("migrate", env=env)
        db.manage("createcachetable", env=env)
        db.manage(
            "createsuperuser",
            "--noinput",
            "--username",
            "drill",
            "--email",
            "drill@example.com",
            env={**env, "DJANGO_SUPERUSER_PASSWORD": PASSWORD},
        )
        output, _ = collecting.communicate(timeout=600)
    finally:
        if collecting.poll() is None:
            collecting.kill()
            collecting.wait()
    assert collecting.returncode == 0, f"collectstatic 失败：{output}"
    for attempt in range(3):
        port = free_port()
        log = tmp_path / f"gunicorn-{attempt}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(  # noqa: S603 - our gunicorn, fixed arguments
                [
                    *(str(GUNICORN), "zmd_renovation.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}"),
                    *("--timeout", "30", "--graceful-timeout", "5"),
                ],
                cwd=REPO_ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        portal = Portal(process, f"http://127.0.0.1:{port}", log)
        try:
            if _wait_until_serving(portal):
                yield portal
                return
        finally:
            stop(process)
        if "in use" not in portal.log_tail():
            break
    pytest.fail(f"gunicorn 未能启动：\n{portal.log_tail()}", pytrace=False)


def _wait_until_serving(portal: Portal, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if portal.process.poll() is not None:
            return False
        try:
            if portal.get("/healthz").status == 200 and len(portal.workers()) == 2:
                return True
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    return False


def under_load(portal: Portal, paths: list[str], cookie: str, rounds: int = 10) -> list[Reply]:
    """Each path ``rounds`` times from six threads at once."""
    with ThreadPoolExecutor(max_workers=6) as pool:
        return list(pool.map(lambda path: portal.get(path, cookie), paths * rounds))


def statuses(replies: list[Reply]) -> dict[tuple[str, int], int]:
    seen: dict[tuple[str, int], int] = {}
    for reply in replies:
        seen[reply.path, reply.status] = seen.get((reply.path, reply.status), 0) + 1
    return seen


PAGES = ["/healthz", "/accounts/login/", "/admin/"]


def test_database_going_away_fails_requests_cleanly_and_they_recover_without_a_restart(
    scratch_db: ScratchDatabase, tmp_path: Path
) -> None:
    """gunicorn (two workers, production settings, persistent connections with health checks)
    serves /healthz, the login page and a logged-in page under load. The database restarts while
    the portal is idle (every session ended): the next requests reconnect and succeed. The database
    then refuses connections and its sessions are ended: /healthz answers 503 within a few seconds,
    a page needing the database and a login attempt answer 500 with the portal's error page and
    nothing of the error in it. Once it takes connections again every request succeeds, from the
    same worker processes."""
    db = scratch_db
    with gunicorn(db, tmp_path) as portal:
        login, cookie = portal.login("drill", PASSWORD)
        assert login.status == 302 and cookie, (login, portal.log_tail())
        serving = under_load(portal, PAGES, cookie)
        assert statuses(serving) == {(path, 200): 10 for path in PAGES}, portal.log_tail()
        workers = portal.workers()
        # The workers keep their connections open between requests (DJANGO_CONN_MAX_AGE).
        assert 1 <= len(db.sessions()) <= len(workers), db.sessions()

        db.end_sessions()
        db.wait_without_sessions()
        restarted = under_load(portal, PAGES, cookie)
        assert statuses(restarted) == {(path, 200): 10 for path in PAGES}, portal.log_tail()

        db.allow_connections(False)
        try:
            down = under_load(portal, PAGES, cookie)
            failed_login, _ = portal.login("drill", PASSWORD)
        finally:
            db.allow_connections(True)
        by_path = statuses(down)
        assert by_path.get(("/healthz", 503)) == 10, (by_path, portal.log_tail())
        assert by_path.get(("/admin/", 500)) == 10, (by_path, portal.log_tail())
        # The login form may be served without the database, or fail as cleanly.
        assert {s for p, s in by_path if p == "/accounts/login/"} <= {200, 500}, by_path
        assert failed_login.status == 500, failed_login
        slowest = max(reply.seconds for reply in [*down, failed_login])
        assert slowest < 3, f"数据库不可用时最慢的请求用了 {slowest:.1f} 秒"
        for reply in [*down, failed_login]:
            leaked = [word for word in LEAKS if word in reply.body]
            assert not leaked, f"{reply.path} 的 {reply.status} 页面含有 {leaked}"
            if reply.status == 500:
                assert "服务器出错了" in reply.body, reply.body[:500]

        back = under_load(portal, PAGES, cookie)
        assert statuses(back) == {(path, 200): 10 for path in PAGES}, portal.log_tail()
        assert portal.workers() == workers, "gunicorn 的工作进程被重启过"
        assert portal.process.poll() is None


# --- imports and approvals killed half-way, imports at once --------------------------------------


@pytest.fixture(scope="session")
def roster(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A projects file with one project of ROSTER_SIZE households, and its full roster."""
    folder = tmp_path_factory.mktemp("roster")
    projects = write_xlsx(
        folder / "projects.xlsx",
        PROJECT_HEADERS,
        [project_row(小区名称=COMMUNITY, 户数=ROSTER_SIZE, 楼栋数=ROSTER_SIZE // 1000)],
    )
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(list(HOUSEHOLD_HEADERS))
    for i in range(ROSTER_SIZE):
        building, entrance, room = i // 1000 + 1, i // 100 % 10 + 1, i % 100 + 101
        sheet.append(household_row(小区名称=COMMUNITY, 楼栋=building, 单元=entrance, 房号=room))
    households = folder / "households.xlsx"
    workbook.save(households)
    return projects, households


@pytest.fixture
def roster_db(scratch_db: ScratchDatabase, roster: tuple[Path, Path]) -> ScratchDatabase:
    """A scratch database with the programme and the roster's project, no households yet."""
    scratch_db.manage("migrate")
    scratch_db.manage("load_programme")
    scratch_db.manage("import_projects", str(roster[0]), "--year", "2022")
    return scratch_db


@pytest.fixture
def spawned() -> Iterator[list[subprocess.Popen[str]]]:
    """The processes a test starts, killed at its end if still running (a failed test leaves none)."""
    processes: list[subprocess.Popen[str]] = []
    yield processes
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.communicate()


def spawn(
    spawned: list[subprocess.Popen[str]], db: ScratchDatabase, *args: str
) -> subprocess.Popen[str]:
    """Start ``manage.py`` on the scratch database, its output captured."""
    process = subprocess.Popen(  # noqa: S603 - our manage.py, fixed arguments
        db.manage_command(*args),
        cwd=REPO_ROOT,
        env=db.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    spawned.append(process)
    return process


def start_import(
    spawned: list[subprocess.Popen[str]], db: ScratchDatabase, roster_file: Path
) -> subprocess.Popen[str]:
    return spawn(spawned, db, "import_households", str(roster_file), "--year", "2022")


def kill_when(
    process: subprocess.Popen[str],
    db: ScratchDatabase,
    ready: Callable[[dict[str, Any]], bool],
    what: str,
) -> None:
    """SIGKILL the process as soon as one of its database sessions is ``ready``; fail when it ends
    first (the drill would prove nothing)."""
    deadline = time.monotonic() + 180
    while not any(ready(session) for session in db.sessions()):
        if process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(f"{what}在被终止前已经结束（退出码 {process.returncode}）：{out}{err}")
        assert time.monotonic() < deadline, f"等待{what}超时"
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL


def project_state(db: ScratchDatabase) -> list[tuple[Any, ...]]:
    """Every column of every project (consent and start dates are recomputed by an import)."""
    return db.query("SELECT * FROM projects_project ORDER BY id")


def test_household_import_killed_while_writing_leaves_no_households(
    roster_db: ScratchDatabase, roster: tuple[Path, Path], spawned: list[subprocess.Popen[str]]
) -> None:
    """import_households of a 20 000-row roster is killed (SIGKILL) after it has written rows in
    its transaction: no household, no history row, the project as it was, and no import lock
    left held."""
    db = roster_db
    project = project_state(db)
    importing = start_import(spawned, db, roster[1])
    kill_when(
        importing,
        db,
        lambda s: s["wrote"] and "projects_household" in s["query"],
        "住户导入",
    )
    db.wait_without_sessions()
    assert db.count("projects_household") == 0
    assert db.count("projects_historicalhousehold") == 0
    assert project_state(db) == project

    # Its session ended, so did the import lock it held (no other import is refused for it).
    assert not db.query(
        "SELECT 1 FROM pg_locks WHERE locktype = 'advisory'"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    )


def test_two_imports_of_one_roster_at_once_write_it_once(
    roster_db: ScratchDatabase, roster: tuple[Path, Path], spawned: list[subprocess.Popen[str]]
) -> None:
    """Two import_households of the same roster started together: one writes every household; the
    other is refused with a clear message (another import is running) or, coming second, finds
    nothing to change. Never a traceback, never a row or history row twice."""
    db = roster_db
    first, second = start_import(spawned, db, roster[1]), start_import(spawned, db, roster[1])
    results = [(*p.communicate(timeout=300), p.returncode) for p in (first, second)]
    shown = "\n".join(f"退出码 {rc}\nstdout: {out}\nstderr: {err}" for out, err, rc in results)
    wrote = [r for r in results if r[2] == 0 and f"新增 {ROSTER_SIZE}" in r[0]]
    assert len(wrote) == 1, shown
    (other,) = [r for r in results if r is not wrote[0]]
    out, err, rc = other
    refused = rc != 0 and "正在导入" in err
    found_done = rc == 0 and "新增 0" in out and f"未变 {ROSTER_SIZE}" in out
    assert refused or found_done, shown
    assert "Traceback" not in err, shown
    assert db.count("projects_household") == ROSTER_SIZE
    assert db.count("projects_historicalhousehold") == ROSTER_SIZE


SUBMIT = """
from projects.choices import Role
from projects.models import PlanYear, Unit, User
from reporting import reports
unit = Unit.objects.get(name="驿城区")
clerk = User.objects.create(username="drill-clerk", role=Role.CLERK, unit=unit)
User.objects.create(username="drill-leader", role=Role.LEADER, unit=unit)
year = PlanYear.objects.get(year=2022)
report = reports.report_open(plan_year=year, unit=unit, month=6, user=clerk)
reports.report_submit(report=report, user=clerk)
"""
APPROVE = """
from django.core.files.base import ContentFile
from projects.models import User
from reporting import reports
from reporting.demo import STAMP_PDF
from reporting.models import MonthlyReport
leader = User.objects.get(username="drill-leader")
report = MonthlyReport.objects.get(unit=leader.unit, month=6)
reports.report_approve(report=report, stamp=ContentFile(STAMP_PDF, name="s.pdf"), user=leader)
"""


def test_report_approval_killed_half_way_leaves_the_report_as_it_was(
    scratch_db: ScratchDatabase, spawned: list[subprocess.Popen[str]]
) -> None:
    """A leader's approval is killed after it has updated the report row and before its history
    row is written (a lock held on the history table stops it there): the report is still
    submitted, without stamp or digest, with no new history. (The stamp file, written to the media
    folder when the row is saved, stays behind referenced by nothing: harmless, not checked.)"""
    db = scratch_db
    for command in ("migrate", "load_programme"):
        db.manage(command)
    db.manage("shell", "-c", SUBMIT)
    assert db.query("SELECT state, stamp FROM reporting_monthlyreport") == [("submitted", "")]
    report = db.query("SELECT * FROM reporting_monthlyreport")
    history = db.count("reporting_historicalmonthlyreport")

    blocker = db.connect()
    blocker.autocommit = False
    try:
        with blocker.cursor() as cursor:
            cursor.execute("LOCK TABLE reporting_historicalmonthlyreport IN ACCESS EXCLUSIVE MODE")
        approving = spawn(spawned, db, "shell", "-c", APPROVE)
        kill_when(
            approving,
            db,
            lambda s: (
                s["wrote"]
                and s["wait_event_type"] == "Lock"
                and "reporting_historicalmonthlyreport" in s["query"]
            ),
            "月报审核",
        )
    finally:
        blocker.rollback()
        blocker.close()
    db.wait_without_sessions()
    assert db.query("SELECT * FROM reporting_monthlyreport") == report
    assert db.count("reporting_historicalmonthlyreport") == history
    assert db.count("reporting_reportflag") == 0
