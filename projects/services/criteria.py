"""A start criterion (2–5) recorded or cleared, with its evidence, and what recording it would
need confirmed."""

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from .. import permissions
from ..choices import Criterion
from ..consequences import Consequences, StatusChangesNeedConfirmation, project_dates
from ..data_version import writes_data
from ..models import Project, StartCriterion, User
from ..rules.project_checks import future_date_problem
from ._common import _confirm_single
from .projects import _lock_project, _touch_project


@writes_data
@transaction.atomic
def criterion_record(
    *,
    project: Project,
    criterion: str,
    met_on: date | None,
    user: User | None,
    no_structures: bool = False,
    confirmed_by: str = "",
    note: str = "",
    evidence: File | None = None,
    contractor: str | None = None,
    allow_status_changes: bool = False,
) -> StartCriterion:
    """Record (or clear) one of criteria 2–5: its date, the named confirmer of "none present", the
    evidence scan and, for the contract, the contractor's name; then recompute the start date."""
    project = _lock_project(project)
    permissions.require_unit_writer(user, project.unit_id)
    before = project_dates(projects=[project.id])
    problem = future_date_problem(
        label=str(Criterion(criterion).label), on=met_on, today=timezone.localdate()
    )
    if problem:
        raise ValidationError({"met_on": problem})
    if contractor is not None and contractor != project.contractor:
        project.contractor = contractor
        project.version += 1
        project._history_user = user  # type: ignore[attr-defined]
        project.save(update_fields=["contractor", "version", "updated_at"])
    row, _ = StartCriterion.objects.get_or_create(
        project=project, criterion=Criterion(criterion), defaults={"recorded_by": user}
    )
    row.met_on = met_on
    row.no_structures = no_structures
    row.confirmed_by = confirmed_by
    row.note = note
    row.recorded_by = user
    if evidence is not None:
        row.evidence = evidence
    row.full_clean()
    row._history_user = user  # type: ignore[attr-defined]
    row.save()
    _touch_project(project, user)
    _confirm_single(project, before, allow_status_changes)
    return row


class _DryRun(Exception):
    """Raised to roll back a write made only to see its consequences."""


def criterion_record_consequences(
    *, project: Project, criterion: str, met_on: date | None, user: User | None, **fields: Any
) -> Consequences | None:
    """The status changes recording a criterion would need confirmed (None when it needs no
    confirmation or would be refused anyway), nothing written: the page shows them again when the
    confirmed save was refused for its form (the evidence file cannot be kept by the browser)."""
    try:
        with transaction.atomic():
            criterion_record(
                project=project, criterion=criterion, met_on=met_on, user=user, **fields
            )
            raise _DryRun
    except StatusChangesNeedConfirmation as refused:
        return refused.consequences
    except (_DryRun, ValidationError):
        return None
