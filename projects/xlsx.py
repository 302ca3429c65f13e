"""Cells of every exported workbook (the reports' and the import templates'): what each value
becomes in the sheet, decided by pure functions. Kept in the core app so both it and ``reporting``
write the same formula-safe cells.

Text is never a formula: a text that a spreadsheet would run (it starts with = + - @, a tab or a
carriage return) is stored as a string cell with the quote-prefix style, so Excel and LibreOffice
show it as typed and keep it text when the cell is edited. Households, counts and money stay numbers
with a number format; shares (tenths of a percent) become fractions shown as percentages.

Two writers take these cells. The reports (``reporting.exports``) are written with XlsxWriter in
constant memory (``XlsxCells``): a styled cell costs it about what a plain one does, so a large
report is written at near the cost of its bare values. The import templates and ``SafeXLSX``, the
admin's and the residents' export format (django-import-export), use openpyxl's write-only mode
(``write_only_cell``).
"""

import io
import re
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from import_export.formats.base_formats import XLSX
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import NamedStyle
from openpyxl.styles.cell_style import StyleArray
from tablib import Dataset
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook as XlsxWorkbook
from xlsxwriter.worksheet import Worksheet as XlsxWorksheet

FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

HOUSEHOLDS = "#,##0"
COUNT = "#,##0"
# 万元 exact to the yuan: at least two decimals, up to four, as the portal's pages show money.
WAN_YUAN = "#,##0.00##"
PERCENT = "0.0%"
DATE = 'yyyy"年"m"月"d"日"'
DATETIME = 'yyyy"年"m"月"d"日" hh:mm'
TEXT = "@"
GENERAL = "General"

# Shown where a figure does not exist (a target the source does not give, a share of a 0 target).
NONE_MARK = "—"

# Characters an XML worksheet cannot hold (openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE).
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
# Those and a carriage return: a text without any is written as it is.
_TO_CLEAN = re.compile(r"[\000-\010\013\014\016-\037\r]")
_MAX_TEXT = 32767


class CellValue(NamedTuple):
    """What one cell holds: its value, its data type ("s" text, "n" number, "d" date), its number
    format and whether it carries the quote prefix (shown as text even if it looks like a formula).
    A named tuple: a large report makes one per cell."""

    value: str | int | Decimal | date | None
    data_type: str
    number_format: str = GENERAL
    quote_prefix: bool = False


EMPTY = CellValue(None, "n")
# The named tuple's constructor without its Python-level argument handling (a cell is made per value
# written): for the two commonest cells below.
_cell = tuple.__new__


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet could take ``text`` for a formula (or a DDE payload) when typed in."""
    return text.startswith(FORMULA_PREFIXES)


def safe_text(value: str) -> CellValue:
    """A text cell that is always shown as text and never run: characters a worksheet cannot hold
    are dropped, line ends become "\\n" (as every XML reader turns them anyway), text that looks
    like a formula gets the quote prefix and the text format, and no text is an empty cell."""
    text = value if type(value) is str else str(value)
    if _TO_CLEAN.search(text) is not None:
        text = _ILLEGAL.sub("", text)
        if not text:
            return EMPTY
        quoted = text.startswith(FORMULA_PREFIXES)
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    elif not text:
        return EMPTY
    else:
        quoted = text.startswith(FORMULA_PREFIXES)
    if quoted:
        return _cell(CellValue, (text[:_MAX_TEXT], "s", TEXT, True))
    return _cell(CellValue, (text[:_MAX_TEXT], "s", GENERAL, False))


def number(value: int | Decimal | None, number_format: str) -> CellValue:
    """A numeric cell (int or Decimal, never float); None, a figure that does not exist, is "—"."""
    kind = type(value)
    if kind is int or kind is Decimal:
        return _cell(CellValue, (value, "n", number_format, False))
    if value is None:
        return _NONE_CELL
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise TypeError(f"households and money are int or Decimal, not {type(value).__name__}")
    return CellValue(value, "n", number_format)


_NONE_CELL = safe_text(NONE_MARK)


def households(value: int | None) -> CellValue:
    return number(value, HOUSEHOLDS)


def count(value: int | None) -> CellValue:
    return number(value, COUNT)


def wan_yuan(value: Decimal | None) -> CellValue:
    return number(value, WAN_YUAN)


def percent_from_tenths(tenths: int | None) -> CellValue:
    """A share given in tenths of a percent (499 → 49.9 %) as the exact fraction 0.499 shown "0.0%";
    None (no target, or a target of 0) is "—"."""
    if tenths is None:
        return _NONE_CELL
    return CellValue(Decimal(tenths) / 1000, "n", PERCENT)


def when(value: date | datetime | None) -> CellValue:
    """A date or a local (naive) date and time as a date cell in Chinese form; None is empty.

    A datetime with a time zone is refused: the caller converts to local time first, so the sheet
    shows the time the portal shows."""
    if value is None:
        return EMPTY
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            raise ValueError("a report's times are written in local time, without a time zone")
        return CellValue(value, "d", DATETIME)
    return CellValue(value, "d", DATE)


# Each workbook's resolved style arrays by (named style, number format, quote prefix): resolving a
# named style by name walks the workbook's style list and a number format registers itself, per
# cell; a report's cells use a handful of combinations, so each is resolved once per workbook.
_RESOLVED: "weakref.WeakKeyDictionary[Any, dict[tuple[str | None, str, bool], StyleArray | None]]" = weakref.WeakKeyDictionary()


def write_only_cell(ws: Any, value: CellValue, style: "CellStyle | None" = None) -> Any:
    """An openpyxl WriteOnlyCell holding ``value`` with ``style`` (registered on the workbook with
    ``register_styles``): text stays a string cell even when it starts with "=" (openpyxl would
    otherwise store a formula)."""
    cell = WriteOnlyCell(ws, value=value.value)
    if value.data_type == "s":
        cell.data_type = "s"
    key = (style.name if style is not None else None, value.number_format, value.quote_prefix)
    resolved = _RESOLVED.setdefault(ws.parent, {})
    if key in resolved:
        known = resolved[key]
        if known is not None:
            # A copy: a caller that sets one more attribute on a cell must not restyle the others.
            cell._style = StyleArray(known)
        return cell
    if style is not None:
        cell.style = style.name
    if value.number_format != GENERAL:
        cell.number_format = value.number_format
    if value.quote_prefix:
        cell.quotePrefix = True
    # A cell given no style at all has no style array.
    resolved[key] = StyleArray(cell._style) if cell._style is not None else None
    return cell


@dataclass(frozen=True)
class CellStyle:
    """A named cell style (font, fill, border, alignment as openpyxl objects). Cells take it by
    name: one lookup per cell instead of four style registrations, so a large sheet is written in
    time linear in its cells."""

    name: str
    font: Any = None
    fill: Any = None
    border: Any = None
    alignment: Any = None

    def named_style(self) -> NamedStyle:
        style = NamedStyle(name=self.name)
        for attribute in ("font", "fill", "border", "alignment"):
            if getattr(self, attribute) is not None:
                setattr(style, attribute, getattr(self, attribute))
        return style


def register_styles(wb: Any, styles: Iterable[CellStyle]) -> None:
    """Add ``styles`` to the workbook once (a workbook refuses a second style of the same name)."""
    known = set(wb.named_styles)
    for style in styles:
        if style.name not in known:
            wb.add_named_style(style.named_style())
            known.add(style.name)


# --- XlsxWriter: the reports --------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Look:
    """How a report cell looks: its font, a solid fill, a thin black box and its alignment. Colours
    are six hex digits; a font without a colour is the spreadsheet's automatic (black) text. Looks
    are told apart by identity (each is a constant), so finding a cell's format hashes no fields."""

    name: str
    font: str
    size: int
    bold: bool = False
    italic: bool = False
    color: str | None = None
    fill: str | None = None
    box: bool = False
    horizontal: str | None = None  # "left", "center", "right"
    vertical: str | None = None  # "center"
    wrap: bool = False

    def font_properties(self) -> dict[str, Any]:
        """XlsxWriter's font properties: no font family and no colour unless one is given, as a
        font named in a style sheet is written by hand (XlsxWriter otherwise adds both)."""
        return {
            "font_name": self.font,
            "font_size": self.size,
            "font_family": 0,
            "font_color": f"#{self.color}" if self.color else "automatic",
            "bold": self.bold,
            "italic": self.italic,
        }

    def properties(self) -> dict[str, Any]:
        """XlsxWriter's format properties for this look."""
        properties = self.font_properties()
        if self.fill:
            properties |= {"pattern": 1, "bg_color": f"#{self.fill}"}
        if self.box:
            properties |= {"border": 1, "border_color": "#000000"}
        if self.horizontal:
            properties["align"] = self.horizontal
        if self.vertical:
            properties["valign"] = "vcenter" if self.vertical == "center" else self.vertical
        if self.wrap:
            properties["text_wrap"] = True
        return properties


_UNMADE: Any = object()  # a format not made yet

# XlsxWriter takes a text that starts with "<r>" and ends with "</r>" for its own rich-text markup
# and writes it into the sheet unescaped: a project named so could put a formula into the file.
_MARKUP = ("<r>", "</r>")


class XlsxCells:
    """Writes ``CellValue``s into one XlsxWriter workbook: text always as a string cell (never a
    formula, never markup), numbers and dates with their number format, each (look, number format,
    quote prefix) made into one XlsxWriter format the first time it is used."""

    def __init__(self, workbook: XlsxWorkbook) -> None:
        self._workbook = workbook
        # look → number format → [format without, format with the quote prefix]
        self._formats: dict[Look | None, dict[str, list[Any]]] = {}
        self._fonts: dict[Look | None, Format] = {}

    def _format(self, look: Look | None, number_format: str, quote_prefix: bool) -> Format | None:
        pair = self._formats.setdefault(look, {}).setdefault(number_format, [_UNMADE, _UNMADE])
        made = pair[quote_prefix]
        if made is _UNMADE:
            properties = look.properties() if look is not None else {}
            if number_format != GENERAL:
                properties["num_format"] = number_format
            if quote_prefix:
                properties["quote_prefix"] = True
            made = pair[quote_prefix] = (
                self._workbook.add_format(properties) if properties else None
            )
        return made

    def write(
        self, ws: XlsxWorksheet, row: int, col: int, value: CellValue, look: Look | None = None
    ) -> None:
        """``value`` into the cell at ``row``, ``col`` (from 0) with ``look``."""
        self.write_row(ws, row, col, (value,), (look,))

    def write_row(
        self,
        ws: XlsxWorksheet,
        row: int,
        first_col: int,
        values: Iterable[CellValue],
        looks: Iterable[Look | None],
    ) -> None:
        """``values`` into the cells of ``row`` from ``first_col`` on, each with its look; an empty
        value with a look is a blank cell carrying it (a box's border), without one no cell."""
        formats = self._formats
        write_string, write_number = ws.write_string, ws.write_number
        col = first_col
        for (content, data_type, number_format, quote_prefix), look in zip(
            values, looks, strict=True
        ):
            try:
                cell_format = formats[look][number_format][quote_prefix]
            except KeyError:
                cell_format = self._format(look, number_format, quote_prefix)
            if cell_format is _UNMADE:
                cell_format = self._format(look, number_format, quote_prefix)
            if type(content) is str:
                if content.startswith(_MARKUP[0]) and content.endswith(_MARKUP[1]):
                    self._write_markup_as_text(ws, row, col, content, cell_format, look)
                else:
                    write_string(row, col, content, cell_format)
            elif content is None:
                if cell_format is not None:
                    ws.write_blank(row, col, None, cell_format)
            elif data_type == "d":
                ws.write_datetime(row, col, content, cell_format)
            else:
                write_number(row, col, content, cell_format)
            col += 1

    def _write_markup_as_text(
        self,
        ws: XlsxWorksheet,
        row: int,
        col: int,
        text: str,
        cell_format: Format | None,
        look: Look | None,
    ) -> None:
        """A text that looks like XlsxWriter's markup, written as two runs of the cell's own font
        (XlsxWriter escapes a rich string's runs): the same text, shown the same."""
        font = self._fonts.get(look)
        if font is None:
            font = self._workbook.add_format(look.font_properties() if look is not None else {})
            self._fonts[look] = font
        runs = (font, text[:1], font, text[1:])
        ws.write_rich_string(row, col, *runs, *((cell_format,) if cell_format is not None else ()))


# --- django-import-export's xlsx format ---------------------------------------------------------


def _export_cell(value: Any) -> CellValue:
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return safe_text("是" if value else "否")
    if isinstance(value, int):
        return number(value, COUNT)
    if isinstance(value, Decimal):
        return number(value, "#,##0.00##")
    if isinstance(value, date):
        return when(value)
    return safe_text(str(value))


class SafeXLSX(XLSX):
    """xlsx export (django-import-export's admin exports) whose cells are never run by a
    spreadsheet: text that looks like a formula stays text, numbers stay numbers, in constant
    memory (write-only)."""

    def export_data(self, dataset: Dataset, **kwargs: Any) -> bytes:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title=(dataset.title or "导出")[:31])
        sheet.freeze_panes = "A2"
        sheet.append([write_only_cell(sheet, safe_text(str(h))) for h in dataset.headers or []])
        for row in dataset:
            sheet.append([write_only_cell(sheet, _export_cell(value)) for value in row])
        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue()
