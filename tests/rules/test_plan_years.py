"""A plan year as data (issue 16): the rule on its settings and milestones, and what must hold before
it is opened. Test data for a second year (60 % started by 31 May, 80 % completed by 31 December on
households) is an example, not a claim about any real year."""

from datetime import date

import pytest

from projects.choices import Measure, TargetBasis
from projects.rules.plan_years import (
    BASES_OF_MEASURE,
    BASIS_CARRYOVER,
    BASIS_COMPLETIONS,
    BASIS_NEW_STARTS,
    CARRYOVER_COMPLETED,
    NEW_COMPLETED,
    NEW_STARTED,
    MilestoneInput,
    generated_key,
    milestone_problems,
    moved_on,
    open_problems,
    settings_problems,
    year_problem,
)

# The example second year's milestones: carry-over all completed by 30 June, 60 % of the new-start
# households started by 31 May, 80 % of them completed by 31 December.
EXAMPLE_2023 = [
    MilestoneInput(
        "carryover_completed",
        date(2023, 6, 30),
        100,
        BASIS_CARRYOVER,
        CARRYOVER_COMPLETED,
        requires_all_projects_completed=True,
    ),
    MilestoneInput("new_started_60", date(2023, 5, 31), 60, BASIS_NEW_STARTS, NEW_STARTED),
    MilestoneInput("new_completed_80", date(2023, 12, 31), 80, BASIS_NEW_STARTS, NEW_COMPLETED),
]


def codes(problems: list) -> list[tuple[int | None, str, str]]:  # type: ignore[type-arg]
    return [(p.row, p.field, p.message.code) for p in problems]


def test_the_rule_names_the_choices_values() -> None:
    """The rule's figure and target names are the values of projects.choices (no Django import in
    rules/, so they are written twice and kept in step here)."""
    assert set(BASES_OF_MEASURE) == set(Measure.values)
    assert {b for bases in BASES_OF_MEASURE.values() for b in bases} == set(TargetBasis.values)


@pytest.mark.parametrize(
    ("day", "moved"),
    [
        (date(2022, 6, 30), date(2023, 6, 30)),
        (date(2022, 2, 28), date(2023, 2, 28)),
        (date(2022, 12, 31), date(2023, 12, 31)),
        (date(2024, 2, 29), date(2025, 2, 28)),  # no 29 February in 2025
        (date(2023, 2, 28), date(2024, 2, 28)),  # 2024 has a 29th, but the 28th stays the 28th
    ],
)
def test_dates_move_one_year_on(day: date, moved: date) -> None:
    """Prefilling next year moves each date one year on; 29 February becomes 28 February."""
    assert moved_on(day) == moved


def test_dates_move_several_years_on() -> None:
    """From a year further back, the dates move by the difference of the years."""
    assert moved_on(date(2021, 10, 31), years=2) == date(2023, 10, 31)


@pytest.mark.parametrize(
    ("taken", "key"),
    [
        ([], "new_started_60"),
        (["new_started_60"], "new_started_60_2"),
        (["new_started_60", "new_started_60_2"], "new_started_60_3"),
    ],
)
def test_generated_key(taken: list[str], key: str) -> None:
    """A milestone entered without a code gets the figure and the share, numbered if taken."""
    assert generated_key(measure=NEW_STARTED, percent=60, taken=taken) == key


@pytest.mark.parametrize(
    ("year", "refused"), [(1999, True), (2000, False), (2023, False), (2100, False), (2101, True)]
)
def test_year_range(year: int, refused: bool) -> None:
    """A plan year is a year from 2000 to 2100."""
    assert (year_problem(year=year) is not None) is refused


def test_the_example_year_has_no_problems() -> None:
    """The example second year's three milestones are accepted as they stand."""
    assert milestone_problems(year=2023, milestones=EXAMPLE_2023) == []


def test_2022_milestones_are_accepted() -> None:
    """The 2022 fixture's four milestones (including 12月底 100 % of the completion target)."""
    milestones = [
        MilestoneInput(
            "carryover_completed",
            date(2022, 6, 30),
            100,
            BASIS_CARRYOVER,
            CARRYOVER_COMPLETED,
            requires_all_projects_completed=True,
        ),
        MilestoneInput("new_started_half", date(2022, 6, 30), 50, BASIS_NEW_STARTS, NEW_STARTED),
        MilestoneInput(
            "new_all_started",
            date(2022, 10, 31),
            100,
            BASIS_NEW_STARTS,
            NEW_STARTED,
            requires_all_projects_started=True,
        ),
        MilestoneInput(
            "new_completed_70", date(2022, 12, 31), 100, BASIS_COMPLETIONS, NEW_COMPLETED
        ),
    ]
    assert milestone_problems(year=2022, milestones=milestones) == []


def one(**changes: object) -> MilestoneInput:
    """The example's 60 % milestone with ``changes``."""
    values = {
        "key": "new_started_60",
        "due": date(2023, 5, 31),
        "percent": 60,
        "basis": BASIS_NEW_STARTS,
        "measure": NEW_STARTED,
    } | changes
    return MilestoneInput(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("milestone", "expected"),
    [
        (one(key="New"), ("key", "plan_year.key_format")),
        (one(key="6月"), ("key", "plan_year.key_format")),
        (one(key="a" * 31), ("key", "plan_year.key_format")),
        (one(percent=0), ("percent", "plan_year.percent_range")),
        (one(percent=101), ("percent", "plan_year.percent_range")),
        (one(due=date(2024, 1, 1)), ("due", "plan_year.date_outside_year")),
        (one(due=date(2022, 12, 31)), ("due", "plan_year.date_outside_year")),
        (one(basis=BASIS_CARRYOVER), ("basis", "plan_year.basis_mismatch")),
        (one(basis=BASIS_COMPLETIONS), ("basis", "plan_year.basis_mismatch")),
        (
            one(measure=CARRYOVER_COMPLETED, basis=BASIS_NEW_STARTS),
            ("basis", "plan_year.basis_mismatch"),
        ),
        (one(measure="households"), ("measure", "plan_year.measure_unknown")),
        (
            one(requires_all_projects_completed=True),
            ("requires_all_projects_completed", "plan_year.all_completed_only"),
        ),
        (
            one(measure=NEW_COMPLETED, requires_all_projects_started=True),
            ("requires_all_projects_started", "plan_year.all_started_only"),
        ),
        (one(name="名" * 61), ("name", "plan_year.name_length")),
    ],
)
def test_a_milestone_refused(milestone: MilestoneInput, expected: tuple[str, str]) -> None:
    """Each way a milestone can be wrong is refused beside its field, and nothing else is."""
    assert codes(milestone_problems(year=2023, milestones=[milestone])) == [(0, *expected)]


def test_a_repeated_key_is_refused_on_the_second_row() -> None:
    """Two milestones may not share a code: the second is refused, naming the code."""
    problems = milestone_problems(year=2023, milestones=[one(), one(due=date(2023, 6, 30))])
    assert codes(problems) == [(1, "key", "plan_year.key_repeated")]
    assert str(problems[0].message) == "代码“new_started_60”重复：每项阶段任务的代码须不同"


def test_no_milestones_is_refused() -> None:
    """A plan year needs at least one milestone."""
    problems = milestone_problems(year=2023, milestones=[])
    assert codes(problems) == [(None, "", "plan_year.no_milestones")]
    assert str(problems[0].message) == "尚未设置阶段任务：至少须有一项"


def test_the_chinese_reason_names_the_year() -> None:
    """A due date outside the year says which year."""
    (problem,) = milestone_problems(year=2023, milestones=[one(due=date(2024, 5, 31))])
    assert str(problem.message) == "日期须在2023年内"


def settings(**changes: object) -> list:  # type: ignore[type-arg]
    values: dict[str, object] = {
        "year": 2023,
        "dates": {
            "implementation_plan_due": date(2023, 2, 28),
            "renovation_plans_due": date(2023, 3, 31),
            "adjustment_cutoff": date(2023, 3, 31),
        },
        "completion_percent": 80,
        "consent_percent": 80,
        "report_due_day": 5,
        "trial_months": [],
    } | changes
    return settings_problems(**values)  # type: ignore[arg-type]


def test_good_settings() -> None:
    """The example year's settings are accepted."""
    assert settings() == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"dates": {"adjustment_cutoff": date(2022, 3, 31)}},
            ("adjustment_cutoff", "plan_year.date_outside_year"),
        ),
        ({"completion_percent": 0}, ("completion_percent", "plan_year.percent_range")),
        ({"consent_percent": 101}, ("consent_percent", "plan_year.percent_range")),
        ({"report_due_day": 0}, ("report_due_day", "plan_year.due_day_range")),
        ({"report_due_day": 29}, ("report_due_day", "plan_year.due_day_range")),
        ({"trial_months": [13]}, ("trial_months", "plan_year.trial_months")),
        ({"trial_months": [1, 1]}, ("trial_months", "plan_year.trial_months")),
    ],
)
def test_settings_refused(changes: dict[str, object], expected: tuple[str, str]) -> None:
    """Each wrong setting is refused beside its field."""
    assert codes(settings(**changes)) == [(None, *expected)]


def test_report_due_day_28_is_the_last_accepted() -> None:
    """The 28th exists in every month (February too); the 29th does not."""
    assert settings(report_due_day=28) == []
    assert str(settings(report_due_day=29)[0].message) == "月报报送截止日须在 1 至 28 日之间"


def test_open_problems() -> None:
    """Opening is refused for the target rule's problems, as it words them, and for a year without
    milestones; with neither, nothing stands in the way."""
    assert open_problems(target_problems=[], milestones=3) == []
    problem = "各区县新开工目标合计 1001 户超过全市目标 1000 户"
    assert [str(p) for p in open_problems(target_problems=[problem], milestones=0)] == [
        problem,
        "尚未设置阶段任务：至少须有一项",
    ]
