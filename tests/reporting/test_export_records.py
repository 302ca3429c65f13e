"""The exports read the official record (SPEC §5, issue 13): a unit's month is its valid version's
frozen figures, notes, approval and own digest whatever the records say later; a month without a
valid version is a working copy marked 按当前项目记录（未报送）; the city workbook compiles the valid
reports; timeliness is judged on the day the sheet is headed with. Expected figures worked out by
hand from the projects below."""

import hashlib
import io
import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from projects.choices import ProjectKind, Role
from projects.models import PlanYear, Project, Unit, User
from reporting import reports
from reporting.exports import build, workbooks
from reporting.exports.workflow import timeliness_table
from reporting.models import MonthlyReport
from tests.factories import ProjectFactory, UserFactory
from tests.pdf import minimal_pdf

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
FIRST_ROW = 5
WORKING_COPY = "按当前项目记录（未报送）"
ALL_CRITERIA = "居民同意、违建拆除、设计公示、施工合同、进场施工"
PROBLEMS = "=建设路3号院居民意见分歧，同意率未达80%"
NEXT_PLAN = "7月完成建设路3号院设计公示"


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def stamp() -> SimpleUploadedFile:
    pdf = minimal_pdf()
    return SimpleUploadedFile("stamp.pdf", pdf, content_type="application/pdf")


@pytest.fixture
def people(programme: None) -> dict[str, User]:
    yicheng = Unit.objects.get(name="驿城区")
    return {
        "clerk": UserFactory(role=Role.CLERK, unit=yicheng, first_name="李娜"),
        "leader": UserFactory(role=Role.LEADER, unit=yicheng, first_name="张伟"),
        "city": UserFactory(role=Role.CITY, unit=None, first_name="王芳"),
    }


@pytest.fixture
def projects(programme: None) -> dict[str, Project]:
    """驿城区 on June 30th: 100 + 40 households of 2022 projects started, the 40 completed (120.5
    万元), 25 not started, and a 30-household carry-over project completed in May (80 万元)."""
    return {
        "p1": ProjectFactory(name="建设路1号院", households=100, started_on=date(2022, 6, 10),
                             investment=Decimal("300")),
        "p2": ProjectFactory(name="建设路2号院", households=40, started_on=date(2022, 6, 20),
                             completed_on=date(2022, 6, 28), investment=Decimal("120.5")),
        "p3": ProjectFactory(name="建设路3号院", households=25, investment=Decimal("60")),
        "p4": ProjectFactory(name="续建1号院", kind=ProjectKind.CARRYOVER, households=30,
                             completed_on=date(2022, 5, 15), investment=Decimal("80")),
    }  # fmt: skip


def file_month(
    people: dict[str, User],
    month: int,
    *,
    approved: date,
    receive: bool = True,
    unit: Unit | None = None,
) -> MonthlyReport:
    """The unit's report for ``month`` prepared, noted, submitted, approved on ``approved`` at
    15:00 and received the next day at 10:00."""
    clerk, leader = people["clerk"], people["leader"]
    if unit is not None and unit.id != clerk.unit_id:
        clerk = UserFactory(role=Role.CLERK, unit=unit)
        leader = UserFactory(role=Role.LEADER, unit=unit)
    plan_year = PlanYear.objects.get(year=2022)
    report = reports.report_open(
        plan_year=plan_year, unit=unit or clerk.unit, month=month, user=clerk
    )
    report = reports.report_save_draft(
        report=report, problems=PROBLEMS, next_plan=NEXT_PLAN, user=clerk
    )
    report = reports.report_submit(report=report, user=clerk, at=at(approved, 9))
    report = reports.report_approve(report=report, stamp=stamp(), user=leader, at=at(approved, 15))
    if receive:
        report = reports.report_receive(
            report=report,
            user=people["city"],
            at=at(date.fromordinal(approved.toordinal() + 1), 10),
        )
    return report


def change_the_records_after_june(projects: dict[str, Project]) -> None:
    """After June's report: 建设路1号院 un-starts (a criterion date moved), 建设路2号院's completion
    moves to July 5th, and a 500-household project is recorded as started June 15th."""
    Project.objects.filter(pk=projects["p1"].pk).update(started_on=None)
    Project.objects.filter(pk=projects["p2"].pk).update(completed_on=date(2022, 7, 5))
    ProjectFactory(name="建设路5号院", households=500, started_on=date(2022, 6, 15))


def unit_workbook(month: int, path: Path, *, as_of: date = date(2022, 7, 10)) -> Any:
    plan_year = PlanYear.objects.get(year=2022)
    unit = Unit.objects.get(name="驿城区")
    data = build.build_unit_monthly(
        plan_year=plan_year,
        month=month,
        unit=unit,
        timeliness=timeliness_table(plan_year=plan_year, month=month, as_of=as_of, units=[unit]),
    )
    path.write_bytes(workbooks.unit_monthly_workbook(data))
    return load_workbook(path)


def numbered(ws: Any) -> list[tuple[Any, ...]]:
    return [r for r in ws.iter_rows(min_row=FIRST_ROW, values_only=True) if isinstance(r[0], int)]


def texts(ws: Any) -> list[str]:
    return [c for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]


def record_of(wb: Any) -> dict[str, Any]:
    return {r[0]: r[1] for r in wb["月报信息"].iter_rows(min_row=FIRST_ROW, values_only=True)}


# --- a valid report is exported as it was frozen ------------------------------------------------


def test_a_received_report_exports_its_frozen_figures_after_the_records_change(
    people: dict[str, User], projects: dict[str, Project], tmp_path: Path
) -> None:
    """June received, then 建设路1号院 un-starts, a completion moves into July and 500 households
    start in June: the June workbook still shows the report's 140 started (today's records say
    540), 40 completed, 30 carry-over, 200.5 万元, shares rounded down, milestones and projects as
    frozen."""
    report = file_month(people, 6, approved=date(2022, 7, 3))
    change_the_records_after_june(projects)
    wb = unit_workbook(6, tmp_path / "june.xlsx")
    assert wb.sheetnames == [
        "月报信息",
        "进展情况",
        "阶段任务",
        "项目明细",
        "未开工项目",
        "报送情况",
    ]
    [row] = numbered(wb["进展情况"])
    # 140×1000//4804 = 29 (2.9 %), 40×1000//3363 = 11, 30×1000//962 = 31; 3 projects, 2 started.
    assert row[1:14] == (
        "驿城区", 4804, 140, 0.029, 3363, 40, 0.011, 962, 30, 0.031, 3, 2, 200.5,
    )  # fmt: skip
    assert row[14:] == ("未完成", "未完成", "进度滞后", "进度滞后")
    [milestones] = numbered(wb["阶段任务"])
    # carry-over 100 % of 962; half of 4804 = 2402; all 4804; completions 100 % of 3363.
    assert milestones[2:] == (
        962, 30, "未完成", 2402, 140, "未完成", 4804, 140, "进度滞后", 3363, 40, "进度滞后",
    )  # fmt: skip
    listed = [(r[1], r[2], r[3], r[6], r[7]) for r in numbered(wb["项目明细"])]
    assert listed == [
        ("续建1号院", "续建", 30, None, datetime(2022, 5, 15)),
        ("建设路1号院", "新开工", 100, datetime(2022, 6, 10), None),
        ("建设路2号院", "新开工", 40, datetime(2022, 6, 20), datetime(2022, 6, 28)),
        ("建设路3号院", "新开工", 25, None, None),
    ]
    assert [(r[2], r[3], r[4]) for r in numbered(wb["未开工项目"])] == [
        ("建设路3号院", 25, ALL_CRITERIA)
    ]
    report.refresh_from_db()
    assert reports.report_digest(report) == report.digest
    for ws in wb:
        assert ws.oddFooter.left.text == f"月报摘要 SHA-256：{report.digest}"
        assert WORKING_COPY not in ws.title and WORKING_COPY not in ws["A1"].value


def test_the_report_sheet_carries_notes_approver_times_and_digest(
    people: dict[str, User], projects: dict[str, Project], tmp_path: Path
) -> None:
    """The 月报信息 sheet shows the version, state, 审核人 and 审核时间 (local time), who received it
    and when, 存在问题 and 下月工作计划 as typed (a leading "=" stays text), and the report's own
    digest, the one its page shows."""
    report = file_month(people, 6, approved=date(2022, 7, 3))
    wb = unit_workbook(6, tmp_path / "june.xlsx")
    record = record_of(wb)
    assert record["版本"] == "第1版"
    assert record["状态"] == "市老旧办已接收"
    assert (record["审核人"], record["审核时间"]) == ("张伟", datetime(2022, 7, 3, 15, 0))
    assert (record["接收人（市老旧办）"], record["接收时间"]) == (
        "王芳",
        datetime(2022, 7, 4, 10, 0),
    )
    assert (record["存在问题"], record["下月工作计划"]) == (PROBLEMS, NEXT_PLAN)
    problems = next(r for r in wb["月报信息"].iter_rows() if r[0].value == "存在问题")
    assert problems[1].quotePrefix is True
    assert record["月报摘要（SHA-256）"] == report.digest
    client = Client()
    client.force_login(people["clerk"])
    page = client.get(reverse("reporting:report_month", args=[report.unit_id, 6]))
    assert report.digest in page.content.decode()


def test_an_approved_report_not_yet_received_has_no_receipt_lines(
    people: dict[str, User], projects: dict[str, Project], tmp_path: Path
) -> None:
    """Approved but not received: the state says so and no 接收人 line is printed."""
    file_month(people, 6, approved=date(2022, 7, 3), receive=False)
    record = record_of(unit_workbook(6, tmp_path / "june.xlsx"))
    assert record["状态"] == "已审核盖章"
    assert "接收人（市老旧办）" not in record


def test_an_old_report_without_a_project_list_verifies_and_exports(
    people: dict[str, User], projects: dict[str, Project], tmp_path: Path
) -> None:
    """A report approved before projects were frozen (no "projects" in its figures, digest taken
    by the old code) still verifies, and exports its figures with a line saying it froze no project
    list, never a list recomputed from the records."""
    report = file_month(people, 6, approved=date(2022, 7, 3))
    figures = {k: v for k, v in report.figures.items() if k != "projects"}
    content = {
        "unit": "驿城区", "year": 2022, "month": 6, "version": 1, "figures": figures,
        "problems": PROBLEMS, "next_plan": NEXT_PLAN,
    }  # fmt: skip
    text = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    old_digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    MonthlyReport.objects.filter(pk=report.pk).update(figures=figures, digest=old_digest)
    report.refresh_from_db()
    assert reports.report_digest(report) == report.digest == old_digest
    change_the_records_after_june(projects)
    wb = unit_workbook(6, tmp_path / "old.xlsx")
    assert numbered(wb["进展情况"])[0][3] == 140
    for name in ("项目明细", "未开工项目"):
        assert numbered(wb[name]) == []
        assert workbooks.NOT_FROZEN in texts(wb[name])
    assert record_of(wb)["月报摘要（SHA-256）"] == old_digest


def test_a_milestone_due_before_the_month_reads_the_due_months_report(
    people: dict[str, User], projects: dict[str, Project], tmp_path: Path
) -> None:
    """July's report judges the June 30th milestones on June's figures: 新开工过半 shows June's
    140, not July's 640 (500 households started July 10th); 西平县's July report without a June
    report shows "—"."""
    file_month(people, 6, approved=date(2022, 7, 3))
    ProjectFactory(name="建设路5号院", households=500, started_on=date(2022, 7, 10))
    file_month(people, 7, approved=date(2022, 8, 3))
    [milestones] = numbered(unit_workbook(7, tmp_path / "july.xlsx")["阶段任务"])
    assert milestones[5:8] == (2402, 140, "未完成")
    assert milestones[8:10] == (4804, 640)
    xiping = Unit.objects.get(name="西平县")
    file_month(people, 7, approved=date(2022, 8, 3), unit=xiping)
    plan_year = PlanYear.objects.get(year=2022)
    data = build.build_unit_monthly(plan_year=plan_year, month=7, unit=xiping)
    assert [cell.actual for cell in data.row.milestones][:2] == [None, None]
    path = tmp_path / "xiping.xlsx"
    path.write_bytes(workbooks.unit_monthly_workbook(data))
    [row] = numbered(load_workbook(path)["阶段任务"])
    assert row[3] == row[6] == "—"


# --- a month without a valid report -------------------------------------------------------------


def test_a_never_filed_month_exports_only_as_a_marked_working_copy(
    people: dict[str, User], projects: dict[str, Project], tmp_path: Path
) -> None:
    """July, never filed: the command saves it under a name with 按当前项目记录（未报送）, every
    sheet's name and title carry it, the figures are the live records (140 started by July 31st),
    and no digest is presented as a report's."""
    out = io.StringIO()
    call_command(
        "export_monthly_report", "--month", "7", "--unit", "驿城区",
        "--out", str(tmp_path / "july.xlsx"), stdout=out,
    )  # fmt: skip
    assert not (tmp_path / "july.xlsx").exists()
    path = tmp_path / f"july-{WORKING_COPY}.xlsx"
    assert "无月报摘要" in out.getvalue() and "SHA-256" not in out.getvalue()
    wb = load_workbook(path)
    assert len(wb.sheetnames) == 6
    for ws in wb:
        assert ws.title.endswith(f"·{WORKING_COPY}")
        assert ws["A1"].value.endswith(f"——{WORKING_COPY}")
        assert WORKING_COPY in ws["A2"].value
        assert WORKING_COPY in ws.oddFooter.left.text and "SHA-256" not in ws.oddFooter.left.text
        assert not any("SHA-256" in t for t in texts(ws) if t != "月报摘要（SHA-256）")
    assert numbered(wb[f"进展情况·{WORKING_COPY}"])[0][3] == 140


def test_a_returned_version_is_not_the_record(
    people: dict[str, User], projects: dict[str, Project], tmp_path: Path
) -> None:
    """June approved then returned for wrong figures, its correction still a draft: the export is a
    working copy from the records, not the returned version."""
    report = file_month(people, 6, approved=date(2022, 7, 3), receive=False)
    reports.report_return(
        report=report, reason="开工户数有误", wrong_figures=True, user=people["city"]
    )
    change_the_records_after_june(projects)
    wb = unit_workbook(6, tmp_path / "returned.xlsx")
    ws = wb[f"进展情况·{WORKING_COPY}"]
    assert numbered(ws)[0][3] == 540  # 40 + 500 started by June 30th in today's records


def test_the_page_button_names_the_file_by_its_form(
    people: dict[str, User], projects: dict[str, Project]
) -> None:
    """The page's download of a reported month is named as the report; of a month without a valid
    report, with 按当前项目记录（未报送）."""
    file_month(people, 6, approved=date(2022, 7, 3))
    client = Client()
    client.force_login(people["clerk"])
    unit = people["clerk"].unit
    june = client.get(reverse("reporting:unit_month_export", args=[unit.pk, 6]))
    july = client.get(reverse("reporting:unit_month_export", args=[unit.pk, 7]))
    assert june["Content-Disposition"].endswith(quote("驿城区2022年6月信息月报.xlsx"))
    assert july["Content-Disposition"].endswith(
        quote(f"驿城区2022年7月信息月报-{WORKING_COPY}.xlsx")
    )


# --- the city's compilation ---------------------------------------------------------------------


def test_the_city_workbook_takes_the_valid_reports_and_marks_the_others(
    people: dict[str, User], projects: dict[str, Project], tmp_path: Path
) -> None:
    """June: 驿城区's row is its received report's (140 started, though the records now say 540),
    the ten other units are marked 未报送 without figures, and the total row, labelled as the
    total of 1 reporting unit, equals 驿城区's row."""
    file_month(people, 6, approved=date(2022, 7, 3))
    change_the_records_after_june(projects)
    plan_year = PlanYear.objects.get(year=2022)
    data = build.build_city_monthly(plan_year=plan_year, month=6)
    path = tmp_path / "city.xlsx"
    path.write_bytes(workbooks.city_monthly_workbook(data))
    wb = load_workbook(path)
    ws = wb["进展情况"]
    total = next(ws.iter_rows(min_row=FIRST_ROW, max_row=FIRST_ROW, values_only=True))
    rows = numbered(ws)
    assert rows[0][1:14] == (
        "驿城区", 4804, 140, 0.029, 3363, 40, 0.011, 962, 30, 0.031, 3, 2, 200.5,
    )  # fmt: skip
    assert total[1:14] == ("已报送区县合计\n（1个）", *rows[0][2:14])
    assert [(r[1], r[2]) for r in rows[1:]] == [
        (name, workbooks.UNREPORTED_TEXT)
        for name in Unit.objects.exclude(name="驿城区").values_list("name", flat=True)
    ]
    assert [(r[1], r[2], r[4]) for r in numbered(wb["未开工项目"])] == [
        ("驿城区", "建设路3号院", ALL_CRITERIA)
    ]


# --- timeliness ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "heading", "label"),
    [
        (date(2022, 7, 3), "截至2022年7月3日", "未到期"),
        (date(2022, 7, 6), "截至2022年7月6日", "漏报"),
        (date(2022, 7, 10), "截至2022年7月10日", "迟报"),
    ],
)
def test_timeliness_is_judged_on_the_day_the_sheet_is_headed_with(
    people: dict[str, User],
    projects: dict[str, Project],
    tmp_path: Path,
    as_of: date,
    heading: str,
    label: str,
) -> None:
    """June's report approved July 8th (due July 5th): judged on July 3rd it is not yet due, on
    July 6th missing, on July 10th late, and the 报送情况 sheet is headed with that day."""
    file_month(people, 6, approved=date(2022, 7, 8))
    ws = unit_workbook(6, tmp_path / "t.xlsx", as_of=as_of)["报送情况"]
    assert ws["A2"].value == heading
    assert numbered(ws)[0][6] == label


def test_the_command_judges_timeliness_on_the_day_it_prints(
    people: dict[str, User], projects: dict[str, Project], tmp_path: Path
) -> None:
    """The command's 报送情况 sheet is headed with today, and June's report approved July 8th
    2022 is late as of today."""
    from projects.selectors import today_local

    file_month(people, 6, approved=date(2022, 7, 8))
    path = tmp_path / "june.xlsx"
    call_command(
        "export_monthly_report", "--month", "6", "--unit", "驿城区", "--out", str(path),
        stdout=io.StringIO(),
    )  # fmt: skip
    ws = load_workbook(path)["报送情况"]
    assert ws["A2"].value == f"截至{workbooks.cn_date(today_local())}"
    assert numbered(ws)[0][6] == "迟报"


# --- queries ------------------------------------------------------------------------------------


def queries_of_the_exports() -> int:
    plan_year = PlanYear.objects.get(year=2022)
    unit = Unit.objects.get(name="驿城区")
    with CaptureQueriesContext(connection) as queries:
        for month in (6, 7):
            table = timeliness_table(
                plan_year=plan_year, month=month, as_of=date(2022, 8, 10), units=[unit]
            )
            workbooks.unit_monthly_workbook(
                build.build_unit_monthly(
                    plan_year=plan_year, month=month, unit=unit, timeliness=table
                )
            )
        workbooks.city_monthly_workbook(build.build_city_monthly(plan_year=plan_year, month=6))
    return len(queries)


def test_the_exports_queries_do_not_grow_with_reports_and_projects(
    people: dict[str, User], projects: dict[str, Project]
) -> None:
    """A unit's June (reported) and July (working copy) and the city's June run as many queries
    with one report of 4 projects as with four reports of three units over 19 projects."""
    file_month(people, 6, approved=date(2022, 7, 3))
    few = queries_of_the_exports()
    ProjectFactory.create_batch(6, started_on=date(2022, 6, 1))
    for name in ("西平县", "汝南县"):
        ProjectFactory.create_batch(3, unit=Unit.objects.get(name=name))
        file_month(people, 6, approved=date(2022, 7, 3), unit=Unit.objects.get(name=name))
    file_month(people, 5, approved=date(2022, 6, 3))
    many = queries_of_the_exports()
    assert many == few


def test_the_assessment_is_headed_with_the_day_its_counts_are_judged_on(
    people: dict[str, User], projects: dict[str, Project]
) -> None:
    """Asked for January 10th 2023 (after the plan year), the assessment is headed 截至2023年1月10日
    and counts December's report as due (its due day, January 5th, has passed): 12 due, 驿城区's June
    on time, 11 missing; the milestones are judged on the year's last day."""
    file_month(people, 6, approved=date(2022, 7, 3))
    client = Client()
    client.force_login(people["city"])
    response = client.get(reverse("reporting:assessment_export"), {"as_of": "2023-01-10"})
    ws = load_workbook(io.BytesIO(response.content))["年度考核评价"]
    assert ws["A2"].value == "截至2023年1月10日"
    yicheng = next(r for r in numbered(ws) if r[1] == "驿城区")
    assert yicheng[2:6] == (12, 1, 0, 11)
    assert yicheng[8:12] == ("未完成", "未完成", "未完成", "未完成")


def city_export_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("reporting:city_month_export", args=[6]))
    assert response.status_code == 200
    return len(queries)


def test_the_city_download_runs_constant_queries(
    people: dict[str, User], projects: dict[str, Project]
) -> None:
    """The city's June download runs as many queries with one unit's report as with three units'
    reports over more projects."""
    file_month(people, 6, approved=date(2022, 7, 3))
    client = Client()
    client.force_login(people["city"])
    few = city_export_queries(client)
    for name in ("西平县", "汝南县"):
        unit = Unit.objects.get(name=name)
        ProjectFactory.create_batch(3, unit=unit, started_on=date(2022, 6, 1))
        file_month(people, 6, approved=date(2022, 7, 3), unit=unit)
    assert city_export_queries(client) == few


def test_the_months_button_says_which_form_it_exports(
    people: dict[str, User], projects: dict[str, Project]
) -> None:
    """The month's page offers 导出月报Excel for a valid report and a working copy, named so, for a
    month without one (a draft)."""
    client = Client()
    client.force_login(people["clerk"])
    unit = people["clerk"].unit
    file_month(people, 6, approved=date(2022, 7, 3))
    reports.report_open(
        plan_year=PlanYear.objects.get(year=2022), unit=unit, month=7, user=people["clerk"]
    )
    june = client.get(reverse("reporting:report_month", args=[unit.pk, 6])).content.decode()
    july = client.get(reverse("reporting:report_month", args=[unit.pk, 7])).content.decode()
    assert "导出月报Excel" in june and WORKING_COPY not in june
    assert f"导出工作底稿：{WORKING_COPY}" in july and "导出月报Excel" not in july


def test_the_command_judges_timeliness_on_the_day_asked_for(
    people: dict[str, User], projects: dict[str, Project], tmp_path: Path
) -> None:
    """--as-of 2022-07-06: June's report approved July 8th is 漏报 on that day, and the sheet is
    headed 截至2022年7月6日; a malformed day stops with a Chinese message."""
    file_month(people, 6, approved=date(2022, 7, 8))
    path = tmp_path / "june.xlsx"
    call_command(
        "export_monthly_report", "--month", "6", "--unit", "驿城区", "--as-of", "2022-07-06",
        "--out", str(path), stdout=io.StringIO(),
    )  # fmt: skip
    ws = load_workbook(path)["报送情况"]
    assert ws["A2"].value == "截至2022年7月6日"
    assert numbered(ws)[0][6] == "漏报"
    with pytest.raises(CommandError, match="日期格式应为 YYYY-MM-DD：7月6日"):
        call_command(
            "export_monthly_report", "--month", "6", "--as-of", "7月6日", "--out", str(path)
        )
