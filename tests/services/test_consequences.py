"""consequences_of: which projects' dates change and which valid reports a change affects (a unit's
valid report for month M when the old or the new date is on or before M's month end)."""

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
