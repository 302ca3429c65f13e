"""Background jobs through a real Celery worker and Redis (tests.jobs.worker; CI runs this module
in both passes, with the Redis that .ci/run starts): the page only queues the job, a worker thread
takes it from Redis and runs it, and the user's page sees it through to its end."""

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse

from projects.choices import JobState, Role
from projects.importing import HOUSEHOLD_HEADERS
from projects.models import Household, Job, Project, Unit, User
from projects.services import household_import
from tests.factories import ProjectFactory, UserFactory
from tests.jobs.helpers import cell_values, client_of, downloaded, started_job
from tests.jobs.worker import celery_worker
from tests.xlsx import household_row, write_xlsx

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = 60


@pytest.fixture(scope="module")
def worker() -> Iterator[Any]:
    with celery_worker() as running:
        yield running


@pytest.fixture(autouse=True)
def small_threshold(settings: Any, tmp_path: Path) -> None:
    settings.JOBS_IMPORT_ROWS = 10
    settings.MEDIA_ROOT = tmp_path / "media"


def finished(job: Job, *, seen: list[tuple[str, int, int]] | None = None) -> Job:
    """The job once the worker has finished it (60 s at most), noting each state and progress seen."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if seen is not None and (not seen or seen[-1] != (job.state, job.done, job.total)):
            seen.append((job.state, job.done, job.total))
        if job.over:
            return job
        time.sleep(0.05)
    pytest.fail(f"job {job.pk} still {job.state} after 60 s")


def roster(tmp_path: Path, **bad: Any) -> Path:
    lines = [household_row(**{"房号": str(101 + i)}) for i in range(ROWS)]
    if bad:
        lines[-1] = household_row(**{"房号": str(100 + ROWS), **bad})
    return write_xlsx(tmp_path / "roster.xlsx", HOUSEHOLD_HEADERS, lines)


@pytest.fixture
def clerk(programme: None) -> User:
    return UserFactory(role=Role.CLERK, unit=Unit.objects.get(name="驿城区"))


@pytest.fixture
def project(programme: None) -> Project:
    return ProjectFactory(name="建设路1号院", households=ROWS, buildings=2)


def test_a_roster_goes_through_the_worker_preview_then_import(
    worker: Any,
    clerk: User,
    project: Project,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The upload answers at once with a queued job; the worker previews (nothing written) then,
    after the confirmation, imports all 60 rows written 10 at a time. The page polling the row sees
    the job running, and on PostgreSQL its progress moving before the import's transaction ends."""
    monkeypatch.setattr(household_import, "BATCH", 10)
    original = household_import._write_households

    def slow(*args: Any, **kwargs: Any) -> None:
        time.sleep(0.3)  # long enough for the polling page to see each batch
        original(*args, **kwargs)

    monkeypatch.setattr(household_import, "_write_households", slow)
    client = client_of(clerk)
    url = reverse("household_import", args=[project.pk])
    with roster(tmp_path).open("rb") as handle:
        preview = started_job(client.post(url, {"file": handle, "preview": "1"}))
    assert preview.state in (JobState.QUEUED, JobState.RUNNING)
    preview = finished(preview)
    assert preview.state == JobState.DONE, preview.message
    assert preview.outcome["created"] == ROWS and not Household.objects.exists()
    imported = started_job(client.post(url, {"token": preview.outcome["token"], "confirm": "1"}))
    seen: list[tuple[str, int, int]] = []
    imported = finished(imported, seen=seen)
    assert imported.state == JobState.DONE, imported.message
    assert imported.message == f"导入完成：新增 {ROWS} 户，更新 0 户，未变 0 户"
    assert (imported.done, imported.total) == (2 * ROWS, 2 * ROWS)
    assert Household.objects.filter(project=project).count() == ROWS
    assert any(state == JobState.RUNNING for state, _done, _total in seen)
    if connection.vendor == "postgresql":
        moving = {done for state, done, total in seen if state == JobState.RUNNING and total}
        # Written rows told while the import's transaction is still open: 70, 80, … 110 of 120.
        assert len({d for d in moving if ROWS < d < 2 * ROWS}) >= 2, seen
    status = client.get(reverse("job_status", args=[imported.pk])).json()
    assert (status["state"], status["percent"], status["over"]) == ("done", 100, True)


def test_a_bad_roster_fails_in_the_worker_and_writes_nothing(
    worker: Any, clerk: User, project: Project, tmp_path: Path
) -> None:
    """A bad last row: the worker's preview job fails saying so; no household is written."""
    with roster(tmp_path, **{"表态日期": "2022-02-30"}).open("rb") as handle:
        job = started_job(
            client_of(clerk).post(
                reverse("household_import", args=[project.pk]), {"file": handle, "preview": "1"}
            )
        )
    job = finished(job)
    assert job.state == JobState.FAILED and job.message == "文件有 1 处错误，未导入任何数据"
    assert not Household.objects.exists()


def test_the_city_workbook_from_the_worker_equals_the_request(worker: Any, programme: None) -> None:
    """The city's June workbook made by the worker has the cells of the one made in the request."""
    city = client_of(UserFactory(role=Role.CITY, unit=None))
    url = reverse("reporting:city_month_export", args=[6])
    job = finished(started_job(city.post(url)))
    assert job.state == JobState.DONE, job.message
    assert cell_values(downloaded(city, job)) == cell_values(city.get(url).content)
