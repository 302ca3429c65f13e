"""What a planned change does to projects' consent, start and completion dates and to the valid
monthly reports that counted them (SPEC §5: nothing reported changes silently).

The writing services take a snapshot of the dates of the projects a change touches, write inside
their transaction, take a second snapshot (the start dates recomputed by the one start rule) and
compare: the after-state is exact because it is the one the write produced. Without the caller's
permission (``allow_status_changes``) a change that needs confirmation raises
``StatusChangesNeedConfirmation`` and the transaction rolls back, so a page, an import, the admin and
a command behave the same.

``projects`` does not import ``reporting``: the reporting app registers, in its AppConfig.ready(),
the lookup of the valid reports (``register_valid_report_lookup``).
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from .models import PlanYear, Project
from .rules.dates import cn_date
from .rules.reports import report_period_end

# The dates compared, with their Chinese labels, in the order they are shown.
DATE_FIELDS: tuple[tuple[str, str], ...] = (
    ("consent_met_on", "入户同意达标日期"),
    ("started_on", "开工日期"),
    ("completed_on", "完工日期"),
)


@dataclass(frozen=True)
class ProjectDates:
    """A project's consent, start and completion dates as stored, with what names it."""

    project_id: int
    unit_id: int
    unit_name: str
    name: str
    consent_met_on: date | None
    started_on: date | None
    completed_on: date | None
    # The project's own plan year: a rolled-over project's households, written through next year's
    # project, move this year's dates, and this year's valid reports are the ones affected.
    plan_year_id: int | None = None


@dataclass(frozen=True)
class DateChange:
    """One date of a project changing: old → new (None: not reached)."""

    field: str
    label: str
    old: date | None
    new: date | None

    @property
    def needs_confirmation(self) -> bool:
        """A date that moves or is taken away; a date reached for the first time is ordinary
        progress (it needs confirmation only when a valid report counted the month)."""
        return self.old is not None and self.old != self.new

    def __str__(self) -> str:
        return f"{self.label} {_day(self.old)} → {_day(self.new)}"


@dataclass(frozen=True)
class ProjectConsequence:
    """One project whose consent, start or completion changes, and how."""

    project_id: int
    unit_id: int
    unit_name: str
    name: str
    changes: tuple[DateChange, ...]

    @property
    def status_old(self) -> str:
        return _status(self.changes, new=False)

    @property
    def status_new(self) -> str:
        return _status(self.changes, new=True)

    def __str__(self) -> str:
        status = self.status_old, self.status_new
        shown = [f"{status[0]} → {status[1]}"] if all(status) and status[0] != status[1] else []
        return f"{self.unit_name}{self.name}：" + "；".join(shown + [str(c) for c in self.changes])


@dataclass(frozen=True)
class ValidReport:
    """A unit's valid monthly report for a month, as the reporting app's lookup gives it."""

    unit_id: int
    unit_name: str
    month: int
    version: int


@dataclass(frozen=True)
class AffectedReport:
    """A valid report whose month-end figures the change moves, and the projects that move them."""

    unit_name: str
    year: int
    month: int
    version: int
    projects: tuple[str, ...]

    def __str__(self) -> str:
        return (
            f"{self.unit_name}{self.year}年{self.month}月信息月报（第{self.version}版）："
            + "、".join(self.projects)
        )


@dataclass(frozen=True)
class Consequences:
    """Every project whose dates change and every valid report affected."""

    projects: tuple[ProjectConsequence, ...] = ()
    reports: tuple[AffectedReport, ...] = ()

    @property
    def needs_confirmation(self) -> bool:
        """A project un-started or a date moved, or a month covered by a valid report changed."""
        return bool(self.reports) or any(
            c.needs_confirmation for p in self.projects for c in p.changes
        )

    def __bool__(self) -> bool:
        return bool(self.projects or self.reports)

    def summary(self) -> list[str]:
        """One line per project, then one per report, in Chinese."""
        lines = [f"项目：{p}" for p in self.projects]
        lines += [f"受影响的已报送月报：{r}" for r in self.reports]
        return lines


class StatusChangesNeedConfirmation(Exception):
    """A change would un-start a project, move its consent, start or completion date, or change a
    month covered by a valid report, and the caller did not allow it: nothing was written."""

    def __init__(self, consequences: Consequences) -> None:
        super().__init__(
            "此修改将改变已开工/完工项目的状态或已报送月报的数据，须确认后才能写入："
            + "；".join(consequences.summary())
        )
        self.consequences = consequences


# --- the reporting app's answer ------------------------------------------------------------------

ValidReportLookup = Callable[[PlanYear, Sequence[int]], Iterable[ValidReport]]
_lookups: list[ValidReportLookup] = []


def register_valid_report_lookup(lookup: ValidReportLookup) -> None:
    """Called once by the reporting app: ``lookup(plan_year, unit_ids)`` gives the valid report of
    each unit's month (one query)."""
    if lookup not in _lookups:
        _lookups.append(lookup)


def _valid_reports(plan_year: PlanYear, unit_ids: Sequence[int]) -> list[ValidReport]:
    return [r for lookup in _lookups for r in lookup(plan_year, unit_ids)]


# --- snapshots and their comparison --------------------------------------------------------------


def project_dates(*, projects: Any) -> dict[int, ProjectDates]:
    """The stored dates of the projects of a queryset (or of the given ids), by id: one query."""
    if not hasattr(projects, "values_list"):
        projects = Project.objects.filter(id__in=list(projects))
    rows = projects.order_by().values_list(
        "id",
        "unit_id",
        "unit__name",
        "name",
        "consent_met_on",
        "started_on",
        "completed_on",
        "plan_year_id",
    )
    return {row[0]: ProjectDates(*row) for row in rows}


def consequences_of(
    *,
    plan_year: PlanYear,
    before: dict[int, ProjectDates],
    after: dict[int, ProjectDates],
) -> Consequences:
    """Compare two snapshots (a project missing from ``before`` is new, all its dates unreached;
    one missing from ``after`` is deleted) and find the valid reports affected: a unit's valid
    report for month M is affected when one of its projects' dates changes and the old or the new
    date is on or before M's month end. One query for the reports, none when no date changed."""
    changed: list[ProjectConsequence] = []
    year_of: dict[int, int] = {}
    for project_id in sorted(set(before) | set(after), key=lambda i: _order(before, after, i)):
        old, new = before.get(project_id), after.get(project_id)
        known = new or old
        assert known is not None
        changes = tuple(
            DateChange(name, label, _get(old, name), _get(new, name))
            for name, label in DATE_FIELDS
            if _get(old, name) != _get(new, name)
        )
        if changes:
            changed.append(
                ProjectConsequence(project_id, known.unit_id, known.unit_name, known.name, changes)
            )
            year_of[project_id] = known.plan_year_id or plan_year.id
    if not changed:
        return Consequences()
    affected: list[AffectedReport] = []
    by_year: dict[int, dict[int, list[ProjectConsequence]]] = {}
    for consequence in changed:
        by_unit = by_year.setdefault(year_of[consequence.project_id], {})
        by_unit.setdefault(consequence.unit_id, []).append(consequence)
    others = PlanYear.objects.in_bulk([i for i in by_year if i != plan_year.id])
    for year_id, by_unit in sorted(by_year.items(), key=lambda item: item[0] != plan_year.id):
        year = plan_year if year_id == plan_year.id else others[year_id]
        affected += _affected(year, by_unit)
    return Consequences(tuple(changed), tuple(affected))


def _affected(
    plan_year: PlanYear, by_unit: dict[int, list[ProjectConsequence]]
) -> list[AffectedReport]:
    """The valid reports of ``plan_year`` whose months the changed dates reach (the old or the new
    date on or before the month's end)."""
    affected = []
    reports = _valid_reports(plan_year, sorted(by_unit))
    for report in sorted(reports, key=lambda r: (r.unit_name, r.month)):
        month_end = report_period_end(year=plan_year.year, month=report.month)
        names = tuple(
            c.name
            for c in by_unit.get(report.unit_id, [])
            if any(
                _on_or_before(c.old, month_end) or _on_or_before(c.new, month_end)
                for c in c.changes
            )
        )
        if names:
            affected.append(
                AffectedReport(
                    report.unit_name, plan_year.year, report.month, report.version, names
                )
            )
    return affected


def _order(
    before: dict[int, ProjectDates], after: dict[int, ProjectDates], project_id: int
) -> tuple[str, str, int]:
    known = after.get(project_id) or before[project_id]
    return (known.unit_name, known.name, project_id)


def _get(dates: ProjectDates | None, name: str) -> date | None:
    return getattr(dates, name) if dates is not None else None


def _on_or_before(day: date | None, month_end: date) -> bool:
    return day is not None and day <= month_end


def _day(day: date | None) -> str:
    return cn_date(day) if day else "未达到"


def _status(changes: Sequence[DateChange], *, new: bool) -> str:
    """未开工 / 已开工 / 已完工 as far as the changed dates tell; '' when neither changes."""
    by_field = {c.field: (c.new if new else c.old) for c in changes}
    if by_field.get("completed_on"):
        return "已完工"
    if "started_on" in by_field:
        return "已开工" if by_field["started_on"] else "未开工"
    if "completed_on" in by_field:
        return "未完工"
    return ""
