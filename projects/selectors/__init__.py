"""Reads of the programme: querysets and plain rows with the joins they need, judged by projects/rules.

One module per entity or page; the names the rest of the portal uses are re-exported here, so
callers say ``selectors.milestone_report`` whichever module holds it. The modules import each other
directly, never through this package.
"""

from .consultation import (
    ConsultationDates,
    agreement_counts_by_project,
    consultation_checks,
    consultation_dates,
    consultation_dates_provider_set,
)
from .milestones import (
    Figures,
    MilestoneReport,
    MilestoneRow,
    Targets,
    UnitFigures,
    milestone_report,
    milestone_report_for_today,
    milestone_specs,
    target_reconciliation,
    unassigned_carryover,
    unit_targets,
    units_with_figures,
)
from .plan_years import clip_to_year, page_date, plan_year_get, plan_year_latest, today_local
from .project_list import (
    EVIDENCE_FILTERS,
    PROJECT_STATUSES,
    household_records_by_project,
    project_list,
    project_search,
    reached,
)
from .start import (
    AGREES,
    CriterionRecord,
    agree_dates_by_project,
    agreeing_households,
    agreements_by_project,
    criteria_by_project,
    criteria_dates,
    criterion_records_by_project,
    project_funding,
    project_warnings,
    start_input,
    start_inputs,
    start_statuses,
    subsidised_unit_names,
)
from .unit_home import Blockers, UnitHome, unit_home
from .visibility import households_visible, projects_visible, roster_households

__all__ = [
    "AGREES",
    "EVIDENCE_FILTERS",
    "PROJECT_STATUSES",
    "Blockers",
    "ConsultationDates",
    "CriterionRecord",
    "Figures",
    "MilestoneReport",
    "MilestoneRow",
    "Targets",
    "UnitFigures",
    "UnitHome",
    "agree_dates_by_project",
    "agreeing_households",
    "agreement_counts_by_project",
    "agreements_by_project",
    "clip_to_year",
    "consultation_checks",
    "consultation_dates",
    "consultation_dates_provider_set",
    "criteria_by_project",
    "criteria_dates",
    "criterion_records_by_project",
    "household_records_by_project",
    "households_visible",
    "milestone_report",
    "milestone_report_for_today",
    "milestone_specs",
    "page_date",
    "plan_year_get",
    "plan_year_latest",
    "project_funding",
    "project_list",
    "project_search",
    "project_warnings",
    "projects_visible",
    "reached",
    "roster_households",
    "start_input",
    "start_inputs",
    "start_statuses",
    "subsidised_unit_names",
    "target_reconciliation",
    "today_local",
    "unassigned_carryover",
    "unit_home",
    "unit_targets",
    "units_with_figures",
]
