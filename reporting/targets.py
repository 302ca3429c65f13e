"""Target maintenance (SPEC §1): the city office fills in the unit targets the source document lost
and names the units of the two unassigned carry-over figures (30, 2113).

Every change goes through one service here: it is atomic, allowed to the city office and
administrators only, needs a reason, keeps who/when/why in the history (django-simple-history),
and is refused when the one target rule (projects.rules.targets) finds a problem the targets would
have after it and do not have now.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from projects import selectors
from projects.choices import Role
from projects.models import PlanYear, UnassignedCarryover, Unit, UnitTarget, User
from projects.rules.reports import trial_months_problem
from projects.rules.targets import (
    CityTotals,
    TargetCheck,
    UnitTargets,
    check_targets_reconcile,
    expected_completion,
)
from projects.selectors import Targets

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

# django-simple-history keeps the change reason in a 100-character column.
REASON_MAX_LENGTH = 100
# The reason on the snapshot written before the first recorded change of a target loaded without
# history (loaddata writes none), so that change can say what the figures were before it.
BASELINE_REASON = "修改前的目标（加载时未留记录）"
TARGET_FIELDS: tuple[str, ...] = ("new_starts", "completions", "carryover")


def user_may_set_targets(user: User) -> bool:
    """Targets are set by the city office (SPEC §6) and administrators, never by a unit."""
    return user.is_superuser or user.role in (Role.CITY, Role.ADMIN)


def _require_target_setter(user: User) -> None:
    if not user_may_set_targets(user):
        raise PermissionDenied("只有市老旧办和系统管理员可以维护目标")


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


def _check(
    *, plan_year: PlanYear, units: Sequence[tuple[Unit, Targets]], unassigned: Iterable[int]
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
    targets: Targets,
    unassigned_after: Sequence[int],
    field_of: Callable[[str], str],
) -> None:
    """Refuse (ValidationError) when the rule finds a problem with ``unit`` at ``targets`` and the
    unassigned figures ``unassigned_after`` that it does not find in the stored targets. A problem
    the stored targets already have (entered in the admin, say) does not block an unrelated change.
    """
    stored = selectors.unit_targets(plan_year=plan_year)
    unassigned_now = [item.households for item in unassigned_carryover_open(plan_year=plan_year)]
    before = _check(plan_year=plan_year, units=stored, unassigned=unassigned_now)
    would_be = [(u, targets if u.pk == unit.pk else t) for u, t in stored]
    after = _check(plan_year=plan_year, units=would_be, unassigned=unassigned_after)
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


def _locked(plan_year: PlanYear, unit: Unit) -> tuple[PlanYear, UnitTarget]:
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
    """Set a unit's three targets (None where still unknown). A blank completion target with a
    new-start target given is filled in by the rule (70 % rounded half up); a higher one needs
    ``completions_reason`` and a lower one is refused (projects.rules.targets.completion_target)."""
    _require_target_setter(user)
    reason = _clean_reason(reason)
    plan_year, target = _locked(plan_year, unit)
    if completions is None and new_starts is not None:
        completions = expected_completion(
            new_starts=new_starts, completion_percent=plan_year.completion_percent
        )
    completions_reason = (completions_reason or "").strip()
    if new_starts is not None and completions == expected_completion(
        new_starts=new_starts, completion_percent=plan_year.completion_percent
    ):
        completions_reason = ""  # the least figure needs no reason; an old one no longer applies
    wanted = Targets(new_starts, completions, carryover, completions_reason)
    stored = Targets(
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


@transaction.atomic
def carryover_assign(
    *, item: UnassignedCarryover, unit: Unit, reason: str, user: User
) -> UnitTarget:
    """Name the unit of a carry-over figure the source left without one: its households are added
    to the unit's carry-over target (an unknown target counts as 0) and the figure is marked as
    assigned, so the city total still reconciles and both histories say who, when and why."""
    _require_target_setter(user)
    reason = _clean_reason(reason)
    plan_year, target = _locked(item.plan_year, unit)
    item = UnassignedCarryover.objects.select_for_update().get(pk=item.pk)
    if item.assigned_unit_id is not None:
        raise ValidationError(
            {"unit": f"该续建目标 {item.households} 户已指定给{item.assigned_unit}，不能重复指定"}
        )
    wanted = Targets(
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


@transaction.atomic
def plan_year_trial_months_set(
    *, plan_year: PlanYear, months: Sequence[int], reason: str, user: User
) -> PlanYear:
    """Mark the plan year's trial months (试填报): their reports run the whole workflow but count
    neither in timeliness nor in the assessment. The city office and administrators, with a reason
    kept in the plan year's history."""
    _require_target_setter(user)
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


# --- the record of changes --------------------------------------------------------------------


@dataclass(frozen=True)
class TargetChange:
    """One change to the targets for the list of recent changes: who, when, what and why."""

    when: datetime
    who: str
    unit: str
    what: tuple[str, ...]
    why: str


def _who(record: Any) -> str:
    user = record.history_user
    return (user.get_full_name() or user.get_username()) if user else "系统"


def _shown(value: int | None) -> str:
    return "—" if value is None else f"{value} 户"


def _previous(model: Any) -> Any:
    """The previous history row of the same object, for a Subquery (the row before, by insertion)."""
    return model.objects.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id")).order_by(
        "-history_id"
    )


def target_changes(*, plan_year: PlanYear, limit: int = 30) -> list[TargetChange]:
    """The latest ``limit`` changes to the unit targets and the unassigned carry-over figures of
    ``plan_year``, newest first: two queries whatever the length of the history (each row carries
    the values of the row before it)."""
    labels = {
        name: str(getattr(UnitTarget._meta.get_field(name), "verbose_name", name))
        for name in TARGET_FIELDS
    }
    target_history = UnitTarget.history.model
    previous = _previous(target_history)
    target_rows = (
        UnitTarget.history.filter(plan_year_id=plan_year.pk)
        .exclude(history_change_reason=BASELINE_REASON)
        .select_related("history_user", "unit")
        .annotate(
            had_previous=Exists(previous),
            **{f"prev_{name}": Subquery(previous.values(name)[:1]) for name in TARGET_FIELDS},
        )
        .order_by("-history_date", "-history_id")[:limit]
    )
    changes: list[TargetChange] = []
    for record in target_rows:
        what = []
        for name in TARGET_FIELDS:
            new = getattr(record, name)
            if not record.had_previous:
                what.append(f"{labels[name]}：{_shown(new)}")
            elif getattr(record, f"prev_{name}") != new:
                what.append(
                    f"{labels[name]}：{_shown(getattr(record, f'prev_{name}'))} → {_shown(new)}"
                )
        if record.history_type == "-":
            what = ["删除目标记录"]
        changes.append(
            TargetChange(
                record.history_date,
                _who(record),
                record.unit.name if record.unit else "",
                tuple(what),
                record.history_change_reason or "",
            )
        )
    carry_history = UnassignedCarryover.history.model
    previous = _previous(carry_history)
    carry_rows = (
        UnassignedCarryover.history.filter(plan_year_id=plan_year.pk)
        .select_related("history_user", "assigned_unit")
        .annotate(
            had_previous=Exists(previous),
            prev_households=Subquery(previous.values("households")[:1]),
            prev_assigned=Subquery(previous.values("assigned_unit_id")[:1]),
        )
        .order_by("-history_date", "-history_id")[:limit]
    )
    for record in carry_rows:
        if record.history_type == "-":
            summary = f"删除未列明区县的续建目标 {record.households} 户"
        elif record.assigned_unit_id is not None and record.prev_assigned is None:
            summary = f"未列明区县的续建目标 {record.households} 户指定给{record.assigned_unit}"
        elif not record.had_previous:
            summary = f"新增未列明区县的续建目标 {record.households} 户"
        elif record.prev_households != record.households:
            summary = (
                f"未列明区县的续建目标：{_shown(record.prev_households)} → "
                f"{_shown(record.households)}"
            )
        else:
            summary = "修改未列明区县的续建目标的说明"
        changes.append(
            TargetChange(
                record.history_date,
                _who(record),
                str(record.assigned_unit) if record.assigned_unit else "未列明区县",
                (summary,),
                record.history_change_reason or "",
            )
        )
    changes.sort(key=lambda c: c.when, reverse=True)
    return changes[:limit]


# --- forms ------------------------------------------------------------------------------------


def _reason_field() -> forms.CharField:
    return forms.CharField(
        label=_("修改原因"),
        max_length=REASON_MAX_LENGTH,
        error_messages={"required": _("请填写修改原因（将记入修改记录）")},
        help_text=_("如：依据某文件补录、区县上报更正等，将与修改人、时间一并记入修改记录"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


def _households_field(label: "StrOrPromise", help_text: str = "") -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"min": 0, "step": 1, "inputmode": "numeric"}),
    )


class UnitTargetForm(forms.Form):
    """A unit's three targets in households (blank where still unknown) and the reason for the
    change; the rule is checked by unit_target_set, whose refusal shows beside the fields."""

    new_starts = _households_field(_("新开工目标（户）"))
    completions = _households_field(_("完成改造目标（户）"))
    carryover = _households_field(_("续建目标（户）"))
    completions_reason = forms.CharField(
        label=_("完成改造目标高于比例的理由"),
        required=False,
        max_length=200,
        help_text=_("完成改造目标不得低于新开工目标的比例；高于比例时须填写理由"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    reason = _reason_field()

    def __init__(self, *args: Any, completion_percent: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["completions"].help_text = _(
            "留空则按新开工目标的 %(percent)s%% 四舍五入自动填写"
        ) % {"percent": completion_percent}
        self.fields["new_starts"].help_text = _("未知的目标请留空，不要填写估计数")
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the page's <form> holds the token
        self.helper.layout = Layout(
            Row(
                Column("new_starts", css_class="col-md-4"),
                Column("completions", css_class="col-md-4"),
                Column("carryover", css_class="col-md-4"),
            ),
            "completions_reason",
            "reason",
            Submit("save", _("保存")),
        )


class UnitChoiceField(forms.ModelChoiceField):
    """A unit with its current carry-over target, so the choice shows what it adds to."""

    def __init__(self, *args: Any, carryover: dict[int, int | None], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.carryover = carryover

    def label_from_instance(self, obj: Any) -> str:
        current = self.carryover.get(obj.pk)
        shown = "未填" if current is None else f"{current} 户"
        return f"{obj.name}（现续建目标 {shown}）"


class CarryoverAssignForm(forms.Form):
    """The unit a carry-over figure belongs to and the reason (e.g. the document naming it)."""

    reason = _reason_field()

    def __init__(self, *args: Any, carryover: dict[int, int | None], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"] = UnitChoiceField(
            queryset=Unit.objects.all(),
            carryover=carryover,
            label=_("指定区县"),
            empty_label=_("请选择区县"),
            error_messages={"required": _("请选择区县")},
        )
        self.order_fields(["unit", "reason"])
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the page's <form> holds the token
        self.helper.layout = Layout("unit", "reason", Submit("save", _("确认指定")))


class TrialMonthsForm(forms.Form):
    """The plan year's trial months (试填报), ticked, and the reason for the change."""

    months = forms.TypedMultipleChoiceField(
        label=_("试填报月份"),
        required=False,
        coerce=int,
        choices=[(m, _("%(month)s月") % {"month": m}) for m in range(1, 13)],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("试填报月份的月报照常填报、审核、接收，但不计迟报、漏报，也不计入年度考核评价"),
    )
    reason = _reason_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the page's <form> holds the token
        self.helper.layout = Layout("months", "reason", Submit("save", _("保存")))
