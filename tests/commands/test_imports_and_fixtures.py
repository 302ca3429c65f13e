"""import_projects / import_households / check_fixtures as commands: messages and exit status."""

from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from projects.importing import HOUSEHOLD_HEADERS, PROJECT_HEADERS
from projects.models import Household, PlanYear, Project, UnitTarget
from tests.xlsx import household_row, project_row, write_xlsx

pytestmark = pytest.mark.django_db


def test_import_commands(
    tmp_path: Path, plan_year: PlanYear, capsys: pytest.CaptureFixture[str]
) -> None:
    """Valid files import and report their counts; the second run changes nothing."""
    projects = write_xlsx(tmp_path / "p.xlsx", PROJECT_HEADERS, [project_row()])
    households = write_xlsx(tmp_path / "h.xlsx", HOUSEHOLD_HEADERS, [household_row()])
    call_command("import_projects", str(projects))
    call_command("import_households", str(households))
    call_command("import_households", str(households))
    out = capsys.readouterr().out
    assert "新增 1" in out and "未变 1" in out
    assert Project.objects.count() == 1 and Household.objects.count() == 1


def test_import_error_exits_non_zero(
    tmp_path: Path, plan_year: PlanYear, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad row gives a non-zero exit, names the row and column in Chinese, and writes nothing."""
    path = write_xlsx(
        tmp_path / "p.xlsx",
        PROJECT_HEADERS,
        [project_row(), project_row(**{"小区名称": "乙", "户数": -1})],
    )
    with pytest.raises(CommandError, match="未写入任何数据"):
        call_command("import_projects", str(path))
    assert "第3行「户数」：不能为负数" in capsys.readouterr().err
    assert Project.objects.count() == 0


def test_missing_file(plan_year: PlanYear) -> None:
    """A path that does not exist is a clear error."""
    with pytest.raises(CommandError, match="找不到文件"):
        call_command("import_households", "/nonexistent/h.xlsx")


def test_check_fixtures(plan_year: PlanYear, capsys: pytest.CaptureFixture[str]) -> None:
    """The loaded fixtures pass, with the unallocated remainder and the units lacking targets named."""
    call_command("check_fixtures")
    out = capsys.readouterr().out
    assert "新开工 5307 户，完成改造 3714 户" in out
    assert "确山县" in out and "目标检查通过" in out


def test_check_fixtures_catches_a_wrong_target(plan_year: PlanYear) -> None:
    """A completion target that is not 70 % of new starts fails the check."""
    UnitTarget.objects.filter(unit__name="汝南县").update(completions=523)
    with pytest.raises(CommandError):
        call_command("check_fixtures")


def test_import_records_the_user(tmp_path: Path, plan_year: PlanYear) -> None:
    """--user records who imported (history and criteria) and confines a clerk to their unit."""
    from projects.models import Unit
    from tests.factories import UserFactory

    clerk = UserFactory(username="411702-clerk", unit=Unit.objects.get(name="驿城区"))
    path = write_xlsx(tmp_path / "p.xlsx", PROJECT_HEADERS, [project_row()])
    call_command("import_projects", str(path), "--user", "411702-clerk")
    project = Project.objects.get()
    assert project.history.get().history_user == clerk
    assert {c.recorded_by for c in project.criteria.all()} == {clerk}
    other = write_xlsx(tmp_path / "o.xlsx", PROJECT_HEADERS, [project_row(**{"区县": "西平县"})])
    with pytest.raises(CommandError):
        call_command("import_projects", str(other), "--user", "411702-clerk")
    with pytest.raises(CommandError, match="没有名为"):
        call_command("import_projects", str(path), "--user", "nobody")
