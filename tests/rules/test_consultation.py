"""Consultation before consent and start (SPEC §4), with dates worked out by hand (no database)."""

from datetime import date

import pytest

from projects.rules.consultation import ConsultationInput, consultation_check

MAR1 = date(2022, 3, 1)
FEB28 = date(2022, 2, 28)
MAR2 = date(2022, 3, 2)
APR1 = date(2022, 4, 1)


@pytest.mark.parametrize(
    ("applies", "started_on", "consulted", "agreements", "before", "earliest", "unconsulted"),
    [
        # Answers on the consultation day or after are in order; the day before is not.
        (True, APR1, MAR1, {MAR1: 10, MAR2: 5}, 0, None, False),
        (True, APR1, MAR1, {FEB28: 3, MAR1: 10}, 3, FEB28, False),
        (True, None, MAR1, {date(2022, 1, 5): 2, FEB28: 3, MAR2: 7}, 5, date(2022, 1, 5), False),
        (True, APR1, MAR1, {}, 0, None, False),
        (True, APR1, MAR1, {FEB28: 0}, 0, None, False),  # a count of 0 is no answer
        # Started without a consulted plan; not started without one is not (yet) a warning.
        (True, APR1, None, {FEB28: 80}, 0, None, True),
        (True, None, None, {FEB28: 80}, 0, None, False),
        # Started before its plan was put to the residents: the answers before it are named.
        (True, FEB28, MAR1, {FEB28: 80}, 80, FEB28, False),
        # Carry-over projects were consulted in 2021: the check does not apply.
        (False, None, None, {FEB28: 80}, 0, None, False),
        (False, APR1, MAR1, {FEB28: 80}, 0, None, False),
    ],
)
def test_consultation_check(
    applies: bool,
    started_on: date | None,
    consulted: date | None,
    agreements: dict[date, int],
    before: int,
    earliest: date | None,
    unconsulted: bool,
) -> None:
    """Agreeing answers before the consultation day, and a start without a consulted plan, are found."""
    check = consultation_check(ConsultationInput(applies, started_on, consulted, agreements))
    assert (check.agreed_before, check.earliest_before, check.started_unconsulted) == (
        before,
        earliest,
        unconsulted,
    )
    assert len(check.warnings) == (before > 0) + unconsulted


@pytest.mark.parametrize(
    ("as_of", "before", "unconsulted"),
    [
        # Consulted 03-01, started 04-01, answers 02-28 (3) and 03-02 (7).
        (date(2022, 2, 27), 0, False),  # nothing had happened yet
        (FEB28, 0, False),  # an answer, but no consultation yet and no start
        (MAR1, 3, False),  # consulted: the 02-28 answers now predate it
        (date(2022, 12, 31), 3, False),
        (None, 3, False),
    ],
)
def test_consultation_check_as_of(as_of: date | None, before: int, unconsulted: bool) -> None:
    """Judged on a past day, only the consultation, start and answers dated by then count."""
    inp = ConsultationInput(True, APR1, MAR1, {FEB28: 3, MAR2: 7})
    check = consultation_check(inp, as_of=as_of)
    assert (check.agreed_before, check.started_unconsulted) == (before, unconsulted)


@pytest.mark.parametrize(
    ("as_of", "unconsulted"),
    [(date(2022, 3, 31), False), (APR1, True), (date(2022, 4, 30), True)],
)
def test_started_unconsulted_from_the_start_day(as_of: date, unconsulted: bool) -> None:
    """A project started 04-01 with no consultation is a warning from its start day on; a
    consultation dated after the day judged had not happened yet."""
    never = ConsultationInput(True, APR1, None, {})
    assert consultation_check(never, as_of=as_of).started_unconsulted is unconsulted
    late = ConsultationInput(True, APR1, date(2022, 5, 1), {})
    assert consultation_check(late, as_of=as_of).started_unconsulted is unconsulted


def test_warnings_are_chinese_and_name_the_dates() -> None:
    """The warnings name how many answers, the earliest, and the consultation date."""
    check = consultation_check(ConsultationInput(True, None, MAR1, {FEB28: 3, date(2022, 2, 1): 2}))
    assert check.warnings == (
        "5 户同意意见的日期（最早 2022年2月1日）早于改造方案征求居民意见日期（2022年3月1日）",
    )
    started = consultation_check(ConsultationInput(True, APR1, None, {}))
    assert started.warnings == ("已计为开工，但改造方案未记录征求居民意见（未填写征求意见日期）",)
