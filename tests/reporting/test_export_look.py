"""The report workbooks look exactly as before they were written with XlsxWriter (issue 17): every
cell's value, type, number format, font, fill, border, alignment and quote prefix, every merge,
column width, row height, frozen pane, print setting, margin and footer equal those of the
reference files in ``golden/``, which the previous writer (openpyxl's write-only mode) wrote from
the same inputs. Only the representation may differ (shared or inline strings, a colour's alpha
byte, the named styles' names), never what a spreadsheet shows or prints.

The inputs are built here, without the database, to reach every kind of row: the city's table with
an unreported unit, an altered report, the unallocated targets, names that look like formulas or
like XlsxWriter's rich-string markup; a unit's valid report and its working copy; the assessment.

To rewrite the references after an intended change of the look:
``WRITE_GOLDENS=1 .venv/bin/pytest tests/reporting/test_export_look.py``.
"""

import html
import io
import os
import re
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.cell import Cell
from openpyxl.styles.colors import Color
from openpyxl.utils import get_column_letter

from reporting.exports import sheets, workbooks
from reporting.exports.rows import (
    Assessment,
    AssessmentRow,
    CityMonthly,
    MilestoneCell,
    MilestoneColumn,
    NotStartedRow,
    ProgressRow,
    ProjectRow,
    ReportCounts,
    ReportRecord,
    TimelinessRow,
    TimelinessTable,
    UnallocatedRow,
    UnitMonthly,
    UnreportedRow,
)

GOLDEN = Path(__file__).parent / "golden"
RICH_MARKUP = '<r><t>a</t></r></is><f>HYPERLINK("http://x","y")</f><is><r><t>b</t></r>'
COLUMNS = (
    MilestoneColumn("new_started_half", "6月底开工量达50%", date(2022, 6, 30), "new_started"),
    MilestoneColumn("new_completed_70", "12月底完成改造70%", date(2022, 12, 31), "new_completed"),
)


def _cells(status: str, needed: int | None = 2402, actual: int | None = 2500) -> tuple[Any, ...]:
    return (
        MilestoneCell("new_started_half", needed, actual, status),
        MilestoneCell("new_completed_70", None, None, "无目标"),
    )


def _row(label: str, started: int, tenths: int | None = 520) -> ProgressRow:
    return ProgressRow(
        label, 4804, started, tenths, 3363, 100, 29, None, 962, None, Decimal("42892.6"), 12, 30,
        _cells("已完成"),
    )  # fmt: skip


def _timeliness() -> TimelinessTable:
    return TimelinessTable(
        as_of=date(2022, 7, 8),
        rows=(
            TimelinessRow(
                "驿城区", 2, "市老旧办已接收", datetime(2022, 7, 3, 9, 30),
                datetime(2022, 7, 4, 17, 5, 59), "按时报送", "=cmd|' /C calc'!A0",
            ),
            TimelinessRow("西平县", None, "未填报", None, None, "漏报", ""),
        ),
    )  # fmt: skip


TOTAL = ProgressRow(
    "已报送区县合计\n（2个）", 9608, 2500, 260, 6726, 200, 29, None, 1924, None,
    Decimal("85785.2000"), 24, 60, tuple(MilestoneCell(c.key, None, None, "—") for c in COLUMNS),
)  # fmt: skip
UNALLOCATED = (
    UnallocatedRow("未分解到区县的目标", 120, 80, None, "全市目标中来源文件未分解到区县的部分"),
    UnallocatedRow("未列明区县的续建目标", None, None, 300, "续建目标所属区县在来源文件中缺失"),
)


def city() -> CityMonthly:
    """June: 驿城区 and 西平县 reported (西平县's report altered), 上蔡县 not; unallocated targets."""
    rows = (_row("驿城区", 2500), UnreportedRow("上蔡县"), _row("西平县", 0, None))
    return CityMonthly(
        year=2022,
        month=6,
        as_of=date(2022, 6, 30),
        milestone_columns=COLUMNS,
        city_row=TOTAL,
        rows=rows,
        unallocated=UNALLOCATED,
        not_started=[
            NotStartedRow("驿城区", "建设路1号院", 120, "居民同意、进场施工"),
            NotStartedRow("驿城区", '=HYPERLINK("http://x","y")', 30, "施工合同"),
            NotStartedRow("西平县", RICH_MARKUP, 45, ""),
            NotStartedRow("西平县", " 前后有空格的小区 ", 1, "居民同意"),
        ],
        timeliness=_timeliness(),
        digest="a" * 64,
        unreported=("上蔡县",),
        digest_mismatch=("西平县",),
    )


def city_without_rows() -> CityMonthly:
    """A month in which every unit reported, nothing waits to start and no report was filed yet."""
    return CityMonthly(
        year=2022,
        month=1,
        as_of=date(2022, 1, 31),
        milestone_columns=COLUMNS,
        city_row=TOTAL,
        rows=(_row("驿城区", 0),),
        unallocated=(),
        not_started=[],
        timeliness=TimelinessTable(as_of=date(2022, 2, 8), rows=()),
        digest="b" * 64,
    )


def _projects() -> list[ProjectRow]:
    return [
        ProjectRow("建设路1号院", "新开工", 120, Decimal("300.5"), date(2022, 6, 10), None, None,
                   date(2022, 5, 2), "同意率未达80%；=SUM(A1)"),
        ProjectRow("续建1号院", "续建", 30, Decimal("80"), None, date(2022, 5, 15),
                   date(2022, 6, 1)),
    ]  # fmt: skip


def unit_valid() -> UnitMonthly:
    """驿城区's June report as approved and received, with long notes."""
    return UnitMonthly(
        year=2022,
        month=6,
        as_of=date(2022, 6, 30),
        unit="驿城区",
        milestone_columns=COLUMNS,
        row=_row("驿城区", 2500),
        projects=_projects(),
        not_started=[NotStartedRow("驿城区", "建设路3号院", 25, "居民同意、违建拆除")],
        timeliness=_timeliness(),
        digest="c" * 64,
        record=ReportRecord(
            version=2,
            state_label="市老旧办已接收",
            approved_by="张伟",
            approved_at=datetime(2022, 7, 3, 9, 30),
            received_by="王芳",
            received_at=datetime(2022, 7, 5, 10, 0),
            problems="=建设路3号院居民意见分歧，同意率未达80%\n" + "说明" * 80,
            next_plan="7月完成建设路3号院设计公示",
            digest="c" * 64,
            digest_intact=False,
        ),
    )


def unit_working_copy() -> UnitMonthly:
    """驿城区's July without a valid report, and an old report's month without a project list."""
    data = unit_valid()
    return UnitMonthly(
        year=2022,
        month=7,
        as_of=date(2022, 7, 31),
        unit="驿城区",
        milestone_columns=COLUMNS,
        row=data.row,
        projects=[],
        not_started=[],
        timeliness=TimelinessTable(as_of=date(2022, 8, 8), rows=()),
        digest="",
        record=None,
        projects_frozen=False,
    )


def assessment() -> Assessment:
    return Assessment(
        year=2022,
        as_of=date(2022, 12, 31),
        milestone_columns=COLUMNS,
        rows=(
            AssessmentRow("驿城区", ReportCounts(11, 9, 1, 1, 0, 0), _cells("已完成")),
            AssessmentRow("上蔡县", None, _cells("未完成", None, None)),
        ),
        digest="d" * 64,
    )


SAMPLES: dict[str, Callable[[], bytes]] = {
    "city": lambda: workbooks.city_monthly_workbook(city()),
    "city_without_rows": lambda: workbooks.city_monthly_workbook(city_without_rows()),
    "unit_valid": lambda: workbooks.unit_monthly_workbook(unit_valid()),
    "unit_working_copy": lambda: workbooks.unit_monthly_workbook(unit_working_copy()),
    "assessment": lambda: workbooks.assessment_workbook(assessment()),
}


# --- what a spreadsheet shows and prints --------------------------------------------------------


def _rgb(color: Color | None) -> str | None:
    """A colour as its six hex digits (the alpha byte is ignored by spreadsheets), or its theme."""
    if color is None:
        return None
    if color.type == "rgb":
        return str(color.rgb)[-6:]
    return f"{color.type}:{color.value}"


def _look(cell: Cell) -> tuple[Any, ...]:
    font, fill, border, align = cell.font, cell.fill, cell.border, cell.alignment
    solid = fill.patternType == "solid"
    return (
        cell.value,
        cell.data_type,
        cell.number_format,
        bool(cell.quotePrefix),
        (font.name, font.sz, bool(font.b), bool(font.i), font.u, bool(font.strike)),
        _rgb(font.color),
        font.family,
        font.scheme,
        (fill.patternType, _rgb(fill.fgColor) if solid else None),
        tuple(
            (side.style, _rgb(side.color)) if side is not None and side.style else None
            for side in (border.left, border.right, border.top, border.bottom)
        ),
        (align.horizontal, align.vertical, bool(align.wrap_text), align.indent),
        (cell.protection.locked, cell.protection.hidden),
    )


def _footer(item: Any) -> tuple[Any, ...]:
    return tuple((part.text, part.size, part.font) for part in (item.left, item.center, item.right))


def workbook_look(content: bytes) -> dict[str, Any]:
    """Everything about a workbook a spreadsheet shows or prints, sheet by sheet."""
    wb = load_workbook(io.BytesIO(content))
    sheets: dict[str, Any] = {}
    for ws in wb:
        margins = ws.page_margins
        setup = ws.page_setup
        sheets[ws.title] = {
            "cells": {c.coordinate: _look(c) for row in ws.iter_rows() for c in row},
            "size": (ws.max_row, ws.max_column),
            "merged": sorted(str(r) for r in ws.merged_cells.ranges),
            # A run of columns of one width may be stored as one element.
            "widths": {
                get_column_letter(i): d.width
                for d in ws.column_dimensions.values()
                if d.customWidth and d.width
                for i in range(d.min, d.max + 1)
            },
            "heights": {k: d.height for k, d in ws.row_dimensions.items() if d.height is not None},
            "freeze": ws.freeze_panes,
            "print_titles": (ws.print_title_rows, ws.print_title_cols),
            "setup": (
                setup.orientation,
                int(setup.paperSize or 0),
                int(setup.fitToWidth if setup.fitToWidth is not None else 1),
                int(setup.fitToHeight if setup.fitToHeight is not None else 1),
                bool(ws.sheet_properties.pageSetUpPr and ws.sheet_properties.pageSetUpPr.fitToPage),
                bool(ws.print_options.horizontalCentered),
            ),
            "margins": tuple(
                float(getattr(margins, side))
                for side in ("left", "right", "top", "bottom", "header", "footer")
            ),
            "footer": _footer(ws.oddFooter),
            "header": _footer(ws.oddHeader),
        }
    return {"sheets": list(wb.sheetnames), "by_sheet": sheets}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_workbook_looks_as_the_reference(name: str) -> None:
    """The workbook equals its reference in every value, style, merge, width, height, pane and print
    setting, cell by cell."""
    content = SAMPLES[name]()
    path = GOLDEN / f"{name}.xlsx"
    if os.environ.get("WRITE_GOLDENS") == "1":
        GOLDEN.mkdir(exist_ok=True)
        path.write_bytes(content)
    expected = workbook_look(path.read_bytes())
    got = workbook_look(content)
    assert got["sheets"] == expected["sheets"]
    for title, sheet in expected["by_sheet"].items():
        mine = got["by_sheet"][title]
        for key, value in sheet.items():
            if key == "cells":
                for coordinate, look in value.items():
                    assert mine["cells"].get(coordinate) == look, (title, coordinate)
                assert mine["cells"].keys() == value.keys(), title
            else:
                assert mine[key] == value, (title, key)


def test_no_markup_or_formula_reaches_a_sheet() -> None:
    """A name that looks like XlsxWriter's rich-string markup is written as the text it is: no
    formula element and no unescaped markup in any worksheet; read back it is the same text."""
    content = SAMPLES["city"]()
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for part in archive.namelist():
            if part.startswith("xl/worksheets/"):
                xml = archive.read(part)
                assert b"<f>" not in xml and b"<f " not in xml, part
                assert b"</is><f>" not in xml, part
    ws = load_workbook(io.BytesIO(content))["未开工项目"]
    names = [c.value for c in ws["C"]]
    assert RICH_MARKUP in names
    assert '=HYPERLINK("http://x","y")' in names


def test_a_long_footer_is_shortened_to_excels_limit() -> None:
    """Excel refuses a footer over 255 characters: with forty units' reports altered the footer
    keeps how the warning begins and the digest it ends with, the note under the table says it all."""
    units = tuple(f"模拟区县{i:04d}" for i in range(40))
    data = city()
    data = CityMonthly(**{**data.__dict__, "digest_mismatch": units})
    content = workbooks.city_monthly_workbook(data)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheets_xml = [archive.read(n).decode() for n in archive.namelist() if "worksheets/" in n]
    assert len(sheets_xml) == 4
    for xml in sheets_xml:
        [footer] = re.findall(r"<oddFooter>(.*?)</oddFooter>", xml)
        footer = html.unescape(footer)
        assert len(footer) <= sheets.FOOTER_LIMIT
        assert footer.startswith("&L&7 警告：模拟区县0000、")
        assert f"（SHA-256：{'a' * 64}）&C第 &P 页" in footer
    ws = load_workbook(io.BytesIO(content))["进展情况"]
    notes = [c.value for c in ws["A"] if isinstance(c.value, str)]
    assert any(units[-1] in n and "a" * 64 in n for n in notes)


def test_a_footer_within_the_limit_is_kept_whole() -> None:
    """A footer that fits is not touched."""
    assert (
        sheets.fit_footer("警告：驿城区" + "x" * 100, "&L&7 &C第 &P 页")
        == "警告：驿城区" + "x" * 100
    )
