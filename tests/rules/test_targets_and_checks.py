"""Targets (SPEC §1) and the project checks of SPEC §4, with the seed's own numbers."""

from datetime import date
from decimal import Decimal

import pytest

from projects.rules.project_checks import (
    Funding,
    date_order_problems,
    funding_problems,
    future_date_problem,
    future_date_problems,
    household_count_problem,
    missing_pipeline_contents,
)
from projects.rules.targets import (
    CityTotals,
    CompletionVerdict,
    UnitTargets,
    check_targets_reconcile,
    completion_target,
    expected_completion,
)

ANNEX1 = {
    "驿城区": (4804, 3363),
    "经济开发区": (2067, 1447),
    "遂平县": (475, 333),
    "西平县": (2261, 1583),
    "上蔡县": (288, 202),
    "汝南县": (746, 522),
}
CITY = CityTotals(new_starts=15948, completions=11164, carryover=4676, completion_percent=70)


@pytest.mark.parametrize(("new_starts", "completions"), [*ANNEX1.values(), (15948, 11164)])
def test_completion_is_seventy_percent_rounded_half_up(new_starts: int, completions: int) -> None:
    """Each annex 1 completion target is 70 % of its new starts, rounded half up (475 → 333, 746 → 522)."""
    assert expected_completion(new_starts=new_starts, completion_percent=70) == completions


def annex_units() -> list[UnitTargets]:
    carry = {"驿城区": 962, "遂平县": 328, "西平县": 1082, "上蔡县": 0, "汝南县": 0}
    units = [UnitTargets(n, ns, c, carry.get(n)) for n, (ns, c) in ANNEX1.items()]
    units += [UnitTargets("平舆县", None, None, 161), UnitTargets("正阳县", None, None, 0)]
    return units + [UnitTargets(n, None, None, None) for n in ("确山县", "泌阳县", "新蔡县")]


def test_annex_figures_reconcile_with_city_totals() -> None:
    """Known figures plus the unallocated remainder make the city totals: 5307 / 3714 unallocated."""
    check = check_targets_reconcile(city=CITY, units=annex_units(), unassigned_carryover=[30, 2113])
    assert check.problems == ()
    assert (check.unallocated_new_starts, check.unallocated_completions) == (
        15948 - 10641,
        11164 - 7450,
    )
    assert check.unallocated_carryover == 0
    assert (
        "经济开发区" in check.units_without_targets and "驿城区" not in check.units_without_targets
    )


def test_wrong_completion_target_is_a_problem() -> None:
    """A completion target that is not 70 % of new starts is reported with the expected figure."""
    units = [UnitTargets("汝南县", 746, 523, 0)]
    check = check_targets_reconcile(city=CITY, units=units, unassigned_carryover=[])
    assert len(check.problems) == 1 and "522" in check.problems[0]


OK, NEEDS_REASON, REFUSED = CompletionVerdict


@pytest.mark.parametrize(
    ("new_starts", "completions", "reason", "verdict", "least"),
    [
        (4804, 3363, "", OK, 3363),  # 驿城区, annex 1 exactly: 3362.8 rounds up
        (4804, 3364, "", NEEDS_REASON, 3363),  # one more: accepted only with a reason
        (4804, 3364, "县政府承诺多完成", OK, 3363),
        (4804, 3364, "   ", NEEDS_REASON, 3363),  # blanks are no reason
        (4804, 3362, "", REFUSED, 3363),  # one short
        (4804, 3362, "理由也不行", REFUSED, 3363),  # a reason never lowers the floor
        (475, 333, "", OK, 333),  # 遂平县: 332.5 rounds half up to 333
        (475, 332, "", REFUSED, 333),
        (746, 522, "", OK, 522),  # 汝南县: 522.2 → 522
        (746, 523, "", NEEDS_REASON, 522),
        (2067, 1447, "", OK, 1447),  # 经济开发区: 1446.9 → 1447
        (2067, 1446, "", REFUSED, 1447),
        (15948, 11164, "", OK, 11164),  # the city's "11164以上"
        (0, 0, "", OK, 0),
        (0, 1, "", NEEDS_REASON, 0),
        (1, 1, "", OK, 1),  # 0.7 → 1
        (1, 0, "", REFUSED, 1),
    ],
)
def test_completion_target_is_at_least_seventy_percent(
    new_starts: int, completions: int, reason: str, verdict: CompletionVerdict, least: int
) -> None:
    """完成改造 "以上": at least new starts × 70 % rounded half up; more needs a reason; less is refused."""
    check = completion_target(
        new_starts=new_starts, completions=completions, completion_percent=70, reason=reason
    )
    assert (check.verdict, check.least) == (verdict, least)
    assert (check.message == "") is (verdict == OK)


def test_completion_target_messages_are_chinese_and_name_the_least() -> None:
    """The refusal names the least figure accepted; the request for a reason names the share."""
    low = completion_target(new_starts=4804, completions=3362, completion_percent=70)
    assert low.message == (
        "完成改造目标 3362 户低于新开工 4804 户的 70%（四舍五入为 3363 户），不能少于 3363 户"
    )
    high = completion_target(new_starts=4804, completions=3364, completion_percent=70)
    assert high.message == (
        "完成改造目标 3364 户高于新开工 4804 户的 70%（3363 户），须填写提高目标的理由"
    )


@pytest.mark.parametrize(
    ("completions", "reason", "problems"),
    [(3363, "", 0), (3364, "", 1), (3364, "承诺多完成", 0), (3362, "承诺", 1)],
)
def test_reconcile_uses_the_completion_rule(completions: int, reason: str, problems: int) -> None:
    """The target check applies the same rule to every unit, with the reason stored on the target."""
    units = [UnitTargets("驿城区", 4804, completions, 962, reason)]
    check = check_targets_reconcile(city=CITY, units=units, unassigned_carryover=[])
    assert len(check.problems) == problems
    assert all(p.startswith("驿城区：") for p in check.problems)


@pytest.mark.parametrize(("completions", "problems"), [(11164, 0), (11165, 0), (11163, 1)])
def test_city_completion_total_is_a_floor(completions: int, problems: int) -> None:
    """The city's completion total is "11164以上": above is fine, below its share is a problem."""
    city = CityTotals(15948, completions, 4676, 70)
    assert len(check_targets_reconcile(city=city, units=[], unassigned_carryover=[]).problems) == (
        problems
    )


def test_figures_over_the_city_total_are_a_problem() -> None:
    """Unit figures adding up to more than the city total are refused."""
    units = [UnitTargets("驿城区", 16000, 11200, 5000)]
    check = check_targets_reconcile(city=CITY, units=units, unassigned_carryover=[])
    assert len(check.problems) == 3


@pytest.mark.parametrize(
    ("unit", "city", "total", "problems"),
    [
        ("驿城区", "10", "100", 0),
        ("经济开发区", "10", "100", 0),
        ("遂平县", "10", "100", 1),  # city subsidy outside 驿城区/经济开发区
        ("遂平县", "0", "100", 0),
        ("驿城区", "10", "100.0001", 1),  # sources do not add up
    ],
)
def test_funding_problems(unit: str, city: str, total: str, problems: int) -> None:
    """City subsidy only for 驿城区 and 经济开发区; funding sources add up to the estimate."""
    funding = Funding(
        total=Decimal(total), central=Decimal(50), county=Decimal(40), city=Decimal(city)
    )
    if city == "0":
        funding = Funding(total=Decimal(total), central=Decimal(60), county=Decimal(40))
    subsidised = ("驿城区", "经济开发区")  # the 2022 plan year's, as the fixtures load them
    assert (
        len(funding_problems(unit=unit, funding=funding, subsidised_units=subsidised)) == problems
    )


@pytest.mark.parametrize(
    ("unit", "subsidised", "message"),
    [
        ("遂平县", ("驿城区",), "市级补助只拨付驿城区项目，遂平县项目不应有市级补助"),
        (
            "驿城区",
            ("遂平县", "西平县"),
            "市级补助只拨付遂平县、西平县项目，驿城区项目不应有市级补助",
        ),
        ("驿城区", (), "本年度不拨付市级补助，驿城区项目不应有市级补助"),
    ],
)
def test_city_subsidy_follows_the_plan_years_units(
    unit: str, subsidised: tuple[str, ...], message: str
) -> None:
    """The units paid 市级补助 are the plan year's data: another year's list changes who may have it."""
    funding = Funding(total=Decimal(100), central=Decimal(90), city=Decimal(10))
    assert funding_problems(unit=unit, funding=funding, subsidised_units=subsidised) == (message,)


@pytest.mark.parametrize(
    ("started", "completed", "accepted", "problems"),
    [
        (date(2022, 4, 1), date(2022, 9, 1), date(2022, 10, 1), 0),
        (date(2022, 4, 1), date(2022, 4, 1), date(2022, 4, 1), 0),
        (date(2022, 4, 2), date(2022, 4, 1), None, 1),
        (date(2022, 4, 1), date(2022, 9, 1), date(2022, 8, 31), 1),
        (None, None, date(2022, 8, 31), 1),
    ],
)
def test_date_order(
    started: date | None, completed: date | None, accepted: date | None, problems: int
) -> None:
    """Dates are in order: started ≤ completed ≤ accepted."""
    assert (
        len(date_order_problems(started_on=started, completed_on=completed, accepted_on=accepted))
        == problems
    )


def test_pipelines_found_must_be_renovated() -> None:
    """应改尽改: a pipeline hazard found in the survey must be in the contents."""
    assert missing_pipeline_contents(hazards={"燃气", "供水"}, contents={"供水", "绿化"}) == (
        "燃气",
    )
    assert missing_pipeline_contents(hazards={"燃气"}, contents={"燃气"}) == ()


def test_household_records_never_exceed_count() -> None:
    """Household records over the project's household count are a problem; equal is fine."""
    assert household_count_problem(records=10, households=10) is None
    assert household_count_problem(records=11, households=10) is not None


TODAY = date(2026, 12, 7)


@pytest.mark.parametrize(
    ("label", "on", "expected"),
    [
        (
            "设计公示",
            date(2030, 4, 2),
            "设计公示日期 2030年4月2日 晚于今天（2026年12月7日）：只能填写已经发生的日期",
        ),
        (
            "完工",
            date(2026, 12, 8),
            "完工日期 2026年12月8日 晚于今天（2026年12月7日）：只能填写已经发生的日期",
        ),
        ("验收移交", date(2026, 12, 7), None),
        ("进场施工", date(2022, 5, 10), None),
        ("施工合同", None, None),
    ],
)
def test_a_recorded_date_cannot_lie_after_today(
    label: str, on: date | None, expected: str | None
) -> None:
    """A date after today is refused naming the field and both dates; today itself and past dates pass."""
    assert future_date_problem(label=label, on=on, today=TODAY) == expected


def test_future_dates_are_reported_under_their_fields() -> None:
    """Only the dates after today are problems, each under its own field name."""
    problems = future_date_problems(
        dates={
            "completed_on": ("完工", date(2031, 1, 1)),
            "accepted_on": ("验收移交", date(2026, 12, 1)),
            "agreed_on": ("同意", date(2027, 1, 1)),
        },
        today=TODAY,
    )
    assert [p.field for p in problems] == ["completed_on", "agreed_on"]
    assert problems[0].message.startswith("完工日期 2031年1月1日 晚于今天（2026年12月7日）")
