"""The forms of inspections and aftercare: the inspection list's filters, the unit the city office is
about to inspect, an inspection, a finding and the closing of its rectification, a complaint and
its handling, a follow-up visit and a warranty. They collect the input of
paperwork.services.inspections and decide nothing themselves."""

from collections.abc import Iterable
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from projects.forms import DATE_INPUT
from projects.models import Project, Unit
from projects.uploads import EvidenceField

from ..models import Complaint, Finding, FollowUpVisit, Inspection, InspectionKind, Warranty


def _helper(*fields: Any) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.layout = Layout(*fields, Submit("save", gettext_lazy("保存"), css_class="btn-primary"))
    return helper


class ProjectChoices(forms.ModelMultipleChoiceField):
    """Projects by community name (the unit is chosen already)."""

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class ProjectChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class InspectionFilterForm(forms.Form):
    """The inspection list's filters: kind, unit (the city office's list), and the day overdue is
    judged on."""

    kind = forms.ChoiceField(
        label=gettext_lazy("类型"),
        required=False,
        choices=[("", gettext_lazy("全部类型")), *InspectionKind.choices],
    )
    unit = forms.ModelChoiceField(
        label=gettext_lazy("区县"),
        required=False,
        queryset=Unit.objects.all(),
        empty_label=gettext_lazy("全部区县"),
    )
    as_of = forms.DateField(label=gettext_lazy("截至日期"), required=False, widget=DATE_INPUT)

    def __init__(self, *args: Any, show_unit: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not show_unit:
            del self.fields["unit"]


class UnitPickForm(forms.Form):
    """The unit the city office is about to inspect (its projects are then offered)."""

    unit = forms.ModelChoiceField(label=gettext_lazy("被检查区县"), queryset=Unit.objects.all())


class InspectionForm(forms.ModelForm):
    """A new inspection: its kind (limited to the user's side), date, inspectors, the projects it
    covered, the score and what was found overall."""

    score = forms.DecimalField(
        label=gettext_lazy("得分"),
        required=False,
        min_value=0,
        max_value=100,
        max_digits=4,
        decimal_places=1,
        help_text=gettext_lazy("百分制，可不填"),
    )

    class Meta:
        model = Inspection
        fields = (
            "kind",
            "held_on",
            "inspectors",
            "projects",
            "score",
            "summary",
            "timing_explanation",
        )
        field_classes = {"projects": ProjectChoices}
        widgets = {
            "held_on": DATE_INPUT,
            "projects": forms.CheckboxSelectMultiple,
            "summary": forms.Textarea(attrs={"rows": 4}),
            "timing_explanation": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(
        self,
        *args: Any,
        kinds: Iterable[InspectionKind],
        projects: QuerySet[Project],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        kinds = tuple(kinds)
        kind_field = self.fields["kind"]
        assert isinstance(kind_field, forms.ChoiceField)
        kind_field.choices = [(k.value, k.label) for k in kinds]
        kind_field.initial = kinds[0].value if kinds else None
        projects_field = self.fields["projects"]
        assert isinstance(projects_field, forms.ModelMultipleChoiceField)
        projects_field.queryset = projects.order_by("name")
        self.fields["inspectors"].help_text = _("检查组成员姓名及单位")
        self.fields["timing_explanation"].help_text = _(
            "市级检查验收应分别在6月、12月进行；不在该月进行的，须说明原因"
        )
        self.helper = _helper(
            Row(Column("kind", css_class="col-md-6"), Column("held_on", css_class="col-md-6")),
            "inspectors",
            "projects",
            Row(Column("score", css_class="col-md-4")),
            "summary",
            "timing_explanation",
        )

    def service_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}


class FindingForm(forms.ModelForm):
    """A problem found, the rectification it needs, and the deadline."""

    class Meta:
        model = Finding
        fields = ("project", "description", "rectification", "deadline")
        field_classes = {"project": ProjectChoice}
        widgets = {
            "deadline": DATE_INPUT,
            "description": forms.Textarea(attrs={"rows": 3}),
            "rectification": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, projects: QuerySet[Project], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        project_field = self.fields["project"]
        assert isinstance(project_field, forms.ModelChoiceField)
        project_field.queryset = projects.order_by("name")
        project_field.empty_label = _("（不针对具体项目）")
        self.helper = _helper("project", "description", "rectification", "deadline")

    def service_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}


class FindingCloseForm(forms.Form):
    """The closing of a rectification: the day it was done, what was done, and the evidence."""

    closed_on = forms.DateField(label=gettext_lazy("整改完成日期"), widget=DATE_INPUT)
    note = forms.CharField(
        label=gettext_lazy("整改情况"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    evidence = EvidenceField(
        label=gettext_lazy("整改证明材料"),
        required=False,
        help_text=gettext_lazy("PDF、JPEG 或 PNG 格式的扫描件或照片"),
    )

    def __init__(self, *args: Any, has_evidence: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.has_evidence = has_evidence
        if has_evidence:
            self.fields["evidence"].help_text = _("已上传证明材料；再次上传将替换")
        self.helper = _helper("closed_on", "note", "evidence")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.has_evidence and not data.get("evidence") and "evidence" not in self.errors:
            self.add_error("evidence", _("请上传整改证明材料"))
        return data


class ComplaintForm(forms.ModelForm):
    """A complaint or dispute: when received, what about, and (if done) how it was handled."""

    class Meta:
        model = Complaint
        fields = ("kind", "received_on", "summary", "handling", "closed_on")
        widgets = {
            "received_on": DATE_INPUT,
            "closed_on": DATE_INPUT,
            "summary": forms.Textarea(attrs={"rows": 3}),
            "handling": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Row(Column("kind", css_class="col-md-6"), Column("received_on", css_class="col-md-6")),
            "summary",
            "handling",
            "closed_on",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        received, closed = data.get("received_on"), data.get("closed_on")
        if received and closed and closed < received:
            self.add_error("closed_on", _("办结日期不能早于受理日期"))
        return data

    def service_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}


class ComplaintHandleForm(forms.Form):
    """How a complaint was handled, and the day it was closed (empty while still open)."""

    handling = forms.CharField(
        label=gettext_lazy("处理情况"), widget=forms.Textarea(attrs={"rows": 4})
    )
    closed_on = forms.DateField(
        label=gettext_lazy("办结日期"),
        required=False,
        widget=DATE_INPUT,
        help_text=gettext_lazy("尚未办结的留空"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper("handling", "closed_on")


class VisitForm(forms.ModelForm):
    """A follow-up visit: when, who, and what residents said."""

    class Meta:
        model = FollowUpVisit
        fields = ("visited_on", "visitors", "note")
        widgets = {"visited_on": DATE_INPUT, "note": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper("visited_on", "visitors", "note")

    def service_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}


class WarrantyForm(forms.ModelForm):
    """A project's warranty period and the warrantor."""

    class Meta:
        model = Warranty
        fields = ("starts_on", "ends_on", "warrantor", "note")
        widgets = {"starts_on": DATE_INPUT, "ends_on": DATE_INPUT}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Row(Column("starts_on", css_class="col-md-6"), Column("ends_on", css_class="col-md-6")),
            "warrantor",
            "note",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("保修截止日期不能早于起始日期"))
        return data

    def service_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}
