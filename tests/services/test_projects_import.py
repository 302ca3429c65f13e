"""projects_import: the projects template goes in whole or not at all, every bad row named."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from projects.choices import Criterion, ProjectKind
from projects.importing import PROJECT_HEADERS
from projects.models import PlanYear, Project, StartCriterion
from projects.services import projects_import
from tests.xlsx import project_row, write_xlsx

pytestmark = pytest.mark.django_db


def run(tmp_path: Path, plan_year: PlanYear, rows: list[list[object]], headers=PROJECT_HEADERS):  # type: ignore[no-untyped-def]
    path = write_xlsx(tmp_path / "projects.xlsx", headers, rows)
    return projects_import(source=path, plan_year=plan_year)


def test_valid_file_creates_projects_with_criteria(tmp_path: Path, plan_year: PlanYear) -> None:
    """A valid row creates the project with exact Decimal money and its four recorded criteria."""
    result = run(
        tmp_path,
        plan_year,
        [project_row(), project_row(**{"小区名称": "人民街2号院", "项目类型": "续建"})],
    )
    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    project = Project.objects.get(name="建设路1号院")
    assert project.kind == ProjectKind.NEW and project.households == 10
    assert project.floor_area == Decimal("1200.50") and project.fund_city == Decimal(10)
    dates = dict(StartCriterion.objects.filter(project=project).values_list("criterion", "met_on"))
    assert dates == {
        Criterion.STRUCTURES_CLEARED: date(2022, 3, 10),
        Criterion.DESIGN_POSTED: date(2022, 3, 20),
        Criterion.CONTRACT_SIGNED: date(2022, 4, 1),
        Criterion.ON_SITE: date(2022, 4, 15),
    }
    assert project.started_on is None  # no households yet: consent is not met
    assert project.history.count() == 1


def test_same_file_twice_changes_nothing(tmp_path: Path, plan_year: PlanYear) -> None:
    """Importing the same file again leaves every row unchanged and writes no history."""
    run(tmp_path, plan_year, [project_row()])
    result = run(tmp_path, plan_year, [project_row()])
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)
    assert Project.objects.get().history.count() == 1


def test_corrected_file_updates_what_it_names(tmp_path: Path, plan_year: PlanYear) -> None:
    """A corrected row updates its project (identified by 区县 + 小区名称) and bumps its version."""
    run(tmp_path, plan_year, [project_row()])
    result = run(tmp_path, plan_year, [project_row(**{"户数": 12, "进场日期": "2022-04-20"})])
    assert (result.created, result.updated) == (0, 1)
    project = Project.objects.get()
    assert project.households == 12 and project.version == 2
    assert project.criteria.get(criterion=Criterion.ON_SITE).met_on == date(2022, 4, 20)


@pytest.mark.parametrize(
    ("bad", "column"),
    [
        ({"区县": "不存在县"}, "区县"),
        ({"户数": -5}, "户数"),
        ({"户数": "十户"}, "户数"),
        ({"楼栋数": 2.5}, "楼栋数"),
        ({"总投资(万元)": "abc"}, "总投资(万元)"),
        ({"中央补助(万元)": "-1"}, "中央补助(万元)"),
        ({"完工日期": "2022-04-10"}, "完工日期"),  # before 进场日期 2022-04-15
        ({"完工日期": "2022-09-01", "验收日期": "2022-08-01"}, "验收日期"),
        ({"设计公示日期": "2022/13/45"}, "设计公示日期"),
        ({"项目类型": "新建"}, "项目类型"),
        ({"无违建": "是", "违建拆除日期": None}, "违建拆除日期"),
        ({"施工单位": ""}, "施工单位"),
        ({"联系电话": "12345"}, "联系电话"),
        ({"小区名称": ""}, "小区名称"),
        ({"户数": "=5+5"}, "户数"),  # a formula cell
    ],
)
def test_bad_row_changes_nothing_and_is_named(
    tmp_path: Path, plan_year: PlanYear, bad: dict[str, object], column: str
) -> None:
    """A file with one bad row writes nothing and names the row (3) and column of the problem."""
    rows = [project_row(**{"小区名称": "好小区"}), project_row(**bad)]
    result = run(tmp_path, plan_year, rows)
    assert not result.ok
    assert (3, column) in {(e.row, e.column) for e in result.errors}, result.errors
    assert all(e.row == 3 for e in result.errors)
    assert Project.objects.count() == 0 and StartCriterion.objects.count() == 0


def test_wrong_headers_are_refused(tmp_path: Path, plan_year: PlanYear) -> None:
    """A missing or extra column refuses the whole file, naming the columns."""
    headers = [h for h in PROJECT_HEADERS if h != "户数"] + ["备注"]
    rows = [project_row()[:-1]]
    result = run(tmp_path, plan_year, rows, headers=headers)
    assert not result.ok
    text = " ".join(str(e) for e in result.errors)
    assert "户数" in text and "备注" in text
    assert Project.objects.count() == 0


def test_duplicate_rows_in_one_file(tmp_path: Path, plan_year: PlanYear) -> None:
    """The same community twice in one file is an error on the second row."""
    result = run(tmp_path, plan_year, [project_row(), project_row()])
    assert [(e.row, e.column) for e in result.errors] == [(3, "小区名称")]


def test_not_a_workbook(tmp_path: Path, plan_year: PlanYear) -> None:
    """A file that is not an .xlsx workbook gets one clear error."""
    path = tmp_path / "fake.xlsx"
    path.write_bytes(b"name,households\n")
    result = projects_import(source=path, plan_year=plan_year)
    assert len(result.errors) == 1 and "Excel" in result.errors[0].message


def test_warnings_do_not_block(tmp_path: Path, plan_year: PlanYear) -> None:
    """City subsidy outside 驿城区/经济开发区 is a warning shown, not an error."""
    result = run(tmp_path, plan_year, [project_row(**{"区县": "遂平县"})])
    assert result.ok
    assert any("市级补助" in w.message for w in result.warnings)


def test_dry_run_writes_nothing(tmp_path: Path, plan_year: PlanYear) -> None:
    """A dry run reports what would happen and rolls back."""
    path = write_xlsx(tmp_path / "p.xlsx", PROJECT_HEADERS, [project_row()])
    result = projects_import(source=path, plan_year=plan_year, dry_run=True)
    assert result.created == 1
    assert Project.objects.count() == 0


def test_households_over_count_is_refused(tmp_path: Path, plan_year: PlanYear) -> None:
    """Lowering 户数 below the household records already held is an error."""
    from tests.factories import HouseholdFactory

    run(tmp_path, plan_year, [project_row()])
    project = Project.objects.get()
    for room in range(101, 109):
        HouseholdFactory(project=project, room=str(room))
    result = run(tmp_path, plan_year, [project_row(**{"户数": 7})])
    assert [(e.row, e.column) for e in result.errors] == [(2, "户数")]
    assert Project.objects.get().households == 10


def test_clerk_imports_only_own_unit(tmp_path: Path, plan_year: PlanYear) -> None:
    """A clerk of 遂平县 cannot import a row naming 驿城区 (SPEC §6); nothing is written."""
    from projects.models import Unit
    from tests.factories import UserFactory

    clerk = UserFactory(unit=Unit.objects.get(name="遂平县"))
    path = write_xlsx(
        tmp_path / "p.xlsx",
        PROJECT_HEADERS,
        [
            project_row(**{"区县": "遂平县", "市级补助(万元)": None, "总投资(万元)": "90"}),
            project_row(),
        ],
    )
    result = projects_import(source=path, plan_year=plan_year, user=clerk)
    assert [(e.row, e.column) for e in result.errors] == [(3, "区县")]
    assert Project.objects.count() == 0
    city = UserFactory(role="city", unit=None)
    assert projects_import(source=path, plan_year=plan_year, user=city).ok
