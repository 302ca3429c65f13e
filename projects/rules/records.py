"""Checks of the records the source document asks for beyond SPEC §3: funds in place (资金到位),
the participating units answerable on site, and the facilities residents most want (居民意愿).

Pure: amounts are Decimal 万元 turned into whole 元 before any share is taken; shares are tenths of a
percent in integers (rules/arithmetic)."""

from collections.abc import Collection, Mapping
from decimal import ROUND_HALF_UP, Decimal

from .arithmetic import percent_tenths_down, share_reached
from .message import Message

# 万元 are stored to four decimals (the yuan): 1 万元 = 10000 元.
YUAN_PER_WAN = 10000
# A facility asked for by at least this share of a project's households is "strongly wanted": left
# out of the renovation contents it is a warning, as a pipeline hazard left out is (应改尽改).
STRONG_WISH_PERCENT = 50
# Who must be named on site (压实各参建单位质量安全责任), in the order the pages list them.
PARTICIPANT_ROLES: tuple[str, ...] = (
    "construction",
    "design",
    "builder",
    "supervisor",
    "quality_safety",
)


def yuan(amount: Decimal) -> int:
    """An amount in 万元 as whole 元 (12.3456 万元 → 123456 元), so shares are integer arithmetic.

    >>> yuan(Decimal("12.3456"))
    123456
    """
    return int(amount * YUAN_PER_WAN)


def funds_share_tenths(*, received: Decimal, estimate: Decimal) -> int | None:
    """The share of the investment estimate in place, in tenths of a percent rounded down (so 100.0 %
    means all of it arrived); None without an estimate.

    >>> funds_share_tenths(received=Decimal("33.3333"), estimate=Decimal("100"))
    333
    >>> funds_share_tenths(received=Decimal("1"), estimate=Decimal("0")) is None
    True
    """
    return percent_tenths_down(actual=yuan(received), target=yuan(estimate))


def fund_warnings(*, started: bool, received: Decimal, estimate: Decimal) -> tuple[str, ...]:
    """A project counted as started with no funds in place, and funds in place beyond the estimate.

    >>> fund_warnings(started=True, received=Decimal(0), estimate=Decimal(100))
    ('资金到位：项目已开工，但尚无资金到位记录',)
    >>> fund_warnings(started=False, received=Decimal(0), estimate=Decimal(100))
    ()
    """
    warnings = []
    if started and received <= 0:
        warnings.append(Message("records.started_without_funds"))
    if estimate > 0 and received > estimate:
        warnings.append(
            Message("records.funds_over_estimate", received=received, estimate=estimate)
        )
    return tuple(warnings)


# A receipt's amount fits the model's DecimalField(max_digits=14, decimal_places=4): at most ten
# digits of 万元 and four decimals (the yuan).
AMOUNT_DECIMALS = 4
AMOUNT_MAX = Decimal("9999999999.9999")
CENT = Decimal("0.01")


def wan_text(amount: Decimal) -> str:
    """An amount in 万元 as shown to people: two decimals, rounded half up (storage keeps four).

    >>> wan_text(Decimal("1488.008"))
    '1488.01'
    >>> wan_text(Decimal("100"))
    '100.00'
    """
    return f"{amount.quantize(CENT, rounding=ROUND_HALF_UP)}"


def receipt_amount_problem(amount: Decimal) -> str | None:
    """Why an amount cannot be recorded as in place: more than zero, at most AMOUNT_MAX 万元 and
    four decimals (so a slip of the keyboard is a message, not a database error).

    >>> receipt_amount_problem(Decimal("0.0001")) is None
    True
    >>> receipt_amount_problem(Decimal("0.00001"))
    '到位金额最多保留 4 位小数（精确到元）'
    """
    if not amount.is_finite():
        return Message("records.amount_invalid")
    if amount <= 0:
        return Message("records.amount_not_positive")
    if amount > AMOUNT_MAX:
        return Message("records.amount_too_large", most=AMOUNT_MAX)
    if amount != amount.quantize(Decimal(1).scaleb(-AMOUNT_DECIMALS), rounding=ROUND_HALF_UP):
        return Message("records.amount_too_precise", decimals=AMOUNT_DECIMALS)
    return None


def receipt_over_estimate(
    *, source: str, estimate: Decimal, received: Decimal, amount: Decimal
) -> str | None:
    """Why a receipt of ``amount`` for one source cannot be recorded: with what is ``received``
    already it would pass the source's ``estimate`` on the project (reaching it exactly is allowed).
    A changed estimate is edited on the project first, so a typo (10000 for 100) is caught here.

    >>> receipt_over_estimate(source="中央补助", estimate=Decimal(100), received=Decimal(60),
    ...                       amount=Decimal(40)) is None
    True
    >>> receipt_over_estimate(source="中央补助", estimate=Decimal(100), received=Decimal(60),
    ...                       amount=Decimal("40.0001")).split("，")[1]
    '已到位 60.00 万元'
    """
    if received + amount <= estimate:
        return None
    return Message(
        "records.receipt_over_estimate",
        source=source,
        estimate=wan_text(estimate),
        received=wan_text(received),
        amount=wan_text(amount),
    )


def missing_participants(recorded: Collection[str]) -> tuple[str, ...]:
    """The roles of PARTICIPANT_ROLES not yet named for a project, in their order."""
    return tuple(role for role in PARTICIPANT_ROLES if role not in recorded)


def strongly_wanted(*, asked: int, households: int, percent: int = STRONG_WISH_PERCENT) -> bool:
    """Whether ``asked`` households are at least ``percent`` % of the project's (inclusive).

    >>> strongly_wanted(asked=50, households=100)
    True
    >>> strongly_wanted(asked=49, households=99)
    False
    """
    return households > 0 and share_reached(actual=asked, target=households, percent=percent)


def unmet_wishes(
    *,
    wishes: Mapping[str, int],
    contents: Collection[str],
    households: int,
    percent: int = STRONG_WISH_PERCENT,
) -> tuple[str, ...]:
    """The strongly wanted facilities (facility → households asking) the renovation contents leave
    out, most asked first (then by name)."""
    ordered = sorted(wishes.items(), key=lambda item: (-item[1], item[0]))
    return tuple(
        facility
        for facility, asked in ordered
        if facility not in contents
        and strongly_wanted(asked=asked, households=households, percent=percent)
    )


def wish_warning(missing: Collection[str], *, percent: int = STRONG_WISH_PERCENT) -> str | None:
    """The warning for strongly wanted facilities missing from the contents (None when none are)."""
    if not missing:
        return None
    return Message("records.wishes_left_out", percent=percent, facilities="、".join(missing))


def wish_households_problem(*, asked: int, households: int) -> str | None:
    """Why a wish's household count cannot be right: at least one household asks, and no more than
    the project holds (the count is of its households).

    >>> wish_households_problem(asked=10, households=10) is None
    True
    >>> wish_households_problem(asked=11, households=10)
    '提出户数 11 超过项目户数 10'
    """
    if asked < 1:
        return Message("records.wish_households_none")
    if asked > households:
        return Message("records.wish_households_over", asked=asked, households=households)
    return None
