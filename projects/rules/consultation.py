"""Consultation before consent and start (SPEC §4): the renovation plan and the property-management
mode are put to the residents before they answer. Agreeing answers dated before the plan's
consultation date, or a project counted as started whose plan was never put to the residents, are
warnings (the start rule of §3 itself is unchanged). Plain values in, Chinese warnings out."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from .dates import cn_date
from .message import Message


@dataclass(frozen=True)
class ConsultationInput:
    """What the check needs of one project: whether the rule applies (2022 new projects; carry-over
    projects were consulted in 2021), its start date, the consultation date of its renovation plan
    (None: never put to the residents, or no plan) and its agreeing answers counted by answer date."""

    applies: bool
    started_on: date | None
    consultation_on: date | None
    agreements: Mapping[date, int]


@dataclass(frozen=True)
class ConsultationCheck:
    """The answer: agreeing answers dated before the consultation (how many, the earliest), whether
    the project counts as started without a consulted plan, and the warnings to show."""

    agreed_before: int
    earliest_before: date | None
    started_unconsulted: bool
    warnings: tuple[str, ...]


def consultation_check(inp: ConsultationInput, *, as_of: date | None = None) -> ConsultationCheck:
    """Judge one project on ``as_of`` (the records as they are when None): only the consultation,
    start and answers dated by then count. An answer on the consultation day itself is in order.

    >>> plan = ConsultationInput(True, None, date(2022, 3, 1), {date(2022, 2, 28): 3})
    >>> consultation_check(plan).agreed_before
    3
    """

    def by(day: date | None) -> date | None:
        return day if day is not None and (as_of is None or day <= as_of) else None

    if not inp.applies:
        return ConsultationCheck(0, None, False, ())
    consulted = by(inp.consultation_on)
    started = by(inp.started_on) is not None
    warnings = []
    before = {
        day: n
        for day, n in inp.agreements.items()
        if n > 0 and consulted is not None and day < consulted and by(day) is not None
    }
    agreed_before = sum(before.values())
    earliest = min(before) if before else None
    if earliest is not None and consulted is not None:
        warnings.append(
            Message(
                "consultation.agreed_before",
                households=agreed_before,
                earliest=cn_date(earliest),
                consulted=cn_date(consulted),
            )
        )
    unconsulted = started and consulted is None
    if unconsulted:
        warnings.append(Message("consultation.started_unconsulted"))
    return ConsultationCheck(agreed_before, earliest, unconsulted, tuple(warnings))
