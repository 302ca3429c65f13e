"""The forms of the city office's plan-year pages (issue 16): a new year, a drafted year's settings,
its milestone table and its unit target table, and the opening. Each takes the reason kept in the
history; the rules are checked by the services (projects.services), whose refusals the views show
beside the fields."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from projects import selectors
from projects.choices import Measure, TargetBasis
from projects.forms import DATE_INPUT
from projects.models import PlanYear, Unit
from projects.rules.plan_years import KEY_MAX_LENGTH, NAME_MAX_LENGTH, MilestoneInput
from projects.services import PlanYearSettings

from .targets import _households_field
from .targets import _reason_field as reason_field


def _percent_field(label: Any) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=1,
        max_value=100,
        widget=forms.NumberInput(attrs={"min": 1, "max": 100, "step": 1, "inputmode": "numeric"}),
    )


def _date_field(label: Any, *, required: bool = True) -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=DATE_INPUT)


def _required_households(label: Any) -> forms.IntegerField:
    field = _households_field(label)
    field.required = True
    return field


class PlanYearNewForm(forms.Form):
    """A new plan year: its number, the earlier year whose settings and milestones it copies (dates
    moved on), the city totals and, when nothing is copied, the deadlines."""

    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    source = forms.ModelChoiceField(
        label=_("复制往年设置"),
        queryset=PlanYear.objects.none(),
        required=False,
        empty_label=_("不复制（逐项填写）"),
        help_text=_(
            "复制所选年度的比例、截止日期、月报截止日、市级补助区县和阶段任务，日期顺延到新年度"
        ),
    )
    city_new_starts = _required_households(_("全市新开工目标（户）"))
    city_completions = _households_field(_("全市完成改造目标（户）"))
    city_carryover = _required_households(_("全市续建目标（户）"))
    implementation_plan_due = _date_field(_("年度工作实施方案截止日期"), required=False)
    renovation_plans_due = _date_field(_("改造方案截止日期"), required=False)
    adjustment_cutoff = _date_field(_("计划调整截止日期"), required=False)
    reason = reason_field()

    def __init__(self, *args: Any, years: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        source = cast(forms.ModelChoiceField, self.fields["source"])
        source.queryset = years
        source.label_from_instance = lambda obj: str(obj)  # type: ignore[method-assign]
        self.fields["city_completions"].help_text = _("留空则按新开工目标和完成改造比例自动计算")
        for name in ("implementation_plan_due", "renovation_plans_due", "adjustment_cutoff"):
            self.fields[name].help_text = _("不复制往年设置时必填")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("source"):
            for name in ("implementation_plan_due", "renovation_plans_due", "adjustment_cutoff"):
                if name not in self.errors and not data.get(name):
                    self.add_error(name, _("不从往年复制时须填写此日期"))
        return data


class PlanYearSettingsForm(forms.Form):
    """A drafted year's settings (the city totals, the shares, the deadlines, the report due day,
    the trial months, the units paid the city subsidy) and the reason for the change."""

    city_new_starts = _required_households(_("全市新开工目标（户）"))
    city_completions = _households_field(_("全市完成改造目标（户）"))
    city_carryover = _required_households(_("全市续建目标（户）"))
    completion_percent = _percent_field(_("完成改造比例（%）"))
    consent_percent = _percent_field(_("开工同意比例（%）"))
    implementation_plan_due = _date_field(_("年度工作实施方案截止日期"))
    renovation_plans_due = _date_field(_("改造方案截止日期"))
    adjustment_cutoff = _date_field(_("计划调整截止日期"))
    report_due_day = forms.IntegerField(
        label=_("月报报送截止日（次月）"),
        min_value=1,
        max_value=28,
        widget=forms.NumberInput(attrs={"min": 1, "max": 28, "step": 1, "inputmode": "numeric"}),
    )
    trial_months = forms.TypedMultipleChoiceField(
        label=_("试填报月份"),
        required=False,
        coerce=int,
        choices=[(m, _("%(month)s月") % {"month": m}) for m in range(1, 13)],
        widget=forms.CheckboxSelectMultiple,
    )
    subsidised_units = forms.ModelMultipleChoiceField(
        label=_("市级补助区县"),
        queryset=Unit.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("只有这些区县的项目可有市级补助"),
    )
    reason = reason_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["city_completions"].help_text = _("留空则按新开工目标和完成改造比例自动计算")

    @staticmethod
    def initial_for(settings: PlanYearSettings) -> dict[str, Any]:
        return {**settings.__dict__, "subsidised_units": sorted(settings.subsidised_units)}

    def settings(self) -> PlanYearSettings:
        data = self.cleaned_data
        return PlanYearSettings(
            city_new_starts=data["city_new_starts"],
            city_completions=data["city_completions"],
            city_carryover=data["city_carryover"],
            completion_percent=data["completion_percent"],
            consent_percent=data["consent_percent"],
            implementation_plan_due=data["implementation_plan_due"],
            renovation_plans_due=data["renovation_plans_due"],
            adjustment_cutoff=data["adjustment_cutoff"],
            report_due_day=data["report_due_day"],
            trial_months=tuple(sorted(data["trial_months"])),
            subsidised_units=frozenset(unit.pk for unit in data["subsidised_units"]),
        )


def _table_inputs(form: forms.Form) -> None:
    """Small Bootstrap inputs for a form shown as a table row."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs["class"] = "form-check-input"
        elif isinstance(widget, forms.Select):
            widget.attrs["class"] = "form-select form-select-sm"
        else:
            widget.attrs["class"] = "form-control form-control-sm"


class MilestoneForm(forms.Form):
    """One row of the milestone table."""

    key = forms.CharField(
        label=_("代码"),
        max_length=KEY_MAX_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": _("留空自动生成")}),
    )
    name = forms.CharField(
        label=_("名称"),
        max_length=NAME_MAX_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": _("留空按数据生成")}),
    )
    due = _date_field(_("截止日期"))
    percent = _percent_field(_("比例（%）"))
    # A blank first choice, so an empty row of the table sends nothing and is left out.
    basis = forms.ChoiceField(label=_("对照目标"), choices=[("", "—"), *TargetBasis.choices])
    measure = forms.ChoiceField(label=_("统计口径"), choices=[("", "—"), *Measure.choices])
    requires_all_projects_started = forms.BooleanField(label=_("要求全部项目开工"), required=False)
    requires_all_projects_completed = forms.BooleanField(
        label=_("要求全部项目完工"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _table_inputs(self)

    def milestone(self) -> MilestoneInput:
        data = self.cleaned_data
        return MilestoneInput(
            key=(data.get("key") or "").strip(),
            name=(data.get("name") or "").strip(),
            due=data["due"],
            percent=data["percent"],
            basis=data["basis"],
            measure=data["measure"],
            requires_all_projects_started=data["requires_all_projects_started"],
            requires_all_projects_completed=data["requires_all_projects_completed"],
        )


class BaseMilestoneFormSet(forms.BaseFormSet):
    """The milestone table: the rows shown are kept unless ticked 删除, blank rows are ignored."""

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        form.fields["DELETE"].label = _("删除")
        form.fields["DELETE"].widget.attrs["class"] = "form-check-input"

    def kept(self) -> list[MilestoneForm]:
        """The rows to save, in order: the milestones shown (changed or not) and the blank rows
        filled in, less those ticked 删除."""
        return [
            cast(MilestoneForm, form)
            for index, form in enumerate(self.forms)
            if (index < self.initial_form_count() or form.has_changed())
            and not form.cleaned_data.get("DELETE")
        ]

    def milestones(self) -> list[MilestoneInput]:
        return [form.milestone() for form in self.kept()]

    @staticmethod
    def initial_for(milestones: list[MilestoneInput]) -> list[dict[str, Any]]:
        return [m.__dict__ for m in milestones]


MilestoneFormSet = cast(
    type[BaseMilestoneFormSet],
    forms.formset_factory(MilestoneForm, formset=BaseMilestoneFormSet, extra=2, can_delete=True),
)


class MilestoneReasonForm(forms.Form):
    reason = reason_field()


TARGET_COLUMNS = ("new_starts", "completions", "carryover", "completions_reason")


class UnitTargetTableForm(forms.Form):
    """Every unit's three targets (blank where still unknown) and the reason for a completion
    target above its share, in one table, with one reason for the change."""

    reason = reason_field()

    def __init__(self, *args: Any, units: list[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.units = units
        for unit in units:
            for name in TARGET_COLUMNS[:3]:
                field = _households_field(unit.name)
                field.widget.attrs["aria-label"] = f"{unit.name} {name}"
                self.fields[f"u{unit.pk}_{name}"] = field
            self.fields[f"u{unit.pk}_completions_reason"] = forms.CharField(
                label=unit.name,
                required=False,
                max_length=200,
                widget=forms.TextInput(attrs={"autocomplete": "off"}),
            )
        self.order_fields([f for f in self.fields if f != "reason"] + ["reason"])
        _table_inputs(self)

    @staticmethod
    def initial_for(rows: list[tuple[Unit, selectors.Targets]]) -> dict[str, Any]:
        return {
            f"u{unit.pk}_{name}": getattr(targets, name)
            for unit, targets in rows
            for name in TARGET_COLUMNS
        }

    def rows(self) -> list[tuple[Unit, list[forms.BoundField]]]:
        """Each unit with its four inputs, for the table."""
        return [
            (unit, [self[f"u{unit.pk}_{name}"] for name in TARGET_COLUMNS]) for unit in self.units
        ]

    def targets(self) -> dict[Unit, selectors.Targets]:
        data = self.cleaned_data
        return {
            unit: selectors.Targets(
                data[f"u{unit.pk}_new_starts"],
                data[f"u{unit.pk}_completions"],
                data[f"u{unit.pk}_carryover"],
                (data[f"u{unit.pk}_completions_reason"] or "").strip(),
            )
            for unit in self.units
        }


class PlanYearOpenForm(forms.Form):
    reason = reason_field()
