"""The one permission door (SPEC §6): which rows of a model a user may see or change.

As NetBox's restricted querysets do, every model holding a unit's data has a manager whose
``restrict(user, "view" | "change")`` filters to the rows the user may read or write; views,
selectors, exports and templates (through ``portal_flags``) ask here, and the services are called
once the door has said yes. Who may do what, in one table:

- a unit's clerk and leader read and write their own unit's data, nothing of another unit;
- the city office (市老旧办) reads every unit and makes the city's decisions (targets, rulings,
  accepting plan adjustments, city inspections);
- administrators read every unit and configure; they set targets but write no unit's data;
- plan years: the city office and administrators draft, change and open them; a unit's clerk and
  leader see the opened ones only.

``None`` as the user is the system (commands, demo data): it may see and change everything.
Models of the apps built on this one (reporting, paperwork) register their rules with
``register`` from their own models module, so this module imports nothing from them.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import reduce
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q

from .choices import PlanYearState, Role

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

    from .models import User

Action = Literal["view", "change"]
VIEW: Action = "view"
CHANGE: Action = "change"

_M = TypeVar("_M", bound=models.Model)


# --- who the user is ------------------------------------------------------------------------------


def role_of(user: "User") -> str:
    """The user's role as the rules name it: a superuser is "admin" whatever its role field says."""
    return str(Role.ADMIN) if user.is_superuser else str(user.role)


def is_city_office(user: "User | None") -> bool:
    """The city office (市老旧办); a superuser is an administrator, never the city office."""
    return user is not None and role_of(user) == Role.CITY


def is_administrator(user: "User | None") -> bool:
    return user is not None and role_of(user) == Role.ADMIN


def is_unit_user(user: "User | None") -> bool:
    """A unit's clerk or leader (a superuser never is)."""
    return user is not None and role_of(user) in (Role.CLERK, Role.LEADER)


def unit_scope(user: "User | None") -> int | None:
    """The one unit a clerk or leader is confined to; None for the city office and administrators,
    who read every unit. A clerk without a unit sees nothing (-1 matches none)."""
    if not is_unit_user(user):
        return None
    assert user is not None
    return user.unit_id or -1


def may_see_unit(user: "User | None", unit_id: int | None) -> bool:
    scope = unit_scope(user)
    return scope is None or scope == unit_id


def may_change_unit(user: "User | None", unit_id: int | None) -> bool:
    """Clerks and leaders write their own unit's projects, households, records and paperwork; nobody
    else writes them in the portal (the city office reads, administrators configure)."""
    if user is None:
        return True
    return is_unit_user(user) and unit_id is not None and user.unit_id == unit_id


def own_unit(user: "User | None") -> int | None:
    """The unit whose data ``user`` writes, or None for everyone who writes no unit's data."""
    if user is not None and is_unit_user(user) and user.unit_id is not None:
        return user.unit_id
    return None


def may_set_targets(user: "User | None") -> bool:
    """Targets and the plan year's settings are set by the city office and administrators."""
    return user is None or role_of(user) in (Role.CITY, Role.ADMIN)


def may_decide(user: "User | None") -> bool:
    """The city's decisions (accepting or returning adjustments and reports, rulings, contact
    points, adopting work information, city inspections): the city office only."""
    return user is None or is_city_office(user)


def sees_residents_in_full(user: "User", unit_id: int) -> bool:
    """Residents' full names and phones in a downloaded roster: only for the unit's own clerk and
    leader, who collect them (SPEC §6); everyone else gets them masked."""
    return may_change_unit(user, unit_id)


# --- refusing -------------------------------------------------------------------------------------

UNIT_ONLY = "只能修改本区县的数据"


def require(allowed: bool, message: "StrOrPromise" = "无权执行此操作") -> None:
    """Refuse (PermissionDenied) unless ``allowed``."""
    if not allowed:
        raise PermissionDenied(message)


def require_unit_writer(
    user: "User | None", unit_id: int | None, message: "StrOrPromise" = UNIT_ONLY
) -> None:
    require(may_change_unit(user, unit_id), message)


def require_city_office(user: "User | None", message: "StrOrPromise" = "无权执行此操作") -> None:
    require(may_decide(user), message)


def require_target_setter(user: "User | None") -> None:
    require(may_set_targets(user), "只有市老旧办和系统管理员可以维护目标")


# --- rules per model ------------------------------------------------------------------------------

# Who may change a model's rows: given the user and the path to the row's unit id, the filter on the
# rows they may change, or None for none.
ChangeRule = Callable[["User", str], Q | None]


def unit_writers(user: "User", unit_path: str) -> Q | None:
    """The unit's own clerk and leader."""
    unit_id = own_unit(user)
    return None if unit_id is None else Q(**{unit_path: unit_id})


def target_setters(user: "User", unit_path: str) -> Q | None:
    """The city office and administrators, for every unit."""
    return Q() if may_set_targets(user) else None


def city_office(user: "User", unit_path: str) -> Q | None:
    """The city office, for every unit."""
    return Q() if is_city_office(user) else None


def either(*rules: ChangeRule) -> ChangeRule:
    """Rows any of ``rules`` lets the user change."""

    def rule(user: "User", unit_path: str) -> Q | None:
        allowed = [q for q in (r(user, unit_path) for r in rules) if q is not None]
        return reduce(lambda a, b: a | b, allowed) if allowed else None

    return rule


# Which rows of a model a user may see, for a model whose rows are not a unit's (a plan year):
# given the user, the filter on the rows they may see.
ViewRule = Callable[["User"], Q]


def open_years_for_units(user: "User") -> Q:
    """Plan years: a unit's clerk and leader see the opened years only; a year the city office is
    still drafting is the city office's and the administrators' (issue 16)."""
    return Q(state=PlanYearState.OPEN) if is_unit_user(user) else Q()


@dataclass(frozen=True)
class Rule:
    """A model's rule: the path from its rows to their unit id ("" for rows of no unit, seen by the
    ``view`` rule instead), and who may change them."""

    unit: str
    change: ChangeRule = field(default=unit_writers)
    view: ViewRule | None = None


RULES: dict[type[models.Model], Rule] = {}


def register(
    model: type[models.Model],
    *,
    unit: str,
    change: ChangeRule = unit_writers,
    view: ViewRule | None = None,
) -> None:
    """Say how ``model``'s rows are restricted (called from the models modules of every app)."""
    RULES[model] = Rule(unit, change, view)


def rule_for(model: type[models.Model]) -> Rule:
    for klass in model.__mro__:
        if klass in RULES:
            return RULES[klass]
    raise LookupError(f"{model.__name__} has no rule in projects.permissions")


def unit_of(obj: models.Model) -> int | None:
    """The unit id of ``obj`` by its model's rule ("project__unit_id" reads obj.project.unit_id)."""
    value: Any = obj
    for part in rule_for(type(obj)).unit.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return None
    return int(value)


def restrict_q(model: type[models.Model], user: "User | None", action: Action) -> Q | None:
    """The filter on ``model``'s rows ``user`` may see or change: Q() for all, None for none."""
    if user is None:
        return Q()
    rule = rule_for(model)
    if action == VIEW and rule.view is not None:
        return rule.view(user)
    if action == VIEW:
        scope = unit_scope(user)
        return Q() if scope is None else Q(**{rule.unit: scope})
    if action == CHANGE:
        return rule.change(user, rule.unit)
    raise ValueError(action)


class RestrictedQuerySet(models.QuerySet[_M]):
    """A queryset that knows, through the door, which of its rows a user may see or change."""

    def restrict(self, user: "User | None", action: Action = VIEW) -> "RestrictedQuerySet[_M]":
        q = restrict_q(self.model, user, action)
        return self.none() if q is None else self.filter(q)


class RestrictedManager(models.Manager[_M]):
    """The default manager of a model with a rule: ``Model.objects.restrict(user, action)``."""

    def get_queryset(self) -> RestrictedQuerySet[_M]:
        return RestrictedQuerySet(self.model, using=self._db)

    def restrict(self, user: "User | None", action: Action = VIEW) -> RestrictedQuerySet[_M]:
        return self.get_queryset().restrict(user, action)


def may(user: "User | None", action: Action, obj: models.Model) -> bool:
    """Whether ``user`` may see or change the one row ``obj`` (one query for a change rule that is
    not decided by the user alone)."""
    if user is None:
        return True
    if action == VIEW and rule_for(type(obj)).view is None:
        return may_see_unit(user, unit_of(obj))
    q = restrict_q(type(obj), user, action)
    if q is None:
        return False
    if not q:
        return True
    return type(obj)._default_manager.filter(q, pk=obj.pk).exists()


# --- what templates are told ----------------------------------------------------------------------


@dataclass(frozen=True)
class PortalFlags:
    """What the navigation bar and pages show for the signed-in user, decided here rather than by
    comparing role strings in templates."""

    is_city: bool
    is_admin: bool
    is_unit: bool
    unit_id: int | None
    may_set_targets: bool
    may_write: bool


def portal_flags(user: "User") -> PortalFlags:
    unit_id = own_unit(user)
    return PortalFlags(
        is_city=is_city_office(user),
        is_admin=is_administrator(user),
        is_unit=unit_id is not None,
        unit_id=unit_id,
        may_set_targets=may_set_targets(user),
        may_write=unit_id is not None,
    )
