"""Due-day reminders of the monthly report (``send_reminders``): for each open plan year's months
whose reminder window holds ``today`` (projects.rules.reminders), the clerks and leaders of each unit
with no valid version yet are told, once each (the notification's dedupe key). A draft year is not
reported on yet, so it reminds nobody."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.urls import reverse

from projects.choices import NotificationKind, PlanYearState
from projects.models import PlanYear, Unit, User
from projects.notifications import UNIT_ROLES, notify
from projects.rules.dates import cn_date
from projects.rules.reminders import Reminder, reminder_due, reminder_key
from projects.rules.reports import report_due

from .reports import valid_on_by_month

KINDS = {
    Reminder.DUE_SOON: NotificationKind.REPORT_DUE_SOON,
    Reminder.OVERDUE: NotificationKind.REPORT_OVERDUE,
}


@dataclass(frozen=True)
class ReminderSent:
    """One unit's reminder for one month, and to how many people it went this run."""

    unit: Unit
    year: int
    month: int
    due: date
    reminder: Reminder
    sent: int


def reminder_text(
    *, unit: Unit, year: int, month: int, due: date, today: date, reminder: Reminder
) -> str:
    title = f"{unit.name}{year}年{month}月信息月报"
    if reminder == Reminder.OVERDUE:
        return (
            f"{title}已过报送截止日（{cn_date(due)}），至今尚未审核盖章，现计为漏报。"
            "请尽快填报、审核并上传盖章扫描件。"
        )
    left = (due - today).days
    when = "今天是报送截止日" if left == 0 else f"还有 {left} 天"
    return f"{title}须于{cn_date(due)}前审核盖章报送（{when}），目前尚未报送。"


def reminders_send(*, today: date, days_before: int, year: int | None = None) -> list[ReminderSent]:
    """Remind each unit's clerks and leaders of the months whose report is due soon or overdue on
    ``today`` and not yet valid (of every open plan year, or of ``year`` only); a reminder already
    sent to a person is not sent again. Returns what each (unit, month, reminder) sent this run,
    those that sent nothing included."""
    result: list[ReminderSent] = []
    units = list(Unit.objects.order_by("sort_order", "id"))
    people: dict[int, list[User]] = defaultdict(list)
    for user in User.objects.filter(
        is_active=True, role__in=UNIT_ROLES, unit__isnull=False
    ).order_by("pk"):
        assert user.unit_id is not None
        people[user.unit_id].append(user)
    plan_years = PlanYear.objects.filter(state=PlanYearState.OPEN).order_by("year")
    if year is not None:
        plan_years = plan_years.filter(year=year)
    for plan_year in plan_years:
        months = {
            month: report_due(year=plan_year.year, month=month, due_day=plan_year.report_due_day)
            for month in range(1, 13)
        }
        # Only the months whose window holds today need the reports read at all.
        if not any(
            reminder_due(due=due, today=today, days_before=days_before, arrived=False)
            for due in months.values()
        ):
            continue
        valid_on = valid_on_by_month(plan_year=plan_year)
        for month, due in months.items():
            for unit in units:
                arrived_on = valid_on.get((unit.id, month))
                reminder = reminder_due(
                    due=due,
                    today=today,
                    days_before=days_before,
                    arrived=arrived_on is not None and arrived_on <= today,
                )
                if reminder is None or not people[unit.id]:
                    continue
                written = notify(
                    recipients=people[unit.id],
                    kind=KINDS[reminder],
                    text=reminder_text(
                        unit=unit,
                        year=plan_year.year,
                        month=month,
                        due=due,
                        today=today,
                        reminder=reminder,
                    ),
                    link=_month_link(unit, month),
                    dedupe_key=reminder_key(
                        year=plan_year.year, month=month, unit_id=unit.id, reminder=reminder
                    ),
                )
                result.append(
                    ReminderSent(unit, plan_year.year, month, due, reminder, len(written))
                )
    return result


def _month_link(unit: Unit, month: int) -> str:
    return reverse("reporting:report_month", kwargs={"unit_id": unit.id, "month": month})
