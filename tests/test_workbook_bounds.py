"""Hostile workbooks (a few hundred KB unpacking to far more) are refused with a Chinese message on
every path — the reader, the import command, the county roster page and the admin import — by a
check made before the expensive part, never by reading everything first.

The files are generated here, scaled to limits lowered for the test (the same code paths as the
deployment's 256 MB / 64 MB / 100,000 rows; full-size files were measured by hand, SECURITY.md).
"""

import zipfile
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook
from openpyxl.worksheet._reader import WorkSheetParser

from projects import workbooks
from projects.choices import Role
from projects.importing import HOUSEHOLD_HEADERS, FileRejected, iter_sheet, read_sheet
from projects.models import Household, PlanYear, Unit
from projects.resources import WorkbookXLSX
from tests import hostile
from tests.factories import ProjectFactory, UserFactory
from tests.xlsx import household_row

SHEET_LIMIT = 4 * 1024 * 1024
STRINGS_LIMIT = 2 * 1024 * 1024
ROW_LIMIT = 1000
ROW = [str(v) for v in household_row()]

# name → (file, what the refusal says)
BOMBS: dict[str, tuple[bytes, str]] = {
    # 1,000,000 × "<row/>" = 6 MB of sheet, over the 4 MB limit: refused by its declared size.
    "sheet": (
        hostile.empty_rows(HOUSEHOLD_HEADERS, 1_000_000),
        "工作表“xl/worksheets/sheet1.xml”解压后5.7MB，超过上限4MB",
    ),
    # 300,000 empty rows = 1.8 MB, under the size limit: refused at the 1,001st data row.
    "empty_rows": (
        hostile.empty_rows(HOUSEHOLD_HEADERS, 300_000),
        f"数据超过{ROW_LIMIT}行（空行也计入）",
    ),
    # A valid one-row file with 3 MB of shared strings no cell uses.
    "shared_strings": (
        hostile.unused_shared_strings(HOUSEHOLD_HEADERS, ROW, 3 * 1024 * 1024),
        "共享文字表“xl/sharedStrings.xml”解压后",
    ),
}


@pytest.fixture
def limits(settings: Any) -> None:
    settings.IMPORT_MAX_SHEET_BYTES = SHEET_LIMIT
    settings.IMPORT_MAX_SHARED_STRINGS_BYTES = STRINGS_LIMIT
    settings.IMPORT_MAX_ROWS = ROW_LIMIT


@pytest.fixture
def parse_rows() -> Iterator[mock.MagicMock]:
    """A spy on openpyxl's row parser: how many rows the reader converted."""
    with mock.patch.object(
        WorkSheetParser, "parse_row", autospec=True, side_effect=WorkSheetParser.parse_row
    ) as spy:
        yield spy


@pytest.fixture
def no_xml_parsing() -> Iterator[None]:
    """Fails the test if the reader starts parsing a sheet or the shared strings."""
    with mock.patch.object(workbooks, "XMLPullParser", side_effect=AssertionError("parsed")):
        yield


def refusal(data: bytes) -> str:
    with pytest.raises(FileRejected) as refused:
        read_sheet(BytesIO(data), headers=HOUSEHOLD_HEADERS, personal=True)
    return str(refused.value)


@pytest.mark.usefixtures("limits", "no_xml_parsing")
@pytest.mark.parametrize("bomb", ["sheet", "shared_strings"])
def test_oversized_part_is_refused_before_anything_is_parsed(bomb: str) -> None:
    """A sheet or shared-strings part over its unpacked limit is refused by the archive's sizes,
    before the XML parser is ever started."""
    data, message = BOMBS[bomb]
    assert message in refusal(data)


@pytest.mark.usefixtures("limits")
def test_empty_rows_count_toward_the_row_limit() -> None:
    """300,000 empty rows under the size limit: reading stops at the first row element past the
    limit (the header, 1,000 rows, then the refused one), it does not skip empty rows to the end."""
    read: list[Any] = []
    real = workbooks._elements

    def counting(*args: Any, **kwargs: Any) -> Iterator[Any]:
        for element in real(*args, **kwargs):
            read.append(element.tag)
            yield element

    data, message = BOMBS["empty_rows"]
    with mock.patch.object(workbooks, "_elements", counting):
        assert message in refusal(data)
    assert len(read) == ROW_LIMIT + 2


def test_rows_already_read_are_not_kept() -> None:
    """Each row element is dropped from the parsed tree once read: whenever a row is converted,
    the sheet's cell container holds at most the rows of one 64 KB chunk of XML (about 120 here),
    never the 2,000 rows passed (openpyxl's read-only parser keeps every row element)."""
    containers: list[Any] = []
    held: list[int] = []
    parse_row = WorkSheetParser.parse_row

    class Recording(workbooks.XMLPullParser):
        def read_events(self) -> Iterator[Any]:
            for event, element in super().read_events():
                if event == "start" and element.tag.endswith("}sheetData"):
                    containers.append(element)
                yield event, element

    def converting(parser: WorkSheetParser, row: Any) -> Any:
        held.append(len(containers[-1]))
        return parse_row(parser, row)

    rows = [household_row(**{"房号": str(10000 + i)}) for i in range(1999)]
    data = BytesIO(write_xlsx_bytes(rows))
    with (
        mock.patch.object(workbooks, "XMLPullParser", Recording),
        mock.patch.object(WorkSheetParser, "parse_row", autospec=True, side_effect=converting),
    ):
        assert len(list(iter_sheet(data, headers=HOUSEHOLD_HEADERS))) == 1999
    assert len(held) == 2000 and max(held) < 200


def test_one_huge_row_is_refused() -> None:
    """A single row of 400,000 empty cells (1.6 MB of XML, under the sheet limit) is refused once
    its XML passes 256 KB, without holding the row."""
    data = hostile.one_huge_row(HOUSEHOLD_HEADERS, 400_000)
    assert "工作表“住户”中有一行超过256KB，拒绝导入" in refusal(data)


def test_part_read_stops_at_its_limit_whatever_its_header_says() -> None:
    """A part's stream refuses to unpack past its limit even when the archive's sizes passed the
    check (a lying header): the cap is on the bytes read, not on what the header declares."""
    data = hostile.empty_rows(HOUSEHOLD_HEADERS, 10_000)
    archive = workbooks._CappedZip(BytesIO(data))
    archive.limit_for = lambda name: 1000
    with pytest.raises(workbooks.WorkbookRefused, match="解压后超过"):
        archive.read("xl/worksheets/sheet1.xml")


def test_understated_part_size_is_refused() -> None:
    """A sheet whose central directory understates its unpacked size passes the size check but is
    refused as damaged: no more than the declared bytes are ever unpacked."""
    data = bytearray(hostile.empty_rows(HOUSEHOLD_HEADERS, 100_000))
    with zipfile.ZipFile(BytesIO(bytes(data))) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
        assert info.file_size > 600_000
    name = b"xl/worksheets/sheet1.xml"
    central = bytes(data).rindex(b"PK\x01\x02", 0, bytes(data).rindex(name))
    # The central directory's "uncompressed size" field (ZIP64 extra holds it when 0xFFFFFFFF).
    data[central + 24 : central + 28] = (2000).to_bytes(4, "little")
    extra = bytes(data).index(b"\x01\x00", central + 46 + len(name))
    if int.from_bytes(data[extra + 2 : extra + 4], "little") >= 8:
        data[extra + 4 : extra + 12] = (2000).to_bytes(8, "little")
    assert "不是有效的Excel工作簿" in refusal(bytes(data))


# --- every path -----------------------------------------------------------------------------------


@pytest.fixture
def yicheng(programme: None) -> Unit:
    return Unit.objects.get(name="驿城区")


@pytest.mark.django_db
@pytest.mark.usefixtures("limits")
@pytest.mark.parametrize("bomb", BOMBS)
def test_import_command_refuses_hostile_files(
    bomb: str, programme: None, tmp_path: Path, capsys: Any
) -> None:
    """`import_households` refuses each hostile file with its message and writes nothing."""
    ProjectFactory(name="建设路1号院", households=10)
    data, message = BOMBS[bomb]
    path = tmp_path / "roster.xlsx"
    path.write_bytes(data)
    with pytest.raises(CommandError, match="住户导入失败"):
        call_command("import_households", str(path))
    assert message in capsys.readouterr().err
    assert not Household.objects.exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("limits")
@pytest.mark.parametrize("bomb", BOMBS)
def test_county_roster_page_refuses_hostile_files(bomb: str, yicheng: Unit) -> None:
    """The county roster upload shows each hostile file's message, stores nothing to confirm and
    writes nothing."""
    clerk = UserFactory(role=Role.CLERK, unit=yicheng)
    project = ProjectFactory(name="建设路1号院", households=10, unit=yicheng)
    data, message = BOMBS[bomb]
    client = Client()
    client.force_login(clerk)
    response = client.post(
        reverse("household_import", args=[project.pk]),
        {"file": SimpleUploadedFile("roster.xlsx", data), "preview": "1"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert message in page and 'name="token"' not in page
    assert not Household.objects.exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("limits")
@pytest.mark.parametrize("bomb", BOMBS)
def test_admin_import_refuses_hostile_files(bomb: str, programme: None) -> None:
    """The admin import reads the upload with the same bounded reader (never tablib's whole-file
    read): each hostile file's message is shown, no confirm is offered, nothing is written."""
    admin = UserFactory(role=Role.ADMIN, unit=None, is_staff=True, is_superuser=True)
    admin.save()
    ProjectFactory(name="建设路1号院", households=10)
    data, message = BOMBS[bomb]
    client = Client()
    client.force_login(admin)
    with mock.patch("tablib.Dataset.load", side_effect=AssertionError("tablib read the file")):
        response = client.post(
            reverse("admin:projects_household_import"),
            {
                "resource": "0",
                "format": "0",
                "plan_year": PlanYear.objects.get(year=2022).pk,
                "import_file": SimpleUploadedFile("roster.xlsx", data),
            },
        )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "confirm_form" not in response.context
    assert not Household.objects.exists()


def test_admin_parsing_never_uses_tablib() -> None:
    """The admin's xlsx format builds its preview from the bounded reader: row numbers as in
    Excel, blank rows left out."""
    data = write_xlsx_bytes([ROW, [None] * len(HOUSEHOLD_HEADERS), ROW])
    with mock.patch("tablib.Dataset.load", side_effect=AssertionError("tablib read the file")):
        dataset = WorkbookXLSX().create_dataset(data)
    assert dataset.headers == list(HOUSEHOLD_HEADERS)
    assert dataset.row_numbers == [2, 4]
    assert len(dataset) == 2


def write_xlsx_bytes(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(HOUSEHOLD_HEADERS))
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
