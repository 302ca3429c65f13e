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
from reporting.models import MonthlyReport, ReportFlag, Ruling
from tests.factories import ProjectFactory, UserFactory
from tests.pdf import minimal_pdf

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def stamp() -> SimpleUploadedFile:
    pdf = minimal_pdf()
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


def approved(people: dict[str, User], month: int) -> MonthlyReport:
    report = reports.report_open(
        plan_year=PlanYear.objects.get(year=2022),
        unit=people["clerk"].unit,
        month=month,
        user=people["clerk"],
    )
    report = reports.report_submit(report=report, user=people["clerk"])
    return reports.report_approve(report=report, stamp=stamp(), user=people["leader"])


def test_a_start_removed_after_may_is_one_flag_on_may(people: dict[str, User]) -> None:
    """May's valid report counts 100 started households; the project's start is then removed and
    June approved with 0: June agrees with the records, so the one discrepancy is on May, one flag
    naming both figures (households 100 → 0, projects 1 → 0) and the project once, and June has
    none."""
    project = ProjectFactory(name="幸福里小区", households=100, started_on=date(2022, 5, 10))
    may = approved(people, 5)
    Project.objects.filter(pk=project.pk).update(started_on=None)
    approved(people, 6)
    flags = list(ReportFlag.objects.all())
    assert [(f.report_id, f.kind, f.detail) for f in flags] == [
        (
            may.pk,
            "differs",
            "新开工项目累计开工户数：报告 100，项目记录 0；累计开工项目数：报告 1，项目记录 0",
        ),
    ]
    assert [p["text"] for p in flags[0].projects] == [
        "幸福里小区：报告时已开工（2022年5月10日），现项目记录未开工，开工户数 \u2212100，"
        "开工项目数 \u22121"
    ]
    assert not reports.flags_check(plan_year=may.plan_year)  # nothing new, nothing changed


def test_one_discrepancy_checked_three_times_is_one_flag(people: dict[str, User]) -> None:
    """June reported 100 + 60 started households; the 60-household project's start moves to July,
    then its households change to 80, then the 100-household one's start moves too: each check
    updates the report's one open flag (its detail and projects), never adds one."""
    first = ProjectFactory(name="甲小区", households=100, started_on=date(2022, 6, 1))
    second = ProjectFactory(name="乙小区", households=60, started_on=date(2022, 6, 2))
    report = approved(people, 6)
    plan_year = report.plan_year
    Project.objects.filter(pk=second.pk).update(started_on=date(2022, 7, 1))
    check = reports.flags_check(plan_year=plan_year)
    assert len(check.raised) == 1
    Project.objects.filter(pk=second.pk).update(households=80)
    check = reports.flags_check(plan_year=plan_year)
    # The figures are the same (not started by June 30 either way), the project's line is not.
    assert check.raised == [] and len(check.updated) == 1
    Project.objects.filter(pk=first.pk).update(started_on=date(2022, 7, 2))
    check = reports.flags_check(plan_year=plan_year)
    assert check.raised == [] and len(check.updated) == 1
    assert not reports.flags_check(plan_year=plan_year)
    flag = ReportFlag.objects.get()
    assert flag.ruling == "open"
    assert flag.detail == (
        "新开工项目累计开工户数：报告 160，项目记录 0；累计开工项目数：报告 2，项目记录 0"
    )
    assert [p["text"] for p in flag.projects] == [
        "乙小区：报告时已开工（2022年6月2日，60户），现项目记录未开工（80户），开工户数 \u221260，"
        "开工项目数 \u22121",
        "甲小区：报告时已开工（2022年6月1日），现项目记录未开工，开工户数 \u2212100，"
        "开工项目数 \u22121",
    ]
    assert flag.history.count() == 3  # raised, then updated twice


def test_one_open_flag_per_report_kind_and_figure_is_a_database_rule(
    people: dict[str, User],
) -> None:
    """A second open flag on the same report, kind and figure is refused by the database; a ruled
    one beside an open one is allowed."""
    from django.db import IntegrityError, transaction

    report = approved(people, 6)
    ReportFlag.objects.create(report=report, kind="differs", figure="new_started", detail="a")
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportFlag.objects.create(report=report, kind="differs", figure="new_started", detail="b")
    ReportFlag.objects.create(
        report=report,
        kind="differs",
        figure="new_started",
        detail="c",
        ruling=Ruling.DISMISSED,
        ruling_reason="核实无误",
        ruled_at=timezone.now(),
    )
    assert ReportFlag.objects.count() == 2


def test_only_the_valid_version_is_checked(people: dict[str, User]) -> None:
    """June v1 is approved, flagged, then returned: its open flag lapses and later checks pass it
    by; the corrected v2 is checked, and a change of the records raises one flag, on v2."""
    project = ProjectFactory(households=100, started_on=date(2022, 6, 10))
    first = approved(people, 6)
    Project.objects.filter(pk=project.pk).update(households=120)
    reports.flags_check(plan_year=first.plan_year)
    first = reports.report_return(
        report=first, reason="户数有误", wrong_figures=True, user=people["city"]
    )
    assert set(first.flags.values_list("ruling", flat=True)) == {"lapsed"}
    assert first.flags.first().ruling_reason == "第1版已被市老旧办退回，不再是有效月报"
    second = reports.report_correct(report=first, user=people["clerk"])
    second = reports.report_submit(report=second, user=people["clerk"])
    second = reports.report_approve(report=second, stamp=stamp(), user=people["leader"])
    assert not second.flags.exists()  # 120 households, as the records say
    Project.objects.filter(pk=project.pk).update(households=90)
    check = reports.flags_check(plan_year=first.plan_year)
    assert {f.report_id for f in check.raised} == {second.pk}
    assert [f.detail for f in check.raised] == ["新开工项目累计开工户数：报告 120，项目记录 90"]
    assert first.flags.filter(ruling="open").count() == 0


def test_withdrawing_an_approval_lapses_its_open_flags(people: dict[str, User]) -> None:
    """The leader withdraws a flagged approval: the version is a draft, no longer valid, and its
    open flag lapses with the reason; the next check raises nothing on the draft."""
    project = ProjectFactory(households=100, started_on=date(2022, 6, 10))
    report = approved(people, 6)
    Project.objects.filter(pk=project.pk).update(households=90)
    reports.flags_check(plan_year=report.plan_year)
    reports.report_withdraw(report=report, reason="数据需补充", user=people["leader"])
    assert list(report.flags.values_list("ruling", "ruling_reason")) == [
        ("lapsed", "第1版已撤回审核，不再是有效月报")
    ]
    assert not reports.flags_check(plan_year=report.plan_year)


def test_open_flags_from_before_lapse_at_the_next_check(people: dict[str, User]) -> None:
    """Flags raised before this rule: an open one on a returned version, and an open "fell" flag on
    the valid version (a fall is now named in the discrepancy of the report that differs); the
    next check lapses both, each with its reason, and raises nothing (the records agree)."""
    first = approved(people, 6)
    MonthlyReport.objects.filter(pk=first.pk).update(
        state="returned", return_reason="旧退回", returned_at=timezone.now()
    )
    second = reports.report_correct(report=first, user=people["clerk"])
    second = reports.report_submit(report=second, user=people["clerk"])
    second = reports.report_approve(report=second, stamp=stamp(), user=people["leader"])
    on_returned = ReportFlag.objects.create(report=first, kind="differs", figure="x", detail="旧")
    fell = ReportFlag.objects.create(
        report=second,
        kind="fell",
        figure="new_started",
        detail="新开工项目累计开工户数 0 低于5月报告的 100",
    )
    check = reports.flags_check(plan_year=second.plan_year)
    assert check.raised == [] and check.updated == []
    assert {f.pk: f.ruling_reason for f in check.lapsed} == {
        on_returned.pk: "第1版已不是有效月报",
        fell.pk: "累计数下降改由与项目记录的比对核对",
    }


def test_an_open_flag_lapses_when_the_records_agree_again(people: dict[str, User]) -> None:
    """The start moved to July raises a flag; moved back to June, the flag lapses at the next check
    with that reason; moved to July again, a new open flag (the earlier one is closed)."""
    project = ProjectFactory(households=100, started_on=date(2022, 6, 10))
    report = approved(people, 6)
    Project.objects.filter(pk=project.pk).update(started_on=date(2022, 7, 10))
    reports.flags_check(plan_year=report.plan_year)
    Project.objects.filter(pk=project.pk).update(started_on=date(2022, 6, 10))
    check = reports.flags_check(plan_year=report.plan_year)
    assert len(check.lapsed) == 1 and check.lapsed[0].ruling_reason == "项目记录已与报告一致"
    Project.objects.filter(pk=project.pk).update(started_on=date(2022, 7, 10))
    reports.flags_check(plan_year=report.plan_year)
    assert report.flags.filter(ruling="open").count() == 1


def test_a_ruled_discrepancy_is_not_raised_again(people: dict[str, User]) -> None:
    """Dismissed with a reason, the same discrepancy is not raised again; when the records move on
    (a different discrepancy) a new open flag is raised."""
    project = ProjectFactory(households=100, started_on=date(2022, 6, 10))
    report = approved(people, 6)
    Project.objects.filter(pk=project.pk).update(households=110)
    (flag,) = reports.flags_check(plan_year=report.plan_year).raised
    reports.flag_rule(flag=flag, ruling="dismissed", reason="台账已核", user=people["city"])
    assert not reports.flags_check(plan_year=report.plan_year)
    Project.objects.filter(pk=project.pk).update(households=130)
    (again,) = reports.flags_check(plan_year=report.plan_year).raised
    assert again.detail == "新开工项目累计开工户数：报告 100，项目记录 130"


def test_a_report_that_froze_no_project_list_says_so(people: dict[str, User]) -> None:
    """A report approved before reports froze their projects gets flags with projects None (the
    flags page says it cannot name them)."""
    project = ProjectFactory(households=100, started_on=date(2022, 6, 10))
    report = approved(people, 6)
    figures = dict(report.figures)
    del figures["projects"]
    MonthlyReport.objects.filter(pk=report.pk).update(figures=figures)
    Project.objects.filter(pk=project.pk).update(started_on=None)
    raised = reports.flags_check(plan_year=report.plan_year).raised
    assert [f.projects for f in raised] == [None]


def test_the_city_rules_on_a_flag(people: dict[str, User]) -> None:
    """Only the city rules, only with one of the three rulings and a reason; 认定瞒报 counts as 瞒报;
    a flag already ruled cannot be ruled again."""
    project = ProjectFactory(households=100, started_on=date(2022, 6, 10))
    report = approved(people, 6)
    Project.objects.filter(pk=project.pk).update(started_on=date(2022, 7, 10))
    flag = reports.flags_check(plan_year=report.plan_year).raised[0]
    with pytest.raises(PermissionDenied):
        reports.flag_rule(flag=flag, ruling="concealed", reason="x", user=people["leader"])
    with pytest.raises(ValidationError):
        reports.flag_rule(flag=flag, ruling="upheld", reason="x", user=people["city"])
    with pytest.raises(ValidationError):
        reports.flag_rule(flag=flag, ruling="concealed", reason=" ", user=people["city"])
    flag = reports.flag_rule(
        flag=flag, ruling="concealed", reason="台账显示7月才开工", user=people["city"]
    )
    assert flag.ruling == Ruling.CONCEALED
    with pytest.raises(reports.ReportConflict):
        reports.flag_rule(flag=flag, ruling="dismissed", reason="改判", user=people["city"])
    row = next(
        r
        for r in reports.assessment(plan_year=report.plan_year, today=timezone.localdate())
        if r.unit.name == "驿城区"
    )
    assert (row.wrong, row.concealed) == (0, 1)


def test_concealed_and_wrong_are_counted_apart(people: dict[str, User]) -> None:
    """Worked out by hand: May returned for wrong figures (错报 1) and corrected; June's two flags
    ruled 认定错报 and 不予认定 (错报 +1); July's flag ruled 认定瞒报 (瞒报 1); August's flag ruled
    认定瞒报 and the version then returned, not for wrong figures (the ruling no longer counts).
    错报 = 2, 瞒报 = 1."""
    plan_year = PlanYear.objects.get(year=2022)
    city = people["city"]
    may = reports.report_return(
        report=approved(people, 5), reason="完工户数有误", wrong_figures=True, user=city
    )
    may = reports.report_correct(report=may, user=people["clerk"])
    may = reports.report_submit(report=may, user=people["clerk"])
    reports.report_approve(report=may, stamp=stamp(), user=people["leader"])
    rulings = {6: ["wrong", "dismissed"], 7: ["concealed"], 8: ["concealed"]}
    for month, made in rulings.items():
        report = approved(people, month)
        for n, ruling in enumerate(made):
            flag = ReportFlag.objects.create(
                report=report, kind="differs", figure=f"f{n}", detail=f"{month}-{n}"
            )
            reports.flag_rule(flag=flag, ruling=ruling, reason="核实", user=city)
    reports.report_return(report=report, reason="请补充说明", wrong_figures=False, user=city)
    row = next(
        r
        for r in reports.assessment(plan_year=plan_year, today=timezone.localdate())
        if r.unit.name == "驿城区"
    )
    assert (row.wrong, row.concealed) == (2, 1)
    from reporting.exports.workflow import assessment_counts

    counts = assessment_counts(plan_year=plan_year, today=timezone.localdate())["驿城区"]
    assert (counts.wrong, counts.concealed) == (2, 1)


def test_a_lapsed_flag_cannot_be_ruled(people: dict[str, User]) -> None:
    """A flag whose version was returned lapsed; ruling on it is refused."""
    report = approved(people, 6)
    flag = ReportFlag.objects.create(
        report=report, kind="differs", figure="new_started", detail="x"
    )
    reports.report_return(report=report, reason="退回", wrong_figures=False, user=people["city"])
    with pytest.raises(reports.ReportConflict):
        reports.flag_rule(flag=flag, ruling="wrong", reason="核实", user=people["city"])


def test_leader_sends_a_submitted_report_back_with_a_reason(people: dict[str, User]) -> None:
    """No reason is refused; with one the version is a draft again (no stamp, not submitted), the
    reason kept on it and in its history; the clerk, the city and another unit's leader may not;
    an approved report is not sent back (it is withdrawn)."""
    report = reports.report_submit(report=june(people), user=people["clerk"])
    with pytest.raises(ValidationError):
        reports.report_send_back(report=report, reason="  ", user=people["leader"])
    for who in ("clerk", "city", "other_leader"):
        with pytest.raises(PermissionDenied):
            reports.report_send_back(report=report, reason="补充", user=people[who])
    report = reports.report_send_back(
        report=report, reason="存在问题写得太简略", user=people["leader"]
    )
    assert (report.state, report.send_back_reason, report.submitted_at) == (
        "draft",
        "存在问题写得太简略",
        None,
    )
    assert not report.stamp and report.digest == ""
    assert report.history.first().history_change_reason == "退回修改：存在问题写得太简略"
    report = reports.report_submit(report=report, user=people["clerk"])
    report = reports.report_approve(report=report, stamp=stamp(), user=people["leader"])
    with pytest.raises(reports.ReportConflict):
        reports.report_send_back(report=report, reason="再改", user=people["leader"])


@pytest.mark.django_db(transaction=True)
def test_migration_maps_upheld_merges_duplicates_and_reads_figures(programme: None) -> None:
    """Migrating old flags: "upheld" becomes 认定瞒报; each flag's figure is read from its detail;
    of two open flags on one figure the later stays open and the earlier lapses."""
    from django.db.migrations.executor import MigrationExecutor

    before, after = (
        ("reporting", "0002_flag_identity_rulings_send_back"),
        (
            "reporting",
            "0004_flag_constraints",
        ),
    )
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    old = executor.loader.project_state([before]).apps
    report = old.get_model("reporting", "MonthlyReport").objects.create(
        plan_year_id=PlanYear.objects.get(year=2022).pk,
        unit_id=Unit.objects.get(name="驿城区").pk,
        month=6,
    )
    flag = old.get_model("reporting", "ReportFlag")
    upheld = flag.objects.create(
        report=report,
        kind="fell",
        detail="累计开工项目数 0 低于5月报告的 1",
        ruling="upheld",
        ruling_reason="核实",
        ruled_at=timezone.now(),
    )
    earlier = flag.objects.create(
        report=report, kind="differs", detail="新开工项目累计完工户数：报告 1，项目记录 2"
    )
    later = flag.objects.create(
        report=report, kind="differs", detail="新开工项目累计完工户数：报告 1，项目记录 3"
    )
    executor = MigrationExecutor(connection)
    executor.migrate([after])
    assert {f.pk: (f.ruling, f.figure) for f in ReportFlag.objects.all()} == {
        upheld.pk: ("concealed", "projects_started"),
        earlier.pk: ("lapsed", "new_completed"),
        later.pk: ("open", "new_completed"),
    }


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


def test_a_ruled_project_is_not_flagged_again(people: dict[str, User]) -> None:
    """June reported 甲 (100) and 乙 (60) started. 甲's start moves to July: one flag, ruled 认定瞒报;
    checking again raises nothing. Then 乙's start moves too: the new flag names only 乙 (甲 was
    ruled on), so the two rulings cover two different discrepancies, never 甲 twice."""
    first = ProjectFactory(name="甲小区", households=100, started_on=date(2022, 6, 1))
    second = ProjectFactory(name="乙小区", households=60, started_on=date(2022, 6, 2))
    report = approved(people, 6)
    plan_year = report.plan_year
    Project.objects.filter(pk=first.pk).update(started_on=date(2022, 7, 1))
    (flag,) = reports.flags_check(plan_year=plan_year).raised
    reports.flag_rule(flag=flag, ruling="concealed", reason="核实隐瞒", user=people["city"])
    assert not reports.flags_check(plan_year=plan_year)
    Project.objects.filter(pk=second.pk).update(started_on=date(2022, 7, 2))
    (later,) = reports.flags_check(plan_year=plan_year).raised
    assert [p["name"] for p in later.projects] == ["乙小区"]
    assert not reports.flags_check(plan_year=plan_year)
