"""The monthly report workflow's facts as the workbooks take them: how each unit's report for a
month arrived, and each unit's counts for the assessment (from reporting.reports)."""

from collections.abc import Sequence
from datetime import date

from projects.models import PlanYear, Unit
from projects.rules.reports import TIMELINESS_LABELS

from ..models import MonthlyReport
from ..reports import assessment, unit_timeliness, valid_on_by_month
from .build import timeliness_row
from .workbooks import ReportCounts, TimelinessRow


def timeliness_rows(
    *, plan_year: PlanYear, month: int, today: date, units: Sequence[Unit]
) -> list[TimelinessRow]:
    """Each unit's latest version for ``month``: state, times, timeliness on ``today``, digest.
    Two queries whatever the number of units."""
    latest: dict[int, MonthlyReport] = {}
    for version in MonthlyReport.objects.filter(
        plan_year=plan_year, month=month, unit__in=units
    ).order_by("version"):
        latest[version.unit_id] = version
    valid_on = valid_on_by_month(plan_year=plan_year)
    rows = []
    for unit in units:
        status = unit_timeliness(plan_year=plan_year, unit=unit, today=today, valid_on=valid_on)[
            month - 1
        ]
        report = latest.get(unit.id)
        rows.append(
            timeliness_row(
                unit=unit.name,
                version=report.version if report else None,
                state_label=str(report.get_state_display()) if report else "未填报",
                submitted_at=report.submitted_at if report else None,
                approved_at=report.approved_at if report else None,
                timeliness_label=TIMELINESS_LABELS[status.timeliness],
                digest=report.digest if report else "",
            )
        )
    return rows


def assessment_counts(*, plan_year: PlanYear, today: date) -> dict[str, ReportCounts]:
    """Each unit's report counts for the assessment table, by unit name: 迟报, 漏报, 错报 (returns
    for wrong figures plus flags ruled 认定错报) and 瞒报 (flags ruled 认定瞒报) apart, as the
    assessment page counts them."""
    return {
        row.unit.name: ReportCounts(
            due=row.due,
            on_time=row.on_time,
            late=row.late,
            missing=row.missing,
            wrong=row.wrong,
            concealed=row.concealed,
        )
        for row in assessment(plan_year=plan_year, today=today)
    }
