"""The start-of-work rule of SPEC §3 (annex 3), with hand-made cases (no database)."""

from datetime import date

import pytest

from projects.rules.start import StartInput, consent_met_on, start_status


def d(month: int, day: int) -> date:
    return date(2022, month, day)


@pytest.mark.parametrize(
    ("households", "agreeing", "met"),
    [
        (10, 8, True),  # exactly 80 %
        (10, 7, False),  # one household below
        (7, 6, True),  # 80 % of 7 is 5.6: six are needed
        (7, 5, False),
        (5, 4, True),
        (100, 80, True),
        (100, 79, False),
        (1, 1, True),
    ],
)
def test_consent_boundary(households: int, agreeing: int, met: bool) -> None:
    """Consent holds when agreeing × 100 ≥ 80 × households, inclusive."""
    dates = [d(3, 1)] * agreeing
    assert (consent_met_on(households=households, agree_dates=dates, percent=80) is not None) is met


def test_consent_date_is_when_share_was_first_reached() -> None:
    """The consent date is the answer date of the household that brought the count to 80 %."""
    dates = [d(3, 9), d(3, 1), d(3, 5), d(3, 2), d(3, 7), d(3, 3), d(3, 4), d(3, 8), d(3, 6)]
    # 10 households need 8 agreements; sorted, the 8th is 3-8.
    assert consent_met_on(households=10, agree_dates=dates, percent=80) == d(3, 8)


def test_undated_agreements_do_not_count() -> None:
    """An agreement without an answer date cannot be placed in time, so it does not count."""
    dates: list[date | None] = [d(3, 1)] * 7 + [None]
    assert consent_met_on(households=10, agree_dates=dates, percent=80) is None


def full(**overrides: object) -> StartInput:
    values: dict[str, object] = {
        "households": 10,
        "agree_dates": (d(3, 1),) * 8,
        "consent_percent": 80,
        "structures_cleared_on": d(3, 10),
        "design_posted_on": d(3, 20),
        "contractor": "某建设公司",
        "contract_signed_on": d(4, 1),
        "on_site_on": d(4, 15),
    }
    values.update(overrides)
    return StartInput(**values)  # type: ignore[arg-type]


def test_started_on_is_the_last_criterion_date() -> None:
    """A project with all five criteria starts on the date the last of them was met."""
    status = start_status(full())
    assert status.started and status.started_on == d(4, 15)
    assert status.missing == ()
    status = start_status(full(agree_dates=(d(5, 2),) * 8))
    assert status.started_on == d(5, 2)


@pytest.mark.parametrize(
    ("overrides", "missing"),
    [
        ({"agree_dates": (d(3, 1),) * 7}, ("consent",)),
        ({"structures_cleared_on": None}, ("structures_cleared",)),
        ({"no_structures": True, "structures_confirmed_by": ""}, ("structures_cleared",)),
        ({"design_posted_on": None}, ("design_posted",)),
        ({"contractor": " "}, ("contract_signed",)),
        ({"contract_signed_on": None, "on_site_on": None}, ("contract_signed", "on_site")),
    ],
)
def test_any_missing_criterion_blocks_start(
    overrides: dict[str, object], missing: tuple[str, ...]
) -> None:
    """All five must hold; each missing one is named with a reason."""
    status = start_status(full(**overrides))
    assert status.started_on is None
    assert status.missing == missing
    assert all(status.criterion(k).reason for k in missing)


def test_no_structures_confirmed_by_a_named_person_counts() -> None:
    """'None present' confirmed by a named person satisfies criterion 2."""
    status = start_status(full(no_structures=True, structures_confirmed_by="张三"))
    assert status.criterion("structures_cleared").met


def test_as_of_ignores_later_dates() -> None:
    """Asked as of a date, criteria met later do not hold yet."""
    status = start_status(full(), as_of=d(4, 14))
    assert status.missing == ("on_site",)
    assert status.started_on is None
    assert start_status(full(), as_of=d(4, 15)).started_on == d(4, 15)
    early = start_status(full(), as_of=d(2, 28))
    assert early.consent_agreed == 0 and not early.criterion("consent").met


def test_evidence_marks_criteria_verified() -> None:
    """A met criterion without evidence is shown unverified; consent is verified by the records."""
    status = start_status(full(evidenced=frozenset({"design_posted"})))
    assert status.criterion("design_posted").verified
    assert not status.criterion("on_site").verified
    assert status.criterion("consent").verified


def test_structures_cleared_needs_no_file_to_be_verified() -> None:
    """Criterion 2 is a date or a named "none present" confirmation (annex 3): no photo required."""
    status = start_status(full(evidenced=frozenset()))
    assert status.criterion("structures_cleared").verified
    assert not status.criterion("contract_signed").verified
