"""Forecast of a milestone (issue 4, *our rule*): at the pace of the last days, when the target is
reached, and the households per week still needed to reach it by the due date. Integers only."""

from dataclasses import dataclass
from datetime import date, timedelta

PACE_WINDOW_DAYS = 30
MAX_DAYS = 365 * 100


@dataclass(frozen=True)
class Forecast:
    """``reached_on``: the day the target was or will be reached at the recent pace (None when the
    recent pace is zero); ``per_week_needed``: households a week from now to the due date (None once
    the due date has passed or the target is reached); ``on_time``: whether ``reached_on`` ≤ due."""

    needed: int
    remaining: int
    recent: int
    reached_on: date | None
    per_week_needed: int | None
    on_time: bool


def _ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


def milestone_forecast(
    *,
    needed: int,
    actual: int,
    actual_window_ago: int,
    as_of: date,
    due: date,
    window_days: int = PACE_WINDOW_DAYS,
) -> Forecast:
    """``needed`` households by ``due``; ``actual`` on ``as_of`` and ``actual_window_ago`` on
    ``as_of - window_days``. The pace is their difference over the window."""
    remaining = max(0, needed - actual)
    recent = max(0, actual - actual_window_ago)
    if remaining == 0:
        return Forecast(needed, 0, recent, as_of, None, as_of <= due or actual >= needed)
    days = _ceil_div(remaining * window_days, recent) if recent else None
    # A pace that would take longer than the calendar can hold gives no date.
    reached_on = as_of + timedelta(days=days) if days is not None and days < MAX_DAYS else None
    days_left = (due - as_of).days
    per_week = _ceil_div(remaining * 7, days_left) if days_left > 0 else None
    return Forecast(
        needed=needed,
        remaining=remaining,
        recent=recent,
        reached_on=reached_on,
        per_week_needed=per_week,
        on_time=reached_on is not None and reached_on <= due,
    )
