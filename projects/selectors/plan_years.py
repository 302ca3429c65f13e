"""The plan years, and the one day a page is judged on: today in the portal's time zone, clipped
to the plan year."""

from datetime import date

from django.utils import timezone

from ..models import PlanYear


def today_local() -> date:
    """Today's date in the portal's time zone (Asia/Shanghai)."""
    return timezone.localdate()


def plan_year_get(*, year: int) -> PlanYear:
    return PlanYear.objects.get(year=year)


def plan_year_latest() -> PlanYear | None:
    """The latest plan year, the one pages show by default."""
    return PlanYear.objects.order_by("-year").first()


def clip_to_year(*, plan_year: PlanYear, day: date) -> date:
    """A date clipped to the plan year (the dashboards' default is today, clipped)."""
    return min(max(day, plan_year.year_start), plan_year.year_end)


def page_date(
    *, plan_year: PlanYear, asked: date | None = None, latest: date | None = None
) -> date:
    """The one day a dashboard page is judged on (its 截至 heading): the day asked for, else today,
    clipped to the plan year — so a past year's pages default to its last day. ``latest`` moves the
    upper bound past the year's end for a page whose counts settle after it (the assessment)."""
    last = plan_year.year_end if latest is None else max(plan_year.year_end, latest)
    return min(max(asked or today_local(), plan_year.year_start), last)
