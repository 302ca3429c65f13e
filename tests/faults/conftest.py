"""Scratch PostgreSQL databases and the portal's commands as separate processes, for the fault drills.

Without PostgreSQL on 127.0.0.1:5432 (or its client tools) every test here is skipped with one line
saying why; under CI=true they fail instead, as the browser tests do (tests/browser/__init__.py), so
a CI machine that lost its database server cannot pass by skipping them.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg2
import pytest
from psycopg2 import sql
from psycopg2.extensions import connection as Connection

REPO_ROOT = Path(__file__).resolve().parents[2]
PG_HOST = "127.0.0.1"
PG_PORT = 5432
PG_USER = "postgres"
CLIENT_TOOLS = ("pg_dump", "pg_restore", "psql")
# Environment that would point the portal at something other than the scratch database and folders.
FOREIGN_ENV = (
    "DATABASE_URL",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_MEDIA_ROOT",
    "DJANGO_STATIC_ROOT",
    "DJANGO_MEDIA_STORAGE",
    "DJANGO_MEDIA_STORAGE_OPTIONS",
    "REDIS_URL",
)


def admin_connect(dbname: str = "postgres") -> Connection:
    """An autocommit connection as postgres, by default to the maintenance database."""
    conn = psycopg2.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=dbname, connect_timeout=5
    )
    conn.autocommit = True
    return conn


def postgres_missing() -> str | None:
    """Why the fault drills cannot run here, in one line, or None when they can."""
    for tool in CLIENT_TOOLS:
        if shutil.which(tool) is None:
            return f"找不到 PostgreSQL 客户端命令 {tool}（postgresql-client），跳过故障演练测试"
    try:
        admin_connect().close()
    except psycopg2.Error as error:
        lines = str(error).strip().splitlines() or [type(error).__name__]
        return f"PostgreSQL 在 {PG_HOST}:{PG_PORT} 上未响应（{lines[0]}），跳过故障演练测试"
    return None


@pytest.fixture(scope="session", autouse=True)
def postgres_server() -> None:
    """Skip every fault drill, with one line saying why, when PostgreSQL is not there; fail under
    CI=true."""
    reason = postgres_missing()
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true，故障演练测试不得跳过：{reason.split('，跳过')[0]}", pytrace=False)
    pytest.skip(reason)


@dataclass
class ScratchDatabase:
    """A database of the test's own on the shared server, and a media folder to go with it."""

    name: str
    media_root: Path

    @property
    def url(self) -> str:
        return f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{self.name}"

    def create(self) -> None:
        conn = admin_connect()
        try:
            with conn.cursor() as cursor:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.name)))
        finally:
            conn.close()

    def drop(self) -> None:
        """Drop it whatever state a test left it in (connections refused, sessions open)."""
        conn = admin_connect()
        try:
            with conn.cursor() as cursor:
                cursor.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                        sql.Identifier(self.name)
                    )
                )
        finally:
            conn.close()

    def allow_connections(self, allowed: bool) -> None:
        """Open or close the database to new connections; closing also ends the sessions it has,
        as a database going down does. Only this database is touched, from the maintenance one."""
        conn = admin_connect()
        try:
            with conn.cursor() as cursor:
                cursor.execute(
                    sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS {}").format(
                        sql.Identifier(self.name), sql.Literal(allowed)
                    )
                )
        finally:
            conn.close()
        if not allowed:
            self.end_sessions()

    def end_sessions(self) -> None:
        """End every session of the database, as a restart of the server does."""
        conn = admin_connect()
        try:
            with conn.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = %s AND pid <> pg_backend_pid()",
                    [self.name],
                )
        finally:
            conn.close()

    def sessions(self) -> list[dict[str, Any]]:
        """The database's sessions as pg_stat_activity shows them (read from the maintenance one)."""
        conn = admin_connect()
        try:
            with conn.cursor() as cursor:
                cursor.execute(
                    "SELECT pid, state, backend_xid IS NOT NULL AS wrote, wait_event_type, query"
                    " FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                    [self.name],
                )
                names = [c.name for c in cursor.description]
                return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        finally:
            conn.close()

    def wait_without_sessions(self, timeout: float = 20) -> None:
        """Wait until the server has ended every session of the database (a killed client's
        session rolls back and ends when the server next reads from it)."""
        deadline = time.monotonic() + timeout
        while self.sessions():
            assert time.monotonic() < deadline, f"{self.name} 的会话未结束：{self.sessions()}"
            time.sleep(0.05)

    def connect(self) -> Connection:
        """An autocommit connection as postgres to this database."""
        return admin_connect(self.name)

    def query(
        self, statement: str | sql.Composable, params: Sequence[Any] = ()
    ) -> list[tuple[Any, ...]]:
        conn = admin_connect(self.name)
        try:
            with conn.cursor() as cursor:
                cursor.execute(statement, params)
                return cursor.fetchall()
        finally:
            conn.close()

    def execute(self, statement: str | sql.Composable, params: Sequence[Any] = ()) -> None:
        conn = admin_connect(self.name)
        try:
            with conn.cursor() as cursor:
                cursor.execute(statement, params)
        finally:
            conn.close()

    def count(self, table: str) -> int:
        rows = self.query(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
        return int(rows[0][0])

    def env(self, **overrides: str) -> dict[str, str]:
        """The environment of the portal's processes: this database and media folder, local settings
        (production's where overridden), nothing inherited that points elsewhere."""
        env = {k: v for k, v in os.environ.items() if k not in FOREIGN_ENV}
        env.update(
            DATABASE_URL=self.url,
            DJANGO_SETTINGS_MODULE="zmd_renovation.settings.local",
            DJANGO_DEBUG="0",
            DJANGO_MEDIA_ROOT=str(self.media_root),
            PYTHONUNBUFFERED="1",
        )
        env.update(overrides)
        return env

    def manage_command(self, *args: str) -> list[str]:
        return [sys.executable, "manage.py", *args]

    def manage(
        self, *args: str, env: dict[str, str] | None = None, timeout: float = 300
    ) -> subprocess.CompletedProcess[str]:
        """Run ``manage.py`` on this database and expect it to succeed."""
        done = run(self.manage_command(*args), env=env or self.env(), timeout=timeout)
        assert done.returncode == 0, describe(done)
        return done


def run(
    command: Sequence[str], *, env: dict[str, str], timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own programs and arguments, no shell
        list(command),
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def describe(done: subprocess.CompletedProcess[str]) -> str:
    """A finished process for a failure message: the command, its exit status and its output."""
    args = [Path(a).name if a == sys.executable else str(a) for a in done.args]
    return (
        f"{' '.join(args)} 退出码 {done.returncode}\n"
        f"--- stdout ---\n{done.stdout[-4000:]}\n--- stderr ---\n{done.stderr[-4000:]}"
    )


@pytest.fixture
def scratch_db(tmp_path: Path) -> Iterator[ScratchDatabase]:
    """An empty database of this test's own (unique under xdist and parallel runs), dropped after."""
    database = ScratchDatabase(
        name=f"zmd_fault_{os.getpid()}_{secrets.token_hex(4)}", media_root=tmp_path / "media"
    )
    database.media_root.mkdir()
    database.create()
    try:
        yield database
    finally:
        database.drop()
