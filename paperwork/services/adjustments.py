"""Plan adjustments (计划调整, SPEC §5), the writes: a unit swaps communities of its plan before the
cut-off, never lowering any of the five totals, with the county government's consent and the joint
document of its three departments; the city office accepts it (the plan changes, the original stays
on the adjustment) or returns it with a reason.

Each service is atomic, locks the adjustment's row and checks its state first. The rule itself is
written once, in projects.rules.paperwork.adjustment_problems; the reads are in
paperwork.selectors.adjustments, the forms in paperwork.forms.adjustments.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from projects import permissions, services
from projects.data_version import writes_data
from projects.models import PlanYear, Project, Unit, User
from projects.rules.paperwork import adjustment_problems

from ..models import AdjustmentCommunity, AdjustmentState, PlanAdjustment
from ..selectors.adjustments import (
    adjustment_check,
    adjustment_totals,
    name_problems,
    plan_projects,
    removal_problems,
    snapshot_rows,
    totals_json,
)


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
    removal = removal_problems(adjustment, data.removed)
    if removal:
        errors["removed"] = removal
    names = [c.name.strip() for c in data.added]
    clashes = name_problems(adjustment, names, [p.id for p in data.removed])
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


@writes_data
@transaction.atomic
def adjustment_create(
    *, plan_year: PlanYear, unit: Unit, user: User, data: AdjustmentInput
) -> PlanAdjustment:
    """A draft adjustment of the user's own unit's plan."""
    permissions.require_unit_writer(user, unit.id, ADJUSTMENT_WRITERS_ONLY)
    adjustment = PlanAdjustment(plan_year=plan_year, unit=unit, created_by=user)
    _write(adjustment, data, user, "新建计划调整")
    return adjustment


@writes_data
@transaction.atomic
def adjustment_update(
    *, adjustment: PlanAdjustment, user: User, data: AdjustmentInput
) -> PlanAdjustment:
    """Change a draft; once submitted it is no longer the unit's to change."""
    permissions.require_unit_writer(user, adjustment.unit_id, ADJUSTMENT_WRITERS_ONLY)
    adjustment = _locked(adjustment, AdjustmentState.DRAFT)
    _write(adjustment, data, user, "修改计划调整")
    return adjustment


@writes_data
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


@writes_data
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
        *removal_problems(adjustment, removed),
        *name_problems(adjustment, [c.name for c in added], [p.id for p in removed]),
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


@writes_data
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
