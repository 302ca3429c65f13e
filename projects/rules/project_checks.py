"""The checks SPEC §4 asks of every project: 应改尽改, city subsidy, funding, dates in order, households."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .dates import cn_date
from .message import Message

PIPELINES: tuple[str, ...] = ("电力", "供水", "排水", "燃气", "供热", "通信")


@dataclass(frozen=True)
class Funding:
    """A project's investment estimate and its seven sources, in 万元."""

    total: Decimal
    central: Decimal = Decimal(0)
    provincial: Decimal = Decimal(0)
    city: Decimal = Decimal(0)
    county: Decimal = Decimal(0)
    social: Decimal = Decimal(0)
    credit: Decimal = Decimal(0)
    residents: Decimal = Decimal(0)

    @property
    def sources_sum(self) -> Decimal:
        return (
            self.central
            + self.provincial
            + self.city
            + self.county
            + self.social
            + self.credit
            + self.residents
        )


def missing_pipeline_contents(
    *, hazards: set[str] | frozenset[str], contents: set[str] | frozenset[str]
) -> tuple[str, ...]:
    """应改尽改: pipeline hazards found in the survey that the renovation contents leave out."""
    return tuple(p for p in PIPELINES if p in hazards and p not in contents)


def funding_problems(
    *, unit: str, funding: Funding, subsidised_units: Sequence[str]
) -> tuple[str, ...]:
    """City subsidy outside the plan year's subsidised units (``subsidised_units``, in unit order:
    驿城区 and 经济开发区 in 2022), and sources that do not add up to the estimate."""
    problems = []
    if funding.city and unit not in subsidised_units:
        if subsidised_units:
            problems.append(
                Message("checks.city_subsidy_outside", units="、".join(subsidised_units), unit=unit)
            )
        else:
            problems.append(Message("checks.city_subsidy_none", unit=unit))
    if funding.sources_sum != funding.total:
        problems.append(
            Message("checks.sources_sum", sources=funding.sources_sum, total=funding.total)
        )
    return tuple(problems)


@dataclass(frozen=True)
class Problem:
    """A problem found by a check, with the field it belongs to (a model field name); ``message``
    is a Message (a code with parameters, worded in the reader's language)."""

    field: str
    message: str

    def __str__(self) -> str:
        return self.message


def date_order_problems(
    *,
    started_on: date | None,
    completed_on: date | None,
    accepted_on: date | None,
    criteria_dates: Mapping[str, date | None] | None = None,
) -> tuple[Problem, ...]:
    """Dates in order: each start criterion ≤ started ≤ completed ≤ accepted; no acceptance before
    completion. ``criteria_dates`` maps a criterion's label to its date."""
    problems = []
    if completed_on and started_on and completed_on < started_on:
        problems.append(
            Problem(
                "completed_on",
                Message(
                    "checks.completed_before_started", completed=completed_on, started=started_on
                ),
            )
        )
    elif completed_on:
        for label, met_on in (criteria_dates or {}).items():
            if met_on and met_on > completed_on:
                problems.append(
                    Problem(
                        "completed_on",
                        Message(
                            "checks.completed_before_criterion",
                            completed=completed_on,
                            label=label,
                            met_on=met_on,
                        ),
                    )
                )
    if accepted_on and not completed_on:
        problems.append(Problem("accepted_on", Message("checks.accepted_without_completed")))
    if accepted_on and completed_on and accepted_on < completed_on:
        problems.append(
            Problem(
                "accepted_on",
                Message(
                    "checks.accepted_before_completed", accepted=accepted_on, completed=completed_on
                ),
            )
        )
    return tuple(problems)


def completion_warnings(
    *, start_applies: bool, started_on: date | None, completed_on: date | None
) -> tuple[str, ...]:
    """A new project recorded as completed while its start criteria do not all hold yet."""
    if start_applies and completed_on and started_on is None:
        return (Message("checks.completed_not_started"),)
    return ()


def household_count_problem(*, records: int, households: int) -> str | None:
    """Household records of a project never exceed its household count."""
    if records > households:
        return Message("checks.too_many_households", records=records, households=households)
    return None


def future_date_problem(*, label: str, on: date | None, today: date) -> str | None:
    """A recorded date is a fact, not a plan (SPEC §4): a date after ``today`` is refused, with a
    message naming the field (``label``, e.g. 设计公示) and both dates.

    >>> future_date_problem(label="设计公示", on=date(2030, 4, 2), today=date(2026, 12, 7))
    '设计公示日期 2030年4月2日 晚于今天（2026年12月7日）：只能填写已经发生的日期'
    >>> future_date_problem(label="完工", on=date(2026, 12, 7), today=date(2026, 12, 7)) is None
    True
    """
    if on is None or on <= today:
        return None
    return Message("checks.future_date", label=label, day=cn_date(on), today=cn_date(today))


def future_date_problems(
    *, dates: Mapping[str, tuple[str, date | None]], today: date
) -> tuple[Problem, ...]:
    """Every date after ``today`` among ``dates`` (field name → (label, date)), each under its field."""
    problems = []
    for name, (label, on) in dates.items():
        message = future_date_problem(label=label, on=on, today=today)
        if message:
            problems.append(Problem(name, message))
    return tuple(problems)
