"""Awkward import files: each gives a clear Chinese error (or keeps what is recorded) and writes nothing wrong."""

import io
import re
import zipfile
from datetime import date
from pathlib import Path

import pytest
from django.test import override_settings
from openpyxl import Workbook

from projects.choices import Criterion, Opinion
from projects.importing import (
    HOUSEHOLD_HEADERS,
    PROJECT_HEADERS,
    FileRejected,
    iter_sheet,
    read_sheet,
)
from projects.models import Household, PlanYear, Project
from projects.rules.start import AGREE
from projects.services import households_import, projects_import
from projects.template_files import template_workbook_bytes
from tests.xlsx import household_row, project_row, write_xlsx

pytestmark = pytest.mark.django_db


def messages(result) -> str:  # type: ignore[no-untyped-def]
    return " ".join(str(e) for e in result.errors)


def test_wrong_dimension_tag_does_not_cut_rows(tmp_path: Path, plan_year: PlanYear) -> None:
    """A sheet whose <dimension> tag claims fewer rows than it holds is still read in full."""
    rows = [project_row(**{"小区名称": f"小区{i}"}) for i in range(9)]
    path = write_xlsx(tmp_path / "p.xlsx", PROJECT_HEADERS, rows)
    patched = tmp_path / "patched.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(patched, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]+" ?/>', b'<dimension ref="A1:AA3"/>', data)
                assert b'ref="A1:AA3"' in data
            dst.writestr(info, data)
    result = projects_import(source=patched, plan_year=plan_year)
    assert result.ok and result.created == 9


def test_template_example_row_is_refused(plan_year: PlanYear) -> None:
    """The downloaded templates' example rows are not imported as real data."""
    result = projects_import(
        source=io.BytesIO(template_workbook_bytes("projects")), plan_year=plan_year
    )
    assert [(e.row, e.column) for e in result.errors] == [(2, "小区名称")]
    assert "示例" in result.errors[0].message
    result = households_import(
        source=io.BytesIO(template_workbook_bytes("households")), plan_year=plan_year
    )
    assert (2, "小区名称") in [(e.row, e.column) for e in result.errors]
    assert Project.objects.count() == 0


@pytest.mark.parametrize(
    ("bad", "column"),
    [
        ({"总投资(万元)": "1E+30"}, "总投资(万元)"),
        ({"总投资(万元)": 1e30}, "总投资(万元)"),
        ({"户数": 10**12}, "户数"),
        ({"楼栋数": 10**20}, "楼栋数"),
        ({"进场日期": "2202-04-15"}, "进场日期"),
        ({"完工日期": date(1900, 1, 2)}, "完工日期"),
    ],
)
def test_out_of_range_values_are_row_errors(
    tmp_path: Path, plan_year: PlanYear, bad: dict[str, object], column: str
) -> None:
    """Huge numbers and implausible dates are row errors in Chinese, not tracebacks."""
    path = write_xlsx(tmp_path / "p.xlsx", PROJECT_HEADERS, [project_row(**bad)])
    result = projects_import(source=path, plan_year=plan_year)
    assert [(e.row, e.column) for e in result.errors] == [(2, column)]
    assert Project.objects.count() == 0


def test_second_sheet_with_data_is_refused(tmp_path: Path, plan_year: PlanYear) -> None:
    """Rows on another sheet would be silently ignored, so such a workbook is refused."""
    workbook = Workbook()
    first = workbook.active
    assert first is not None
    first.append(list(PROJECT_HEADERS))
    first.append(project_row())
    second = workbook.create_sheet("续表")
    second.append(list(PROJECT_HEADERS))
    second.append(project_row(**{"小区名称": "另一小区"}))
    path = tmp_path / "two.xlsx"
    workbook.save(path)
    result = projects_import(source=path, plan_year=plan_year)
    assert "续表" in messages(result)
    assert Project.objects.count() == 0


def test_header_only_file_is_refused(tmp_path: Path, plan_year: PlanYear) -> None:
    """A file with the headers and no data rows says so instead of reporting success."""
    path = write_xlsx(tmp_path / "p.xlsx", PROJECT_HEADERS, [])
    assert "没有数据行" in messages(projects_import(source=path, plan_year=plan_year))


def test_blank_date_keeps_what_was_recorded(tmp_path: Path, plan_year: PlanYear) -> None:
    """Re-importing a row with an empty 进场日期 keeps the recorded date and warns about it."""
    path = write_xlsx(
        tmp_path / "p.xlsx", PROJECT_HEADERS, [project_row(**{"完工日期": "2022-09-01"})]
    )
    assert projects_import(source=path, plan_year=plan_year).ok
    path = write_xlsx(
        tmp_path / "p2.xlsx", PROJECT_HEADERS, [project_row(**{"进场日期": None, "户数": 11})]
    )
    result = projects_import(source=path, plan_year=plan_year)
    assert result.ok and result.updated == 1
    assert {w.column for w in result.warnings} >= {"进场日期", "完工日期"}
    project = Project.objects.get()
    assert project.households == 11
    assert project.completed_on == date(2022, 9, 1)
    assert project.criteria.get(criterion=Criterion.ON_SITE).met_on == date(2022, 4, 15)


def test_household_errors_never_echo_cell_values(tmp_path: Path, plan_year: PlanYear) -> None:
    """A shifted household file does not repeat names or phone numbers in its error messages."""
    path = write_xlsx(tmp_path / "p.xlsx", PROJECT_HEADERS, [project_row()])
    assert projects_import(source=path, plan_year=plan_year).ok
    row = household_row(**{"改造方案意见": "张三丰", "表态日期": "13912345678"})
    path = write_xlsx(tmp_path / "h.xlsx", HOUSEHOLD_HEADERS, [row])
    result = households_import(source=path, plan_year=plan_year)
    assert len(result.errors) == 2
    text = messages(result)
    assert "张三丰" not in text and "13912345678" not in text
    assert Household.objects.count() == 0


def test_agree_constant_matches_the_choice() -> None:
    """The pure rule's 'agree' is the value the database stores for 同意."""
    assert AGREE == Opinion.AGREE


def test_streamed_sheet_checks_the_file_before_the_first_row(tmp_path: Path) -> None:
    """iter_sheet refuses wrong headers when called, before any row is asked for, so an import can
    refuse such a file before it takes its lock."""
    path = write_xlsx(tmp_path / "h.xlsx", PROJECT_HEADERS, [project_row()])
    with pytest.raises(FileRejected) as refused:
        iter_sheet(path, headers=HOUSEHOLD_HEADERS)
    assert refused.value.errors[0].row == 1


def test_streamed_sheet_gives_read_sheets_rows_then_its_limit(tmp_path: Path) -> None:
    """iter_sheet gives the rows read_sheet gives (numbers, cells, formula errors), one at a time;
    a sheet over the row limit is refused once the limit is passed, after the rows within it;
    the blank row 4 counts toward the limit (a sheet of empty rows is not free to read)."""
    rows = [household_row(**{"房号": str(101 + i)}) for i in range(4)]
    rows[1][HOUSEHOLD_HEADERS.index("户主姓名")] = "=A1"
    rows.insert(2, [None] * len(HOUSEHOLD_HEADERS))
    path = write_xlsx(tmp_path / "h.xlsx", HOUSEHOLD_HEADERS, rows)
    streamed = list(iter_sheet(path, headers=HOUSEHOLD_HEADERS, personal=True))
    assert [r.number for r in streamed] == [2, 3, 5, 6]
    assert streamed == read_sheet(path, headers=HOUSEHOLD_HEADERS, personal=True)
    assert [(e.row, e.column) for r in streamed for e in r.errors] == [(3, "户主姓名")]
    with override_settings(IMPORT_MAX_ROWS=3):
        stream = iter_sheet(path, headers=HOUSEHOLD_HEADERS)
        assert [next(stream).number for _ in range(2)] == [2, 3]
        with pytest.raises(FileRejected, match="数据超过3行（空行也计入）"):
            next(stream)
