"""Excel both ways (issue 20): the project list and a project's roster download in their import
templates, filled with today's records, and go back in unchanged; three edited cells change exactly
three fields, with history. Roster downloads are kept in the personal-data audit."""

import io
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from projects import services
from projects.choices import Criterion, Opinion, Role
from projects.importing import GUIDE_SHEET, HOUSEHOLD_HEADERS, PROJECT_HEADERS, workbook_table
from projects.models import Household, PersonalDataAccess, PlanYear, Project, StartCriterion, User
from projects.template_files import COLUMNS, XLSX_CONTENT_TYPE, template_workbook_bytes
from tests.factories import UserFactory
from tests.xlsx import household_row, project_row, write_xlsx

pytestmark = pytest.mark.django_db

UNIT = "驿城区"
OTHER_UNIT = "西平县"
STARTED = "建设路1号院"  # new, all five criteria met, its roster agrees
CARRYOVER = "文化路2号院"  # carried over from 2021, completed in June
CONFIRMED = "人民路3号院"  # new, "无违建" confirmed by a named person, an address like a formula
FORMULA_ADDRESS = "=1+2 驿城区人民路3号"


def roster_rows(project: str) -> list[list[Any]]:
    """Ten households of ``project``, all agreeing, answered on March 1st … 10th."""
    return [
        household_row(
            小区名称=project,
            房号=str(101 + i),
            户主姓名=f"住户{i}",
            联系电话=f"1390000{5670 + i}",
            表态日期=date(2022, 3, i + 1),
        )
        for i in range(10)
    ]


@pytest.fixture
def users(programme: None) -> dict[str, User]:
    return {
        "clerk": UserFactory(username="clerk", role=Role.CLERK),
        "leader": UserFactory(username="leader", role=Role.LEADER),
        "city": UserFactory(username="city", role=Role.CITY, unit=None, is_staff=True),
    }


@pytest.fixture
def world(users: dict[str, User], plan_year: PlanYear, tmp_path: Path) -> PlanYear:
    """Three 驿城区 projects and one 西平县 project, imported as a county would, and the first
    project's roster of ten households."""
    rows = [
        project_row(小区名称=STARTED),
        project_row(
            项目类型="续建", 小区名称=CARRYOVER, 违建拆除日期=None, 设计公示日期=None,
            施工合同日期=None, 进场日期=None, 完工日期="2022-06-20",
        ),
        project_row(小区名称=CONFIRMED, 无违建="是", 责任人="张三"),
        project_row(
            区县=OTHER_UNIT, 小区名称="西平一号院", **{"市级补助(万元)": None, "县级配套(万元)": "30"}
        ),
    ]  # fmt: skip
    result = services.projects_import(
        source=write_xlsx(tmp_path / "p.xlsx", PROJECT_HEADERS, rows), plan_year=plan_year
    )
    assert result.ok and result.created == 4, result.errors
    # Typed on the project page; confirmed on the criterion page by someone else than the 责任人.
    Project.objects.filter(name=CONFIRMED).update(address=FORMULA_ADDRESS)
    StartCriterion.objects.filter(
        project__name=CONFIRMED, criterion=Criterion.STRUCTURES_CLEARED
    ).update(confirmed_by="李主任")
    result = services.households_import(
        source=write_xlsx(tmp_path / "h.xlsx", HOUSEHOLD_HEADERS, roster_rows(STARTED)),
        plan_year=plan_year,
    )
    assert result.ok and result.created == 10, result.errors
    return plan_year


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def data_rows(content: bytes) -> list[tuple[Any, ...]]:
    """The data sheet's rows after the header, as values."""
    book = load_workbook(io.BytesIO(content))
    return [tuple(row) for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)]


def edited(content: bytes, edits: dict[tuple[int, str], Any]) -> io.BytesIO:
    """The workbook with cells replaced, by (sheet row, header), as a person would in Excel."""
    book = load_workbook(io.BytesIO(content))
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    for (row, header), value in edits.items():
        sheet.cell(row, headers.index(header) + 1).value = value
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def named(content: bytes, name: str) -> SimpleUploadedFile:
    """A downloaded file as a browser uploads it."""
    return SimpleUploadedFile(name, content, content_type=XLSX_CONTENT_TYPE)


def snapshot() -> tuple[Any, ...]:
    return (
        list(Project.objects.order_by("pk").values()),
        list(Household.objects.order_by("pk").values()),
        list(StartCriterion.objects.order_by("pk").values()),
        Project.history.count(),
        Household.history.count(),
        StartCriterion.history.count(),
    )


def download_projects(user: User, query: str = "") -> bytes:
    response = client_for(user).get(reverse("project_list_download") + query)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return response.content


def download_roster(user: User, name: str = STARTED) -> bytes:
    project = Project.objects.get(name=name)
    response = client_for(user).get(reverse("household_list_download", kwargs={"pk": project.pk}))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    return response.content


# --- the projects template ----------------------------------------------------------------------


def test_project_list_download_holds_todays_records_in_the_template(
    world: PlanYear, users: dict[str, User]
) -> None:
    """The clerk's download: the template's headers, the unit's three projects in list order, each
    cell as recorded (numbers, dates, the criteria's dates, 无违建), the formula-like address text."""
    content = download_projects(users["clerk"])
    book = load_workbook(io.BytesIO(content))
    assert [s.title for s in book.worksheets] == ["项目", GUIDE_SHEET]
    assert tuple(c.value for c in book.worksheets[0][1]) == PROJECT_HEADERS
    rows = {r[2]: dict(zip(PROJECT_HEADERS, r, strict=True)) for r in data_rows(content)}
    assert sorted(rows) == sorted([STARTED, CARRYOVER, CONFIRMED])
    started = rows[STARTED]
    assert started["区县"] == UNIT and started["项目类型"] == "新开工"
    assert (started["楼栋数"], started["户数"]) == (2, 10)
    assert Decimal(str(started["建筑面积(㎡)"])) == Decimal("1200.50")
    assert started["总投资(万元)"] == 100 and started["社会资本(万元)"] == 0
    assert started["进场日期"].date() == date(2022, 4, 15)
    assert started["无违建"] == "否" and started["完工日期"] is None
    assert rows[CARRYOVER]["完工日期"].date() == date(2022, 6, 20)
    assert rows[CONFIRMED]["无违建"] == "是"
    assert rows[CONFIRMED]["地址"] == FORMULA_ADDRESS
    address = book.worksheets[0].cell(
        [r[2] for r in data_rows(content)].index(CONFIRMED) + 2, PROJECT_HEADERS.index("地址") + 1
    )
    assert address.data_type == "s" and address.quotePrefix  # shown as text, never run


def test_project_list_download_follows_the_lists_filters(
    world: PlanYear, users: dict[str, User]
) -> None:
    """The download lists what the page's search and filters list: a name finds one project, the
    carry-over filter one, and the city office's list holds both units' four projects."""
    assert [r[2] for r in data_rows(download_projects(users["clerk"], f"?q={STARTED}"))] == [
        STARTED
    ]
    assert [r[2] for r in data_rows(download_projects(users["clerk"], "?kind=carryover"))] == [
        CARRYOVER
    ]
    assert len(data_rows(download_projects(users["city"]))) == 4


def test_project_download_imported_unchanged_changes_nothing(
    world: PlanYear, users: dict[str, User]
) -> None:
    """The downloaded file imported as it is: the import page's preview says 0 new, 0 updated, and
    the import itself writes no row and no history."""
    content = download_projects(users["clerk"])
    before = snapshot()
    client = client_for(users["clerk"])
    response = client.post(
        reverse("project_import"), {"preview": "1", "file": named(content, "projects.xlsx")}
    )
    preview = response.content.decode()
    assert "将新增 0 个项目，更新 0 个，3 个不变" in preview, preview
    result = services.projects_import(
        source=io.BytesIO(content), plan_year=world, user=users["clerk"]
    )
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3), result.errors
    assert not result.changes
    assert snapshot() == before


def test_three_edited_project_cells_change_exactly_three_fields_with_history(
    world: PlanYear, users: dict[str, User]
) -> None:
    """An address, a completion date and a criterion's date edited in the downloaded file: the
    preview lists those three, and the import writes those three fields, each with its history."""
    clerk = users["clerk"]
    content = download_projects(clerk)
    order = [r[2] for r in data_rows(content)]
    line = {name: order.index(name) + 2 for name in order}
    edits = {
        (line[STARTED], "地址"): "驿城区建设路1号（东院）",
        (line[CARRYOVER], "完工日期"): date(2022, 6, 25),
        (line[CONFIRMED], "设计公示日期"): date(2022, 3, 22),
    }
    dry = services.projects_import(
        source=edited(content, edits), plan_year=world, user=clerk, dry_run=True
    )
    assert sorted(field for c in dry.changes for field in c.fields) == [
        ("地址", "驿城区建设路1号", "驿城区建设路1号（东院）"),
        ("完工日期", "2022-06-20", "2022-06-25"),
        ("设计公示日期", "2022-03-20", "2022-03-22"),
    ]
    projects_history = Project.history.count()
    criteria_history = StartCriterion.history.count()
    result = services.projects_import(
        source=edited(content, edits), plan_year=world, user=clerk, allow_status_changes=True
    )
    assert (result.created, result.updated, result.unchanged) == (0, 3, 0), result.errors
    assert Project.history.count() == projects_history + 2
    assert StartCriterion.history.count() == criteria_history + 1
    changed: dict[str, set[str]] = {}
    for name in (STARTED, CARRYOVER):
        newest, previous = Project.history.filter(name=name).order_by("-history_id")[:2]
        assert newest.history_user == clerk
        changed[name] = set(newest.diff_against(previous).changed_fields) - {"version"}
    assert changed == {STARTED: {"address"}, CARRYOVER: {"completed_on"}}
    design = StartCriterion.objects.get(project__name=CONFIRMED, criterion=Criterion.DESIGN_POSTED)
    newest, previous = design.history.order_by("-history_id")[:2]
    assert newest.history_user == clerk
    assert set(newest.diff_against(previous).changed_fields) - {"recorded_by"} == {"met_on"}
    assert design.met_on == date(2022, 3, 22)
    cleared = StartCriterion.objects.get(
        project__name=CONFIRMED, criterion=Criterion.STRUCTURES_CLEARED
    )
    assert cleared.confirmed_by == "李主任"  # the recorded confirmer is kept


# --- the roster template ------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "in_full"), [("clerk", True), ("leader", True), ("city", False)])
def test_roster_download_shows_names_in_full_only_to_the_units_clerk_and_leader(
    world: PlanYear, users: dict[str, User], role: str, in_full: bool
) -> None:
    """The unit's clerk and leader get names and phones in full, the city office masked; each
    download leaves one access record: who, in which role, when, which project, how many."""
    started = timezone.now()
    rows = data_rows(download_roster(users[role]))
    assert len(rows) == 10
    first = dict(zip(HOUSEHOLD_HEADERS, rows[0], strict=True))
    assert (first["户主姓名"], first["联系电话"]) == (
        ("住户0", "13900005670") if in_full else ("住**", "139****5670")
    )
    assert (first["改造方案意见"], first["表态日期"].date()) == ("同意", date(2022, 3, 1))
    access = PersonalDataAccess.objects.get()
    project = Project.objects.get(name=STARTED)
    assert (access.user, access.role, access.action) == (users[role], role, "download")
    assert (access.project, access.unit, access.households) == (project, project.unit, 10)
    assert started <= access.at <= timezone.now()
    assert access.reason == ("姓名和电话完整" if in_full else "姓名和电话已打码")


def test_roster_download_imported_unchanged_changes_nothing(
    world: PlanYear, users: dict[str, User]
) -> None:
    """The clerk's roster imported back on the roster's import page: the preview says 0 new,
    0 updated, and the import writes nothing."""
    content = download_roster(users["clerk"])
    project = Project.objects.get(name=STARTED)
    before = snapshot()
    response = client_for(users["clerk"]).post(
        reverse("household_import", kwargs={"pk": project.pk}),
        {"preview": "1", "file": named(content, "roster.xlsx")},
    )
    assert "将新增 0 户，更新 0 户，10 户不变" in response.content.decode()
    result = services.households_import(
        source=io.BytesIO(content), plan_year=world, user=users["clerk"], project=project
    )
    assert (result.created, result.updated, result.unchanged) == (0, 0, 10), result.errors
    assert snapshot() == before


def test_three_edited_roster_cells_change_exactly_three_fields_with_history(
    world: PlanYear, users: dict[str, User]
) -> None:
    """A name, a phone and an answer edited in the clerk's roster: exactly those three fields of
    three households change, each with a history record by the clerk."""
    clerk = users["clerk"]
    project = Project.objects.get(name=STARTED)
    content = download_roster(clerk)
    edits = {
        (2, "户主姓名"): "王小明",
        (3, "联系电话"): "13712345678",
        (11, "改造方案意见"): "不同意",
    }
    history = Household.history.count()
    result = services.households_import(
        source=edited(content, edits),
        plan_year=world,
        user=clerk,
        project=project,
        allow_status_changes=True,
    )
    assert (result.created, result.updated, result.unchanged) == (0, 3, 7), result.errors
    assert Household.history.count() == history + 3
    changed = {}
    for household in Household.objects.filter(project=project):
        newest, *older = household.history.order_by("-history_id")[:2]
        if older:
            assert newest.history_user == clerk
            changed[household.room] = set(newest.diff_against(older[0]).changed_fields)
    assert changed == {"101": {"head_name"}, "102": {"phone"}, "110": {"plan_opinion"}}
    assert Household.objects.get(project=project, room="110").plan_opinion == Opinion.DISAGREE


def test_a_masked_roster_cannot_overwrite_names(world: PlanYear, users: dict[str, User]) -> None:
    """The city office's masked roster imported (by a command without a user) is refused for its
    masked names and phones, and writes nothing."""
    content = download_roster(users["city"])
    before = snapshot()
    result = services.households_import(source=io.BytesIO(content), plan_year=world)
    columns = {(e.row, e.column) for e in result.errors}
    assert {(2, "户主姓名"), (2, "联系电话")} <= columns, result.errors
    assert "打码" in " ".join(e.message for e in result.errors)
    assert snapshot() == before


# --- the workbook: drop-downs and the guide sheet -----------------------------------------------


@pytest.mark.parametrize(
    ("kind", "drop_downs"),
    [
        ("projects", {"B2:B1048576": '"新开工,续建"', "U2:U1048576": '"是,否"'}),
        (
            "households",
            {"H2:H1048576": '"同意,不同意,未表态"', "I2:I1048576": '"同意,不同意,未表态"'},
        ),
    ],
)
def test_templates_offer_drop_downs_and_explain_every_column(
    kind: str, drop_downs: dict[str, str]
) -> None:
    """The data sheet's fixed answers are drop-down lists down the whole column (项目类型, 无违建,
    the two opinions); the second sheet names every column with what it takes and the date format."""
    book = load_workbook(io.BytesIO(template_workbook_bytes(kind)))
    data, guide = book.worksheets
    found = {str(v.sqref): v.formula1 for v in data.data_validations.dataValidation}
    assert found == drop_downs
    assert all(v.type == "list" for v in data.data_validations.dataValidation)
    assert guide.title == GUIDE_SHEET
    lines = [tuple(r) for r in guide.iter_rows(values_only=True)]
    explained = [
        line[0] for line in lines[lines.index(("列名", "是否必填", "可填写的值", "说明")) + 1 :]
    ]
    assert explained == [c.header for c in COLUMNS[kind]]
    assert tuple(explained) == (PROJECT_HEADERS if kind == "projects" else HOUSEHOLD_HEADERS)
    assert any("YYYY-MM-DD" in str(cell) for line in lines for cell in line)


def test_every_import_path_reads_only_the_data_sheet(
    world: PlanYear, users: dict[str, User], tmp_path: Path
) -> None:
    """A download saved with its guide sheet open imports unchanged by the service (command and
    pages) and the admin's preview reads the data sheet; any other sheet with data is refused."""
    book = load_workbook(io.BytesIO(download_projects(users["clerk"])))
    book.active = 1
    saved = tmp_path / "guide-open.xlsx"
    book.save(saved)
    result = services.projects_import(source=saved, plan_year=world)
    assert result.ok and result.updated == 0, result.errors
    assert tuple(workbook_table(saved)[0]) == PROJECT_HEADERS  # the admin preview's reader
    call_command("import_projects", str(saved), "--dry-run")
    book.create_sheet("备注").append(["别的数据"])
    book.save(saved)
    refused = services.projects_import(source=saved, plan_year=world)
    assert "“备注”也有数据" in refused.errors[0].message


# --- commands and query counts ------------------------------------------------------------------


def test_commands_write_the_files_the_pages_download(
    world: PlanYear, users: dict[str, User], tmp_path: Path
) -> None:
    """export_projects (a unit, or the city without --unit) and export_households (one project, as
    the clerk) write the pages' files; the roster command's download is audited too."""
    out = tmp_path / "p.xlsx"
    call_command("export_projects", "--year", "2022", "--unit", UNIT, "--out", str(out))
    assert data_rows(out.read_bytes()) == data_rows(download_projects(users["clerk"]))
    call_command("export_projects", "--year", "2022", "--out", str(out))
    assert data_rows(out.read_bytes()) == data_rows(download_projects(users["city"]))
    roster = tmp_path / "h.xlsx"
    call_command(
        "export_households", "--year", "2022", "--unit", UNIT, "--project", STARTED,
        "--user", "clerk", "--out", str(roster),
    )  # fmt: skip
    assert PersonalDataAccess.objects.get().user == users["clerk"]
    assert data_rows(roster.read_bytes()) == data_rows(download_roster(users["clerk"]))
    call_command("export_households", "--year", "2022", "--unit", UNIT, "--out", str(roster))
    assert data_rows(roster.read_bytes()) == data_rows(download_roster(users["city"]))
    assert PersonalDataAccess.objects.count() == 3  # two page downloads, one command as the clerk


def add_projects(plan_year: PlanYear, tmp_path: Path, count: int, start: int) -> None:
    rows = [project_row(小区名称=f"新增{start + i}号院") for i in range(count)]
    path = write_xlsx(tmp_path / f"more{start}.xlsx", PROJECT_HEADERS, rows)
    assert services.projects_import(source=path, plan_year=plan_year).ok


def queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_downloads_take_the_same_queries_however_many_rows(
    world: PlanYear, users: dict[str, User], tmp_path: Path
) -> None:
    """The project list and the roster download in as many queries for 3 projects as for 13, and
    for 10 households as for 30."""
    client = client_for(users["clerk"])
    project = Project.objects.get(name=STARTED)
    roster_url = reverse("household_list_download", kwargs={"pk": project.pk})
    few = (queries(client, reverse("project_list_download")), queries(client, roster_url))
    add_projects(world, tmp_path, 10, 100)
    rows = [
        household_row(小区名称=STARTED, 楼栋="2", 房号=str(201 + i), 表态日期=date(2022, 3, 1))
        for i in range(20)
    ]
    project.households = 30
    project.save(update_fields=["households"])
    path = write_xlsx(tmp_path / "more-h.xlsx", HOUSEHOLD_HEADERS, rows)
    assert services.households_import(source=path, plan_year=world, allow_status_changes=True).ok
    many = (queries(client, reverse("project_list_download")), queries(client, roster_url))
    assert len(data_rows(client.get(reverse("project_list_download")).content)) == 13
    assert few == many


def test_the_empty_template_is_written_as_before() -> None:
    """The blank template still holds the headers and its example row (and the guide sheet)."""
    book = load_workbook(io.BytesIO(template_workbook_bytes("projects")))
    assert tuple(c.value for c in book.worksheets[0][1]) == PROJECT_HEADERS
    assert book.worksheets[0]["C2"].value == "示例小区"


def test_roster_download_and_page_sort_buildings_as_numbers(
    world: PlanYear, users: dict[str, User]
) -> None:
    """楼栋 1 … 10 come in that order in the download and on the roster page, not 1, 10, 2 as text
    sorts them."""
    households = list(Household.objects.filter(project__name=STARTED).order_by("pk"))
    for number, household in enumerate(reversed(households), start=1):
        Household.objects.filter(pk=household.pk).update(building=str(number))
    buildings = [
        str(row[HOUSEHOLD_HEADERS.index("楼栋")])
        for row in data_rows(download_roster(users["clerk"]))
    ]
    assert buildings == [str(n) for n in range(1, 11)]
    project = Project.objects.get(name=STARTED)
    page = client_for(users["clerk"]).get(reverse("household_list", args=[project.pk]))
    shown = [h.building for h, _name, _phone in page.context["rows"]]
    assert shown == [str(n) for n in range(1, 11)]


@pytest.mark.parametrize("kind", ["projects", "households"])
def test_downloads_print_on_landscape_a4_one_page_wide_with_the_header_on_each_page(
    kind: str,
) -> None:
    """The data sheet prints landscape on A4, fitted to one page's width (any number of pages
    down), the header row repeated on every page."""
    sheet = load_workbook(io.BytesIO(template_workbook_bytes(kind, []))).worksheets[0]
    setup = sheet.page_setup
    assert (setup.orientation, str(setup.paperSize)) == ("landscape", "9")
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert (setup.fitToWidth, setup.fitToHeight) == (1, 0)
    assert sheet.print_title_rows == "$1:$1"
