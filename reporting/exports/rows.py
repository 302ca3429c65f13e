"""The workbooks' inputs: plain frozen dataclasses, built by ``build`` from the reports and the
records, written by ``workbooks``."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

# --- inputs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MilestoneColumn:
    """A milestone as a column of the tables: its key, its name, its due date and the figure it
    counts (a models.Measure value)."""

    key: str
    label: str
    due: date
    measure: str = ""


@dataclass(frozen=True)
class MilestoneCell:
    """A milestone judged for one row: the least households that meet it (None: no target), the
    households judged (None: not in the reports), and the status's label."""

    key: str
    needed: int | None
    actual: int | None
    status: str


@dataclass(frozen=True)
class ProgressRow:
    """One row of the progress table (a unit or the city): targets, figures, shares in tenths of a
    percent (None where the target is unknown or 0), projects, investment and milestones."""

    label: str
    new_target: int | None
    new_started: int
    started_share_tenths: int | None
    completion_target: int | None
    new_completed: int
    completed_share_tenths: int | None
    carryover_target: int | None
    carryover_completed: int
    carryover_share_tenths: int | None
    investment_completed: Decimal
    projects_started: int
    projects_total: int
    milestones: tuple[MilestoneCell, ...]


@dataclass(frozen=True)
class UnallocatedRow:
    """A part of the city's targets the source allocates to no unit (never invented, shown apart)."""

    label: str
    new_target: int | None
    completion_target: int | None
    carryover_target: int | None
    note: str


@dataclass(frozen=True)
class NotStartedRow:
    """A 2022 project not started at month end and the start criteria it still lacks."""

    unit: str
    project: str
    households: int
    missing: str


@dataclass(frozen=True)
class TimelinessRow:
    """How a unit's monthly report arrived: its version, state, times (local, naive), timeliness
    (按时, 迟报, 漏报, …) and the digest of its figures."""

    unit: str
    version: int | None
    state_label: str
    submitted_at: datetime | None
    approved_at: datetime | None
    timeliness_label: str
    digest: str


@dataclass(frozen=True)
class TimelinessTable:
    """The reports' timeliness judged on one day: the 报送情况 sheet is headed with that day."""

    as_of: date
    rows: Sequence[TimelinessRow]


@dataclass(frozen=True)
class ProjectRow:
    """One project of a unit's report, with the dates recorded by month end (later ones left out)."""

    name: str
    kind_label: str
    households: int
    investment: Decimal
    started_on: date | None
    completed_on: date | None
    accepted_on: date | None
    consent_met_on: date | None = None
    warnings: str = ""  # the consultation warnings at month end (SPEC §4), "；"-joined


@dataclass(frozen=True)
class UnreportedRow:
    """A unit of the city's table without a valid report for the month: named, no figures."""

    label: str


@dataclass(frozen=True)
class ReportRecord:
    """The valid version of a unit's month as the record: its version and state, the notes, who
    approved it and when (local time), who received it and when, and its own stored digest."""

    version: int
    state_label: str
    approved_by: str
    approved_at: datetime | None
    received_by: str
    received_at: datetime | None
    problems: str
    next_plan: str
    digest: str
    # False when the stored digest no longer matches the stored figures and notes (changed after
    # approval): every sheet then says so.
    digest_intact: bool = True


@dataclass(frozen=True)
class CityMonthly:
    """The city's monthly report for one month, compiled from the units' valid reports: each unit's
    row (or UnreportedRow), the total of the rows shown, the unallocated targets, the projects not
    started as the reports froze them, the reports' timeliness and the digest of it all."""

    year: int
    month: int
    as_of: date
    milestone_columns: tuple[MilestoneColumn, ...]
    city_row: ProgressRow
    rows: tuple[ProgressRow | UnreportedRow, ...]
    unallocated: tuple[UnallocatedRow, ...]
    not_started: Sequence[NotStartedRow]
    timeliness: TimelinessTable
    digest: str
    unreported: tuple[str, ...] = ()
    without_project_list: tuple[str, ...] = ()
    # The units whose valid report's stored digest no longer matches its stored figures and notes
    # (changed after approval): their rows, the total and every footer say so.
    digest_mismatch: tuple[str, ...] = ()


@dataclass(frozen=True)
class UnitMonthly:
    """One unit's monthly report: its row, its projects, those not started, its reports' timeliness.
    ``record`` is the valid version the figures were frozen in; None makes the workbook a working
    copy from the live records (按当前项目记录（未报送）), which has no report digest."""

    year: int
    month: int
    as_of: date
    unit: str
    milestone_columns: tuple[MilestoneColumn, ...]
    row: ProgressRow
    projects: Sequence[ProjectRow]
    not_started: Sequence[NotStartedRow]
    timeliness: TimelinessTable
    digest: str
    record: ReportRecord | None = None
    projects_frozen: bool = True


@dataclass(frozen=True)
class ReportCounts:
    """A unit's monthly reports over the year, by how they arrived (from the report workflow)."""

    due: int
    on_time: int
    late: int
    missing: int
    wrong: int
    concealed: int


@dataclass(frozen=True)
class AssessmentRow:
    """A unit's line of the annual assessment: its reports (None until the workflow supplies them)
    and its milestones."""

    unit: str
    reports: ReportCounts | None
    milestones: tuple[MilestoneCell, ...]


@dataclass(frozen=True)
class Assessment:
    """The annual assessment table (年度考核评价) as of a date."""

    year: int
    as_of: date
    milestone_columns: tuple[MilestoneColumn, ...]
    rows: tuple[AssessmentRow, ...]
    digest: str
