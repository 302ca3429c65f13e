"""Every command's --year: without it, the year containing today, else the latest; with 2022 the
only plan year, --year 2022 and no --year give the same output."""

import io
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from openpyxl import load_workbook

from projects.choices import PlanYearState, Role
from projects.importing import HOUSEHOLD_HEADERS, PROJECT_HEADERS
from projects.models import Notification, PlanYear, Unit
from tests.factories import HouseholdFactory, UserFactory
from tests.plan_years import second_plan_year, started_project
from tests.xlsx import household_row, project_row, write_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded(plan_year: PlanYear) -> None:
    """驿城区 has a 2022 project of 12 households on site from 1 May, with one household."""
    project = started_project(
        plan_year, name="建设路1号院", households=12, started=date(2022, 5, 1)
    )
    HouseholdFactory(project=project)


def output(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=out)
    return out.getvalue()


def cells(path: Path) -> list[list[Any]]:
    """Every sheet's cell values (a workbook's bytes differ by its creation time)."""
    workbook = load_workbook(path)
    return [[c.value for row in sheet.iter_rows() for c in row] for sheet in workbook.worksheets]


def undone(run: Callable[[], str]) -> str:
    """``run``'s output, its writes rolled back (so the next run starts from the same data)."""
    with transaction.atomic():
        text = run()
        transaction.set_rollback(True)
    return text


@pytest.mark.parametrize(
    "args",
    [
        ("check_targets", "--as-of", "2022-06-30"),
        ("check_targets", "--as-of", "2022-06-30", "--json"),
        ("check_start_criteria",),
        ("check_start_criteria", "--unit", "驿城区", "--json"),
    ],
)
def test_reports_of_2022_are_the_same_with_and_without_the_year(
    recorded: None, args: tuple[str, ...]
) -> None:
    """2022 is the only plan year: --year 2022 changes nothing of the output."""
    default = output(*args)
    assert "12" in default
    assert output(*args, "--year", "2022") == default


@pytest.mark.parametrize(
    ("command", "extra", "shown"),
    [
        ("export_projects", (), "建设路1号院"),
        ("export_projects", ("--unit", "驿城区"), "建设路1号院"),
        ("export_households", ("--unit", "驿城区"), "建设路1号院"),
        ("export_monthly_report", ("--month", "6", "--as-of", "2022-07-10"), "驿城区"),
        (
            "export_monthly_report",
            ("--month", "6", "--unit", "驿城区", "--as-of", "2022-07-10"),
            "建设路1号院",
        ),
        ("export_monthly_report", ("--month", "6", "--assessment"), "驿城区"),
    ],
)
def test_workbooks_of_2022_are_the_same_with_and_without_the_year(
    recorded: None, tmp_path: Path, command: str, extra: tuple[str, ...], shown: str
) -> None:
    """The exported workbooks hold the same cells with --year 2022 as without it."""
    said = output(command, *extra, "--out", str(tmp_path / "default.xlsx"))
    said_named = output(command, *extra, "--year", "2022", "--out", str(tmp_path / "named.xlsx"))
    assert said_named.replace("named", "default") == said
    # A month without a valid report is a working copy, its file name marked so.
    default = cells(next(tmp_path.glob("default*.xlsx")))
    assert cells(next(tmp_path.glob("named*.xlsx"))) == default
    assert any(shown in str(value) for sheet in default for value in sheet)


@pytest.mark.parametrize(
    ("command", "headers", "row"),
    [
        ("import_projects", PROJECT_HEADERS, project_row),
        ("import_households", HOUSEHOLD_HEADERS, household_row),
    ],
)
def test_imports_check_the_same_with_and_without_the_year(
    plan_year: PlanYear,
    tmp_path: Path,
    command: str,
    headers: tuple[str, ...],
    row: Callable[[], list[Any]],
) -> None:
    """A dry run of a file says the same with --year 2022 as without it, and an import writes
    into 2022 either way."""
    if command == "import_households":
        started_project(plan_year, name="建设路1号院", households=10, started=date(2022, 5, 1))
    path = write_xlsx(tmp_path / "file.xlsx", headers, [row()])
    default = output(command, str(path), "--dry-run")
    assert "新增 1" in default
    assert output(command, str(path), "--dry-run", "--year", "2022") == default


def test_send_reminders_for_2022_alone_is_the_default(plan_year: PlanYear) -> None:
    """On 3 July 2022 June's report is due on the 5th: --year 2022 reminds the same people of the
    same months as a run over every open year."""
    UserFactory(username="clerk", role=Role.CLERK, unit=Unit.objects.get(name="驿城区"))
    default = undone(lambda: output("send_reminders", "--today", "2022-07-03"))
    assert "驿城区 2022年6月信息月报（截止 2022-07-05）即将到期：提醒 1 人" in default
    assert output("send_reminders", "--today", "2022-07-03", "--year", "2022") == default


# --- the default year -----------------------------------------------------------------------------


def test_the_default_is_the_year_containing_today_else_the_latest(
    recorded: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With 2023 open: on 1 March 2023 check_targets reads 2023; on 1 March 2026 (no such year),
    the latest, 2023; on 1 March 2022, 2022."""
    second_plan_year()
    for today, year in (
        (date(2023, 3, 1), 2023),
        (date(2026, 3, 1), 2023),
        (date(2022, 3, 1), 2022),
    ):
        monkeypatch.setattr("projects.selectors.today_local", lambda today=today: today)
        assert output("check_targets").splitlines()[0].startswith(f"{year}年度阶段任务检查")


def test_a_draft_year_is_the_default_in_its_own_year(
    recorded: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A command sees every year, drafts too: with 2023 drafted, on 1 December 2022 the default is
    2022; on 1 March 2023 it is the draft 2023 (2022 is then named with --year)."""
    second_plan_year(state=PlanYearState.DRAFT)
    monkeypatch.setattr("projects.selectors.today_local", lambda: date(2022, 12, 1))
    assert output("check_targets").startswith("2022年度阶段任务检查")
    monkeypatch.setattr("projects.selectors.today_local", lambda: date(2023, 3, 1))
    assert output("check_targets").startswith("2023年度阶段任务检查")
    assert output("check_targets", "--year", "2022").startswith("2022年度阶段任务检查")


def test_no_plan_year_and_an_unknown_year_are_clear_errors(db: None) -> None:
    """Without any plan year, and for a year that has none, the commands say so."""
    with pytest.raises(CommandError, match="尚无年度计划"):
        output("check_targets")
    with pytest.raises(CommandError, match="没有1999年度计划"):
        output("check_start_criteria", "--year", "1999")
    with pytest.raises(CommandError, match="没有1999年度计划"):
        output("send_reminders", "--year", "1999")


def test_reminders_skip_a_draft_year(plan_year: PlanYear) -> None:
    """While 2023 is a draft, its January report (due 5 February 2023) reminds nobody on 3 February;
    2022's December report (due 5 January 2023) is reminded of on 3 January all the same. Once
    2023 is open, its January report is."""
    UserFactory(username="clerk", role=Role.CLERK, unit=Unit.objects.get(name="驿城区"))
    draft = second_plan_year(state=PlanYearState.DRAFT)
    december = output("send_reminders", "--today", "2023-01-03")
    assert "驿城区 2022年12月信息月报（截止 2023-01-05）即将到期：提醒 1 人" in december
    assert output("send_reminders", "--today", "2023-02-03") == "已发送提醒 0 条\n"
    PlanYear.objects.filter(pk=draft.pk).update(state=PlanYearState.OPEN)
    january = output("send_reminders", "--today", "2023-02-03", "--year", "2023")
    assert january == (
        "驿城区 2023年1月信息月报（截止 2023-02-05）即将到期：提醒 1 人\n已发送提醒 1 条\n"
    )
    assert Notification.objects.filter(recipient__username="clerk").count() == 2
