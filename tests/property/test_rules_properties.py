"""Properties of the pure rules (projects/rules): each holds for every input the models can hold, and
each rule answers (never raises) over that whole range. No database."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from hypothesis import example, given, settings
from hypothesis import strategies as st

from projects.rules.arithmetic import (
    least_satisfying,
    percent_tenths,
    percent_tenths_down,
    round_half_up_percent,
    share_reached,
)
from projects.rules.forecast import PACE_WINDOW_DAYS, milestone_forecast
from projects.rules.milestones import MilestoneSpec, MilestoneStatus, milestone_status
from projects.rules.project_checks import (
    PIPELINES,
    Funding,
    date_order_problems,
    funding_problems,
    household_count_problem,
    missing_pipeline_contents,
)
from projects.rules.reports import (
    CUMULATIVE_FIGURES,
    TRANSITIONS,
    ReportState,
    Timeliness,
    allowed_actions,
    report_discrepancies,
    report_due,
    report_period_end,
    timeliness,
)
from projects.rules.start import CRITERIA, StartInput, consent_met_on, start_status
from projects.rules.targets import CityTotals, UnitTargets, check_targets_reconcile
from projects.services import PROJECT_DATE_COLUMNS
from tests.property import examples

# Household counts and targets as the models hold them (PositiveIntegerField), and shares in percent.
COUNTS = st.integers(min_value=0, max_value=2**31 - 1)
SMALL_COUNTS = st.integers(min_value=0, max_value=100_000)
PERCENTS = st.integers(min_value=0, max_value=100)
# Days around the 2022 plan year, and a day that may be missing.
DAYS = st.dates(min_value=date(2021, 10, 1), max_value=date(2023, 3, 31))
MAYBE_DAY = st.none() | DAYS
YEAR_START = date(2022, 1, 1)


def exact_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up, by the decimal module (the independent oracle)."""
    quotient = Fraction(numerator, denominator)
    return int(
        (Decimal(quotient.numerator) / Decimal(quotient.denominator)).quantize(
            Decimal(1), rounding=ROUND_HALF_UP
        )
    )


# --- arithmetic --------------------------------------------------------------------------------


@settings(max_examples=examples(300))
@given(actual=COUNTS, target=COUNTS, percent=PERCENTS)
def test_share_reached_is_exact_inclusive_comparison(
    actual: int, target: int, percent: int
) -> None:
    """share_reached is actual ≥ percent % of target, exactly (as fractions), boundary included."""
    assert share_reached(actual=actual, target=target, percent=percent) is (
        Fraction(actual) >= Fraction(percent * target, 100)
    )


@settings(max_examples=examples(300))
@given(target=COUNTS, percent=PERCENTS)
def test_least_satisfying_is_the_least_count_that_reaches_the_share(
    target: int, percent: int
) -> None:
    """least_satisfying gives a count that reaches the share, and one household fewer does not."""
    need = least_satisfying(target=target, percent=percent)
    assert 0 <= need <= target
    assert share_reached(actual=need, target=target, percent=percent)
    if need > 0:
        assert not share_reached(actual=need - 1, target=target, percent=percent)


@settings(max_examples=examples(300))
@given(value=COUNTS, percent=PERCENTS)
def test_round_half_up_percent_matches_decimal(value: int, percent: int) -> None:
    """round_half_up_percent is percent % of value rounded as Decimal's ROUND_HALF_UP does."""
    assert round_half_up_percent(value=value, percent=percent) == exact_half_up(
        percent * value, 100
    )


@settings(max_examples=examples(300))
@given(actual=COUNTS, target=COUNTS)
def test_percent_tenths_bracket_the_exact_share(actual: int, target: int) -> None:
    """Tenths of a percent: rounded down is at most the exact share and within one tenth of it,
    rounded half up matches Decimal, the two differ by at most one, and a zero target gives None."""
    down = percent_tenths_down(actual=actual, target=target)
    shown = percent_tenths(actual=actual, target=target)
    if target == 0:
        assert down is None and shown is None
        return
    assert down is not None and shown is not None
    exact = Fraction(actual * 1000, target)
    assert down <= exact < down + 1
    assert shown == exact_half_up(actual * 1000, target)
    assert shown - down in (0, 1)


@settings(max_examples=examples(300))
@given(actual=COUNTS, target=st.integers(min_value=1, max_value=2**31 - 1), percent=PERCENTS)
def test_share_shown_rounded_down_agrees_with_share_reached(
    actual: int, target: int, percent: int
) -> None:
    """A share shown (rounded down) as at least p.0 % has reached p % and vice versa, so a page never
    shows 50.0 % beside a milestone of 50 % that is not met."""
    down = percent_tenths_down(actual=actual, target=target)
    assert down is not None
    assert (down >= percent * 10) is share_reached(actual=actual, target=target, percent=percent)


# --- milestones ----------------------------------------------------------------------------------

SPECS = st.builds(
    MilestoneSpec,
    key=st.sampled_from(
        ["carryover_completed", "new_started_half", "new_all_started", "new_completed_70"]
    ),
    due=st.dates(min_value=date(2022, 1, 1), max_value=date(2022, 12, 31)),
    percent=PERCENTS,
    requires_all_projects_started=st.booleans(),
)
STATUS_RANK = {
    MilestoneStatus.MISSED: 0,
    MilestoneStatus.AT_RISK: 0,
    MilestoneStatus.ON_TRACK: 1,
    MilestoneStatus.MET: 2,
}


@st.composite
def project_counts(draw: st.DrawFn) -> tuple[int | None, int | None]:
    """(projects_total, projects_started) with started ≤ total, or unknown."""
    total = draw(st.none() | st.integers(min_value=0, max_value=500))
    if total is None:
        return None, draw(st.none() | st.integers(min_value=0, max_value=500))
    return total, draw(st.none() | st.integers(min_value=0, max_value=total))


@settings(max_examples=examples(400))
@given(
    spec=SPECS,
    base_target=st.none() | SMALL_COUNTS,
    actual=SMALL_COUNTS,
    as_of=DAYS,
    counts=project_counts(),
)
def test_milestone_status_is_met_exactly_when_the_share_is_reached(
    spec: MilestoneSpec,
    base_target: int | None,
    actual: int,
    as_of: date,
    counts: tuple[int | None, int | None],
) -> None:
    """A milestone is met iff its share is reached (and every project started when it asks for
    that); from the due date on it is met or missed, before it never missed; no target → no target."""
    total, started = counts
    result = milestone_status(
        spec=spec,
        base_target=base_target,
        actual=actual,
        as_of=as_of,
        year_start=YEAR_START,
        projects_total=total,
        projects_started=started,
    )
    assert result.actual == actual and result.key == spec.key and result.due == spec.due
    if base_target is None:
        assert result.status == MilestoneStatus.NO_TARGET and result.target is None
        return
    assert result.target == least_satisfying(target=base_target, percent=spec.percent)
    projects_ok = not spec.requires_all_projects_started or (started or 0) >= (total or 0)
    reached = share_reached(actual=actual, target=base_target, percent=spec.percent)
    assert (result.status == MilestoneStatus.MET) is (reached and projects_ok)
    if as_of >= spec.due:
        assert result.status in (MilestoneStatus.MET, MilestoneStatus.MISSED)
    else:
        assert result.status in (
            MilestoneStatus.MET,
            MilestoneStatus.ON_TRACK,
            MilestoneStatus.AT_RISK,
        )
    if spec.requires_all_projects_started:
        assert (result.projects_total, result.projects_started) == (total, started)
    else:
        assert (result.projects_total, result.projects_started) == (None, None)


@settings(max_examples=examples(400))
@given(
    spec=SPECS,
    base_target=SMALL_COUNTS,
    actuals=st.lists(SMALL_COUNTS, min_size=2, max_size=2).map(sorted),
    as_of=DAYS,
    counts=project_counts(),
)
def test_milestone_status_never_worsens_with_more_households(
    spec: MilestoneSpec,
    base_target: int,
    actuals: list[int],
    as_of: date,
    counts: tuple[int | None, int | None],
) -> None:
    """More households on the same day never give a worse status (at risk/missed < on track < met)."""
    total, started = counts
    lower, higher = (
        milestone_status(
            spec=spec,
            base_target=base_target,
            actual=actual,
            as_of=as_of,
            year_start=YEAR_START,
            projects_total=total,
            projects_started=started,
        ).status
        for actual in actuals
    )
    assert STATUS_RANK[lower] <= STATUS_RANK[higher]


# --- start of work -------------------------------------------------------------------------------


@st.composite
def start_inputs(draw: st.DrawFn) -> StartInput:
    """A project's start facts. Half are complete records (every date, enough dated agreements for
    any share, a contractor), so all five criteria hold often; the rest are anything at all."""
    if draw(st.booleans()):
        households = draw(st.integers(min_value=1, max_value=20))
        agreed = draw(st.lists(DAYS, min_size=households, max_size=households + 3))
        return StartInput(
            households=households,
            agree_dates=tuple(agreed + draw(st.lists(st.none(), max_size=2))),
            consent_percent=draw(st.integers(min_value=1, max_value=100)),
            structures_cleared_on=draw(DAYS),
            no_structures=draw(st.booleans()),
            structures_confirmed_by="张三",
            design_posted_on=draw(DAYS),
            contractor="驻马店某建设公司",
            contract_signed_on=draw(DAYS),
            on_site_on=draw(DAYS),
            evidenced=draw(st.frozensets(st.sampled_from(CRITERIA))),
            applies=True,
        )
    households = draw(st.integers(min_value=0, max_value=20))
    return StartInput(
        households=households,
        agree_dates=tuple(draw(st.lists(MAYBE_DAY, max_size=households + 3))),
        consent_percent=draw(st.integers(min_value=1, max_value=100)),
        structures_cleared_on=draw(MAYBE_DAY),
        no_structures=draw(st.booleans()),
        structures_confirmed_by=draw(st.sampled_from(["", " ", "张三"]) | st.text(max_size=4)),
        design_posted_on=draw(MAYBE_DAY),
        contractor=draw(st.sampled_from(["", "\t", "驻马店某建设公司"]) | st.text(max_size=4)),
        contract_signed_on=draw(MAYBE_DAY),
        on_site_on=draw(MAYBE_DAY),
        evidenced=draw(st.frozensets(st.sampled_from(CRITERIA))),
        applies=draw(st.booleans()),
    )


@settings(max_examples=examples(400))
@given(inp=start_inputs())
def test_start_date_is_the_last_of_the_five_dates(inp: StartInput) -> None:
    """A project started iff the rule applies and all five criteria hold; its start date is then the
    latest of the five dates, and each criterion that holds has a date."""
    status = start_status(inp)
    assert [c.key for c in status.criteria] == list(CRITERIA)
    for criterion in status.criteria:
        assert (criterion.date is not None) is criterion.met
        assert (criterion.reason == "") is criterion.met
    all_met = all(c.met for c in status.criteria)
    if inp.applies and all_met:
        assert status.started_on == max(c.date for c in status.criteria if c.date is not None)
    else:
        assert status.started_on is None
    assert set(status.missing) == {c.key for c in status.criteria if not c.met}


@settings(max_examples=examples(400))
@given(inp=start_inputs(), as_of=DAYS, later=st.integers(min_value=0, max_value=400))
def test_started_as_of_a_day_is_the_start_date_on_or_before_it(
    inp: StartInput, as_of: date, later: int
) -> None:
    """Started as of D iff the start date (judged on all dates) is ≤ D, with the same start date, so
    dashboards may count ``started_on <= D``; started as of D implies started on every later day."""
    overall = start_status(inp).started_on
    on_day = start_status(inp, as_of=as_of).started_on
    if overall is not None and overall <= as_of:
        assert on_day == overall
    else:
        assert on_day is None
    if on_day is not None:
        assert start_status(inp, as_of=as_of + timedelta(days=later)).started_on == on_day


@settings(max_examples=examples(400))
@given(inp=start_inputs(), as_of=st.none() | DAYS)
def test_stored_consent_date_and_a_count_judge_like_every_date(
    inp: StartInput, as_of: date | None
) -> None:
    """Judged from the count of agreements dated up to the day and the consent date the rule stored
    (what pages use for many projects), every criterion, reason and the start date are the same as
    judged from every agreement's date."""
    stored = start_status(inp).criterion("consent").date
    counted = sum(1 for d in inp.agree_dates if d is not None and (as_of is None or d <= as_of))
    compact = replace(inp, agree_dates=(), agreed_as_of=counted, consent_reached_on=stored)
    assert start_status(compact, as_of=as_of) == start_status(inp, as_of=as_of)


def consent_by_brute_force(
    *, households: int, agree_dates: tuple[date | None, ...], percent: int
) -> date | None:
    """The first day on which the agreeing households (those with an answer date up to that day) reach
    percent % of the project's households, found by trying each day in turn."""
    if households <= 0:
        return None
    dated = [d for d in agree_dates if d is not None]
    for day in sorted(set(dated)):
        if share_reached(
            actual=sum(1 for d in dated if d <= day), target=households, percent=percent
        ):
            return day
    return None


@settings(max_examples=examples(400))
@given(
    households=st.integers(min_value=0, max_value=20),
    agree_dates=st.lists(MAYBE_DAY, max_size=25).map(tuple),
    percent=st.integers(min_value=1, max_value=100),
)
def test_consent_date_matches_brute_force(
    households: int, agree_dates: tuple[date | None, ...], percent: int
) -> None:
    """The consent date is the first day the dated agreements reach the share (shares 1–100 %)."""
    assert consent_met_on(
        households=households, agree_dates=agree_dates, percent=percent
    ) == consent_by_brute_force(households=households, agree_dates=agree_dates, percent=percent)


@settings(max_examples=examples(200))
@given(
    households=st.integers(min_value=0, max_value=20),
    agree_dates=st.lists(MAYBE_DAY, max_size=25).map(tuple),
    percent=PERCENTS,
)
@example(households=10, agree_dates=(), percent=0)
def test_consent_date_matches_brute_force_for_every_allowed_share(
    households: int, agree_dates: tuple[date | None, ...], percent: int
) -> None:
    """Over every consent share a plan year may hold (0–100 %), the consent date is the first day
    the dated agreements reach the share, and the rule never raises."""
    assert consent_met_on(
        households=households, agree_dates=agree_dates, percent=percent
    ) == consent_by_brute_force(households=households, agree_dates=agree_dates, percent=percent)


# --- targets -------------------------------------------------------------------------------------

SUBSIDISED_2022 = ("驿城区", "经济开发区")  # the 2022 plan year's subsidised units (fixtures)
UNIT_NAMES = ["驿城区", "经济开发区", "遂平县", "西平县", "上蔡县", "汝南县", "平舆县", "正阳县"]
MAYBE_TARGET = st.none() | st.integers(min_value=0, max_value=20_000)


@settings(max_examples=examples(300))
@given(
    city=st.builds(
        CityTotals,
        new_starts=st.integers(min_value=0, max_value=50_000),
        completions=st.integers(min_value=0, max_value=50_000),
        carryover=st.integers(min_value=0, max_value=50_000),
        completion_percent=PERCENTS,
    ),
    units=st.lists(
        st.builds(
            UnitTargets,
            unit=st.sampled_from(UNIT_NAMES),
            new_starts=MAYBE_TARGET,
            completions=MAYBE_TARGET,
            carryover=MAYBE_TARGET,
        ),
        max_size=8,
    ),
    unassigned=st.lists(st.integers(min_value=0, max_value=5_000), max_size=3),
)
def test_target_check_reports_the_remainder_and_every_problem(
    city: CityTotals, units: list[UnitTargets], unassigned: list[int]
) -> None:
    """The unallocated remainder is the city total minus the known figures (never invented), units
    with a missing figure are named, and problems are empty exactly when every completion target is
    the rounded share of its new starts and no known sum exceeds its city total."""
    check = check_targets_reconcile(city=city, units=units, unassigned_carryover=unassigned)
    known_new = sum(u.new_starts or 0 for u in units)
    known_done = sum(u.completions or 0 for u in units)
    known_carry = sum(u.carryover or 0 for u in units) + sum(unassigned)
    assert check.unallocated_new_starts == city.new_starts - known_new
    assert check.unallocated_completions == city.completions - known_done
    assert check.unallocated_carryover == city.carryover - known_carry
    assert check.units_without_targets == tuple(
        u.unit for u in units if None in (u.new_starts, u.completions, u.carryover)
    )

    def rounded(new_starts: int) -> int:
        return exact_half_up(new_starts * city.completion_percent, 100)

    consistent = city.completions >= rounded(city.new_starts) and all(
        (u.new_starts is None and u.completions is None)
        or (
            u.new_starts is not None
            and u.completions is not None
            and u.completions == rounded(u.new_starts)
        )
        for u in units
    )
    within = min(
        check.unallocated_new_starts, check.unallocated_completions, check.unallocated_carryover
    )
    assert (not check.problems) is (consistent and within >= 0)


# --- project checks ------------------------------------------------------------------------------

CRITERIA_DATES = st.dictionaries(st.sampled_from(list(CRITERIA)), MAYBE_DAY, max_size=5)


@settings(max_examples=examples(400))
@given(
    started_on=MAYBE_DAY,
    completed_on=MAYBE_DAY,
    accepted_on=MAYBE_DAY,
    criteria_dates=st.none() | CRITERIA_DATES,
)
def test_date_order_problems_are_exactly_the_dates_out_of_order(
    started_on: date | None,
    completed_on: date | None,
    accepted_on: date | None,
    criteria_dates: dict[str, date | None] | None,
) -> None:
    """Any dates give an answer; it is empty exactly when criteria ≤ completed, started ≤ completed
    and completed ≤ accepted (acceptance needs a completion), and every problem names a field the
    import can map to its column (PROJECT_DATE_COLUMNS)."""
    problems = date_order_problems(
        started_on=started_on,
        completed_on=completed_on,
        accepted_on=accepted_on,
        criteria_dates=criteria_dates,
    )
    assert all(p.field in PROJECT_DATE_COLUMNS and p.message for p in problems)
    in_order = (
        completed_on is None
        or (
            (started_on is None or started_on <= completed_on)
            and all(d <= completed_on for d in (criteria_dates or {}).values() if d)
        )
    ) and (accepted_on is None or (completed_on is not None and completed_on <= accepted_on))
    assert (not problems) is in_order


@st.composite
def ordered_dates(draw: st.DrawFn) -> tuple[dict[str, date | None], date | None, date, date | None]:
    """Criteria dates ≤ start ≤ completion ≤ acceptance, as a well-kept project records them."""
    days = sorted(draw(st.lists(DAYS, min_size=7, max_size=7)))
    criteria = dict(zip(CRITERIA, days[:5], strict=True))
    started = draw(st.sampled_from([None, max(days[:5])]))
    accepted = draw(st.sampled_from([None, days[6]]))
    return criteria, started, days[5], accepted


@settings(max_examples=examples(200))
@given(dates=ordered_dates())
def test_dates_in_order_have_no_problems(
    dates: tuple[dict[str, date | None], date | None, date, date | None],
) -> None:
    """A project whose dates are in order has no date problems."""
    criteria, started, completed, accepted = dates
    assert (
        date_order_problems(
            started_on=started,
            completed_on=completed,
            accepted_on=accepted,
            criteria_dates=criteria,
        )
        == ()
    )


MONEY = st.decimals(min_value=0, max_value=Decimal("9999999999.9999"), places=4)


@settings(max_examples=examples(200))
@given(
    unit=st.sampled_from([*UNIT_NAMES, "确山县"]),
    funding=st.builds(
        Funding,
        total=MONEY,
        central=MONEY,
        provincial=MONEY,
        city=MONEY,
        county=MONEY,
        social=MONEY,
        credit=MONEY,
        residents=MONEY,
    ),
)
def test_funding_problems_are_city_subsidy_and_sum(unit: str, funding: Funding) -> None:
    """Funding has a problem exactly when a unit outside 驿城区/经济开发区 has a city subsidy or the
    sources do not add up to the estimate (exact Decimal sums)."""
    problems = funding_problems(unit=unit, funding=funding, subsidised_units=SUBSIDISED_2022)
    subsidy_wrong = funding.city != 0 and unit not in SUBSIDISED_2022
    sum_wrong = funding.sources_sum != funding.total
    assert len(problems) == subsidy_wrong + sum_wrong


PIPELINE_OR_OTHER = st.sampled_from([*PIPELINES, "屋面防水", "外墙保温"])


@settings(max_examples=examples(200))
@given(
    hazards=st.frozensets(PIPELINE_OR_OTHER),
    contents=st.frozensets(PIPELINE_OR_OTHER),
    records=st.integers(min_value=0, max_value=2000),
    households=st.integers(min_value=0, max_value=2000),
)
def test_pipeline_and_household_checks(
    hazards: frozenset[str], contents: frozenset[str], records: int, households: int
) -> None:
    """应改尽改 names exactly the pipeline hazards left out of the contents, in the pipelines'
    order; a household-count problem exists exactly when the records exceed the count."""
    missing = missing_pipeline_contents(hazards=hazards, contents=contents)
    assert set(missing) == (hazards - contents) & set(PIPELINES)
    assert list(missing) == sorted(missing, key=PIPELINES.index)
    problem = household_count_problem(records=records, households=households)
    assert (problem is None) is (records <= households)


# --- forecast ------------------------------------------------------------------------------------


@settings(max_examples=examples(400))
@given(
    needed=st.integers(min_value=0, max_value=50_000),
    actual=st.integers(min_value=0, max_value=60_000),
    actual_window_ago=st.integers(min_value=0, max_value=60_000),
    as_of=st.dates(min_value=date(2022, 1, 1), max_value=date(2022, 12, 31)),
    due=st.dates(min_value=date(2022, 1, 1), max_value=date(2022, 12, 31)),
    window_days=st.integers(min_value=1, max_value=45),
)
def test_forecast_reaches_the_target_and_asks_enough_per_week(
    needed: int, actual: int, actual_window_ago: int, as_of: date, due: date, window_days: int
) -> None:
    """The forecast day is never before today and is the first day the recent pace covers what
    remains; the households per week asked for cover what remains by the due date, and no more than
    one household a week over that."""
    f = milestone_forecast(
        needed=needed,
        actual=actual,
        actual_window_ago=actual_window_ago,
        as_of=as_of,
        due=due,
        window_days=window_days,
    )
    assert f.remaining == max(0, needed - actual)
    assert f.recent == max(0, actual - actual_window_ago)
    if f.remaining == 0:
        assert f.reached_on == as_of and f.per_week_needed is None and f.on_time
        return
    if f.recent == 0:
        assert f.reached_on is None and not f.on_time
    else:
        assert f.reached_on is not None and f.reached_on >= as_of
        days = (f.reached_on - as_of).days
        assert days * f.recent >= f.remaining * window_days
        assert (days - 1) * f.recent < f.remaining * window_days
        assert f.on_time is (f.reached_on <= due)
    days_left = (due - as_of).days
    if days_left <= 0:
        assert f.per_week_needed is None
    else:
        assert f.per_week_needed is not None
        assert f.per_week_needed * days_left >= f.remaining * 7
        assert (f.per_week_needed - 1) * days_left < f.remaining * 7


@settings(max_examples=examples(100))
@given(
    needed=COUNTS,
    actual=COUNTS,
    actual_window_ago=COUNTS,
    as_of=st.dates(min_value=date(2022, 1, 1), max_value=date(2022, 12, 31)),
)
@example(needed=100_000, actual=1, actual_window_ago=0, as_of=date(2022, 6, 1))
def test_forecast_answers_for_every_target_a_unit_can_hold(
    needed: int, actual: int, actual_window_ago: int, as_of: date
) -> None:
    """The forecast answers for any household counts the models hold (never raises); a day it
    cannot name is None."""
    f = milestone_forecast(
        needed=needed,
        actual=actual,
        actual_window_ago=actual_window_ago,
        as_of=as_of,
        due=date(2022, 12, 31),
        window_days=PACE_WINDOW_DAYS,
    )
    assert f.reached_on is None or f.reached_on >= as_of


# --- monthly reports -----------------------------------------------------------------------------

YEARS = st.integers(min_value=2000, max_value=2098)
MONTHS = st.integers(min_value=1, max_value=12)
DUE_DAYS = st.integers(min_value=1, max_value=28)  # the plan year's constraint


@settings(max_examples=examples(300))
@given(year=YEARS, month=MONTHS, due_day=DUE_DAYS)
def test_report_is_due_in_the_next_month_after_the_period(
    year: int, month: int, due_day: int
) -> None:
    """A month's figures are of its last day; its report is due on the due day of the next month."""
    end = report_period_end(year=year, month=month)
    assert (end.year, end.month) == (year, month)
    assert (end + timedelta(days=1)).day == 1
    due = report_due(year=year, month=month, due_day=due_day)
    assert due > end
    assert due.day == due_day
    after = end + timedelta(days=1)
    assert (due.year, due.month) == (after.year, after.month)


@settings(max_examples=examples(300))
@given(due=DAYS, valid_on=MAYBE_DAY, today=DAYS)
def test_timeliness_is_total_and_follows_the_due_day(
    due: date, valid_on: date | None, today: date
) -> None:
    """Every (due, arrived, today) gets one answer: on time by the due day (inclusive), late after
    it, missing once the due day has passed with nothing valid, not due before."""
    answer = timeliness(due=due, valid_on=valid_on, today=today)
    if valid_on is not None:
        expected = Timeliness.ON_TIME if valid_on <= due else Timeliness.LATE
    else:
        expected = Timeliness.MISSING if today > due else Timeliness.NOT_DUE
    assert answer == expected


FIGURES = st.dictionaries(
    st.sampled_from(list(CUMULATIVE_FIGURES)) | st.text(max_size=6),
    st.integers(min_value=0, max_value=100_000),
    max_size=7,
)


@settings(max_examples=examples(300))
@given(reported=FIGURES, records=FIGURES, earlier=FIGURES, earlier_month=MONTHS)
def test_discrepancies_name_only_the_figures_that_differ(
    reported: dict[str, int], records: dict[str, int], earlier: dict[str, int], earlier_month: int
) -> None:
    """A report has one discrepancy per cumulative figure present in it and in the records whose
    values differ, in the figures' order, and nothing else (unknown keys ignored); a differing
    figure below the earlier valid report's also names that report, inside the same discrepancy."""
    found = report_discrepancies(
        reported=reported, records=records, earlier=earlier, earlier_month=earlier_month
    )
    expected = [
        k
        for k in CUMULATIVE_FIGURES
        if k in reported and k in records and reported[k] != records[k]
    ]
    assert [d.figure for d in found] == expected
    for d in found:
        assert (d.reported, d.records) == (reported[d.figure], records[d.figure])
        assert d.detail.startswith(
            f"{CUMULATIVE_FIGURES[d.figure]}：报告 {reported[d.figure]}，项目记录 {records[d.figure]}"
        )
        fell = d.figure in earlier and reported[d.figure] < earlier[d.figure]
        assert (d.earlier, d.earlier_month) == (
            (earlier[d.figure], earlier_month) if fell else (None, None)
        )
        assert ("（低于" in d.detail) == fell
        if fell:
            assert d.detail.endswith(f"（低于{earlier_month}月报告的 {earlier[d.figure]}）")


@given(
    state=st.sampled_from(list(ReportState)),
    role=st.sampled_from(["clerk", "leader", "city", "admin", ""]),
)
def test_allowed_actions_follow_the_transitions(state: ReportState, role: str) -> None:
    """A role may take an action on a report exactly when the action starts from the report's state
    and lists the role."""
    allowed = allowed_actions(state=state, role=role)
    assert set(allowed) == {
        action for action, t in TRANSITIONS.items() if t.source == state and role in t.roles
    }
