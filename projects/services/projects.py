"""A project's own record written through the browser's forms: checked against SPEC §4, created,
updated (optimistic locking, with the merge of concurrent edits), swapped in or out by a plan
adjustment.

The single-record writers (here, households and criteria) each run in one transaction, write their
history with the acting user, re-check the rules of SPEC §4 against what would be stored (refusing
the whole change when a hard rule breaks) and recompute the project's start date with the one start
rule."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .. import permissions, selectors
from ..choices import LIST_FIELDS, ProjectKind, in_choice_order
from ..consequences import project_dates
from ..data_version import writes_data
from ..models import Household, PlanYear, Project, StartCriterion, Unit, User
from ..rules.project_checks import (
    Problem,
    date_order_problems,
    future_date_problems,
    household_count_problem,
)
from ..rules.start import StartStatus, start_status
from ._common import _confirm_single, _shown
from .project_import import PROJECT_MONEY_FIELDS
from .start_dates import projects_refresh_start

PROJECT_EDITABLE_FIELDS: tuple[str, ...] = (
    "kind", "name", "address", "buildings", "households", "floor_area", *PROJECT_MONEY_FIELDS,
    "contents", "hazards", "linked_tags", "management_mode", "construction_unit",
    "supervising_unit", "responsible_person", "responsible_phone", "contractor", "completed_on",
    "accepted_on", "warning_note",
)  # fmt: skip


@dataclass(frozen=True)
class ProjectCheck:
    """What SPEC §4 says about a project as it would be stored: errors block the save, warnings need
    a written explanation (``warning_note``)."""

    status: StartStatus
    errors: tuple[Problem, ...]
    warnings: tuple[str, ...]


def project_check(
    project: Project,
    *,
    criteria: dict[str, StartCriterion] | None = None,
    agree_dates: Sequence[date | None] | None = None,
    records: int | None = None,
    today: date | None = None,
) -> ProjectCheck:
    """Check ``project`` with its unsaved changes against its stored (or the given) criteria,
    agreeing households' answer dates and household record count; its completion and acceptance
    dates must not lie after ``today`` (the local date unless given)."""
    ids = [project.pk] if project.pk else []
    if criteria is None:
        criteria = selectors.criteria_by_project(project_ids=ids).get(project.pk, {})
    if agree_dates is None:
        agree_dates = selectors.agree_dates_by_project(project_ids=ids).get(project.pk, [])
    if records is None:
        records = Household.objects.filter(project_id=project.pk).count() if ids else 0
    status = start_status(
        selectors.start_input(
            project=project,
            consent_percent=project.plan_year.consent_percent,
            agree_dates=agree_dates,
            criteria=criteria,
        )
    )
    errors = list(
        date_order_problems(
            started_on=status.started_on,
            completed_on=project.completed_on,
            accepted_on=project.accepted_on,
            criteria_dates=selectors.criteria_dates(criteria),
        )
    )
    errors += future_date_problems(
        dates={
            "completed_on": ("完工", project.completed_on),
            "accepted_on": ("验收移交", project.accepted_on),
        },
        today=today or timezone.localdate(),
    )
    too_many = household_count_problem(records=records, households=project.households or 0)
    if too_many:
        errors.append(Problem("households", too_many))
    warnings = tuple(selectors.project_warnings(project=project, status=status))
    return ProjectCheck(status, tuple(errors), warnings)


def _raise_problems(check: ProjectCheck, *, note: str) -> None:
    errors: dict[str, list[str]] = defaultdict(list)
    for problem in check.errors:
        errors[problem.field].append(problem.message)
    if check.warnings and not note.strip():
        errors["warning_note"].append(
            "项目存在以下提示，请填写情况说明：" + "；".join(check.warnings)
        )
    if errors:
        raise ValidationError(dict(errors))


@dataclass(frozen=True)
class FieldChange:
    """One field someone else changed while the user was editing."""

    label: str
    before: str
    after: str


@dataclass(frozen=True)
class Conflict:
    """Why an edit was refused: the project changed since the user opened it, by whom and how."""

    version: int
    changed_by: str
    changed_at: datetime | None
    changes: tuple[FieldChange, ...]


class StaleEdit(Exception):
    """The project was saved by someone else after the form was opened (optimistic locking)."""

    def __init__(self, conflict: Conflict) -> None:
        super().__init__("项目已被他人修改")
        self.conflict = conflict


def project_conflict(*, project_id: int, since_version: int) -> Conflict:
    """What changed on a project after ``since_version``, from its history (django-simple-history)."""
    history = Project.history.filter(id=project_id).select_related("history_user")
    base = history.filter(version=since_version).order_by("-history_date", "-history_id").first()
    latest = history.order_by("-history_date", "-history_id").first()
    current = Project.objects.get(pk=project_id)
    changes = []
    if base is not None:
        for name in PROJECT_EDITABLE_FIELDS:
            before, after = getattr(base, name), getattr(current, name)
            if not same_value(before, after):
                label = str(getattr(Project._meta.get_field(name), "verbose_name", name))
                changes.append(FieldChange(label, _shown(before), _shown(after)))
    user = latest.history_user if latest is not None else None
    return Conflict(
        version=current.version,
        changed_by=(user.get_full_name() or user.get_username()) if user else "系统",
        changed_at=latest.history_date if latest is not None else None,
        changes=tuple(changes),
    )


KEEP_THEIRS = "theirs"
KEEP_MINE = "mine"


@dataclass(frozen=True)
class FieldClash:
    """A field both people changed, to different values, since the version the user started from."""

    name: str
    label: str
    base: str
    theirs: str
    mine: str


@dataclass(frozen=True)
class Merge:
    """A user's edit laid over the project as it is now: ``values`` to save (theirs where only they
    changed a field, the user's where only the user did, the chosen one where both did) and the
    ``clashes`` still waiting for a choice."""

    values: dict[str, Any]
    clashes: tuple[FieldClash, ...]


class MergeChoiceNeeded(Exception):
    """Both people changed the same fields: the user must say, per field, which value to keep."""

    def __init__(self, clashes: tuple[FieldClash, ...]) -> None:
        super().__init__("请选择保留对方的值还是使用您的值")
        self.clashes = clashes


def same_value(a: Any, b: Any) -> bool:
    """Equal as stored: empty text and None alike, lists (改造内容 etc.) whatever their order."""
    if a in (None, "") and b in (None, ""):
        return True
    if isinstance(a, list) and isinstance(b, list):
        return sorted(map(str, a)) == sorted(map(str, b))
    return bool(a == b)


def project_merge(
    *, project: Project, base_version: int, mine: dict[str, Any], keep: dict[str, str] | None = None
) -> Merge:
    """Lay ``mine`` (the user's form, opened at ``base_version``) over ``project`` as stored now, field
    by field against the base version's values in the project's history: a field the user left as it
    was keeps the current value, so another person's change is never reverted; a field both changed
    to different values takes ``keep[name]`` (KEEP_THEIRS or KEEP_MINE) or is a clash."""
    keep = keep or {}
    base = (
        Project.history.filter(id=project.pk, version=base_version)
        .order_by("-history_date", "-history_id")
        .first()
    )
    values: dict[str, Any] = {}
    clashes = []
    for name, my_value in mine.items():
        current = getattr(project, name)
        # Without the base in the history every difference is treated as a clash: asked, not guessed.
        base_value = getattr(base, name) if base is not None else current
        if base is not None and same_value(my_value, base_value):
            values[name] = current  # not changed by this user: whatever is stored now stays
        elif same_value(my_value, current) or (
            base is not None and same_value(current, base_value)
        ):
            values[name] = my_value
        elif keep.get(name) in (KEEP_THEIRS, KEEP_MINE):
            values[name] = my_value if keep[name] == KEEP_MINE else current
        else:
            label = str(getattr(Project._meta.get_field(name), "verbose_name", name))
            clashes.append(
                FieldClash(name, label, _shown(base_value), _shown(current), _shown(my_value))
            )
            values[name] = my_value
    return Merge(values, tuple(clashes))


@writes_data
@transaction.atomic
def project_create(
    *, plan_year: PlanYear, unit: Unit, user: User | None, data: dict[str, Any]
) -> Project:
    """Create a project of ``unit`` from the form's fields (PROJECT_EDITABLE_FIELDS)."""
    permissions.require_unit_writer(user, unit.id)
    project = Project(plan_year=plan_year, unit=unit, **_editable(data))
    _validate(project)
    project._history_user = user  # type: ignore[attr-defined]
    project.save()
    projects_refresh_start(project_ids=[project.id], user=user)
    project.refresh_from_db()
    return project


@writes_data
@transaction.atomic
def project_update(
    *,
    project_id: int,
    expected_version: int,
    user: User | None,
    data: dict[str, Any],
    base_version: int | None = None,
    keep: dict[str, str] | None = None,
    allow_status_changes: bool = False,
) -> Project:
    """Save the form's fields over the project, unless someone saved it since the user's form was
    last shown at ``expected_version``: then nothing is written and StaleEdit says what they changed.

    After such a conflict the form is saved again with the version it was first opened at
    (``base_version``): only the fields this user changed since then are written (project_merge),
    and where both changed a field ``keep`` says whose value stays, else MergeChoiceNeeded."""
    claimed = Project.objects.filter(pk=project_id, version=expected_version).update(
        version=expected_version + 1
    )
    if not claimed:
        raise StaleEdit(project_conflict(project_id=project_id, since_version=expected_version))
    project = Project.objects.select_related("plan_year", "unit").get(pk=project_id)
    permissions.require_unit_writer(user, project.unit_id)
    before = project_dates(projects=[project.id])
    values = _editable(data)
    if base_version is not None and base_version != expected_version:
        merge = project_merge(project=project, base_version=base_version, mine=values, keep=keep)
        if merge.clashes:
            raise MergeChoiceNeeded(merge.clashes)
        values = merge.values
    # A project carried into the next year keeps its completion there, never again on this row.
    carried_on = selectors.carried_on_problems(
        project, fields=[name for name, value in values.items() if getattr(project, name) != value]
    )
    if carried_on:
        raise ValidationError(carried_on)
    for name, value in values.items():
        if name in LIST_FIELDS and same_value(getattr(project, name), value):
            continue  # the same terms (stored before the one order was kept): not a change
        setattr(project, name, value)
    _validate(project)
    project._history_user = user  # type: ignore[attr-defined]
    project.save()
    projects_refresh_start(project_ids=[project.id], user=user)
    _confirm_single(project, before, allow_status_changes)
    project.refresh_from_db()
    return project


# Fields of a project brought into a plan by a plan adjustment (the community's own figures).
SWAPPED_IN_FIELDS: tuple[str, ...] = (
    "name", "address", "buildings", "households", "floor_area", "investment",
)  # fmt: skip


@writes_data
@transaction.atomic
def plan_projects_swap(
    *,
    plan_year: PlanYear,
    unit: Unit,
    removed: Iterable[Project],
    added: Sequence[dict[str, Any]],
    user: User | None,
    reason: str,
) -> list[Project]:
    """Swap projects of a unit's plan (an accepted plan adjustment): the projects swapped out are
    deleted (their history keeps them, "``reason`` 调出") and each community brought in becomes a
    new project of the unit ("``reason`` 调入"); returns the new projects in ``added``'s order. The
    caller has asked the door (the city office decides adjustments) and checked the plan."""
    for project in removed:
        project._history_user = user  # type: ignore[attr-defined]
        project._change_reason = f"{reason} 调出"  # type: ignore[attr-defined]
        project.delete()
    created = []
    for values in added:
        unknown = set(values) - set(SWAPPED_IN_FIELDS)
        if unknown:
            raise ValueError(f"not a community's figure: {sorted(unknown)}")
        project = Project(plan_year=plan_year, unit=unit, kind=ProjectKind.NEW, **values)
        project.full_clean()
        project._history_user = user  # type: ignore[attr-defined]
        project._change_reason = f"{reason} 调入"  # type: ignore[attr-defined]
        project.save()
        created.append(project)
    return created


def _validate(project: Project) -> None:
    """Field values first, then the rules of SPEC §4 (their messages name the field), then the
    database constraints that remain."""
    project.clean_fields()
    _raise_problems(project_check(project), note=project.warning_note)
    project.full_clean()


def _editable(data: dict[str, Any]) -> dict[str, Any]:
    unknown = set(data) - set(PROJECT_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    # One stored order for the multi-choice lists, so a list sent in another order is no change.
    return {
        name: in_choice_order(list(value or []), LIST_FIELDS[name])
        if name in LIST_FIELDS
        else value
        for name, value in data.items()
    }


def _touch_project(project: Project, user: User | None) -> None:
    """Re-check a project after a change to its households or criteria (inside the change's
    transaction, so a refusal undoes it), then recompute its start date."""
    project = Project.objects.select_related("plan_year", "unit").get(pk=project.pk)
    check = project_check(project)
    errors = [p.message for p in check.errors]
    if project.completed_on and project.started_on and not check.status.started:
        # Completed before its households were entered is a warning; a change that takes a
        # completed project's start away is refused, as is a consent share that would (admin).
        errors.append(
            f"项目已于 {project.completed_on} 完工，此修改将使其不再满足开工条件："
            + "；".join(c.reason for c in check.status.criteria if not c.met)
        )
    if errors:
        raise ValidationError(errors)
    projects_refresh_start(project_ids=[project.id], user=user)


def _lock_project(project: Project) -> Project:
    """Hold the project's row until the transaction ends, so two writers of its households or
    criteria queue up (PostgreSQL; SQLite writes one at a time anyway)."""
    return (
        Project.objects.select_for_update().select_related("plan_year", "unit").get(pk=project.pk)
    )
