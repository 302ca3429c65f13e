"""One household of a project's roster added, changed or removed through the browser's forms."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .. import permissions
from ..consequences import project_dates
from ..data_version import writes_data
from ..models import Household, Project, User
from ..rules.project_checks import future_date_problem
from ._common import _confirm_single
from .projects import _lock_project, _touch_project


def _check_answered_on(household: Household) -> None:
    """A household's answer (its agreement) is dated on a day that has happened."""
    problem = future_date_problem(
        label="表态", on=household.answered_on, today=timezone.localdate()
    )
    if problem:
        raise ValidationError({"answered_on": problem})


@writes_data
@transaction.atomic
def household_create(
    *,
    project: Project,
    user: User | None,
    data: dict[str, Any],
    allow_status_changes: bool = False,
) -> Household:
    """Add one household to a project's roster; refused when the roster would exceed the project's
    household count or the project's dates would fall out of order."""
    project = _lock_project(project)
    permissions.require_unit_writer(user, project.unit_id)
    before = project_dates(projects=[project.id])
    household = Household(project=project, **data)
    _check_answered_on(household)
    household.full_clean()
    household._history_user = user  # type: ignore[attr-defined]
    household.save()
    _touch_project(project, user)
    _confirm_single(project, before, allow_status_changes)
    return household


@writes_data
@transaction.atomic
def household_update(
    *,
    household: Household,
    user: User | None,
    data: dict[str, Any],
    allow_status_changes: bool = False,
) -> Household:
    """Change one household's dwelling, head of household, phone or answers."""
    project = _lock_project(household.project)
    permissions.require_unit_writer(user, household.project.unit_id)
    before = project_dates(projects=[project.id])
    household = Household.objects.get(pk=household.pk)
    for name, value in data.items():
        setattr(household, name, value)
    _check_answered_on(household)
    household.full_clean()
    household._history_user = user  # type: ignore[attr-defined]
    household.save()
    _touch_project(household.project, user)
    _confirm_single(project, before, allow_status_changes)
    return household


@writes_data
@transaction.atomic
def household_delete(
    *, household: Household, user: User | None, allow_status_changes: bool = False
) -> None:
    """Remove one household from the roster (its history keeps it); refused when the project's
    start would then move after its completion."""
    project = _lock_project(household.project)
    permissions.require_unit_writer(user, project.unit_id)
    before = project_dates(projects=[project.id])
    household._history_user = user  # type: ignore[attr-defined]
    household.delete()
    _touch_project(project, user)
    _confirm_single(project, before, allow_status_changes)
