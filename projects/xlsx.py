"""Cells of every exported workbook (the reports' and the import templates'): what each value
becomes in the sheet, decided by pure functions. Kept in the core app so both it and ``reporting``
write the same formula-safe cells.

Text is never a formula: a text that a spreadsheet would run (it starts with = + - @, a tab or a
carriage return) is stored as a string cell with the quote-prefix style, so Excel and LibreOffice
show it as typed and keep it text when the cell is edited. Households, counts and money stay numbers
with a number format; shares (tenths of a percent) become fractions shown as percentages.

``SafeXLSX``, the admin's and the residents' export format (django-import-export), writes the same
cells.
"""

import io
import re
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from import_export.formats.base_formats import XLSX
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import NamedStyle
from openpyxl.styles.cell_style import StyleArray
from tablib import Dataset

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
_MAX_TEXT = 32767


@dataclass(frozen=True)
class CellValue:
    """What one cell holds: its value, its data type ("s" text, "n" number, "d" date), its number
    format and whether it carries the quote prefix (shown as text even if it looks like a formula)."""

    value: str | int | Decimal | date | None
    data_type: str
    number_format: str = GENERAL
    quote_prefix: bool = False


EMPTY = CellValue(None, "n")


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet could take ``text`` for a formula (or a DDE payload) when typed in."""
    return text.startswith(FORMULA_PREFIXES)


def safe_text(value: str) -> CellValue:
    """A text cell that is always shown as text and never run: characters a worksheet cannot hold
    are dropped, line ends become "\\n" (as every XML reader turns them anyway), text that looks
    like a formula gets the quote prefix and the text format, and no text is an empty cell."""
    text = _ILLEGAL.sub("", str(value))
    if not text:
        return EMPTY
    quoted = looks_like_formula(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")[:_MAX_TEXT]
    return CellValue(text, "s", TEXT if quoted else GENERAL, quoted)


def number(value: int | Decimal | None, number_format: str) -> CellValue:
    """A numeric cell (int or Decimal, never float); None, a figure that does not exist, is "—"."""
    if value is None:
        return safe_text(NONE_MARK)
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise TypeError(f"households and money are int or Decimal, not {type(value).__name__}")
    return CellValue(value, "n", number_format)


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
        return safe_text(NONE_MARK)
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
