"""Long work in the background (后台任务): large imports, city-wide workbooks, the re-check of all
reports, run by a Celery worker while the user watches a progress bar, leaves and comes back.

An app registers each kind of job it offers (``job_kind_register``, from its AppConfig.ready()), so
this module imports nothing from the apps built on the core one. ``job_start`` records a queued
``Job`` and hands its id to the worker once the row is committed; with no broker configured (the
demo, the tests) Celery runs eagerly and the job runs at once in the request, so the same code runs
either way. ``job_run`` runs one job by id: the kind's runner reports its progress through a
callback that updates the job's row (at most once per 1 % or per second), and either returns what
it made or raises ``JobFailed`` with a Chinese reason. A runner writes inside one transaction, so a
failed job has written nothing.

A worker can die under a job (killed, out of memory, the machine restarted): its transaction rolls
back, but nothing is left to mark the job over. So a job shows life on its row (``heartbeat_at``:
its creation, its start, each write of its progress), and one silent for too long is *stale*
(``job_stale``): running with no write for more than ``JOBS_STALE_SECONDS``, or still queued after
``JOBS_QUEUED_STALE_SECONDS``. ``jobs_reap`` fails the stale ones, saying in Chinese that nothing was
written; it is called when the job's page, its status or 我的任务 is read, when a worker is handed a
job, and by ``manage.py jobs_reap`` from cron. A runner must tell its progress at least every
``JOBS_STALE_SECONDS`` (600): the recorder writes the row when called at least once a tenth of
that, even with unchanged figures. Today's runners stay well within it (BENCHMARKS.md): the city
workbook at national scale, told as one step, takes 12 s; the 20,000-row project import at
province scale takes 14 s in all.

Only the user who started a job sees it (``jobs_of``): its page, its status and its result.
"""

import logging
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from celery import current_app
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import DatabaseError, connection, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Case, Q, QuerySet, Value, When
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .choices import JobState
from .models import Job, PlanYear, Unit, User

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

logger = logging.getLogger("zmd.jobs")

# progress(done, total): how much of the job's work is done, in the runner's own units.
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class JobOutcome:
    """What a job made: a message, a file to download (with the name it is downloaded as), and
    what the job's page shows of it (JSON-serialisable)."""

    message: str = ""
    content: bytes | None = None
    filename: str = ""
    data: dict[str, Any] = field(default_factory=dict)


class JobFailed(Exception):
    """The job cannot finish; ``message`` says why, in Chinese, and ``data`` what the page shows
    (an import's row errors). Raised by a runner after its transaction rolled back."""

    def __init__(self, message: str, *, data: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.data = data or {}


@dataclass(frozen=True)
class JobKind:
    """A kind of job: its name (stored on the row), its label, its runner, and the template that
    shows a finished job's outcome on its page ("" for the message alone)."""

    name: str
    label: "StrOrPromise"
    run: Callable[[Job, Progress], JobOutcome]
    template: str = ""


_kinds: dict[str, JobKind] = {}


def job_kind_register(kind: JobKind) -> None:
    """Called from an app's AppConfig.ready(); registering a name twice keeps the last one."""
    _kinds[kind.name] = kind


def job_kind(name: str) -> JobKind | None:
    return _kinds.get(name)


def jobs_in_background() -> bool:
    """Whether jobs go to a worker (a broker is configured) or run in the request."""
    return not current_app.conf.task_always_eager


# --- reads -------------------------------------------------------------------------------------


def jobs_of(*, user: User) -> QuerySet[Job]:
    """The user's own jobs, newest first: the only door to a job, its status and its result."""
    return Job.objects.filter(user=user).select_related("unit").order_by("-created_at", "-id")


def _stale_before(now: datetime) -> dict[str, datetime]:
    """For each state a job can be stale in, the heartbeat before which it is."""
    return {
        JobState.RUNNING: now - timedelta(seconds=settings.JOBS_STALE_SECONDS),
        JobState.QUEUED: now - timedelta(seconds=settings.JOBS_QUEUED_STALE_SECONDS),
    }


def job_stale(job: Job, *, now: datetime | None = None) -> bool:
    """Whether ``job`` (as loaded) was lost with its worker: running with no sign of life for more
    than JOBS_STALE_SECONDS, or queued for more than JOBS_QUEUED_STALE_SECONDS. A job silent for
    exactly that long is not stale yet. No query: the pages ask it of the rows they read."""
    before = _stale_before(now or timezone.now()).get(job.state)
    return before is not None and job.heartbeat_at < before


# --- writes ------------------------------------------------------------------------------------


def jobs_delete_expired(*, older_than: timedelta, now: datetime | None = None) -> int:
    """Delete the jobs finished more than ``older_than`` ago and their files (a residents export
    holds names and phones); how many. Safe to run at any time and twice at once."""
    now = now or timezone.now()
    deleted = 0
    for job in Job.objects.filter(finished_at__lt=now - older_than).order_by("pk"):
        if job.result:
            job.result.delete(save=False)
        deleted += Job.objects.filter(pk=job.pk).delete()[0]
    return deleted


def jobs_reap(*, now: datetime | None = None, pks: list[int] | None = None) -> int:
    """Fail the stale jobs (``job_stale``; among ``pks`` if given) with the reason, in Chinese, that
    the process running them stopped and nothing was written; how many. One UPDATE whose condition
    is the staleness itself, so a job that showed life in the meantime is left running, and two
    reaps at once fail a job once. Job rows are no data a cached page is built from, so the data
    version is not raised (nor by job_run or jobs_delete_expired).

    Nothing was written: a runner writes in one transaction, rolled back when its connection went
    with the process (unless the process died in the instant between that commit and the job's
    end). Should a run judged stale be alive after all (silent for longer than runners may be), its
    end writes its true outcome over this one."""
    now = now or timezone.now()
    stale = Q()
    for state, before in _stale_before(now).items():
        stale |= Q(state=state, heartbeat_at__lt=before)
    found = Job.objects.filter(stale)
    if pks is not None:
        found = found.filter(pk__in=pks)
    # Stored in the portal's language (as every job's message is), whoever's page found it stale.
    with translation.override(settings.LANGUAGE_CODE):
        reasons = {
            JobState.QUEUED: _(
                "任务未能开始：排队过久仍未执行（后台服务可能未运行），未写入任何数据，请重新发起"
            ),
            JobState.RUNNING: _("任务中断：处理任务的进程已停止，未写入任何数据，请重新发起"),
        }
    reaped = found.update(
        state=JobState.FAILED,
        message=Case(*(When(state=state, then=Value(why)) for state, why in reasons.items())),
        finished_at=now,
    )
    if reaped:
        logger.warning("jobs_reaped", extra={"jobs": reaped})
    return reaped


def jobs_reap_shown(jobs: Sequence[Job]) -> None:
    """Before a page shows ``jobs`` (a job's page, its status, a page of 我的任务): those stale are
    failed (``jobs_reap``) and reloaded, so the user never watches a bar that will not move. No
    query unless one is stale."""
    stale = [job for job in jobs if job_stale(job)]
    if stale:
        jobs_reap(pks=[job.pk for job in stale])
        for job in stale:
            job.refresh_from_db(fields=["state", "message", "finished_at"])


def job_start(
    *,
    kind: str,
    user: User,
    params: dict[str, Any] | None = None,
    unit: Unit | None = None,
    plan_year: PlanYear | None = None,
) -> Job:
    """Record a queued job for ``user`` and start it: on a worker once this transaction commits,
    or (no broker) here and now. The job as it stands when this returns."""
    if kind not in _kinds:
        raise ValueError(f"unknown job kind {kind!r}")
    job = Job.objects.create(
        kind=kind, user=user, unit=unit, plan_year=plan_year, params=params or {}
    )
    logger.info("job_started", extra={"job_id": job.pk, "kind": kind, "user_id": user.pk})
    if jobs_in_background():
        from .tasks import job_run_task

        transaction.on_commit(lambda: job_run_task.delay(job.pk))
    else:
        job_run(job_id=job.pk)
        job.refresh_from_db()
    return job


def job_run(*, job_id: int) -> None:
    """Run a queued job to its end: done with its outcome, or failed with the reason.

    Only a job still queued is run, and only once. The worker acknowledges a job's message when the
    run ends and hands it back if its process dies (CELERY_TASK_ACKS_LATE, _REJECT_ON_WORKER_LOST),
    so a message can come again: for a job whose worker died before starting it, which then runs
    here; or for a job already taken, which is left as it is. A run killed half-way wrote nothing,
    but it is never started again on its own: the message may come back while the first run is in
    fact alive (Redis hands an unacknowledged message out again after its visibility timeout), and
    a job that kills its worker (out of memory) would kill the next one too, for ever. Its row stops
    showing life instead, and it is failed as stale (``jobs_reap``): the user starts it again, when
    and if they still want it. A job gone stale while waiting (queued longer than
    JOBS_QUEUED_STALE_SECONDS, or a run silent too long) is failed here rather than run or left."""
    jobs_reap(pks=[job_id])
    now = timezone.now()
    taken = Job.objects.filter(pk=job_id, state=JobState.QUEUED).update(
        state=JobState.RUNNING, started_at=now, heartbeat_at=now
    )
    if not taken:
        return
    job = Job.objects.select_related("user", "unit", "plan_year").get(pk=job_id)
    kind = _kinds.get(job.kind)
    recorder = ProgressRecorder(job_id=job.pk)
    try:
        if kind is None:
            raise JobFailed(_("未知的任务类型，未执行"))
        outcome = kind.run(job, recorder)
    except JobFailed as failed:
        _finish(job, JobState.FAILED, failed.message, failed.data, recorder)
    except PermissionDenied as refused:
        _finish(job, JobState.FAILED, str(refused) or _("无权执行此操作"), {}, recorder)
    except ValidationError as refused:
        _finish(job, JobState.FAILED, "；".join(refused.messages), {}, recorder)
    except Exception as error:
        # The exception's class and where it was raised, never its message: a database error
        # quotes the row it refused, and a roster's rows hold residents' names and phones.
        frame = traceback.extract_tb(error.__traceback__)[-1]
        logger.error(
            "job_failed",
            extra={
                "job_id": job.pk,
                "kind": job.kind,
                "error": type(error).__name__,
                "where": f"{frame.filename}:{frame.lineno}",
            },
        )
        _finish(
            job,
            JobState.FAILED,
            _("任务执行出错，未写入任何数据；请稍后重试，仍不成功请联系系统管理员"),
            {},
            recorder,
        )
    else:
        if outcome.content is not None:
            job.result.save(outcome.filename or "result.xlsx", ContentFile(outcome.content), False)
            job.result_name = outcome.filename
        _finish(job, JobState.DONE, outcome.message, outcome.data, recorder)
    finally:
        recorder.close()


def _finish(
    job: Job, state: str, message: str, data: dict[str, Any], recorder: "ProgressRecorder"
) -> None:
    job.state = state
    job.message = message[:500]
    job.outcome = data
    job.total = max(recorder.total, recorder.done)
    job.done = job.total if state == JobState.DONE else recorder.done
    job.finished_at = timezone.now()
    job.save(
        update_fields=[
            "state",
            "message",
            "outcome",
            "done",
            "total",
            "result",
            "result_name",
            "finished_at",
        ]
    )
    logger.info("job_finished", extra={"job_id": job.pk, "kind": job.kind, "state": state})


class ProgressRecorder:
    """A runner's progress callback: writes done/total to the job's row when the work has moved by
    at least 1 % of the total since the last write, or a second has passed; and, the figures
    unchanged, once ``heartbeat`` seconds have passed (a tenth of JOBS_STALE_SECONDS), so a job
    that tells its progress is never taken for stale. Each write refreshes the job's heartbeat.

    A runner that writes inside a transaction (an import) would hide its progress until it commits,
    and lose it when it rolls back: then the row is written through a connection of its own, in
    autocommit. A write that cannot be made at once (SQLite's single writer) is skipped; the next
    one catches up, and the job's end writes the final figures.
    """

    def __init__(
        self,
        *,
        job_id: int,
        clock: Callable[[], float] = time.monotonic,
        interval: float = 1.0,
        heartbeat: float | None = None,
    ) -> None:
        self.job_id = job_id
        self.done = 0
        self.total = 0
        self._clock = clock
        self._interval = interval
        self._heartbeat = settings.JOBS_STALE_SECONDS / 10 if heartbeat is None else heartbeat
        self._written = (0, 0)
        self._written_at = clock()
        self._side: BaseDatabaseWrapper | None = None

    def __call__(self, done: int, total: int) -> None:
        self.total = max(total, 0)
        self.done = max(0, min(done, self.total))
        now = self._clock()
        moved = self.done - self._written[0]
        quiet = now - self._written_at
        if (self.done, self.total) == self._written:
            if quiet < self._heartbeat:
                return
        elif self.total == self._written[1] and moved * 100 < self.total and quiet < self._interval:
            return
        self._write()
        self._written = (self.done, self.total)
        self._written_at = now

    def _write(self) -> None:
        now = timezone.now()
        if not connection.in_atomic_block:
            Job.objects.filter(pk=self.job_id).update(
                done=self.done, total=self.total, heartbeat_at=now
            )
            return
        try:
            side = self._side_connection()
            with side.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {Job._meta.db_table} SET done = %s, total = %s, heartbeat_at = %s "  # noqa: S608
                    "WHERE id = %s",
                    [self.done, self.total, side.ops.adapt_datetimefield_value(now), self.job_id],
                )
        except DatabaseError:
            logger.debug("job_progress_skipped", extra={"job_id": self.job_id})

    def _side_connection(self) -> BaseDatabaseWrapper:
        if self._side is None:
            default = connections["default"]
            settings_dict = dict(default.settings_dict)
            if default.vendor == "sqlite":
                # Never wait behind the runner's own write lock: skip this write instead.
                settings_dict["OPTIONS"] = {**settings_dict.get("OPTIONS", {}), "timeout": 0.05}
                settings_dict["OPTIONS"].pop("transaction_mode", None)
            self._side = type(default)(settings_dict, alias="job-progress")
        return self._side

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None
