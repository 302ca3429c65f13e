"""The forms of the implementation plan (年度工作实施方案) and a renovation plan (改造方案). They
collect the input of paperwork.services.plans."""

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from projects.forms import DATE_INPUT
from projects.uploads import EvidenceField


class ImplementationPlanForm(forms.Form):
    """The signed implementation plan: the scan, the submission date and the safeguards."""

    document = EvidenceField(
        label=_("签批的实施方案"),
        required=False,
        help_text=_("PDF、JPEG 或 PNG 格式的扫描件"),
    )
    document_date = forms.DateField(
        label=_("文件日期"),
        widget=DATE_INPUT,
        help_text=_("签批文件上的日期；报送日期由系统按报送当天记录"),
    )
    safeguards = forms.CharField(
        label=_("保障措施"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )
    note = forms.CharField(label=_("说明"), max_length=300, required=False)

    def __init__(self, *args: Any, has_document: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.has_document = has_document
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("save", _("报送"), css_class="btn-primary"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.has_document and not data.get("document") and "document" not in self.errors:
            self.add_error("document", _("请上传签批的实施方案扫描件"))
        return data


class RenovationPlanForm(forms.Form):
    """A renovation plan's survey of deficiencies and hazards, and the residents' consultation."""

    survey_summary = forms.CharField(
        label=_("摸底排查情况"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=5000,
    )
    consultation_on = forms.DateField(
        label=_("征求居民意见日期"), widget=DATE_INPUT, required=False
    )
    consultation_record = EvidenceField(
        label=_("征求意见记录"),
        required=False,
        help_text=_("PDF、JPEG 或 PNG 格式的扫描件或照片"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("save", _("保存"), css_class="btn-primary"))
