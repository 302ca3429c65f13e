"""Jobs lost with their worker (projects.jobs.jobs_reap): a job running with no sign of life for more
than JOBS_STALE_SECONDS, or queued for more than JOBS_QUEUED_STALE_SECONDS, is failed with the reason
in Chinese wherever it is seen (its page, its status, 我的任务, a worker handed it again, the
jobs_reap command), and is never run again."""

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from projects import jobs
from projects.choices import JobState, Role
from projects.data_version import data_version
from projects.jobs import JobKind, JobOutcome, Progress, ProgressRecorder
from projects.models import Job, Unit, User
from tests.factories import UserFactory
from tests.jobs.helpers import client_of

pytestmark = pytest.mark.django_db

INTERRUPTED = "任务中断：处理任务的进程已停止，未写入任何数据，请重新发起"
NEVER_STARTED = "任务未能开始：排队过久仍未执行（后台服务可能未运行），未写入任何数据，请重新发起"


@pytest.fixture(autouse=True)
def limits(settings: Any) -> None:
    """The defaults, stated: 10 minutes running without a sign of life, an hour queued."""
    settings.JOBS_STALE_SECONDS = 600
    settings.JOBS_QUEUED_STALE_SECONDS = 3600


@pytest.fixture
def clerk(programme: None) -> User:
    return UserFactory(role=Role.CLERK, unit=Unit.objects.get(name="驿城区"))


class WorkerKilled(BaseException):
    """What a killed worker looks like from the job's row: the run stops where it is, past every
    ``except Exception`` (job_run's included), and its transaction rolls back."""


@pytest.fixture
def killed(clerk: User) -> Iterator[list[int]]:
    """A kind whose runner creates a unit in its transaction and is killed half-way, the first
    time only; the list counts its runs."""
    runs: list[int] = []

    def run(job: Job, progress: Progress) -> JobOutcome:
        runs.append(job.pk)
        with transaction.atomic():
            Unit.objects.create(name="测试区")
            progress(1, 2)
            if len(runs) == 1:
                raise WorkerKilled
        return JobOutcome(message="好了")

    jobs.job_kind_register(JobKind("test_killed", "测试任务", run))
    yield runs
    jobs._kinds.pop("test_killed", None)


def killed_job(clerk: User) -> Job:
    """A job whose worker died half-way: left running, its unit never written."""
    with pytest.raises(WorkerKilled):
        jobs.job_start(kind="test_killed", user=clerk)
    job = Job.objects.get(kind="test_killed")
    assert job.state == JobState.RUNNING and not Unit.objects.filter(name="测试区").exists()
    return job


def silent_for(job: Job, seconds: float) -> None:
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(seconds=seconds))


# --- what the user sees ---------------------------------------------------------------------------


def test_a_job_whose_worker_died_is_shown_failed_once_silent_too_long(
    clerk: User, killed: list[int]
) -> None:
    """Killed half-way and silent for 601 s: its page and the status the bar polls say it failed,
    with the reason; the unit its run created was never written, and reaping it raised no data
    version (job rows feed no cached page)."""
    job = killed_job(clerk)
    silent_for(job, 601)
    version = data_version()
    client = client_of(clerk)
    status = client.get(reverse("job_status", args=[job.pk])).json()
    assert status == {
        "state": "failed",
        "state_label": "失败",
        "done": 0,
        "total": 0,
        "percent": 0,
        "over": True,
        "message": INTERRUPTED,
    }
    page = client.get(reverse("job_detail", args=[job.pk])).content.decode()
    assert f'<div class="alert alert-danger" id="job-failed">{INTERRUPTED}</div>' in page
    assert "job_progress.js" not in page and 'http-equiv="refresh"' not in page
    job.refresh_from_db()
    assert job.finished_at is not None and killed == [job.pk]
    assert not Unit.objects.filter(name="测试区").exists() and data_version() == version


def test_the_reason_is_stored_in_the_portals_language_whoever_found_it(
    clerk: User, killed: list[int]
) -> None:
    """A stale job first opened by someone reading in English keeps its reason in Chinese, as
    every job's message is kept: a later Chinese reader sees no English."""
    job = killed_job(clerk)
    silent_for(job, 601)
    client = client_of(clerk)
    client.get(reverse("job_status", args=[job.pk]), HTTP_ACCEPT_LANGUAGE="en")
    job.refresh_from_db()
    assert job.state == JobState.FAILED and job.message == INTERRUPTED
    assert client.get(reverse("job_status", args=[job.pk])).json()["message"] == INTERRUPTED


def test_a_job_that_showed_life_recently_is_left_running(clerk: User) -> None:
    """Running with its last progress 5 minutes ago, queued for 50 minutes: both stay as they are,
    and polling them writes nothing (no UPDATE)."""
    running = Job.objects.create(
        kind="flags_check", user=clerk, state=JobState.RUNNING, done=3, total=10
    )
    queued = Job.objects.create(kind="flags_check", user=clerk)
    silent_for(running, 300)
    silent_for(queued, 3000)
    client = client_of(clerk)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("job_status", args=[running.pk])).json()["state"] == "running"
        assert client.get(reverse("job_status", args=[queued.pk])).json()["state"] == "queued"
        page = client.get(reverse("job_detail", args=[running.pk])).content.decode()
    assert 'aria-valuenow="30"' in page and "job_progress.js" in page
    assert not [q for q in captured.captured_queries if q["sql"].startswith("UPDATE")]
    assert list(Job.objects.order_by("pk").values_list("state", "message")) == [
        (JobState.RUNNING, ""),
        (JobState.QUEUED, ""),
    ]


def test_my_jobs_shows_the_lost_ones_failed(clerk: User) -> None:
    """我的任务: a job running silent for 11 minutes and one queued for 61 are listed failed, each
    with its reason written to its row; a running job heard from a minute ago stays 进行中."""
    lost = Job.objects.create(kind="flags_check", user=clerk, state=JobState.RUNNING)
    waited = Job.objects.create(kind="residents_export", user=clerk)
    alive = Job.objects.create(kind="city_month_export", user=clerk, state=JobState.RUNNING)
    silent_for(lost, 660)
    silent_for(waited, 3660)
    silent_for(alive, 60)
    page = client_of(clerk).get(reverse("jobs")).content.decode()

    def badge(job: Job) -> str:
        row = page.split(f'<tr id="job-{job.pk}">')[1].split("</tr>")[0]
        return row.split('<span class="badge')[1].split(">")[1].split("<")[0]

    assert [badge(lost), badge(waited), badge(alive)] == ["失败", "失败", "进行中"]
    assert dict(Job.objects.values_list("pk", "message")) == {
        lost.pk: INTERRUPTED,
        waited.pk: NEVER_STARTED,
        alive.pk: "",
    }


# --- a worker handed the job again ------------------------------------------------------------------


def test_a_message_delivered_again_never_reruns_a_killed_job(
    clerk: User, killed: list[int]
) -> None:
    """The message of a killed run comes back (acks late, rejected on worker lost): while the job
    still looks alive it is left running, not run a second time; once silent too long, the worker
    handed it fails it instead of running it."""
    job = killed_job(clerk)
    jobs.job_run(job_id=job.pk)
    assert killed == [job.pk] and Job.objects.get(pk=job.pk).state == JobState.RUNNING
    silent_for(job, 601)
    jobs.job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.state, job.message, killed) == (JobState.FAILED, INTERRUPTED, [job.pk])
    assert not Unit.objects.filter(name="测试区").exists()


def test_a_job_queued_too_long_is_failed_not_run_when_a_worker_comes(clerk: User) -> None:
    """No worker for 61 minutes: the job's message, taken at last, fails it without running it;
    59 minutes is not too long, and that job runs."""
    runs: list[int] = []
    jobs.job_kind_register(
        JobKind("test_count", "测试任务", lambda job, progress: runs.append(job.pk) or JobOutcome())
    )
    late = Job.objects.create(kind="test_count", user=clerk)
    in_time = Job.objects.create(kind="test_count", user=clerk)
    silent_for(late, 3660)
    silent_for(in_time, 3540)
    try:
        jobs.job_run(job_id=late.pk)
        jobs.job_run(job_id=in_time.pk)
    finally:
        jobs._kinds.pop("test_count", None)
    late.refresh_from_db()
    in_time.refresh_from_db()
    assert (late.state, late.message) == (JobState.FAILED, NEVER_STARTED)
    assert in_time.state == JobState.DONE and runs == [in_time.pk]


# --- the rule and its boundary ----------------------------------------------------------------------


def at(seconds: float, since: datetime) -> datetime:
    return since + timedelta(seconds=seconds)


def test_exactly_the_limit_is_not_stale_a_microsecond_more_is(clerk: User) -> None:
    """Silent for exactly JOBS_STALE_SECONDS (600 s) a running job is not stale; a microsecond
    more and it is. The same for a queued job at 3,600 s. Done and failed jobs never are."""
    beat = timezone.now() - timedelta(days=1)
    running = Job.objects.create(kind="flags_check", user=clerk, state=JobState.RUNNING)
    queued = Job.objects.create(kind="flags_check", user=clerk)
    done = Job.objects.create(kind="flags_check", user=clerk, state=JobState.DONE, finished_at=beat)
    Job.objects.update(heartbeat_at=beat)
    running.heartbeat_at = queued.heartbeat_at = done.heartbeat_at = beat
    micro = 0.000001

    assert not jobs.job_stale(running, now=at(600, beat))
    assert jobs.jobs_reap(now=at(600, beat)) == 0
    assert jobs.job_stale(running, now=at(600 + micro, beat))
    assert jobs.jobs_reap(now=at(600 + micro, beat)) == 1
    assert Job.objects.get(pk=running.pk).state == JobState.FAILED

    assert not jobs.job_stale(queued, now=at(3600, beat))
    assert jobs.jobs_reap(now=at(3600, beat)) == 0
    assert jobs.job_stale(queued, now=at(3600 + micro, beat))
    assert jobs.jobs_reap(now=at(3600 + micro, beat)) == 1
    assert Job.objects.get(pk=queued.pk).finished_at == at(3600 + micro, beat)

    assert not jobs.job_stale(done, now=at(10**6, beat))
    assert jobs.jobs_reap(now=at(10**6, beat)) == 0
    assert Job.objects.get(pk=done.pk).state == JobState.DONE


def test_the_command_reaps_and_says_how_many(
    clerk: User, capsys: pytest.CaptureFixture[str]
) -> None:
    """jobs_reap (from cron): two lost jobs of two users failed, the fresh and the finished left;
    run again, it finds none."""
    other = UserFactory(role=Role.CITY, unit=None)
    lost = Job.objects.create(kind="flags_check", user=clerk, state=JobState.RUNNING)
    waited = Job.objects.create(kind="flags_check", user=other)
    fresh = Job.objects.create(kind="flags_check", user=other, state=JobState.RUNNING)
    old_done = Job.objects.create(
        kind="flags_check", user=clerk, state=JobState.DONE, finished_at=timezone.now()
    )
    silent_for(lost, 601)
    silent_for(waited, 3601)
    silent_for(old_done, 10**5)
    call_command("jobs_reap")
    call_command("jobs_reap")
    assert capsys.readouterr().out.splitlines() == [
        "已将 2 个中断的后台任务标记为失败（进行中超过 600 秒未更新，或排队超过 3600 秒未开始）",
        "已将 0 个中断的后台任务标记为失败（进行中超过 600 秒未更新，或排队超过 3600 秒未开始）",
    ]
    assert dict(Job.objects.values_list("pk", "state")) == {
        lost.pk: JobState.FAILED,
        waited.pk: JobState.FAILED,
        fresh.pk: JobState.RUNNING,
        old_done.pk: JobState.DONE,
    }


# --- the heartbeat --------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_unchanged_progress_still_beats_once_a_tenth_of_the_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A runner stuck on 0 of 1, telling it every 10 s: the first call writes (its total is news),
    then the unchanged figures are written again only every 60 s (600 / 10): at 60 s and 120 s."""
    clock = Clock()
    recorder = ProgressRecorder(job_id=0, clock=clock)
    writes: list[float] = []
    monkeypatch.setattr(recorder, "_write", lambda: writes.append(clock.now))
    for _ in range(14):
        recorder(0, 1)
        clock.now += 10
    assert writes == [0, 60, 120]


@pytest.mark.django_db(transaction=True)
def test_a_progress_write_refreshes_the_heartbeat(programme: None) -> None:
    """A job silent for an hour (its row's heartbeat moved back) writes its progress: its heartbeat
    is fresh again, and it is not stale."""
    hour_ago = timezone.now() - timedelta(hours=1)
    stale: list[bool] = []

    def step(job: Job, progress: Progress) -> JobOutcome:
        Job.objects.filter(pk=job.pk).update(heartbeat_at=hour_ago)
        stale.append(jobs.job_stale(Job.objects.get(pk=job.pk)))
        progress(1, 4)
        stale.append(jobs.job_stale(Job.objects.get(pk=job.pk)))
        return JobOutcome()

    jobs.job_kind_register(JobKind("test_beat", "测试任务", step))
    try:
        job = jobs.job_start(kind="test_beat", user=UserFactory(unit=None, role=Role.CITY))
    finally:
        jobs._kinds.pop("test_beat", None)
    assert job.state == JobState.DONE, job.message
    assert stale == [True, False]


@pytest.mark.django_db(transaction=True)
def test_progress_inside_a_transaction_beats_through_its_own_connection(programme: None) -> None:
    """Inside the runner's transaction the heartbeat goes with the progress through a connection of
    its own: on PostgreSQL it lands at once; on SQLite (the runner's transaction holds the single
    write lock from its start) it is skipped without waiting."""
    hour_ago = timezone.now() - timedelta(hours=1)
    seen: list[bool] = []

    def step(job: Job, progress: Progress) -> JobOutcome:
        Job.objects.filter(pk=job.pk).update(heartbeat_at=hour_ago)
        with transaction.atomic():
            progress(1, 4)
            other = connections.create_connection("default")
            try:
                with other.cursor() as cursor:
                    cursor.execute(
                        "SELECT heartbeat_at > %s FROM projects_job WHERE id = %s",
                        [other.ops.adapt_datetimefield_value(hour_ago), job.pk],
                    )
                    seen.append(bool(cursor.fetchone()[0]))
            finally:
                other.close()
        return JobOutcome()

    jobs.job_kind_register(JobKind("test_beat", "测试任务", step))
    try:
        job = jobs.job_start(kind="test_beat", user=UserFactory(unit=None, role=Role.CITY))
    finally:
        jobs._kinds.pop("test_beat", None)
    assert job.state == JobState.DONE, job.message
    assert seen == [connection.vendor != "sqlite"]
