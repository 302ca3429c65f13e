"""The monthly reports' figures, read with the portal's selectors and rules (the same as the
dashboards and ``check_targets``), as the plain dataclasses the workbook writers take.

A fixed number of queries whatever the number of projects: the milestone report's grouped sums, one
grouped sum of the investment completed, the projects of the list and their start records.
"""

import calendar
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import fields, is_dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone, translation

from projects import selectors as facts
from projects.choices import MilestoneKey, ProjectKind
from projects.models import PlanYear, Project, Unit
from projects.rules.milestones import STATUS_LABELS
from projects.rules.start import CRITERION_SHORT_LABELS
from reporting.selectors import row_shares

from .workbooks import (
    Assessment,
    AssessmentRow,
    CityMonthly,
    MilestoneCell,
    MilestoneColumn,
    NotStartedRow,
    ProgressRow,
    ProjectRow,
    ReportCounts,
    TimelinessRow,
    UnallocatedRow,
    UnitMonthly,
)

UNALLOCATED_LABEL = "未分解到区县的目标"
UNALLOCATED_NOTE = "全市目标中来源文件未分解到区县的部分，待市老旧办录入"
UNASSIGNED_LABEL = "未列明区县的续建目标"
UNASSIGNED_NOTE = "续建目标所属区县在来源文件中缺失，待市老旧办指定"

Report = TypeVar("Report", CityMonthly, UnitMonthly, Assessment)


def month_end(*, year: int, month: int) -> date:
    """The last day of the month: the date a monthly report stands on."""
    if not 1 <= month <= 12:
        raise ValueError(f"月份应为 1–12：{month}")
    return date(year, month, calendar.monthrange(year, month)[1])


# --- the digest ---------------------------------------------------------------------------------


def _plain(obj: Any) -> Any:
    """``obj`` as JSON values: dataclasses as objects, Decimals as exact strings without trailing
    zeros (so 1.5 and 1.5000 agree across databases), dates in ISO form."""
    if is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _plain(getattr(obj, f.name)) for f in fields(obj)}
    if isinstance(obj, Decimal):
        return format(obj.normalize(), "f")
    if isinstance(obj, datetime | date):
        return obj.isoformat()
    if isinstance(obj, Mapping):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_plain(v) for v in obj]
    return obj


def canonical_json(obj: Any) -> str:
    """One text for the same figures: sorted keys, no spaces, Chinese kept as is."""
    return _canonical_text(_plain(obj))


def _canonical_text(plain: Any) -> str:
    return json.dumps(plain, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def digest_of(obj: Any) -> str:
    """SHA-256 (hex) of the canonical JSON of ``obj``."""
    return _sha256(canonical_json(obj))


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def figures_of(report: CityMonthly | UnitMonthly | Assessment) -> dict[str, Any]:
    """Everything a report shows except its own digest: what the digest is taken over."""
    figures = _plain(report)
    figures.pop("digest")
    return dict(figures)


def with_digest(report: Report) -> Report:
    # figures_of is plain already: the same digest as digest_of, without walking it twice.
    return replace(report, digest=_sha256(_canonical_text(figures_of(report))))


# --- rows ---------------------------------------------------------------------------------------


def milestone_columns(report: facts.MilestoneReport) -> tuple[MilestoneColumn, ...]:
    labels = dict(MilestoneKey.choices)
    return tuple(
        MilestoneColumn(key=s.key, label=str(labels.get(s.key, s.key)), due=s.due)
        for s in report.specs
    )


def milestone_cells(row: facts.MilestoneRow) -> tuple[MilestoneCell, ...]:
    return tuple(
        MilestoneCell(key=key, needed=r.target, actual=r.actual, status=STATUS_LABELS[r.status])
        for key, r in row.milestones.items()
    )


def progress_row(row: facts.MilestoneRow, *, investment_completed: Decimal) -> ProgressRow:
    """A row of the milestone report with the dashboard's shares (rounded down) beside it."""
    shares = row_shares(row)
    t, f = row.targets, row.today
    return ProgressRow(
        label=row.label,
        new_target=t.new_starts,
        new_started=f.new_started,
        started_share_tenths=shares.started,
        completion_target=t.completions,
        new_completed=f.new_completed,
        completed_share_tenths=shares.completed,
        carryover_target=t.carryover,
        carryover_completed=f.carryover_completed,
        carryover_share_tenths=shares.carryover,
        investment_completed=investment_completed,
        projects_started=f.projects_started,
        projects_total=row.projects_total,
        milestones=milestone_cells(row),
    )


def investment_completed_by_unit(*, plan_year: PlanYear, as_of: date) -> dict[int, Decimal]:
    """Per unit, the investment estimates (万元) of its projects completed by ``as_of``, new and
    carried over alike: one grouped query."""
    rows = (
        Project.objects.filter(plan_year=plan_year, completed_on__lte=as_of)
        .order_by()
        .values("unit_id")
        .annotate(total=Sum("investment"))
        .values_list("unit_id", "total")
    )
    return {unit_id: Decimal(total or 0) for unit_id, total in rows}


def unallocated_rows(report: facts.MilestoneReport) -> tuple[UnallocatedRow, ...]:
    """The city's targets the source gives to no unit, as the dashboard shows them."""
    rec = report.reconciliation
    rows = []
    if rec.unallocated_new_starts or rec.unallocated_completions:
        rows.append(
            UnallocatedRow(
                UNALLOCATED_LABEL,
                rec.unallocated_new_starts,
                rec.unallocated_completions,
                None,
                UNALLOCATED_NOTE,
            )
        )
    rows += [
        UnallocatedRow(UNASSIGNED_LABEL, None, None, households, UNASSIGNED_NOTE)
        for households in report.unassigned_carryover
    ]
    return tuple(rows)


def not_started(project: Project, *, as_of: date) -> bool:
    """A 2022 project without a start date on or before ``as_of``."""
    return project.kind == ProjectKind.NEW and (
        project.started_on is None or project.started_on > as_of
    )


# What the not-started list and the start rule read of a project: a city's thousands of projects
# are loaded without their other columns (addresses, money, the JSON lists).
NOT_STARTED_FIELDS = (
    "unit__name", "unit__sort_order", "plan_year__consent_percent", "kind", "name",
    "households", "contractor", "started_on", "consent_met_on",
)  # fmt: skip


def not_started_rows(*, projects: Sequence[Project], as_of: date) -> list[NotStartedRow]:
    """The projects not started by ``as_of`` (units and plan years selected), each with the start
    criteria it still lacked that day, judged by the one start rule from the stored consent date (two queries)."""
    waiting = [p for p in projects if not_started(p, as_of=as_of)]
    statuses = facts.start_statuses(projects=waiting, as_of=as_of, stored_consent=True)
    return [
        NotStartedRow(
            unit=p.unit.name,
            project=p.name,
            households=p.households,
            missing="、".join(CRITERION_SHORT_LABELS[k] for k in statuses[p.id].missing),
        )
        for p in waiting
    ]


def _on_or_before(day: date | None, as_of: date) -> date | None:
    return day if day is not None and day <= as_of else None


def local_naive(moment: datetime | None) -> datetime | None:
    """A stored (aware) time as the portal's local time without a zone, as the sheets show it."""
    if moment is None or timezone.is_naive(moment):
        return moment
    return timezone.localtime(moment).replace(tzinfo=None)


def timeliness_row(
    *,
    unit: str,
    version: int | None,
    state_label: str,
    submitted_at: datetime | None,
    approved_at: datetime | None,
    timeliness_label: str,
    digest: str,
) -> TimelinessRow:
    """A timeliness row from the report workflow's values, its times made local."""
    return TimelinessRow(
        unit=unit,
        version=version,
        state_label=state_label,
        submitted_at=local_naive(submitted_at),
        approved_at=local_naive(approved_at),
        timeliness_label=timeliness_label,
        digest=digest,
    )


# --- the reports --------------------------------------------------------------------------------


def build_city_monthly(
    *, plan_year: PlanYear, month: int, timeliness: Sequence[TimelinessRow] = ()
) -> CityMonthly:
    """The city's monthly report for ``month`` of ``plan_year``, as of the month's last day."""
    as_of = month_end(year=plan_year.year, month=month)
    with translation.override(settings.LANGUAGE_CODE):
        report = facts.milestone_report(plan_year=plan_year, as_of=as_of)
        investment = investment_completed_by_unit(plan_year=plan_year, as_of=as_of)
        projects = list(
            facts.project_list(plan_year=plan_year, kind=ProjectKind.NEW)
            .exclude(started_on__lte=as_of)
            .only(*NOT_STARTED_FIELDS)
        )
        rows = tuple(
            progress_row(
                r,
                investment_completed=investment.get(r.unit.id, Decimal(0))
                if r.unit is not None
                else Decimal(0),
            )
            for r in report.units
        )
        data = CityMonthly(
            year=plan_year.year,
            month=month,
            as_of=as_of,
            milestone_columns=milestone_columns(report),
            city_row=progress_row(
                report.city, investment_completed=sum(investment.values(), Decimal(0))
            ),
            rows=rows,
            unallocated=unallocated_rows(report),
            not_started=not_started_rows(projects=projects, as_of=as_of),
            timeliness=tuple(timeliness),
            digest="",
        )
    return with_digest(data)


def build_unit_monthly(
    *, plan_year: PlanYear, month: int, unit: Unit, timeliness: Sequence[TimelinessRow] = ()
) -> UnitMonthly:
    """One unit's monthly report for ``month``: its row of the city's table and its projects."""
    as_of = month_end(year=plan_year.year, month=month)
    with translation.override(settings.LANGUAGE_CODE):
        report = facts.milestone_report(plan_year=plan_year, as_of=as_of)
        row = next(r for r in report.units if r.unit is not None and r.unit.id == unit.id)
        investment = investment_completed_by_unit(plan_year=plan_year, as_of=as_of)
        projects = list(facts.project_list(plan_year=plan_year, unit=unit))
        data = UnitMonthly(
            year=plan_year.year,
            month=month,
            as_of=as_of,
            unit=unit.name,
            milestone_columns=milestone_columns(report),
            row=progress_row(row, investment_completed=investment.get(unit.id, Decimal(0))),
            projects=[
                ProjectRow(
                    name=p.name,
                    kind_label=str(ProjectKind(p.kind).label),
                    households=p.households,
                    investment=p.investment,
                    started_on=_on_or_before(p.started_on, as_of),
                    completed_on=_on_or_before(p.completed_on, as_of),
                    accepted_on=_on_or_before(p.accepted_on, as_of),
                )
                for p in projects
            ],
            not_started=not_started_rows(projects=projects, as_of=as_of),
            timeliness=tuple(timeliness),
            digest="",
        )
    return with_digest(data)


def build_assessment(
    *,
    plan_year: PlanYear,
    as_of: date,
    reports: Mapping[str, ReportCounts] | None = None,
) -> Assessment:
    """The annual assessment as of ``as_of``: each unit's milestones, and its monthly reports by how
    they arrived where the report workflow supplies them (by unit name)."""
    reports = reports or {}
    with translation.override(settings.LANGUAGE_CODE):
        report = facts.milestone_report(plan_year=plan_year, as_of=as_of)
        data = Assessment(
            year=plan_year.year,
            as_of=as_of,
            milestone_columns=milestone_columns(report),
            rows=tuple(
                AssessmentRow(
                    unit=r.label, reports=reports.get(r.label), milestones=milestone_cells(r)
                )
                for r in report.units
            ),
            digest="",
        )
    return with_digest(data)
