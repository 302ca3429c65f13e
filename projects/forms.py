"""The portal's forms for county clerks and leaders: projects, start criteria, households, imports.

Forms only collect and tidy input; the rules are checked by the services they hand it to (which
call projects/rules), and a refusal comes back as errors beside the fields.
"""

import re
from typing import Any

from crispy_forms.bootstrap import InlineCheckboxes
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Fieldset, Layout, Row, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import (
    LIST_FIELDS,
    MANAGEMENT_MODES,
    Criterion,
    ProjectKind,
    in_choice_order,
)
from .importing import PHONE_RE
from .models import Household, Project
from .rules.dwellings import building_problem, entrance_problem, room_problem
from .rules.start import EVIDENCED_CRITERIA
from .selectors import EVIDENCE_FILTERS, PROJECT_STATUSES
from .services import KEEP_MINE, KEEP_THEIRS
from .uploads import EvidenceField

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
SEPARATORS = re.compile(r"[、,，;；\s]+")


def _split_terms(text: str) -> list[str]:
    return [t for t in SEPARATORS.split(text or "") if t]


class TermsField(forms.MultipleChoiceField):
    """A list field (改造内容, 隐患, 联动改造) as checkboxes of the usual terms."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, terms: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(choices=[(t, t) for t in terms], required=False, **kwargs)


class ProjectForm(forms.ModelForm):
    """Every field of SPEC §4 a person types; the start and consent dates are computed, never typed."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # The version the person first opened: after a conflict, saving again writes only what they
    # changed since then (services.project_merge).
    base_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    contents = TermsField(LIST_FIELDS["contents"], label=_("改造内容"))
    contents_other = forms.CharField(
        label=_("其他改造内容"), required=False, help_text=_("多项用顿号或逗号分隔")
    )
    hazards = TermsField(
        LIST_FIELDS["hazards"],
        label=_("摸底排查发现的隐患"),
        help_text=_("管线隐患须列入改造内容（应改尽改）"),
    )
    hazards_other = forms.CharField(
        label=_("其他隐患"), required=False, help_text=_("多项用顿号或逗号分隔")
    )
    linked_tags = TermsField(LIST_FIELDS["linked_tags"], label=_("联动改造"))

    class Meta:
        model = Project
        fields = (
            "kind", "name", "address", "buildings", "households", "floor_area", "investment",
            "fund_central", "fund_provincial", "fund_city", "fund_county", "fund_social",
            "fund_credit", "fund_residents", "management_mode", "construction_unit",
            "supervising_unit", "responsible_person", "responsible_phone", "contractor",
            "completed_on", "accepted_on", "warning_note",
        )  # fmt: skip
        widgets = {
            "completed_on": DATE_INPUT,
            "accepted_on": DATE_INPUT,
            "warning_note": forms.Textarea(attrs={"rows": 3}),
            "management_mode": forms.TextInput(attrs={"list": "management-modes"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instance: Project = self.instance
        self.fields["version"].initial = instance.version
        self.fields["base_version"].initial = instance.version
        if instance.pk is None:
            self.fields["kind"].initial = ProjectKind.NEW
        for name, terms in LIST_FIELDS.items():
            current = list(getattr(instance, name) or [])
            self.fields[name].initial = [t for t in current if t in terms]
            if f"{name}_other" in self.fields:
                self.fields[f"{name}_other"].initial = "、".join(
                    t for t in current if t not in terms
                )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            "version",
            "base_version",
            Fieldset(
                _("基本信息"),
                Row(Column("kind", css_class="col-md-3"), Column("name", css_class="col-md-9")),
                "address",
                Row(
                    Column("buildings", css_class="col-4"),
                    Column("households", css_class="col-4"),
                    Column("floor_area", css_class="col-4"),
                ),
            ),
            Fieldset(
                _("资金概算及来源（万元）"),
                "investment",
                Row(
                    *(
                        Column(name, css_class="col-6 col-md-3")
                        for name in (
                            "fund_central",
                            "fund_provincial",
                            "fund_city",
                            "fund_county",
                            "fund_social",
                            "fund_credit",
                            "fund_residents",
                        )
                    )
                ),
            ),
            Fieldset(
                _("改造内容"),
                InlineCheckboxes("hazards"),
                "hazards_other",
                InlineCheckboxes("contents"),
                "contents_other",
                InlineCheckboxes("linked_tags"),
                "management_mode",
                HTML(
                    '<datalist id="management-modes">'
                    + "".join(f'<option value="{m}">' for m in MANAGEMENT_MODES)
                    + "</datalist>"
                ),
            ),
            Fieldset(
                _("建设和监管"),
                "construction_unit",
                "supervising_unit",
                Row(
                    Column("responsible_person", css_class="col-md-6"),
                    Column("responsible_phone", css_class="col-md-6"),
                ),
                "contractor",
            ),
            Fieldset(
                _("完工和验收"),
                Row(
                    Column("completed_on", css_class="col-md-6"),
                    Column("accepted_on", css_class="col-md-6"),
                ),
            ),
            Fieldset(
                _("情况说明"), HTML('{% include "projects/_form_warnings.html" %}'), "warning_note"
            ),
            Submit("save", _("保存"), css_class="btn-primary"),
        )

    def clean_responsible_phone(self) -> str:
        phone: str = (self.cleaned_data.get("responsible_phone") or "").strip()
        if phone and not PHONE_RE.match(phone.replace(" ", "")):
            raise forms.ValidationError(_("请填写11位手机号或带区号的固定电话"))
        return phone.replace(" ", "")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name, terms in LIST_FIELDS.items():
            chosen = data.get(name) or []
            extra = [t for t in _split_terms(data.get(f"{name}_other", "")) if t not in chosen]
            data[name] = in_choice_order([*chosen, *extra], terms)
        return data

    def service_data(self) -> dict[str, Any]:
        """The cleaned fields as the project services take them."""
        names = [*self.Meta.fields, *LIST_FIELDS]
        return {name: self.cleaned_data[name] for name in names}

    def keep_choices(self) -> dict[str, str]:
        """Per field both people changed, whose value the person chose to keep (keep_<field> =
        theirs or mine), as project_update takes it."""
        names = [*self.Meta.fields, *LIST_FIELDS]
        return {
            name: choice
            for name in names
            if (choice := self.data.get(f"keep_{name}")) in (KEEP_THEIRS, KEEP_MINE)
        }


class ProjectFilterForm(forms.Form):
    """The project list's filters (all optional)."""

    q = forms.CharField(label=_("搜索"), required=False)
    kind = forms.ChoiceField(
        label=_("项目类型"), required=False, choices=[("", _("全部类型")), *ProjectKind.choices]
    )
    status = forms.ChoiceField(
        label=_("进度"),
        required=False,
        choices=[("", _("全部进度")), *((k, _(v)) for k, v in PROJECT_STATUSES.items())],
    )
    missing = forms.ChoiceField(
        label=_("未满足的开工条件"),
        required=False,
        choices=[("", _("不限")), ("consent", _("居民同意")), *Criterion.choices],
    )
    evidence = forms.ChoiceField(
        label=_("证明材料"),
        required=False,
        choices=[("", _("不限")), *((k, _(v)) for k, v in EVIDENCE_FILTERS.items())],
    )
    contact_point = forms.BooleanField(label=_("仅省级联系点"), required=False)


class CriterionForm(forms.Form):
    """One of start criteria 2–5: its date, the evidence, and what that criterion needs besides."""

    met_on = forms.DateField(label=_("满足日期"), required=False, widget=DATE_INPUT)
    no_structures = forms.BooleanField(label=_("小区内无违章建筑和临时建筑"), required=False)
    confirmed_by = forms.CharField(label=_("确认人"), max_length=50, required=False)
    contractor = forms.CharField(label=_("施工单位"), max_length=200, required=False)
    evidence = EvidenceField(
        label=_("证明材料"),
        required=False,
        help_text=_("PDF、JPEG 或 PNG 格式的扫描件或照片"),
    )
    note = forms.CharField(label=_("说明"), max_length=300, required=False)

    EVIDENCE_REQUIRED = tuple(Criterion(key) for key in sorted(EVIDENCED_CRITERIA))
    EVIDENCE_LABELS = {
        Criterion.STRUCTURES_CLEARED: _("拆除前后照片或说明（可选）"),
        Criterion.DESIGN_POSTED: _("设计公示照片或扫描件（必传）"),
        Criterion.CONTRACT_SIGNED: _("施工合同扫描件（必传）"),
        Criterion.ON_SITE: _("施工现场照片（必传）"),
    }

    def __init__(self, *args: Any, criterion: str, has_evidence: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criterion = Criterion(criterion)
        self.has_evidence = has_evidence
        if self.criterion != Criterion.STRUCTURES_CLEARED:
            del self.fields["no_structures"], self.fields["confirmed_by"]
        if self.criterion != Criterion.CONTRACT_SIGNED:
            del self.fields["contractor"]
        else:
            self.fields["met_on"].label = _("合同签订日期")
        self.fields["evidence"].label = self.EVIDENCE_LABELS[self.criterion]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("save", _("保存"), css_class="btn-primary"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        met_on = data.get("met_on")
        if data.get("no_structures") and not (data.get("confirmed_by") or "").strip():
            self.add_error("confirmed_by", _("“无违建”须由具名人员确认"))
        if data.get("no_structures") and not met_on:
            self.add_error("met_on", _("请填写确认无违建的日期"))
        if (
            met_on
            and self.criterion in self.EVIDENCE_REQUIRED
            and not self.has_evidence
            and not data.get("evidence")
        ):
            self.add_error("evidence", _("请上传证明材料"))
        if (
            self.criterion == Criterion.CONTRACT_SIGNED
            and met_on
            and not (data.get("contractor") or "").strip()
        ):
            self.add_error("contractor", _("请填写施工单位"))
        return data


class HouseholdForm(forms.ModelForm):
    """One household of a project's roster and its head of household's answers."""

    class Meta:
        model = Household
        fields = (
            "building", "entrance", "room", "head_name", "phone", "plan_opinion",
            "management_opinion", "answered_on",
        )  # fmt: skip
        widgets = {"answered_on": DATE_INPUT}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(
                Column("building", css_class="col-4"),
                Column("entrance", css_class="col-4"),
                Column("room", css_class="col-4"),
            ),
            Row(Column("head_name", css_class="col-md-6"), Column("phone", css_class="col-md-6")),
            Row(
                Column("plan_opinion", css_class="col-md-4"),
                Column("management_opinion", css_class="col-md-4"),
                Column("answered_on", css_class="col-md-4"),
            ),
            Submit("save", _("保存"), css_class="btn-primary"),
        )

    def clean_building(self) -> str:
        building: str = (self.cleaned_data.get("building") or "").strip()
        project = self.instance.project if self.instance.project_id else None
        problem = building_problem(building, buildings=project.buildings if project else 0)
        if problem:
            raise forms.ValidationError(problem)
        return building

    def clean_entrance(self) -> str:
        entrance: str = (self.cleaned_data.get("entrance") or "").strip()
        problem = entrance_problem(entrance)
        if problem:
            raise forms.ValidationError(problem)
        return entrance

    def clean_room(self) -> str:
        room: str = (self.cleaned_data.get("room") or "").strip()
        problem = room_problem(room)
        if problem:
            raise forms.ValidationError(problem)
        return room

    def clean_phone(self) -> str:
        phone: str = (self.cleaned_data.get("phone") or "").strip().replace(" ", "")
        if phone and not PHONE_RE.match(phone):
            raise forms.ValidationError(_("请填写11位手机号或带区号的固定电话"))
        return phone

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        answered = {data.get("plan_opinion"), data.get("management_opinion")} - {"undecided", None}
        if answered and not data.get("answered_on"):
            self.add_error("answered_on", _("已表态的住户须填写表态日期"))
        dwelling = {k: data.get(k) for k in ("building", "entrance", "room")}
        if all(dwelling.values()) and self.instance.project_id:
            taken = Household.objects.filter(project_id=self.instance.project_id, **dwelling)
            if self.instance.pk:
                taken = taken.exclude(pk=self.instance.pk)
            if taken.exists():
                self.add_error("room", _("该楼栋单元房号已有住户记录"))
        return data

    def service_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class RosterImportForm(forms.Form):
    """A household roster in the import template, for one project."""

    file = forms.FileField(
        label=_("住户花名册（.xlsx）"),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )


class ProjectImportForm(forms.Form):
    """The unit's projects in the projects template (as the project list downloads them)."""

    file = forms.FileField(
        label=_("改造项目表（.xlsx）"),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )
