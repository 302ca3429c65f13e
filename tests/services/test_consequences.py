"""consequences_of: which projects' dates change and which valid reports a change affects (a unit's
valid report for month M when the old or the new date is on or before M's month end)."""

from dataclasses import replace
from datetime import date

import pytest
from django.utils import timezone

from projects.consequences import ProjectDates, consequences_of
from projects.models import PlanYear, Unit
from projects.rules.reports import ReportState
from reporting.models import MonthlyReport

pytestmark = pytest.mark.django_db


def dates(unit: Unit, completed_on: date | None) -> dict[int, ProjectDates]:
    return {
        7: ProjectDates(
            7, unit.id, unit.name, "甲院", date(2022, 3, 1), date(2022, 4, 1), completed_on
        )
    }


@pytest.fixture
def unit(plan_year: PlanYear) -> Unit:
    """驿城区 with valid June and July reports (July in its second version; a June draft too)."""
    yicheng = Unit.objects.get(name="驿城区")
    for month, version, state in ((6, 1, ReportState.RECEIVED), (7, 2, ReportState.APPROVED)):
        MonthlyReport.objects.create(
            plan_year=plan_year,
            unit=yicheng,
            month=month,
            version=version,
            state=state,
            stamp="stamps/r.pdf",
            digest="0" * 64,
            approved_at=timezone.now(),
        )
    MonthlyReport.objects.create(plan_year=plan_year, unit=yicheng, month=8, version=1)
    return yicheng


@pytest.mark.parametrize(
    ("old", "new", "months"),
    [
        (date(2022, 6, 30), date(2022, 7, 1), [6, 7]),  # June's month end saw the old date
        (date(2022, 7, 5), date(2022, 7, 10), [7]),  # both after June 30th
        (None, date(2022, 8, 2), []),  # after every valid month (August is a draft)
        (date(2022, 6, 1), None, [6, 7]),  # a completion taken away
    ],
)
def test_reports_affected_by_a_moved_completion(
    plan_year: PlanYear, unit: Unit, old: date | None, new: date | None, months: list[int]
) -> None:
    """The valid reports whose month end is on or after the earlier of the two dates."""
    result = consequences_of(plan_year=plan_year, before=dates(unit, old), after=dates(unit, new))
    [project] = result.projects
    assert [c.field for c in project.changes] == ["completed_on"]
    assert [r.month for r in result.reports] == months
    assert result.needs_confirmation is bool(months or old)


def test_nothing_changed_reads_no_reports(
    plan_year: PlanYear, unit: Unit, django_assert_num_queries: object
) -> None:
    """Unchanged dates: no consequences and no query."""
    same = dates(unit, date(2022, 6, 1))
    with django_assert_num_queries(0):  # type: ignore[operator]
        assert not consequences_of(plan_year=plan_year, before=same, after=same)


def test_a_project_of_another_year_is_judged_against_its_own_years_reports(
    plan_year: PlanYear, unit: Unit
) -> None:
    """A rolled-over project's households are written through next year's project, but the dates
    that move are this year's project's: a 2023 roster file that moves 甲院's 2022 completion from
    2022-06-30 to 2022-07-01 affects 2022's valid June and July reports, not 2023's (none)."""
    y2023 = PlanYear.objects.create(
        year=2023,
        city_new_starts=1,
        city_completions=1,
        city_carryover=0,
        implementation_plan_due=date(2023, 2, 28),
        renovation_plans_due=date(2023, 3, 31),
        adjustment_cutoff=date(2023, 3, 31),
    )

    def of_2022(completed_on: date) -> dict[int, ProjectDates]:
        return {
            pk: replace(dated, plan_year_id=plan_year.id)
            for pk, dated in dates(unit, completed_on).items()
        }

    result = consequences_of(
        plan_year=y2023, before=of_2022(date(2022, 6, 30)), after=of_2022(date(2022, 7, 1))
    )
    assert [(r.year, r.month) for r in result.reports] == [(2022, 6), (2022, 7)]
    assert result.needs_confirmation
    # Judged against 2023 (no plan year of its own given), the same change affects nothing there.
    plain = consequences_of(
        plan_year=y2023,
        before=dates(unit, date(2022, 6, 30)),
        after=dates(unit, date(2022, 7, 1)),
    )
    assert plain.reports == ()
