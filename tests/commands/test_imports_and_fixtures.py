"""import_projects / import_households / check_fixtures as commands: messages and exit status."""

from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from projects.importing import HOUSEHOLD_HEADERS, PROJECT_HEADERS
from projects.models import Household, PlanYear, Project, UnitTarget
from tests.status_changes import received_may_report, roster
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


def test_unstarting_roster_is_refused_without_allow_status_changes(
    tmp_path: Path, plan_year: PlanYear, capsys: pytest.CaptureFixture[str]
) -> None:
    """A re-import turning two answers to 不同意 would un-start 建设路1号院 (started 2022-04-15,
    counted in 驿城区's received May report): refused with a non-zero exit naming the project and
    the report, nothing written; with --allow-status-changes it is written."""
    call_command(
        "import_projects", str(write_xlsx(tmp_path / "p.xlsx", PROJECT_HEADERS, [project_row()]))
    )
    call_command(
        "import_households", str(write_xlsx(tmp_path / "h.xlsx", HOUSEHOLD_HEADERS, roster(8)))
    )
    project = Project.objects.get()
    assert project.started_on == date(2022, 4, 15)
    received_may_report(project)
    capsys.readouterr()
    changed = str(write_xlsx(tmp_path / "h2.xlsx", HOUSEHOLD_HEADERS, roster(6)))
    with pytest.raises(CommandError, match="--allow-status-changes"):
        call_command("import_households", changed)
    err = capsys.readouterr().err
    assert "驿城区建设路1号院：已开工 → 未开工；" in err
    assert "开工日期 2022年4月15日 → 未达到" in err
    assert "驿城区2022年5月信息月报（第1版）" in err
    project.refresh_from_db()
    assert project.started_on == date(2022, 4, 15)
    assert Household.objects.filter(plan_opinion="agree").count() == 8
    call_command("import_households", changed, "--allow-status-changes")
    assert "更新 2" in capsys.readouterr().out
    project.refresh_from_db()
    assert project.started_on is None
    assert Household.objects.filter(plan_opinion="agree").count() == 6


def test_project_import_moving_a_start_is_refused_without_allow_status_changes(
    tmp_path: Path, plan_year: PlanYear, capsys: pytest.CaptureFixture[str]
) -> None:
    """import_projects refuses a file that moves a started project's start date (its 进场日期
    2022-04-15 → 2022-04-20) unless --allow-status-changes; nothing is written."""
    call_command(
        "import_projects", str(write_xlsx(tmp_path / "p.xlsx", PROJECT_HEADERS, [project_row()]))
    )
    call_command(
        "import_households", str(write_xlsx(tmp_path / "h.xlsx", HOUSEHOLD_HEADERS, roster(8)))
    )
    moved = str(
        write_xlsx(
            tmp_path / "p2.xlsx", PROJECT_HEADERS, [project_row(**{"进场日期": "2022-04-20"})]
        )
    )
    with pytest.raises(CommandError, match="未写入任何数据"):
        call_command("import_projects", moved)
    assert "建设路1号院" in capsys.readouterr().err
    assert Project.objects.get().started_on == date(2022, 4, 15)
    call_command("import_projects", moved, "--allow-status-changes")
    assert Project.objects.get().started_on == date(2022, 4, 20)


def test_dry_run_lists_rows_added_and_old_to_new_values(
    tmp_path: Path, plan_year: PlanYear, capsys: pytest.CaptureFixture[str]
) -> None:
    """import_projects --dry-run prints each added project and each changed field old → new."""
    call_command(
        "import_projects", str(write_xlsx(tmp_path / "p.xlsx", PROJECT_HEADERS, [project_row()]))
    )
    capsys.readouterr()
    rows = [project_row(**{"户数": 12}), project_row(**{"小区名称": "解放路2号院"})]
    call_command(
        "import_projects", str(write_xlsx(tmp_path / "p2.xlsx", PROJECT_HEADERS, rows)), "--dry-run"
    )
    out = capsys.readouterr().out
    assert "第2行 更新：驿城区建设路1号院：户数 10 → 12" in out
    assert "第3行 新增：驿城区解放路2号院" in out
    assert Project.objects.get().households == 10
