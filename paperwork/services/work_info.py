"""Work information (工作信息): short items a unit's clerk or leader submits to the city office, with
photos and optionally the project they concern; the city office marks the items it adopts (采用).
Services write (atomic, with history); the reads are in paperwork.selectors.work_info."""

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext as _

from projects import permissions
from projects import selectors as facts
from projects.data_version import writes_data
from projects.models import PlanYear, Project, Unit, User

from ..models import WorkInfo, WorkInfoPhoto

MAX_PHOTOS = 3


@writes_data
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


@writes_data
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
