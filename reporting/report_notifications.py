"""Who the report workflow tells of each step (issue 14), through ``projects.notifications.notify``
and inside the step's transaction: submitted → the unit's leaders; approved → the city office;
sent back by the leader or returned by the city → the unit's clerks and leaders; an approval
withdrawn by the leader → the unit's clerks (to submit again); received → the unit's clerks and
leaders; a flag ruled → the unit's clerks and leaders. The person acting is not told of their own
step.

Each step also settles the earlier notifications about the same month's report that asked for it
(``SETTLES``): they are marked read for all their recipients, so a leader's bell stops counting a
report already approved and the city's one already received, returned or withdrawn."""

from collections.abc import Sequence
from datetime import datetime

from django.urls import reverse
from django.utils import translation

from projects.choices import NotificationKind, Role
from projects.models import User
from projects.notifications import city_office, notifications_settle, notify, unit_people

from .models import MonthlyReport, ReportFlag


def _actor(user: User) -> str:
    return user.get_full_name() or user.get_username()


def report_subject(report: MonthlyReport) -> str:
    """驿城区2022年6月信息月报: how every notification about the month's report begins (the
    reminders' too), whatever its version."""
    return f"{report.unit.name}{report.plan_year.year}年{report.month}月信息月报"


def report_title(report: MonthlyReport) -> str:
    """驿城区2022年6月信息月报（第1版）"""
    return f"{report_subject(report)}（第{report.version}版）"


def report_link(report: MonthlyReport) -> str:
    return reverse(
        "reporting:report_month", kwargs={"unit_id": report.unit_id, "month": report.month}
    )


K = NotificationKind

# The step taken → the kinds of notification that asked for it, settled once it is taken.
SETTLES: dict[str, Sequence[str]] = {
    "submit": (K.REPORT_SENT_BACK, K.REPORT_RETURNED),
    "approve": (K.REPORT_SUBMITTED, K.REPORT_DUE_SOON, K.REPORT_OVERDUE),
    "send_back": (K.REPORT_SUBMITTED,),
    "withdraw": (K.REPORT_APPROVED,),
    "receive": (K.REPORT_APPROVED,),
    "return": (K.REPORT_APPROVED,),
}


def _settle(report: MonthlyReport, step: str, at: datetime | None = None) -> None:
    notifications_settle(
        link=report_link(report), about=report_subject(report), kinds=SETTLES[step], at=at
    )


def report_submitted(report: MonthlyReport, *, user: User, at: datetime | None) -> None:
    _settle(report, "submit", at=at)
    notify(
        recipients=unit_people(unit_id=report.unit_id, roles=[Role.LEADER]),
        kind=NotificationKind.REPORT_SUBMITTED,
        text=f"{report_title(report)}已由{_actor(user)}提交，请审核并上传盖章扫描件。",
        link=report_link(report),
        at=at,
        exclude=user,
    )


def report_approved(report: MonthlyReport, *, user: User, at: datetime | None) -> None:
    _settle(report, "approve", at=at)
    notify(
        recipients=city_office(),
        kind=NotificationKind.REPORT_APPROVED,
        text=f"{report_title(report)}已由{_actor(user)}审核盖章，请接收或退回。",
        link=report_link(report),
        at=at,
        exclude=user,
    )


def report_sent_back(report: MonthlyReport, *, user: User, reason: str) -> None:
    _settle(report, "send_back")
    notify(
        recipients=unit_people(unit_id=report.unit_id),
        kind=NotificationKind.REPORT_SENT_BACK,
        text=f"{report_title(report)}被审核人{_actor(user)}退回修改。原因：{reason}",
        link=report_link(report),
        exclude=user,
    )


def report_returned(report: MonthlyReport, *, user: User, at: datetime | None) -> None:
    wrong = "（数据错误，计为错报）" if report.wrong_figures else ""
    _settle(report, "return", at=at)
    notify(
        recipients=unit_people(unit_id=report.unit_id),
        kind=NotificationKind.REPORT_RETURNED,
        text=f"{report_title(report)}被市老旧办退回{wrong}，请更正后重新报送。原因：{report.return_reason}",
        link=report_link(report),
        at=at,
        exclude=user,
    )


def report_withdrawn(report: MonthlyReport, *, user: User, reason: str) -> None:
    _settle(report, "withdraw")
    notify(
        recipients=unit_people(unit_id=report.unit_id, roles=[Role.CLERK]),
        kind=NotificationKind.REPORT_SENT_BACK,
        text=f"{report_title(report)}已被审核人{_actor(user)}撤回审核，现为草稿，请修改后重新提交。原因：{reason}",
        link=report_link(report),
        exclude=user,
    )


def report_received(report: MonthlyReport, *, user: User, at: datetime | None) -> None:
    _settle(report, "receive", at=at)
    notify(
        recipients=unit_people(unit_id=report.unit_id),
        kind=NotificationKind.REPORT_RECEIVED,
        text=f"{report_title(report)}已被市老旧办接收。",
        link=report_link(report),
        at=at,
        exclude=user,
    )


def flag_ruled(flag: ReportFlag, *, user: User) -> None:
    report = flag.report
    with translation.override("zh-hans"):  # stored text, in the portal's language
        ruling = str(flag.get_ruling_display())
    notify(
        recipients=unit_people(unit_id=report.unit_id),
        kind=NotificationKind.FLAG_RULED,
        text=(
            f"市老旧办对{report_title(report)}的疑点作出认定：{ruling}。理由：{flag.ruling_reason}"
        ),
        link=report_link(report),
        exclude=user,
    )
