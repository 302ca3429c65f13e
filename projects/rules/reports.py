"""Monthly information reports (SPEC §5): who may move a report from which state to which, when a
report is due and whether it arrived on time, and which figures make a report suspect."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from .dates import cn_date


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
    SEND_BACK = "send_back"


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
    # The leader sends a submitted draft back to the clerk with a reason, without a stamp.
    Action.SEND_BACK: Transition(ReportState.SUBMITTED, ReportState.DRAFT, frozenset({"leader"})),
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
    TRIAL = "trial"  # 试填报: a trial month, neither late nor missing whenever it arrives


TIMELINESS_LABELS: dict[Timeliness, str] = {
    Timeliness.ON_TIME: "按时报送",
    Timeliness.LATE: "迟报",
    Timeliness.MISSING: "漏报",
    Timeliness.NOT_DUE: "未到期",
    Timeliness.TRIAL: "试填报",
}


def trial_month(*, month: int, trial_months: Sequence[int]) -> bool:
    """Whether ``month`` is one of the plan year's trial months (试填报): its report runs the whole
    workflow but counts neither in timeliness nor in the annual assessment."""
    return month in trial_months


def trial_months_problem(*, months: Sequence[object]) -> str:
    """What is wrong with a list of trial months ("" when nothing): whole month numbers 1–12, each
    once."""
    if any(isinstance(m, bool) or not isinstance(m, int) for m in months):
        return "试填报月份须为 1 至 12 的整数"
    numbers = [m for m in months if isinstance(m, int)]
    if any(m < 1 or m > 12 for m in numbers):
        return "试填报月份须为 1 至 12 的整数"
    if len(set(numbers)) != len(numbers):
        return "试填报月份不能重复"
    return ""


def timeliness(*, due: date, valid_on: date | None, today: date, trial: bool = False) -> Timeliness:
    """A month's report is on time when a valid version (approved by the leader with the stamp)
    arrived by the due day (inclusive); late when it arrived after; missing from the day after the
    due day until one arrives. A trial month's report (``trial``) is 试填报, never late or missing."""
    if trial:
        return Timeliness.TRIAL
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


# The same figures as they name a project's share in the flags: "开工户数 −320".
FIGURE_SHORT_LABELS: dict[str, str] = {
    "new_started": "开工户数",
    "new_completed": "完工户数",
    "carryover_completed": "续建项目完工户数",
    "projects_started": "开工项目数",
    "projects_completed": "完工项目数",
}


@dataclass(frozen=True)
class Discrepancy:
    """One cumulative figure of a valid report that differs from the project records at its month
    end, with the previous valid report's figure when this one is below it."""

    figure: str
    reported: int
    records: int
    earlier: int | None = None
    earlier_month: int | None = None

    @property
    def detail(self) -> str:
        """新开工项目累计开工户数：报告 0，项目记录 100（低于5月报告的 100）"""
        text = f"{CUMULATIVE_FIGURES[self.figure]}：报告 {self.reported}，项目记录 {self.records}"
        if self.earlier is not None:
            text += f"（低于{self.earlier_month}月报告的 {self.earlier}）"
        return text


def report_discrepancies(
    *,
    reported: Mapping[str, Any],
    records: Mapping[str, Any],
    earlier: Mapping[str, Any] | None = None,
    earlier_month: int | None = None,
) -> tuple[Discrepancy, ...]:
    """The cumulative figures of a valid report that differ from the records at the same month end
    (suspected 瞒报/错报), each one discrepancy.

    A figure below the previous valid report's is named in its discrepancy but is not one of its
    own: the records give cumulative figures that never fall, so whenever a later report is below
    an earlier one, one of the two differs from the records, and that report carries the flag (for
    a start removed after May was reported, May's report, not June's, which matches the records).
    """
    found = []
    for key in CUMULATIVE_FIGURES:
        if key not in reported or key not in records or reported[key] == records[key]:
            continue
        fell = earlier is not None and key in earlier and reported[key] < earlier[key]
        found.append(
            Discrepancy(
                figure=key,
                reported=int(reported[key]),
                records=int(records[key]),
                earlier=int(earlier[key]) if fell and earlier is not None else None,
                earlier_month=earlier_month if fell else None,
            )
        )
    return tuple(found)


def project_share(project: Mapping[str, Any] | None, figure: str) -> int:
    """What one project, as a report freezes it (kind, households, the dates reached by month end),
    adds to a cumulative figure; nothing when the project is absent."""
    if project is None:
        return 0
    new = project.get("kind") == "new"
    households = int(project.get("households") or 0)
    started = new and project.get("started_on") is not None
    completed = project.get("completed_on") is not None
    return {
        "new_started": households if started else 0,
        "new_completed": households if new and completed else 0,
        "carryover_completed": households if not new and completed else 0,
        "projects_started": 1 if started else 0,
        "projects_completed": 1 if new and completed else 0,
    }[figure]


def _cn_day(iso: str) -> str:
    return cn_date(date.fromisoformat(iso))


def _project_state(project: Mapping[str, Any] | None, figure: str, households: bool) -> str:
    """未开工 / 已开工（2022年5月10日） / 已完工（…，320户） / 无此项目, as the figure reads it."""
    if project is None:
        return "无此项目"
    field, word = (
        ("started_on", "开工")
        if figure in ("new_started", "projects_started")
        else ("completed_on", "完工")
    )
    day = project.get(field)
    size = f"{project.get('households')}户" if households else ""
    if day is None:
        return f"未{word}（{size}）" if size else f"未{word}"
    return f"已{word}（{_cn_day(day)}，{size}）" if size else f"已{word}（{_cn_day(day)}）"


def _signed(n: int) -> str:
    return f"+{n}" if n > 0 else f"\u2212{-n}"


@dataclass(frozen=True)
class ProjectChange:
    """A project whose current record gives a figure a different share than the report froze."""

    project_id: int
    name: str
    reported: int
    records: int
    text: str


def projects_differ(
    *,
    reported: Sequence[Mapping[str, Any]],
    records: Sequence[Mapping[str, Any]],
    figures: Sequence[str],
) -> tuple[ProjectChange, ...]:
    """The projects behind a discrepancy: each project (by id) whose share of one of ``figures`` in
    the records at month end differs from its share in the report's frozen project list, once,
    with how much each figure moved, e.g. "某某小区：报告时已开工（2022年5月10日），现项目记录未开工，
    开工户数 −320，开工项目数 −1" (the state as the first moved figure reads it)."""
    before = {int(p["id"]): p for p in reported}
    now = {int(p["id"]): p for p in records}
    changes = []
    for pid in sorted(
        before.keys() | now.keys(), key=lambda i: (str((now.get(i) or before[i])["name"]), i)
    ):
        old, new = before.get(pid), now.get(pid)
        moved = [
            (figure, project_share(old, figure), project_share(new, figure))
            for figure in figures
            if project_share(old, figure) != project_share(new, figure)
        ]
        if not moved:
            continue
        figure, was, is_ = moved[0]
        # Households are named when they changed and the figure counts them.
        households = (
            not figure.startswith("projects_")
            and old is not None
            and new is not None
            and old.get("households") != new.get("households")
        )
        name = str((new or old or {}).get("name"))
        text = (
            f"{name}：报告时{_project_state(old, figure, households)}，"
            f"现项目记录{_project_state(new, figure, households)}，"
            + "，".join(f"{FIGURE_SHORT_LABELS[f]} {_signed(n - w)}" for f, w, n in moved)
        )
        changes.append(ProjectChange(pid, name, was, is_, text))
    return tuple(changes)
