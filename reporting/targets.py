"""Target maintenance (SPEC §1): the city office fills in the unit targets the source document lost
and names the units of the two unassigned carry-over figures (30, 2113).

The permission door (projects.permissions) decides here, allowing the city office and
administrators only; the change itself is the projects app's one service for it (projects.services:
atomic, with a reason, who/when/why in the history, refused when the target rule finds a new
problem).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.db.models import Exists, OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from projects import permissions, services
from projects.models import PlanYear, UnassignedCarryover, Unit, UnitTarget, User
from projects.services import (  # noqa: F401 (the names the target pages and tests use)
    BASELINE_REASON,
    REASON_MAX_LENGTH,
    TARGET_FIELDS,
    unassigned_carryover_open,
)

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

# The writes are the projects app's services (projects.services); here the door decides first.


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
    """Set a unit's three targets: the city office's and administrators' (SPEC §6)."""
    permissions.require_target_setter(user)
    return services.unit_target_set(
        plan_year=plan_year,
        unit=unit,
        new_starts=new_starts,
        completions=completions,
        carryover=carryover,
        reason=reason,
        user=user,
        completions_reason=completions_reason,
    )


def carryover_assign(
    *, item: UnassignedCarryover, unit: Unit, reason: str, user: User
) -> UnitTarget:
    """Name the unit of an unassigned carry-over figure: the city office's and administrators'."""
    permissions.require_target_setter(user)
    return services.carryover_assign(item=item, unit=unit, reason=reason, user=user)


def plan_year_trial_months_set(
    *, plan_year: PlanYear, months: Sequence[int], reason: str, user: User
) -> PlanYear:
    """Mark the plan year's trial months: the city office's and administrators'."""
    permissions.require_target_setter(user)
    return services.plan_year_trial_months_set(
        plan_year=plan_year, months=months, reason=reason, user=user
    )


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
