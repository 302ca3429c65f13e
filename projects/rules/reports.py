"""Monthly information reports (SPEC §5): who may move a report from which state to which, when a
report is due and whether it arrived on time, and which figures make a report suspect."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class ReportState(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RECEIVED = "received"
    RETURNED = "returned"


class Action(StrEnum):
    SUBMIT = "submit"
    APPROVE = "approve"
    WITHDRAW = "withdraw"
    RECEIVE = "receive"
    RETURN = "return"
    CORRECT = "correct"


@dataclass(frozen=True)
class Transition:
    """An action: the state it starts from, the state it leads to, and the roles that may take it."""

    source: ReportState
    target: ReportState
    roles: frozenset[str]


UNIT_ROLES = frozenset({"clerk", "leader"})
TRANSITIONS: dict[Action, Transition] = {
    Action.SUBMIT: Transition(ReportState.DRAFT, ReportState.SUBMITTED, UNIT_ROLES),
    Action.APPROVE: Transition(ReportState.SUBMITTED, ReportState.APPROVED, frozenset({"leader"})),
    # Withdrawing an approval sends the version back to its draft, before the city receives it.
    Action.WITHDRAW: Transition(ReportState.APPROVED, ReportState.DRAFT, frozenset({"leader"})),
    Action.RECEIVE: Transition(ReportState.APPROVED, ReportState.RECEIVED, frozenset({"city"})),
    Action.RETURN: Transition(ReportState.APPROVED, ReportState.RETURNED, frozenset({"city"})),
    # A returned version stays as it is; the correction is a new version, a draft.
    Action.CORRECT: Transition(ReportState.RETURNED, ReportState.DRAFT, UNIT_ROLES),
}


def allowed_actions(*, state: str, role: str) -> tuple[Action, ...]:
    """The actions ``role`` may take on a report in ``state``."""
    return tuple(
        action
        for action, t in TRANSITIONS.items()
        if t.source == ReportState(state) and role in t.roles
    )


def report_period_end(*, year: int, month: int) -> date:
    """The last day of the month reported on (the date of the report's figures)."""
    if month == 12:
        return date(year, 12, 31)
    return date.fromordinal(date(year, month + 1, 1).toordinal() - 1)


def report_due(*, year: int, month: int, due_day: int) -> date:
    """The due date of month ``month``'s report: day ``due_day`` of the next month (*our rule*,
    a plan-year setting; default the 5th)."""
    if month == 12:
        return date(year + 1, 1, due_day)
    return date(year, month + 1, due_day)


class Timeliness(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"  # 迟报: valid after the due day
    MISSING = "missing"  # 漏报: no valid report by the due day, until one arrives
    NOT_DUE = "not_due"


TIMELINESS_LABELS: dict[Timeliness, str] = {
    Timeliness.ON_TIME: "按时报送",
    Timeliness.LATE: "迟报",
    Timeliness.MISSING: "漏报",
    Timeliness.NOT_DUE: "未到期",
}


def timeliness(*, due: date, valid_on: date | None, today: date) -> Timeliness:
    """A month's report is on time when a valid version (approved by the leader with the stamp)
    arrived by the due day (inclusive); late when it arrived after; missing from the day after the
    due day until one arrives."""
    if valid_on is not None:
        return Timeliness.ON_TIME if valid_on <= due else Timeliness.LATE
    return Timeliness.MISSING if today > due else Timeliness.NOT_DUE


# The report's cumulative household and project counts: they never go down from month to month.
CUMULATIVE_FIGURES: dict[str, str] = {
    "new_started": "新开工项目累计开工户数",
    "new_completed": "新开工项目累计完工户数",
    "carryover_completed": "续建项目累计完工户数",
    "projects_started": "累计开工项目数",
    "projects_completed": "累计完工项目数",
}


def figures_fell(
    *, earlier: Mapping[str, int], later: Mapping[str, int], earlier_month: int
) -> tuple[str, ...]:
    """Cumulative figures of a later valid report below an earlier valid report's (suspected
    瞒报/错报)."""
    return tuple(
        f"{label} {later[key]} 低于{earlier_month}月报告的 {earlier[key]}"
        for key, label in CUMULATIVE_FIGURES.items()
        if key in earlier and key in later and later[key] < earlier[key]
    )


def figures_differ(*, reported: Mapping[str, int], records: Mapping[str, int]) -> tuple[str, ...]:
    """Figures of a valid report that differ from the project records at the same date."""
    return tuple(
        f"{label}：报告 {reported[key]}，项目记录 {records[key]}"
        for key, label in CUMULATIVE_FIGURES.items()
        if key in reported and key in records and reported[key] != records[key]
    )
