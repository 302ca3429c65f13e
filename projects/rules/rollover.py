"""Year rollover (续建): when a year's unfinished projects may be carried into the next year, and
what is refused on a project once it has been carried on. A project counts as finished in its year
when its completion date is on or before 31 December (a project completed on the last day counts,
as a milestone's due date does, SPEC §2); the query saying so is selectors.rollover.unfinished_by.
"""

from dataclasses import dataclass

from .message import Message


@dataclass(frozen=True)
class RolloverYears:
    """The year rolled from and the year rolled into, as the rule needs them."""

    source_year: int
    source_open: bool
    target_year: int
    target_draft: bool


def rollover_problems(years: RolloverYears) -> tuple[Message, ...]:
    """Why year ``source_year``'s unfinished projects may not be carried into ``target_year``:
    only into the very next year, only from an opened year, and only while the next year is still
    a draft (its carry-over targets are proposed from what is carried, before it opens).

    >>> rollover_problems(RolloverYears(2022, True, 2023, True))
    ()
    >>> [m.code for m in rollover_problems(RolloverYears(2022, True, 2024, False))]
    ['rollover.not_next_year', 'rollover.target_open']
    """
    problems = []
    if years.target_year != years.source_year + 1:
        problems.append(
            Message("rollover.not_next_year", source=years.source_year, target=years.target_year)
        )
    if not years.source_open:
        problems.append(Message("rollover.source_draft", year=years.source_year))
    if not years.target_draft:
        problems.append(Message("rollover.target_open", year=years.target_year))
    return tuple(problems)


# The dates of a project that record its completion: once the project is carried into the next
# year they are recorded on the next year's row, never again on this one.
COMPLETION_FIELDS: tuple[str, ...] = ("completed_on", "accepted_on")


def carried_on_problem(*, field: str, year: int, name: str) -> Message:
    """A completion date changed on a project that was carried into ``year`` as ``name``: refused,
    pointing to the row where the completion goes now (this year's row stays as the year left it).

    >>> carried_on_problem(field="completed_on", year=2023, name="建设路1号院").code
    'rollover.carried_on'
    """
    if field not in COMPLETION_FIELDS:
        raise ValueError(f"not a completion date: {field}")
    return Message("rollover.carried_on", year=year, name=name)
