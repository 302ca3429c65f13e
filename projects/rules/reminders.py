"""Due-day reminders of the monthly report (issue 14): on which days a unit's clerk and leader are
reminded of a month's report. Pure: dates in, the reminder (if any) out.

Due day D (SPEC §5: the 5th of the next month, a plan-year setting), N days before (a setting,
default 3). While no valid version has arrived:
- from D−N to D itself: "due soon" (一次, however many runs fall in those days);
- from D+1 to D+max(N, 1): "overdue" (漏报 from the day after the due day).
Each window is several days long only so that a run missed (a server down for a day) is made up by
the next one; the dedupe key makes each reminder go out once. A months-old 漏报 is not reminded of
again (the unit's 待办 list shows it); nor is anything once a valid version has arrived.

Worked example, due day 2022-07-05, N = 3: 07-01 none; 07-02 to 07-05 due soon; 07-06 to 07-08
overdue; 07-09 none.
"""

from datetime import date, timedelta
from enum import StrEnum


class Reminder(StrEnum):
    DUE_SOON = "report_due_soon"
    OVERDUE = "report_overdue"


def reminder_due(*, due: date, today: date, days_before: int, arrived: bool) -> Reminder | None:
    """The reminder a month's report calls for on ``today``: none once a valid version has arrived
    (``arrived``: approved with the stamp by today); "due soon" from ``days_before`` days before
    the due day to the due day; "overdue" from the day after it for ``max(days_before, 1)`` days."""
    if arrived:
        return None
    days_before = max(days_before, 0)
    if due - timedelta(days=days_before) <= today <= due:
        return Reminder.DUE_SOON
    if due < today <= due + timedelta(days=max(days_before, 1)):
        return Reminder.OVERDUE
    return None


def reminder_key(*, year: int, month: int, unit_id: int, reminder: Reminder) -> str:
    """The dedupe key of one unit's reminder for one month: each recipient gets it once."""
    return f"report-due:{year}-{month:02d}:u{unit_id}:{reminder.value}"
