"""Pure workbook writers: plain frozen dataclasses in, an .xlsx out, laid out like the official tables.

Every sheet has the table's title merged across it, a line with the date (截至…) and the units, two
merged header rows (group headers such as 新开工 / 完成改造 / 续建 / 阶段任务 over their columns),
frozen panes below the headers, A4 landscape printing fitted to the page width with the header rows
repeated, and a footer saying what the figures are (a valid report's own digest, a table's digest,
or a working copy from the live records, which has none), the date and the page number. The workbook
is written in openpyxl's write-only mode: rows stream to disk, so memory stays constant and time
grows linearly with the rows.
"""

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange

from .cells import (
    EMPTY,
    NONE_MARK,
    CellStyle,
    CellValue,
    count,
    households,
    percent_from_tenths,
    register_styles,
    safe_text,
    wan_yuan,
    when,
    write_only_cell,
)

CITY = "驻马店市"
UNITS_NOTE = "单位：户、万元"

# --- inputs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MilestoneColumn:
    """A milestone as a column of the tables: its key, its name and its due date."""

    key: str
    label: str
    due: date


@dataclass(frozen=True)
class MilestoneCell:
    """A milestone judged for one row: the least households that meet it (None: no target), the
    households judged (None: not in the reports), and the status's label."""

    key: str
    needed: int | None
    actual: int | None
    status: str


@dataclass(frozen=True)
class ProgressRow:
    """One row of the progress table (a unit or the city): targets, figures, shares in tenths of a
    percent (None where the target is unknown or 0), projects, investment and milestones."""

    label: str
    new_target: int | None
    new_started: int
    started_share_tenths: int | None
    completion_target: int | None
    new_completed: int
    completed_share_tenths: int | None
    carryover_target: int | None
    carryover_completed: int
    carryover_share_tenths: int | None
    investment_completed: Decimal
    projects_started: int
    projects_total: int
    milestones: tuple[MilestoneCell, ...]


@dataclass(frozen=True)
class UnallocatedRow:
    """A part of the city's targets the source allocates to no unit (never invented, shown apart)."""

    label: str
    new_target: int | None
    completion_target: int | None
    carryover_target: int | None
    note: str


@dataclass(frozen=True)
class NotStartedRow:
    """A 2022 project not started at month end and the start criteria it still lacks."""

    unit: str
    project: str
    households: int
    missing: str


@dataclass(frozen=True)
class TimelinessRow:
    """How a unit's monthly report arrived: its version, state, times (local, naive), timeliness
    (按时, 迟报, 漏报, …) and the digest of its figures."""

    unit: str
    version: int | None
    state_label: str
    submitted_at: datetime | None
    approved_at: datetime | None
    timeliness_label: str
    digest: str


@dataclass(frozen=True)
class TimelinessTable:
    """The reports' timeliness judged on one day: the 报送情况 sheet is headed with that day."""

    as_of: date
    rows: Sequence[TimelinessRow]


@dataclass(frozen=True)
class ProjectRow:
    """One project of a unit's report, with the dates recorded by month end (later ones left out)."""

    name: str
    kind_label: str
    households: int
    investment: Decimal
    started_on: date | None
    completed_on: date | None
    accepted_on: date | None
    consent_met_on: date | None = None


@dataclass(frozen=True)
class UnreportedRow:
    """A unit of the city's table without a valid report for the month: named, no figures."""

    label: str


@dataclass(frozen=True)
class ReportRecord:
    """The valid version of a unit's month as the record: its version and state, the notes, who
    approved it and when (local time), who received it and when, and its own stored digest."""

    version: int
    state_label: str
    approved_by: str
    approved_at: datetime | None
    received_by: str
    received_at: datetime | None
    problems: str
    next_plan: str
    digest: str


@dataclass(frozen=True)
class CityMonthly:
    """The city's monthly report for one month, compiled from the units' valid reports: each unit's
    row (or UnreportedRow), the total of the rows shown, the unallocated targets, the projects not
    started as the reports froze them, the reports' timeliness and the digest of it all."""

    year: int
    month: int
    as_of: date
    milestone_columns: tuple[MilestoneColumn, ...]
    city_row: ProgressRow
    rows: tuple[ProgressRow | UnreportedRow, ...]
    unallocated: tuple[UnallocatedRow, ...]
    not_started: Sequence[NotStartedRow]
    timeliness: TimelinessTable
    digest: str
    unreported: tuple[str, ...] = ()
    without_project_list: tuple[str, ...] = ()


@dataclass(frozen=True)
class UnitMonthly:
    """One unit's monthly report: its row, its projects, those not started, its reports' timeliness.
    ``record`` is the valid version the figures were frozen in; None makes the workbook a working
    copy from the live records (按当前项目记录（未报送）), which has no report digest."""

    year: int
    month: int
    as_of: date
    unit: str
    milestone_columns: tuple[MilestoneColumn, ...]
    row: ProgressRow
    projects: Sequence[ProjectRow]
    not_started: Sequence[NotStartedRow]
    timeliness: TimelinessTable
    digest: str
    record: ReportRecord | None = None
    projects_frozen: bool = True


@dataclass(frozen=True)
class ReportCounts:
    """A unit's monthly reports over the year, by how they arrived (from the report workflow)."""

    due: int
    on_time: int
    late: int
    missing: int
    wrong: int
    concealed: int


@dataclass(frozen=True)
class AssessmentRow:
    """A unit's line of the annual assessment: its reports (None until the workflow supplies them)
    and its milestones."""

    unit: str
    reports: ReportCounts | None
    milestones: tuple[MilestoneCell, ...]


@dataclass(frozen=True)
class Assessment:
    """The annual assessment table (年度考核评价) as of a date."""

    year: int
    as_of: date
    milestone_columns: tuple[MilestoneColumn, ...]
    rows: tuple[AssessmentRow, ...]
    digest: str


# --- styles -------------------------------------------------------------------------------------

FONT = "宋体"
TITLE_FONT = "黑体"
PAPER_A4 = 9  # ECMA-376 paper size code
_THIN = Side(style="thin", color="000000")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
_RIGHT = Alignment(horizontal="right", vertical="center")

_BODY_FONT = Font(name=FONT, size=10)
_BOLD_FONT = Font(name=FONT, size=10, bold=True)
_ASIDE_FONT = Font(name=FONT, size=10, italic=True, color="595959")

TITLE = CellStyle("报表标题", font=Font(name=TITLE_FONT, size=16, bold=True), alignment=_CENTER)
SUBTITLE_LEFT = CellStyle("报表副标题", font=_BODY_FONT, alignment=_LEFT)
SUBTITLE_RIGHT = CellStyle("报表单位", font=_BODY_FONT, alignment=_RIGHT)
HEADER = CellStyle(
    "报表表头",
    font=_BOLD_FONT,
    fill=PatternFill("solid", fgColor="F2F2F2"),
    border=_BOX,
    alignment=_CENTER,
)
BODY_TEXT = CellStyle("报表文字", font=_BODY_FONT, border=_BOX, alignment=_LEFT)
BODY_CENTER = CellStyle("报表文字居中", font=_BODY_FONT, border=_BOX, alignment=_CENTER)
BODY_NUMBER = CellStyle("报表数字", font=_BODY_FONT, border=_BOX, alignment=_RIGHT)
TOTAL_TEXT = CellStyle("报表合计文字", font=_BOLD_FONT, border=_BOX, alignment=_CENTER)
TOTAL_NUMBER = CellStyle("报表合计数字", font=_BOLD_FONT, border=_BOX, alignment=_RIGHT)
ASIDE_TEXT = CellStyle("报表备查文字", font=_ASIDE_FONT, border=_BOX, alignment=_LEFT)
ASIDE_NUMBER = CellStyle("报表备查数字", font=_ASIDE_FONT, border=_BOX, alignment=_RIGHT)
ASIDE_CENTER = CellStyle("报表备查居中", font=_ASIDE_FONT, border=_BOX, alignment=_CENTER)
NOTE = CellStyle("报表注释", font=Font(name=FONT, size=9), alignment=_LEFT)
STYLES = (
    TITLE,
    SUBTITLE_LEFT,
    SUBTITLE_RIGHT,
    HEADER,
    BODY_TEXT,
    BODY_CENTER,
    BODY_NUMBER,
    TOTAL_TEXT,
    TOTAL_NUMBER,
    ASIDE_TEXT,
    ASIDE_NUMBER,
    ASIDE_CENTER,
    NOTE,
)


@dataclass(frozen=True)
class RowStyle:
    """How a kind of row looks: its text cells, its centred cells and its numbers."""

    text: CellStyle
    center: CellStyle
    number: CellStyle


BODY = RowStyle(BODY_TEXT, BODY_CENTER, BODY_NUMBER)
TOTAL = RowStyle(TOTAL_TEXT, TOTAL_TEXT, TOTAL_NUMBER)
ASIDE = RowStyle(ASIDE_TEXT, ASIDE_CENTER, ASIDE_NUMBER)


# --- what the figures are ------------------------------------------------------------------------

WORKING_COPY = "按当前项目记录（未报送）"


@dataclass(frozen=True)
class Provenance:
    """What a workbook's figures are, said on every sheet: the footer's left part, the note under
    each table and, for a working copy, the mark added to every sheet's name and title."""

    footer: str
    note: str
    mark: str = ""


def report_provenance(digest: str) -> Provenance:
    """A valid report's figures, with the report's own stored digest (the one its page shows)."""
    return Provenance(
        f"月报摘要 SHA-256：{digest}", f"月报摘要（SHA-256，与月报页面所示一致）：{digest}"
    )


def table_provenance(digest: str) -> Provenance:
    """A table compiled by the portal (the city's compilation, the assessment): its own digest."""
    return Provenance(f"SHA-256：{digest}", f"本表数据摘要（SHA-256）：{digest}")


WORKING_COPY_PROVENANCE = Provenance(
    f"{WORKING_COPY}：非有效月报，无月报摘要",
    f"本表{WORKING_COPY}生成：本月尚无经单位领导审核盖章的有效月报，本表不是月报，不附月报摘要。",
    mark=WORKING_COPY,
)


# --- the sheet writer ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column: its header, its width in characters, the group header above it ("" when the
    header spans both header rows) and whether its text is centred."""

    header: str
    width: float
    group: str = ""
    center: bool = False


def cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def month_title(subject: str, table: str, year: int, month: int) -> str:
    """驻马店市城镇老旧小区改造进展情况月报（2022年6月）."""
    return f"{subject}城镇老旧小区改造{table}（{year}年{month}月）"


class SheetWriter:
    """Writes one official-style table into a write-only worksheet, row by row."""

    HEADER_ROWS = 4  # title, date line, two header rows

    def __init__(
        self,
        wb: Any,
        *,
        name: str,
        title: str,
        as_of: date,
        columns: Sequence[Column],
        provenance: Provenance,
        frozen_columns: int = 2,
        units_note: str = UNITS_NOTE,
    ) -> None:
        register_styles(wb, STYLES)
        mark = provenance.mark
        self.ws = wb.create_sheet(title=f"{name}·{mark}" if mark else name)
        self.provenance = provenance
        self.columns = tuple(columns)
        self.width = len(self.columns)
        self.row_index = 0
        ws = self.ws
        for i, column in enumerate(self.columns, 1):
            ws.column_dimensions[get_column_letter(i)].width = column.width
        ws.freeze_panes = f"{get_column_letter(frozen_columns + 1)}{self.HEADER_ROWS + 1}"
        self._print_setup(as_of=as_of)
        self._title_rows(
            title=f"{title}——{mark}" if mark else title,
            as_of=as_of,
            units_note=units_note,
            mark=mark,
        )
        self._header_rows()

    def _print_setup(self, *, as_of: date) -> None:
        ws = self.ws
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = PAPER_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_options.horizontalCentered = True
        ws.page_margins.left = ws.page_margins.right = 0.4
        ws.page_margins.top = 0.6
        ws.page_margins.bottom = 0.7
        ws.page_margins.header = 0.3
        ws.page_margins.footer = 0.3
        ws.print_title_rows = f"3:{self.HEADER_ROWS}"
        ws.oddFooter.left.text = self.provenance.footer
        ws.oddFooter.left.size = 7
        ws.oddFooter.center.text = "第 &P 页，共 &N 页"
        ws.oddFooter.right.text = f"截至 {cn_date(as_of)}"

    def _merge(self, first_row: int, first_col: int, last_row: int, last_col: int) -> None:
        if (first_row, first_col) != (last_row, last_col):
            self.ws.merged_cells.add(
                CellRange(min_row=first_row, min_col=first_col, max_row=last_row, max_col=last_col)
            )

    def _append(self, cells: Sequence[Any], height: float | None = None) -> int:
        self.row_index += 1
        if height is not None:
            self.ws.row_dimensions[self.row_index].height = height
        self.ws.append(cells)
        return self.row_index

    def _spanning(self, value: CellValue, style: CellStyle, span: int) -> list[Any]:
        """A value in the first of ``span`` cells; the others carry the style (their borders)."""
        return [
            write_only_cell(self.ws, value, style),
            *(write_only_cell(self.ws, EMPTY, style) for _ in range(span - 1)),
        ]

    def _title_rows(self, *, title: str, as_of: date, units_note: str, mark: str) -> None:
        row = self._append(self._spanning(safe_text(title), TITLE, self.width), height=36)
        self._merge(row, 1, row, self.width)
        # The units note takes the right third; a table without one gives the date the whole row.
        left = max(1, self.width - max(2, self.width // 3)) if units_note else self.width
        heading = f"截至{cn_date(as_of)}" + (f"　{mark}，非有效月报" if mark else "")
        cells = self._spanning(safe_text(heading), SUBTITLE_LEFT, left)
        if self.width > left:
            cells += self._spanning(safe_text(units_note), SUBTITLE_RIGHT, self.width - left)
        row = self._append(cells, height=20)
        self._merge(row, 1, row, left)
        if self.width > left:
            self._merge(row, left + 1, row, self.width)

    def _header_rows(self) -> None:
        top = [
            write_only_cell(self.ws, safe_text(c.group or c.header), HEADER) for c in self.columns
        ]
        bottom = [
            write_only_cell(self.ws, safe_text(c.header) if c.group else EMPTY, HEADER)
            for c in self.columns
        ]
        first = self._append(top, height=30)
        self._append(bottom, height=30)
        i = 0
        while i < self.width:
            group = self.columns[i].group
            j = i
            while group and j + 1 < self.width and self.columns[j + 1].group == group:
                j += 1
            if group:
                self._merge(first, i + 1, first, j + 1)
            else:
                self._merge(first, i + 1, first + 1, i + 1)
            i = j + 1

    def row(
        self, values: Sequence[CellValue], style: RowStyle = BODY, height: float | None = None
    ) -> None:
        """A data row: numbers right-aligned, text left or centred as its column says, "—"
        centred."""
        self._append(
            [
                write_only_cell(self.ws, value, _cell_style(column, value, style))
                for column, value in zip(self.columns, values, strict=True)
            ],
            height=height,
        )

    def spanning_row(
        self,
        first: Sequence[CellValue],
        text: str,
        style: RowStyle = BODY,
        height: float | None = None,
    ) -> None:
        """A row whose leading cells hold ``first`` and whose remaining cells are one merged text
        (centred when it is the whole row)."""
        cells = [
            write_only_cell(self.ws, value, _cell_style(column, value, style))
            for column, value in zip(self.columns, first, strict=False)
        ]
        rest = style.text if first else style.center
        cells += self._spanning(safe_text(text), rest, self.width - len(first))
        row = self._append(cells, height=height)
        self._merge(row, len(first) + 1, row, self.width)

    def note(self, text: str, height: float = 18) -> None:
        """A note below the table, merged across it."""
        row = self._append(self._spanning(safe_text(text), NOTE, self.width), height=height)
        self._merge(row, 1, row, self.width)

    def blank(self) -> None:
        self._append([])

    def close(self) -> None:
        """The note saying what the figures are, under the table."""
        self.note(self.provenance.note)


def _cell_style(column: Column, value: CellValue, style: RowStyle) -> CellStyle:
    if value.data_type != "s":
        return style.number
    if column.center or value.value == NONE_MARK:
        return style.center
    return style.text


def _save(wb: Any, out: IO[bytes] | None) -> bytes:
    if out is not None:
        wb.save(out)
        return b""
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# --- the tables ---------------------------------------------------------------------------------


def _progress_columns(milestones: Sequence[MilestoneColumn]) -> list[Column]:
    return [
        Column("序号", 5, center=True),
        Column("区县", 13, center=True),
        Column("年度目标\n（户）", 9, "新开工"),
        Column("已开工\n（户）", 9, "新开工"),
        Column("开工率", 8, "新开工"),
        Column("目标\n（户）", 9, "完成改造"),
        Column("已完工\n（户）", 9, "完成改造"),
        Column("完成率", 8, "完成改造"),
        Column("目标\n（户）", 9, "2021年续建"),
        Column("已完工\n（户）", 9, "2021年续建"),
        Column("完成率", 8, "2021年续建"),
        Column("计划\n（个）", 7, "新开工项目"),
        Column("已开工\n（个）", 7, "新开工项目"),
        Column("已完工项目\n投资（万元）", 13),
        *(Column(m.label, 11, "阶段任务", center=True) for m in milestones),
    ]


def _progress_values(number: int | None, row: ProgressRow) -> list[CellValue]:
    return [
        count(number) if number is not None else EMPTY,
        safe_text(row.label),
        households(row.new_target),
        households(row.new_started),
        percent_from_tenths(row.started_share_tenths),
        households(row.completion_target),
        households(row.new_completed),
        percent_from_tenths(row.completed_share_tenths),
        households(row.carryover_target),
        households(row.carryover_completed),
        percent_from_tenths(row.carryover_share_tenths),
        count(row.projects_total),
        count(row.projects_started),
        wan_yuan(row.investment_completed),
        *(safe_text(m.status) for m in row.milestones),
    ]


UNREPORTED_TEXT = "未报送：本月无经审核盖章的有效月报，不列数据"

PROGRESS_NOTES = (
    "注：1.开工率、完成率按户数计算，向下取整到0.1%，显示达到某一比例即确已达到；"
    "“—”表示来源文件未列明该项目标或目标为0。",
    "2.阶段任务：截止日前按1月1日起的直线进度判断“进度正常”或“进度滞后”，截止日起按截止日当天的"
    "数据判断“已完成”或“未完成”；目标未知显示“无目标”。",
    "3.已完工项目投资为截至统计日已完工的新开工和续建项目资金概算之和。",
)

CITY_NOTES = (
    "4.各区县数据取自其本月有效月报（经单位领导审核盖章、未被退回的最新版本）审核时冻结的数据，"
    "不按当前项目记录重新计算；未报送的区县只列名称，其当前项目记录见该区县的工作底稿导出。",
    "5.合计行为本表所列已报送区县数据之和（目标亦只合计这些区县），不是全市目标完成情况，"
    "不判断阶段任务。",
)


def _progress_sheet(
    wb: Any,
    *,
    subject: str,
    year: int,
    month: int,
    as_of: date,
    columns: Sequence[MilestoneColumn],
    total: ProgressRow | None,
    rows: Sequence[ProgressRow | UnreportedRow],
    unallocated: Sequence[UnallocatedRow],
    provenance: Provenance,
) -> None:
    sheet = SheetWriter(
        wb,
        name="进展情况",
        title=month_title(subject, "进展情况月报", year, month),
        as_of=as_of,
        columns=_progress_columns(columns),
        provenance=provenance,
    )
    if total is not None:
        # Two lines: the total's label says whose figures it adds up.
        sheet.row(_progress_values(None, total), TOTAL, height=30)
    for number, row in enumerate(rows, 1):
        if isinstance(row, UnreportedRow):
            sheet.spanning_row([count(number), safe_text(row.label)], UNREPORTED_TEXT, ASIDE)
        else:
            sheet.row(_progress_values(number, row))
    for item in unallocated:
        sheet.spanning_row(
            [
                EMPTY,
                safe_text(item.label),
                households(item.new_target),
                safe_text(NONE_MARK),
                safe_text(NONE_MARK),
                households(item.completion_target),
                safe_text(NONE_MARK),
                safe_text(NONE_MARK),
                households(item.carryover_target),
                safe_text(NONE_MARK),
                safe_text(NONE_MARK),
            ],
            item.note,
            ASIDE,
            height=30,
        )
    for text in PROGRESS_NOTES:
        sheet.note(text)
    if total is not None:
        for text in CITY_NOTES:
            sheet.note(text, height=30)
    sheet.close()


def _milestone_sheet(
    wb: Any,
    *,
    subject: str,
    year: int,
    month: int,
    as_of: date,
    columns: Sequence[MilestoneColumn],
    rows: Sequence[ProgressRow | UnreportedRow],
    provenance: Provenance,
) -> None:
    table = [Column("序号", 5, center=True), Column("区县", 13, center=True)]
    for m in columns:
        group = f"{m.label}\n（截止{cn_date(m.due)}）"
        table += [
            Column("达标所需\n（户）", 9, group),
            Column("实际\n（户）", 9, group),
            Column("完成情况", 9, group, center=True),
        ]
    sheet = SheetWriter(
        wb,
        name="阶段任务",
        title=month_title(subject, "阶段任务完成情况", year, month),
        as_of=as_of,
        columns=table,
        provenance=provenance,
    )
    for number, row in enumerate(rows, 1):
        if isinstance(row, UnreportedRow):
            sheet.spanning_row([count(number), safe_text(row.label)], UNREPORTED_TEXT, ASIDE)
            continue
        cells = [count(number), safe_text(row.label)]
        for cell in row.milestones:
            cells += [households(cell.needed), households(cell.actual), safe_text(cell.status)]
        sheet.row(cells)
    sheet.note(
        "注：“达标所需”为达到阶段任务比例的最少户数（以上含本数）；“实际”为截止日与统计日中较早一日的"
        "累计户数（截止日在本月之前的，取截止日所在月份的有效月报数据，无有效月报的显示“—”）；"
        "“—”表示目标未知或无数据。",
        height=42,
    )
    sheet.close()


def _not_started_sheet(
    wb: Any,
    *,
    subject: str,
    year: int,
    month: int,
    as_of: date,
    rows: Iterable[NotStartedRow],
    provenance: Provenance,
    missing_lists: str = "",
) -> None:
    sheet = SheetWriter(
        wb,
        name="未开工项目",
        title=month_title(subject, "未开工项目清单", year, month),
        as_of=as_of,
        columns=[
            Column("序号", 6, center=True),
            Column("区县", 13, center=True),
            Column("小区名称", 28),
            Column("户数", 9),
            Column("尚未满足的开工条件（附件3）", 48),
        ],
        provenance=provenance,
        units_note="单位：户",
        frozen_columns=3,
    )
    empty = True
    for number, row in enumerate(rows, 1):
        empty = False
        sheet.row(
            [
                count(number),
                safe_text(row.unit),
                safe_text(row.project),
                households(row.households),
                safe_text(row.missing),
            ]
        )
    if missing_lists:
        sheet.spanning_row([], missing_lists, ASIDE, height=30)
    elif empty:
        sheet.spanning_row([], "截至统计日，新开工项目均已开工。")
    sheet.note(
        "注：开工认定须五项条件全部满足（附件3）：居民同意、违建拆除、设计公示、施工合同、进场施工；"
        "条件按截至统计日的记录判断。"
    )
    sheet.close()


def _timeliness_sheet(
    wb: Any,
    *,
    subject: str,
    year: int,
    month: int,
    table: TimelinessTable,
    provenance: Provenance,
) -> None:
    sheet = SheetWriter(
        wb,
        name="报送情况",
        title=month_title(subject, "信息月报报送情况", year, month),
        as_of=table.as_of,
        columns=[
            Column("序号", 6, center=True),
            Column("区县", 13, center=True),
            Column("版本", 6),
            Column("状态", 14, center=True),
            Column("报送时间", 18),
            Column("审核时间", 18),
            Column("及时性", 9, center=True),
            Column("月报摘要（SHA-256）", 66),
        ],
        provenance=provenance,
        units_note="",
    )
    empty = True
    for number, row in enumerate(table.rows, 1):
        empty = False
        sheet.row(
            [
                count(number),
                safe_text(row.unit),
                count(row.version) if row.version is not None else EMPTY,
                safe_text(row.state_label),
                when(row.submitted_at),
                when(row.approved_at),
                safe_text(row.timeliness_label),
                safe_text(row.digest),
            ]
        )
    if empty:
        sheet.spanning_row([], "暂无本月信息月报报送记录。")
    sheet.note(
        f"注：及时性按{cn_date(table.as_of)}的报送记录判断。信息月报须经单位领导审核并加盖单位印章"
        "方为有效；次月报送截止日前未有效报送的为迟报，仍未报送的为漏报，因数据错误被退回的为错报。",
        height=30,
    )
    sheet.close()


NOT_FROZEN = (
    "本月报审核时未冻结项目清单（早于项目清单冻结功能的月报），不列项目；不按当前项目记录重新计算。"
)


def _projects_sheet(wb: Any, *, data: UnitMonthly, provenance: Provenance) -> None:
    sheet = SheetWriter(
        wb,
        name="项目明细",
        title=month_title(data.unit, "项目进展明细", data.year, data.month),
        as_of=data.as_of,
        columns=[
            Column("序号", 6, center=True),
            Column("小区名称", 28),
            Column("项目类型", 9, center=True),
            Column("户数", 9),
            Column("资金概算（万元）", 13),
            Column("居民同意达标日期", 14, "进展"),
            Column("开工日期", 14, "进展"),
            Column("完工日期", 14, "进展"),
            Column("验收移交日期", 14, "进展"),
        ],
        provenance=provenance,
    )
    for number, row in enumerate(data.projects, 1):
        sheet.row(
            [
                count(number),
                safe_text(row.name),
                safe_text(row.kind_label),
                households(row.households),
                wan_yuan(row.investment),
                when(row.consent_met_on),
                when(row.started_on),
                when(row.completed_on),
                when(row.accepted_on),
            ]
        )
    if not data.projects_frozen:
        sheet.spanning_row([], NOT_FROZEN, ASIDE)
    sheet.note("注：只列截至统计日已记录的日期；续建项目于2021年开工，不适用2022年开工认定。")
    sheet.close()


def _long_text_height(text: str, per_line: int = 60) -> float:
    lines = sum(max(1, -(-len(part) // per_line)) for part in (text or "—").split("\n"))
    return max(20.0, 16.0 * lines)


def _record_sheet(wb: Any, *, data: UnitMonthly, provenance: Provenance) -> None:
    """The report itself: who approved it and when, its notes and its digest; for a working copy,
    that there is no valid report."""
    sheet = SheetWriter(
        wb,
        name="月报信息",
        title=month_title(data.unit, "信息月报", data.year, data.month),
        as_of=data.as_of,
        columns=[Column("项目", 16, center=True), Column("内容", 90)],
        provenance=provenance,
        units_note="",
        frozen_columns=1,
    )
    record = data.record

    def line(label: str, value: CellValue, height: float | None = None) -> None:
        sheet.row([safe_text(label), value], height=height)

    line("区县", safe_text(data.unit))
    line("报告期", safe_text(f"{data.year}年{data.month}月（数据截至{cn_date(data.as_of)}）"))
    if record is None:
        line(
            "状态",
            safe_text(f"{WORKING_COPY}：本月尚无经单位领导审核盖章的有效月报，本表不是月报"),
        )
        sheet.close()
        return
    line("版本", safe_text(f"第{record.version}版"))
    line("状态", safe_text(record.state_label))
    line("审核人", safe_text(record.approved_by))
    line("审核时间", when(record.approved_at))
    if record.received_at is not None:
        line("接收人（市老旧办）", safe_text(record.received_by))
        line("接收时间", when(record.received_at))
    line("存在问题", safe_text(record.problems or "无"), _long_text_height(record.problems))
    line("下月工作计划", safe_text(record.next_plan or "无"), _long_text_height(record.next_plan))
    line("月报摘要（SHA-256）", safe_text(record.digest))
    sheet.note(
        "注：本表各页数据为该版本经单位领导审核盖章时冻结的数据，此后项目记录的变化不改变本月报。"
    )
    sheet.close()


# --- the workbooks ------------------------------------------------------------------------------


def city_monthly_workbook(data: CityMonthly, out: IO[bytes] | None = None) -> bytes:
    """The city's monthly report compiled from the units' valid reports: progress, milestones,
    projects not started, reports' timeliness. Returns the .xlsx bytes, or writes them to ``out``
    (and returns b"")."""
    wb = Workbook(write_only=True)
    provenance = table_provenance(data.digest)
    common: dict[str, Any] = {
        "subject": CITY,
        "year": data.year,
        "month": data.month,
        "provenance": provenance,
    }
    _progress_sheet(
        wb,
        as_of=data.as_of,
        columns=data.milestone_columns,
        total=data.city_row,
        rows=data.rows,
        unallocated=data.unallocated,
        **common,
    )
    _milestone_sheet(wb, as_of=data.as_of, columns=data.milestone_columns, rows=data.rows, **common)
    missing = []
    if data.unreported:
        missing.append(f"未报送、不列项目的区县：{'、'.join(data.unreported)}")
    if data.without_project_list:
        missing.append(
            f"月报审核时未冻结项目清单、不列项目的区县：{'、'.join(data.without_project_list)}"
        )
    _not_started_sheet(
        wb, as_of=data.as_of, rows=data.not_started, missing_lists="；".join(missing), **common
    )
    _timeliness_sheet(wb, table=data.timeliness, **common)
    return _save(wb, out)


def unit_provenance(data: UnitMonthly) -> Provenance:
    """A unit's valid report carries its own digest; a working copy says what it is on every sheet."""
    if data.record is None:
        return WORKING_COPY_PROVENANCE
    return report_provenance(data.record.digest)


def unit_monthly_workbook(data: UnitMonthly, out: IO[bytes] | None = None) -> bytes:
    """A unit's own monthly report in the city's style: the report's approval and notes, its
    progress row, milestones, projects, projects not started and its reports' timeliness. From the
    valid version's frozen figures, or marked on every sheet as a working copy."""
    wb = Workbook(write_only=True)
    provenance = unit_provenance(data)
    common: dict[str, Any] = {
        "subject": data.unit,
        "year": data.year,
        "month": data.month,
        "provenance": provenance,
    }
    _record_sheet(wb, data=data, provenance=provenance)
    _progress_sheet(
        wb,
        as_of=data.as_of,
        columns=data.milestone_columns,
        total=None,
        rows=(data.row,),
        unallocated=(),
        **common,
    )
    _milestone_sheet(
        wb, as_of=data.as_of, columns=data.milestone_columns, rows=(data.row,), **common
    )
    _projects_sheet(wb, data=data, provenance=provenance)
    _not_started_sheet(
        wb,
        as_of=data.as_of,
        rows=data.not_started,
        missing_lists="" if data.projects_frozen else NOT_FROZEN,
        **common,
    )
    _timeliness_sheet(wb, table=data.timeliness, **common)
    return _save(wb, out)


def assessment_workbook(data: Assessment, out: IO[bytes] | None = None) -> bytes:
    """The annual assessment table: each unit's monthly reports by how they arrived (迟报, 漏报,
    错报, 瞒报) and its milestones' statuses."""
    wb = Workbook(write_only=True)
    columns = [
        Column("序号", 5, center=True),
        Column("区县", 13, center=True),
        Column("应报", 8, "信息月报报送"),
        Column("按时", 8, "信息月报报送"),
        Column("迟报", 8, "信息月报报送"),
        Column("漏报", 8, "信息月报报送"),
        Column("错报", 8, "信息月报报送"),
        Column("瞒报", 8, "信息月报报送"),
        *(Column(m.label, 11, "阶段任务", center=True) for m in data.milestone_columns),
    ]
    sheet = SheetWriter(
        wb,
        name="年度考核评价",
        title=f"{CITY}城镇老旧小区改造年度考核评价表（{data.year}年度）",
        as_of=data.as_of,
        columns=columns,
        provenance=table_provenance(data.digest),
        units_note="单位：次",
    )
    for number, row in enumerate(data.rows, 1):
        r = row.reports
        reports = (
            [count(n) for n in (r.due, r.on_time, r.late, r.missing, r.wrong, r.concealed)]
            if r is not None
            else [safe_text(NONE_MARK)] * 6
        )
        sheet.row(
            [
                count(number),
                safe_text(row.unit),
                *reports,
                *(safe_text(m.status) for m in row.milestones),
            ]
        )
    sheet.note(
        "注：迟报、漏报、瞒报、错报等情况纳入年度考核评价内容（驻旧改〔2022〕1号）；"
        "“—”表示尚无报送记录。报送情况按表头所示日期判断，阶段任务按该日（不晚于年度末）的数据判断。",
        height=30,
    )
    sheet.close()
    return _save(wb, out)
