"""Reading the import templates: the sheet, its headers and each cell, with every problem in Chinese.

This module only reads and parses; ``services`` checks the rows against the database and the rules and
writes them, all or nothing.
"""

import re
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any
from xml.etree import ElementTree

from django.conf import settings
from openpyxl.utils.exceptions import InvalidFileException

from .choices import Opinion, ProjectKind
from .rules.dwellings import building_problem, entrance_problem, room_problem
from .rules.project_checks import future_date_problem
from .rules.text import normalized
from .workbooks import EMPTY, BoundedWorkbook, Cell, WorkbookRefused, open_workbook

PROJECT_HEADERS: tuple[str, ...] = (
    "区县", "项目类型", "小区名称", "地址", "楼栋数", "户数", "建筑面积(㎡)", "总投资(万元)",
    "中央补助(万元)", "省级补助(万元)", "市级补助(万元)", "县级配套(万元)", "社会资本(万元)",
    "信贷(万元)", "居民出资(万元)", "建设单位", "监管责任单位", "责任人", "联系电话",
    "违建拆除日期", "无违建", "设计公示日期", "施工单位", "施工合同日期", "进场日期", "完工日期",
    "验收日期",
)  # fmt: skip
HOUSEHOLD_HEADERS: tuple[str, ...] = (
    "区县", "小区名称", "楼栋", "单元", "房号", "户主姓名", "联系电话", "改造方案意见",
    "物业管理模式意见", "表态日期",
)  # fmt: skip

# The template's example row names this community; a file that still holds it is refused.
EXAMPLE_COMMUNITY = "示例小区"
PROJECT_EXAMPLE: tuple[Any, ...] = (
    "驿城区", "新开工", EXAMPLE_COMMUNITY, "驿城区示例路1号", 6, 120, Decimal("8600.00"), Decimal("480.0000"),
    Decimal("200.0000"), Decimal("80.0000"), Decimal("60.0000"), Decimal("100.0000"), Decimal("20.0000"),
    Decimal("0"), Decimal("20.0000"), "驿城区住房和城乡建设局", "某某街道办事处", "张三", "13800001234",
    date(2022, 3, 10), "否", date(2022, 3, 20), "某某建设工程有限公司", date(2022, 4, 1),
    date(2022, 4, 15), None, None,
)  # fmt: skip
HOUSEHOLD_EXAMPLE: tuple[Any, ...] = (
    "驿城区", EXAMPLE_COMMUNITY, "1", "2", "301", "李四", "13900005678", "同意", "同意", date(2022, 3, 5),
)  # fmt: skip

TEMPLATES: dict[str, tuple[tuple[str, ...], tuple[Any, ...]]] = {
    "projects": (PROJECT_HEADERS, PROJECT_EXAMPLE),
    "households": (HOUSEHOLD_HEADERS, HOUSEHOLD_EXAMPLE),
}

# Names and dwellings are compared and stored in one normal form (rules.text), as every writer does.
NORMALIZED_COLUMNS = frozenset({"区县", "小区名称", "楼栋", "单元", "房号", "户主姓名"})

# The templates' second sheet, explaining each column: never read as data.
GUIDE_SHEET = "填写说明"

KIND_BY_LABEL = {"新开工": ProjectKind.NEW, "续建": ProjectKind.CARRYOVER}
OPINION_BY_LABEL = {
    "同意": Opinion.AGREE,
    "不同意": Opinion.DISAGREE,
    "未表态": Opinion.UNDECIDED,
    "": Opinion.UNDECIDED,
}
PHONE_RE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8}(-\d{1,6})?|\d{7,8})$")
DATE_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
# No community has a million households or buildings: a larger count is a typing error.
MAX_COUNT = 1_000_000
# Dates outside this range are typing errors (2202 for 2022).
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2099, 12, 31)


def cell_text(value: Any) -> str:
    """A cell as text, the same whether Excel stored 101 as a number or as text."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@dataclass(frozen=True, order=True)
class RowError:
    """One problem in an import file: the sheet row (1 is the header), the column, and why."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"第{self.row}行" if self.row else "文件"
        column = f"「{self.column}」" if self.column else ""
        return f"{where}{column}：{self.message}"


class FileRejected(Exception):
    """The file as a whole cannot be read (not a workbook, too large, wrong headers)."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


@dataclass
class SheetRow:
    """The cells of one data row by header, with the sheet row number."""

    number: int
    cells: dict[str, Any]
    errors: list[RowError] = field(default_factory=list)
    # Rows of residents' data never echo a cell's value in a message: a shifted column could put
    # a name or phone number there (personal data stays out of messages and logs).
    personal: bool = False

    def error(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.number, column, message))

    def _was(self, value: Any) -> str:
        return "" if self.personal else f"，实为“{value}”"

    def text(self, column: str, *, max_length: int, required: bool = False) -> str:
        value = self.cells.get(column)
        if isinstance(value, datetime | date):
            self.error(column, "应为文字，不能是日期")
            return ""
        text = cell_text(value)
        if column in NORMALIZED_COLUMNS:
            text = normalized(text)
        if required and not text:
            self.error(column, "不能为空")
        elif len(text) > max_length:
            self.error(column, f"不能超过{max_length}个字")
        return text

    def integer(self, column: str, *, minimum: int = 0, maximum: int = MAX_COUNT) -> int | None:
        value = self.cells.get(column)
        if value is None or value == "":
            self.error(column, "不能为空")
            return None
        number: int | None = None
        if isinstance(value, bool):
            number = None
        elif isinstance(value, int):
            number = value
        elif isinstance(value, float) and value.is_integer():
            number = int(value)
        elif isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()):
            number = int(value.strip())
        if number is None:
            self.error(column, f"应为整数{self._was(value)}")
            return None
        if number < 0:
            self.error(column, "不能为负数")
            return None
        if number < minimum:
            self.error(column, f"应不小于{minimum}")
            return None
        if number > maximum:
            self.error(column, f"数值过大（不应超过{maximum}）")
            return None
        return number

    def decimal(self, column: str, *, places: int) -> Decimal:
        value = self.cells.get(column)
        if value is None or value == "":
            return Decimal(0)
        not_a_number = f"应为数字{self._was(value)}"
        if isinstance(value, bool | datetime | date):
            self.error(column, not_a_number)
            return Decimal(0)
        try:
            number = Decimal(str(value).strip().replace(",", ""))
        except InvalidOperation:
            self.error(column, not_a_number)
            return Decimal(0)
        if not number.is_finite():
            self.error(column, not_a_number)
            return Decimal(0)
        if number < 0:
            self.error(column, "不能为负数")
            return Decimal(0)
        if number.adjusted() >= 14 - places:
            self.error(column, "数值过大")
            return Decimal(0)
        quantized = number.quantize(Decimal(1).scaleb(-places))
        if quantized != number:
            self.error(column, f"最多保留{places}位小数")
        if quantized >= Decimal(10) ** (14 - places):
            self.error(column, "数值过大")
            return Decimal(0)
        return quantized

    def day(self, column: str) -> date | None:
        value = self.cells.get(column)
        if value is None or value == "":
            return None
        day: date | None = None
        if isinstance(value, datetime):
            day = value.date()
        elif isinstance(value, date):
            day = value
        elif isinstance(value, str) and (match := DATE_RE.match(value.strip())):
            try:
                day = date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError:
                day = None
        if day is None:
            self.error(column, f"日期应为Excel日期或YYYY-MM-DD格式{self._was(value)}")
        elif not EARLIEST_DATE <= day <= LATEST_DATE:
            self.error(
                column,
                f"日期{day.isoformat()}不在合理范围内（{EARLIEST_DATE.year}—{LATEST_DATE.year}年）",
            )
            day = None
        return day

    def past_day(self, column: str, *, today: date) -> date | None:
        """A date that has happened: one after ``today`` is an error under its column."""
        day = self.day(column)
        problem = future_date_problem(label=column.removesuffix("日期"), on=day, today=today)
        if problem:
            self.error(column, problem)
            return None
        return day

    def dwelling(self, *, buildings: int) -> tuple[str, str, str]:
        """楼栋, 单元 and 房号, each checked by the dwelling rules, each error under its own column
        (``buildings``: the project's 楼栋数, 0 when not known)."""
        building = self.text("楼栋", max_length=30, required=True)
        entrance = self.text("单元", max_length=30, required=True)
        room = self.text("房号", max_length=30, required=True)
        for column, text, problem in (
            ("楼栋", building, building_problem(building, buildings=buildings)),
            ("单元", entrance, entrance_problem(entrance)),
            ("房号", room, room_problem(room)),
        ):
            if text and problem and not any(e.column == column for e in self.errors):
                self.error(column, problem)
        return building, entrance, room

    def yes_no(self, column: str) -> bool:
        text = self.text(column, max_length=2)
        if text not in ("是", "否", ""):
            self.error(column, f"应为“是”或“否”{self._was(text)}")
        return text == "是"

    def choice(
        self, column: str, options: Mapping[str, str], *, required: bool = False
    ) -> str | None:
        text = self.text(column, max_length=20, required=required)
        if required and not text:
            return None
        if text not in options:
            allowed = "、".join(f"“{k}”" for k in options if k)
            self.error(column, f"应为{allowed}之一{self._was(text)}")
            return None
        return options[text]

    def phone(self, column: str) -> str:
        text = self.text(column, max_length=30)
        if text and not PHONE_RE.match(text.replace(" ", "")):
            self.error(column, "电话号码格式不正确（手机号11位，固话如0396-1234567）")
        return text.replace(" ", "")


Source = str | Path | IO[bytes]


def source_bytes(source: Source) -> bytes:
    """The file's bytes, refused (FileRejected) past IMPORT_MAX_FILE_BYTES without reading more."""
    return _as_bytes(source)


def _as_bytes(source: Source) -> bytes:
    if isinstance(source, str | Path):
        path = Path(source)
        if path.stat().st_size > settings.IMPORT_MAX_FILE_BYTES:
            raise FileRejected([RowError(0, "", _too_large())])
        return path.read_bytes()
    data = source.read(settings.IMPORT_MAX_FILE_BYTES + 1)
    if len(data) > settings.IMPORT_MAX_FILE_BYTES:
        raise FileRejected([RowError(0, "", _too_large())])
    return data


def _too_large() -> str:
    return f"文件超过{settings.IMPORT_MAX_FILE_BYTES // (1024 * 1024)}MB，请拆分后导入"


def read_sheet(
    source: Source, *, headers: tuple[str, ...], personal: bool = False
) -> list[SheetRow]:
    """The data rows of the first sheet, after checking the file and that row 1 holds exactly ``headers``.

    Raises FileRejected for a file that is not an .xlsx workbook, too large, or has wrong headers.
    Formula cells are row errors: imports take values, never formulas.
    """
    return list(iter_sheet(source, headers=headers, personal=personal))


def iter_sheet(
    source: Source, *, headers: tuple[str, ...], personal: bool = False
) -> Iterator[SheetRow]:
    """The data rows of the first sheet one at a time, as ``read_sheet`` gives them, holding one row
    in memory rather than the sheet.

    The file, its parts' unpacked sizes, its other sheets and the headers are checked at once
    (FileRejected here, before the first row); too many rows (empty ones count) or a damaged part
    of the archive raise FileRejected while the rows are read, and a sheet without data rows raises
    it at the end. Every limit is ``workbooks.Limits``: the same for the commands, the county
    pages and the admin.
    """
    workbook = _open(_as_bytes(source))
    try:
        rows, found = _sheet_rows(workbook, headers=headers)
    except DAMAGED:
        workbook.close()
        raise FileRejected([_not_a_workbook()]) from None
    except WorkbookRefused as refused:
        workbook.close()
        raise FileRejected([RowError(0, "", refused.message)]) from None
    except BaseException:
        workbook.close()
        raise
    return _data_rows(workbook, rows, found, personal=personal)


def _open(data: bytes) -> BoundedWorkbook:
    try:
        return open_workbook(data)
    except WorkbookRefused as refused:
        raise FileRejected([RowError(0, "", refused.message)]) from None
    except DAMAGED:
        raise FileRejected([_not_a_workbook()]) from None


def workbook_table(source: Source) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    """The first sheet's header texts and its non-blank rows as (Excel row number, values), read
    within the same limits as the imports (FileRejected otherwise); for the admin's preview."""
    workbook = _open(_as_bytes(source))
    try:
        with workbook:
            rows = workbook.rows(workbook.sheets[0])
            found = _header_texts(rows)
            table = []
            for number, cells in rows:
                values = [cells.get(c, EMPTY).value for c in range(1, len(found) + 1)]
                if any(v not in (None, "") for v in values):
                    table.append((number, values))
            return found, table
    except WorkbookRefused as refused:
        raise FileRejected([RowError(0, "", refused.message)]) from None
    except DAMAGED:
        raise FileRejected([_not_a_workbook()]) from None


def _not_a_workbook() -> RowError:
    return RowError(0, "", "不是有效的Excel工作簿（.xlsx），请使用下载的导入模板")


# What a damaged or foreign file raises while openpyxl unpacks and parses it.
DAMAGED = (
    zipfile.BadZipFile,
    InvalidFileException,
    KeyError,
    OSError,
    ValueError,
    IndexError,
    EOFError,
    NotImplementedError,
    RuntimeError,
    zlib.error,
    ElementTree.ParseError,
    TypeError,
    AttributeError,
)


def _header_texts(rows: Iterator[tuple[int, dict[int, Cell]]]) -> list[str]:
    """Row 1's texts up to its last non-blank cell ([] when the sheet's first row is not row 1)."""
    number, cells = next(rows, (0, {}))
    if number != 1 or not cells:
        return []
    found = [str(cells[c].value).strip() if c in cells else "" for c in range(1, max(cells) + 1)]
    while found and not found[-1]:
        found.pop()
    return found


def _sheet_rows(
    workbook: BoundedWorkbook, *, headers: tuple[str, ...]
) -> tuple[Iterator[tuple[int, dict[int, Cell]]], list[str]]:
    """The first sheet's rows after its header row, and the headers found, once the other sheets
    (but the templates' guide sheet) are found empty and the headers are ``headers``."""
    if not workbook.sheets:
        raise FileRejected([_not_a_workbook()])
    for other in workbook.sheets[1:]:
        if other.title == GUIDE_SHEET:
            continue
        if any(
            v.value not in (None, "") for _n, cells in workbook.rows(other) for v in cells.values()
        ):
            raise FileRejected(
                [
                    RowError(
                        0,
                        "",
                        f"工作簿中除第一个工作表外，“{other.title}”也有数据；请只保留要导入的工作表",
                    )
                ]
            )
    rows = workbook.rows(workbook.sheets[0])
    found = _header_texts(rows)
    _check_headers(found, headers)
    return rows, found


def _data_rows(
    workbook: BoundedWorkbook,
    rows: Iterator[tuple[int, dict[int, Cell]]],
    found: list[str],
    *,
    personal: bool,
) -> Iterator[SheetRow]:
    try:
        count = 0
        width = len(found)
        for number, cells in rows:
            values = [cells.get(c, EMPTY).value for c in range(1, width + 1)]
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            extra = any(c > width and cell.value != "" for c, cell in cells.items())
            row = SheetRow(number, dict(zip(found, values, strict=False)), personal=personal)
            for column, header in enumerate(found, start=1):
                if cells.get(column, EMPTY).data_type == "f":
                    row.error(header, "含有公式，请改为数值后导入")
                    row.cells[header] = None
            if extra:
                row.error("", "表头之外的列有数据")
            count += 1
            yield row
        if not count:
            raise FileRejected(
                [RowError(0, "", "文件中没有数据行（第1行是表头，数据从第2行开始）")]
            )
    except WorkbookRefused as refused:
        raise FileRejected([RowError(0, "", refused.message)]) from None
    except DAMAGED:
        # A damaged part of the archive shows only when its rows are read.
        raise FileRejected([_not_a_workbook()]) from None
    finally:
        workbook.close()


def _check_headers(found: list[str], expected: tuple[str, ...]) -> None:
    errors = []
    missing = [h for h in expected if h not in found]
    extra = [h for h in found if h not in expected]
    duplicated = sorted({h for h in found if found.count(h) > 1 and h in expected})
    if missing:
        errors.append(RowError(1, "", "缺少列：" + "、".join(missing)))
    if extra:
        errors.append(RowError(1, "", "多余的列：" + "、".join(h or "（空表头）" for h in extra)))
    if duplicated:
        errors.append(RowError(1, "", "重复的列：" + "、".join(duplicated)))
    if errors:
        raise FileRejected(errors)
