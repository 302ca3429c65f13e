"""The milestone rule of SPEC §2, with figures worked out by hand (no database)."""

from datetime import date

import pytest

from projects.rules.arithmetic import least_satisfying, share_reached
from projects.rules.milestones import MilestoneSpec, MilestoneStatus, judged_on, milestone_status

JAN1 = date(2022, 1, 1)
JUNE_HALF = MilestoneSpec("new_started_half", date(2022, 6, 30), 50)
CARRYOVER = MilestoneSpec(
    "carryover_completed", date(2022, 6, 30), 100, requires_all_projects_completed=True
)
ALL_STARTED = MilestoneSpec("new_all_started", date(2022, 10, 31), 100, True)
COMPLETED = MilestoneSpec("new_completed_70", date(2022, 12, 31), 100)


@pytest.mark.parametrize(
    ("target", "percent", "need"),
    [
        (4804, 50, 2402),  # 驿城区: exactly half
        (475, 50, 238),  # 遂平县: 237.5 rounds up to whole households
        (15948, 50, 7974),  # the city
        (11164, 100, 11164),
        (2067, 50, 1034),  # 1033.5 → 1034
        (0, 50, 0),
    ],
)
def test_least_satisfying_households(target: int, percent: int, need: int) -> None:
    """The least number of households that satisfies a share is rounded up, never down."""
    assert least_satisfying(target=target, percent=percent) == need
    assert share_reached(actual=need, target=target, percent=percent)
    if need:
        assert not share_reached(actual=need - 1, target=target, percent=percent)


@pytest.mark.parametrize(
    ("spec", "target", "actual", "as_of", "status"),
    [
        # On and after the due date: met or missed on the due date's figure.
        (JUNE_HALF, 4804, 2402, date(2022, 6, 30), MilestoneStatus.MET),
        (JUNE_HALF, 4804, 2401, date(2022, 6, 30), MilestoneStatus.MISSED),
        (JUNE_HALF, 475, 238, date(2022, 7, 15), MilestoneStatus.MET),
        (JUNE_HALF, 475, 237, date(2022, 12, 31), MilestoneStatus.MISSED),
        (COMPLETED, 11164, 11164, date(2022, 12, 31), MilestoneStatus.MET),
        (COMPLETED, 11164, 11163, date(2022, 12, 31), MilestoneStatus.MISSED),
        (CARRYOVER, 962, 962, date(2022, 6, 30), MilestoneStatus.MET),
        (CARRYOVER, 962, 961, date(2022, 6, 30), MilestoneStatus.MISSED),
        # Before the due date: already met, on track, or at risk by the straight-line pace.
        # 2022-03-31 is day 90 of 181 to 2022-06-30: 2402 × 90 / 181 = 1194.4 needed by then.
        (JUNE_HALF, 4804, 1195, date(2022, 3, 31), MilestoneStatus.ON_TRACK),
        (JUNE_HALF, 4804, 1194, date(2022, 3, 31), MilestoneStatus.AT_RISK),
        (JUNE_HALF, 4804, 2402, date(2022, 3, 31), MilestoneStatus.MET),
        (JUNE_HALF, 4804, 0, date(2022, 1, 1), MilestoneStatus.AT_RISK),
        # The pace is held against the exact share, not the rounded-up households: 2022-01-16 is
        # day 16 of 181, and 21 × 181 / 16 = 237.56 ≥ 237.5 (50 % of 475) while 20 gives 226.3.
        (JUNE_HALF, 475, 21, date(2022, 1, 16), MilestoneStatus.ON_TRACK),
        (JUNE_HALF, 475, 20, date(2022, 1, 16), MilestoneStatus.AT_RISK),
        (JUNE_HALF, 4804, 0, date(2021, 12, 31), MilestoneStatus.ON_TRACK),
        # Unknown and zero targets.
        (JUNE_HALF, None, 100, date(2022, 6, 30), MilestoneStatus.NO_TARGET),
        (CARRYOVER, 0, 0, date(2022, 6, 30), MilestoneStatus.MET),
        (CARRYOVER, 0, 0, date(2022, 2, 1), MilestoneStatus.MET),
    ],
)
def test_milestone_status(
    spec: MilestoneSpec, target: int | None, actual: int, as_of: date, status: MilestoneStatus
) -> None:
    """A milestone is judged inclusively on the due date and by pace before it (SPEC §2)."""
    result = milestone_status(
        spec=spec, base_target=target, actual=actual, as_of=as_of, year_start=JAN1
    )
    assert result.status == status
    assert result.actual == actual


@pytest.mark.parametrize(
    ("started_projects", "actual", "as_of", "status"),
    [
        (10, 4804, date(2022, 10, 31), MilestoneStatus.MET),
        (9, 4804, date(2022, 10, 31), MilestoneStatus.MISSED),  # one project not started
        (10, 4803, date(2022, 10, 31), MilestoneStatus.MISSED),
        (9, 4804, date(2022, 6, 30), MilestoneStatus.ON_TRACK),
        # Day 181 of 304: 4804 × 181 / 304 = 2860.3 needed by 2022-06-30.
        (5, 2861, date(2022, 6, 30), MilestoneStatus.ON_TRACK),
        (5, 2860, date(2022, 6, 30), MilestoneStatus.AT_RISK),
    ],
)
def test_all_started_counts_projects(
    started_projects: int, actual: int, as_of: date, status: MilestoneStatus
) -> None:
    """new_all_started needs every project started by count and 100 % of the households."""
    result = milestone_status(
        spec=ALL_STARTED,
        base_target=4804,
        actual=actual,
        as_of=as_of,
        year_start=JAN1,
        projects_total=10,
        projects_started=started_projects,
    )
    assert result.status == status
    assert (result.projects_total, result.projects_started) == (10, started_projects)
    assert result.target == 4804


@pytest.mark.parametrize(
    ("completed_projects", "actual", "as_of", "status"),
    [
        # 驿城区: carry-over projects of 975 households against a target of 962.
        (4, 975, date(2022, 6, 30), MilestoneStatus.MET),
        (4, 962, date(2022, 6, 30), MilestoneStatus.MET),
        # A 13-household project unfinished: the households still reach 962, the milestone is missed.
        (3, 962, date(2022, 6, 30), MilestoneStatus.MISSED),
        (3, 962, date(2022, 12, 31), MilestoneStatus.MISSED),
        (4, 961, date(2022, 6, 30), MilestoneStatus.MISSED),
        (0, 0, date(2022, 6, 30), MilestoneStatus.MISSED),
        # Before the due date: households met but a project open is not met yet; the pace decides.
        (3, 962, date(2022, 3, 31), MilestoneStatus.ON_TRACK),
        # 2022-03-31 is day 90 of 181: 962 × 90 / 181 = 478.3 needed by then.
        (1, 479, date(2022, 3, 31), MilestoneStatus.ON_TRACK),
        (1, 478, date(2022, 3, 31), MilestoneStatus.AT_RISK),
        (4, 962, date(2022, 3, 31), MilestoneStatus.MET),
    ],
)
def test_carryover_completed_counts_projects(
    completed_projects: int, actual: int, as_of: date, status: MilestoneStatus
) -> None:
    """carryover_completed needs every carry-over project completed by count and 100 % of households."""
    result = milestone_status(
        spec=CARRYOVER,
        base_target=962,
        actual=actual,
        as_of=as_of,
        year_start=JAN1,
        projects_total=4,
        projects_started=4,
        projects_completed=completed_projects,
    )
    assert result.status == status
    assert (result.projects_total, result.projects_completed) == (4, completed_projects)
    assert result.projects_started is None
    assert result.target == 962


@pytest.mark.parametrize(
    ("total", "completed", "status"),
    [
        (0, 0, MilestoneStatus.MET),  # 上蔡县: no carry-over projects, target 0
        (1, 0, MilestoneStatus.MISSED),  # a target of 0, yet a project left open
        (1, 1, MilestoneStatus.MET),
    ],
)
def test_carryover_zero_target_still_counts_projects(
    total: int, completed: int, status: MilestoneStatus
) -> None:
    """A carry-over target of 0 is met only when every carry-over project the unit has is complete."""
    result = milestone_status(
        spec=CARRYOVER,
        base_target=0,
        actual=0,
        as_of=date(2022, 6, 30),
        year_start=JAN1,
        projects_total=total,
        projects_completed=completed,
    )
    assert result.status == status


def test_only_all_started_reports_project_counts() -> None:
    """Project counts belong to new_all_started alone; other milestones leave them out."""
    result = milestone_status(
        spec=JUNE_HALF,
        base_target=4804,
        actual=0,
        as_of=date(2022, 6, 30),
        year_start=JAN1,
        projects_total=10,
        projects_started=0,
    )
    assert result.projects_total is None and result.projects_started is None
    assert result.projects_completed is None
    assert result.target == 2402


@pytest.mark.parametrize(
    ("due", "as_of", "judged"),
    [
        (date(2022, 6, 30), date(2022, 12, 1), date(2022, 6, 30)),
        (date(2022, 6, 30), date(2022, 5, 1), date(2022, 5, 1)),
        (date(2022, 6, 30), date(2022, 6, 30), date(2022, 6, 30)),
    ],
)
def test_judged_on_is_the_earlier_date(due: date, as_of: date, judged: date) -> None:
    """The figure judged is the one on the earlier of the asked date and the due date."""
    assert judged_on(due=due, as_of=as_of) == judged
