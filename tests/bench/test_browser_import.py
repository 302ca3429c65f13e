"""The browser's import of the roster (bench.browser_import) on the smallest programme, served by
Django's test client with its CSRF checks on and no broker, so each job runs in the request that
starts it: the flow finds its forms, its result equals the service's, and the measurement removes
everything it created. No time is asserted."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.test import Client, override_settings

from bench import browser_import, figures, generate
from bench.browser import Answer, Browser, Send
from bench.browser_import import Flow
from bench.scales import TINY
from projects.models import Household, Job, PlanYear, Project, User

pytestmark = pytest.mark.django_db
SEED = 7


@pytest.fixture
def ctx(tmp_path: Path) -> figures.Context:
    generate.programme_ensure(scale=TINY, seed=SEED, migrate=False, log=lambda _: None)
    return figures.Context(
        scale=TINY,
        plan_year=PlanYear.objects.get(year=2022),
        repeat=1,
        heavy_repeat=1,
        seed=SEED,
        files=tmp_path,
        warmup=0,
        memory=False,
        log=lambda _: None,
    )


def client_send(client: Client) -> Send:
    def send(
        method: str, path: str, fields: list[tuple[str, str]], files: dict[str, Path]
    ) -> Answer:
        if method == "GET":
            response = client.get(path)
        else:
            data: dict[str, list[str]] = {}
            for name, value in fields:
                data.setdefault(name, []).append(value)
            handles = {name: p.open("rb") for name, p in files.items()}
            try:
                response = client.post(path, {**data, **handles})
            finally:
                for handle in handles.values():
                    handle.close()
        return Answer(response.status_code, response.get("Location", ""), response.content.decode())

    return send


@contextmanager
def in_process(media: Path, job_rows: int) -> Iterator[Send]:
    with override_settings(JOBS_IMPORT_ROWS=job_rows, MEDIA_ROOT=media):
        yield client_send(Client(enforce_csrf_checks=True))


def test_the_browsers_import_equals_the_service_and_leaves_the_database_as_it_was(
    ctx: figures.Context,
) -> None:
    """300 rows, jobs above 150: the administrator logs in, uploads, confirms the preview job's
    result and logs out; the import job created the 300 households the service creates (the same
    rows, dates and history), and afterwards every table has its rows of before."""
    before = browser_import.table_counts()
    table, info = browser_import.measure(ctx, serve=in_process, wait=lambda _: None)
    assert info["jobs_import_rows"] == 150
    assert info["sync"]["created"] == 300 and info["sync"]["state"]["households"] == 300
    assert info["jobs"]["preview"]["dry_run"] is True
    assert info["jobs"]["import"]["created"] == 300
    assert info["message"] == ""  # over before its page was shown: no status was polled
    assert info["checks"] == {
        "created_all_rows": True,
        "result_equals_sync": True,
        "preview_progress_rises": None,
        "import_progress_rises": None,
        "database_left_as_it_was": True,
        "slowest_request_within_goal": True,
    }
    preview, imported = info["jobs"]["preview"]["id"], info["jobs"]["import"]["id"]
    assert [(r["step"], r["status"]) for r in info["requests"]] == [
        ("login page", 200),
        ("log in", 302),
        ("log in → /admin/projects/household/import/", 200),
        ("upload", 302),
        (f"upload → /jobs/{preview}/", 200),
        ("confirm", 302),
        (f"confirm → /jobs/{imported}/", 200),
        ("log out", 302),
        ("log out → /accounts/login/", 200),
    ]
    # A project's history row is written when the import sets its consent date: 2 of the 3 here.
    assert info["browser_state"]["consented"] == 2
    assert info["removed"] == {
        "jobs": 2,
        "sessions": 0,
        "household_history": 300,
        "households": 300,
        "project_history": 2,
        "projects": 3,
        "login_records": 1,
        "users": 1,
    }
    assert (info["tables_changed"], info["own_rows_left"], info["left_in_media"]) == ({}, 0, [])
    assert browser_import.table_counts() == before
    assert (Project.objects.count(), Household.objects.count(), Job.objects.count()) == (
        24,
        1_200,
        0,
    )
    assert not User.objects.filter(username=browser_import.ADMIN_USERNAME).exists()
    assert [row.figure for row in table] == [
        "browser import 300 household rows: slowest of 9 requests",
        "browser import 300 household rows: upload to done",
        "browser import 300 household rows: import job vs services.households_import",
    ]


def test_the_job_page_is_polled_until_the_job_is_over() -> None:
    """A job still running on its page: its status is asked for once a second until it is over,
    each answer's progress kept, then the page is reloaded; the bar rose while the job ran."""
    statuses = iter(
        [
            '{"state": "queued", "done": 0, "total": 0, "percent": 0, "over": false}',
            '{"state": "running", "done": 10, "total": 40, "percent": 25, "over": false}',
            '{"state": "running", "done": 30, "total": 40, "percent": 75, "over": false}',
            '{"state": "done", "done": 40, "total": 40, "percent": 100, "over": true,'
            ' "message": "ok"}',
        ]
    )
    asked: list[tuple[str, str]] = []

    def send(
        method: str, path: str, fields: list[tuple[str, str]], files: dict[str, Path]
    ) -> Answer:
        asked.append((method, path))
        if path == "/jobs/5/status/":
            return Answer(200, "", next(statuses))
        return Answer(200, "", "done")

    ticks = iter(range(100))
    browser = Browser(send, clock=lambda: float(next(ticks)))
    waits: list[float] = []
    flow = Flow()
    page = Answer(200, "", '<div id="job" data-status-url="/jobs/5/status/" data-over="0">')
    status, reloaded = browser_import._follow_job(
        browser, flow, label="import", path="/jobs/5/", page=page, wait=waits.append
    )
    assert (status["message"], reloaded.text) == ("ok", "done")
    assert waits == [1.0] * 4
    assert asked == [("GET", "/jobs/5/status/")] * 4 + [("GET", "/jobs/5/")]
    assert [(p["state"], p["percent"]) for p in flow.progress] == [
        ("queued", 0),
        ("running", 25),
        ("running", 75),
        ("done", 100),
    ]
    assert browser_import.progress_rises(flow.progress, "import") is True
    assert browser_import.progress_rises(flow.progress[:2], "import") is None
    back = [*flow.progress[:2], {**flow.progress[2], "percent": 20}, flow.progress[3]]
    assert browser_import.progress_rises(back, "import") is False
