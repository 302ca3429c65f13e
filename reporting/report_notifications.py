"""Who the report workflow tells of each step (issue 14), through ``projects.notifications.notify``
and inside the step's transaction: submitted → the unit's leaders; approved → the city office;
sent back by the leader or returned by the city → the unit's clerks and leaders; received → the
unit's clerks and leaders; a flag ruled → the unit's clerks and leaders. The person acting is not
told of their own step."""

from datetime import datetime

from django.urls import reverse
from django.utils import translation

from projects.choices import NotificationKind, Role
from projects.models import User
from projects.notifications import city_office, notify, unit_people

from .models import MonthlyReport, ReportFlag


def _actor(user: User) -> str:
    return user.get_full_name() or user.get_username()


def report_title(report: MonthlyReport) -> str:
    """驿城区2022年6月信息月报（第1版）"""
    return f"{report.unit.name}{report.plan_year.year}年{report.month}月信息月报（第{report.version}版）"


def report_link(report: MonthlyReport) -> str:
    return reverse(
        "reporting:report_month", kwargs={"unit_id": report.unit_id, "month": report.month}
    )


def report_submitted(report: MonthlyReport, *, user: User, at: datetime | None) -> None:
    notify(
        recipients=unit_people(unit_id=report.unit_id, roles=[Role.LEADER]),
        kind=NotificationKind.REPORT_SUBMITTED,
        text=f"{report_title(report)}已由{_actor(user)}提交，请审核并上传盖章扫描件。",
        link=report_link(report),
        at=at,
        exclude=user,
    )


def report_approved(report: MonthlyReport, *, user: User, at: datetime | None) -> None:
    notify(
        recipients=city_office(),
        kind=NotificationKind.REPORT_APPROVED,
        text=f"{report_title(report)}已由{_actor(user)}审核盖章，请接收或退回。",
        link=report_link(report),
        at=at,
        exclude=user,
    )


def report_sent_back(report: MonthlyReport, *, user: User, reason: str) -> None:
    notify(
        recipients=unit_people(unit_id=report.unit_id),
        kind=NotificationKind.REPORT_SENT_BACK,
        text=f"{report_title(report)}被审核人{_actor(user)}退回修改。原因：{reason}",
        link=report_link(report),
        exclude=user,
    )


def report_returned(report: MonthlyReport, *, user: User, at: datetime | None) -> None:
    wrong = "（数据错误，计为错报）" if report.wrong_figures else ""
    notify(
        recipients=unit_people(unit_id=report.unit_id),
        kind=NotificationKind.REPORT_RETURNED,
        text=f"{report_title(report)}被市老旧办退回{wrong}，请更正后重新报送。原因：{report.return_reason}",
        link=report_link(report),
        at=at,
        exclude=user,
    )


def report_received(report: MonthlyReport, *, user: User, at: datetime | None) -> None:
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
