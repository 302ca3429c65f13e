"""The year rollover's rule (projects/rules/rollover.py): into the very next year only, from an
opened year into a draft one; and the refusal of a completion on a project carried on."""

import pytest

from projects.rules.rollover import (
    COMPLETION_FIELDS,
    RolloverYears,
    carried_on_problem,
    rollover_problems,
)


@pytest.mark.parametrize(
    ("years", "codes"),
    [
        (RolloverYears(2022, True, 2023, True), []),
        (RolloverYears(2022, True, 2024, True), ["rollover.not_next_year"]),
        (RolloverYears(2022, True, 2022, True), ["rollover.not_next_year"]),
        (RolloverYears(2023, True, 2022, True), ["rollover.not_next_year"]),
        (RolloverYears(2022, False, 2023, True), ["rollover.source_draft"]),
        (RolloverYears(2022, True, 2023, False), ["rollover.target_open"]),
        (
            RolloverYears(2023, False, 2022, False),
            ["rollover.not_next_year", "rollover.source_draft", "rollover.target_open"],
        ),
    ],
)
def test_rollover_problems(years: RolloverYears, codes: list[str]) -> None:
    """Each condition alone, and all three at once, name their own code."""
    assert [p.code for p in rollover_problems(years)] == codes


def test_the_problems_carry_the_years() -> None:
    (problem,) = rollover_problems(RolloverYears(2022, True, 2024, True))
    assert problem.params == {"source": 2022, "target": 2024}


@pytest.mark.parametrize("field", COMPLETION_FIELDS)
def test_a_completion_date_of_a_carried_on_project_names_the_new_row(field: str) -> None:
    problem = carried_on_problem(field=field, year=2023, name="建设路1号院")
    assert (problem.code, problem.params) == (
        "rollover.carried_on",
        {"year": 2023, "name": "建设路1号院"},
    )


def test_only_completion_dates_are_refused() -> None:
    """The community's other fields stay correctable on the old row: asking about one is a bug."""
    with pytest.raises(ValueError, match="address"):
        carried_on_problem(field="address", year=2023, name="建设路1号院")
