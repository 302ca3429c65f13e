"""The due-day reminder rule: on which days a month's report calls for which reminder."""

from datetime import date

import pytest

from projects.rules.reminders import Reminder, reminder_due, reminder_key

DUE = date(2022, 7, 5)  # June's report, due day 5
SOON, LATE = Reminder.DUE_SOON, Reminder.OVERDUE


@pytest.mark.parametrize(
    ("today", "days_before", "arrived", "expected"),
    [
        (date(2022, 6, 30), 3, False, None),
        (date(2022, 7, 1), 3, False, None),  # D−4
        (date(2022, 7, 2), 3, False, SOON),  # D−3
        (date(2022, 7, 4), 3, False, SOON),  # D−1: a missed run made up
        (date(2022, 7, 5), 3, False, SOON),  # the due day itself is still on time
        (date(2022, 7, 6), 3, False, LATE),  # D+1: 漏报 from today
        (date(2022, 7, 8), 3, False, LATE),  # D+3: a missed run made up
        (date(2022, 7, 9), 3, False, None),  # D+4: no longer
        (date(2022, 7, 2), 3, True, None),  # already valid: nothing
        (date(2022, 7, 6), 3, True, None),
        (date(2022, 7, 4), 1, False, SOON),  # one day before
        (date(2022, 7, 3), 1, False, None),
        (date(2022, 7, 5), 0, False, SOON),  # 0: on the due day only
        (date(2022, 7, 4), 0, False, None),
        (date(2022, 7, 6), 0, False, LATE),  # the day after, whatever the setting
        (date(2022, 7, 7), 0, False, None),
        (date(2022, 6, 28), 7, False, SOON),  # a week before
        (date(2022, 7, 12), 7, False, LATE),
        (date(2022, 7, 13), 7, False, None),
    ],
)
def test_reminder_due(
    today: date, days_before: int, arrived: bool, expected: Reminder | None
) -> None:
    """Due soon from D−N to D, overdue from D+1 for max(N, 1) days, nothing once valid."""
    assert reminder_due(due=DUE, today=today, days_before=days_before, arrived=arrived) == expected


def test_reminder_key_names_year_month_unit_and_kind() -> None:
    """One key per unit, month and reminder: June's and July's, due soon and overdue, differ."""
    keys = {
        reminder_key(year=2022, month=m, unit_id=7, reminder=r) for m in (6, 7) for r in Reminder
    }
    assert len(keys) == 4
    assert reminder_key(year=2022, month=6, unit_id=7, reminder=SOON) == (
        "report-due:2022-06:u7:report_due_soon"
    )
