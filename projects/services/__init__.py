"""Writes of the programme: each atomic, each recording history, each keeping computed dates current.

One module per entity or concern; the names the rest of the portal uses are re-exported here, so
callers say ``services.project_update`` whichever module holds it. The modules import each other
directly, never through this package.
"""

from ._common import (
    HISTORY_COPY_BATCH,
    IMPORT_BUSY,
    IMPORT_LOCK_KEYS,
    ImportResult,
    RowChange,
    bulk_create_recorded,
)
from .criteria import criterion_record, criterion_record_consequences
from .household_import import households_import
from .households import household_create, household_delete, household_update
from .personal_data import personal_data_access_record, roster_download
from .project_import import PROJECT_DATE_COLUMNS, projects_import
from .projects import (
    KEEP_MINE,
    KEEP_THEIRS,
    PROJECT_EDITABLE_FIELDS,
    SWAPPED_IN_FIELDS,
    Conflict,
    FieldChange,
    FieldClash,
    Merge,
    MergeChoiceNeeded,
    ProjectCheck,
    StaleEdit,
    plan_projects_swap,
    project_check,
    project_conflict,
    project_create,
    project_merge,
    project_update,
    same_value,
)
from .rollover import CARRIED_FIELDS, RolloverResult, carried_on, plan_year_rollover
from .start_dates import plan_year_consent_problems, project_date_problems, projects_refresh_start
from .targets import (
    BASELINE_REASON,
    REASON_MAX_LENGTH,
    TARGET_FIELDS,
    carryover_assign,
    plan_year_trial_months_set,
    unassigned_carryover_open,
    unit_target_set,
)

__all__ = [
    "BASELINE_REASON",
    "CARRIED_FIELDS",
    "HISTORY_COPY_BATCH",
    "IMPORT_BUSY",
    "IMPORT_LOCK_KEYS",
    "KEEP_MINE",
    "KEEP_THEIRS",
    "PROJECT_DATE_COLUMNS",
    "PROJECT_EDITABLE_FIELDS",
    "REASON_MAX_LENGTH",
    "SWAPPED_IN_FIELDS",
    "TARGET_FIELDS",
    "Conflict",
    "FieldChange",
    "FieldClash",
    "ImportResult",
    "Merge",
    "MergeChoiceNeeded",
    "ProjectCheck",
    "RolloverResult",
    "RowChange",
    "StaleEdit",
    "bulk_create_recorded",
    "carried_on",
    "carryover_assign",
    "criterion_record",
    "criterion_record_consequences",
    "household_create",
    "household_delete",
    "household_update",
    "households_import",
    "personal_data_access_record",
    "plan_projects_swap",
    "plan_year_consent_problems",
    "plan_year_rollover",
    "plan_year_trial_months_set",
    "project_check",
    "project_conflict",
    "project_create",
    "project_date_problems",
    "project_merge",
    "project_update",
    "projects_import",
    "projects_refresh_start",
    "roster_download",
    "same_value",
    "unassigned_carryover_open",
    "unit_target_set",
]
