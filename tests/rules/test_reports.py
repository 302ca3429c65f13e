"""The monthly report rules: due dates, timeliness, who may act in which state, suspect figures."""

from datetime import date

import pytest

from projects.rules.reports import (
    Action,
    Timeliness,
    allowed_actions,
    project_share,
    projects_differ,
    report_discrepancies,
    report_due,
    report_period_end,
    timeliness,
    trial_month,
    trial_months_problem,
)


@pytest.mark.parametrize(
    ("month", "due_day", "due", "end"),
    [
        (6, 5, date(2022, 7, 5), date(2022, 6, 30)),
        (2, 5, date(2022, 3, 5), date(2022, 2, 28)),
        (12, 5, date(2023, 1, 5), date(2022, 12, 31)),
        (1, 10, date(2022, 2, 10), date(2022, 1, 31)),
    ],
)
def test_due_and_period_end(month: int, due_day: int, due: date, end: date) -> None:
    """A month's report covers it to its last day and is due on the due day of the next month."""
    assert report_due(year=2022, month=month, due_day=due_day) == due
    assert report_period_end(year=2022, month=month) == end


JULY_5 = date(2022, 7, 5)


@pytest.mark.parametrize(
    ("valid_on", "today", "expected"),
    [
        (date(2022, 7, 4), date(2022, 8, 1), Timeliness.ON_TIME),
        (JULY_5, date(2022, 8, 1), Timeliness.ON_TIME),  # the due day itself is on time
        (date(2022, 7, 6), date(2022, 8, 1), Timeliness.LATE),
        (None, JULY_5, Timeliness.NOT_DUE),
        (None, date(2022, 7, 6), Timeliness.MISSING),
        (date(2022, 9, 1), date(2022, 9, 2), Timeliness.LATE),  # missing until it arrives
    ],
)
def test_timeliness(valid_on: date | None, today: date, expected: Timeliness) -> None:
    """On time by the due day inclusive; 迟报 after; 漏报 from the next day until one arrives."""
    assert timeliness(due=JULY_5, valid_on=valid_on, today=today) == expected


@pytest.mark.parametrize(
    ("valid_on", "today"),
    [
        (date(2022, 7, 4), date(2022, 8, 1)),  # would be on time
        (date(2022, 7, 6), date(2022, 8, 1)),  # would be 迟报
        (None, date(2022, 7, 6)),  # would be 漏报
        (None, date(2022, 7, 5)),  # would be not yet due
    ],
)
def test_trial_month_is_never_late_or_missing(valid_on: date | None, today: date) -> None:
    """A trial month's report (试填报) is neither on time, late nor missing, whenever it arrives."""
    got = timeliness(due=JULY_5, valid_on=valid_on, today=today, trial=True)
    assert got == Timeliness.TRIAL


@pytest.mark.parametrize(
    ("month", "months", "trial"),
    [(1, [1, 2], True), (2, [1, 2], True), (3, [1, 2], False), (1, [], False), (12, [12], True)],
)
def test_trial_month(month: int, months: list[int], trial: bool) -> None:
    """A month is a trial month exactly when the plan year lists it."""
    assert trial_month(month=month, trial_months=months) is trial


@pytest.mark.parametrize(
    ("months", "problem"),
    [
        ([], ""),
        ([1, 2], ""),
        ([12], ""),
        ([0], "试填报月份须为 1 至 12 的整数"),
        ([13], "试填报月份须为 1 至 12 的整数"),
        (["1"], "试填报月份须为 1 至 12 的整数"),
        ([True], "试填报月份须为 1 至 12 的整数"),
        ([1, 1], "试填报月份不能重复"),
    ],
)
def test_trial_months_problem(months: list[object], problem: str) -> None:
    """Trial months are whole month numbers 1–12, each once."""
    assert trial_months_problem(months=months) == problem


@pytest.mark.parametrize(
    ("state", "role", "actions"),
    [
        ("draft", "clerk", (Action.SUBMIT,)),
        ("draft", "leader", (Action.SUBMIT,)),
        ("draft", "city", ()),
        ("submitted", "clerk", ()),
        ("submitted", "leader", (Action.APPROVE, Action.SEND_BACK)),
        ("submitted", "city", ()),
        ("approved", "leader", (Action.WITHDRAW,)),
        ("approved", "city", (Action.RECEIVE, Action.RETURN)),
        ("approved", "clerk", ()),
        ("received", "leader", ()),
        ("received", "city", ()),
        ("returned", "clerk", (Action.CORRECT,)),
        ("returned", "admin", ()),
    ],
)
def test_allowed_actions(state: str, role: str, actions: tuple[Action, ...]) -> None:
    """SPEC §5/§6: clerks submit, leaders approve, send back (a submitted draft, no stamp) and
    withdraw, the city receives or returns; nobody acts on a received report; administrators take
    no part."""
    assert allowed_actions(state=state, role=role) == actions


def test_figures_that_differ_from_records_are_named() -> None:
    """Only the cumulative figures are compared; equal ones pass; each difference is one
    discrepancy with its figure key and both values."""
    found = report_discrepancies(
        reported={"new_started": 500, "projects_started": 3, "investment_completed": "1"},
        records={"new_started": 620, "projects_started": 3, "investment_completed": "2"},
    )
    assert [(d.figure, d.reported, d.records) for d in found] == [("new_started", 500, 620)]
    assert found[0].detail == "新开工项目累计开工户数：报告 500，项目记录 620"


def test_a_fall_is_named_in_the_discrepancy_not_flagged_on_its_own() -> None:
    """June 0 below May's 100: when June agrees with the records (0) there is nothing on June (the
    difference is May's); when June differs from the records (100) its one discrepancy names the
    fall."""
    may = {"new_started": 100}
    assert (
        report_discrepancies(
            reported={"new_started": 0}, records={"new_started": 0}, earlier=may, earlier_month=5
        )
        == ()
    )
    (found,) = report_discrepancies(
        reported={"new_started": 0}, records={"new_started": 100}, earlier=may, earlier_month=5
    )
    assert found.detail == "新开工项目累计开工户数：报告 0，项目记录 100（低于5月报告的 100）"


def project(pid: int, name: str, households: int, **dates: str | None) -> dict[str, object]:
    return {
        "id": pid,
        "name": name,
        "kind": "new",
        "households": households,
        "started_on": None,
        "completed_on": None,
        **dates,
    }


@pytest.mark.parametrize(
    ("figure", "shares"),
    [
        ("new_started", (320, 0)),
        ("projects_started", (1, 0)),
        ("new_completed", (0, 320)),
        ("projects_completed", (0, 1)),
        ("carryover_completed", (0, 0)),
    ],
)
def test_project_share(figure: str, shares: tuple[int, int]) -> None:
    """A started new project of 320 households adds 320 started households and 1 started project;
    completed, it adds them to the completed figures; a new project never adds to carry-over."""
    started = project(1, "某某小区", 320, started_on="2022-05-10")
    completed = project(1, "某某小区", 320, completed_on="2022-05-20")
    assert (project_share(started, figure), project_share(completed, figure)) == shares


def test_projects_behind_a_difference_are_named_with_the_change() -> None:
    """A project un-started since the report (−320), one whose households grew (+20), one added
    to the records (+40) and one gone from them (−10); an unchanged project is not named."""
    reported = [
        project(1, "某某小区", 320, started_on="2022-05-10"),
        project(2, "幸福里", 300, started_on="2022-05-02"),
        project(3, "旧厂区", 10, started_on="2022-04-01"),
        project(4, "不变小区", 50, started_on="2022-03-01"),
    ]
    records = [
        project(1, "某某小区", 320),
        project(2, "幸福里", 320, started_on="2022-05-02"),
        project(4, "不变小区", 50, started_on="2022-03-01"),
        project(5, "新建小区", 40, started_on="2022-05-30"),
    ]
    changes = projects_differ(reported=reported, records=records, figures=["new_started"])
    assert [c.text for c in changes] == [
        "幸福里：报告时已开工（2022年5月2日，300户），现项目记录已开工（2022年5月2日，320户），开工户数 +20",
        "新建小区：报告时无此项目，现项目记录已开工（2022年5月30日），开工户数 +40",
        "旧厂区：报告时已开工（2022年4月1日），现项目记录无此项目，开工户数 \u221210",
        "某某小区：报告时已开工（2022年5月10日），现项目记录未开工，开工户数 \u2212320",
    ]
    assert [(c.project_id, c.reported, c.records) for c in changes] == [
        (2, 300, 320),
        (5, 0, 40),
        (3, 10, 0),
        (1, 320, 0),
    ]
    assert sum(c.records - c.reported for c in changes) == (320 + 40 + 50) - (320 + 300 + 10 + 50)
