"""Work information (工作信息): short items a unit's clerk or leader submits to the city office, with
photos and optionally the project they concern; the city office marks the items it adopts (采用),
and counts them per unit. Services write (atomic, with history); selectors read."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout, Submit
from django import forms
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from projects import permissions
from projects import selectors as facts
from projects.models import PlanYear, Project, Unit, User
from projects.uploads import EvidenceField

from ..models import WorkInfo, WorkInfoPhoto

MAX_PHOTOS = 3


def work_info_visible(*, user: User) -> QuerySet[WorkInfo]:
    """The items ``user`` may read: their unit's, or every unit's for the city office."""
    return WorkInfo.objects.restrict(user, "view").select_related("unit", "project", "submitted_by")


@dataclass(frozen=True)
class UnitCount:
    """A unit's items of the plan year: submitted and adopted."""

    unit: Unit
    submitted: int
    adopted: int


def work_info_counts(*, plan_year: PlanYear, units: Sequence[Unit]) -> list[UnitCount]:
    """Submitted and adopted items per unit, in one grouped query."""
    rows = (
        WorkInfo.objects.filter(plan_year=plan_year, unit__in=units)
        .order_by()
        .values("unit_id")
        .annotate(n=Count("id"), adopted=Count("id", filter=Q(adopted_on__isnull=False)))
    )
    by_unit: dict[int, tuple[int, int]] = {
        row["unit_id"]: (row["n"], row["adopted"]) for row in rows
    }
    return [UnitCount(u, *by_unit.get(u.id, (0, 0))) for u in units]


@transaction.atomic
def work_info_submit(
    *,
    plan_year: PlanYear,
    unit: Unit,
    user: User | None,
    data: dict[str, Any],
    photos: Sequence[File] = (),
) -> WorkInfo:
    """Submit an item of the unit's work information; a project named must be the unit's."""
    permissions.require_unit_writer(
        user, unit.id, _("只有区县填报员和审核人可以报送本区县的工作信息")
    )
    project: Project | None = data.get("project")
    if project is not None and (project.unit_id != unit.id or project.plan_year_id != plan_year.id):
        raise ValidationError({"project": [_("只能选择本区县本年度的项目")]})
    if len(photos) > MAX_PHOTOS:
        raise ValidationError({"photos": [_("最多上传 3 张照片")]})
    item = WorkInfo(
        plan_year=plan_year,
        unit=unit,
        project=project,
        title=(data.get("title") or "").strip(),
        text=(data.get("text") or "").strip(),
        submitted_by=user,
    )
    item.full_clean()
    item._history_user = user  # type: ignore[attr-defined]
    item.save()
    for photo in photos:
        row = WorkInfoPhoto(item=item, image=photo)
        row._history_user = user  # type: ignore[attr-defined]
        row.save()
    return item


@transaction.atomic
def work_info_adopt(
    *, item: WorkInfo, user: User | None, adopted: bool, today: date | None = None
) -> WorkInfo:
    """Mark an item adopted by the city office (采用), on today's date, or take the mark back."""
    permissions.require_city_office(user, _("工作信息由市老旧办采用"))
    item = WorkInfo.objects.select_for_update().get(pk=item.pk)
    if adopted and item.adopted_on is None:
        item.adopted_on = today or facts.today_local()
        item.adopted_by = user
    elif not adopted:
        item.adopted_on = None
        item.adopted_by = None
    item._history_user = user  # type: ignore[attr-defined]
    item.save(update_fields=["adopted_on", "adopted_by"])
    return item


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
