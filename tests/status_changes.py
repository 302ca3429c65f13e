"""The started project and the roster that would un-start it, shared by the tests of the
confirmation a status change needs (pages, commands, browser)."""

from datetime import date
from pathlib import Path
from typing import Any

from django.utils import timezone

from projects.importing import HOUSEHOLD_HEADERS, PROJECT_HEADERS
from projects.models import PlanYear, Project
from projects.rules.reports import ReportState
from projects.services import households_import, projects_import
from reporting.models import MonthlyReport
from tests.xlsx import household_row, project_row, write_xlsx


def roster(agree: int) -> list[list[Any]]:
    """10 households of 建设路1号院, the first ``agree`` agreeing, answered March 1st, 2nd, …"""
    return [
        household_row(
            **{
                "房号": str(101 + i),
                "改造方案意见": "同意" if i < agree else "不同意",
                "表态日期": f"2022-03-{i + 1:02d}",
            }
        )
        for i in range(10)
    ]


def received_may_report(project: Project) -> MonthlyReport:
    """The project's unit's May report, received (a valid report covering its start)."""
    return MonthlyReport.objects.create(
        plan_year=project.plan_year,
        unit=project.unit,
        month=5,
        state=ReportState.RECEIVED,
        stamp="stamps/report.pdf",
        digest="0" * 64,
        approved_at=timezone.now(),
    )


def started_and_reported(tmp_path: Path, plan_year: PlanYear) -> Project:
    """建设路1号院 of 驿城区 imported with 8 of 10 households agreeing: started on 2022-04-15 (consent
    03-08), counted in 驿城区's received May report."""
    projects_import(
        source=write_xlsx(tmp_path / "p.xlsx", PROJECT_HEADERS, [project_row()]),
        plan_year=plan_year,
    )
    households_import(
        source=write_xlsx(tmp_path / "h.xlsx", HOUSEHOLD_HEADERS, roster(8)), plan_year=plan_year
    )
    project = Project.objects.get()
    assert project.started_on == date(2022, 4, 15)
    received_may_report(project)
    return project
