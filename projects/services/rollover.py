"""The year rollover (续建): year N's projects unfinished on 31 December become year N+1's carry-over
projects, each linked to the project it continues, and year N+1's carry-over targets are proposed
from the households carried on. Year N's rows are not touched: its figures, reports and
assessment stay as they were."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from simple_history.utils import bulk_create_with_history

from .. import permissions
from ..choices import ProjectKind
from ..data_version import writes_data
from ..models import PlanYear, Project, UnitTarget, User
from ..selectors.rollover import RolloverPreview, rollover_preview
from .targets import BASELINE_REASON

# What a carried-on project takes over from the project it continues: the community and its plan.
# Its criteria, households and evidence stay on the first year's rows and are read from there
# (selectors.rollover.roster_project); its start is the first year's (a carry-over has no start).
CARRIED_FIELDS: tuple[str, ...] = (
    "unit_id", "name", "address", "buildings", "households", "floor_area", "investment",
    "fund_central", "fund_provincial", "fund_city", "fund_county", "fund_social", "fund_credit",
    "fund_residents", "contents", "hazards", "linked_tags", "management_mode",
    "construction_unit", "supervising_unit", "responsible_person", "responsible_phone",
    "contractor", "contact_point", "warning_note",
)  # fmt: skip
BATCH = 2000


@dataclass(frozen=True)
class RolloverResult:
    """What a rollover did: the projects created in the next year, those held back (a project of
    the same name is already there), and the preview it followed."""

    created: tuple[Project, ...]
    preview: RolloverPreview


def carried_on(project: Project, *, source: PlanYear, target: PlanYear) -> Project:
    """``project`` continued in ``target`` as a carry-over project: the same community, and the
    completion recorded after its year ended (it now counts in ``target``)."""
    continued = Project(
        plan_year=target,
        kind=ProjectKind.CARRYOVER,
        rolled_from=project,
        **{name: getattr(project, name) for name in CARRIED_FIELDS},
    )
    if project.completed_on is not None and project.completed_on > source.year_end:
        continued.completed_on = project.completed_on
        continued.accepted_on = project.accepted_on
    return continued


@writes_data
@transaction.atomic
def plan_year_rollover(
    *, source: PlanYear, target: PlanYear, user: User | None, expected_projects: int | None = None
) -> RolloverResult:
    """Carry ``source``'s projects unfinished on its 31 December (new starts and carry-over alike)
    into the draft ``target`` as carry-over projects linked to them, and set the carry-over targets
    the preview proposes (selectors.rollover.rollover_preview), recorded with who and why. Projects
    carried on before are skipped, so running it again adds nothing. ``expected_projects``, the
    number the confirmed preview listed, refuses the rollover when the records changed since. The
    city office only."""
    permissions.require_city_office(user, "只有市老旧办可以将上年未完工项目转入续建")
    # Two rollovers into the same year queue up here; the second finds the first's projects.
    target = PlanYear.objects.select_for_update().get(pk=target.pk)
    source = PlanYear.objects.get(pk=source.pk)
    preview = rollover_preview(source=source, target=target)
    if preview.problems:
        raise ValidationError(list(preview.problems))
    if expected_projects is not None and preview.projects != expected_projects:
        raise ValidationError(
            f"预览后项目记录已有变化：现有 {preview.projects} 个待转入项目"
            f"（预览时为 {expected_projects} 个），请核对后再确认"
        )
    reason = f"由{source.year}年度转入续建"
    projects = [
        carried_on(project, source=source, target=target)
        for unit in preview.units
        for project in unit.projects
    ]
    created = bulk_create_with_history(
        projects, Project, batch_size=BATCH, default_user=user, default_change_reason=reason
    )
    if created:
        _propose_targets(preview, target=target, user=user, reason=reason)
    return RolloverResult(created=tuple(created), preview=preview)


def _propose_targets(
    preview: RolloverPreview, *, target: PlanYear, user: User | None, reason: str
) -> None:
    """Write the carry-over targets the preview proposes: each unit's that changes, then the city's
    total, each with a history row naming the rollover."""
    stored = {t.unit_id: t for t in UnitTarget.objects.filter(plan_year=target)}
    for unit in preview.units:
        if not unit.target_changes:
            continue
        row = stored.get(unit.unit.id) or UnitTarget(plan_year=target, unit=unit.unit)
        if row.pk is not None and not row.history.exists():
            UnitTarget.history.bulk_history_create([row], default_change_reason=BASELINE_REASON)
        row.carryover = unit.carryover_proposed
        row.full_clean()
        row._history_user = user  # type: ignore[attr-defined]
        row._change_reason = reason  # type: ignore[attr-defined]
        row.save()
    if target.city_carryover != preview.city_carryover_proposed:
        target.city_carryover = preview.city_carryover_proposed
        target._history_user = user  # type: ignore[attr-defined]
        target._change_reason = reason  # type: ignore[attr-defined]
        target.save(update_fields=["city_carryover"])
