"""send_reminders: each due-day reminder sent once and only once across repeated runs on the days
around June's due day (2022-07-05), to the clerks and leaders of the units not yet reported."""

import io
import threading
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from projects import notifications
from projects.choices import NotificationKind, Role
from projects.models import Notification, PlanYear, Unit, User
from reporting import reports
from tests.factories import UserFactory
from tests.reporting.test_reports import stamp

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
REMINDERS = (NotificationKind.REPORT_DUE_SOON, NotificationKind.REPORT_OVERDUE)


@pytest.fixture
def people(programme: None) -> dict[str, User]:
    """驿城区 (not reported): a clerk with an address and a leader, plus a disabled clerk; 西平县:
    a clerk and a leader who approve June on 2022-07-01; the city office."""
    yicheng, xiping = Unit.objects.get(name="驿城区"), Unit.objects.get(name="西平县")
    people = {
        "clerk": UserFactory(
            username="clerk", role=Role.CLERK, unit=yicheng, email="clerk@example.com"
        ),
        "leader": UserFactory(username="leader", role=Role.LEADER, unit=yicheng),
        "gone": UserFactory(username="gone", role=Role.CLERK, unit=yicheng, is_active=False),
        "other_clerk": UserFactory(username="other_clerk", role=Role.CLERK, unit=xiping),
        "other_leader": UserFactory(username="other_leader", role=Role.LEADER, unit=xiping),
        "city": UserFactory(username="city", role=Role.CITY, unit=None),
    }
    report = reports.report_open(
        plan_year=PlanYear.objects.get(year=2022),
        unit=xiping,
        month=6,
        user=people["other_clerk"],
    )
    report = reports.report_submit(
        report=report, user=people["other_clerk"], at=datetime(2022, 7, 1, 9, tzinfo=SHANGHAI)
    )
    reports.report_approve(
        report=report,
        stamp=stamp(),
        user=people["other_leader"],
        at=datetime(2022, 7, 1, 10, tzinfo=SHANGHAI),
    )
    return people


def run(today: str | None) -> list[str]:
    out = io.StringIO()
    call_command("send_reminders", *(["--today", today] if today else []), stdout=out)
    return out.getvalue().splitlines()


def reminded() -> list[tuple[str, str]]:
    return sorted(
        Notification.objects.filter(kind__in=REMINDERS).values_list("recipient__username", "kind")
    )


def test_reminders_once_and_only_once_around_the_due_day(people: dict[str, User]) -> None:
    """Due day D = 2022-07-05, three days before: D−4 sends 0, D−3 sends 2 (驿城区's clerk and
    leader; 西平县 reported on 07-01), D−3 again 0, D−1 0, D 0, D+1 2 overdue, D+1 again 0, D+2 0,
    D+4 0. 驿城区 is the only unit with active users that has not reported."""
    expected = [
        ("2022-07-01", 0),
        ("2022-07-02", 2),
        ("2022-07-02", 0),
        ("2022-07-04", 0),
        ("2022-07-05", 0),
        ("2022-07-06", 2),
        ("2022-07-06", 0),
        ("2022-07-07", 0),
        ("2022-07-09", 0),
    ]
    got = [(day, run(day)[-1]) for day, _ in expected]
    assert got == [(day, f"已发送提醒 {n} 条") for day, n in expected]
    assert reminded() == [
        ("clerk", NotificationKind.REPORT_DUE_SOON),
        ("clerk", NotificationKind.REPORT_OVERDUE),
        ("leader", NotificationKind.REPORT_DUE_SOON),
        ("leader", NotificationKind.REPORT_OVERDUE),
    ]


def test_the_output_names_unit_month_and_count(people: dict[str, User]) -> None:
    """The run on D−3 prints one line for 驿城区's June and the total last."""
    assert run("2022-07-02") == [
        "驿城区 2022年6月信息月报（截止 2022-07-05）即将到期：提醒 2 人",
        "已发送提醒 2 条",
    ]


def test_the_reminder_text_and_link(people: dict[str, User]) -> None:
    """The due-soon reminder names the due day and the days left and links to the month's page;
    the overdue one says 漏报."""
    run("2022-07-02")
    run("2022-07-06")
    soon = Notification.objects.get(
        recipient=people["clerk"], kind=NotificationKind.REPORT_DUE_SOON
    )
    assert soon.text == (
        "驿城区2022年6月信息月报须于2022年7月5日前审核盖章报送（还有 3 天），目前尚未报送。"
    )
    assert soon.link == f"/city/reports/{people['clerk'].unit_id}/6/"
    late = Notification.objects.get(
        recipient=people["leader"], kind=NotificationKind.REPORT_OVERDUE
    )
    assert "已过报送截止日（2022年7月5日）" in late.text and "漏报" in late.text


def test_a_unit_that_reports_before_the_due_day_gets_no_overdue_reminder(
    people: dict[str, User],
) -> None:
    """驿城区 is reminded on D−3, approves June on D (on time): the run on D+1 sends nothing."""
    assert run("2022-07-02")[-1] == "已发送提醒 2 条"
    report = reports.report_open(
        plan_year=PlanYear.objects.get(year=2022),
        unit=people["clerk"].unit,
        month=6,
        user=people["clerk"],
    )
    report = reports.report_submit(report=report, user=people["clerk"])
    reports.report_approve(
        report=report,
        stamp=stamp(),
        user=people["leader"],
        at=datetime(2022, 7, 5, 16, tzinfo=SHANGHAI),
    )
    assert run("2022-07-06")[-1] == "已发送提醒 0 条"


def test_a_submitted_but_unapproved_report_is_still_reminded(people: dict[str, User]) -> None:
    """Only an approved (stamped) version counts as reported: 驿城区's submitted June is reminded."""
    report = reports.report_open(
        plan_year=PlanYear.objects.get(year=2022),
        unit=people["clerk"].unit,
        month=6,
        user=people["clerk"],
    )
    reports.report_submit(report=report, user=people["clerk"])
    assert run("2022-07-02")[-1] == "已发送提醒 2 条"


def test_december_is_reminded_in_the_next_january(people: dict[str, User]) -> None:
    """December 2022's report is due 2023-01-05: on 2023-01-02 both units' clerks and leaders are
    reminded (4), and 驿城区's clerk gets the e-mail too."""
    assert run("2023-01-02")[-1] == "已发送提醒 4 条"
    assert {n.text[:14] for n in Notification.objects.filter(kind__in=REMINDERS)} == {
        "驿城区2022年12月信息月",
        "西平县2022年12月信息月",
    }


def test_the_setting_moves_the_first_reminder(people: dict[str, User], settings: Any) -> None:
    """With REMINDER_DAYS_BEFORE = 1, D−3 and D−2 send nothing and D−1 sends the reminder."""
    settings.REMINDER_DAYS_BEFORE = 1
    assert [run(d)[-1] for d in ("2022-07-02", "2022-07-03", "2022-07-04")] == [
        "已发送提醒 0 条",
        "已发送提醒 0 条",
        "已发送提醒 2 条",
    ]


def test_reminders_are_emailed_to_those_with_an_address(
    people: dict[str, User], django_capture_on_commit_callbacks: Any
) -> None:
    """On D−3 the clerk (with an address) gets an e-mail, the leader (without) does not; the run
    again sends no second e-mail."""
    with django_capture_on_commit_callbacks(execute=True):
        run("2022-07-02")
        run("2022-07-02")
    assert [m.to for m in mail.outbox] == [["clerk@example.com"]]
    assert mail.outbox[0].subject.endswith("月报即将到期")


def test_today_defaults_to_the_local_date(people: dict[str, User], monkeypatch: Any) -> None:
    """Without --today the day is today in Asia/Shanghai (07-01 23:30 UTC is 07-02 there: D−3)."""
    from django.utils import timezone

    monkeypatch.setattr(
        timezone, "now", lambda: datetime(2022, 7, 1, 23, 30, tzinfo=ZoneInfo("UTC"))
    )
    assert run(None)[-1] == "已发送提醒 2 条"


def test_a_bad_date_is_refused(people: dict[str, User]) -> None:
    """--today must be YYYY-MM-DD."""
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("2022/07/02")


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_send_each_reminder_once(people: dict[str, User]) -> None:
    """A run whose transaction is still open holds 驿城区's reminders; a second run meanwhile waits
    (PostgreSQL: on the unique constraint; SQLite: on the write lock) and then writes none."""
    clerk, leader = people["clerk"], people["leader"]
    key = f"report-due:2022-06:u{clerk.unit_id}:report_due_soon"
    holding, release = threading.Event(), threading.Event()
    outcomes: list[Any] = []

    def first() -> None:
        try:
            with transaction.atomic():
                written = notifications.notify(
                    recipients=[clerk, leader],
                    kind=NotificationKind.REPORT_DUE_SOON,
                    text="提醒",
                    dedupe_key=key,
                )
                outcomes.append(("first", len(written)))
                holding.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    holder = threading.Thread(target=first)
    holder.start()
    assert holding.wait(timeout=10)
    threading.Timer(1.0, release.set).start()
    lines = run("2022-07-02")  # blocks until the first commits, then finds the rows
    holder.join()
    assert outcomes == [("first", 2)]
    assert lines[-1] == "已发送提醒 0 条"
    assert Notification.objects.filter(dedupe_key=key).count() == 2
