"""The official-style sheet: the styles, the title and date lines, two merged header rows, frozen
panes, A4 landscape printing with the header rows repeated, and the footer saying what the figures
are (``Provenance``). Rows stream into an XlsxWriter worksheet in constant memory: each row is
written out when the next one begins, so memory stays flat however many rows a table has."""

import io
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import IO

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from projects.rules.dates import cn_date
from projects.xlsx import EMPTY, NONE_MARK, CellValue, Look, XlsxCells, safe_text

CITY = "驻马店市"
UNITS_NOTE = "单位：户、万元"

# --- styles -------------------------------------------------------------------------------------

FONT = "宋体"
TITLE_FONT = "黑体"
PAPER_A4 = 9  # ECMA-376 paper size code
ASIDE_COLOR = "595959"


def _look(
    name: str,
    align: str,
    *,
    font: str = FONT,
    size: int = 10,
    box: bool = True,
    bold: bool = False,
    italic: bool = False,
    color: str | None = None,
    fill: str | None = None,
) -> Look:
    """A look aligned "center" (both ways, wrapped), "left" (wrapped) or "right" (a figure, on one
    line), vertically centred."""
    return Look(
        name,
        font,
        size,
        bold=bold,
        italic=italic,
        color=color,
        fill=fill,
        box=box,
        horizontal=align,
        vertical="center",
        wrap=align != "right",
    )


TITLE = _look("报表标题", "center", font=TITLE_FONT, size=16, bold=True, box=False)
SUBTITLE_LEFT = _look("报表副标题", "left", box=False)
SUBTITLE_RIGHT = _look("报表单位", "right", box=False)
HEADER = _look("报表表头", "center", bold=True, fill="F2F2F2")
BODY_TEXT = _look("报表文字", "left")
BODY_CENTER = _look("报表文字居中", "center")
BODY_NUMBER = _look("报表数字", "right")
TOTAL_TEXT = _look("报表合计文字", "center", bold=True)
TOTAL_NUMBER = _look("报表合计数字", "right", bold=True)
ASIDE_TEXT = _look("报表备查文字", "left", italic=True, color=ASIDE_COLOR)
ASIDE_NUMBER = _look("报表备查数字", "right", italic=True, color=ASIDE_COLOR)
ASIDE_CENTER = _look("报表备查居中", "center", italic=True, color=ASIDE_COLOR)
NOTE = _look("报表注释", "left", size=9, box=False)


@dataclass(frozen=True)
class RowStyle:
    """How a kind of row looks: its text cells, its centred cells and its numbers."""

    text: Look
    center: Look
    number: Look


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


class ReportWorkbook:
    """An XlsxWriter workbook written in constant memory, used as a context manager: leaving the
    block writes the file to ``out`` (or to ``content``); an exception inside it writes nothing.
    Either way the temporary files XlsxWriter keeps rows in (one per sheet) go with their
    directory. Text is never taken for a formula, a number or a link, whoever writes into it."""

    def __init__(self, out: IO[bytes] | None = None) -> None:
        self._buffer = io.BytesIO() if out is None else None
        self._scratch = tempfile.TemporaryDirectory(prefix="report-xlsx-")
        self.book = Workbook(
            out if out is not None else self._buffer,
            {
                "constant_memory": True,
                "tmpdir": self._scratch.name,
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
            },
        )
        self.cells = XlsxCells(self.book)
        self.content = b""

    def __enter__(self) -> "ReportWorkbook":
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        try:
            if kind is None:
                self.book.close()
                if self._buffer is not None:
                    self.content = self._buffer.getvalue()
        finally:
            self._scratch.cleanup()


class _Sheet(Worksheet):
    """XlsxWriter's worksheet, merging cells already written. In constant memory a row is written
    out when the next begins, and ``merge_range`` writes the merged cells itself and refuses a
    range whose first row is out already, which a header cell spanning both header rows always is;
    the sheet writer writes every cell itself, styled, and only records the ranges (XlsxWriter
    writes them as the sheet's mergeCells when the file is closed)."""

    def merge_written(self, first_row: int, first_col: int, last_row: int, last_col: int) -> None:
        self.merge.append([first_row, first_col, last_row, last_col])


# Excel stores a column's width in characters of the default font's digit (7 pixels wide) and
# XlsxWriter a width given in pixels as pixels / 7: this keeps the widths the sheets always had.
_DIGIT_PIXELS = 7
# Excel refuses a header or footer longer than 255 characters, its format codes included.
FOOTER_LIMIT = 255


def fit_footer(left: str, rest: str, limit: int = FOOTER_LIMIT) -> str:
    """The left part of a footer shortened in its middle (keeping how it begins and the digest it
    ends with) so that it and ``rest`` fit Excel's limit; the note under the table says it whole."""
    room = limit - len(rest)
    if len(left) <= room:
        return left
    tail = min(80, room // 2)
    return left[: room - tail - 1] + "…" + left[len(left) - tail :]


class SheetWriter:
    """Writes one official-style table into a worksheet of ``wb``, row by row."""

    HEADER_ROWS = 4  # title, date line, two header rows

    def __init__(
        self,
        wb: ReportWorkbook,
        *,
        name: str,
        title: str,
        as_of: date,
        columns: Sequence[Column],
        provenance: Provenance,
        frozen_columns: int = 2,
        units_note: str = UNITS_NOTE,
    ) -> None:
        mark = provenance.mark
        self.ws: _Sheet = wb.book.add_worksheet(f"{name}·{mark}" if mark else name, _Sheet)
        self.cells = wb.cells
        self.provenance = provenance
        self.columns = tuple(columns)
        self.width = len(self.columns)
        self.row_index = 0  # rows written; the next row is written at this index (from 0)
        ws = self.ws
        for i, column in enumerate(self.columns):
            ws.set_column_pixels(i, i, round(column.width * _DIGIT_PIXELS))
        ws.freeze_panes(self.HEADER_ROWS, frozen_columns)
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
        ws.set_landscape()
        ws.set_paper(PAPER_A4)
        ws.fit_to_pages(1, 0)
        ws.center_horizontally()
        ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.7)
        ws.repeat_rows(2, self.HEADER_ROWS - 1)
        rest = f"&C第 &P 页，共 &N 页&R截至 {cn_date(as_of)}"
        left = fit_footer(self.provenance.footer, f"&L&7 {rest}")
        ws.set_footer(f"&L&7 {left}{rest}", margin=0.3)
        ws.set_header("", margin=0.3)

    def _merge(self, first_row: int, first_col: int, last_row: int, last_col: int) -> None:
        """Merges the block (rows and columns from 0) whose cells are written."""
        if (first_row, first_col) != (last_row, last_col):
            self.ws.merge_written(first_row, first_col, last_row, last_col)

    def _next_row(self, height: float | None = None) -> int:
        row = self.row_index
        self.row_index += 1
        if height is not None:
            self.ws.set_row(row, height)
        return row

    def _spanning(self, row: int, first: int, value: CellValue, look: Look, span: int) -> None:
        """A value in the first of ``span`` cells from column ``first``; the others carry the look
        (their borders), and the block is merged."""
        write = self.cells.write
        write(self.ws, row, first, value, look)
        for col in range(first + 1, first + span):
            write(self.ws, row, col, EMPTY, look)
        self._merge(row, first, row, first + span - 1)

    def _title_rows(self, *, title: str, as_of: date, units_note: str, mark: str) -> None:
        self._spanning(self._next_row(36), 0, safe_text(title), TITLE, self.width)
        # The units note takes the right third; a table without one gives the date the whole row.
        left = max(1, self.width - max(2, self.width // 3)) if units_note else self.width
        heading = f"截至{cn_date(as_of)}" + (f"　{mark}，非有效月报" if mark else "")
        row = self._next_row(20)
        self._spanning(row, 0, safe_text(heading), SUBTITLE_LEFT, left)
        if self.width > left:
            self._spanning(row, left, safe_text(units_note), SUBTITLE_RIGHT, self.width - left)

    def _header_rows(self) -> None:
        write, ws = self.cells.write, self.ws
        first = self._next_row(30)
        for i, c in enumerate(self.columns):
            write(ws, first, i, safe_text(c.group or c.header), HEADER)
        second = self._next_row(30)
        for i, c in enumerate(self.columns):
            write(ws, second, i, safe_text(c.header) if c.group else EMPTY, HEADER)
        i = 0
        while i < self.width:
            group = self.columns[i].group
            j = i
            while group and j + 1 < self.width and self.columns[j + 1].group == group:
                j += 1
            if group:
                self._merge(first, i, first, j)
            else:
                self._merge(first, i, second, i)
            i = j + 1

    def row(
        self, values: Sequence[CellValue], style: RowStyle = BODY, height: float | None = None
    ) -> None:
        """A data row: numbers right-aligned, text left or centred as its column says, "—"
        centred."""
        if len(values) != self.width:
            raise ValueError(f"{len(values)} values for {self.width} columns")
        self.cells.write_row(
            self.ws, self._next_row(height), 0, values, _looks(self.columns, values, style)
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
        row = self._next_row(height)
        self.cells.write_row(self.ws, row, 0, first, _looks(self.columns, first, style))
        rest = style.text if first else style.center
        self._spanning(row, len(first), safe_text(text), rest, self.width - len(first))

    def note(self, text: str, height: float = 18) -> None:
        """A note below the table, merged across it."""
        self._spanning(self._next_row(height), 0, safe_text(text), NOTE, self.width)

    def blank(self) -> None:
        self._next_row()

    def close(self) -> None:
        """The note saying what the figures are, under the table."""
        self.note(self.provenance.note)


def _looks(columns: Sequence[Column], values: Sequence[CellValue], style: RowStyle) -> list[Look]:
    """Each value's look: numbers right-aligned, text left or centred as its column says, "—"
    centred."""
    number, center, text = style.number, style.center, style.text
    return [
        number
        if value.data_type != "s"
        else center
        if column.center or value.value == NONE_MARK
        else text
        for column, value in zip(columns, values, strict=False)
    ]
