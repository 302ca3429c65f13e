"""A recorded date is a fact, not a plan: none lies after the day it is entered (SPEC §4).

A local rule of the imports until the project checks' own rule for future dates is merged; the two
are meant to become one."""

from datetime import date


def date_after_today_problem(*, day: date | None, today: date) -> str | None:
    """Why ``day`` cannot be recorded on ``today`` (None when it can).

    >>> date_after_today_problem(day=date(2030, 4, 2), today=date(2026, 12, 7))
    '日期2030年4月2日晚于今天（2026年12月7日），不能填写尚未发生的日期'
    >>> date_after_today_problem(day=date(2026, 12, 7), today=date(2026, 12, 7)) is None
    True
    """
    if day is None or day <= today:
        return None
    return (
        f"日期{day.year}年{day.month}月{day.day}日晚于今天"
        f"（{today.year}年{today.month}月{today.day}日），不能填写尚未发生的日期"
    )
