"""The monthly report workflow: prepare, submit, approve with the stamp, withdraw, receive, return,
correct; frozen figures with their digest; suspect figures; timeliness and the assessment."""

import hashlib
import json
import threading
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from projects.choices import Role
from projects.models import PlanYear, Project, Unit, User
from reporting import reports
from reporting.models import FlagKind, MonthlyReport, ReportFlag, Ruling
from tests.factories import ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def stamp() -> SimpleUploadedFile:
    pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    return SimpleUploadedFile("stamp.pdf", pdf, content_type="application/pdf")


@pytest.fixture
def people(programme: None) -> dict[str, User]:
    yicheng, xiping = Unit.objects.get(name="驿城区"), Unit.objects.get(name="西平县")
    return {
        "clerk": UserFactory(role=Role.CLERK, unit=yicheng),
        "leader": UserFactory(role=Role.LEADER, unit=yicheng),
        "other_leader": UserFactory(role=Role.LEADER, unit=xiping),
        "city": UserFactory(role=Role.CITY, unit=None),
    }


def june(people: dict[str, User]) -> MonthlyReport:
    return reports.report_open(
        plan_year=PlanYear.objects.get(year=2022),
        unit=people["clerk"].unit,
        month=6,
        user=people["clerk"],
    )


def approved_june(people: dict[str, User]) -> MonthlyReport:
    report = reports.report_submit(report=june(people), user=people["clerk"])
    return reports.report_approve(report=report, stamp=stamp(), user=people["leader"])


def test_draft_figures_come_from_the_records_at_month_end(people: dict[str, User]) -> None:
    """A 100-household project started June 10th and one of 40 started July 1st: June's draft counts
    100 households and 1 of 2 projects started, and the criteria the July one lacked on June 30th."""
    ProjectFactory(households=100, started_on=date(2022, 6, 10), investment=300)
    ProjectFactory(households=40, started_on=date(2022, 7, 1))
    figures = june(people).figures
    assert (figures["new_started"], figures["projects_started"], figures["projects_total"]) == (
        100,
        1,
        2,
    )
    assert figures["as_of"] == "2022-06-30" and figures["targets"]["new_starts"] == 4804
    assert figures["open_criteria"]["consent"] == 2  # no household records for either project
    assert figures["investment_completed"] == "0.0000"


def test_the_whole_path_keeps_every_version(people: dict[str, User]) -> None:
    """Submit, approve with stamp, return for wrong figures, correct as version 2, approve, receive:
    version 1 stays returned with its reason; version 2 is received and frozen."""
    first = approved_june(people)
    assert first.state == "approved" and first.stamp.name.startswith("stamps/")
    returned = reports.report_return(
        report=first, reason="开工户数与台账不符", wrong_figures=True, user=people["city"]
    )
    second = reports.report_correct(report=returned, user=people["clerk"])
    assert (second.version, second.state) == (2, "draft")
    second = reports.report_submit(report=second, user=people["clerk"])
    second = reports.report_approve(report=second, stamp=stamp(), user=people["leader"])
    second = reports.report_receive(report=second, user=people["city"])
    versions = MonthlyReport.objects.filter(month=6).order_by("version")
    assert [(r.version, r.state, r.return_reason) for r in versions] == [
        (1, "returned", "开工户数与台账不符"),
        (2, "received", ""),
    ]
    with pytest.raises(reports.ReportConflict):
        reports.report_withdraw(report=second, reason="想改", user=people["leader"])


def test_approval_freezes_the_figures_with_their_digest(people: dict[str, User]) -> None:
    """The digest is SHA-256 of the canonical JSON of the report's content; later changes to the
    records do not change an approved report."""
    ProjectFactory(households=100, started_on=date(2022, 6, 10))
    report = approved_june(people)
    content = {
        "unit": "驿城区",
        "year": 2022,
        "month": 6,
        "version": 1,
        "figures": report.figures,
        "problems": "",
        "next_plan": "",
    }
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    assert report.digest == hashlib.sha256(canonical.encode()).hexdigest()
    ProjectFactory(households=50, started_on=date(2022, 6, 20))
    report.refresh_from_db()
    assert report.figures["new_started"] == 100


@pytest.mark.parametrize(
    ("who", "action"),
    [
        ("clerk", "approve"),
        ("other_leader", "approve"),
        ("city", "approve"),
    ],
)
def test_only_the_units_leader_approves(people: dict[str, User], who: str, action: str) -> None:
    """Approval is the unit leader's: a clerk, another unit's leader and the city are refused."""
    report = reports.report_submit(report=june(people), user=people["clerk"])
    with pytest.raises(PermissionDenied):
        reports.report_approve(report=report, stamp=stamp(), user=people[who])
    report.refresh_from_db()
    assert report.state == "submitted"


def test_withdraw_needs_a_reason_and_sends_back_to_draft(people: dict[str, User]) -> None:
    """A leader withdraws an approval before the city receives it, with a reason kept in history."""
    report = approved_june(people)
    with pytest.raises(ValidationError):
        reports.report_withdraw(report=report, reason=" ", user=people["leader"])
    report = reports.report_withdraw(report=report, reason="数据需补充", user=people["leader"])
    assert report.state == "draft" and report.digest == "" and report.approved_at is None
    assert report.history.first().history_change_reason == "撤回审核：数据需补充"


def test_return_needs_a_reason(people: dict[str, User]) -> None:
    """The city office cannot return a report without saying why."""
    report = approved_june(people)
    with pytest.raises(ValidationError):
        reports.report_return(report=report, reason="", wrong_figures=False, user=people["city"])


@pytest.mark.django_db(transaction=True)
def test_two_approvals_at_once_one_wins(people: dict[str, User]) -> None:
    """Two leaders' approvals of the same submitted report at the same moment: exactly one is
    written, the other is told the report's state changed."""
    second_leader = UserFactory(role=Role.LEADER, unit=people["leader"].unit)
    report = reports.report_submit(report=june(people), user=people["clerk"])
    barrier = threading.Barrier(2)
    outcomes: list[Any] = []

    def approve(user: User) -> None:
        try:
            barrier.wait()
            reports.report_approve(report=report, stamp=stamp(), user=user)
            outcomes.append("approved")
        except reports.ReportConflict as conflict:
            outcomes.append(conflict)
        except Exception as error:  # any other failure is reported by the assert below
            outcomes.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=approve, args=(u,)) for u in (people["leader"], second_leader)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("approved") == 1, outcomes
    assert sum(isinstance(o, reports.ReportConflict) for o in outcomes) == 1, outcomes
    assert MonthlyReport.objects.get().approved_by in (people["leader"], second_leader)


def test_figures_falling_below_an_earlier_report_raise_a_flag(people: dict[str, User]) -> None:
    """May's valid report counts 100 started households; the project's start is then removed, so
    June's report counts 0: a flag says the figure fell, and another that May differs from the
    records now."""
    plan_year = PlanYear.objects.get(year=2022)
    project = ProjectFactory(households=100, started_on=date(2022, 5, 10))
    may = reports.report_open(plan_year=plan_year, unit=project.unit, month=5, user=people["clerk"])
    may = reports.report_submit(report=may, user=people["clerk"])
    reports.report_approve(report=may, stamp=stamp(), user=people["leader"])
    Project.objects.filter(pk=project.pk).update(started_on=None)
    approved_june(people)
    fell = ReportFlag.objects.filter(kind=FlagKind.FELL)
    assert {f.report.month for f in fell} == {6}
    assert sorted(f.detail for f in fell) == [
        "新开工项目累计开工户数 0 低于5月报告的 100",
        "累计开工项目数 0 低于5月报告的 1",
    ]
    assert sorted(f.detail for f in reports.flags_check(plan_year=plan_year)) == [
        "新开工项目累计开工户数：报告 100，项目记录 0",
        "累计开工项目数：报告 1，项目记录 0",
    ]
    assert reports.flags_check(plan_year=plan_year) == []  # not raised twice


def test_the_city_rules_on_a_flag(people: dict[str, User]) -> None:
    """Upheld with a reason, the flag counts as 瞒报 in the unit's assessment."""
    project = ProjectFactory(households=100, started_on=date(2022, 6, 10))
    report = approved_june(people)
    Project.objects.filter(pk=project.pk).update(started_on=date(2022, 7, 10))
    flag = reports.flags_check(plan_year=report.plan_year)[0]
    with pytest.raises(PermissionDenied):
        reports.flag_rule(flag=flag, upheld=True, reason="x", user=people["leader"])
    flag = reports.flag_rule(
        flag=flag, upheld=True, reason="台账显示7月才开工", user=people["city"]
    )
    assert flag.ruling == Ruling.UPHELD
    rows = reports.assessment(plan_year=report.plan_year, today=timezone.localdate())
    assert next(r for r in rows if r.unit.name == "驿城区").concealed == 1


def test_assessment_counts_on_time_late_missing_and_wrong(people: dict[str, User]) -> None:
    """As of May 20th: January approved on Feb 5th (on time: the due day counts), February approved
    March 10th (迟报), March never (漏报), April approved on time then returned for wrong figures
    (on time, 错报 1); May is not due yet. Four reports were due."""
    plan_year = PlanYear.objects.get(year=2022)
    unit = people["clerk"].unit
    approvals = {1: date(2022, 2, 5), 2: date(2022, 3, 10), 4: date(2022, 5, 3)}
    for month, day in approvals.items():
        report = reports.report_open(
            plan_year=plan_year, unit=unit, month=month, user=people["clerk"]
        )
        report = reports.report_submit(report=report, user=people["clerk"], at=at(day, 9))
        report = reports.report_approve(
            report=report, stamp=stamp(), user=people["leader"], at=at(day, 23)
        )
    reports.report_return(
        report=report,
        reason="完工户数有误",
        wrong_figures=True,
        user=people["city"],
        at=at(date(2022, 5, 10)),
    )
    row = next(
        r
        for r in reports.assessment(plan_year=plan_year, today=date(2022, 5, 20))
        if r.unit == unit
    )
    assert (row.due, row.on_time, row.late, row.missing, row.wrong, row.concealed) == (
        4,
        2,
        1,
        1,
        1,
        0,
    )
    others = [
        r
        for r in reports.assessment(plan_year=plan_year, today=date(2022, 5, 20))
        if r.unit != unit
    ]
    assert all((r.due, r.missing) == (4, 4) for r in others)


def test_units_work_only_on_their_own_reports(people: dict[str, User]) -> None:
    """Another unit's leader cannot open 驿城区's report; the city office cannot prepare one."""
    plan_year = PlanYear.objects.get(year=2022)
    unit = people["clerk"].unit
    for who in ("other_leader", "city"):
        with pytest.raises(PermissionDenied):
            reports.report_open(plan_year=plan_year, unit=unit, month=6, user=people[who])
    assert not MonthlyReport.objects.exists()


def test_stamp_is_required(people: dict[str, User]) -> None:
    """An approval without the stamped scan is refused."""
    report = reports.report_submit(report=june(people), user=people["clerk"])
    with pytest.raises(ValidationError):
        reports.report_approve(report=report, stamp=None, user=people["leader"])  # type: ignore[arg-type]
