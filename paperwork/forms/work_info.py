"""The form of an item of work information (工作信息). It collects the input of
paperwork.services.work_info."""

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout, Submit
from django import forms
from django.core.files import File
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy

from projects.models import Project
from projects.uploads import EvidenceField


class ProjectChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class WorkInfoForm(forms.Form):
    """An item: title, text, up to three photos, the project it concerns (optional)."""

    title = forms.CharField(label=gettext_lazy("标题"), max_length=100)
    text = forms.CharField(label=gettext_lazy("内容"), widget=forms.Textarea(attrs={"rows": 6}))
    project = ProjectChoice(
        label=gettext_lazy("相关项目"), queryset=Project.objects.none(), required=False
    )
    photo_1 = EvidenceField(label=gettext_lazy("照片 1"), required=False)
    photo_2 = EvidenceField(label=gettext_lazy("照片 2"), required=False)
    photo_3 = EvidenceField(label=gettext_lazy("照片 3"), required=False)

    def __init__(self, *args: Any, projects: QuerySet[Project], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects  # type: ignore[attr-defined]
        helper = FormHelper()
        helper.form_tag = False
        helper.layout = Layout(
            "title",
            "text",
            "project",
            "photo_1",
            "photo_2",
            "photo_3",
            Submit("save", gettext_lazy("报送"), css_class="btn-primary"),
        )
        self.helper = helper

    def photos(self) -> list[File]:
        return [
            self.cleaned_data[name]
            for name in ("photo_1", "photo_2", "photo_3")
            if self.cleaned_data.get(name)
        ]
