"""The forms of a plan adjustment (计划调整): the draft's reason, projects swapped out and documents,
the table of communities brought in, and the city office's reason for returning it. They collect
the input of paperwork.services.adjustments and decide nothing themselves.
"""

from typing import Any, cast

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row
from django import forms
from django.utils.translation import gettext_lazy as _

from projects.forms import DATE_INPUT
from projects.models import PlanYear, Project, Unit
from projects.uploads import EvidenceField

from ..models import PlanAdjustment
from ..selectors.adjustments import plan_projects, removal_blockers
from ..services.adjustments import AdjustmentInput, Community


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
