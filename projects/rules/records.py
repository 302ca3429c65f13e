"""Checks of the records the source document asks for beyond SPEC §3: funds in place (资金到位),
the participating units answerable on site, and the facilities residents most want (居民意愿).

Pure: amounts are Decimal 万元 turned into whole 元 before any share is taken; shares are tenths of a
percent in integers (rules/arithmetic)."""

from collections.abc import Collection, Mapping
from decimal import Decimal

from .arithmetic import percent_tenths_down, share_reached

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
        warnings.append("资金到位：项目已开工，但尚无资金到位记录")
    if estimate > 0 and received > estimate:
        warnings.append(f"资金到位：到位资金 {received} 万元超过资金概算 {estimate} 万元")
    return tuple(warnings)


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
    return f"居民意愿：{percent}％以上住户提出的" + "、".join(missing) + "未列入改造内容"


def wish_households_problem(*, asked: int, households: int) -> str | None:
    """Why a wish's household count cannot be right: at least one household asks, and no more than
    the project holds (the count is of its households).

    >>> wish_households_problem(asked=10, households=10) is None
    True
    >>> wish_households_problem(asked=11, households=10)
    '提出户数 11 超过项目户数 10'
    """
    if asked < 1:
        return "提出户数至少为 1"
    if asked > households:
        return f"提出户数 {asked} 超过项目户数 {households}"
    return None
