"""Plan adjustments (计划调整, SPEC §5), the reads: the adjustments a user may see, the unit's plan an
adjustment works on, the projects that may not be swapped out, the five totals before and after,
and what stands between a draft and its submission. The rule itself is written once, in
projects.rules.paperwork.adjustment_problems; the writes are in paperwork.services.adjustments.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from projects.choices import ProjectKind
from projects.models import Household, PlanYear, Project, StartCriterion, Unit, User
from projects.rules.paperwork import TOTAL_LABELS, PlanItem, PlanTotals, adjustment_problems

from ..models import (
    AdjustmentCommunity,
    AdjustmentState,
    Complaint,
    Finding,
    FollowUpVisit,
    Inspection,
    PlanAdjustment,
    Warranty,
)

# A project with any of these dates is under way: swapping it out would lose real progress.
UNDER_WAY_DATES: dict[str, str] = {
    "consent_met_on": "居民同意达标日期",
    "started_on": "开工日期",
    "completed_on": "完工日期",
    "accepted_on": "验收移交日期",
}
DOCUMENT_FIELDS: dict[str, str] = {
    "county_consent_no": "县级政府同意文号",
    "county_consent_on": "县级政府同意日期",
    "county_consent_scan": "县级政府同意文件扫描件",
    "joint_document_no": "住建、发改、财政联合文件文号",
    "joint_document_on": "联合文件日期",
    "joint_document_scan": "联合文件扫描件",
}


def adjustments_visible(*, user: User) -> QuerySet[PlanAdjustment]:
    """The adjustments ``user`` may read: their unit's, or every unit's for the city office and
    administrators."""
    return PlanAdjustment.objects.restrict(user, "view").select_related(
        "unit", "plan_year", "created_by", "decided_by"
    )


def plan_projects(*, plan_year: PlanYear, unit: Unit) -> QuerySet[Project]:
    """The plan an adjustment works on: the unit's new projects of the plan year."""
    return Project.objects.filter(plan_year=plan_year, unit=unit, kind=ProjectKind.NEW).order_by(
        "name", "id"
    )


def removal_blockers(*, projects: QuerySet[Project]) -> dict[int, tuple[str, ...]]:
    """Why each of ``projects`` is under way and may not be swapped out (empty when it may): it has
    household records, recorded start criteria, progress dates, or inspection, complaint, visit or
    warranty records (deleting it would take those with it). One query."""
    project = OuterRef("pk")
    rows = projects.order_by().annotate(
        has_households=Exists(Household.objects.filter(project=project)),
        has_criteria=Exists(
            StartCriterion.objects.filter(project=project).filter(
                Q(met_on__isnull=False) | ~Q(evidence="")
            )
        ),
        has_inspections=Exists(Inspection.projects.through.objects.filter(project_id=project)),
        has_findings=Exists(Finding.objects.filter(project=project)),
        has_complaints=Exists(Complaint.objects.filter(project=project)),
        has_visits=Exists(FollowUpVisit.objects.filter(project=project)),
        has_warranty=Exists(Warranty.objects.filter(project=project)),
    )
    blockers: dict[int, tuple[str, ...]] = {}
    for row in rows:
        reasons = []
        if row.has_households:
            reasons.append("已有住户记录")
        if row.has_criteria:
            reasons.append("已填报开工条件")
        dated = [label for name, label in UNDER_WAY_DATES.items() if getattr(row, name)]
        if dated:
            reasons.append("已有" + "、".join(dated))
        if (
            row.has_inspections
            or row.has_findings
            or row.has_complaints
            or row.has_visits
            or row.has_warranty
        ):
            reasons.append("已有检查、投诉、回访或保修记录")
        blockers[row.pk] = tuple(reasons)
    return blockers


def _item(row: Project | AdjustmentCommunity) -> PlanItem:
    return PlanItem(
        buildings=row.buildings,
        households=row.households,
        floor_area=row.floor_area,
        investment=row.investment,
    )


def adjustment_totals(adjustment: PlanAdjustment) -> tuple[PlanTotals, PlanTotals]:
    """The five totals of the unit's current plan (its new projects of the plan year) and of the
    plan as the adjustment would leave it: the current plan less the projects swapped out, plus the
    communities brought in. Live figures; a submitted adjustment keeps its own copy
    (``original_totals`` / ``adjusted_totals``)."""
    current = list(plan_projects(plan_year=adjustment.plan_year, unit=adjustment.unit))
    removed = set(adjustment.removed.values_list("id", flat=True))
    added = list(adjustment.added.all())
    original = PlanTotals.of(_item(p) for p in current)
    adjusted = PlanTotals.of(
        [*(_item(p) for p in current if p.id not in removed), *(_item(c) for c in added)]
    )
    return original, adjusted


def totals_json(totals: PlanTotals) -> dict[str, Any]:
    """The five totals as stored on the adjustment (Decimals as strings, exactly)."""
    return {
        "communities": totals.communities,
        "buildings": totals.buildings,
        "households": totals.households,
        "floor_area": str(totals.floor_area),
        "investment": str(totals.investment),
    }


def totals_from_json(data: dict[str, Any]) -> PlanTotals:
    return PlanTotals(
        communities=int(data.get("communities", 0)),
        buildings=int(data.get("buildings", 0)),
        households=int(data.get("households", 0)),
        floor_area=Decimal(str(data.get("floor_area", "0"))),
        investment=Decimal(str(data.get("investment", "0"))),
    )


def _document_gaps(adjustment: PlanAdjustment) -> list[str]:
    return [
        f"请填写{label}" if not name.endswith("_scan") else f"请上传{label}"
        for name, label in DOCUMENT_FIELDS.items()
        if not getattr(adjustment, name)
    ]


def removal_problems(adjustment: PlanAdjustment, removed: Iterable[Project]) -> list[str]:
    """The projects chosen for removal that are not the unit's new projects of the plan year, or
    that are under way."""
    removed = list(removed)
    problems = [
        f"“{p.name}”不是本区县{adjustment.plan_year.year}年度新开工计划内的项目，不能调出"
        for p in removed
        if p.unit_id != adjustment.unit_id
        or p.plan_year_id != adjustment.plan_year_id
        or p.kind != ProjectKind.NEW
    ]
    blockers = removal_blockers(projects=Project.objects.filter(id__in=[p.id for p in removed]))
    for p in removed:
        if blockers.get(p.id):
            problems.append(f"“{p.name}”已在实施中（{'；'.join(blockers[p.id])}），不能调出")
    return problems


def name_problems(
    adjustment: PlanAdjustment, names: Sequence[str], removed_ids: Iterable[int]
) -> list[str]:
    """Names of communities brought in that repeat one another, or an existing project of the unit
    that stays in the plan (a project's name is unique within its unit and year)."""
    problems = []
    seen: set[str] = set()
    for name in names:
        if name in seen:
            problems.append(f"调入小区“{name}”重复填写")
        seen.add(name)
    taken = (
        Project.objects.filter(
            plan_year_id=adjustment.plan_year_id, unit_id=adjustment.unit_id, name__in=list(seen)
        )
        .exclude(id__in=list(removed_ids))
        .values_list("name", flat=True)
    )
    problems.extend(f"调入小区“{name}”与本区县已有项目重名" for name in sorted(taken))
    return problems


@dataclass(frozen=True)
class AdjustmentCheck:
    """What stands between an adjustment and its submission on a given day: the rule's refusals
    (cut-off, the five totals) and what the draft still lacks or gets wrong."""

    original: PlanTotals
    adjusted: PlanTotals
    problems: tuple[str, ...]
    incomplete: tuple[str, ...]

    @property
    def refusals(self) -> tuple[str, ...]:
        return (*self.problems, *self.incomplete)

    @property
    def ok(self) -> bool:
        return not self.refusals


def adjustment_check(adjustment: PlanAdjustment, *, today: date) -> AdjustmentCheck:
    """The adjustment as it would be submitted ``today``, judged by adjustment_problems."""
    original, adjusted = adjustment_totals(adjustment)
    problems = adjustment_problems(
        original=original,
        adjusted=adjusted,
        submitted_on=today,
        cutoff=adjustment.plan_year.adjustment_cutoff,
    )
    removed = list(adjustment.removed.all())
    added = list(adjustment.added.all())
    incomplete = []
    if not removed and not added:
        incomplete.append("请选择调出的项目或填写调入的小区")
    incomplete += removal_problems(adjustment, removed)
    incomplete += name_problems(adjustment, [c.name for c in added], [p.id for p in removed])
    incomplete += _document_gaps(adjustment)
    return AdjustmentCheck(original, adjusted, problems, tuple(incomplete))


@dataclass(frozen=True)
class TotalRow:
    """One of the five totals before and after, for the page."""

    key: str
    label: str
    unit: str
    before: int | Decimal
    after: int | Decimal

    @property
    def ok(self) -> bool:
        return self.after >= self.before

    @property
    def change(self) -> int | Decimal:
        return self.after - self.before


def total_rows(original: PlanTotals, adjusted: PlanTotals) -> list[TotalRow]:
    return [
        TotalRow(key, label, unit, getattr(original, key), getattr(adjusted, key))
        for key, (label, unit) in TOTAL_LABELS.items()
    ]


@dataclass(frozen=True)
class PlanRow:
    """A community of the original or the adjusted plan, for the page."""

    name: str
    buildings: int
    households: int
    floor_area: Decimal
    investment: Decimal
    project_id: int | None = None
    removed: bool = False
    added: bool = False


def snapshot_rows(projects: Iterable[Project], removed_ids: set[int]) -> list[dict[str, Any]]:
    return [
        {
            "id": p.id,
            "name": p.name,
            "buildings": p.buildings,
            "households": p.households,
            "floor_area": str(p.floor_area),
            "investment": str(p.investment),
            "removed": p.id in removed_ids,
        }
        for p in projects
    ]


@dataclass(frozen=True)
class AdjustmentPage:
    """What the adjustment's page shows: the original plan beside the adjusted one, the five totals
    before and after, and (for a draft) why it could not be submitted today."""

    original_rows: list[PlanRow]
    adjusted_rows: list[PlanRow]
    totals: list[TotalRow]
    check: AdjustmentCheck | None

    @property
    def totals_ok(self) -> bool:
        return all(row.ok for row in self.totals)


def adjustment_page(adjustment: PlanAdjustment, *, today: date) -> AdjustmentPage:
    """A draft is shown against the unit's plan as it is now; once submitted, against the copy of
    the plan taken on submission (which is all that remains of the projects it swapped out)."""
    added = list(adjustment.added.all())
    check = None
    if adjustment.state == AdjustmentState.DRAFT:
        check = adjustment_check(adjustment, today=today)
        removed = set(adjustment.removed.values_list("id", flat=True))
        snapshot = snapshot_rows(
            plan_projects(plan_year=adjustment.plan_year, unit=adjustment.unit), removed
        )
        original, adjusted = check.original, check.adjusted
    else:
        snapshot = list(adjustment.original_projects)
        original = totals_from_json(adjustment.original_totals)
        adjusted = totals_from_json(adjustment.adjusted_totals)
    ids = [row["id"] for row in snapshot if row.get("id")]
    existing = set(Project.objects.filter(id__in=ids).values_list("id", flat=True))
    original_rows = [
        PlanRow(
            name=row["name"],
            buildings=int(row["buildings"]),
            households=int(row["households"]),
            floor_area=Decimal(str(row["floor_area"])),
            investment=Decimal(str(row["investment"])),
            project_id=row.get("id") if row.get("id") in existing else None,
            removed=bool(row.get("removed")),
        )
        for row in snapshot
    ]
    adjusted_rows = [row for row in original_rows if not row.removed] + [
        PlanRow(
            name=c.name,
            buildings=c.buildings,
            households=c.households,
            floor_area=c.floor_area,
            investment=c.investment,
            project_id=c.project_id,
            added=True,
        )
        for c in added
    ]
    return AdjustmentPage(original_rows, adjusted_rows, total_rows(original, adjusted), check)
