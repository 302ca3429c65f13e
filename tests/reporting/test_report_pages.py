"""The monthly report pages: a June report prepared, submitted, approved with the stamp, returned,
corrected and received through the forms; the months table, the flags and the assessment."""

import re
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.choices import Role
from projects.data_version import data_changed
from projects.models import PlanYear, Unit, User
from reporting import reports
from reporting.models import MonthlyReport, ReportFlag
from tests.factories import ProjectFactory, UserFactory
from tests.pdf import minimal_pdf

pytestmark = pytest.mark.django_db

PDF = minimal_pdf()


@pytest.fixture
def people(programme: None) -> dict[str, User]:
    yicheng = Unit.objects.get(name="驿城区")
    return {
        "clerk": UserFactory(role=Role.CLERK, unit=yicheng),
        "leader": UserFactory(role=Role.LEADER, unit=yicheng),
        "city": UserFactory(role=Role.CITY, unit=None),
        "other": UserFactory(role=Role.CLERK, unit=Unit.objects.get(name="西平县")),
    }


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def month_url(unit: Unit, month: int = 6) -> str:
    return reverse("reporting:report_month", args=[unit.pk, month])


def act(client: Client, report: MonthlyReport, **data: Any) -> str:
    """Post an action and return the month page it leads back to."""
    response = client.post(reverse("reporting:report_act", args=[report.pk]), data)
    assert response.status_code == 302
    return str(client.get(response["Location"]).content.decode())


def latest() -> MonthlyReport:
    return MonthlyReport.objects.order_by("-version").first()  # type: ignore[return-value]


def test_june_report_through_every_step_in_the_browser(people: dict[str, User]) -> None:
    """Prepare, submit with notes, approve with the stamp (digest shown), return without a reason
    (refused) and with one, correct as version 2, approve, receive."""
    ProjectFactory(households=120, started_on=date(2022, 6, 8))
    unit = people["clerk"].unit
    assert unit is not None
    clerk, leader, city = (client_of(people[k]) for k in ("clerk", "leader", "city"))
    clerk.post(month_url(unit))
    report = latest()
    page = clerk.get(month_url(unit)).content.decode()
    assert 'data-figure="new_started">120<' in page
    act(clerk, report, action="submit", problems="个别小区施工进度慢", next_plan="推进开工")
    report.refresh_from_db()
    assert (report.state, report.problems) == ("submitted", "个别小区施工进度慢")
    page = act(
        leader,
        report,
        action="approve",
        stamp=SimpleUploadedFile("盖章.pdf", PDF, content_type="application/pdf"),
    )
    report.refresh_from_db()
    assert report.state == "approved" and f"SHA-256：{report.digest}" in page
    page = act(city, report, **{"action": "return", "return-reason": ""})
    report.refresh_from_db()
    assert report.state == "approved" and "退回须填写原因" in page
    act(
        city,
        report,
        **{"action": "return", "return-reason": "开工户数有误", "return-wrong_figures": "on"},
    )
    report.refresh_from_db()
    assert (report.state, report.wrong_figures) == ("returned", True)
    page = act(clerk, report, action="correct")
    second = latest()
    assert second.version == 2 and "开工户数有误" in page
    act(clerk, second, action="submit", problems="已更正", next_plan="")
    act(
        leader,
        second,
        action="approve",
        stamp=SimpleUploadedFile(
            "s.png", b"\x89PNG\r\n\x1a\n" + b"0" * 10, content_type="image/png"
        ),
    )
    second.refresh_from_db()
    assert second.state == "submitted"  # a broken PNG is refused by content
    act(
        leader,
        second,
        action="approve",
        stamp=SimpleUploadedFile("s.pdf", PDF, content_type="application/pdf"),
    )
    page = act(city, latest(), action="receive")
    assert [(r.version, r.state) for r in MonthlyReport.objects.order_by("version")] == [
        (1, "returned"),
        (2, "received"),
    ]
    assert "市老旧办已接收" in page


def test_stamp_is_served_to_the_unit_and_city_only(people: dict[str, User]) -> None:
    """The stamped scan downloads as a PDF for the unit and the city, 404 for another unit."""
    unit = people["clerk"].unit
    report = reports.report_open(
        plan_year=PlanYear.objects.get(year=2022), unit=unit, month=6, user=people["clerk"]
    )
    report = reports.report_submit(report=report, user=people["clerk"])
    report = reports.report_approve(
        report=report, stamp=SimpleUploadedFile("s.pdf", PDF), user=people["leader"]
    )
    url = reverse("reporting:report_stamp", args=[report.pk])
    for who in ("clerk", "city"):
        response = client_of(people[who]).get(url)
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
    assert client_of(people["other"]).get(url).status_code == 404


def test_months_table_shows_state_and_timeliness(people: dict[str, User]) -> None:
    """The city's table marks months whose due day has passed without a valid report as 漏报, and
    runs as many queries for 1 report as for 6."""
    client = client_of(people["city"])
    page = client.get(reverse("reporting:reports")).content.decode()
    assert re.search(r'data-unit="驿城区">.*?data-month="1" data-timeliness="missing"', page, re.S)
    data_changed()  # both counts of the page built after a write (its worklist is cached between)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("reporting:reports"))
    for month in range(1, 7):
        reports.report_open(
            plan_year=PlanYear.objects.get(year=2022),
            unit=people["clerk"].unit,
            month=month,
            user=people["clerk"],
        )
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("reporting:reports"))
    assert len(many) == len(few)


def test_months_table_names_timeliness_in_the_readers_language(people: dict[str, User]) -> None:
    """驿城区's January, due on 5 February and never filed, is 漏报 in Chinese and "Missing" in
    English (the table is cached apart for each language)."""
    client = client_of(people["city"])

    def january(**headers: str) -> str:
        page = client.get(reverse("reporting:reports"), **headers).content.decode()
        row = page[page.index('data-unit="驿城区"') :]
        return row[row.index('data-month="1"') : row.index('data-month="2"')]

    assert "漏报" in january()
    english = january(HTTP_ACCEPT_LANGUAGE="en")
    assert "Missing" in english and "漏报" not in english


def test_months_table_is_paged_like_the_overview(
    people: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past a page of units the city's months table pages them as the overview does: every unit on
    exactly one page, in order, with a pager, each cell linking to its month; each page runs as
    many queries with 11 units as with 14 and reports in them (its worklist built after a write,
    not read from the cache)."""
    monkeypatch.setattr("reporting.report_views.OVERVIEW_UNITS_PER_PAGE", 4)
    client = client_of(people["city"])

    def page(number: int) -> tuple[list[str], int, str]:
        data_changed()  # as the write services do (the test writes around some)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("reporting:reports"), {"page": number})
        html = response.content.decode()
        return re.findall(r'<tr data-unit="([^"]+)">', html), len(queries), html

    names = list(Unit.objects.values_list("name", flat=True))
    seen, counts = [], []
    for number in (1, 2, 3):
        units, count, html = page(number)
        assert len(units) == (4 if number < 3 else 3)
        assert f"第 {number} / 3 页" in html
        seen += units
        counts.append(count)
    assert seen == names and len(set(counts)) == 1
    for n in range(3):
        Unit.objects.create(name=f"新增区县{n}", sort_order=200 + n)
    for month in range(1, 7):
        reports.report_open(
            plan_year=PlanYear.objects.get(year=2022),
            unit=people["clerk"].unit,
            month=month,
            user=people["clerk"],
        )
    units, count, html = page(4)
    assert units == ["新增区县1", "新增区县2"] and "第 4 / 4 页" in html
    unit = Unit.objects.get(name="新增区县2")
    assert f'<a href="{month_url(unit, 7)}" class="text-decoration-none">' in html
    assert page(1)[1] == counts[0]


def test_clerks_see_only_their_unit(people: dict[str, User]) -> None:
    """A clerk's months table has one row, their unit's; another unit's month page is a 404."""
    client = client_of(people["clerk"])
    page = client.get(reverse("reporting:reports")).content.decode()
    assert page.count("<tr data-unit=") == 1 and 'data-unit="驿城区"' in page
    assert client.get(month_url(Unit.objects.get(name="西平县"))).status_code == 404


def approved_june(people: dict[str, User]) -> MonthlyReport:
    report = reports.report_open(
        plan_year=PlanYear.objects.get(year=2022),
        unit=people["clerk"].unit,
        month=6,
        user=people["clerk"],
    )
    report = reports.report_submit(report=report, user=people["clerk"])
    return reports.report_approve(
        report=report, stamp=SimpleUploadedFile("s.pdf", PDF), user=people["leader"]
    )


@pytest.mark.parametrize(
    ("ruling", "message", "counts"),
    [
        ("concealed", "已认定瞒报", {"wrong": "0", "concealed": "1"}),
        ("wrong", "已认定错报", {"wrong": "1", "concealed": "0"}),
        ("dismissed", "已不予认定", {"wrong": "0", "concealed": "0"}),
    ],
)
def test_city_rules_on_a_flag_with_a_reason(
    people: dict[str, User], ruling: str, message: str, counts: dict[str, str]
) -> None:
    """The flags page lists a suspect report; ruling without a reason or with an unknown ruling is
    refused; with one of the three it is recorded, the message names the ruling made, and the
    assessment counts it in its own column."""
    report = approved_june(people)
    flag = ReportFlag.objects.create(
        report=report, kind="differs", figure="new_started", detail="开工户数不符"
    )
    client = client_of(people["city"])
    assert "开工户数不符" in client.get(reverse("reporting:flags")).content.decode()
    for data in ({"ruling": ruling, "reason": ""}, {"ruling": "upheld", "reason": "台账不符"}):
        client.post(reverse("reporting:flag_rule", args=[flag.pk]), data)
        flag.refresh_from_db()
        assert flag.ruling == "open"
    response = client.post(
        reverse("reporting:flag_rule", args=[flag.pk]),
        {"ruling": ruling, "reason": "台账不符"},
        follow=True,
    )
    flag.refresh_from_db()
    assert (flag.ruling, flag.ruling_reason) == (ruling, "台账不符")
    page = response.content.decode()
    assert message in page and ("已认定" in page) == (ruling != "dismissed")
    page = client.get(reverse("reporting:assessment")).content.decode()
    row = re.search(r'data-unit="驿城区">(.*?)</tr>', page, re.S)
    assert row
    shown = dict(re.findall(r'data-count="(\w+)">(\d+)<', row.group(1)))
    assert {k: shown[k] for k in counts} == counts


def test_flags_page_names_the_projects_in_constant_queries(people: dict[str, User]) -> None:
    """A start moved to July after June was approved: the flag names the project and the change;
    a report that froze no project list says so; the page runs as many queries for 2 flags as for
    6."""
    from projects.models import Project

    project = ProjectFactory(name="建业小区", households=320, started_on=date(2022, 6, 10))
    report = approved_june(people)
    Project.objects.filter(pk=project.pk).update(started_on=date(2022, 7, 10))
    reports.flags_check(plan_year=report.plan_year)
    client = client_of(people["city"])
    with CaptureQueriesContext(connection) as few:
        page = client.get(reverse("reporting:flags")).content.decode()
    assert "建业小区：报告时已开工（2022年6月10日），现项目记录未开工，开工户数 \u2212320" in page
    assert "开工项目数 \u22121" in page
    for n in range(4):
        ReportFlag.objects.create(
            report=report, kind="differs", figure=f"x{n}", detail=f"旧疑点{n}", projects=None
        )
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("reporting:flags")).content.decode()
    assert len(many) == len(few)
    assert page.count("该月报审核时未冻结项目清单") == 4


def test_leader_sends_back_and_the_clerk_sees_why(people: dict[str, User]) -> None:
    """The leader sees the send-back form on a submitted report; without a reason it is refused;
    with one the report is a draft again and the clerk's page shows the reason above the notes;
    the clerk has no such form."""
    ProjectFactory(households=120, started_on=date(2022, 6, 8))
    unit = people["clerk"].unit
    assert unit is not None
    clerk, leader = client_of(people["clerk"]), client_of(people["leader"])
    clerk.post(month_url(unit))
    report = latest()
    act(clerk, report, action="submit", problems="进度慢", next_plan="")
    assert 'id="send-back-form"' not in clerk.get(month_url(unit)).content.decode()
    assert 'id="send-back-form"' in leader.get(month_url(unit)).content.decode()
    page = act(leader, report, **{"action": "send_back", "send_back-reason": ""})
    report.refresh_from_db()
    assert report.state == "submitted" and "请填写退回修改的原因" in page
    page = act(
        leader, report, **{"action": "send_back", "send_back-reason": "请写明哪些小区进度慢"}
    )
    report.refresh_from_db()
    assert (report.state, report.send_back_reason) == ("draft", "请写明哪些小区进度慢")
    assert "已完成：退回填报员修改" in page
    page = clerk.get(month_url(unit)).content.decode()
    assert re.search(r'id="send-back-reason">[^<]*审核人退回修改：请写明哪些小区进度慢', page)
    assert 'id="notes-form"' in page


def test_assessment_page_counts(people: dict[str, User]) -> None:
    """On 2022-03-10 every unit owes January and February: none filed, so 2 due and 2 漏报 each."""
    page = (
        client_of(people["city"])
        .get(reverse("reporting:assessment"), {"as_of": "2022-03-10"})
        .content.decode()
    )
    row = re.search(r'data-unit="驿城区">(.*?)</tr>', page, re.S)
    assert row
    counts = dict(re.findall(r'data-count="(\w+)">(\d+)<', row.group(1)))
    assert counts == {
        "due": "2",
        "on_time": "0",
        "late": "0",
        "missing": "2",
        "wrong": "0",
        "concealed": "0",
    }


def test_downloads_carry_the_workflow(people: dict[str, User]) -> None:
    """The unit's June workbook lists its approved report with the digest and timeliness; the
    city's workbook and the assessment download for the city office only."""
    import io

    from openpyxl import load_workbook

    unit = people["clerk"].unit
    report = reports.report_open(
        plan_year=PlanYear.objects.get(year=2022), unit=unit, month=6, user=people["clerk"]
    )
    report = reports.report_submit(report=report, user=people["clerk"])
    report = reports.report_approve(
        report=report, stamp=SimpleUploadedFile("s.pdf", PDF), user=people["leader"]
    )
    response = client_of(people["clerk"]).get(
        reverse("reporting:unit_month_export", args=[unit.pk, 6])
    )
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    cells = [str(c.value) for ws in workbook.worksheets for row in ws.iter_rows() for c in row]
    assert report.digest in cells
    assert "迟报" in cells  # approved today (2026), long after July 5th, 2022
    for name in ("city_month_export", "assessment_export"):
        args = [6] if name == "city_month_export" else []
        url = reverse(f"reporting:{name}", args=args)
        assert client_of(people["clerk"]).get(url).status_code == 403
        assert client_of(people["city"]).get(url).status_code == 200


def test_assessment_workbook_counts_wrong_and_concealed_apart(people: dict[str, User]) -> None:
    """Worked out by hand: June returned for wrong figures (错报 1), corrected and approved; two
    flags on version 2 ruled 认定错报 and 认定瞒报: the workbook's 驿城区 row shows 错报 2, 瞒报 1."""
    import io

    from openpyxl import load_workbook

    city = people["city"]
    first = approved_june(people)
    first = reports.report_return(
        report=first, reason="开工户数有误", wrong_figures=True, user=city
    )
    second = reports.report_correct(report=first, user=people["clerk"])
    second = reports.report_submit(report=second, user=people["clerk"])
    second = reports.report_approve(
        report=second, stamp=SimpleUploadedFile("s.pdf", PDF), user=people["leader"]
    )
    for figure, ruling in (("new_started", "wrong"), ("new_completed", "concealed")):
        flag = ReportFlag.objects.create(
            report=second, kind="differs", figure=figure, detail=figure
        )
        reports.flag_rule(flag=flag, ruling=ruling, reason="核实", user=city)
    response = client_of(city).get(reverse("reporting:assessment_export"))
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    columns = {
        c.value: c.column for row in sheet.iter_rows() for c in row if c.value in ("错报", "瞒报")
    }
    row = next(c.row for r in sheet.iter_rows() for c in r if c.value == "驿城区")
    shown = {name: sheet.cell(row=row, column=col).value for name, col in columns.items()}
    assert {k: int(v) for k, v in shown.items()} == {"错报": 2, "瞒报": 1}


def test_working_copy_label_is_not_bracketed_twice(people: dict[str, User]) -> None:
    """A month without a valid report offers the working copy as 导出工作底稿：按当前项目记录（未报送）,
    never with the label's own brackets inside another pair."""
    city = client_of(people["city"])
    page = city.get(month_url(people["clerk"].unit)).content.decode()
    assert "导出工作底稿：按当前项目记录（未报送）" in page
    assert not re.search(r"（[^（）<>]*（[^（）<>]*）[^（）<>]*）", page)
