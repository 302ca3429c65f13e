"""Integer arithmetic for shares and targets: percentages are never compared as floats."""


def share_reached(*, actual: int, target: int, percent: int) -> bool:
    """Whether ``actual`` is at least ``percent`` % of ``target`` (inclusive, as "以上" is)."""
    return actual * 100 >= percent * target


def least_satisfying(*, target: int, percent: int) -> int:
    """The least whole number of households that is at least ``percent`` % of ``target`` (4804, 50 → 2402; 475, 50 → 238)."""
    return -(-(percent * target) // 100)


def round_half_up_percent(*, value: int, percent: int) -> int:
    """``percent`` % of ``value`` rounded half up (70 % of 4804 → 3363, of 475 → 333, of 746 → 522)."""
    return (percent * value + 50) // 100


def percent_tenths(*, actual: int, target: int) -> int | None:
    """The share ``actual / target`` in tenths of a percent, rounded half up, for display (None when target is 0)."""
    if target <= 0:
        return None
    return (actual * 2000 + target) // (2 * target)


def percent_tenths_down(*, actual: int, target: int) -> int | None:
    """The share in tenths of a percent, rounded down, so a share shown as 50.0 % has reached 50 %
    (2401 of 4804 is 49.9 %, not 50.0 %). None when the target is 0."""
    if target <= 0:
        return None
    return actual * 1000 // target
