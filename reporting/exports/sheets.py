"""The official-style sheet: the styles, the title and date lines, two merged header rows, frozen
panes, A4 landscape printing with the header rows repeated, and the footer saying what the figures
are (``Provenance``). Rows stream into a write-only worksheet."""

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import IO, Any

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange

from projects.rules.dates import cn_date
from projects.xlsx import (
    EMPTY,
    NONE_MARK,
    CellStyle,
    CellValue,
    register_styles,
    safe_text,
    write_only_cell,
)

CITY = "驻马店市"
UNITS_NOTE = "单位：户、万元"

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


DIGEST_MISMATCH = "警告：月报摘要与数据不符，数据在审核后被改动，本表数据不可信"


def report_provenance(digest: str, intact: bool = True) -> Provenance:
    """A valid report's figures, with the report's own stored digest (the one its page shows); when
    the digest no longer matches the stored figures, a warning in every footer and note."""
    if not intact:
        return Provenance(
            f"{DIGEST_MISMATCH}（月报摘要 SHA-256：{digest}）",
            f"{DIGEST_MISMATCH}。月报摘要（SHA-256）：{digest}",
        )
    return Provenance(
        f"月报摘要 SHA-256：{digest}", f"月报摘要（SHA-256，与月报页面所示一致）：{digest}"
    )


def table_provenance(digest: str) -> Provenance:
    """A table compiled by the portal (the city's compilation, the assessment): its own digest."""
    return Provenance(f"SHA-256：{digest}", f"本表数据摘要（SHA-256）：{digest}")


def units_digest_mismatch(units: Sequence[str]) -> str:
    """The warning for a compilation some of whose units' reports no longer match their digest."""
    return (
        f"警告：{'、'.join(units)}的月报摘要与数据不符，数据在审核后被改动，"
        "这些区县的数据及合计行不可信"
    )


def city_provenance(digest: str, altered: Sequence[str] = ()) -> Provenance:
    """The city's compilation: its own digest; when a unit's report no longer matches its digest,
    a warning naming the units in every footer and note."""
    if not altered:
        return table_provenance(digest)
    warning = units_digest_mismatch(altered)
    return Provenance(
        f"{warning}（SHA-256：{digest}）", f"{warning}。本表数据摘要（SHA-256）：{digest}"
    )


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


def save_workbook(wb: Any, out: IO[bytes] | None) -> bytes:
    if out is not None:
        wb.save(out)
        return b""
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
