"""The milestone forecast: date reached at the last 30 days' pace, households a week still needed."""

from datetime import date

import pytest

from projects.rules.forecast import milestone_forecast

D = date(2022, 5, 31)
DUE = date(2022, 6, 30)


@pytest.mark.parametrize(
    ("needed", "actual", "ago", "reached_on", "per_week", "on_time"),
    [
        # 600 to go at 300 per 30 days: 60 days → July 30th, late; 600 × 7 / 30 days left = 140.
        (2402, 1802, 1502, date(2022, 7, 30), 140, False),
        # 300 to go at 300 per 30 days: exactly on the due date (inclusive).
        (2402, 2102, 1802, date(2022, 6, 30), 70, True),
        # 301 to go at 300 per 30 days: 30.1 days round up to 31 → July 1st, one day late.
        (2403, 2102, 1802, date(2022, 7, 1), 71, False),
        # Nothing started in the window: no date can be forecast.
        (2402, 1000, 1000, None, 328, False),  # 1402 × 7 / 30 = 327.1, rounded up
        # Already reached: the forecast is the day itself and no weekly need.
        (2402, 2500, 2000, D, None, True),
    ],
)
def test_forecast_table(
    needed: int,
    actual: int,
    ago: int,
    reached_on: date | None,
    per_week: int | None,
    on_time: bool,
) -> None:
    """Each row is worked out by hand from pace = (actual − actual 30 days ago) / 30 days."""
    result = milestone_forecast(
        needed=needed, actual=actual, actual_window_ago=ago, as_of=D, due=DUE
    )
    assert (result.reached_on, result.per_week_needed, result.on_time) == (
        reached_on,
        per_week,
        on_time,
    )
    assert result.remaining == max(0, needed - actual)


def test_after_the_due_date_no_weekly_need_is_given() -> None:
    """Past the due date there are no weeks left: the weekly need is None, the date still forecast."""
    result = milestone_forecast(
        needed=100, actual=40, actual_window_ago=10, as_of=date(2022, 7, 10), due=DUE
    )
    assert result.per_week_needed is None
    assert result.reached_on == date(2022, 9, 8)  # 60 to go at 30 per 30 days: 60 days


@pytest.mark.parametrize(
    ("actual", "target", "tenths"),
    [(2401, 4804, 499), (2402, 4804, 500), (1, 3, 333), (2, 3, 666), (0, 5, 0), (5, 0, None)],
)
def test_shares_shown_round_down(actual: int, target: int, tenths: int | None) -> None:
    """A displayed share never rounds up past a threshold the rule says is not reached."""
    from projects.rules.arithmetic import percent_tenths_down

    assert percent_tenths_down(actual=actual, target=target) == tenths
