"""Notices (通报): the draft's 迟报/漏报/错报/瞒报 are the assessment's for the same period, with
their months; the period form; the Word document's page and tables; recording an issued notice and
who sees it."""

import io
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Pt
from PIL import Image

from projects import selectors as facts
from projects.choices import Role
from projects.models import PlanYear, Unit, User
from projects.presenters import milestone_cell
from projects.rules.periods import PeriodKind, ReportPeriod, report_period, whole_year
from reporting import notices, reports
from reporting.exports.notice import NoticeTable, column_widths, notice_docx
from reporting.models import MonthlyReport, Notice, ReportFlag
from tests.factories import ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
YICHENG, XIPING = "驿城区", "西平县"
NOTICE_DAY = date(2022, 7, 20)


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def pdf_upload(name: str = "stamp.pdf") -> SimpleUploadedFile:
    pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    return SimpleUploadedFile(name, pdf, content_type="application/pdf")


def png_upload() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (20, 20, 20)).save(buffer, "PNG")
    return SimpleUploadedFile("signed.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def people(programme: None) -> dict[str, User]:
    yicheng, xiping = Unit.objects.get(name=YICHENG), Unit.objects.get(name=XIPING)
    return {
        "clerk": UserFactory(role=Role.CLERK, unit=yicheng),
        "leader": UserFactory(role=Role.LEADER, unit=yicheng),
        "xiping_clerk": UserFactory(role=Role.CLERK, unit=xiping),
        "xiping_leader": UserFactory(role=Role.LEADER, unit=xiping),
        "city": UserFactory(role=Role.CITY, unit=None, is_staff=True),
    }


def approve(people: dict[str, User], unit: str, month: int, day: date) -> MonthlyReport:
    """The unit's report for ``month`` prepared, submitted and approved with the stamp on ``day``."""
    prefix = "" if unit == YICHENG else "xiping_"
    clerk, leader = people[f"{prefix}clerk"], people[f"{prefix}leader"]
    report = reports.report_open(
        plan_year=PlanYear.objects.get(year=2022),
        unit=clerk.unit,
        month=month,
        user=clerk,
    )
    report = reports.report_submit(report=report, user=clerk, at=at(day, 9))
    return reports.report_approve(report=report, stamp=pdf_upload(), user=leader, at=at(day, 15))


def rule(people: dict[str, User], report: MonthlyReport, ruling: str, day: date, n: int) -> None:
    """A flag on ``report`` ruled ``ruling`` by the city office on ``day``."""
    flag = ReportFlag.objects.create(report=report, kind="differs", figure=f"f{n}", detail=f"{n}")
    reports.flag_rule(flag=flag, ruling=ruling, reason="核实", user=people["city"])
    ReportFlag.objects.filter(pk=flag.pk).update(ruled_at=at(day))


@pytest.fixture
def record(people: dict[str, User]) -> None:
    """The report record worked out by hand (due day: the 5th of the next month).

    驿城区: March never; April approved May 5th (on time) and returned on May 10th for wrong figures
    (错报 4月); May approved June 8th (迟报 5月); June never (漏报 6月).
    西平县: March approved April 20th (迟报 3月) and returned for wrong figures (错报 3月); April, May
    and June on time; May has a flag ruled 认定错报 on July 12th and one ruled 不予认定; June a flag
    ruled 认定瞒报 on July 10th; April a flag ruled 认定瞒报 on July 25th, after the notice's day.
    Every other unit reported nothing (漏报 every month due).
    驿城区 has one new project of 2,500 households started on June 10th.
    """
    ProjectFactory(
        unit=Unit.objects.get(name=YICHENG), households=2500, started_on=date(2022, 6, 10)
    )
    city = people["city"]
    april = approve(people, YICHENG, 4, date(2022, 5, 5))
    reports.report_return(
        report=april, reason="完工户数有误", wrong_figures=True, user=city, at=at(date(2022, 5, 10))
    )
    approve(people, YICHENG, 5, date(2022, 6, 8))
    march = approve(people, XIPING, 3, date(2022, 4, 20))
    reports.report_return(
        report=march, reason="开工户数有误", wrong_figures=True, user=city, at=at(date(2022, 4, 22))
    )
    x_april = approve(people, XIPING, 4, date(2022, 5, 4))
    x_may = approve(people, XIPING, 5, date(2022, 6, 5))
    x_june = approve(people, XIPING, 6, date(2022, 7, 4))
    rule(people, x_may, "wrong", date(2022, 7, 12), 1)
    rule(people, x_may, "dismissed", date(2022, 7, 12), 2)
    rule(people, x_june, "concealed", date(2022, 7, 10), 3)
    rule(people, x_april, "concealed", date(2022, 7, 25), 4)


def read_tables(content: bytes) -> dict[str, list[tuple[str, ...]]]:
    """The document's tables by their third column's header, each as its rows without the header."""
    document = Document(io.BytesIO(content))
    tables = {}
    for table in document.tables:
        rows = [tuple(cell.text for cell in row.cells) for row in table.rows]
        tables[rows[0][2]] = rows[1:]
    return tables


def drafted(period: ReportPeriod, day: date = NOTICE_DAY) -> bytes:
    draft = notices.notice_draft(plan_year=PlanYear.objects.get(year=2022), period=period, day=day)
    return notice_docx(notices.notice_document(draft))


def others() -> list[str]:
    return [u.name for u in Unit.objects.exclude(name__in=[YICHENG, XIPING])]


def test_second_quarter_notice_lists_exactly_the_units_and_months_worked_out(record: None) -> None:
    """Q2 on July 20th: 迟报 驿城区 5月; 漏报 驿城区 6月 and every other unit 4—6月; 错报 驿城区 4月
    (return) and 西平县 5月 (ruling; 不予认定 does not count); 瞒报 西平县 6月 (April's ruling came
    after the notice's day). March's 迟报 and 错报 of 西平县 are outside the quarter."""
    tables = read_tables(drafted(report_period(kind="quarter", year=2022, number=2)))
    assert tables["迟报月份"] == [("1", YICHENG, "5月", "1")]
    assert tables["漏报月份"] == [
        ("1", YICHENG, "6月", "1"),
        *((str(i), name, "4月、5月、6月", "3") for i, name in enumerate(others(), start=2)),
    ]
    assert tables["错报月份"] == [("1", YICHENG, "4月", "1"), ("2", XIPING, "5月", "1")]
    assert tables["瞒报月份"] == [("1", XIPING, "6月", "1")]


def test_year_to_date_notice_adds_the_first_quarter(record: None) -> None:
    """January to June on July 26th: 西平县's March is 迟报 and 错报, its April ruling now counts
    瞒报; 驿城区 missed January to March and June."""
    tables = read_tables(drafted(report_period(kind="ytd", year=2022, number=6), date(2022, 7, 26)))
    assert tables["迟报月份"] == [("1", YICHENG, "5月", "1"), ("2", XIPING, "3月", "1")]
    missing = {unit: (months, n) for _i, unit, months, n in tables["漏报月份"]}
    assert missing == {
        YICHENG: ("1月、2月、3月、6月", "4"),
        XIPING: ("1月、2月", "2"),
        **dict.fromkeys(others(), ("1月、2月、3月、4月、5月、6月", "6")),
    }
    assert tables["错报月份"] == [("1", YICHENG, "4月", "1"), ("2", XIPING, "3月、5月", "2")]
    assert tables["瞒报月份"] == [("1", XIPING, "4月、6月", "2")]


def test_june_notice_has_no_late_table_and_says_so(record: None) -> None:
    """June alone: nobody was late (the sentence says so and no table is written), 瞒报 西平县 6月."""
    content = drafted(report_period(kind="month", year=2022, number=6))
    tables = read_tables(content)
    assert "迟报月份" not in tables and "错报月份" not in tables
    assert tables["瞒报月份"] == [("1", XIPING, "6月", "1")]
    text = "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)
    assert "2022年6月，各县区均无迟报。" in text
    assert "关于2022年6月城镇老旧小区改造信息报送情况的通报" in text
    assert "二〇二二年七月二十日" in text


@pytest.mark.parametrize(
    "period",
    [
        report_period(kind="month", year=2022, number=6),
        report_period(kind="quarter", year=2022, number=2),
        report_period(kind="ytd", year=2022, number=6),
        whole_year(2022),
    ],
    ids=lambda p: p.label,
)
def test_notice_counts_equal_the_assessment_for_the_same_period(
    record: None, period: ReportPeriod
) -> None:
    """Each unit's count in each table equals the assessment's for the period (the whole year's
    notice: the annual assessment itself); a unit with none is not listed."""
    plan_year = PlanYear.objects.get(year=2022)
    tables = read_tables(drafted(period))
    rows = reports.assessment(plan_year=plan_year, today=NOTICE_DAY, period=period)
    if period == whole_year(2022):
        assert rows == reports.assessment(plan_year=plan_year, today=NOTICE_DAY)
    for header, count in (
        ("迟报月份", "late"),
        ("漏报月份", "missing"),
        ("错报月份", "wrong"),
        ("瞒报月份", "concealed"),
    ):
        listed = {unit: int(n) for _i, unit, _months, n in tables.get(header, [])}
        assert listed == {r.unit.name: getattr(r, count) for r in rows if getattr(r, count)}


def test_milestone_table_is_judged_at_the_period_end(record: None) -> None:
    """Q2's milestones are judged on June 30th: 驿城区 started 2,500 of the 2,402 households half its
    target needs (已完成); 西平县 0 of 1,131 (未完成); every cell as the milestone report has it."""
    tables = read_tables(drafted(report_period(kind="quarter", year=2022, number=2)))
    milestones = next(
        rows for header, rows in tables.items() if header == "县区" or "月底" in header
    )
    plan_year = PlanYear.objects.get(year=2022)
    report = facts.milestone_report(plan_year=plan_year, as_of=date(2022, 6, 30))
    specs = [s.key for s, _m in facts.milestone_specs(plan_year=plan_year)]
    assert [row[1] for row in milestones] == [r.label for r in report.units]
    for row, unit_row in zip(milestones, report.units, strict=True):
        assert row[2:] == tuple(milestone_cell(unit_row.milestones[k]) for k in specs)
    half = specs.index("new_started_half") + 2
    assert milestones[0][half] == "2500/2402 已完成"
    assert milestones[[r[1] for r in milestones].index(XIPING)][half] == "0/1131 未完成"


def test_document_is_a4_portrait_with_official_fonts(record: None) -> None:
    """A4 portrait (210 × 297 mm), top margin 37 mm and left 28 mm, the title in 方正小标宋 and the
    body in 仿宋 set for East Asian text."""
    document = Document(io.BytesIO(drafted(report_period(kind="month", year=2022, number=6))))
    section = document.sections[0]
    assert section.orientation == WD_ORIENT.PORTRAIT
    # Word stores lengths in twentieths of a point: A4 is 11906 × 16838.
    assert (section.page_width.twips, section.page_height.twips) == (11906, 16838)
    assert (round(section.top_margin.mm), round(section.left_margin.mm)) == (37, 28)
    title = next(p for p in document.paragraphs if p.text.startswith("关于"))
    east_asian = title.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia"))
    assert east_asian == "方正小标宋简体"
    intro = next(p for p in document.paragraphs if p.text.startswith("按照"))
    assert intro.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert any(p.text == "驻旧改办〔2022〕　　号" for p in document.paragraphs)


def test_count_tables_give_the_months_the_room(record: None) -> None:
    """In the 错报 table (小四, 4.23 mm a character, 6 mm of padding) 序号 and 次数 take 14.5 mm, one
    line for two characters; 县区 27.2 mm, one line for 经济开发区; 月份 the rest of the 156 mm type
    area, 156 − 2 × 14.47 − 27.17 = 99.9 mm. The Word file carries those widths on its grid."""
    table = NoticeTable(
        heading="三、错报情况",
        summary="",
        columns=("序号", "县区", "错报月份", "次数"),
        rows=(("1", "经济开发区", "3月、4月", "2"),),
    )
    assert [round(w.mm, 1) for w in column_widths(table, Pt(12))] == [14.5, 27.2, 99.9, 14.5]
    document = Document(io.BytesIO(drafted(report_period(kind="quarter", year=2022, number=2))))
    wrong = next(t for t in document.tables if t.rows[0].cells[2].text == "错报月份")
    assert [round(c.width.mm, 1) for c in wrong.columns] == [14.5, 27.2, 99.9, 14.5]


def test_milestone_table_fits_the_unit_names_and_shares_the_rest(record: None) -> None:
    """The 阶段任务 table (五号, 3.70 mm a character): 序号 13.4 mm, 县区 24.5 mm, and its four
    milestones share the remaining 118.1 mm, 29.5 mm each."""
    document = Document(io.BytesIO(drafted(report_period(kind="month", year=2022, number=6))))
    milestones = document.tables[-1]
    widths = [round(c.width.mm, 1) for c in milestones.columns]
    assert widths[:2] == [13.4, 24.5]
    assert len(set(widths[2:])) == 1 and abs(sum(widths) - 156) < 0.5


# --- the period ---------------------------------------------------------------------------------


def city_client(people: dict[str, User]) -> Client:
    client = Client()
    client.force_login(people["city"])
    return client


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ({"kind": "month", "month": "6"}, "关于2022年6月城镇老旧小区改造信息报送情况的通报"),
        (
            {"kind": "quarter", "quarter": "2"},
            "关于2022年第二季度城镇老旧小区改造信息报送情况的通报",
        ),
        ({"kind": "ytd", "month": "6"}, "关于2022年1—6月城镇老旧小区改造信息报送情况的通报"),
    ],
)
def test_period_selection_drafts_the_notice_of_that_period(
    people: dict[str, User], query: dict[str, str], title: str
) -> None:
    """A month, a quarter or January to a month: the preview and the download carry its title."""
    client = city_client(people)
    query = {**query, "year": "2022", "day": "2022-07-20"}
    page = client.get(reverse("reporting:notices"), query)
    assert page.status_code == 200 and title in page.content.decode()
    download = client.get(reverse("reporting:notice_docx"), query)
    assert download["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml"
    )
    paragraphs = [p.text for p in Document(io.BytesIO(download.content)).paragraphs]
    assert title in paragraphs


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"year": "2202"}, "没有 2202 年的年度计划，请检查年份（已有：2022）"),
        ({"year": "22o2"}, "年度须为四位数字，例如 2022"),
        ({"day": "2022-06-30"}, "通报日期须晚于通报期间的最后一天（2022年6月30日）"),
        ({"kind": "quarter", "quarter": ""}, "请选择季度"),
    ],
)
def test_a_wrong_period_is_refused_in_chinese(
    people: dict[str, User], query: dict[str, str], message: str
) -> None:
    """A typo'd year, a date inside the period or a missing quarter is refused with a message;
    nothing is downloaded."""
    client = city_client(people)
    query = {"kind": "month", "year": "2022", "month": "6", "day": "2022-07-20", **query}
    page = client.get(reverse("reporting:notices"), query)
    assert message in page.content.decode()
    assert "notice-preview" not in page.content.decode()
    download = client.get(reverse("reporting:notice_docx"), query)
    assert download.status_code == 400 and message in download.content.decode()


@pytest.mark.parametrize(
    ("kind", "number", "months"),
    [
        ("month", 6, range(6, 7)),
        ("month", 12, range(12, 13)),
        ("quarter", 1, range(1, 4)),
        ("quarter", 4, range(10, 13)),
        ("ytd", 1, range(1, 2)),
        ("ytd", 9, range(1, 10)),
    ],
)
def test_report_period_months(kind: str, number: int, months: range) -> None:
    """Each kind of period covers the months worked out by hand."""
    assert report_period(kind=kind, year=2022, number=number).months == months


@pytest.mark.parametrize(
    ("kind", "number"), [("month", 0), ("month", 13), ("quarter", 5), ("ytd", 0), ("week", 1)]
)
def test_report_period_refuses_out_of_range(kind: str, number: int) -> None:
    """A month outside 1—12, a quarter outside 1—4 or an unknown kind is refused."""
    with pytest.raises(ValueError):
        report_period(kind=kind, year=2022, number=number)


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2022, 7, 5), "二〇二二年七月五日"),
        (date(2022, 10, 10), "二〇二二年十月十日"),
        (date(2022, 12, 31), "二〇二二年十二月三十一日"),
        (date(2023, 1, 20), "二〇二三年一月二十日"),
    ],
)
def test_chinese_date(day: date, text: str) -> None:
    """Dates are written as official documents write them."""
    from projects.rules.dates import chinese_date

    assert chinese_date(day) == text


# --- recording and listing ----------------------------------------------------------------------


def record_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "kind": "quarter",
        "year": "2022",
        "quarter": "2",
        "month": "",
        "number": "驻旧改办〔2022〕7号",
        "issued_on": "2022-07-22",
        "scan": png_upload(),
        "units": [Unit.objects.get(name=YICHENG).pk],
    }
    return {**data, **overrides}


def test_recorded_notice_is_listed_to_the_units_it_names_only(
    people: dict[str, User], settings: Any, tmp_path: Any
) -> None:
    """The city office records Q2's notice naming 驿城区: kept with its period and history; 驿城区's
    clerk sees it on the reports page and opens the scan, 西平县's clerk sees neither."""
    settings.MEDIA_ROOT = tmp_path
    response = city_client(people).post(reverse("reporting:notice_record"), record_data())
    assert response.status_code == 302
    notice = Notice.objects.get()
    assert (notice.period_kind, notice.period_start, notice.period_end) == (
        PeriodKind.QUARTER,
        date(2022, 4, 1),
        date(2022, 6, 30),
    )
    assert [u.name for u in notice.units.all()] == [YICHENG]
    assert notice.recorded_by == people["city"]
    # Created, then its units set: both kept with who did it; the latest names the unit.
    assert {h.history_user for h in notice.history.all()} == {people["city"]}
    assert [u.unit.name for u in notice.history.latest().units.all()] == [YICHENG]
    scan = reverse("reporting:notice_scan", args=[notice.pk])
    for who, sees in (("clerk", True), ("xiping_clerk", False), ("city", True)):
        client = Client()
        client.force_login(people[who])
        page = client.get(reverse("reporting:notices")).content.decode()
        assert ("驻旧改办〔2022〕7号" in page) is sees, who
        opened = client.get(scan)
        assert opened.status_code == (200 if sees else 404), who
        if sees:
            assert opened["Content-Type"] == "image/png"
    clerk = Client()
    clerk.force_login(people["clerk"])
    reports_page = clerk.get(reverse("reporting:reports")).content.decode()
    assert "涉及驿城区的通报" in reports_page and "驻旧改办〔2022〕7号" in reports_page
    unit_page = city_client(people).get(
        reverse("reporting:unit", args=[Unit.objects.get(name=XIPING).pk])
    )
    assert "驻旧改办〔2022〕7号" not in unit_page.content.decode()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"issued_on": "2022-06-30"}, "印发日期须晚于通报期间的最后一天（2022年6月30日）"),
        ({"units": []}, "请选择通报涉及的县区"),
        ({"scan": SimpleUploadedFile("a.txt", b"hello")}, "只接受 PDF、JPEG 或 PNG 格式"),
        ({"year": "2202"}, "没有 2202 年的年度计划"),
    ],
)
def test_a_wrong_record_is_refused(
    people: dict[str, User], settings: Any, tmp_path: Any, overrides: dict[str, Any], message: str
) -> None:
    """An issue date inside the period, no unit, a scan that is not a PDF/JPEG/PNG or a typo'd year
    is refused with its message, and nothing is recorded."""
    settings.MEDIA_ROOT = tmp_path
    response = city_client(people).post(
        reverse("reporting:notice_record"), record_data(**overrides)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Notice.objects.exists()


def test_a_number_is_recorded_once(people: dict[str, User], settings: Any, tmp_path: Any) -> None:
    """The same 文号 twice in a plan year is refused the second time."""
    settings.MEDIA_ROOT = tmp_path
    client = city_client(people)
    client.post(reverse("reporting:notice_record"), record_data())
    again = client.post(reverse("reporting:notice_record"), record_data(issued_on="2022-07-25"))
    assert "文号“驻旧改办〔2022〕7号”已登记过" in again.content.decode()
    assert Notice.objects.count() == 1


def test_only_the_city_office_records(people: dict[str, User]) -> None:
    """A unit's leader cannot record a notice, whatever it posts."""
    client = Client()
    client.force_login(people["leader"])
    assert client.post(reverse("reporting:notice_record"), record_data()).status_code == 403
    assert not Notice.objects.exists()


def test_notices_page_costs_a_constant_number_of_queries(
    record: None,
    people: dict[str, User],
    settings: Any,
    tmp_path: Any,
    django_assert_max_num_queries: Any,
) -> None:
    """The city's page with a draft preview and eight recorded notices naming every unit reads a
    fixed number of queries, as with one."""
    settings.MEDIA_ROOT = tmp_path
    client = city_client(people)
    query = {"kind": "quarter", "year": "2022", "quarter": "2", "day": "2022-07-20"}
    units = list(Unit.objects.values_list("pk", flat=True))
    client.post(reverse("reporting:notice_record"), record_data(units=units, number="1号"))
    with CaptureQueriesContext(connection) as one:
        first = client.get(reverse("reporting:notices"), query)
    assert first.status_code == 200
    few = len(one.captured_queries)  # read now: each request empties Django's query log
    for n in range(2, 9):
        client.post(reverse("reporting:notice_record"), record_data(units=units, number=f"{n}号"))
    assert Notice.objects.count() == 8
    with django_assert_max_num_queries(few):
        page = client.get(reverse("reporting:notices"), query)
    assert page.content.decode().count("data-notice=") == 8
