"""The monthly report rules: due dates, timeliness, who may act in which state, suspect figures."""

from datetime import date

import pytest

from projects.rules.reports import (
    Action,
    Timeliness,
    allowed_actions,
    figures_differ,
    figures_fell,
    report_due,
    report_period_end,
    timeliness,
)


@pytest.mark.parametrize(
    ("month", "due_day", "due", "end"),
    [
        (6, 5, date(2022, 7, 5), date(2022, 6, 30)),
        (2, 5, date(2022, 3, 5), date(2022, 2, 28)),
        (12, 5, date(2023, 1, 5), date(2022, 12, 31)),
        (1, 10, date(2022, 2, 10), date(2022, 1, 31)),
    ],
)
def test_due_and_period_end(month: int, due_day: int, due: date, end: date) -> None:
    """A month's report covers it to its last day and is due on the due day of the next month."""
    assert report_due(year=2022, month=month, due_day=due_day) == due
    assert report_period_end(year=2022, month=month) == end


JULY_5 = date(2022, 7, 5)


@pytest.mark.parametrize(
    ("valid_on", "today", "expected"),
    [
        (date(2022, 7, 4), date(2022, 8, 1), Timeliness.ON_TIME),
        (JULY_5, date(2022, 8, 1), Timeliness.ON_TIME),  # the due day itself is on time
        (date(2022, 7, 6), date(2022, 8, 1), Timeliness.LATE),
        (None, JULY_5, Timeliness.NOT_DUE),
        (None, date(2022, 7, 6), Timeliness.MISSING),
        (date(2022, 9, 1), date(2022, 9, 2), Timeliness.LATE),  # missing until it arrives
    ],
)
def test_timeliness(valid_on: date | None, today: date, expected: Timeliness) -> None:
    """On time by the due day inclusive; 迟报 after; 漏报 from the next day until one arrives."""
    assert timeliness(due=JULY_5, valid_on=valid_on, today=today) == expected


@pytest.mark.parametrize(
    ("state", "role", "actions"),
    [
        ("draft", "clerk", (Action.SUBMIT,)),
        ("draft", "leader", (Action.SUBMIT,)),
        ("draft", "city", ()),
        ("submitted", "clerk", ()),
        ("submitted", "leader", (Action.APPROVE,)),
        ("approved", "leader", (Action.WITHDRAW,)),
        ("approved", "city", (Action.RECEIVE, Action.RETURN)),
        ("approved", "clerk", ()),
        ("received", "leader", ()),
        ("received", "city", ()),
        ("returned", "clerk", (Action.CORRECT,)),
        ("returned", "admin", ()),
    ],
)
def test_allowed_actions(state: str, role: str, actions: tuple[Action, ...]) -> None:
    """SPEC §5/§6: clerks submit, leaders approve and withdraw, the city receives or returns; nobody
    acts on a received report; administrators take no part."""
    assert allowed_actions(state=state, role=role) == actions


def test_figures_that_fall_are_named() -> None:
    """A cumulative figure below the earlier report's is reported with both values."""
    assert figures_fell(
        earlier={"new_started": 500, "new_completed": 0},
        later={"new_started": 480, "new_completed": 0},
        earlier_month=5,
    ) == ("新开工项目累计开工户数 480 低于5月报告的 500",)


def test_figures_that_differ_from_records_are_named() -> None:
    """Only the cumulative figures are compared; equal ones pass."""
    assert figures_differ(
        reported={"new_started": 500, "projects_started": 3, "investment_completed": "1"},
        records={"new_started": 620, "projects_started": 3, "investment_completed": "2"},
    ) == ("新开工项目累计开工户数：报告 500，项目记录 620",)
