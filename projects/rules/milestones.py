"""Milestone status (SPEC §2): met / missed / on track / at risk / no target, on any date, integer arithmetic only."""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from .arithmetic import least_satisfying, share_reached


class MilestoneStatus(StrEnum):
    """The five answers a milestone can give on a date."""

    MET = "met"
    MISSED = "missed"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    NO_TARGET = "no_target"


STATUS_LABELS: dict[MilestoneStatus, str] = {
    MilestoneStatus.MET: "已完成",
    MilestoneStatus.MISSED: "未完成",
    MilestoneStatus.ON_TRACK: "进度正常",
    MilestoneStatus.AT_RISK: "进度滞后",
    MilestoneStatus.NO_TARGET: "无目标",
}


@dataclass(frozen=True)
class MilestoneSpec:
    """One milestone of a plan year: what must reach which share of which target by when."""

    key: str
    due: date
    percent: int
    requires_all_projects_started: bool = False
    # 续建项目6月底"全部完成改造": every carry-over project completed by count, not households alone.
    requires_all_projects_completed: bool = False
    # The plan year's words for it and the figure it counts, for the pages that show it; the
    # judgement reads only the fields above.
    name: str = ""
    measure: str = ""


@dataclass(frozen=True)
class MilestoneResult:
    """A milestone judged on a date: the least households that satisfy it, the figure judged, the status."""

    key: str
    due: date
    target: int | None
    actual: int
    status: MilestoneStatus
    projects_total: int | None = None
    projects_started: int | None = None
    projects_completed: int | None = None


def judged_on(*, due: date, as_of: date) -> date:
    """The date whose figures are judged: the earlier of the date asked about and the due date."""
    return min(due, as_of)


def milestone_status(
    *,
    spec: MilestoneSpec,
    base_target: int | None,
    actual: int,
    as_of: date,
    year_start: date,
    projects_total: int | None = None,
    projects_started: int | None = None,
    projects_completed: int | None = None,
) -> MilestoneResult:
    """Judge one milestone as of ``as_of``.

    ``actual`` (and ``projects_started`` / ``projects_completed``) must be the figures on
    ``judged_on(due, as_of)``; ``projects_total`` is the number of projects the milestone counts (the
    new projects for the all-started milestone, the carry-over projects for the all-completed one).
    Before the
    due date the milestone is met, on track, or at risk when the straight-line pace from ``year_start``
    to ``as_of`` does not reach the target by the due date (our rule); from the due date on it is met
    or missed. An unknown target gives no target, a target of 0 is known and met.
    """
    by_start = spec.requires_all_projects_started
    by_completion = spec.requires_all_projects_completed
    total = projects_total if by_start or by_completion else None
    started = projects_started if by_start else None
    completed = projects_completed if by_completion else None
    if base_target is None:
        return MilestoneResult(
            spec.key, spec.due, None, actual, MilestoneStatus.NO_TARGET, total, started, completed
        )
    need = least_satisfying(target=base_target, percent=spec.percent)
    households_ok = share_reached(actual=actual, target=base_target, percent=spec.percent)
    projects_ok = (not by_start or (started or 0) >= (total or 0)) and (
        not by_completion or (completed or 0) >= (total or 0)
    )
    if households_ok and projects_ok:
        status = MilestoneStatus.MET
    elif as_of >= spec.due:
        status = MilestoneStatus.MISSED
    elif _pace_reaches(
        actual=actual,
        target=base_target,
        percent=spec.percent,
        as_of=as_of,
        due=spec.due,
        year_start=year_start,
    ):
        status = MilestoneStatus.ON_TRACK
    else:
        status = MilestoneStatus.AT_RISK
    return MilestoneResult(spec.key, spec.due, need, actual, status, total, started, completed)


def _pace_reaches(
    *, actual: int, target: int, percent: int, as_of: date, due: date, year_start: date
) -> bool:
    """Whether ``actual`` households over the days from ``year_start`` to ``as_of`` (inclusive), kept up
    until ``due``, reach ``percent`` % of ``target``: actual × span / elapsed ≥ percent × target / 100,
    compared in integers. Before the year starts nothing can be behind yet."""
    elapsed = (as_of - year_start).days + 1
    if elapsed <= 0:
        return True
    span = (due - year_start).days + 1
    return actual * span * 100 >= percent * target * elapsed
