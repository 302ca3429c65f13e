"""Plan adjustments (计划调整, SPEC §5): a unit swaps communities of its plan before the cut-off,
never lowering any of the five totals, with the county government's consent and the joint document
of its three departments; the city office accepts it (the plan changes, the original stays on the
adjustment) or returns it with a reason.

Services write (each atomic, each locking the adjustment's row and checking its state first),
selectors read, the forms only collect input. The rule itself is written once, in
projects.rules.paperwork.adjustment_problems.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row
from django import forms
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from projects import permissions, services
from projects.choices import ProjectKind
from projects.models import Household, PlanYear, Project, StartCriterion, Unit, User
from projects.rules.paperwork import TOTAL_LABELS, PlanItem, PlanTotals, adjustment_problems
from projects.uploads import EvidenceField

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

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
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


class AdjustmentConflict(Exception):
    """The adjustment is no longer in the state the action starts from (someone acted first)."""


# --- input -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Community:
    """A community the adjustment brings into the plan, as the unit enters it."""

    name: str
    buildings: int
    households: int
    floor_area: Decimal
    investment: Decimal
    address: str = ""


@dataclass(frozen=True)
class AdjustmentInput:
    """Everything a draft holds. A scan left None keeps the one already stored."""

    reason: str = ""
    removed: tuple[Project, ...] = ()
    added: tuple[Community, ...] = ()
    county_consent_no: str = ""
    county_consent_on: date | None = None
    county_consent_scan: File | None = None
    joint_document_no: str = ""
    joint_document_on: date | None = None
    joint_document_scan: File | None = None


# --- reads -------------------------------------------------------------------------------------


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


def _removal_problems(adjustment: PlanAdjustment, removed: Iterable[Project]) -> list[str]:
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


def _name_problems(
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
    incomplete += _removal_problems(adjustment, removed)
    incomplete += _name_problems(adjustment, [c.name for c in added], [p.id for p in removed])
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


# --- writes ------------------------------------------------------------------------------------


ADJUSTMENT_WRITERS_ONLY = "只有本区县的填报员和审核人可以填报本区县的计划调整"
ADJUSTMENT_DECIDERS_ONLY = "只有市老旧办可以审核计划调整"


def _locked(adjustment: PlanAdjustment, state: str) -> PlanAdjustment:
    """The adjustment's row, locked until the transaction ends, checked to be in ``state``: of two
    people acting at once, the second finds the state changed."""
    current = (
        PlanAdjustment.objects.select_for_update()
        .select_related("plan_year", "unit")
        .get(pk=adjustment.pk)
    )
    if current.state != state:
        raise AdjustmentConflict(
            f"计划调整当前状态为“{current.get_state_display()}”，无法执行此操作（可能已被他人处理）"
        )
    return current


def _save(adjustment: PlanAdjustment, user: User, reason: str) -> None:
    adjustment._history_user = user  # type: ignore[attr-defined]
    adjustment._change_reason = reason[:100]  # type: ignore[attr-defined]
    adjustment.full_clean()
    adjustment.save()


def _write(adjustment: PlanAdjustment, data: AdjustmentInput, user: User, reason: str) -> None:
    """Store a draft's fields, the projects it swaps out and the communities it brings in
    (replacing those stored), refusing projects that may not be swapped out and clashing names."""
    errors: dict[str, list[str]] = {}
    removal = _removal_problems(adjustment, data.removed)
    if removal:
        errors["removed"] = removal
    names = [c.name.strip() for c in data.added]
    clashes = _name_problems(adjustment, names, [p.id for p in data.removed])
    if clashes:
        errors["added"] = clashes
    communities = [
        AdjustmentCommunity(
            adjustment=adjustment,
            name=c.name.strip(),
            address=c.address.strip(),
            buildings=c.buildings,
            households=c.households,
            floor_area=c.floor_area,
            investment=c.investment,
        )
        for c in data.added
    ]
    for community in communities:
        try:
            community.full_clean(exclude=["adjustment"])
        except ValidationError as error:
            errors.setdefault("added", []).extend(
                f"调入小区“{community.name}”：{message}" for message in error.messages
            )
    if errors:
        raise ValidationError(errors)
    adjustment.reason = data.reason.strip()
    for name in ("county_consent_no", "joint_document_no"):
        setattr(adjustment, name, getattr(data, name).strip())
    adjustment.county_consent_on = data.county_consent_on
    adjustment.joint_document_on = data.joint_document_on
    for name in ("county_consent_scan", "joint_document_scan"):
        if getattr(data, name) is not None:
            setattr(adjustment, name, getattr(data, name))
    _save(adjustment, user, reason)
    adjustment.removed.set(data.removed)
    adjustment.added.all().delete()
    AdjustmentCommunity.objects.bulk_create(communities)


@transaction.atomic
def adjustment_create(
    *, plan_year: PlanYear, unit: Unit, user: User, data: AdjustmentInput
) -> PlanAdjustment:
    """A draft adjustment of the user's own unit's plan."""
    permissions.require_unit_writer(user, unit.id, ADJUSTMENT_WRITERS_ONLY)
    adjustment = PlanAdjustment(plan_year=plan_year, unit=unit, created_by=user)
    _write(adjustment, data, user, "新建计划调整")
    return adjustment


@transaction.atomic
def adjustment_update(
    *, adjustment: PlanAdjustment, user: User, data: AdjustmentInput
) -> PlanAdjustment:
    """Change a draft; once submitted it is no longer the unit's to change."""
    permissions.require_unit_writer(user, adjustment.unit_id, ADJUSTMENT_WRITERS_ONLY)
    adjustment = _locked(adjustment, AdjustmentState.DRAFT)
    _write(adjustment, data, user, "修改计划调整")
    return adjustment


@transaction.atomic
def adjustment_submit(*, adjustment: PlanAdjustment, user: User, today: date) -> PlanAdjustment:
    """Submit a draft to the city office on ``today``: refused after the plan year's cut-off, when any
    of the five totals would fall below the original plan, or without both documents. The plan as
    it stands and the totals are kept on the adjustment."""
    permissions.require_unit_writer(user, adjustment.unit_id, ADJUSTMENT_WRITERS_ONLY)
    adjustment = _locked(adjustment, AdjustmentState.DRAFT)
    check = adjustment_check(adjustment, today=today)
    if not check.ok:
        raise ValidationError(list(check.refusals))
    removed = set(adjustment.removed.values_list("id", flat=True))
    projects = plan_projects(plan_year=adjustment.plan_year, unit=adjustment.unit)
    adjustment.original_projects = snapshot_rows(projects, removed)
    adjustment.original_totals = totals_json(check.original)
    adjustment.adjusted_totals = totals_json(check.adjusted)
    adjustment.submitted_on = today
    adjustment.state = AdjustmentState.SUBMITTED
    _save(adjustment, user, "报送计划调整")
    return adjustment


@transaction.atomic
def adjustment_accept(
    *, adjustment: PlanAdjustment, user: User, at: datetime | None = None
) -> PlanAdjustment:
    """The city office accepts: the projects swapped out are deleted (their history keeps them) and
    the communities brought in become new projects of the unit, all or nothing. Refused when the
    unit's plan changed since submission so that the adjustment no longer holds."""
    permissions.require_city_office(user, ADJUSTMENT_DECIDERS_ONLY)
    adjustment = _locked(adjustment, AdjustmentState.SUBMITTED)
    # The projects swapped out are held too, so nobody records households on them meanwhile.
    removed_ids = list(adjustment.removed.values_list("id", flat=True))
    removed = list(Project.objects.select_for_update().filter(id__in=removed_ids).order_by("id"))
    added = list(adjustment.added.all())
    assert adjustment.submitted_on is not None
    original, adjusted = adjustment_totals(adjustment)
    problems = [
        *adjustment_problems(
            original=original,
            adjusted=adjusted,
            submitted_on=adjustment.submitted_on,
            cutoff=adjustment.plan_year.adjustment_cutoff,
        ),
        *_removal_problems(adjustment, removed),
        *_name_problems(adjustment, [c.name for c in added], [p.id for p in removed]),
        # Swapped out by another adjustment (or deleted) since: this one would only add.
        *(
            f"调出的项目“{row['name']}”已不在本区县计划中"
            for row in adjustment.original_projects
            if row.get("removed") and row.get("id") not in removed_ids
        ),
    ]
    if problems:
        raise ValidationError(
            ["报送后本区县的项目已发生变化，本次调整已不能成立，请退回：", *problems]
        )
    created = services.plan_projects_swap(
        plan_year=adjustment.plan_year,
        unit=adjustment.unit,
        removed=removed,
        added=[
            {name: getattr(community, name) for name in services.SWAPPED_IN_FIELDS}
            for community in added
        ],
        user=user,
        reason=f"计划调整 #{adjustment.pk}",
    )
    for community, project in zip(added, created, strict=True):
        community.project = project
        community.save(update_fields=["project"])
    adjustment.state = AdjustmentState.ACCEPTED
    adjustment.decided_by, adjustment.decided_at = user, at or timezone.now()
    _save(adjustment, user, "同意计划调整")
    return adjustment


@transaction.atomic
def adjustment_return(
    *, adjustment: PlanAdjustment, reason: str, user: User, at: datetime | None = None
) -> PlanAdjustment:
    """The city office returns a submitted adjustment with its reason; the plan stays as it was."""
    permissions.require_city_office(user, ADJUSTMENT_DECIDERS_ONLY)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ["退回须填写原因"]})
    adjustment = _locked(adjustment, AdjustmentState.SUBMITTED)
    adjustment.state = AdjustmentState.RETURNED
    adjustment.return_reason = reason
    adjustment.decided_by, adjustment.decided_at = user, at or timezone.now()
    _save(adjustment, user, f"退回：{reason}")
    return adjustment


# --- forms -------------------------------------------------------------------------------------


class RemovedProjectsField(forms.ModelMultipleChoiceField):
    """The unit's new projects as checkboxes, each with its households and, if it is under way,
    why it cannot be swapped out."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=Project.objects.none(), **kwargs)
        self.blockers: dict[int, tuple[str, ...]] = {}

    def label_from_instance(self, obj: Project) -> str:
        label = f"{obj.name}（{obj.buildings}栋，{obj.households}户）"
        reasons = self.blockers.get(obj.pk)
        if reasons:
            label += f" —— 已在实施（{'；'.join(reasons)}），不可调出"
        return label


class AdjustmentForm(forms.Form):
    """A draft's reason, the projects swapped out and the two documents with their scans."""

    reason = forms.CharField(
        label=_("调整理由"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    removed = RemovedProjectsField(label=_("调出的项目"), required=False)
    county_consent_no = forms.CharField(label=_("县级政府同意文号"), max_length=100, required=False)
    county_consent_on = forms.DateField(
        label=_("县级政府同意日期"), required=False, widget=DATE_INPUT
    )
    county_consent_scan = EvidenceField(
        label=_("县级政府同意文件扫描件"),
        required=False,
        help_text=_("PDF、JPEG 或 PNG 格式；再次上传将替换原文件"),
    )
    joint_document_no = forms.CharField(
        label=_("住建、发改、财政联合文件文号"), max_length=100, required=False
    )
    joint_document_on = forms.DateField(label=_("联合文件日期"), required=False, widget=DATE_INPUT)
    joint_document_scan = EvidenceField(
        label=_("联合文件扫描件"),
        required=False,
        help_text=_("PDF、JPEG 或 PNG 格式；再次上传将替换原文件"),
    )

    def __init__(self, *args: Any, plan_year: PlanYear, unit: Unit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["removed"]
        assert isinstance(field, RemovedProjectsField)
        field.queryset = plan_projects(plan_year=plan_year, unit=unit)
        field.blockers = removal_blockers(projects=field.queryset)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            "reason",
            "removed",
            Fieldset(
                _("县级政府同意"),
                Row(
                    Column("county_consent_no", css_class="col-md-6"),
                    Column("county_consent_on", css_class="col-md-6"),
                ),
                "county_consent_scan",
            ),
            Fieldset(
                _("住建、发改、财政部门联合文件"),
                Row(
                    Column("joint_document_no", css_class="col-md-6"),
                    Column("joint_document_on", css_class="col-md-6"),
                ),
                "joint_document_scan",
            ),
        )

    @classmethod
    def initial_for(cls, adjustment: PlanAdjustment) -> dict[str, Any]:
        return {
            "reason": adjustment.reason,
            "removed": list(adjustment.removed.all()),
            "county_consent_no": adjustment.county_consent_no,
            "county_consent_on": adjustment.county_consent_on,
            "joint_document_no": adjustment.joint_document_no,
            "joint_document_on": adjustment.joint_document_on,
        }


class CommunityForm(forms.Form):
    """A community brought into the plan, one row of the table."""

    name = forms.CharField(label=_("小区名称"), max_length=200)
    address = forms.CharField(label=_("地址"), max_length=300, required=False)
    buildings = forms.IntegerField(label=_("楼栋数"), min_value=1)
    households = forms.IntegerField(label=_("户数"), min_value=1)
    floor_area = forms.DecimalField(
        label=_("建筑面积（㎡）"), max_digits=14, decimal_places=2, min_value=0
    )
    investment = forms.DecimalField(
        label=_("资金概算（万元）"), max_digits=14, decimal_places=4, min_value=0
    )

    def community(self) -> Community:
        data = self.cleaned_data
        return Community(
            name=data["name"].strip(),
            address=(data.get("address") or "").strip(),
            buildings=data["buildings"],
            households=data["households"],
            floor_area=data["floor_area"],
            investment=data["investment"],
        )


class BaseCommunityFormSet(forms.BaseFormSet):
    """The table of communities brought in; blank rows are ignored, ticked rows are dropped."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.template = "bootstrap5/table_inline_formset.html"

    def communities(self) -> tuple[Community, ...]:
        return tuple(
            form.community()
            for form in self.forms
            if form.has_changed() and not form.cleaned_data.get("DELETE")
        )

    @staticmethod
    def initial_for(adjustment: PlanAdjustment) -> list[dict[str, Any]]:
        return [
            {
                "name": c.name,
                "address": c.address,
                "buildings": c.buildings,
                "households": c.households,
                "floor_area": c.floor_area,
                "investment": c.investment,
            }
            for c in adjustment.added.all()
        ]


CommunityFormSet = cast(
    type[BaseCommunityFormSet],
    forms.formset_factory(CommunityForm, formset=BaseCommunityFormSet, extra=2, can_delete=True),
)


class ReturnForm(forms.Form):
    """Why the city office returns an adjustment."""

    reason = forms.CharField(
        label=_("退回原因"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000
    )


def adjustment_input(form: AdjustmentForm, formset: BaseCommunityFormSet) -> AdjustmentInput:
    """The service's input from the valid form and table."""
    data = form.cleaned_data
    return AdjustmentInput(
        reason=data.get("reason") or "",
        removed=tuple(data.get("removed") or ()),
        added=formset.communities(),
        county_consent_no=data.get("county_consent_no") or "",
        county_consent_on=data.get("county_consent_on"),
        county_consent_scan=data.get("county_consent_scan") or None,
        joint_document_no=data.get("joint_document_no") or "",
        joint_document_on=data.get("joint_document_on"),
        joint_document_scan=data.get("joint_document_scan") or None,
    )
