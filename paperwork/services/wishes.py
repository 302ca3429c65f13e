"""The facilities residents most want (居民意愿), recorded with a community's renovation plan: each
facility once, with the number of households asking for it.

Services write (atomic, with history, the unit's clerk or leader, not on a final plan); the reads
are in paperwork.selectors.wishes."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from projects import permissions
from projects.data_version import writes_data
from projects.models import Project, User
from projects.rules.records import wish_households_problem

from ..models import RenovationPlan, ResidentWish
from .plans import _lock_project


def _writable_plan(project: Project, user: User | None) -> tuple[Project, RenovationPlan]:
    """The project held and its renovation plan (created if none yet), refused on a final plan."""
    project = _lock_project(project)
    permissions.require_unit_writer(user, project.unit_id)
    plan, _created = RenovationPlan.objects.get_or_create(project=project)
    if plan.final:
        raise ValidationError(_("改造方案已定稿，如需修改居民意愿请先撤销定稿"))
    return project, plan


def _checked(
    *, project: Project, plan: RenovationPlan, facility: str, households: int, wish_id: int | None
) -> str:
    facility = facility.strip()
    errors: dict[str, str] = {}
    if not facility:
        errors["facility"] = _("请填写设施")
    elif (
        ResidentWish.objects.filter(plan=plan, facility=facility)
        .exclude(id__in=[wish_id] if wish_id is not None else [])
        .exists()
    ):
        errors["facility"] = _("已登记“%(facility)s”，请修改原记录") % {"facility": facility}
    problem = wish_households_problem(asked=households, households=project.households)
    if problem:
        errors["households"] = problem
    if errors:
        raise ValidationError(errors)
    return facility


@writes_data
@transaction.atomic
def resident_wish_add(
    *, project: Project, user: User | None, facility: str, households: int
) -> ResidentWish:
    """Record a facility the residents asked for and how many households asked."""
    project, plan = _writable_plan(project, user)
    facility = _checked(
        project=project, plan=plan, facility=facility, households=households, wish_id=None
    )
    wish = ResidentWish(plan=plan, facility=facility, households=households)
    wish.full_clean()
    wish._history_user = user  # type: ignore[attr-defined]
    wish.save()
    return wish


@writes_data
@transaction.atomic
def resident_wish_update(
    *, wish: ResidentWish, user: User | None, facility: str, households: int
) -> ResidentWish:
    """Correct a wish's facility or count; the history keeps the earlier figures."""
    project, plan = _writable_plan(wish.plan.project, user)
    wish = ResidentWish.objects.select_for_update().get(pk=wish.pk, plan=plan)
    wish.facility = _checked(
        project=project, plan=plan, facility=facility, households=households, wish_id=wish.pk
    )
    wish.households = households
    wish.full_clean()
    wish._history_user = user  # type: ignore[attr-defined]
    wish.save()
    return wish


@writes_data
@transaction.atomic
def resident_wish_delete(*, wish: ResidentWish, user: User | None) -> None:
    """Remove a wish entered in error (its history keeps it)."""
    _writable_plan(wish.plan.project, user)
    wish._history_user = user  # type: ignore[attr-defined]
    wish.delete()
