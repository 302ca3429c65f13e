"""The 待办 panel on each role's home page (issue 14): items appear and disappear as a June report moves
through the workflow, each with its due date and how overdue it is on the page's date; the 未核验
filter of the project list; the panel's constant query count.

A small programme worked out by hand: 驿城区 with one new project (no renovation plan) and no report
filed, seen on 2022-07-03. Reports are due on the 5th of the next month, so January–May (due 5 Feb …
5 June) are missing (漏报) and June's (due 5 July) is the one to prepare, 2 days left. The
implementation plan (due 28 February) is 125 days overdue, the renovation plan (due 31 March) 94.
"""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from paperwork.models import Finding, Inspection, InspectionKind, PlanAdjustment
from projects import services
from projects.choices import Criterion, Role
from projects.models import PlanYear, Project, StartCriterion, Unit, User
from projects.rules.start import start_status
from projects.selectors import project_search, start_inputs
from reporting import reports
from reporting.models import MonthlyReport, ReportFlag
from tests.clock import today_is
from tests.factories import ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

DAY = "2022-07-03"
AT = datetime(2022, 7, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
ITEM = re.compile(
    r'<li class="worklist-item[^"]*" data-overdue="(\d+)">\s*<div[^>]*>\s*<a href="([^"]*)">([^<]*)</a>'
    r"(.*?)</li>",
    re.S,
)
TAG = re.compile(r"<[^>]+>")


@pytest.fixture
def people(programme: None) -> dict[str, User]:
    yicheng = Unit.objects.get(name="驿城区")
    return {
        "clerk": UserFactory(role=Role.CLERK, unit=yicheng),
        "leader": UserFactory(role=Role.LEADER, unit=yicheng),
        "city": UserFactory(role=Role.CITY, unit=None),
    }


@pytest.fixture
def project(people: dict[str, User]) -> Project:
    return ProjectFactory(name="健康路小区")


def todo(user: User, day: str = DAY) -> dict[str, str]:
    """The user's 待办 items on their home page: link text → its href and its due line, flattened."""
    client = Client()
    client.force_login(user)
    response = client.get(reverse("home"), {"as_of": day}, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    section = page[page.index('id="worklist"') : page.index("</section>")]
    return {
        text.strip(): " ".join(TAG.sub(" ", f"{href} {rest}").split())
        for _overdue, href, text, rest in ITEM.findall(section)
    }


def stamp() -> SimpleUploadedFile:
    return SimpleUploadedFile("stamp.pdf", PDF, content_type="application/pdf")


def june() -> MonthlyReport:
    return MonthlyReport.objects.filter(month=6).order_by("-version").first()  # type: ignore[return-value]


def test_clerk_sees_the_report_to_prepare_the_missing_months_and_the_documents(
    people: dict[str, User], project: Project
) -> None:
    """On 3 July: June's report due 5 July (2 days left), January–May missing with their days
    overdue (May: due 5 June, 28 days), the implementation plan 125 days and one renovation plan 94
    days overdue."""
    items = todo(people["clerk"])
    unit = people["clerk"].unit
    assert unit is not None
    june_url = reverse("reporting:report_month", args=[unit.pk, 6])
    assert items["6月信息月报待填报"] == f"{june_url} 截止2022年7月5日 剩 2 天"
    assert items["5月信息月报漏报（尚未填报）"].endswith("截止2022年6月5日 逾期 28 天")
    assert items["1月信息月报漏报（尚未填报）"].endswith("截止2022年2月5日 逾期 148 天")
    assert items["年度工作实施方案待报送"].endswith("截止2022年2月28日 逾期 125 天")
    assert items["1 个项目的改造方案未定稿"].endswith("截止2022年3月31日 逾期 94 天")
    assert "7月信息月报待填报" not in items
    # The leader has the missing months too, but nothing to prepare or approve.
    leader = todo(people["leader"])
    assert "5月信息月报漏报（尚未填报）" in leader and "6月信息月报待填报" not in leader


def test_on_the_due_day_the_report_is_due_today_and_the_day_after_missing(
    people: dict[str, User], project: Project
) -> None:
    """On 5 July June's report is due today (0 days left); on 6 July it is missing, 1 day overdue,
    and July's (due 5 August, 30 days left) is the one to prepare."""
    assert "今日截止" in todo(people["clerk"], "2022-07-05")["6月信息月报待填报"]
    items = todo(people["clerk"], "2022-07-06")
    assert items["6月信息月报漏报（尚未填报）"].endswith("逾期 1 天")
    assert items["7月信息月报待填报"].endswith("截止2022年8月5日 剩 30 天")


def test_june_report_moves_through_every_role_s_worklist(
    people: dict[str, User], project: Project
) -> None:
    """Open → the clerk's draft; submit → the leader's approval; approve → the city's receipt;
    return → the clerk's (and leader's) correction; correct, submit, approve → the city's receipt
    again; receive → gone from every list."""
    clerk, leader, city = people["clerk"], people["leader"], people["city"]
    plan_year = PlanYear.objects.get(year=2022)
    assert clerk.unit is not None
    report = reports.report_open(plan_year=plan_year, unit=clerk.unit, month=6, user=clerk)
    items = todo(clerk)
    assert "6月信息月报草稿待提交审核" in items and "6月信息月报待填报" not in items
    assert "6月信息月报待审核（填报员已提交）" not in todo(leader)

    reports.report_submit(report=report, user=clerk, at=AT)
    assert not any(text.startswith("6月") for text in todo(clerk))
    assert todo(leader)["6月信息月报待审核（填报员已提交）"].endswith("截止2022年7月5日 剩 2 天")
    assert "驿城区6月信息月报待接收" not in todo(city)

    reports.report_approve(report=june(), stamp=stamp(), user=leader, at=AT)
    assert "6月信息月报待审核（填报员已提交）" not in todo(leader)
    assert todo(city)["驿城区6月信息月报待接收"].endswith("2022年7月2日审核")

    reports.report_return(
        report=june(), reason="开工户数有误", wrong_figures=True, user=city, at=AT
    )
    assert "驿城区6月信息月报待接收" not in todo(city)
    assert todo(clerk)["6月信息月报被市老旧办退回，待更正"].endswith("剩 2 天 开工户数有误")
    assert "6月信息月报被市老旧办退回，待更正" in todo(leader)

    second = reports.report_correct(report=june(), user=clerk)
    assert "6月信息月报草稿待提交审核" in todo(clerk)
    reports.report_submit(report=second, user=clerk, at=AT)
    reports.report_approve(report=june(), stamp=stamp(), user=leader, at=AT)
    assert "驿城区6月信息月报待接收" in todo(city)

    reports.report_receive(report=june(), user=city, at=AT)
    for user in (clerk, leader, city):
        assert not any("6月信息月报" in text for text in todo(user)), user.role


def test_leader_sending_back_puts_the_reason_on_the_clerk_s_list(
    people: dict[str, User], project: Project
) -> None:
    """A submitted draft the leader sends back is the clerk's to correct, with the leader's reason."""
    clerk, leader = people["clerk"], people["leader"]
    assert clerk.unit is not None
    plan_year = PlanYear.objects.get(year=2022)
    report = reports.report_open(plan_year=plan_year, unit=clerk.unit, month=6, user=clerk)
    reports.report_submit(report=report, user=clerk, at=AT)
    reports.report_send_back(report=june(), reason="请补充存在问题", user=leader)
    assert todo(clerk)["6月信息月报被审核人退回修改"].endswith("请补充存在问题")
    assert "6月信息月报待审核（填报员已提交）" not in todo(leader)


def test_city_sees_open_flags_adjustments_and_units_overdue(
    people: dict[str, User], project: Project
) -> None:
    """An open flag on a valid report, a submitted adjustment and an overdue rectification are on the
    city's list; ruling the flag takes it off. 驿城区 is overdue with its implementation plan, its
    renovation plan and the rectification (due 30 June): 3 items."""
    clerk, leader, city = people["clerk"], people["leader"], people["city"]
    assert clerk.unit is not None
    plan_year = PlanYear.objects.get(year=2022)
    report = reports.report_open(plan_year=plan_year, unit=clerk.unit, month=6, user=clerk)
    reports.report_submit(report=report, user=clerk, at=AT)
    report = reports.report_approve(report=june(), stamp=stamp(), user=leader, at=AT)
    flag = ReportFlag.objects.create(report=report, kind="differs", detail="开工户数不符")
    PlanAdjustment.objects.create(
        plan_year=plan_year, unit=clerk.unit, state="submitted", submitted_on=date(2022, 3, 20)
    )
    inspection = Inspection.objects.create(
        plan_year=plan_year,
        unit=clerk.unit,
        kind=InspectionKind.CITY_JUNE,
        held_on=date(2022, 6, 20),
    )
    Finding.objects.create(
        inspection=inspection, project=project, description="井盖缺失", deadline=date(2022, 6, 30)
    )
    items = todo(city)
    assert items["驿城区6月信息月报疑点待认定"].endswith("开工户数不符")
    adjustment = next(line for text, line in items.items() if text.startswith("驿城区计划调整 #"))
    assert adjustment.endswith("2022年3月20日报送")  # the year said: the page may be in another
    assert items["驿城区：逾期 3 项"].endswith(
        "实施方案逾期未报送；1 个改造方案逾期未定稿；1 项整改逾期"
    )
    # Each unit's item links to the page filtered to that unit: 驿城区's rectification to the
    # inspections, 西平县's implementation plan (no projects, nothing else) to the plans page.
    yicheng, xiping = clerk.unit, Unit.objects.get(name="西平县")
    assert items["驿城区：逾期 3 项"].startswith(
        f"{reverse('paperwork:inspection_list')}?unit={yicheng.pk}&amp;as_of={DAY}"
    )
    plans_url = f"{reverse('paperwork:plans')}?unit={xiping.pk}"
    assert items["西平县：逾期 1 项"].startswith(plans_url)
    page = Client()
    page.force_login(city)
    shown = page.get(plans_url).content.decode()
    assert shown.count('class="plan-row"') == 1 and f'data-unit="{xiping.pk}"' in shown
    # The clerk has the rectification to close, 3 days overdue, linked to where it is closed.
    finding = Finding.objects.get()
    close = reverse("paperwork:finding_close", args=[finding.pk])
    assert todo(clerk)["健康路小区 · 井盖缺失"].startswith(f"{close} 截止2022年6月30日 逾期 3 天")
    reports.flag_rule(flag=flag, ruling="dismissed", reason="已核实", user=city)
    assert "驿城区6月信息月报疑点待认定" not in todo(city)


@pytest.fixture
def evidence_cases(people: dict[str, User]) -> dict[str, Project]:
    """甲: design posted with its photo (verified); 乙: design posted without (未核验); 丙: contract
    dated, no scan, no contractor (not met, so not 未核验); 丁: contract dated with contractor, no
    scan (未核验); 戊: nothing dated."""
    cases = {name: ProjectFactory(name=name) for name in "甲乙丙丁戊"}
    StartCriterion.objects.create(
        project=cases["甲"],
        criterion=Criterion.DESIGN_POSTED,
        met_on=date(2022, 3, 1),
        evidence="evidence/a.pdf",
    )
    StartCriterion.objects.create(
        project=cases["乙"], criterion=Criterion.DESIGN_POSTED, met_on=date(2022, 3, 1)
    )
    StartCriterion.objects.create(
        project=cases["丙"], criterion=Criterion.CONTRACT_SIGNED, met_on=date(2022, 3, 1)
    )
    cases["丁"].contractor = "某建设公司"
    cases["丁"].save()
    StartCriterion.objects.create(
        project=cases["丁"], criterion=Criterion.CONTRACT_SIGNED, met_on=date(2022, 3, 1)
    )
    # Written behind the services' back: store the start rule's judgement as they would.
    services.projects_refresh_start(project_ids=[p.id for p in cases.values()])
    return cases


def test_evidence_filter_lists_the_unverified_projects(
    people: dict[str, User], evidence_cases: dict[str, Project]
) -> None:
    """?evidence=missing lists 乙 and 丁, as the start rule judges them; the home page's count links
    to it and the 待办 item counts the same two."""
    found = project_search(projects=Project.objects.all(), evidence="missing")
    assert sorted(p.name for p in found) == ["丁", "乙"]
    projects = list(Project.objects.select_related("plan_year"))
    inputs = start_inputs(projects=projects)
    by_rule = sorted(
        p.name
        for p in projects
        if any(c.met and not c.verified for c in start_status(inputs[p.id]).criteria[1:])
    )
    assert by_rule == ["丁", "乙"]
    client = Client()
    client.force_login(people["clerk"])
    page = client.get(reverse("project_list"), {"evidence": "missing"}).content.decode()
    assert "共 2 个项目" in page and "乙" in page and "丁" in page and "戊" not in page
    home = client.get(reverse("home"), {"as_of": DAY}).content.decode()
    assert (
        '<a href="/projects/?evidence=missing">2 个项目有开工条件已填日期但未上传证明材料</a>'
        in home
    )
    assert "2 个项目的开工条件已填日期但未上传证明材料（未核验）" in todo(people["clerk"])


def _panel_queries(user: User) -> int:
    from projects.worklist import worklist

    plan_year = PlanYear.objects.get(year=2022)
    with CaptureQueriesContext(connection) as queries:
        result = worklist(user=user, plan_year=plan_year, day=date(2022, 7, 3))
        assert result.total > 0
    return len(queries)


def _grow(n: int, months: range) -> None:
    """In two units: n more projects, each with an overdue rectification, a submitted and a draft
    adjustment, and a report (submitted, draft or returned) for each of ``months``."""
    plan_year = PlanYear.objects.get(year=2022)
    for unit in Unit.objects.filter(name__in=["驿城区", "西平县"]):
        inspection = Inspection.objects.create(
            plan_year=plan_year, unit=unit, kind=InspectionKind.PATROL, held_on=date(2022, 6, 1)
        )
        for _ in range(n):
            project = ProjectFactory(unit=unit)
            Finding.objects.create(
                inspection=inspection,
                project=project,
                description="整改",
                deadline=date(2022, 6, 2),
            )
            PlanAdjustment.objects.create(plan_year=plan_year, unit=unit, state="submitted")
            PlanAdjustment.objects.create(plan_year=plan_year, unit=unit, state="draft")
        for month in months:
            state = ("submitted", "draft", "returned")[month % 3]
            MonthlyReport.objects.create(
                plan_year=plan_year,
                unit=unit,
                month=month,
                state=state,
                return_reason="错" if state == "returned" else "",
                stamp="stamps/x.pdf" if state == "returned" else "",
                digest="x" if state == "returned" else "",
                approved_at=AT if state == "returned" else None,
            )


@pytest.mark.parametrize("role", ["clerk", "leader", "city"])
def test_panel_costs_the_same_queries_whatever_the_data_size(
    people: dict[str, User], role: str
) -> None:
    """The panel's queries do not grow with projects, reports, findings and adjustments."""
    _grow(2, range(1, 3))
    small = _panel_queries(people[role])
    _grow(5, range(3, 9))
    assert _panel_queries(people[role]) == small


def test_reports_page_lists_the_months_needing_action_above_the_grid(
    people: dict[str, User], project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On 3 July the clerk's reports page lists, for phones (hidden from md up), June to prepare and
    January–May missing, the most overdue first; once June is submitted it is the leader's."""
    today_is(monkeypatch, date(2022, 7, 3))
    clerk, leader = people["clerk"], people["leader"]

    def actions(user: User) -> list[str]:
        client = Client()
        client.force_login(user)
        page = client.get(reverse("reporting:reports")).content.decode()
        if 'id="report-actions"' not in page:
            return []
        assert '<div class="card shadow-sm mb-3 d-md-none" id="report-actions">' in page
        block = page[page.index('id="report-actions"') : page.index('id="report-matrix"')]
        return re.findall(r'<a href="[^"]*">([^<]*)</a>', block)

    assert actions(clerk) == [
        "1月信息月报漏报（尚未填报）",
        "2月信息月报漏报（尚未填报）",
        "3月信息月报漏报（尚未填报）",
        "4月信息月报漏报（尚未填报）",
        "5月信息月报漏报（尚未填报）",
        "6月信息月报待填报",
    ]
    assert clerk.unit is not None
    report = reports.report_open(
        plan_year=PlanYear.objects.get(year=2022), unit=clerk.unit, month=6, user=clerk
    )
    reports.report_submit(report=report, user=clerk, at=AT)
    assert "6月信息月报待审核（填报员已提交）" in actions(leader)
    assert not any(text.startswith("6月") for text in actions(clerk))
