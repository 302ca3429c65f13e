"""An xlsx format for django-import-export's admin exports, written with the same safe cells as the
report workbooks: text that looks like a formula stays text (quote prefix), numbers stay numbers,
in constant memory (write-only)."""

import io
from datetime import date
from decimal import Decimal
from typing import Any

from import_export.formats.base_formats import XLSX
from openpyxl import Workbook
from tablib import Dataset

from projects.xlsx import COUNT, EMPTY, CellValue, number, safe_text, when, write_only_cell


def _cell(value: Any) -> CellValue:
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
    """xlsx export whose cells are never run by a spreadsheet."""

    def export_data(self, dataset: Dataset, **kwargs: Any) -> bytes:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title=(dataset.title or "导出")[:31])
        sheet.freeze_panes = "A2"
        sheet.append([write_only_cell(sheet, safe_text(str(h))) for h in dataset.headers or []])
        for row in dataset:
            sheet.append([write_only_cell(sheet, _cell(value)) for value in row])
        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue()
