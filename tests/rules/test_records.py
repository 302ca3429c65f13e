"""The checks of the source document's records (rules/records.py): funds in place and their share,
the participants still to be named, and strongly wanted facilities left out of the contents."""

from decimal import Decimal

import pytest

from projects.rules.records import (
    PARTICIPANT_ROLES,
    STRONG_WISH_PERCENT,
    fund_warnings,
    funds_share_tenths,
    missing_participants,
    receipt_amount_problem,
    receipt_over_estimate,
    strongly_wanted,
    unmet_wishes,
    wan_text,
    wish_households_problem,
    wish_warning,
    yuan,
)

D = Decimal


@pytest.mark.parametrize(
    ("amount", "expected"),
    [(D("0"), 0), (D("0.0001"), 1), (D("12.3456"), 123456), (D("475.02"), 4750200)],
)
def test_amounts_in_wan_are_whole_yuan(amount: Decimal, expected: int) -> None:
    """万元 with four decimals become whole 元 (0.0001 万元 is 1 元)."""
    assert yuan(amount) == expected


@pytest.mark.parametrize(
    ("received", "estimate", "tenths"),
    [
        (D("0"), D("100"), 0),
        (D("50"), D("100"), 500),
        (D("33.3333"), D("100"), 333),  # 33.3333 % rounds down to 33.3 %
        (D("99.9999"), D("100"), 999),  # one yuan short is not 100.0 %
        (D("100"), D("100"), 1000),
        (D("442.719"), D("475.02"), 932),  # 93.20 %: the demo's 育才小区
        (D("150"), D("100"), 1500),  # more than the estimate shows as such
        (D("0.0001"), D("1000"), 0),  # one yuan of ten million: 0.0 %
        (D("5"), D("0"), None),  # no estimate, no share
        (D("0"), D("0"), None),
    ],
)
def test_funds_share_in_tenths_rounded_down(
    received: Decimal, estimate: Decimal, tenths: int | None
) -> None:
    """The share in place is received ÷ estimate in tenths of a percent, rounded down, None
    without an estimate."""
    assert funds_share_tenths(received=received, estimate=estimate) == tenths


@pytest.mark.parametrize(
    ("started", "received", "estimate", "count", "start"),
    [
        (True, D("0"), D("100"), 1, "资金到位：项目已开工，但尚无资金到位记录"),
        (False, D("0"), D("100"), 0, None),  # not started: nothing needed yet
        (True, D("0.0001"), D("100"), 0, None),  # one yuan in place is funds in place
        (True, D("100"), D("100"), 0, None),  # exactly the estimate
        (True, D("100.0001"), D("100"), 1, "资金到位：到位资金 100.0001 万元超过资金概算 100 万元"),
        (False, D("5"), D("0"), 0, None),  # no estimate recorded: nothing to exceed
    ],
)
def test_fund_warnings(
    started: bool, received: Decimal, estimate: Decimal, count: int, start: str | None
) -> None:
    """A started project with nothing in place is warned, and so is more in place than estimated."""
    warnings = fund_warnings(started=started, received=received, estimate=estimate)
    assert len(warnings) == count
    if start:
        assert warnings[0] == start


@pytest.mark.parametrize(
    ("recorded", "missing"),
    [
        ((), PARTICIPANT_ROLES),
        (PARTICIPANT_ROLES, ()),
        (("builder", "construction"), ("design", "supervisor", "quality_safety")),
        (("quality_safety",), ("construction", "design", "builder", "supervisor")),
    ],
)
def test_missing_participants_in_their_order(
    recorded: tuple[str, ...], missing: tuple[str, ...]
) -> None:
    """The roles not yet named, in the pages' order whatever order they were recorded in."""
    assert missing_participants(set(recorded)) == missing


@pytest.mark.parametrize(
    ("asked", "households", "percent", "strong"),
    [
        (50, 100, 50, True),  # exactly half: "以上" includes it
        (49, 100, 50, False),
        (50, 99, 50, True),
        (49, 99, 50, False),  # 49.49 %
        (91, 182, 50, True),  # the demo's 育才小区 at half
        (90, 182, 50, False),
        (1, 1, 50, True),
        (5, 0, 50, False),  # no households: nothing is a share of them
        (60, 100, 60, True),  # the threshold is a parameter
        (59, 100, 60, False),
    ],
)
def test_strongly_wanted_boundary(asked: int, households: int, percent: int, strong: bool) -> None:
    """A facility is strongly wanted when asked by at least the threshold share of households."""
    assert strongly_wanted(asked=asked, households=households, percent=percent) is strong


def test_default_threshold_is_half() -> None:
    """The default threshold is half the households (STRONG_WISH_PERCENT)."""
    assert STRONG_WISH_PERCENT == 50


@pytest.mark.parametrize(
    ("wishes", "contents", "households", "missing"),
    [
        ({"加装电梯": 60}, (), 100, ("加装电梯",)),
        ({"加装电梯": 60}, ("加装电梯",), 100, ()),  # in the contents: met
        ({"加装电梯": 49}, (), 100, ()),  # not strong
        ({"停车位": 70, "加装电梯": 80, "充电桩": 10}, ("供水",), 100, ("加装电梯", "停车位")),
        (
            {"停车位": 50, "充电桩": 50},
            (),
            100,
            ("停车位", "充电桩"),  # a tie: by name, 停 (U+505C) before 充 (U+5145)
        ),
        ({}, (), 100, ()),
    ],
)
def test_unmet_wishes_most_asked_first(
    wishes: dict[str, int], contents: tuple[str, ...], households: int, missing: tuple[str, ...]
) -> None:
    """Strongly wanted facilities left out of the contents, most asked first, then by name."""
    assert unmet_wishes(wishes=wishes, contents=set(contents), households=households) == missing


def test_wish_warning_names_the_facilities() -> None:
    """The warning names each missing facility, as 应改尽改 names each pipeline; none when none."""
    assert (
        wish_warning(("加装电梯", "停车位"))
        == "居民意愿：50％以上住户提出的加装电梯、停车位未列入改造内容"
    )
    assert wish_warning(()) is None


@pytest.mark.parametrize(
    ("asked", "households", "problem"),
    [
        (0, 10, "提出户数至少为 1"),
        (1, 10, None),
        (10, 10, None),  # every household asking is possible
        (11, 10, "提出户数 11 超过项目户数 10"),
        (1, 0, "提出户数 1 超过项目户数 0"),
    ],
)
def test_wish_households_within_the_projects(
    asked: int, households: int, problem: str | None
) -> None:
    """A wish is asked by 1 to all of the project's households, no more."""
    assert wish_households_problem(asked=asked, households=households) == problem


@pytest.mark.parametrize(
    ("estimate", "received", "amount", "refused"),
    [
        (D("100"), D("0"), D("100"), False),  # exactly the estimate at once
        (D("100"), D("60"), D("40"), False),  # reaching the estimate exactly
        (D("100"), D("60"), D("40.0001"), True),  # one yuan beyond
        (D("100"), D("100"), D("0.0001"), True),  # already all in place
        (D("100"), D("0"), D("10000"), True),  # the tester's typo: 10000 for 100
        (D("0"), D("0"), D("0.0001"), True),  # no estimate for this source: nothing may arrive
        (D("475.02"), D("442.719"), D("32.301"), False),  # the demo's 育才小区 to the yuan
    ],
)
def test_receipt_over_the_sources_estimate_is_refused(
    estimate: Decimal, received: Decimal, amount: Decimal, refused: bool
) -> None:
    """A receipt is refused when, with what is in place, it passes the source's estimate."""
    problem = receipt_over_estimate(
        source="中央补助", estimate=estimate, received=received, amount=amount
    )
    assert (problem is not None) == refused


def test_over_estimate_message_names_the_estimate_and_what_is_in_place() -> None:
    """The message names the source's estimate, the amount in place and this amount, 2 decimals."""
    assert receipt_over_estimate(
        source="中央补助", estimate=D("100"), received=D("35.8"), amount=D("10000")
    ) == (
        "中央补助概算 100.00 万元，已到位 35.80 万元，本次 10000.00 万元将超出概算；"
        "如概算有变化，请先修改项目的资金概算"
    )


@pytest.mark.parametrize(
    ("amount", "problem"),
    [
        (D("0.0001"), None),
        (D("9999999999.9999"), None),  # the largest the model holds
        (D("10000000000"), "到位金额不能超过 9999999999.9999 万元"),
        (D("1E+30"), "到位金额不能超过 9999999999.9999 万元"),
        (D("0.00001"), "到位金额最多保留 4 位小数（精确到元）"),
        (D("0"), "到位金额须大于 0"),
        (D("-1"), "到位金额须大于 0"),
        (D("NaN"), "到位金额无效"),
        (D("Infinity"), "到位金额无效"),
    ],
)
def test_receipt_amount_fits_the_model(amount: Decimal, problem: str | None) -> None:
    """An amount is more than zero, at most ten digits of 万元 and four decimals."""
    assert receipt_amount_problem(amount) == problem


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (D("1488.008"), "1488.01"),  # three decimals in storage, two on the page
        (D("1488.0049"), "1488.00"),
        (D("100"), "100.00"),
        (D("0.005"), "0.01"),  # half up
        (D("0"), "0.00"),
    ],
)
def test_amounts_are_shown_with_two_decimals(amount: Decimal, text: str) -> None:
    """万元 are shown with two decimals, rounded half up."""
    assert wan_text(amount) == text
