"""Plan years as data the city office enters (issue 16): a year is drafted — created (its
milestones copied from an earlier year with the dates moved on, if wished), its settings, milestones
and unit targets entered — then opened.

Every change is atomic, needs a reason and keeps who, when and why in the history (the plan year's,
its milestones' and its targets'); the one target rule (projects.rules.targets) refuses a new
problem as the figures are entered and, at opening, any problem at all. Once a year is open its
settings and milestones are refused here, and its targets change only through the recorded target
maintenance (services.unit_target_set). The caller has asked the door
(projects.permissions.may_set_targets).
"""

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .. import selectors
from ..choices import PlanYearState, ProjectKind
from ..data_version import writes_data
from ..models import Milestone, PlanYear, Project, UnassignedCarryover, Unit, UnitTarget, User
from ..rules.message import Message
from ..rules.plan_years import (
    MilestoneInput,
    Problem,
    generated_key,
    milestone_problems,
    moved_on,
    open_problems,
    settings_problems,
    year_problem,
)
from ..rules.targets import CityTotals, check_targets_reconcile, expected_completion
from .start_dates import plan_year_consent_problems, projects_refresh_start
from .targets import _clean_reason, _save_target, _targets_check, unassigned_carryover_open

PLAN_YEAR_DATE_FIELDS = ("implementation_plan_due", "renovation_plans_due", "adjustment_cutoff")
MILESTONE_FIELDS = (
    "key", "name", "due", "percent", "basis", "measure", "requires_all_projects_started",
    "requires_all_projects_completed",
)  # fmt: skip


@dataclass(frozen=True)
class PlanYearSettings:
    """A plan year's settings as the city office enters them: the city totals (the completion total
    None: the new starts × the completion share, rounded half up), the shares, the deadlines, the
    report due day, the trial months and the ids of the units paid the city subsidy."""

    city_new_starts: int
    city_completions: int | None
    city_carryover: int
    completion_percent: int
    consent_percent: int
    implementation_plan_due: date
    renovation_plans_due: date
    adjustment_cutoff: date
    report_due_day: int
    trial_months: tuple[int, ...] = ()
    subsidised_units: frozenset[int] = frozenset()


SETTING_FIELDS = tuple(f.name for f in fields(PlanYearSettings))
# The plan year's own columns among them (the subsidised units are a relation).
COLUMN_FIELDS = tuple(name for name in SETTING_FIELDS if name != "subsidised_units")


class MilestonesRefused(ValidationError):
    """The milestones' problems, each with its row and field, so a form shows them in place."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(
            [
                Message("plan_year.milestone_row", n=p.row + 1, problem=str(p.message))
                if p.row is not None
                else p.message
                for p in self.problems
            ]
        )


def plan_year_settings(*, plan_year: PlanYear) -> PlanYearSettings:
    """The plan year's settings as they stand."""
    return PlanYearSettings(
        **{name: getattr(plan_year, name) for name in COLUMN_FIELDS if name != "trial_months"},
        trial_months=tuple(sorted(plan_year.trial_months or [])),
        subsidised_units=frozenset(plan_year.subsidised_units.values_list("pk", flat=True)),
    )


def plan_year_prefill(*, year: int, source: PlanYear) -> PlanYearSettings:
    """What a new year copies from an earlier one: its settings with the deadlines moved on to
    ``year`` (2022-03-31 → 2023-03-31) and no trial months (a trial run is a first year's)."""
    settings = plan_year_settings(plan_year=source)
    years = year - source.year
    return replace(
        settings,
        implementation_plan_due=moved_on(settings.implementation_plan_due, years=years),
        renovation_plans_due=moved_on(settings.renovation_plans_due, years=years),
        adjustment_cutoff=moved_on(settings.adjustment_cutoff, years=years),
        trial_months=(),
    )


def milestones_of(*, plan_year: PlanYear) -> list[MilestoneInput]:
    """The plan year's milestones as entered, in their order."""
    return [
        MilestoneInput(**{name: getattr(m, name) for name in MILESTONE_FIELDS})
        for m in plan_year.milestones.all()
    ]


# --- checking ------------------------------------------------------------------------------------


def _refuse(problems: Sequence[tuple[str, str]]) -> None:
    """Refuse (ValidationError) with each (field, message) beside its field ("" for none)."""
    if problems:
        errors: dict[str, list[str]] = {}
        for name, message in problems:
            errors.setdefault(name or "__all__", []).append(message)
        raise ValidationError(errors)


def _require_draft(plan_year: PlanYear, code: str = "plan_year.not_draft") -> PlanYear:
    """The plan year's row, locked until the transaction ends; refused unless it is a draft."""
    plan_year = PlanYear.objects.select_for_update().get(pk=plan_year.pk)
    if plan_year.state != PlanYearState.DRAFT:
        raise ValidationError(Message(code, year=plan_year.year))
    return plan_year


def _with_completions(settings: PlanYearSettings) -> PlanYearSettings:
    """A blank city completion total filled in by the rule (new starts × share, half up)."""
    if settings.city_completions is not None:
        return settings
    least = expected_completion(
        new_starts=settings.city_new_starts, completion_percent=settings.completion_percent
    )
    return replace(settings, city_completions=least)


def _settings_problems(year: int, settings: PlanYearSettings) -> list[tuple[str, str]]:
    """The rule's problems with the settings, and a city completion total below its share."""
    found = settings_problems(
        year=year,
        dates={name: getattr(settings, name) for name in PLAN_YEAR_DATE_FIELDS},
        completion_percent=settings.completion_percent,
        consent_percent=settings.consent_percent,
        report_due_day=settings.report_due_day,
        trial_months=settings.trial_months,
    )
    problems = [(p.field, str(p.message)) for p in found]
    if not any(p.field == "completion_percent" for p in found):
        city = check_targets_reconcile(city=_city(settings), units=[], unassigned_carryover=[])
        problems += [("city_completions", p) for p in city.problems]
    return problems


def _city(settings: PlanYearSettings) -> CityTotals:
    assert settings.city_completions is not None
    return CityTotals(
        settings.city_new_starts,
        settings.city_completions,
        settings.city_carryover,
        settings.completion_percent,
    )


def _write_settings(plan_year: PlanYear, settings: PlanYearSettings) -> None:
    for name in COLUMN_FIELDS:
        value = getattr(settings, name)
        setattr(plan_year, name, list(value) if name == "trial_months" else value)


def _save(obj: PlanYear | Milestone, *, user: User | None, reason: str) -> None:
    obj.full_clean()
    obj._history_user = user  # type: ignore[union-attr]
    obj._change_reason = reason  # type: ignore[union-attr]
    obj.save()


def _save_with_units(
    plan_year: PlanYear, units: frozenset[int], *, user: User | None, reason: str
) -> None:
    """Save the plan year and its subsidised units as one history row (the relation's own signals
    would write one row for the removal and one for the addition, without the reason)."""
    plan_year.full_clean()
    plan_year.skip_history_when_saving = True  # type: ignore[attr-defined]
    try:
        plan_year.save()
        plan_year.subsidised_units.set(sorted(units))
    finally:
        del plan_year.skip_history_when_saving  # type: ignore[attr-defined]
    _save(plan_year, user=user, reason=reason)


# --- the writes ----------------------------------------------------------------------------------


@writes_data
@transaction.atomic
def plan_year_create(
    *,
    year: int,
    settings: PlanYearSettings,
    reason: str,
    user: User | None,
    source: PlanYear | None = None,
) -> PlanYear:
    """Draft plan year ``year`` with ``settings``; with ``source`` (an earlier year) its milestones
    are copied, their due dates moved on by the years between (settings to copy: plan_year_prefill).
    Refused for a year that exists or is out of range, and for settings the rule refuses."""
    reason = _clean_reason(reason)
    problem = year_problem(year=year)
    if problem is not None:
        raise ValidationError({"year": problem})
    if PlanYear.objects.filter(year=year).exists():
        raise ValidationError({"year": Message("plan_year.exists", year=year)})
    if source is not None and source.year >= year:
        raise ValidationError(
            {"source": Message("plan_year.source_not_earlier", source=source.year)}
        )
    settings = _with_completions(settings)
    _refuse(_settings_problems(year, settings))
    plan_year = PlanYear(year=year, state=PlanYearState.DRAFT)
    _write_settings(plan_year, settings)
    _save_with_units(plan_year, settings.subsidised_units, user=user, reason=reason)
    if source is not None:
        years = year - source.year
        for m in source.milestones.all():
            copied = Milestone(
                plan_year=plan_year,
                **{name: getattr(m, name) for name in MILESTONE_FIELDS},
                sort_order=m.sort_order,
            )
            copied.due = moved_on(m.due, years=years)
            _save(copied, user=user, reason=reason)
    return plan_year


@writes_data
@transaction.atomic
def plan_year_update(
    *, plan_year: PlanYear, settings: PlanYearSettings, reason: str, user: User | None
) -> PlanYear:
    """Change a drafted year's settings. Refused once the year is open, for settings the rule
    refuses, for totals that would give the stored unit targets a problem they do not have, and for
    a consent share that would move a completed project's start after its completion."""
    reason = _clean_reason(reason)
    plan_year = _require_draft(plan_year)
    settings = _with_completions(settings)
    before = plan_year_settings(plan_year=plan_year)
    if settings == before:
        raise ValidationError(Message("plan_year.settings_unchanged"))
    _refuse(_settings_problems(plan_year.year, settings))
    stored = selectors.unit_targets(plan_year=plan_year)
    unassigned = [i.households for i in unassigned_carryover_open(plan_year=plan_year)]
    old = _targets_check(plan_year=plan_year, units=stored, unassigned=unassigned).problems
    consent_changed = settings.consent_percent != plan_year.consent_percent
    if consent_changed:
        broken = plan_year_consent_problems(
            plan_year=plan_year, consent_percent=settings.consent_percent
        )
        if broken:
            raise ValidationError(
                {"consent_percent": Message("plan_year.consent_breaks", projects="；".join(broken))}
            )
    _write_settings(plan_year, settings)
    new = _targets_check(plan_year=plan_year, units=stored, unassigned=unassigned).problems
    _refuse([(_total_field(p), p) for p in new if p not in old])
    _save_with_units(plan_year, settings.subsidised_units, user=user, reason=reason)
    if consent_changed:
        new_projects = Project.objects.filter(plan_year=plan_year, kind=ProjectKind.NEW)
        projects_refresh_start(project_ids=new_projects.values_list("pk", flat=True), user=user)
    return plan_year


def _total_field(problem: str) -> str:
    """The city total a target problem belongs beside (the rule's problems name the figure)."""
    for label, name in (("续建", "city_carryover"), ("完成改造", "city_completions")):
        if label in problem:
            return name
    return "city_new_starts"


@writes_data
@transaction.atomic
def milestones_set(
    *, plan_year: PlanYear, milestones: Sequence[MilestoneInput], reason: str, user: User | None
) -> list[Milestone]:
    """Set a drafted year's milestones to ``milestones``, in that order: a milestone keeps its row
    (and its history) by its code, a code no longer given is deleted, a new one added; a blank code
    is made from the figure and the share. Refused once the year is open and for milestones the
    rule refuses (MilestonesRefused, each problem with its row and field)."""
    reason = _clean_reason(reason)
    plan_year = _require_draft(plan_year)
    taken = [m.key.strip() for m in milestones]
    keyed: list[MilestoneInput] = []
    for item in milestones:
        key = item.key.strip()
        if not key:
            key = generated_key(measure=item.measure, percent=item.percent, taken=taken)
            taken.append(key)
        keyed.append(replace(item, key=key, name=item.name.strip()))
    problems = milestone_problems(year=plan_year.year, milestones=keyed)
    if problems:
        raise MilestonesRefused(problems)
    if keyed == milestones_of(plan_year=plan_year):
        raise ValidationError(Message("plan_year.milestones_unchanged"))
    stored = {m.key: m for m in plan_year.milestones.all()}
    wanted = {m.key for m in keyed}
    for key, gone in stored.items():
        if key not in wanted:
            gone._history_user = user  # type: ignore[attr-defined]
            gone._change_reason = reason  # type: ignore[attr-defined]
            gone.delete()
    saved: list[Milestone] = []
    for order, item in enumerate(keyed, start=1):
        row = stored.get(item.key) or Milestone(plan_year=plan_year)
        values = {**asdict(item), "sort_order": order}
        if row.pk is None or any(getattr(row, n) != v for n, v in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            _save(row, user=user, reason=reason)
        saved.append(row)
    return saved


@writes_data
@transaction.atomic
def plan_year_targets_set(
    *,
    plan_year: PlanYear,
    targets: Mapping[Unit, selectors.Targets],
    reason: str,
    user: User | None,
) -> list[UnitTarget]:
    """Set the unit targets of a drafted year (units not in ``targets`` keep theirs; None where a
    figure is still unknown). A blank completion target with a new-start target is filled in by the
    rule; the rule refuses the figures when they give the targets a problem they do not have now
    (a completion target below its share, or above it without a reason; the units' sum above a city
    total). Refused once the year is open: then only the recorded target maintenance changes them."""
    reason = _clean_reason(reason)
    plan_year = _require_draft(plan_year, "plan_year.targets_not_draft")
    stored = selectors.unit_targets(plan_year=plan_year)
    current = {unit.pk: t for unit, t in stored}
    wanted: dict[int, selectors.Targets] = {}
    for unit, given in targets.items():
        figures = _filled(given, completion_percent=plan_year.completion_percent)
        if figures != current.get(unit.pk):
            wanted[unit.pk] = figures
    if not wanted:
        raise ValidationError(Message("plan_year.targets_unchanged"))
    unassigned = [i.households for i in unassigned_carryover_open(plan_year=plan_year)]
    before = _targets_check(plan_year=plan_year, units=stored, unassigned=unassigned).problems
    after = _targets_check(
        plan_year=plan_year,
        units=[(u, wanted.get(u.pk, t)) for u, t in stored],
        unassigned=unassigned,
    ).problems
    new = [p for p in after if p not in before]
    if new:
        raise ValidationError(new)
    rows = {
        t.unit_id: t for t in UnitTarget.objects.filter(plan_year=plan_year, unit_id__in=wanted)
    }
    saved = []
    for unit_id, figures in wanted.items():
        target = rows.get(unit_id) or UnitTarget(plan_year=plan_year, unit_id=unit_id)
        target.new_starts, target.completions = figures.new_starts, figures.completions
        target.carryover, target.completions_reason = figures.carryover, figures.completions_reason
        _save_target(target, user=user, reason=reason)  # type: ignore[arg-type]
        saved.append(target)
    return saved


def _filled(given: selectors.Targets, *, completion_percent: int) -> selectors.Targets:
    """A unit's figures as the target maintenance stores them: a blank completion target with a
    new-start target is the least one, and the least one needs (and keeps) no reason."""
    completions, reason = given.completions, (given.completions_reason or "").strip()
    if given.new_starts is not None:
        least = expected_completion(
            new_starts=given.new_starts, completion_percent=completion_percent
        )
        if completions is None:
            completions = least
        if completions == least:
            reason = ""
    return selectors.Targets(given.new_starts, completions, given.carryover, reason)


@writes_data
@transaction.atomic
def plan_year_unassigned_carryover_add(
    *, plan_year: PlanYear, households: int, source_note: str, reason: str, user: User | None
) -> UnassignedCarryover:
    """Add to a drafted year a carry-over figure whose unit the source does not name (as 2022's
    30 and 2113), so the city total reconciles until the city office names the unit."""
    reason = _clean_reason(reason)
    plan_year = _require_draft(plan_year, "plan_year.targets_not_draft")
    item = UnassignedCarryover(plan_year=plan_year, households=households, source_note=source_note)
    item.full_clean()
    stored = selectors.unit_targets(plan_year=plan_year)
    unassigned = [i.households for i in unassigned_carryover_open(plan_year=plan_year)]
    before = _targets_check(plan_year=plan_year, units=stored, unassigned=unassigned).problems
    after = _targets_check(plan_year=plan_year, units=stored, unassigned=[*unassigned, households])
    new = [p for p in after.problems if p not in before]
    if new:
        raise ValidationError(new)
    item._history_user = user  # type: ignore[attr-defined]
    item._change_reason = reason  # type: ignore[attr-defined]
    item.save()
    return item


def plan_year_open_problems(*, plan_year: PlanYear) -> list[str]:
    """Why ``plan_year`` may not be opened yet (empty: it may): every problem the target rule finds
    in its targets and city totals, and a year without milestones."""
    return open_problems(
        target_problems=selectors.target_reconciliation(plan_year=plan_year).problems,
        milestones=plan_year.milestones.count(),
    )


@writes_data
@transaction.atomic
def plan_year_open(*, plan_year: PlanYear, reason: str, user: User | None) -> PlanYear:
    """Open a drafted year: refused, with every reason, while the target rule finds a problem in
    its targets or it has no milestone; records when and by whom. From then on the units see it,
    and its targets change only through the recorded target maintenance."""
    reason = _clean_reason(reason)
    plan_year = PlanYear.objects.select_for_update().get(pk=plan_year.pk)
    if plan_year.state != PlanYearState.DRAFT:
        raise ValidationError(Message("plan_year.already_open", year=plan_year.year))
    problems = plan_year_open_problems(plan_year=plan_year)
    if problems:
        raise ValidationError(problems)
    plan_year.state = PlanYearState.OPEN
    plan_year.opened_at, plan_year.opened_by = timezone.now(), user
    _save(plan_year, user=user, reason=reason)
    return plan_year
