"""Reading an uploaded .xlsx workbook with every cost bounded before it is paid.

An .xlsx file is a zip of XML parts; a file under 1 MB can unpack to gigabytes (63 million empty
``<row/>`` elements, a shared-strings table no cell uses). So, before anything is parsed, every part
the reader will open is checked against a limit by its declared unpacked size, and every part is
then read through a stream that stops at that limit whatever the header claimed. The sheet is
streamed: each row is handed over and dropped before the next is parsed, every row element counts
against the row limit (empty ones too), and no row may exceed ``row_bytes`` of XML, so memory stays
bounded by one row. Reading stops at the end of the sheet's cells: what follows is never parsed.

Cell values are converted by openpyxl's own cell parser (shared strings, inline strings, Excel dates
by number format, formulas), so values are what ``openpyxl.load_workbook`` gives; openpyxl's
workbook loader is not used for the sheets because it parses a whole sheet to find its size when
the ``<dimension>`` tag is missing, and keeps every row element it has passed.
"""

import io
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any, NamedTuple, Self
from xml.etree.ElementTree import Element, XMLPullParser

from django.conf import settings
from openpyxl.cell.text import Text
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.worksheet._reader import WorkSheetParser
from openpyxl.xml.constants import SHEET_MAIN_NS

_ROW = f"{{{SHEET_MAIN_NS}}}row"
_SHEET_DATA = f"{{{SHEET_MAIN_NS}}}sheetData"
_STRING = f"{{{SHEET_MAIN_NS}}}si"
_STRING_TABLE = f"{{{SHEET_MAIN_NS}}}sst"
_CHUNK = 64 * 1024
_MIB = 1024 * 1024


class WorkbookRefused(Exception):
    """The workbook is refused as a whole; ``message`` says why, in Chinese, for the uploader."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Limits:
    """What one workbook may cost: unpacked bytes of all parts, of a sheet, of the shared-strings
    table and of any other part; XML bytes of one row; row elements of one sheet (empty ones too)."""

    total_bytes: int
    sheet_bytes: int
    shared_strings_bytes: int
    part_bytes: int
    row_bytes: int
    rows: int

    @classmethod
    def from_settings(cls) -> Self:
        """The deployment's limits; ``rows`` is IMPORT_MAX_ROWS data rows plus the header row."""
        return cls(
            total_bytes=settings.IMPORT_MAX_UNPACKED_BYTES,
            sheet_bytes=settings.IMPORT_MAX_SHEET_BYTES,
            shared_strings_bytes=settings.IMPORT_MAX_SHARED_STRINGS_BYTES,
            part_bytes=settings.IMPORT_MAX_PART_BYTES,
            row_bytes=settings.IMPORT_MAX_ROW_BYTES,
            rows=settings.IMPORT_MAX_ROWS + 1,
        )


class Cell(NamedTuple):
    """One cell's value as openpyxl converts it, and its type ("f" for a formula)."""

    value: Any
    data_type: str


EMPTY = Cell(None, "n")


@dataclass(frozen=True)
class Sheet:
    """A worksheet of the workbook: its tab name and its part in the archive."""

    title: str
    path: str


def _size(size: int) -> str:
    """A byte count for messages: "5.7MB", or "256KB" under 1 MB."""
    if size < _MIB:
        return f"{max(1, size // 1024)}KB"
    return f"{size / _MIB:.1f}".removesuffix(".0") + "MB"


def _part_kind(name: str) -> str:
    if name.startswith("xl/worksheets/") and name.endswith(".xml"):
        return "sheet"
    if name.lower().endswith("sharedstrings.xml"):
        return "shared_strings"
    return "part"


class _CappedStream(io.RawIOBase):
    """A part's unpacked bytes that refuse to go past ``limit``, whatever the zip header says."""

    def __init__(self, raw: IO[bytes], *, limit: int, name: str) -> None:
        self._raw = raw
        self._limit = limit
        self._name = name
        self._read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        data = self._raw.read(min(len(view), self._limit + 1 - self._read))
        self._read += len(data)
        if self._read > self._limit:
            raise WorkbookRefused(
                f"文件中的“{self._name}”解压后超过{_size(self._limit)}，拒绝导入（文件可能被篡改）"
            )
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._raw.close()
        super().close()


class _CappedZip(zipfile.ZipFile):
    """A zip whose parts open as capped streams (openpyxl's own reads of the archive included)."""

    limit_for: Callable[[str], int]

    def open(self, name: Any, mode: Any = "r", pwd: Any = None, **kwargs: Any) -> Any:
        stream = super().open(name, mode, pwd, **kwargs)
        if mode != "r":
            return stream
        part = name.filename if isinstance(name, zipfile.ZipInfo) else str(name)
        return io.BufferedReader(
            _CappedStream(stream, limit=self.limit_for(part), name=part), buffer_size=_CHUNK
        )


def check_archive(archive: zipfile.ZipFile, limits: Limits) -> None:
    """Refuse the archive by its declared sizes, before any part is unpacked or parsed."""
    infos = archive.infolist()
    if sum(i.file_size for i in infos) > limits.total_bytes:
        raise WorkbookRefused(f"文件解压后超过{_size(limits.total_bytes)}，拒绝导入")
    for info in infos:
        kind = _part_kind(info.filename)
        limit = _limit(limits, kind)
        if info.file_size > limit:
            what = {"sheet": "工作表", "shared_strings": "共享文字表"}.get(kind, "部件")
            raise WorkbookRefused(
                f"文件中的{what}“{info.filename}”解压后{_size(info.file_size)}，"
                f"超过上限{_size(limit)}，拒绝导入；请只保留要导入的数据，或拆分后导入"
            )


def _limit(limits: Limits, kind: str) -> int:
    if kind == "sheet":
        return limits.sheet_bytes
    if kind == "shared_strings":
        return limits.shared_strings_bytes
    return limits.part_bytes


def _elements(
    stream: IO[bytes], *, item: str, container: str, max_item_bytes: int, too_large: str
) -> Iterator[Element]:
    """Each completed ``item`` element inside ``container``, dropped from the tree once the caller
    has it; stops at the container's end. No item (nor what precedes the first) may exceed
    ``max_item_bytes`` of XML: memory holds one item at most."""
    parser: XMLPullParser[Any] = XMLPullParser(events=("start", "end"))
    held: Element | None = None
    fed = since = 0
    while True:
        if fed - since > max_item_bytes:
            raise WorkbookRefused(too_large)
        chunk = stream.read(_CHUNK)
        if not chunk:
            break
        parser.feed(chunk)
        fed += len(chunk)
        events: Iterator[Any] = parser.read_events()
        for event, element in events:
            if event == "start":
                if element.tag == container:
                    held = element
                continue
            if element.tag == item:
                since = fed
                yield element
                if held is not None:
                    held.clear()
            elif element.tag == container:
                return
    parser.close()


class BoundedWorkbook:
    """An opened workbook: its sheets, and their rows streamed within the limits."""

    def __init__(self, archive: _CappedZip, reader: ExcelReader, limits: Limits) -> None:
        self._archive = archive
        self._reader = reader
        self._limits = limits
        workbook = reader.wb
        self.sheets = [
            Sheet(sheet.name, rel.target)
            for sheet, rel in reader.parser.find_sheets()
            if rel.target in reader.valid_files and "chartsheet" not in rel.Type
        ]
        self._epoch = workbook.epoch
        self._date_formats = workbook._date_formats
        self._timedelta_formats = workbook._timedelta_formats

    def rows(self, sheet: Sheet) -> Iterator[tuple[int, dict[int, Cell]]]:
        """Each row of ``sheet`` holding a value as (Excel row number, {column number: cell}), empty
        cells and rows left out; WorkbookRefused past the row limit (empty rows count) or when one
        row's XML is too large."""
        parser = WorkSheetParser(
            None,
            self._reader.shared_strings,
            data_only=False,
            epoch=self._epoch,
            date_formats=self._date_formats,
            timedelta_formats=self._timedelta_formats,
        )
        too_large = f"工作表“{sheet.title}”中有一行超过{_size(self._limits.row_bytes)}，拒绝导入"
        count = 0
        with self._archive.open(sheet.path) as stream:
            for element in _elements(
                stream,
                item=_ROW,
                container=_SHEET_DATA,
                max_item_bytes=self._limits.row_bytes,
                too_large=too_large,
            ):
                count += 1
                if count > self._limits.rows:
                    raise WorkbookRefused(
                        f"数据超过{self._limits.rows - 1}行（空行也计入），请删除多余的空行或拆分后导入"
                    )
                if not len(element):
                    # An empty row counts and moves the row number; there is nothing to convert.
                    number = element.get("r")
                    parser.row_counter = int(number) if number else parser.row_counter + 1
                    continue
                number, cells = parser.parse_row(element)
                values = {
                    c["column"]: Cell(c["value"], c["data_type"])
                    for c in cells
                    if c["value"] is not None
                }
                if values:
                    yield number, values

    def close(self) -> None:
        self._archive.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _BoundedReader(ExcelReader):
    """openpyxl's package reader with the shared strings streamed within their limit."""

    def __init__(self, archive: _CappedZip, limits: Limits) -> None:
        self.archive = archive
        self.valid_files = archive.namelist()
        self.read_only = True
        self.keep_vba = False
        self.data_only = False
        self.keep_links = False
        self.rich_text = False
        self.shared_strings: list[str] = []
        self._limits = limits

    def read_strings(self) -> None:
        part = self.package.find(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
        )
        if part is None:
            return
        with self.archive.open(part.PartName[1:]) as stream:
            self.shared_strings = [
                Text.from_tree(element).content.replace("x005F_", "")
                for element in _elements(
                    stream,
                    item=_STRING,
                    container=_STRING_TABLE,
                    max_item_bytes=self._limits.row_bytes,
                    too_large=f"共享文字表中有一项超过{_size(self._limits.row_bytes)}，拒绝导入",
                )
            ]


def open_workbook(data: bytes, *, limits: Limits | None = None) -> BoundedWorkbook:
    """The workbook in ``data``, its sizes checked before anything is parsed.

    Raises WorkbookRefused when a limit is passed (now or while rows are read); a damaged or foreign
    file raises what zipfile or openpyxl raise (the caller turns those into its own message).
    """
    limits = limits or Limits.from_settings()
    archive = _CappedZip(io.BytesIO(data))
    try:
        check_archive(archive, limits)
        archive.limit_for = lambda name: _limit(limits, _part_kind(name))
        reader = _BoundedReader(archive, limits)
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        apply_stylesheet(archive, reader.wb)
        return BoundedWorkbook(archive, reader, limits)
    except BaseException:
        archive.close()
        raise


def sheet_rows_estimate(data: bytes, *, limits: Limits | None = None) -> int:
    """About how many rows the workbook's largest sheet has, counted from its row tags without
    parsing a cell (a 400,000-row roster in well under a second): enough to decide whether an
    import runs in the request or as a background job. 0 for a file that is no workbook, or one
    refused by its declared sizes (the import itself then says why)."""
    limits = limits or Limits.from_settings()
    try:
        archive = _CappedZip(io.BytesIO(data))
    except zipfile.BadZipFile:
        return 0
    with archive:
        try:
            check_archive(archive, limits)
        except WorkbookRefused:
            return 0
        archive.limit_for = lambda name: _limit(limits, _part_kind(name))
        largest = 0
        for name in archive.namelist():
            if _part_kind(name) != "sheet":
                continue
            count, tail = 0, b""
            try:
                with archive.open(name) as stream:
                    while chunk := stream.read(_CHUNK):
                        window = tail + chunk
                        count += window.count(b"<row ") + window.count(b"<row>")
                        # A tag cut by the chunk's end is whole in the next window; four bytes
                        # never hold a whole one, so none is counted twice.
                        tail = window[-4:]
            except (WorkbookRefused, zipfile.BadZipFile, OSError, EOFError, zlib.error):
                return 0
            largest = max(largest, count)
        return largest
