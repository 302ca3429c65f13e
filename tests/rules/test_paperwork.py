"""The paperwork rules, with the exact boundary of every deadline and every "not lower than"."""

from datetime import date
from decimal import Decimal

import pytest

from projects.rules.paperwork import (
    PlanItem,
    PlanTotals,
    adjustment_problems,
    document_overdue,
    inspection_month_problem,
    plan_coverage,
    plan_table_gaps,
    rectification_overdue,
    submitted_in_time,
    warranty_active,
)

FEB_28 = date(2022, 2, 28)
MAR_31 = date(2022, 3, 31)


@pytest.mark.parametrize(
    ("submitted_on", "today", "in_time", "overdue"),
    [
        (date(2022, 2, 27), date(2022, 4, 1), True, False),
        (FEB_28, date(2022, 4, 1), True, False),  # the due day itself
        (date(2022, 3, 1), date(2022, 4, 1), False, False),  # late, but no longer outstanding
        (None, FEB_28, False, False),  # not yet overdue on the due day
        (None, date(2022, 3, 1), False, True),  # overdue the next day
    ],
)
def test_document_deadlines(
    submitted_on: date | None, today: date, in_time: bool, overdue: bool
) -> None:
    """The implementation plan is due 2022-02-28: in time up to that day, overdue from March 1st."""
    assert submitted_in_time(submitted_on=submitted_on, due=FEB_28) == in_time
    assert document_overdue(submitted_on=submitted_on, due=FEB_28, today=today) == overdue


def item(
    buildings: int = 4, households: int = 100, area: str = "8000", money: str = "400"
) -> PlanItem:
    return PlanItem(buildings, households, Decimal(area), Decimal(money))


ORIGINAL = PlanTotals.of([item(), item(buildings=6, households=150, area="12000", money="600")])


@pytest.mark.parametrize(
    ("adjusted", "submitted_on", "problems"),
    [
        # Swap the 150-household community for one exactly as large: every total equal, allowed.
        ([item(), item(buildings=6, households=150, area="12000", money="600")], MAR_31, ()),
        # One household fewer.
        (
            [item(), item(buildings=6, households=149, area="12000", money="600")],
            MAR_31,
            ("调整后户数 249户 低于原计划 250户",),
        ),
        # 0.01 ㎡ less floor area, and one community fewer.
        (
            [item(buildings=10, households=250, area="19999.99", money="1000")],
            MAR_31,
            ("调整后小区数 1个 低于原计划 2个", "调整后建筑面积 19999.99㎡ 低于原计划 20000㎡"),
        ),
        # Larger in everything but one day late.
        (
            [item(), item(), item(buildings=6, households=150, area="12000", money="600")],
            date(2022, 4, 1),
            ("计划调整须于2022年3月31日前提出，已截止",),
        ),
        # 1 万元 less investment.
        (
            [item(), item(buildings=6, households=150, area="12000", money="599")],
            date(2022, 3, 1),
            ("调整后投资 999万元 低于原计划 1000万元",),
        ),
        # One building fewer.
        (
            [item(buildings=3), item(buildings=6, households=150, area="12000", money="600")],
            MAR_31,
            ("调整后楼栋数 9栋 低于原计划 10栋",),
        ),
    ],
)
def test_adjustment_may_not_lower_any_total(
    adjusted: list[PlanItem], submitted_on: date, problems: tuple[str, ...]
) -> None:
    """SPEC §5: after the swap every one of the five totals ≥ the original's, until 2022-03-31."""
    assert (
        adjustment_problems(
            original=ORIGINAL,
            adjusted=PlanTotals.of(adjusted),
            submitted_on=submitted_on,
            cutoff=MAR_31,
        )
        == problems
    )


@pytest.mark.parametrize(
    ("values", "gaps"),
    [
        (
            {
                "contents": ["供水"],
                "investment": Decimal("10"),
                "funding": ["中央补助"],
                "construction_unit": "住建局",
                "supervising_unit": "街道办",
                "responsible_person": "张三",
            },
            (),
        ),
        (
            {
                "contents": [],
                "investment": Decimal("0"),
                "funding": [],
                "construction_unit": "",
                "supervising_unit": "街道办",
                "responsible_person": "",
            },
            ("改造内容", "资金概算", "资金来源", "建设单位", "监管责任人"),
        ),
    ],
)
def test_plan_table_gaps(values: dict[str, object], gaps: tuple[str, ...]) -> None:
    """The implementation plan's table flags every column a project leaves empty."""
    assert plan_table_gaps(values) == gaps


@pytest.mark.parametrize(
    ("closed_on", "today", "overdue"),
    [
        (None, date(2022, 7, 15), False),  # the deadline day itself
        (None, date(2022, 7, 16), True),
        (date(2022, 7, 20), date(2022, 8, 1), False),
        (date(2022, 7, 20), date(2022, 7, 18), True),  # closed later: still open on July 18th
        (date(2022, 7, 20), date(2022, 7, 20), False),  # closed that day
    ],
)
def test_rectification_overdue(closed_on: date | None, today: date, overdue: bool) -> None:
    """A rectification due July 15th is overdue from July 16th until it is closed."""
    assert (
        rectification_overdue(deadline=date(2022, 7, 15), closed_on=closed_on, today=today)
        == overdue
    )


@pytest.mark.parametrize(
    ("today", "active"),
    [(date(2022, 12, 1), True), (date(2024, 11, 30), True), (date(2024, 12, 1), False)],
)
def test_warranty_period_includes_both_ends(today: date, active: bool) -> None:
    """A warranty from 2022-12-01 to 2024-11-30 covers both ends and nothing after."""
    assert (
        warranty_active(starts_on=date(2022, 12, 1), ends_on=date(2024, 11, 30), today=today)
        == active
    )


@pytest.mark.parametrize(
    ("month", "held_on", "explanation", "refused"),
    [
        (6, date(2022, 6, 1), "", False),  # first day of June
        (6, date(2022, 6, 30), "", False),  # last day of June
        (6, date(2022, 5, 31), "", True),  # the day before
        (6, date(2022, 7, 1), "", True),  # the day after
        (6, date(2022, 7, 1), "汛期推迟一周", False),  # explained
        (6, date(2022, 7, 1), "  ", True),  # blanks explain nothing
        (6, date(2021, 6, 15), "", True),  # June of another year
        (12, date(2022, 12, 1), "", False),
        (12, date(2022, 12, 31), "", False),
        (12, date(2023, 1, 5), "", True),  # January after: outside December 2022
        (12, date(2022, 11, 30), "", True),
        (None, date(2022, 9, 8), "", False),  # a spot check has no month
    ],
)
def test_inspection_month(
    month: int | None, held_on: date, explanation: str, refused: bool
) -> None:
    """A city inspection outside its month (June, December of the plan year) needs an explanation."""
    problem = inspection_month_problem(
        year=2022, month=month, held_on=held_on, explanation=explanation
    )
    assert bool(problem) is refused
    if refused:
        assert problem.endswith("须填写检查时间说明")


@pytest.mark.parametrize(
    ("households", "target", "shortfall"),
    [
        (4804, 4804, 0),  # 驿城区 exactly covered
        (4805, 4804, 0),  # more than the task
        (4803, 4804, 1),  # one household short
        (4700, 4804, 104),
        (0, 0, 0),  # 上蔡县's carry-over: nothing to cover
        (0, 475, 475),  # no projects at all
        (100, None, 0),  # unknown target: no shortfall can be named
    ],
)
def test_plan_coverage(households: int, target: int | None, shortfall: int) -> None:
    """The plan's projects cover a target when their households reach it (equal covers)."""
    new, carry = plan_coverage(
        new_households=households,
        new_target=target,
        carryover_households=households,
        carryover_target=target,
    )
    assert (new.shortfall, carry.shortfall) == (shortfall, shortfall)
    assert bool(new.problem) is (shortfall > 0)


def test_plan_coverage_messages() -> None:
    """The shortfall names the households, the target and the difference, by kind."""
    new, carry = plan_coverage(
        new_households=4700, new_target=4804, carryover_households=975, carryover_target=962
    )
    assert new.problem == "新开工项目户数合计 4700 户，少于新开工目标 4804 户，差 104 户"
    assert carry.problem == ""
    _, short = plan_coverage(
        new_households=0, new_target=None, carryover_households=950, carryover_target=962
    )
    assert short.problem == "续建项目户数合计 950 户，少于续建目标 962 户，差 12 户"
