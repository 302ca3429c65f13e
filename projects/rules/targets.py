"""Targets (SPEC §1): completion targets derived from new starts, and reconciliation with the city totals."""

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from .arithmetic import round_half_up_percent
from .message import Message


@dataclass(frozen=True)
class UnitTargets:
    """One unit's annual targets in households; None where the source does not give one; the
    reason given for a completion target above the least one."""

    unit: str
    new_starts: int | None
    completions: int | None
    carryover: int | None
    completions_reason: str = ""


@dataclass(frozen=True)
class CityTotals:
    """The city's annual totals and the share of new starts that must be completed."""

    new_starts: int
    completions: int
    carryover: int
    completion_percent: int


@dataclass(frozen=True)
class TargetCheck:
    """The outcome of checking the loaded targets: problems (must be empty) and remainders to show."""

    problems: tuple[str, ...]
    unallocated_new_starts: int
    unallocated_completions: int
    unallocated_carryover: int
    units_without_targets: tuple[str, ...]


def expected_completion(*, new_starts: int, completion_percent: int) -> int:
    """The completion target a new-start target implies: rounded half up (4804 → 3363, 475 → 333)."""
    return round_half_up_percent(value=new_starts, percent=completion_percent)


class CompletionVerdict(StrEnum):
    """What the completion target rule says of a figure."""

    OK = "ok"
    NEEDS_REASON = "needs_reason"
    REFUSED = "refused"


@dataclass(frozen=True)
class CompletionCheck:
    """A completion target judged against its new starts: the verdict, the least figure accepted,
    and (unless it is accepted) the Chinese message saying why not."""

    verdict: CompletionVerdict
    least: int
    message: str = ""


def completion_target(
    *, new_starts: int, completions: int, completion_percent: int, reason: str = ""
) -> CompletionCheck:
    """Annex 1's "完成改造 11164以上": a completion target is at least the new starts × 70 %, rounded
    half up (4804 → 3363 ok, 3362 refused); a higher figure (3364) is accepted with a reason.

    >>> completion_target(new_starts=475, completions=333, completion_percent=70).verdict
    <CompletionVerdict.OK: 'ok'>
    """
    least = expected_completion(new_starts=new_starts, completion_percent=completion_percent)
    if completions < least:
        return CompletionCheck(
            CompletionVerdict.REFUSED,
            least,
            Message(
                "targets.completions_below_share",
                completions=completions,
                new_starts=new_starts,
                percent=completion_percent,
                least=least,
            ),
        )
    if completions > least and not reason.strip():
        return CompletionCheck(
            CompletionVerdict.NEEDS_REASON,
            least,
            Message(
                "targets.completions_above_share_unexplained",
                completions=completions,
                new_starts=new_starts,
                percent=completion_percent,
                least=least,
            ),
        )
    return CompletionCheck(CompletionVerdict.OK, least)


def check_targets_reconcile(
    *, city: CityTotals, units: Sequence[UnitTargets], unassigned_carryover: Sequence[int]
) -> TargetCheck:
    """Check each completion target against 70 % of its new starts (at least that; more with a
    reason) and the known figures against the city totals; the remainder the source does not
    allocate is reported, never invented. The city's own completion total is a plan-year figure
    from the source, so only a figure below its share is a problem there."""
    problems: list[str] = []
    expected_city = expected_completion(
        new_starts=city.new_starts, completion_percent=city.completion_percent
    )
    if city.completions < expected_city:
        problems.append(
            Message(
                "targets.city_completions_below_share",
                completions=city.completions,
                new_starts=city.new_starts,
                percent=city.completion_percent,
                least=expected_city,
            )
        )
    for unit in units:
        if unit.new_starts is not None and unit.completions is not None:
            judged = completion_target(
                new_starts=unit.new_starts,
                completions=unit.completions,
                completion_percent=city.completion_percent,
                reason=unit.completions_reason,
            )
            if judged.verdict != CompletionVerdict.OK:
                problems.append(
                    Message("targets.unit_problem", unit=unit.unit, problem=judged.message)
                )
        elif (unit.new_starts is None) != (unit.completions is None):
            problems.append(Message("targets.unit_half_filled", unit=unit.unit))
    known_new = sum(u.new_starts for u in units if u.new_starts is not None)
    known_done = sum(u.completions for u in units if u.completions is not None)
    known_carry = sum(u.carryover for u in units if u.carryover is not None) + sum(
        unassigned_carryover
    )
    for code, known, total in (
        ("targets.new_starts_over_city", known_new, city.new_starts),
        ("targets.completions_over_city", known_done, city.completions),
        ("targets.carryover_over_city", known_carry, city.carryover),
    ):
        if known > total:
            problems.append(Message(code, known=known, total=total))
    missing = tuple(
        u.unit
        for u in units
        if u.new_starts is None or u.completions is None or u.carryover is None
    )
    return TargetCheck(
        problems=tuple(problems),
        unallocated_new_starts=city.new_starts - known_new,
        unallocated_completions=city.completions - known_done,
        unallocated_carryover=city.carryover - known_carry,
        units_without_targets=missing,
    )
