"""The Excel exports: safe cells, official layout, the demo's valid reports' figures equal to
check_targets at their month end, constant queries and constant memory."""

import io
import json
import re
import tempfile
import tracemalloc
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from projects import xlsx as cells
from projects.choices import Criterion, ProjectKind
from projects.management.commands.load_programme import FIXTURES
from projects.models import PlanYear, Project, StartCriterion, Unit
from projects.rules.milestones import STATUS_LABELS
from projects.rules.start import CRITERIA, CRITERION_SHORT_LABELS
from reporting import digests
from reporting.exports import build, workbooks
from reporting.exports.rows import (
    CityMonthly,
    MilestoneCell,
    MilestoneColumn,
    NotStartedRow,
    ProgressRow,
    TimelinessTable,
)
from reporting.models import MonthlyReport
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

FORMULA_LIKE = ["=1+1", "+1", "-1", "@SUM(A1)", "\t=x", "\r=x", '=HYPERLINK("http://x","y")']
PLAIN = ["驿城区", "1+1", "a=b", "SUM(A1)", " =1+1", "中华路48号院"]
# Columns of the 进展情况 sheet (1-based) and the first data row.
COL = {"label": 2, "new_started": 4, "started_share": 5, "new_completed": 7, "carry_done": 10}
INVESTMENT_COL, FIRST_MILESTONE_COL, FIRST_ROW = 14, 15, 5


# --- cells: pure, no database -------------------------------------------------------------------


def stored(text: str) -> str:
    """What a cell holds for ``text``: XML turns a carriage return into a line feed anyway."""
    return text.replace("\r", "\n")


@pytest.mark.parametrize("text", FORMULA_LIKE)
def test_formula_like_text_is_quoted_text(text: str) -> None:
    """Text a spreadsheet would run is kept as a string cell with the quote prefix and the text
    format."""
    value = cells.safe_text(text)
    assert (value.value, value.data_type, value.quote_prefix) == (stored(text), "s", True)
    assert value.number_format == "@"


@pytest.mark.parametrize("text", PLAIN)
def test_plain_text_is_text_without_prefix(text: str) -> None:
    """Ordinary text (a formula-like character inside it is harmless) is a plain string cell."""
    value = cells.safe_text(text)
    assert (value.value, value.data_type, value.quote_prefix) == (text, "s", False)


def test_empty_text_is_an_empty_cell() -> None:
    """No text at all (or only characters a worksheet cannot hold) writes no value."""
    assert cells.safe_text("") == cells.safe_text("\x01") == cells.EMPTY


def test_characters_a_worksheet_cannot_hold_are_dropped() -> None:
    """Control characters other than tab, newline and carriage return are removed."""
    assert cells.safe_text("驿\x01城\x1f区\r\n").value == "驿城区\n"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (cells.households(4804), (4804, "n", "#,##0")),
        (cells.households(0), (0, "n", "#,##0")),
        (cells.count(12), (12, "n", "#,##0")),
        (cells.wan_yuan(Decimal("42892.6")), (Decimal("42892.6"), "n", "#,##0.00##")),
        (cells.wan_yuan(Decimal("0.0001")), (Decimal("0.0001"), "n", "#,##0.00##")),
        (cells.percent_from_tenths(499), (Decimal("0.499"), "n", "0.0%")),
        (cells.percent_from_tenths(1006), (Decimal("1.006"), "n", "0.0%")),
        (cells.percent_from_tenths(None), ("—", "s", "General")),
        (cells.households(None), ("—", "s", "General")),
        (cells.when(date(2022, 6, 30)), (date(2022, 6, 30), "d", 'yyyy"年"m"月"d"日"')),
    ],
)
def test_numbers_stay_numbers_with_their_format(
    value: cells.CellValue, expected: tuple[Any, str, str]
) -> None:
    """Households and counts are integers, 万元 Decimals, shares exact fractions; a missing figure
    is "—"."""
    assert (value.value, value.data_type, value.number_format) == expected


@pytest.mark.parametrize("bad", [1.5, True])
def test_floats_and_booleans_are_refused_as_figures(bad: Any) -> None:
    """Households and money are never floats (STYLE 6), nor booleans posing as 0 or 1."""
    with pytest.raises(TypeError):
        cells.number(bad, cells.HOUSEHOLDS)


def test_times_with_a_zone_are_refused() -> None:
    """A sheet shows local time: an aware datetime must be converted by the caller first."""
    with pytest.raises(ValueError, match="local time"):
        cells.when(datetime(2022, 7, 3, 2, 0, tzinfo=UTC))


def test_written_cells_round_trip_as_text_and_numbers(tmp_path: Path) -> None:
    """Written in write-only mode and read back, formula-like text is a quoted string cell, never a
    formula, and numbers are numbers with their format."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("t")
    values = [cells.safe_text(t) for t in FORMULA_LIKE + PLAIN] + [
        cells.households(4804),
        cells.wan_yuan(Decimal("1.2345")),
        cells.percent_from_tenths(499),
    ]
    for value in values:
        ws.append([cells.write_only_cell(ws, value)])
    path = tmp_path / "t.xlsx"
    wb.save(path)
    assert_no_formulas(path)
    sheet = load_workbook(path)["t"]
    for row, text in enumerate(FORMULA_LIKE + PLAIN, 1):
        cell = sheet.cell(row, 1)
        assert (cell.value or "", cell.data_type) == (stored(text), "s")
        assert cell.quotePrefix is (text in FORMULA_LIKE)
    numbers = [sheet.cell(row, 1) for row in range(len(FORMULA_LIKE + PLAIN) + 1, len(values) + 1)]
    assert [(c.value, c.data_type, c.number_format) for c in numbers] == [
        (4804, "n", "#,##0"),
        (1.2345, "n", "#,##0.00##"),
        (0.499, "n", "0.0%"),
    ]


def test_repeated_cells_keep_their_own_style(tmp_path: Path) -> None:
    """Cells of the same style and format, written many times (the style is resolved once per
    workbook), each keep the named style, format and quote prefix; a font set on one cell after it
    is made changes that cell only; and a second workbook resolves its own styles."""
    bold = cells.CellStyle("粗体", font=Font(bold=True))
    for name in ("a.xlsx", "b.xlsx"):
        wb = Workbook(write_only=True)
        cells.register_styles(wb, [bold])
        ws = wb.create_sheet("t")
        for n in range(3):
            row = [
                cells.write_only_cell(ws, cells.households(n), bold),
                cells.write_only_cell(ws, cells.safe_text("=1+1"), bold),
                cells.write_only_cell(ws, cells.wan_yuan(Decimal(n))),
            ]
            if n == 1:
                row[2].font = Font(italic=True)
            ws.append(row)
        wb.save(tmp_path / name)
        sheet = load_workbook(tmp_path / name)["t"]
        for r in (1, 2, 3):
            figure, text, money = (sheet.cell(r, c) for c in (1, 2, 3))
            assert (figure.style, figure.number_format, figure.font.b) == ("粗体", "#,##0", True)
            assert (text.style, text.quotePrefix, text.number_format) == ("粗体", True, "@")
            assert (money.style, money.number_format) == ("Normal", "#,##0.00##")
            assert money.font.i is (r == 2)


def test_digest_is_canonical() -> None:
    """The digest depends on the figures only: not on key order nor on how a Decimal is spelled."""
    a = {"b": Decimal("1.5000"), "a": [date(2022, 6, 30), "驿城区"]}
    b = {"a": [date(2022, 6, 30), "驿城区"], "b": Decimal("1.5")}
    assert digests.digest_of(a) == digests.digest_of(b)
    assert digests.digest_of(a) != digests.digest_of({**a, "b": Decimal("1.6")})
    assert re.fullmatch(r"[0-9a-f]{64}", digests.digest_of(a))
    assert digests.canonical_json(b) == '{"a":["2022-06-30","驿城区"],"b":"1.5"}'


def test_canonical_json_of_nested_values() -> None:
    """JSON's own values pass as they are, at any depth, beside the values made plain: dataclasses
    as objects, tuples as arrays, Decimals exact without trailing zeros, dates in ISO form, keys as
    text (an int key 10 sorts as "10", before "9")."""
    cell = MilestoneCell("new_started_half", 2402, None, "已完成")
    value = {
        "rows": (cell, [Decimal("1.50"), date(2022, 6, 30), datetime(2022, 7, 3, 9, 30)]),
        10: {"b": [True, None, 1.5, "驿城区"], "a": ProjectKind.NEW},
        9: [],
    }
    assert digests.canonical_json(value) == (
        '{"10":{"a":"new","b":[true,null,1.5,"驿城区"]},"9":[],"rows":[{"actual":null,'
        '"key":"new_started_half","needed":2402,"status":"已完成"},'
        '["1.5","2022-06-30","2022-07-03T09:30:00"]]}'
    )


# --- helpers ------------------------------------------------------------------------------------


def assert_no_formulas(path: Path) -> None:
    """No worksheet of the file holds a formula element, and openpyxl reads no formula cell."""
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name)
    for ws in load_workbook(path):
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate)


def check_targets(day: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("check_targets", "--year", "2022", "--as-of", day, "--json", stdout=out)
    return dict(json.loads(out.getvalue()))


def export(tmp_path: Path, *args: str, name: str = "report.xlsx") -> Path:
    path = tmp_path / name
    call_command(
        "export_monthly_report", "--year", "2022", *args, "--out", str(path), stdout=io.StringIO()
    )
    if not path.exists():  # a unit's working copy is saved under a marked name
        return path.with_name(f"{path.stem}-{workbooks.WORKING_COPY}{path.suffix}")
    return path


def sheet_rows(ws: Any, first: int = FIRST_ROW) -> dict[str, tuple[Any, ...]]:
    """The table's rows by their 区县 label (column B), up to the first row without one."""
    rows = {}
    for row in ws.iter_rows(min_row=first, values_only=True):
        if not row[1]:
            break
        rows[row[1]] = row
    return rows


def status_key(label: str) -> str:
    return next(s.value for s, text in STATUS_LABELS.items() if text == label)


# --- the demo programme -------------------------------------------------------------------------

# May 2022 in the demo: every unit filed a valid report except 上蔡县 (reporting/demo.py).
MAY_END = "2022-05-31"
UNREPORTED_IN_MAY = "上蔡县"


@pytest.fixture(scope="class")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The fixtures, the default demo and its January–May reports, written once for the class and
    rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("loaddata", *FIXTURES, verbosity=0)
        call_command("seed_demo", verbosity=0)
        call_command("seed_demo_reports", verbosity=0)
        yield
        transaction.set_rollback(True)


@pytest.fixture(scope="class")
def may(demo: None, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The city's May 2022 workbook, exported once by the command."""
    return export(tmp_path_factory.mktemp("may"), "--month", "5")


@pytest.mark.usefixtures("demo")
class TestCityWorkbookOnTheDemo:
    def test_figures_and_statuses_equal_check_targets(self, may: Path) -> None:
        """Each reporting unit's started, completed and carry-over households and every
        milestone's status, frozen in its May report, equal check_targets --json for 2022-05-31
        (the records have not changed since); 上蔡县 filed none and shows no figures."""
        expected = check_targets(MAY_END)
        wanted = {u["unit"]: u for u in expected["units"] if u["unit"] != UNREPORTED_IN_MAY}
        wb = load_workbook(may)
        shown = sheet_rows(wb["进展情况"])
        keys = list(expected["city"]["milestones"])
        for label, row in wanted.items():
            milestones = row["milestones"]
            got = shown[label]
            assert got[COL["new_started"] - 1] == milestones["new_started_half"]["actual_as_of"]
            assert got[COL["new_completed"] - 1] == milestones["new_completed_70"]["actual_as_of"]
            assert got[COL["carry_done"] - 1] == milestones["carryover_completed"]["actual_as_of"]
            statuses = got[FIRST_MILESTONE_COL - 1 : FIRST_MILESTONE_COL - 1 + len(keys)]
            assert [status_key(s) for s in statuses] == [milestones[k]["status"] for k in keys]
        assert shown[UNREPORTED_IN_MAY][2] == workbooks.UNREPORTED_TEXT
        detail = sheet_rows(wb["阶段任务"], first=FIRST_ROW)
        for label, row in wanted.items():
            for i, key in enumerate(keys):
                needed, actual, status = detail[label][2 + 3 * i : 5 + 3 * i]
                result = row["milestones"][key]
                assert (actual, status_key(status)) == (result["actual"], result["status"])
                assert needed == (result["target"] if result["target"] is not None else "—")

    def test_the_total_row_is_the_sum_of_the_rows_shown(self, may: Path) -> None:
        """The first row, labelled as the total of the 10 units that filed, adds up the rows shown
        (targets too), and judges no milestone."""
        rows = sheet_rows(load_workbook(may)["进展情况"])
        total = rows.pop("已报送区县合计\n（10个）")
        rows.pop(UNREPORTED_IN_MAY)
        units = [
            r
            for label, r in rows.items()
            if label in set(Unit.objects.values_list("name", flat=True))
        ]
        assert len(units) == 10
        for col in (3, 4, 6, 7, 10, 12, 13):
            assert total[col - 1] == sum(r[col - 1] for r in units if isinstance(r[col - 1], int))
        assert set(total[FIRST_MILESTONE_COL - 1 :]) == {"—"}

    def test_units_in_the_annexes_order_with_the_unallocated_rows(self, may: Path) -> None:
        """Units follow the fixture's order after the total row; the unallocated targets follow."""
        ws = load_workbook(may)["进展情况"]
        labels = [r[1] for r in ws.iter_rows(min_row=FIRST_ROW, values_only=True) if r[1]]
        assert labels[0] == "已报送区县合计\n（10个）"
        assert labels[1:12] == list(Unit.objects.values_list("name", flat=True))
        assert labels[12:] == [build.UNALLOCATED_LABEL] + [build.UNASSIGNED_LABEL] * 2

    def test_no_cell_is_a_formula(self, may: Path) -> None:
        """No cell of any sheet is a formula."""
        assert_no_formulas(may)

    def test_a_formula_in_a_project_name_is_shown_as_text(self, tmp_path: Path) -> None:
        """A project frozen in a report under the name =HYPERLINK(...) appears as a quoted text
        cell of the not-started list."""
        name = '=HYPERLINK("http://x","y")'
        report = MonthlyReport.objects.filter(month=5, state="received").first()
        assert report is not None
        figures = report.figures
        waiting = next(p for p in figures["projects"] if p["kind"] == "new" and not p["started_on"])
        waiting["name"] = name
        MonthlyReport.objects.filter(pk=report.pk).update(figures=figures)
        path = export(tmp_path, "--month", "5")
        assert_no_formulas(path)
        ws = load_workbook(path)["未开工项目"]
        cell = next(c for c in ws["C"] if c.value == name)
        assert (cell.data_type, cell.quotePrefix) == ("s", True)

    def test_layout_title_panes_and_print_setup(self, may: Path) -> None:
        """Every sheet: the title merged across the table, frozen below the two header rows, header
        rows repeated when printed, A4 landscape fitted to the width."""
        wb = load_workbook(may)
        assert wb.sheetnames == ["进展情况", "阶段任务", "未开工项目", "报送情况"]
        assert wb["进展情况"]["A1"].value == "驻马店市城镇老旧小区改造进展情况月报（2022年5月）"
        for ws in wb:
            merged = {str(r) for r in ws.merged_cells.ranges}
            assert f"A1:{get_column_letter(ws.max_column)}1" in merged
            assert "A3:A4" in merged
            if ws.title != "报送情况":
                assert ws["A2"].value == "截至2022年5月31日"
            assert ws.freeze_panes in {"C5", "D5"}
            assert ws.print_title_rows == "$3:$4"
            assert ws.page_setup.orientation == "landscape"
            assert int(ws.page_setup.paperSize) == 9
            # One page wide; an absent fitToWidth is the file format's default, 1.
            width = ws.page_setup.fitToWidth
            assert int(width if width is not None else 1) == 1
            assert int(ws.page_setup.fitToHeight) == 0
            assert ws.sheet_properties.pageSetUpPr.fitToPage is True
        progress = {str(r) for r in wb["进展情况"].merged_cells.ranges}
        assert {"C3:E3", "F3:H3", "I3:K3", "O3:R3"} <= progress  # 新开工 完成改造 续建 阶段任务

    def test_footer_holds_the_digest_the_date_and_page_numbers(self, may: Path) -> None:
        """Each sheet's footer shows the SHA-256 of the compiled table, its 截至 date and page
        numbers; the 报送情况 sheet is dated the day its timeliness was judged (today)."""
        from projects.selectors import today_local
        from reporting.exports.workflow import timeliness_table

        plan_year = PlanYear.objects.get(year=2022)
        data = build.build_city_monthly(
            plan_year=plan_year,
            month=5,
            timeliness=timeliness_table(
                plan_year=plan_year, month=5, as_of=today_local(), units=list(Unit.objects.all())
            ),
        )
        digest = data.digest
        assert digest == digests.digest_of(build.figures_of(data))
        for ws in load_workbook(may):
            assert ws.oddFooter.left.text == f"SHA-256：{digest}"
            day = today_local() if ws.title == "报送情况" else date(2022, 5, 31)
            assert ws.oddFooter.right.text == f"截至 {workbooks.cn_date(day)}"
            assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text

    def test_numbers_are_numeric_with_their_formats(self, may: Path) -> None:
        """Households are integers "#,##0", shares fractions "0.0%" rounded down, the investment of
        completed projects a number in 万元 equal to the sum of the reporting units' estimates."""
        ws = load_workbook(may)["进展情况"]
        total = ws.cell(FIRST_ROW, COL["new_started"])
        assert isinstance(total.value, int) and total.number_format == "#,##0"
        share = ws.cell(FIRST_ROW, COL["started_share"])
        target = ws.cell(FIRST_ROW, 3).value
        assert share.number_format == "0.0%"
        assert share.value == (total.value * 1000 // target) / 1000
        investment = ws.cell(FIRST_ROW, INVESTMENT_COL)
        expected = (
            Project.objects.filter(completed_on__lte=date(2022, 5, 31))
            .exclude(unit__name=UNREPORTED_IN_MAY)
            .aggregate(s=Sum("investment"))["s"]
        )
        assert investment.number_format == "#,##0.00##"
        assert Decimal(str(investment.value)) == expected

    def test_not_started_list_and_its_open_criteria(self, may: Path) -> None:
        """The list holds exactly the reporting units' 2022 projects not started by May 31st, each
        with the criteria check_start_criteria reports unmet that day; 上蔡县 is named as not
        reported."""
        out = io.StringIO()
        call_command(
            "check_start_criteria", "--year", "2022", "--as-of", MAY_END, "--json", stdout=out
        )
        expected = {
            (p["unit"], p["project"]): "、".join(
                CRITERION_SHORT_LABELS[k] for k in CRITERIA if not p["criteria"][k]["met"]
            )
            for p in json.loads(out.getvalue())["projects"]
            if not p["started"] and p["unit"] != UNREPORTED_IN_MAY
        }
        ws = load_workbook(may)["未开工项目"]
        shown = {
            (row[1], row[2]): row[4]
            for row in ws.iter_rows(min_row=FIRST_ROW, values_only=True)
            if isinstance(row[0], int)
        }
        assert shown == expected
        assert len(shown) > 0
        texts = [c.value for c in ws["A"] if isinstance(c.value, str)]
        assert f"未报送、不列项目的区县：{UNREPORTED_IN_MAY}" in texts

    def test_timeliness_rows_from_the_caller(self, tmp_path: Path) -> None:
        """Timeliness rows the report workflow supplies are listed with local times as date cells,
        under the day they were judged on."""
        plan_year = PlanYear.objects.get(year=2022)
        row = build.timeliness_row(
            unit="驿城区",
            version=2,
            state_label="已接收",
            submitted_at=datetime(2022, 7, 3, 1, 30, tzinfo=UTC),
            approved_at=None,
            timeliness_label="按时",
            digest="=cmd|' /C calc'!A0",
        )
        table = TimelinessTable(as_of=date(2022, 7, 8), rows=(row,))
        data = build.build_city_monthly(plan_year=plan_year, month=6, timeliness=table)
        path = tmp_path / "t.xlsx"
        path.write_bytes(workbooks.city_monthly_workbook(data))
        ws = load_workbook(path)["报送情况"]
        assert ws["A2"].value == "截至2022年7月8日"
        values = [c.value for c in ws[FIRST_ROW]]
        assert values[:4] == [1, "驿城区", 2, "已接收"]
        assert values[4] == datetime(2022, 7, 3, 9, 30)  # Asia/Shanghai
        assert values[6:] == ["按时", "=cmd|' /C calc'!A0"]
        assert ws.cell(FIRST_ROW, 8).quotePrefix is True
        assert_no_formulas(path)

    def test_unit_workbook_is_the_units_report_and_projects(self, tmp_path: Path) -> None:
        """驿城区's May report: its row equals check_targets on May 31st, its frozen projects are
        all listed, dates after May 31st are left out, and its record sheet carries its digest."""
        path = export(tmp_path, "--month", "5", "--unit", "驿城区")
        assert_no_formulas(path)
        wb = load_workbook(path)
        assert wb.sheetnames == [
            "月报信息", "进展情况", "阶段任务", "项目明细", "未开工项目", "报送情况",
        ]  # fmt: skip
        assert wb["进展情况"]["A1"].value == "驿城区城镇老旧小区改造进展情况月报（2022年5月）"
        expected = next(u for u in check_targets(MAY_END)["units"] if u["unit"] == "驿城区")
        row = sheet_rows(wb["进展情况"])["驿城区"]
        assert (
            row[COL["new_started"] - 1]
            == (expected["milestones"]["new_started_half"]["actual_as_of"])
        )
        projects = wb["项目明细"]
        listed = [
            r
            for r in projects.iter_rows(min_row=FIRST_ROW, values_only=True)
            if isinstance(r[0], int)
        ]
        names = [r[1] for r in listed]
        unit_projects = Project.objects.filter(unit__name="驿城区")
        assert sorted(names) == sorted(unit_projects.values_list("name", flat=True))
        completed = [r[7] for r in listed]
        assert all(d is None or d <= datetime(2022, 5, 31) for d in completed)
        report = MonthlyReport.objects.get(unit__name="驿城区", month=5, state="received")
        record = {r[0]: r[1] for r in wb["月报信息"].iter_rows(min_row=FIRST_ROW, values_only=True)}
        assert record["月报摘要（SHA-256）"] == report.digest
        assert (record["版本"], record["状态"]) == ("第1版", "市老旧办已接收")


@pytest.mark.usefixtures("demo_without_reports")
class TestAssessmentOnTheDemo:
    def test_assessment_workbook_shows_the_statuses(self, tmp_path: Path) -> None:
        """The assessment table lists every unit with its report counts and its milestones'
        statuses at the month's end. No report was filed: January to November are due by
        December 31st (November's on December 5th), all 漏报."""
        path = export(tmp_path, "--month", "12", "--assessment")
        assert_no_formulas(path)
        ws = load_workbook(path)["年度考核评价"]
        expected = check_targets("2022-12-31")
        rows = sheet_rows(ws)
        for unit in expected["units"]:
            row = rows[unit["unit"]]
            assert row[2:8] == (11, 0, 0, 11, 0, 0)
            assert [status_key(s) for s in row[8:12]] == [
                m["status"] for m in unit["milestones"].values()
            ]


@pytest.fixture(scope="class")
def demo_without_reports(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The fixtures and the default demo without reports, for the class, rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("loaddata", *FIXTURES, verbosity=0)
        call_command("seed_demo", verbosity=0)
        yield
        transaction.set_rollback(True)


# --- hand-built cases ---------------------------------------------------------------------------


def test_query_count_is_constant(programme: None) -> None:
    """The city's and a unit's report run as many queries for 1 project as for 13 in 3 units with
    criteria and completions recorded."""
    plan_year = PlanYear.objects.get(year=2022)
    unit = Unit.objects.get(name="驿城区")
    ProjectFactory()
    with CaptureQueriesContext(connection) as few:
        build.build_city_monthly(plan_year=plan_year, month=6)
        build.build_unit_monthly(plan_year=plan_year, month=6, unit=unit)
    for name in ("驿城区", "西平县", "汝南县"):
        for project in ProjectFactory.create_batch(
            4, unit=Unit.objects.get(name=name), completed_on=None
        ):
            StartCriterion.objects.create(
                project=project, criterion=Criterion.ON_SITE, met_on=date(2022, 4, 1)
            )
    ProjectFactory(kind=ProjectKind.CARRYOVER, completed_on=date(2022, 5, 1), investment=10)
    with CaptureQueriesContext(connection) as many:
        build.build_city_monthly(plan_year=plan_year, month=6)
        build.build_unit_monthly(plan_year=plan_year, month=6, unit=unit)
    assert len(many) == len(few)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--month", "13"], "月份应为 1–12：13"),
        (["--month", "0"], "月份应为 1–12：0"),
        (["--month", "6", "--unit", "不存在县"], "没有名为“不存在县”的区县"),
        (["--year", "2030", "--month", "6"], "没有2030年度计划"),
    ],
)
def test_command_errors_are_chinese(
    programme: None, tmp_path: Path, args: list[str], message: str
) -> None:
    """A month outside 1–12, an unknown unit or a missing plan year stops with a Chinese message
    and writes no file."""
    out = tmp_path / "x.xlsx"
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("export_monthly_report", *args, "--out", str(out))
    assert not out.exists()


def test_command_takes_a_division_code(programme: None, tmp_path: Path) -> None:
    """--unit accepts the unit's division code as check_start_criteria does."""
    path = export(tmp_path, "--month", "3", "--unit", "411702")
    sheet = load_workbook(path)[f"进展情况·{workbooks.WORKING_COPY}"]
    assert sheet["A1"].value.startswith("驿城区")


# --- the pure writer at scale -------------------------------------------------------------------


def synthetic_city(projects: int) -> CityMonthly:
    """A city report with ``projects`` projects not started, as the writer takes it."""
    columns = (MilestoneColumn("new_started_half", "6月底开工量达50%", date(2022, 6, 30)),)
    row = ProgressRow(
        "驿城区", 4804, 2500, 520, 3363, 100, 29, 962, 962, 1000, Decimal("1.5"), 12, 30,
        (MilestoneCell("new_started_half", 2402, 2500, "已完成"),),
    )  # fmt: skip
    return CityMonthly(
        year=2022,
        month=6,
        as_of=date(2022, 6, 30),
        milestone_columns=columns,
        city_row=row,
        rows=(row,) * 11,
        unallocated=(),
        not_started=[
            NotStartedRow("驿城区", f"建设路{i}号院", 100, "居民同意、进场施工")
            for i in range(projects)
        ],
        timeliness=TimelinessTable(as_of=date(2022, 7, 8), rows=()),
        digest="0" * 64,
    )


def peak_memory(data: CityMonthly, path: Path) -> int:
    tracemalloc.start()
    try:
        with path.open("wb") as out:
            workbooks.city_monthly_workbook(data, out=out)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_writer_memory_does_not_grow_with_the_rows(tmp_path: Path) -> None:
    """Write-only mode: ten times the projects need about the same peak memory while writing."""
    small, large = synthetic_city(500), synthetic_city(5000)
    peak_small = peak_memory(small, tmp_path / "small.xlsx")
    peak_large = peak_memory(large, tmp_path / "large.xlsx")
    assert peak_large < 1.5 * peak_small
    rows = load_workbook(tmp_path / "large.xlsx")["未开工项目"].max_row
    assert rows == 4 + 5000 + 2


def test_a_failed_write_writes_nothing_and_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer that fails half-way (here at the last sheet) writes nothing to its output, and the
    temporary files the rows were kept in are gone; a good write leaves none either."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("half-way")

    out = io.BytesIO()
    with monkeypatch.context() as patch:
        patch.setattr(workbooks, "_timeliness_sheet", broken)
        with pytest.raises(RuntimeError, match="half-way"):
            workbooks.city_monthly_workbook(synthetic_city(50), out=out)
    assert out.getvalue() == b""
    assert list(tmp_path.iterdir()) == []
    assert workbooks.city_monthly_workbook(synthetic_city(50)).startswith(b"PK")
    assert list(tmp_path.iterdir()) == []
