"""The import templates as files: empty (one example row) or filled with today's records, so a
list downloaded from the portal goes back in through the import unchanged.

The data sheet comes first and holds exactly the import's columns, with drop-down lists for the
columns whose answers are fixed; a second sheet (``GUIDE_SHEET``, which the import ignores) explains
each column. Cells are the exports' formula-safe cells (``projects.xlsx``).
"""

import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from . import selectors
from .choices import Criterion, Opinion, ProjectKind
from .importing import (
    GUIDE_SHEET,
    HOUSEHOLD_EXAMPLE,
    HOUSEHOLD_HEADERS,
    KIND_BY_LABEL,
    OPINION_BY_LABEL,
    PROJECT_EXAMPLE,
    PROJECT_HEADERS,
)
from .models import Household, Project, StartCriterion
from .presenters import mask_name, mask_phone
from .xlsx import (
    COUNT,
    EMPTY,
    TEXT,
    WAN_YUAN,
    CellStyle,
    CellValue,
    number,
    register_styles,
    safe_text,
    write_only_cell,
)

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "yyyy-mm-dd"
AREA = "#,##0.00"
# Drop-down lists reach the last row a sheet can have: rows added below the records get them too.
LAST_ROW = 1_048_576

DATES_NOTE = "日期可填Excel日期，或文字“YYYY-MM-DD”（如2022-06-30）；不能晚于导入当天"
KIND_LABELS = {kind: label for label, kind in KIND_BY_LABEL.items()}
OPINION_LABELS = {opinion: label for label, opinion in OPINION_BY_LABEL.items() if label}


@dataclass(frozen=True)
class Column:
    """One column of a template: how its cells are written, and what the guide sheet says of it.

    ``kind``: "text"; "code" (text kept as text when typed over: phones, 楼栋, 房号); "count"; "area"
    (㎡, two decimals); "money" (万元, four decimals); "date"; "choice" (one of ``choices``, offered
    as a drop-down list)."""

    header: str
    kind: str
    required: str
    allowed: str
    note: str = ""
    choices: tuple[str, ...] = ()
    # Characters wide, for the longer texts (names of communities and organisations, addresses).
    width: int = 0

    @property
    def shown_width(self) -> int:
        if self.width:
            return self.width
        return 12 if self.kind == "date" else max(8, len(self.header) * 2 + 2)


MONEY_NOTE = "数字，单位万元，最多4位小数；空白为0"
PROJECT_COLUMNS: tuple[Column, ...] = (
    Column("区县", "text", "必填", "区县全称，如“驿城区”", "与小区名称一起确定一个项目；只能导入本区县的项目"),
    Column("项目类型", "choice", "必填", "新开工、续建（下拉选择）", "", tuple(KIND_BY_LABEL)),
    Column("小区名称", "text", "必填", "不超过200字", "本区县已有同名小区时更新该项目，否则新增", width=18),
    Column("地址", "text", "选填", "不超过300字", width=26),
    Column("楼栋数", "count", "必填", "0或正整数"),
    Column("户数", "count", "必填", "正整数", "不能少于已登记的住户记录数"),
    Column("建筑面积(㎡)", "area", "选填", "数字，最多2位小数"),
    Column("总投资(万元)", "money", "选填", MONEY_NOTE, "应等于各项资金来源之和"),
    Column("中央补助(万元)", "money", "选填", MONEY_NOTE),
    Column("省级补助(万元)", "money", "选填", MONEY_NOTE),
    Column("市级补助(万元)", "money", "选填", MONEY_NOTE, "仅驿城区和经济开发区的项目有市级补助"),
    Column("县级配套(万元)", "money", "选填", MONEY_NOTE),
    Column("社会资本(万元)", "money", "选填", MONEY_NOTE),
    Column("信贷(万元)", "money", "选填", MONEY_NOTE),
    Column("居民出资(万元)", "money", "选填", MONEY_NOTE),
    Column("建设单位", "text", "选填", "不超过200字", width=22),
    Column("监管责任单位", "text", "选填", "不超过200字", "日常监管直接责任单位", width=22),
    Column("责任人", "text", "选填", "不超过50字", "“无违建”为“是”时必填，作为确认人"),
    Column("联系电话", "code", "选填", "手机号11位，或固话如0396-1234567", "责任人的电话", width=14),
    Column("违建拆除日期", "date", "选填", DATES_NOTE, "“无违建”为“是”时填确认日期"),
    Column("无违建", "choice", "选填", "是、否（下拉选择）；空白为“否”", "", ("是", "否")),
    Column("设计公示日期", "date", "选填", DATES_NOTE),
    Column("施工单位", "text", "选填", "不超过200字", "填写施工合同日期时必填", width=24),
    Column("施工合同日期", "date", "选填", DATES_NOTE),
    Column("进场日期", "date", "选填", DATES_NOTE),
    Column("完工日期", "date", "选填", DATES_NOTE, "不能早于开工日期"),
    Column("验收日期", "date", "选填", DATES_NOTE, "不能早于完工日期"),
)  # fmt: skip
OPINIONS = tuple(OPINION_LABELS.values())
HOUSEHOLD_COLUMNS: tuple[Column, ...] = (
    Column("区县", "text", "必填", "区县全称，如“驿城区”", "只能导入本区县的住户"),
    Column("小区名称", "text", "必填", "已导入的项目的小区名称", "须先导入项目", width=18),
    Column("楼栋", "code", "必填", "如“1”或“3号楼”", "区县、小区、楼栋、单元、房号确定一户；已有时更新，否则新增"),
    Column("单元", "code", "必填", "如“2”"),
    Column("房号", "code", "必填", "如“301”"),
    Column("户主姓名", "text", "必填", "不超过50字", "打码的姓名（含“*”）不能导入"),
    Column("联系电话", "code", "选填", "手机号11位，或固话如0396-1234567", width=14),
    Column("改造方案意见", "choice", "选填", "同意、不同意、未表态（下拉选择）；空白为“未表态”", "", OPINIONS),
    Column("物业管理模式意见", "choice", "选填", "同意、不同意、未表态（下拉选择）；空白为“未表态”", "", OPINIONS),
    Column("表态日期", "date", "已表态时必填", DATES_NOTE),
)  # fmt: skip
COLUMNS: dict[str, tuple[Column, ...]] = {
    "projects": PROJECT_COLUMNS,
    "households": HOUSEHOLD_COLUMNS,
}
DATA_SHEETS = {"projects": "项目", "households": "住户"}
EXAMPLES = {"projects": PROJECT_EXAMPLE, "households": HOUSEHOLD_EXAMPLE}
HEADERS = {"projects": PROJECT_HEADERS, "households": HOUSEHOLD_HEADERS}
GENERAL_NOTES: dict[str, tuple[str, ...]] = {
    "projects": (
        "本工作表只是填写说明，导入时忽略；请在第一个工作表“项目”中填写，不要改动第1行的列名。",
        "每行一个项目。从门户下载的文件原样导入不会改变任何数据；只改动的单元格会被更新并留下修改记录。",
        "空白的日期不会清除已记录的日期（清除日期请在项目页面操作）。",
        "任何一行有错误，整个文件都不导入。",
        DATES_NOTE + "。",
    ),
    "households": (
        "本工作表只是填写说明，导入时忽略；请在第一个工作表“住户”中填写，不要改动第1行的列名。",
        "每行一户。从门户下载的文件原样导入不会改变任何数据；只改动的单元格会被更新并留下修改记录。",
        "户主姓名和联系电话属个人信息：只有本区县填报员和审核人下载时完整显示，其他人下载的为打码值。",
        "任何一行有错误，整个文件都不导入。",
        DATES_NOTE + "。",
    ),
}

HEADER_STYLE = CellStyle(
    name="template header",
    font=Font(bold=True),
    fill=PatternFill("solid", fgColor="DDEBF7"),
    alignment=Alignment(horizontal="center", vertical="center"),
)
WRAPPED = CellStyle(name="template wrapped", alignment=Alignment(wrap_text=True, vertical="top"))


def template_cell(column: Column, value: Any) -> CellValue:
    """A value as the template's cell for ``column``: numbers stay numbers, dates dates, and text is
    formula-safe text."""
    if value is None or value == "":
        return EMPTY
    if column.kind == "count":
        return number(value, COUNT)
    if column.kind in ("area", "money"):
        return number(Decimal(value), AREA if column.kind == "area" else WAN_YUAN)
    if column.kind == "date":
        if not isinstance(value, date):
            raise TypeError(f"{column.header}: a date, not {type(value).__name__}")
        return CellValue(value, "d", DATE_FORMAT)
    cell = safe_text(str(value))
    if column.kind == "code" and cell.value is not None:
        return CellValue(cell.value, "s", TEXT, cell.quote_prefix)
    return cell


def template_workbook_bytes(kind: str, rows: Iterable[Sequence[Any]] | None = None) -> bytes:
    """The ``kind`` template ("projects" or "households") with ``rows`` (values in the columns'
    order) under the headers, or its example row when ``rows`` is None; written a row at a time."""
    columns = COLUMNS[kind]
    workbook = Workbook(write_only=True)
    register_styles(workbook, (HEADER_STYLE, WRAPPED))
    sheet = workbook.create_sheet(DATA_SHEETS[kind])
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.shown_width
    sheet.freeze_panes = "A2"
    # Printed on landscape A4, every column on one page's width, the header row on every page.
    _print_landscape(sheet, fit_to_width=True)
    sheet.print_title_rows = "1:1"
    for index, column in enumerate(columns, start=1):
        if column.choices:
            sheet.data_validations.append(_drop_down(column, get_column_letter(index)))
    sheet.append([write_only_cell(sheet, safe_text(c.header), HEADER_STYLE) for c in columns])
    for row in [EXAMPLES[kind]] if rows is None else rows:
        sheet.append(
            [write_only_cell(sheet, template_cell(c, v)) for c, v in zip(columns, row, strict=True)]
        )
    _write_guide(workbook, kind)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _print_landscape(sheet: Any, *, fit_to_width: bool) -> None:
    """Printed (or turned into PDF) on landscape A4; the guide sheet's four columns on one page."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = "9"  # A4
    if fit_to_width:
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0


def _drop_down(column: Column, letter: str) -> DataValidation:
    validation = DataValidation(
        type="list",
        formula1='"' + ",".join(column.choices) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=column.header,
        error="请从下拉列表中选择：" + "、".join(column.choices),
    )
    validation.add(f"{letter}2:{letter}{LAST_ROW}")
    return validation


def _write_guide(workbook: Workbook, kind: str) -> None:
    """The second sheet: general notes, then each column with whether it is required, what may be
    written and what it means."""
    sheet = workbook.create_sheet(GUIDE_SHEET)
    for letter, width in zip("ABCD", (18, 14, 50, 50), strict=True):
        sheet.column_dimensions[letter].width = width
    _print_landscape(sheet, fit_to_width=True)

    def line(*texts: str, style: CellStyle | None = WRAPPED) -> None:
        sheet.append([write_only_cell(sheet, safe_text(t), style) for t in texts])

    for note in GENERAL_NOTES[kind]:
        line(note, style=None)  # one line each, running over the empty cells beside it
    sheet.append([])
    line("列名", "是否必填", "可填写的值", "说明", style=HEADER_STYLE)
    for column in COLUMNS[kind]:
        line(column.header, column.required, column.allowed, column.note)


# --- today's records as template rows -----------------------------------------------------------


def project_rows(
    projects: Iterable[Project], criteria: dict[int, dict[str, StartCriterion]]
) -> Iterator[tuple[Any, ...]]:
    """Each project as a row of the projects template, as the import would read it back
    (``criteria``: the recorded start criteria by project id)."""
    for p in projects:
        recorded = criteria.get(p.id, {})

        def met_on(key: Criterion, recorded: dict[str, StartCriterion] = recorded) -> date | None:
            row = recorded.get(key)
            return row.met_on if row is not None else None

        cleared = recorded.get(Criterion.STRUCTURES_CLEARED)
        yield (
            p.unit.name, KIND_LABELS[ProjectKind(p.kind)], p.name, p.address, p.buildings,
            p.households, p.floor_area, p.investment, p.fund_central, p.fund_provincial,
            p.fund_city, p.fund_county, p.fund_social, p.fund_credit, p.fund_residents,
            p.construction_unit, p.supervising_unit, p.responsible_person, p.responsible_phone,
            met_on(Criterion.STRUCTURES_CLEARED),
            "是" if cleared is not None and cleared.no_structures else "否",
            met_on(Criterion.DESIGN_POSTED), p.contractor, met_on(Criterion.CONTRACT_SIGNED),
            met_on(Criterion.ON_SITE), p.completed_on, p.accepted_on,
        )  # fmt: skip


def household_rows(households: Iterable[Household], *, in_full: bool) -> Iterator[tuple[Any, ...]]:
    """Each household as a row of the roster template; names and phones masked unless
    ``in_full`` (the unit's own clerk and leader)."""
    for h in households:
        yield (
            h.project.unit.name,
            h.project.name,
            h.building,
            h.entrance,
            h.room,
            h.head_name if in_full else mask_name(h.head_name),
            h.phone if in_full else mask_phone(h.phone),
            OPINION_LABELS[Opinion(h.plan_opinion)],
            OPINION_LABELS[Opinion(h.management_opinion)],
            h.answered_on,
        )


def projects_file(*, projects: QuerySet[Project]) -> bytes:
    """``projects`` (in their order) as the filled projects template, read in two queries."""
    listed = list(projects.select_related("unit"))
    criteria = selectors.criteria_by_project(project_ids=[p.id for p in listed])
    return template_workbook_bytes("projects", project_rows(listed, criteria))


def roster_file(*, households: Iterable[Household], in_full: bool) -> bytes:
    """``households`` as the filled roster template (names and phones masked unless ``in_full``)."""
    return template_workbook_bytes("households", household_rows(households, in_full=in_full))
