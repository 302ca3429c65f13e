"""households_import: the roster goes in whole or not at all, and the start dates follow it."""

from datetime import date
from pathlib import Path

import pytest

from projects.consequences import StatusChangesNeedConfirmation
from projects.importing import HOUSEHOLD_HEADERS, PROJECT_HEADERS
from projects.models import Household, PlanYear, Project
from projects.services import households_import, projects_import
from tests.xlsx import household_row, project_row, write_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(tmp_path: Path, plan_year: PlanYear) -> Project:
    """建设路1号院 of 驿城区: 10 households, criteria 2–5 met by 2022-04-15."""
    path = write_xlsx(tmp_path / "p.xlsx", PROJECT_HEADERS, [project_row()])
    assert projects_import(source=path, plan_year=plan_year).ok
    return Project.objects.get()


def roster(
    agree: int, *, total: int = 10, answered: str = "2022-03-{day:02d}"
) -> list[list[object]]:
    """``total`` households, the first ``agree`` agreeing, answers dated March 1st, 2nd, …"""
    rows = []
    for i in range(total):
        opinion = "同意" if i < agree else "不同意"
        rows.append(
            household_row(
                **{
                    "房号": str(101 + i),
                    "改造方案意见": opinion,
                    "表态日期": answered.format(day=i + 1),
                }
            )
        )
    return rows


def run(tmp_path: Path, plan_year: PlanYear, rows: list[list[object]], **options: bool):  # type: ignore[no-untyped-def]
    path = write_xlsx(tmp_path / "h.xlsx", HOUSEHOLD_HEADERS, rows)
    return households_import(source=path, plan_year=plan_year, **options)


def test_eighty_percent_starts_the_project(
    tmp_path: Path, plan_year: PlanYear, project: Project
) -> None:
    """8 of 10 agreeing (the 8th on March 8th) meets consent; the start date is the last criterion, 04-15."""
    result = run(tmp_path, plan_year, roster(8))
    assert result.ok, result.errors
    project.refresh_from_db()
    assert project.consent_met_on == date(2022, 3, 8)
    assert project.started_on == date(2022, 4, 15)


def test_one_household_below_does_not_start(
    tmp_path: Path, plan_year: PlanYear, project: Project
) -> None:
    """7 of 10 agreeing is below 80 %: no consent, no start."""
    assert run(tmp_path, plan_year, roster(7)).ok
    project.refresh_from_db()
    assert project.consent_met_on is None and project.started_on is None


def test_disagreeing_on_management_mode_is_not_agreeing(
    tmp_path: Path, plan_year: PlanYear, project: Project
) -> None:
    """A household agrees only when it agreed to both the plan and the management mode."""
    rows = roster(8)
    rows[0][HOUSEHOLD_HEADERS.index("物业管理模式意见")] = "未表态"
    assert run(tmp_path, plan_year, rows).ok
    project.refresh_from_db()
    assert project.started_on is None


def test_corrected_roster_moves_start(
    tmp_path: Path, plan_year: PlanYear, project: Project
) -> None:
    """A re-import with a changed answer updates that household and recomputes the start date
    (un-starting the project: refused unless allowed)."""
    run(tmp_path, plan_year, roster(8))
    with pytest.raises(StatusChangesNeedConfirmation, match="开工日期 2022年4月15日 → 未达到"):
        run(tmp_path, plan_year, roster(7))
    project.refresh_from_db()
    assert project.started_on == date(2022, 4, 15)
    result = run(tmp_path, plan_year, roster(7), allow_status_changes=True)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 9)
    project.refresh_from_db()
    assert project.started_on is None
    again = run(tmp_path, plan_year, roster(7))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 10)


def test_more_records_than_households_is_refused(
    tmp_path: Path, plan_year: PlanYear, project: Project
) -> None:
    """An 11th household record for a 10-household project is one error for the project, on its
    first row and under no column, and writes nothing."""
    result = run(tmp_path, plan_year, roster(8, total=11))
    assert [(e.row, e.column) for e in result.errors] == [(2, "")]
    assert Household.objects.count() == 0


@pytest.mark.parametrize(
    ("bad", "column"),
    [
        ({"区县": "不存在县"}, "区县"),
        ({"小区名称": "没有的小区"}, "小区名称"),
        ({"户主姓名": ""}, "户主姓名"),
        ({"改造方案意见": "赞成"}, "改造方案意见"),
        ({"表态日期": None}, "表态日期"),
        ({"表态日期": "3月1日"}, "表态日期"),
        ({"联系电话": "1380000123"}, "联系电话"),
        ({"户主姓名": "=A1"}, "户主姓名"),
    ],
)
def test_bad_row_changes_nothing(
    tmp_path: Path, plan_year: PlanYear, project: Project, bad: dict[str, object], column: str
) -> None:
    """One bad row names its row and column and nothing is written."""
    rows = [household_row(**{"房号": "201"}), household_row(**bad)]
    result = run(tmp_path, plan_year, rows)
    assert (3, column) in {(e.row, e.column) for e in result.errors}, result.errors
    assert Household.objects.count() == 0


def test_duplicate_dwelling_in_file(tmp_path: Path, plan_year: PlanYear, project: Project) -> None:
    """The same building, entrance and room twice is an error on the second row."""
    result = run(tmp_path, plan_year, [household_row(), household_row()])
    assert [(e.row, e.column) for e in result.errors] == [(3, "房号")]


def test_start_after_recorded_completion_is_refused(
    tmp_path: Path, plan_year: PlanYear, project: Project
) -> None:
    """A roster whose consent would start the project after its recorded completion is refused."""
    Project.objects.filter(pk=project.pk).update(completed_on=date(2022, 5, 1))
    late = roster(8, answered="2022-05-{day:02d}")  # the 8th agreement on May 8th
    result = run(tmp_path, plan_year, late)
    assert not result.ok and "完工日期" in result.errors[0].message
    assert Household.objects.count() == 0


def test_clerk_imports_only_own_unit(tmp_path: Path, plan_year: PlanYear, project: Project) -> None:
    """A clerk of another unit cannot import 驿城区's roster; its own unit's leader can."""
    from projects.models import Unit
    from tests.factories import UserFactory

    path = write_xlsx(tmp_path / "h.xlsx", HOUSEHOLD_HEADERS, roster(8))
    outsider = UserFactory(unit=Unit.objects.get(name="西平县"))
    result = households_import(source=path, plan_year=plan_year, user=outsider)
    assert {e.column for e in result.errors} == {"区县"} and len(result.errors) == 10
    assert Household.objects.count() == 0
    leader = UserFactory(role="leader", unit=Unit.objects.get(name="驿城区"))
    assert households_import(source=path, plan_year=plan_year, user=leader).ok
    assert Household.objects.count() == 10
