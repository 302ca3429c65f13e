"""Reads of the plan years: which years a user may see, and the year a page shows by default."""

from collections.abc import Sequence
from datetime import date

from django.db.models import QuerySet

from . import permissions
from .choices import PlanYearState
from .models import PlanYear, User


def plan_years_visible(*, user: User | None) -> QuerySet[PlanYear]:
    """The plan years ``user`` may see, earliest first: a draft year only for the city office (and
    the system, ``None``), every open year for everyone."""
    return PlanYear.objects.filter(permissions.plan_year_q(user)).order_by("year")


def plan_year_default(*, plan_years: Sequence[PlanYear], today: date) -> PlanYear | None:
    """The year a page or command shows when none is asked for: the year containing ``today``, else
    the latest. Open years come first: a draft is shown only when asked for (or when there is no
    open year), so the city office's pages don't default to a year still being entered."""
    candidates = [p for p in plan_years if p.state == PlanYearState.OPEN] or list(plan_years)
    containing = [p for p in candidates if p.year == today.year]
    if containing:
        return containing[0]
    return max(candidates, key=lambda p: p.year, default=None)
