"""projects.jobs: starting and running a job, its progress throttled onto its row, its failure
said in Chinese with nothing written, and its pages for its starter only."""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from projects import jobs, tasks
from projects.choices import JobState, Role
from projects.jobs import JobFailed, JobKind, JobOutcome, Progress, ProgressRecorder
from projects.models import Job, Unit, User
from tests.factories import UserFactory
from tests.jobs.helpers import client_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(programme: None) -> User:
    return UserFactory(role=Role.CLERK, unit=Unit.objects.get(name="驿城区"))


@pytest.fixture
def kind() -> Iterator[list[Any]]:
    """A test kind whose runner does what the test puts in ``steps`` (called with the job and the
    progress callback); removed afterwards."""
    steps: list[Any] = []

    def run(job: Job, progress: Progress) -> JobOutcome:
        outcome = JobOutcome()
        for step in steps:
            outcome = step(job, progress) or outcome
        return outcome

    jobs.job_kind_register(JobKind("test_kind", "测试任务", run))
    yield steps
    jobs._kinds.pop("test_kind", None)


# --- the progress recorder ------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def recorded(monkeypatch: pytest.MonkeyPatch, recorder: ProgressRecorder) -> list[tuple[int, int]]:
    writes: list[tuple[int, int]] = []
    monkeypatch.setattr(recorder, "_write", lambda: writes.append((recorder.done, recorder.total)))
    return writes


def test_progress_is_written_once_per_percent_when_the_clock_stands_still(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """1,000 rows told one at a time within the same second: the first row is written (its total
    is news), then every 10th row after it (1 %): rows 1, 11, …, 991, 100 writes; the last nine
    rows are under 1 % and left to the job's end, which writes the final figures."""
    recorder = ProgressRecorder(job_id=0, clock=Clock())
    writes = recorded(monkeypatch, recorder)
    for done in range(1, 1001):
        recorder(done, 1000)
    assert writes == [(done, 1000) for done in range(1, 1000, 10)]


def test_progress_is_written_each_second_however_slow(monkeypatch: pytest.MonkeyPatch) -> None:
    """A row every 0.3 s of a million: the first row is written (its total is news); after it,
    each row is under 1 %, so the next write waits for a second to pass: rows 5 and 9 (1.2 s
    after the one before), never twice for the same figures."""
    clock = Clock()
    recorder = ProgressRecorder(job_id=0, clock=clock)
    writes = recorded(monkeypatch, recorder)
    for done in range(1, 13):
        clock.now += 0.3
        recorder(done, 1_000_000)
    assert writes == [(1, 1_000_000), (5, 1_000_000), (9, 1_000_000)]
    recorder(12, 1_000_000)
    assert len(writes) == 3


def test_a_new_total_is_written_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The estimate replaced by the exact total (a roster's rows all read) is written straight
    away, and done never passes the total."""
    recorder = ProgressRecorder(job_id=0, clock=Clock())
    writes = recorded(monkeypatch, recorder)
    recorder(50, 100)
    recorder(51, 96)
    recorder(500, 96)
    assert writes == [(50, 100), (51, 96), (96, 96)]


@pytest.mark.django_db(transaction=True)
def test_progress_inside_a_transaction_is_seen_by_another_connection(
    programme: None, kind: list[Any]
) -> None:
    """A runner writing inside its transaction: on PostgreSQL its progress reaches the row through a
    connection of its own, so a page sees it before the transaction ends; on SQLite (one writer at
    a time) that write is skipped without waiting. Either way the job ends with its figures."""
    seen: list[tuple[int, int]] = []

    def inside(job: Job, progress: Progress) -> None:
        with transaction.atomic():
            Unit.objects.create(name="测试区")
            progress(50, 100)
            other = connections.create_connection("default")
            try:
                with other.cursor() as cursor:
                    cursor.execute("SELECT done, total FROM projects_job WHERE id = %s", [job.pk])
                    seen.append(tuple(cursor.fetchone()))
            finally:
                other.close()

    kind.append(inside)
    job = jobs.job_start(kind="test_kind", user=UserFactory(unit=None, role=Role.CITY))
    expected = (0, 0) if connection.vendor == "sqlite" else (50, 100)
    assert seen == [expected]
    assert (job.state, job.done, job.total) == (JobState.DONE, 100, 100)


# --- running a job --------------------------------------------------------------------------------


def test_a_job_runs_at_once_without_a_broker(clerk: User, kind: list[Any]) -> None:
    """The test settings name no broker: Celery is eager, the job is done when job_start returns,
    its file saved under a random name and offered under the name the runner gave."""
    kind.append(lambda job, progress: JobOutcome(message="好了", content=b"PK", filename="表.xlsx"))
    assert not jobs.jobs_in_background()
    job = jobs.job_start(kind="test_kind", user=clerk, unit=clerk.unit)
    assert (job.state, job.message, job.result_name) == (JobState.DONE, "好了", "表.xlsx")
    assert job.result.name.startswith("jobs/") and "表" not in job.result.name
    assert job.started_at and job.finished_at and job.started_at <= job.finished_at
    response = client_of(clerk).get(reverse("job_download", args=[job.pk]))
    assert b"".join(response.streaming_content) == b"PK"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"] == "attachment; filename*=UTF-8''%E8%A1%A8.xlsx"


def test_with_a_broker_the_job_waits_for_the_worker_until_the_commit(
    clerk: User,
    kind: list[Any],
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """With a broker the request only queues the job: its id goes to Celery once the row is
    committed, and nothing runs in the request."""
    monkeypatch.setattr(jobs, "jobs_in_background", lambda: True)
    sent: list[int] = []
    monkeypatch.setattr(tasks.job_run_task, "delay", sent.append)
    kind.append(lambda job, progress: pytest.fail("ran in the request"))
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.job_start(kind="test_kind", user=clerk)
        assert sent == []
    assert sent == [job.pk] and job.state == JobState.QUEUED


def test_a_failed_job_says_why_and_keeps_its_data(clerk: User, kind: list[Any]) -> None:
    """JobFailed: the job is failed with the runner's Chinese reason and data, and has no file."""

    def refuse(job: Job, progress: Progress) -> None:
        progress(3, 10)
        raise JobFailed("文件有 2 处错误，未导入任何数据", data={"errors": ["第2行"]})

    kind.append(refuse)
    job = jobs.job_start(kind="test_kind", user=clerk)
    assert (job.state, job.message, job.outcome) == (
        JobState.FAILED,
        "文件有 2 处错误，未导入任何数据",
        {"errors": ["第2行"]},
    )
    assert (job.done, job.total, bool(job.result), job.percent) == (3, 10, False, 30)
    assert job.finished_at is not None


def test_an_exception_fails_the_job_in_chinese_and_its_writes_roll_back(
    clerk: User, kind: list[Any], caplog: pytest.LogCaptureFixture
) -> None:
    """A runner's exception inside its transaction: the unit it created is gone, the job says in
    Chinese that nothing was written, and the log names the exception's class and where it was
    raised, never its message (which may quote a resident's row)."""

    def crash(job: Job, progress: Progress) -> None:
        with transaction.atomic():
            Unit.objects.create(name="测试区")
            raise ZeroDivisionError("secret detail")

    kind.append(crash)
    with caplog.at_level("ERROR", logger="zmd.jobs"):
        job = jobs.job_start(kind="test_kind", user=clerk)
    assert job.state == JobState.FAILED and "未写入任何数据" in job.message
    (record,) = [r for r in caplog.records if r.getMessage() == "job_failed"]
    assert record.error == "ZeroDivisionError"  # type: ignore[attr-defined]
    assert record.where.endswith("test_job_run.py:" + str(crash.__code__.co_firstlineno + 3))  # type: ignore[attr-defined]
    assert record.exc_info is None
    assert "secret" not in job.message and "secret" not in caplog.text
    assert not Unit.objects.filter(name="测试区").exists()


def test_a_job_already_taken_is_not_run_again(clerk: User, kind: list[Any]) -> None:
    """A message delivered twice: the second run finds the job running (or over) and leaves it."""
    runs: list[int] = []
    kind.append(lambda job, progress: runs.append(job.pk))
    job = Job.objects.create(kind="test_kind", user=clerk, state=JobState.RUNNING)
    jobs.job_run(job_id=job.pk)
    assert runs == [] and Job.objects.get(pk=job.pk).state == JobState.RUNNING
    done = jobs.job_start(kind="test_kind", user=clerk)
    jobs.job_run(job_id=done.pk)
    assert runs == [done.pk]


def test_an_unknown_kind_is_refused_at_the_start(clerk: User) -> None:
    with pytest.raises(ValueError, match="unknown job kind"):
        jobs.job_start(kind="no_such_kind", user=clerk)
    assert not Job.objects.exists()


# --- the pages --------------------------------------------------------------------------------------


def test_a_running_jobs_page_shows_its_bar_and_polls_its_status(clerk: User) -> None:
    """30 of 120 done: the page's bar and the status both say 25 %, the page loads the polling
    script (served by the portal) and falls back to a refresh without scripts."""
    job = Job.objects.create(
        kind="households_import", user=clerk, state=JobState.RUNNING, done=30, total=120
    )
    client = client_of(clerk)
    page = client.get(reverse("job_detail", args=[job.pk])).content.decode()
    assert 'style="width: 25%"' in page and 'aria-valuenow="25"' in page
    assert "住户花名册导入" in page and "可以离开本页" in page
    assert "/static/js/job_progress.js" in page and 'http-equiv="refresh"' in page
    status = client.get(reverse("job_status", args=[job.pk])).json()
    assert status == {
        "state": "running",
        "state_label": "进行中",
        "done": 30,
        "total": 120,
        "percent": 25,
        "over": False,
        "message": "",
    }


def test_the_job_list_shows_the_users_own_jobs_only(clerk: User) -> None:
    """我的任务 lists the user's jobs, newest first; another user's job is not there."""
    older = Job.objects.create(
        kind="city_month_export",
        user=clerk,
        state=JobState.FAILED,
        message="失败原因",
        finished_at=timezone.now(),
    )
    newer = Job.objects.create(kind="flags_check", user=clerk)
    other = Job.objects.create(kind="residents_export", user=UserFactory(role=Role.CITY, unit=None))
    page = client_of(clerk).get(reverse("jobs")).content.decode()
    assert page.index(f'id="job-{newer.pk}"') < page.index(f'id="job-{older.pk}"')
    assert f'id="job-{other.pk}"' not in page and page.count('<tr id="job-') == 2
    assert "全市信息月报导出" in page and "月报疑点检查" in page and "排队中" in page


def test_a_job_without_a_result_has_no_download(clerk: User) -> None:
    job = Job.objects.create(kind="flags_check", user=clerk)
    assert client_of(clerk).get(reverse("job_download", args=[job.pk])).status_code == 404


def test_the_cleanup_deletes_jobs_finished_more_than_the_kept_days_ago(
    clerk: User,
    kind: list[Any],
    settings: Any,
    tmp_path: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """cleanup_previews (hourly from cron) also deletes the jobs finished more than JOBS_KEEP_DAYS
    (7) days ago with their files; a job finished 6 days ago and a running one stay."""
    settings.MEDIA_ROOT = tmp_path
    kind.append(lambda job, progress: JobOutcome(content=b"PK", filename="住户信息.xlsx"))
    old, recent = (jobs.job_start(kind="test_kind", user=clerk) for _ in range(2))
    running = Job.objects.create(kind="test_kind", user=clerk, state=JobState.RUNNING)
    now = timezone.now()
    Job.objects.filter(pk=old.pk).update(finished_at=now - timedelta(days=7, minutes=1))
    Job.objects.filter(pk=recent.pk).update(finished_at=now - timedelta(days=6))
    call_command("cleanup_previews")
    assert "已删除 1 个结束超过 7 天的后台任务及其结果文件" in capsys.readouterr().out
    assert set(Job.objects.values_list("pk", flat=True)) == {recent.pk, running.pk}
    assert not (tmp_path / old.result.name).exists() and (tmp_path / recent.result.name).exists()


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"state": "paused"}, "job_state_valid"),
        ({"done": 5, "total": 4}, "job_done_within_total"),
        ({"state": JobState.DONE}, "job_finished_when_over"),
        ({"state": JobState.RUNNING, "finished_at": timezone.now()}, "job_finished_when_over"),
        ({"result": "jobs/x.xlsx"}, "job_result_only_when_done"),
    ],
)
def test_the_database_refuses_an_impossible_job(
    clerk: User, fields: dict[str, Any], constraint: str
) -> None:
    """A state outside the four, more done than the total, an end time that disagrees with the
    state, a result on a job not done: each refused by its named constraint."""
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        Job.objects.create(kind="flags_check", user=clerk, **fields)


def test_the_job_list_runs_the_same_queries_for_3_or_30_jobs(clerk: User) -> None:
    """我的任务 costs the same number of queries whatever the number of jobs (units joined)."""
    client = client_of(clerk)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("jobs")).status_code == 200
        return len(captured)

    for _ in range(3):
        Job.objects.create(kind="flags_check", user=clerk, unit=clerk.unit)
    few = queries()
    for _ in range(27):
        Job.objects.create(kind="residents_export", user=clerk, unit=clerk.unit)
    assert queries() == few
