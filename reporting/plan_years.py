"""Plan years as data the city office enters (issue 16), on the city office's pages: the door
decides here (the city office and administrators), then the projects app's one service for each
change writes it (projects.services: atomic, with a reason, who/when/why in the history). The
record of a year's changes — its settings, milestones and targets — is put together here for its
page."""

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext as _

from projects import permissions, selectors, services
from projects.choices import Measure, PlanYearState, TargetBasis
from projects.models import Milestone, PlanYear, Unit, UnitTarget, User
from projects.rules.plan_years import MilestoneInput
from projects.services import PlanYearSettings
from projects.templatetags.portal import cn_date

from .targets import target_changes

# --- the writes, through the door -----------------------------------------------------------------


def plan_year_create(
    *,
    year: int,
    settings: PlanYearSettings,
    reason: str,
    user: User,
    source: PlanYear | None = None,
) -> PlanYear:
    permissions.require_target_setter(user)
    return services.plan_year_create(
        year=year, settings=settings, reason=reason, user=user, source=source
    )


def plan_year_update(
    *, plan_year: PlanYear, settings: PlanYearSettings, reason: str, user: User
) -> PlanYear:
    permissions.require_target_setter(user)
    return services.plan_year_update(
        plan_year=plan_year, settings=settings, reason=reason, user=user
    )


def milestones_set(
    *, plan_year: PlanYear, milestones: Sequence[MilestoneInput], reason: str, user: User
) -> list[Milestone]:
    permissions.require_target_setter(user)
    return services.milestones_set(
        plan_year=plan_year, milestones=milestones, reason=reason, user=user
    )


def plan_year_targets_set(
    *,
    plan_year: PlanYear,
    targets: Mapping[Unit, selectors.Targets],
    reason: str,
    user: User,
) -> list[UnitTarget]:
    permissions.require_target_setter(user)
    return services.plan_year_targets_set(
        plan_year=plan_year, targets=targets, reason=reason, user=user
    )


def plan_year_open(*, plan_year: PlanYear, reason: str, user: User) -> PlanYear:
    permissions.require_target_setter(user)
    return services.plan_year_open(plan_year=plan_year, reason=reason, user=user)


# --- the record of changes ----------------------------------------------------------------------


@dataclass(frozen=True)
class PlanYearChange:
    """One change to a plan year for its page: when, who, what it was about (the settings, a
    milestone, a unit's targets), what changed and why."""

    when: datetime
    who: str
    subject: str
    what: tuple[str, ...]
    why: str


# The plan year's settings the record of changes compares, in the order of its form.
SETTING_FIELDS = (
    "city_new_starts", "city_completions", "city_carryover", "completion_percent",
    "consent_percent", "implementation_plan_due", "renovation_plans_due", "adjustment_cutoff",
    "report_due_day", "trial_months", "subsidised_units",
)  # fmt: skip
MILESTONE_FIELDS = (
    "key", "name", "due", "percent", "basis", "measure", "requires_all_projects_started",
    "requires_all_projects_completed",
)  # fmt: skip


def _who(record: Any) -> str:
    user = record.history_user
    return (user.get_full_name() or user.get_username()) if user else _("系统")


def _label(model: Any, name: str) -> str:
    return str(getattr(model._meta.get_field(name), "verbose_name", name))


def _shown(name: str, value: Any) -> str:
    """A setting's or a milestone field's value as the record of changes shows it."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, date):
        return cn_date(value)
    if name == "trial_months":
        return "、".join(_("%(month)s月") % {"month": m} for m in value) or _("无")
    if name == "subsidised_units":
        return "、".join(value) or _("无")
    if name == "basis":
        return str(TargetBasis(value).label)
    if name == "measure":
        return str(Measure(value).label)
    return str(value)


def _settings_changes(plan_year: PlanYear) -> list[PlanYearChange]:
    """The plan year's own history, each row against the one before: four queries."""
    labels = {name: _label(PlanYear, name) for name in SETTING_FIELDS}
    names = dict(Unit.objects.values_list("pk", "name"))
    order = {pk: i for i, pk in enumerate(Unit.objects.values_list("pk", flat=True))}
    through = PlanYear.history.model._meta.get_field(
        "historicalplanyear_subsidised_units"
    ).related_model
    units: dict[int, list[int]] = defaultdict(list)
    for history_id, unit_id in through.objects.filter(history__id=plan_year.pk).values_list(
        "history_id", "unit_id"
    ):
        units[history_id].append(unit_id)
    rows = (
        PlanYear.history.filter(id=plan_year.pk)
        .select_related("history_user")
        .order_by("history_id")
    )
    changes: list[PlanYearChange] = []
    before: dict[str, Any] | None = None
    for record in rows:
        values = {name: getattr(record, name) for name in SETTING_FIELDS[:-1]}
        values["trial_months"] = sorted(values["trial_months"] or [])
        values["subsidised_units"] = [
            names.get(pk, "")
            for pk in sorted(units[record.history_id], key=lambda pk: order.get(pk, 0))
        ]
        values["state"] = record.state
        if before is None:
            what = [
                _("新建年度计划（草拟中）")
                if record.state == PlanYearState.DRAFT
                else _("载入年度计划（已开启）")
            ]
        else:
            what = [
                f"{labels[name]}：{_shown(name, before[name])} → {_shown(name, values[name])}"
                for name in SETTING_FIELDS
                if before[name] != values[name]
            ]
            if before["state"] != values["state"] and values["state"] == PlanYearState.OPEN:
                what.append(_("开启年度计划"))
        before = values
        if what:
            changes.append(
                PlanYearChange(
                    record.history_date,
                    _who(record),
                    _("年度设置"),
                    tuple(what),
                    record.history_change_reason or "",
                )
            )
    return changes


def _milestone_changes(plan_year: PlanYear) -> list[PlanYearChange]:
    """The history of the plan year's milestones, each row against the one before: one query."""
    rows = (
        Milestone.history.filter(plan_year_id=plan_year.pk)
        .select_related("history_user")
        .order_by("history_id")
    )
    labels = {name: _label(Milestone, name) for name in MILESTONE_FIELDS}
    before: dict[int, dict[str, Any]] = {}
    changes: list[PlanYearChange] = []
    for record in rows:
        values = {name: getattr(record, name) for name in MILESTONE_FIELDS}
        previous = before.get(record.id)
        # What the milestone says, in the data's own words (its composed name depends on the
        # completion share of the moment, so only a name set by hand is quoted).
        said = _("%(due)s前%(measure)s达%(basis)s的 %(percent)s%%") % {
            "due": cn_date(record.due),
            "measure": _shown("measure", record.measure),
            "basis": _shown("basis", record.basis),
            "percent": record.percent,
        }
        if record.name:
            said = f"“{record.name}”：{said}"
        if record.history_type == "-":
            what = [_("删除阶段任务：%(milestone)s") % {"milestone": said}]
        elif previous is None:
            what = [_("新增阶段任务：%(milestone)s") % {"milestone": said}]
        else:
            what = [
                f"{labels[field]}：{_shown(field, previous[field])} → {_shown(field, values[field])}"
                for field in MILESTONE_FIELDS
                if previous[field] != values[field]
            ]
        before[record.id] = values
        if what:
            changes.append(
                PlanYearChange(
                    record.history_date,
                    _who(record),
                    _("阶段任务 %(key)s") % {"key": record.key},
                    tuple(what),
                    record.history_change_reason or "",
                )
            )
    return changes


def plan_year_changes(*, plan_year: PlanYear, limit: int = 50) -> list[PlanYearChange]:
    """The latest ``limit`` changes to the plan year's settings, milestones and targets, newest
    first, each with who, when and why: a fixed number of queries whatever the history's length."""
    changes = _settings_changes(plan_year) + _milestone_changes(plan_year)
    changes += [
        PlanYearChange(c.when, c.who, c.unit, c.what, c.why)
        for c in target_changes(plan_year=plan_year, limit=limit)
    ]
    changes.sort(key=lambda c: c.when, reverse=True)
    return changes[:limit]
