"""The year a page or command shows when none is asked for (projects.view_helpers.plan_year_for,
the commands' --year), among the years the user may see (plan_year_list.plan_years_visible)."""

from collections.abc import Sequence
from datetime import date

from ..models import PlanYear


def plan_year_default(*, plan_years: Sequence[PlanYear], today: date) -> PlanYear | None:
    """The year a page or command shows when none is asked for: of ``plan_years`` (those the user
    may see), the year containing ``today``, else the latest — a draft too, for whoever may see it
    (the city office finishing next year's plan lands on it)."""
    containing = [p for p in plan_years if p.year == today.year]
    if containing:
        return containing[0]
    return max(plan_years, key=lambda p: p.year, default=None)
