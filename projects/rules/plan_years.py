"""A plan year as data the city office enters (issue 16): what its settings and milestones must
satisfy to be saved, and what must hold before it is opened. Plain values in, the problems found
out, each a message code (projects/reasons.py words them).

The target checks themselves are rules/targets.py's (unit targets within the city totals,
completion targets against the completion share); here they are only asked for at opening.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from .message import Message
from .reports import trial_months_problem

# The values of projects.choices.Measure and TargetBasis (rules import nothing from Django; a test
# keeps the two in step).
CARRYOVER_COMPLETED = "carryover_completed"
NEW_STARTED = "new_started"
NEW_COMPLETED = "new_completed"
BASIS_CARRYOVER = "carryover"
BASIS_NEW_STARTS = "new_starts"
BASIS_COMPLETIONS = "completions"

# Which targets a figure may be measured against: carry-over completions against the carry-over
# target, started households against the new-start target, completed households of new projects
# against the new-start target (a share of it) or the completion target.
BASES_OF_MEASURE: dict[str, tuple[str, ...]] = {
    CARRYOVER_COMPLETED: (BASIS_CARRYOVER,),
    NEW_STARTED: (BASIS_NEW_STARTS,),
    NEW_COMPLETED: (BASIS_NEW_STARTS, BASIS_COMPLETIONS),
}
KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
KEY_MAX_LENGTH = 30
NAME_MAX_LENGTH = 60
YEAR_MIN, YEAR_MAX = 2000, 2100
REPORT_DUE_DAY_MAX = 28


@dataclass(frozen=True)
class MilestoneInput:
    """One milestone as the city office enters it: a code (blank: made from the figure and the
    share), a name (blank: composed from the data), the due date, the share of the target, which
    target and which figure, and whether every project must also have started or completed."""

    key: str
    due: date
    percent: int
    basis: str
    measure: str
    name: str = ""
    requires_all_projects_started: bool = False
    requires_all_projects_completed: bool = False


@dataclass(frozen=True)
class Problem:
    """A problem of the entered data: the milestone row it is in (None for the whole), the field it
    belongs beside ("" for none) and the message."""

    row: int | None
    field: str
    message: Message


def moved_on(day: date, *, years: int = 1) -> date:
    """``day`` in the year ``years`` on, for prefilling a plan year from an earlier one: 2022-06-30
    → 2023-06-30; 29 February becomes 28 February in a year without it.

    >>> moved_on(date(2024, 2, 29))
    datetime.date(2025, 2, 28)
    """
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def generated_key(*, measure: str, percent: int, taken: Sequence[str]) -> str:
    """A code for a milestone entered without one: the figure and the share ("new_started_60"),
    then a number if that code is taken ("new_started_60_2")."""
    base = f"{measure}_{percent}"
    key, n = base, 1
    while key in taken:
        n += 1
        key = f"{base}_{n}"
    return key


def year_problem(*, year: int) -> Message | None:
    """A plan year's number is a calendar year the programme can run in."""
    if year < YEAR_MIN or year > YEAR_MAX:
        return Message("plan_year.year_range", low=YEAR_MIN, high=YEAR_MAX)
    return None


def settings_problems(
    *,
    year: int,
    dates: Mapping[str, date],
    completion_percent: int,
    consent_percent: int,
    report_due_day: int,
    trial_months: Sequence[object],
) -> list[Problem]:
    """The settings of plan year ``year``: every deadline within the year, the shares 1–100 %, the
    report due day 1–28 (every month has it), the trial months whole months, each once."""
    problems = [
        Problem(None, field, Message("plan_year.date_outside_year", year=year))
        for field, day in dates.items()
        if day.year != year
    ]
    for field, percent in (
        ("completion_percent", completion_percent),
        ("consent_percent", consent_percent),
    ):
        if percent < 1 or percent > 100:
            problems.append(Problem(None, field, Message("plan_year.percent_range")))
    if report_due_day < 1 or report_due_day > REPORT_DUE_DAY_MAX:
        problems.append(
            Problem(
                None, "report_due_day", Message("plan_year.due_day_range", high=REPORT_DUE_DAY_MAX)
            )
        )
    trial = trial_months_problem(months=trial_months)
    if trial:
        problems.append(Problem(None, "trial_months", Message("plan_year.trial_months")))
    return problems


def milestone_problems(*, year: int, milestones: Sequence[MilestoneInput]) -> list[Problem]:
    """The milestones of plan year ``year``: at least one; each code lower-case letters, digits and
    underscores and used once; each share 1–100 %; each due date within the year; the target a
    figure may be measured against (BASES_OF_MEASURE); the all-projects conditions only where the
    figure is about those projects (all started: the new starts; all completed: the carry-over)."""
    if not milestones:
        return [Problem(None, "", Message("plan_year.no_milestones"))]
    problems: list[Problem] = []
    seen: set[str] = set()
    for row, item in enumerate(milestones):
        if not KEY_PATTERN.fullmatch(item.key) or len(item.key) > KEY_MAX_LENGTH:
            problems.append(
                Problem(row, "key", Message("plan_year.key_format", most=KEY_MAX_LENGTH))
            )
        elif item.key in seen:
            problems.append(Problem(row, "key", Message("plan_year.key_repeated", key=item.key)))
        seen.add(item.key)
        if len(item.name) > NAME_MAX_LENGTH:
            problems.append(
                Problem(row, "name", Message("plan_year.name_length", most=NAME_MAX_LENGTH))
            )
        if item.percent < 1 or item.percent > 100:
            problems.append(Problem(row, "percent", Message("plan_year.percent_range")))
        if item.due.year != year:
            problems.append(Problem(row, "due", Message("plan_year.date_outside_year", year=year)))
        bases = BASES_OF_MEASURE.get(item.measure)
        if bases is None:
            problems.append(Problem(row, "measure", Message("plan_year.measure_unknown")))
        elif item.basis not in bases:
            problems.append(Problem(row, "basis", Message("plan_year.basis_mismatch")))
        if item.requires_all_projects_started and item.measure != NEW_STARTED:
            problems.append(
                Problem(row, "requires_all_projects_started", Message("plan_year.all_started_only"))
            )
        if item.requires_all_projects_completed and item.measure != CARRYOVER_COMPLETED:
            problems.append(
                Problem(
                    row, "requires_all_projects_completed", Message("plan_year.all_completed_only")
                )
            )
    return problems


def open_problems(*, target_problems: Sequence[str], milestones: int) -> list[str]:
    """Why a drafted plan year may not be opened yet: the problems the target rule finds in its
    targets (each as that rule words it), and a year without milestones. Empty: it may be opened."""
    problems = list(target_problems)
    if milestones == 0:
        problems.append(Message("plan_year.no_milestones"))
    return problems
