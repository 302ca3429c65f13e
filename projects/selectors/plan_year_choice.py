"""The year a page or command shows when none is asked for (projects.view_helpers.plan_year_for,
the commands' --year), among the years the user may see (plan_year_list.plan_years_visible)."""

from collections.abc import Sequence
from datetime import date

from ..choices import PlanYearState
from ..models import PlanYear


def plan_year_default(*, plan_years: Sequence[PlanYear], today: date) -> PlanYear | None:
    """The year a page or command shows when none is asked for: the year containing ``today``, else
    the latest. Open years come first: a draft is shown only when asked for (or when there is no
    open year), so the city office's pages don't default to a year still being entered."""
    candidates = [p for p in plan_years if p.state == PlanYearState.OPEN] or list(plan_years)
    containing = [p for p in candidates if p.year == today.year]
    if containing:
        return containing[0]
    return max(candidates, key=lambda p: p.year, default=None)
