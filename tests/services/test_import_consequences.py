"""No silent reversal (issue 13, part 3) and sensible dwellings and dates (part 4) in the two imports:
the preview lists the rows added and the values changed, the projects whose consent, start or
completion changes and the valid reports affected; a change that needs confirmation is refused
without ``allow_status_changes``; dwelling and future-date errors each under their own column."""

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from projects.consequences import StatusChangesNeedConfirmation
from projects.importing import HOUSEHOLD_HEADERS, PROJECT_HEADERS
from projects.models import Household, PlanYear, Project, Unit
from projects.rules.reports import ReportState
from projects.services import households_import, projects_import
from reporting.models import MonthlyReport
from tests.xlsx import household_row, project_row, write_xlsx

pytestmark = pytest.mark.django_db


def received(plan_year: PlanYear, month: int, *, unit: str = "驿城区", version: int = 1) -> None:
    """A valid (received) report of ``unit`` for ``month``."""
    MonthlyReport.objects.create(
        plan_year=plan_year,
        unit=Unit.objects.get(name=unit),
        month=month,
        version=version,
        state=ReportState.RECEIVED,
        stamp="stamps/report.pdf",
        digest="0" * 64,
        approved_at=timezone.now(),
    )


def roster(agree: int, total: int = 10) -> list[list[Any]]:
    """``total`` households of 建设路1号院, the first ``agree`` agreeing, answered March 1st, 2nd…"""
    return [
        household_row(
            **{
                "房号": str(101 + i),
                "改造方案意见": "同意" if i < agree else "不同意",
                "表态日期": f"2022-03-{i + 1:02d}",
            }
        )
        for i in range(total)
    ]


def import_roster(tmp_path: Path, plan_year: PlanYear, rows: list[list[Any]], **options: Any):  # type: ignore[no-untyped-def]
    path = write_xlsx(tmp_path / "h.xlsx", HOUSEHOLD_HEADERS, rows)
    return households_import(source=path, plan_year=plan_year, **options)


def import_projects(tmp_path: Path, plan_year: PlanYear, rows: list[list[Any]], **options: Any):  # type: ignore[no-untyped-def]
    path = write_xlsx(tmp_path / "p.xlsx", PROJECT_HEADERS, rows)
    return projects_import(source=path, plan_year=plan_year, **options)


@pytest.fixture
def started(tmp_path: Path, plan_year: PlanYear) -> Project:
    """建设路1号院: criteria 2–5 met by 2022-04-15, 8 of 10 agreeing (the 8th on March 8th), so
    consent on 2022-03-08 and started on 2022-04-15."""
    assert import_projects(tmp_path, plan_year, [project_row()]).ok
    assert import_roster(tmp_path, plan_year, roster(8)).ok
    project = Project.objects.get()
    assert (project.consent_met_on, project.started_on) == (date(2022, 3, 8), date(2022, 4, 15))
    return project


def test_unstarting_roster_is_previewed_with_the_report_it_affects(
    tmp_path: Path, plan_year: PlanYear, started: Project
) -> None:
    """Two answers turned to 不同意 un-start the project: the dry run names it (已开工 → 未开工, start
    2022-04-15 → none) and May's received report (month end 05-31 is after the old start), but not
    February's (02-28 is before both the old consent and the old start); nothing is written."""
    received(plan_year, 2)
    received(plan_year, 5, version=2)
    result = import_roster(tmp_path, plan_year, roster(6), dry_run=True)
    assert result.ok, result.errors
    [change] = result.consequences.projects
    assert (change.name, change.status_old, change.status_new) == (
        "建设路1号院",
        "已开工",
        "未开工",
    )
    assert [str(c) for c in change.changes] == [
        "入户同意达标日期 2022年3月8日 → 未达到",
        "开工日期 2022年4月15日 → 未达到",
    ]
    [report] = result.consequences.reports
    assert (report.unit_name, report.month, report.version, report.projects) == (
        "驿城区",
        5,
        2,
        ("建设路1号院",),
    )
    assert result.consequences.needs_confirmation
    started.refresh_from_db()
    assert started.started_on == date(2022, 4, 15)


def test_unstarting_roster_is_refused_without_permission_and_written_with_it(
    tmp_path: Path, plan_year: PlanYear, started: Project
) -> None:
    """Without allow_status_changes the import raises with the consequences and writes nothing (the
    two households still agree); with it, both answers and the un-start are written."""
    received(plan_year, 5)
    with pytest.raises(StatusChangesNeedConfirmation) as refused:
        import_roster(tmp_path, plan_year, roster(6))
    assert [p.name for p in refused.value.consequences.projects] == ["建设路1号院"]
    assert Household.objects.filter(plan_opinion="agree").count() == 8
    started.refresh_from_db()
    assert started.started_on == date(2022, 4, 15)
    result = import_roster(tmp_path, plan_year, roster(6), allow_status_changes=True)
    assert (result.created, result.updated, result.unchanged) == (0, 2, 8)
    started.refresh_from_db()
    assert started.started_on is None and started.consent_met_on is None


def test_first_start_outside_reported_months_needs_no_confirmation(
    tmp_path: Path, plan_year: PlanYear
) -> None:
    """A roster that starts a project for the first time (consent none → 03-08, start none →
    04-15) is listed but needs no confirmation while no valid report covers it; once March's report
    is valid (month end 03-31, on or after the new consent date) it does."""
    assert import_projects(tmp_path, plan_year, [project_row()]).ok
    first = import_roster(tmp_path, plan_year, roster(8), dry_run=True)
    assert [p.name for p in first.consequences.projects] == ["建设路1号院"]
    assert not first.consequences.needs_confirmation
    received(plan_year, 3)
    again = import_roster(tmp_path, plan_year, roster(8), dry_run=True)
    assert [(r.month, r.projects) for r in again.consequences.reports] == [(3, ("建设路1号院",))]
    assert again.consequences.needs_confirmation


def test_roster_preview_lists_added_rows_and_old_to_new_values(
    tmp_path: Path, plan_year: PlanYear, started: Project
) -> None:
    """An added dwelling is listed as added; a changed one lists each changed field old → new, the
    head of household's name masked (personal data)."""
    rows = roster(8, total=10)
    rows[9][HOUSEHOLD_HEADERS.index("户主姓名")] = "赵六"
    rows[9][HOUSEHOLD_HEADERS.index("改造方案意见")] = "同意"
    rows[9][HOUSEHOLD_HEADERS.index("物业管理模式意见")] = "不同意"
    Household.objects.filter(room="110").update(management_opinion="disagree")
    Household.objects.filter(room="109").delete()
    result = import_roster(tmp_path, plan_year, rows, dry_run=True)
    assert (result.created, result.updated, result.unchanged) == (1, 1, 8)
    added = [c for c in result.changes if c.added]
    changed = [c for c in result.changes if not c.added]
    assert [c.label for c in added] == ["建设路1号院（楼栋1 单元1 房号109）"]
    [row] = changed
    assert row.label == "建设路1号院（楼栋1 单元1 房号110）"
    assert row.fields == (("户主姓名", "李*", "赵*"), ("改造方案意见", "不同意", "同意"))
    assert "李四" not in str(result.changes) and "赵六" not in str(result.changes)


def test_project_preview_lists_added_rows_and_old_to_new_values(
    tmp_path: Path, plan_year: PlanYear
) -> None:
    """Re-importing a project with 户数 10 → 12 and the design date moved lists those two changes;
    a second row is listed as added."""
    assert import_projects(tmp_path, plan_year, [project_row()]).ok
    rows = [
        project_row(**{"户数": 12, "设计公示日期": "2022-03-25"}),
        project_row(**{"小区名称": "解放路2号院"}),
    ]
    result = import_projects(tmp_path, plan_year, rows, dry_run=True)
    assert (result.created, result.updated, result.unchanged) == (1, 1, 0)
    by_label = {c.label: c for c in result.changes}
    assert by_label["驿城区解放路2号院"].added
    assert by_label["驿城区建设路1号院"].fields == (
        ("户数", "10", "12"),
        ("设计公示日期", "2022-03-20", "2022-03-25"),
    )


def test_project_import_moving_a_completion_counted_in_a_report_needs_permission(
    tmp_path: Path, plan_year: PlanYear
) -> None:
    """A completion date moved from 2022-06-20 to 2022-07-05 changes June's received report: the
    import is refused without permission, and the project named."""
    assert import_projects(tmp_path, plan_year, [project_row(**{"完工日期": "2022-06-20"})]).ok
    received(plan_year, 6)
    moved = [project_row(**{"完工日期": "2022-07-05"})]
    with pytest.raises(StatusChangesNeedConfirmation, match="建设路1号院"):
        import_projects(tmp_path, plan_year, moved)
    assert Project.objects.get().completed_on == date(2022, 6, 20)
    result = import_projects(tmp_path, plan_year, moved, allow_status_changes=True)
    assert result.ok and Project.objects.get().completed_on == date(2022, 7, 5)
    assert [(r.month, r.version) for r in result.consequences.reports] == [(6, 1)]


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        ({"楼栋": "-3"}, "楼栋"),
        ({"楼栋": "9999"}, "楼栋"),  # the project has 2 buildings
        ({"楼栋": "3"}, "楼栋"),
        ({"楼栋": "0"}, "楼栋"),
        ({"单元": "0"}, "单元"),
        ({"单元": "-1"}, "单元"),
        ({"单元": "十一个字的单元编号名称"}, "单元"),
        ({"房号": "abc??"}, "房号"),
        ({"房号": "1.5"}, "房号"),
        ({"表态日期": "2099-01-01"}, "表态日期"),
    ],
)
def test_roster_dwelling_and_future_date_errors_under_their_own_column(
    tmp_path: Path, plan_year: PlanYear, cells: dict[str, str], column: str
) -> None:
    """Each bad dwelling part or future answer date is reported under its own column, only there."""
    assert import_projects(tmp_path, plan_year, [project_row()]).ok
    result = import_roster(tmp_path, plan_year, [household_row(**cells)])
    assert [(e.row, e.column) for e in result.errors] == [(2, column)]
    assert not Household.objects.exists()


@pytest.mark.parametrize(
    "cells", [{"楼栋": "2", "单元": "A座", "房号": "1-502"}, {"楼栋": "3号楼"}]
)
def test_roster_accepts_numbers_and_short_codes(
    tmp_path: Path, plan_year: PlanYear, cells: dict[str, str]
) -> None:
    """楼栋 2 of 2, 单元 A座, 房号 1-502 and the code 3号楼 (not a number, so not bounded) import."""
    assert import_projects(tmp_path, plan_year, [project_row()]).ok
    assert import_roster(tmp_path, plan_year, [household_row(**cells)]).ok


@pytest.mark.parametrize("column", ["设计公示日期", "进场日期", "完工日期", "验收日期"])
def test_project_future_dates_are_refused_under_their_column(
    tmp_path: Path, plan_year: PlanYear, column: str
) -> None:
    """A date after today (2030-04-02) in a criterion, completion or acceptance column is an error
    under that column, in Chinese; nothing is written."""
    result = import_projects(tmp_path, plan_year, [project_row(**{column: "2030-04-02"})])
    assert [(e.row, e.column) for e in result.errors if "晚于今天" in e.message] == [(2, column)]
    assert not Project.objects.exists()


def test_consequences_cost_constant_queries(tmp_path: Path, plan_year: PlanYear) -> None:
    """The dry run of a roster touching 1 or 3 reported projects makes the same number of queries."""
    names = ["甲院", "乙院", "丙院"]
    assert import_projects(tmp_path, plan_year, [project_row(**{"小区名称": n}) for n in names]).ok
    received(plan_year, 5)

    def queries(projects: list[str]) -> int:
        rows = [
            household_row(**{"小区名称": n, "房号": str(101 + i)})
            for n in projects
            for i in range(10)
        ]
        with CaptureQueriesContext(connection) as captured:
            assert import_roster(tmp_path, plan_year, rows, dry_run=True).ok
        return len(captured)

    assert queries(names[:1]) == queries(names)
