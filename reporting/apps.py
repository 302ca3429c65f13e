from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from django.apps import AppConfig

if TYPE_CHECKING:
    from projects.consequences import ValidReport
    from projects.models import PlanYear


class ReportingConfig(AppConfig):
    """Dashboards, monthly reports, approval, assessment and Excel export."""

    name = "reporting"
    verbose_name = "统计报送"

    def ready(self) -> None:
        from projects.consequences import register_valid_report_lookup

        register_valid_report_lookup(valid_reports_for_consequences)

        from projects.worklist import register_worklist_provider

        from .worklist import report_worklist

        register_worklist_provider(report_worklist)

        from .jobs import register

        register()


def valid_reports_for_consequences(
    plan_year: "PlanYear", unit_ids: Sequence[int]
) -> Iterable["ValidReport"]:
    """The valid report of each of the units' months (reports.valid_versions), as the core app's
    consequences of a change need them."""
    from projects.consequences import ValidReport
    from projects.models import Unit

    from .reports import valid_versions

    units = list(Unit.objects.filter(id__in=unit_ids))
    return [
        ValidReport(report.unit_id, report.unit.name, report.month, report.version)
        for report in valid_versions(plan_year=plan_year, units=units).values()
    ]
