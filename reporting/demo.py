"""The demo's monthly reports (January–May 2022), filed through the workflow services with dates
in 2022, so the months table, the flags and the assessment have something to show: most units
report on time, some late (迟报), some not at all (漏报), one report is returned for wrong figures
(错报) and corrected. June is left for people to try in the browser."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max

from projects.data_version import writes_data
from projects.management.commands.setup_demo_users import demo_accounts
from projects.models import Notification, PlanYear, Unit, User
from projects.notifications import notifications_mark_past_read

from . import reports
from .models import MonthlyReport

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONTHS = (1, 2, 3, 4, 5)
# A one-page PDF standing in for the stamped scan.
STAMP_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


@dataclass(frozen=True)
class Filing:
    """How a unit filed one month: approved on ``approved`` (None: never filed), and whether the
    city returned it for wrong figures (then corrected and approved ``corrected_after`` days later)."""

    approved: date | None
    returned_wrong: bool = False
    corrected_after: int = 3


def _on_time(month: int) -> Filing:
    return Filing(date(2022, month + 1, 3))


# Departures from "approved on the 3rd of the next month" (the due day is the 5th).
SCENARIO: dict[str, dict[int, Filing]] = {
    "驿城区": {4: Filing(date(2022, 5, 4), returned_wrong=True)},
    "经济开发区": {2: Filing(date(2022, 3, 9)), 3: Filing(date(2022, 4, 12))},
    "遂平县": {1: Filing(date(2022, 2, 8))},
    "西平县": {3: Filing(None)},
    "上蔡县": {5: Filing(None)},
    "正阳县": {1: Filing(None), 2: Filing(None)},
    "新蔡县": {5: Filing(date(2022, 6, 20))},
}


def filing(unit: str, month: int) -> Filing:
    return SCENARIO.get(unit, {}).get(month) or _on_time(month)


def _moment(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=SHANGHAI)


def _people(unit: Unit) -> tuple[User, User, User]:
    """The unit's demo clerk and leader and the city office (created without a usable password
    when setup_demo_users has not run yet; it sets their passwords later)."""
    wanted = {a["username"]: a for a in demo_accounts([unit])}
    users = []
    for username in (f"{unit.division_code}-clerk", f"{unit.division_code}-leader", "city"):
        user = User.objects.filter(username=username).first()
        if user is None:
            account = wanted[username]
            user = User(**account)
            user.set_unusable_password()
            user.save()
        users.append(user)
    return users[0], users[1], users[2]


@writes_data
def seed_demo_reports(*, plan_year: PlanYear) -> int:
    """File the scenario's reports; does nothing when the plan year already has reports. Returns
    the number of report versions written."""
    if MonthlyReport.objects.filter(plan_year=plan_year).exists():
        return 0
    with transaction.atomic():
        before = Notification.objects.aggregate(last=Max("pk"))["last"] or 0
        for unit in Unit.objects.exclude(division_code=None).order_by("sort_order", "id"):
            clerk, leader, city = _people(unit)
            for month in MONTHS:
                plan = filing(unit.name, month)
                if plan.approved is None:
                    continue
                _file(plan_year, unit, month, plan, clerk, leader, city)
        # The notifications of these past steps are history, read when they were written: the
        # demo's bells count only what happens once people try the portal.
        notifications_mark_past_read(after_id=before)
    return MonthlyReport.objects.filter(plan_year=plan_year).count()


def _file(
    plan_year: PlanYear, unit: Unit, month: int, plan: Filing, clerk: User, leader: User, city: User
) -> None:
    assert plan.approved is not None
    report = reports.report_open(plan_year=plan_year, unit=unit, month=month, user=clerk)
    report = reports.report_submit(
        report=report, user=clerk, at=_moment(plan.approved - timedelta(days=1), 17)
    )
    report = reports.report_approve(
        report=report,
        stamp=ContentFile(STAMP_PDF, name="stamp.pdf"),
        user=leader,
        at=_moment(plan.approved, 15),
    )
    if plan.returned_wrong:
        report = reports.report_return(
            report=report,
            reason="完工户数与项目台账不一致，请核对后更正",
            wrong_figures=True,
            user=city,
            at=_moment(plan.approved + timedelta(days=1), 10),
        )
        fixed_on = plan.approved + timedelta(days=plan.corrected_after)
        report = reports.report_correct(report=report, user=clerk)
        report = reports.report_submit(report=report, user=clerk, at=_moment(fixed_on, 9))
        report = reports.report_approve(
            report=report,
            stamp=ContentFile(STAMP_PDF, name="stamp.pdf"),
            user=leader,
            at=_moment(fixed_on, 16),
        )
    reports.report_receive(
        report=report,
        user=city,
        at=_moment(plan.approved + timedelta(days=plan.corrected_after + 1), 10),
    )
