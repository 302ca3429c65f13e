"""The one write path for the unit targets, the unassigned carry-over figures and the trial months:
the city office's target page (reporting.targets) calls these once the door has said yes. Every
change is atomic, needs a reason, keeps who/when/why in the history, and is refused when the one
target rule (projects.rules.targets) finds a problem the targets would have after it and do not
have now."""

from collections.abc import Callable, Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .. import selectors
from ..data_version import writes_data
from ..models import PlanYear, UnassignedCarryover, Unit, UnitTarget, User
from ..rules.reports import trial_months_problem
from ..rules.targets import (
    CityTotals,
    TargetCheck,
    UnitTargets,
    check_targets_reconcile,
    expected_completion,
)

# django-simple-history keeps the change reason in a 100-character column.
REASON_MAX_LENGTH = 100
# The reason on the snapshot written before the first recorded change of a target loaded without
# history (loaddata writes none), so that change can say what the figures were before it.
BASELINE_REASON = "修改前的目标（加载时未留记录）"
TARGET_FIELDS: tuple[str, ...] = ("new_starts", "completions", "carryover")


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写修改原因（将记入修改记录）"})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError({"reason": f"修改原因不能超过 {REASON_MAX_LENGTH} 个字"})
    return reason


def unassigned_carryover_open(*, plan_year: PlanYear) -> list[UnassignedCarryover]:
    """The carry-over figures of ``plan_year`` whose unit is still unknown."""
    return list(UnassignedCarryover.objects.filter(plan_year=plan_year, assigned_unit__isnull=True))


def _targets_check(
    *,
    plan_year: PlanYear,
    units: Sequence[tuple[Unit, selectors.Targets]],
    unassigned: Iterable[int],
) -> TargetCheck:
    """The target rule on the given targets (stored or would-be)."""
    return check_targets_reconcile(
        city=CityTotals(
            plan_year.city_new_starts,
            plan_year.city_completions,
            plan_year.city_carryover,
            plan_year.completion_percent,
        ),
        units=[
            UnitTargets(u.name, t.new_starts, t.completions, t.carryover, t.completions_reason)
            for u, t in units
        ],
        unassigned_carryover=list(unassigned),
    )


def _refuse_new_problems(
    *,
    plan_year: PlanYear,
    unit: Unit,
    targets: selectors.Targets,
    unassigned_after: Sequence[int],
    field_of: Callable[[str], str],
) -> None:
    """Refuse (ValidationError) when the rule finds a problem with ``unit`` at ``targets`` and the
    unassigned figures ``unassigned_after`` that it does not find in the stored targets. A problem
    the stored targets already have (entered in the admin, say) does not block an unrelated change.
    """
    stored = selectors.unit_targets(plan_year=plan_year)
    unassigned_now = [item.households for item in unassigned_carryover_open(plan_year=plan_year)]
    before = _targets_check(plan_year=plan_year, units=stored, unassigned=unassigned_now)
    would_be = [(u, targets if u.pk == unit.pk else t) for u, t in stored]
    after = _targets_check(plan_year=plan_year, units=would_be, unassigned=unassigned_after)
    new = [p for p in after.problems if p not in before.problems]
    if new:
        errors: dict[str, list[str]] = {}
        for problem in new:
            errors.setdefault(field_of(problem), []).append(problem)
        raise ValidationError(errors)


def _target_problem_field(unit: Unit) -> Callable[[str], str]:
    """Which field of the target form a problem of the rule belongs beside: the rule's problems
    name the unit (completions against 70 % of new starts) or the target whose sum is too large."""

    def field_of(problem: str) -> str:
        if problem.startswith(f"{unit.name}："):
            return "completions_reason" if "理由" in problem else "completions"
        for label, name in (("续建", "carryover"), ("完成改造", "completions")):
            if label in problem:
                return name
        return "new_starts"

    return field_of


def _target_locked(plan_year: PlanYear, unit: Unit) -> tuple[PlanYear, UnitTarget]:
    """Hold the plan year's row until the transaction ends, so two target changes queue up and
    each is checked against the other's result (PostgreSQL; SQLite writes one at a time anyway)."""
    plan_year = PlanYear.objects.select_for_update().get(pk=plan_year.pk)
    target = UnitTarget.objects.filter(plan_year=plan_year, unit=unit).first()
    if target is None:
        return plan_year, UnitTarget(plan_year=plan_year, unit=unit)
    if not target.history.exists():
        UnitTarget.history.bulk_history_create([target], default_change_reason=BASELINE_REASON)
    return plan_year, target


def _save_target(target: UnitTarget, *, user: User, reason: str) -> None:
    target.full_clean()
    target._history_user = user  # type: ignore[attr-defined]
    target._change_reason = reason  # type: ignore[attr-defined]
    target.save()


@writes_data
@transaction.atomic
def unit_target_set(
    *,
    plan_year: PlanYear,
    unit: Unit,
    new_starts: int | None,
    completions: int | None,
    carryover: int | None,
    reason: str,
    user: User,
    completions_reason: str = "",
) -> UnitTarget:
    """Set a unit's three targets (None where still unknown), with a reason kept in the history;
    the caller has asked the door (projects.permissions.may_set_targets). A blank completion target with a
    new-start target given is filled in by the rule (70 % rounded half up); a higher one needs
    ``completions_reason`` and a lower one is refused (projects.rules.targets.completion_target)."""
    reason = _clean_reason(reason)
    plan_year, target = _target_locked(plan_year, unit)
    if completions is None and new_starts is not None:
        completions = expected_completion(
            new_starts=new_starts, completion_percent=plan_year.completion_percent
        )
    completions_reason = (completions_reason or "").strip()
    if new_starts is not None and completions == expected_completion(
        new_starts=new_starts, completion_percent=plan_year.completion_percent
    ):
        completions_reason = ""  # the least figure needs no reason; an old one no longer applies
    wanted = selectors.Targets(new_starts, completions, carryover, completions_reason)
    stored = selectors.Targets(
        target.new_starts, target.completions, target.carryover, target.completions_reason
    )
    if wanted == stored:
        raise ValidationError("目标与现有数值相同，未作修改")
    target.new_starts, target.completions, target.carryover = new_starts, completions, carryover
    target.completions_reason = completions_reason
    target.clean_fields()
    _refuse_new_problems(
        plan_year=plan_year,
        unit=unit,
        targets=wanted,
        unassigned_after=[i.households for i in unassigned_carryover_open(plan_year=plan_year)],
        field_of=_target_problem_field(unit),
    )
    _save_target(target, user=user, reason=reason)
    return target


@writes_data
@transaction.atomic
def carryover_assign(
    *, item: UnassignedCarryover, unit: Unit, reason: str, user: User
) -> UnitTarget:
    """Name the unit of a carry-over figure the source left without one: its households are added
    to the unit's carry-over target (an unknown target counts as 0) and the figure is marked as
    assigned, so the city total still reconciles and both histories say who, when and why."""
    reason = _clean_reason(reason)
    plan_year, target = _target_locked(item.plan_year, unit)
    item = UnassignedCarryover.objects.select_for_update().get(pk=item.pk)
    if item.assigned_unit_id is not None:
        raise ValidationError(
            {"unit": f"该续建目标 {item.households} 户已指定给{item.assigned_unit}，不能重复指定"}
        )
    wanted = selectors.Targets(
        target.new_starts,
        target.completions,
        (target.carryover or 0) + item.households,
        target.completions_reason,
    )
    _refuse_new_problems(
        plan_year=plan_year,
        unit=unit,
        targets=wanted,
        unassigned_after=[
            i.households for i in unassigned_carryover_open(plan_year=plan_year) if i.pk != item.pk
        ],
        field_of=lambda problem: "unit",
    )
    target.carryover = wanted.carryover
    _save_target(target, user=user, reason=reason)
    item.assigned_unit, item.assigned_at, item.assigned_by = unit, timezone.now(), user
    item.reason = reason
    item.full_clean()
    item._history_user = user  # type: ignore[attr-defined]
    item._change_reason = reason  # type: ignore[attr-defined]
    item.save(update_fields=["assigned_unit", "assigned_at", "assigned_by", "reason"])
    return target


@writes_data
@transaction.atomic
def plan_year_trial_months_set(
    *, plan_year: PlanYear, months: Sequence[int], reason: str, user: User
) -> PlanYear:
    """Mark the plan year's trial months (试填报): their reports run the whole workflow but count
    neither in timeliness nor in the assessment. The city office and administrators, with a reason
    kept in the plan year's history."""
    reason = _clean_reason(reason)
    months = sorted(months)
    problem = trial_months_problem(months=months)
    if problem:
        raise ValidationError({"months": problem})
    plan_year = PlanYear.objects.select_for_update().get(pk=plan_year.pk)
    if sorted(plan_year.trial_months or []) == months:
        raise ValidationError("试填报月份与现有设置相同，未作修改")
    plan_year.trial_months = months
    plan_year.full_clean()
    plan_year._history_user = user  # type: ignore[attr-defined]
    plan_year._change_reason = reason  # type: ignore[attr-defined]
    plan_year.save(update_fields=["trial_months"])
    return plan_year
