"""The dashboards: the city office's overview of every unit on a date and one unit's drill-down, and
the clerk's or leader's home page of their own unit (the portal's home, ``/``)."""

from collections.abc import Iterable
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from paperwork.selectors.inspections import overdue_rectifications
from paperwork.selectors.overview import paperwork_rows
from projects import permissions
from projects import selectors as facts
from projects.choices import LINKED_TAGS, Measure
from projects.models import PlanYear, Unit, User
from projects.rules.dates import cn_month_day
from projects.rules.milestones import MilestoneSpec
from projects.rules.start import CRITERIA, CRITERION_SHORT_LABELS
from projects.view_helpers import page_date_of, plan_year_for, portal_user, year_choice
from projects.worklist import role_for_worklist, worklist

from . import charts, notices, selectors
from .selectors import Cumulative

OVERVIEW_UNITS_PER_PAGE = 200


def _as_of(request: HttpRequest, plan_year: PlanYear) -> date:
    """The date asked for (截至日期), else today, clipped to the plan year."""
    return page_date_of(request, plan_year=plan_year)


def _reads_city(user: User) -> bool:
    return permissions.unit_scope(user) is None


def _charts(
    *,
    plan_year: PlanYear,
    specs: Iterable[MilestoneSpec],
    as_of: date,
    series: Cumulative,
    results: dict[str, Any],
    title: str,
) -> list[dict[str, Any]]:
    """The two cumulative charts (new-start projects, carry-over projects) with their data tables;
    each milestone (``specs``, as the report judged them) is a goal line at its due date."""
    specs = list(specs)

    def points(values: tuple[int, ...]) -> tuple[tuple[date, int], ...]:
        return tuple(zip(series.days, values, strict=True))

    def goals(*measures: str) -> list[charts.Goal]:
        return [
            charts.Goal(spec.name, spec.due, results[spec.key].target)
            for spec in specs
            if spec.measure in measures and results[spec.key].target is not None
        ]

    new_goals = goals(Measure.NEW_STARTED, Measure.NEW_COMPLETED)
    new_chart = charts.cumulative_chart_svg(
        title=_("%(name)s新开工项目：累计开工和完工户数") % {"name": title},
        start=plan_year.year_start,
        end=plan_year.year_end,
        series=[
            charts.Series(_("累计开工户数"), points(series.new_started), "series-a"),
            charts.Series(_("累计完工户数"), points(series.new_completed), "series-b"),
        ],
        goals=new_goals,
        as_of=as_of,
    )
    carry_chart = charts.cumulative_chart_svg(
        title=_("%(name)s续建项目：累计完工户数") % {"name": title},
        start=plan_year.year_start,
        end=plan_year.year_end,
        series=[
            charts.Series(_("续建累计完工户数"), points(series.carryover_completed), "series-a")
        ],
        goals=goals(Measure.CARRYOVER_COMPLETED),
        as_of=as_of,
    )
    rows = list(
        zip(
            series.days,
            series.new_started,
            series.new_completed,
            series.carryover_completed,
            strict=True,
        )
    )
    return [
        {"id": "chart-new", "svg": new_chart, "rows": rows, "columns": "new"},
        {"id": "chart-carryover", "svg": carry_chart, "rows": rows, "columns": "carryover"},
    ]


def _judging(specs: Iterable[MilestoneSpec], measure: str, as_of: date) -> MilestoneSpec | None:
    """The milestone counting ``measure`` that judges the share on ``as_of``: the next one due,
    else the last (2022: 50 % of new starts until 30 June, then all of them)."""
    counting = sorted((s for s in specs if s.measure == measure), key=lambda s: s.due)
    return next((s for s in counting if as_of <= s.due), counting[-1] if counting else None)


@login_required
def city_overview(request: HttpRequest) -> HttpResponse:
    """Every unit and the city on a date: targets, figures, shares and the four milestones, the
    unallocated targets as their own rows, and the charts with their numbers."""
    user = portal_user(request)
    if not _reads_city(user) and not settings.CITY_OVERVIEW_FOR_UNITS:
        raise PermissionDenied(_("市老旧办未开放全市概况给区县用户查看"))
    plan_year = plan_year_for(request)
    as_of = _as_of(request, plan_year)
    overview = selectors.city_overview(plan_year=plan_year, as_of=as_of)
    report = overview.report
    # Each share is drawn against the line of the milestone that judges it, as the plan year sets it.
    started_spec = _judging(report.specs, Measure.NEW_STARTED, as_of)
    completion_spec = _judging(report.specs, Measure.NEW_COMPLETED, as_of)
    carryover_spec = _judging(report.specs, Measure.CARRYOVER_COMPLETED, as_of)
    start_threshold = started_spec.percent if started_spec is not None else 100
    completion_threshold = completion_spec.percent if completion_spec is not None else 100
    carryover_threshold = carryover_spec.percent if carryover_spec is not None else 100
    # A city's eleven units (or a province's 160) are one page; a national programme's thousands
    # are paged, the city row and the charts of the whole on every page.
    page = Paginator(overview.units, OVERVIEW_UNITS_PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    share_chart = charts.share_bars_svg(
        title=_("各区县完成比例（截至%(day)s）") % {"day": cn_month_day(as_of)},
        categories=[r.row.label for r in rows],
        measures=[
            charts.ShareMeasure(
                _("开工率"), start_threshold, tuple(r.shares.started for r in rows)
            ),
            charts.ShareMeasure(
                _("完工率"), completion_threshold, tuple(r.shares.completed for r in rows)
            ),
            charts.ShareMeasure(
                _("续建完成率"), carryover_threshold, tuple(r.shares.carryover for r in rows)
            ),
        ],
    )
    context = {
        "overview": overview,
        "rows": [overview.city, *rows],
        "unit_rows": rows,
        "page": page,
        "query": urlencode({"as_of": as_of.isoformat()}),
        "report": report,
        "as_of": as_of,
        "plan_year": plan_year,
        "charts": _charts(
            plan_year=plan_year,
            specs=report.specs,
            as_of=as_of,
            series=selectors.cumulative(plan_year=plan_year, as_of=as_of),
            results=report.city.milestones,
            title=_("全市"),
        ),
        "share_chart": share_chart,
        "start_threshold": start_threshold,
        "completion_threshold": completion_threshold,
        "carryover_threshold": carryover_threshold,
        # The completion milestone whose share the table's 完工率 is, named as the plan year names it.
        "completion_name": completion_spec.name if completion_spec is not None else "",
        "links": _reads_city(user),
        # Judged on the page's date, like every other panel under its 截至 heading.
        "paperwork": paperwork_rows(
            plan_year=plan_year,
            today=as_of,
            units=[r.row.unit for r in rows if r.row.unit is not None],
        ),
        "tags": LINKED_TAGS,
        # The city office's 待办 on the page's date (units have theirs on their own home page).
        "worklist": worklist(user=user, plan_year=plan_year, day=as_of)
        if role_for_worklist(user) == "city"
        else None,
    }
    return render(request, "reporting/overview.html", context)


@login_required
def unit_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    """One unit: its figures, each milestone with the projects that block it (and the criteria they
    lack), the forecast at the last 30 days' pace, and its charts."""
    user = portal_user(request)
    scope = permissions.unit_scope(user)
    units = Unit.objects.all() if scope is None else Unit.objects.filter(id=scope)
    unit = get_object_or_404(units, pk=pk)
    plan_year = plan_year_for(request)
    as_of = _as_of(request, plan_year)
    page = selectors.unit_dashboard(plan_year=plan_year, unit=unit, as_of=as_of)
    return render(
        request,
        "reporting/unit.html",
        {
            "unit": unit,
            "page": page,
            "as_of": as_of,
            "plan_year": plan_year,
            "short_labels": CRITERION_SHORT_LABELS,
            "notices": notices.notices_for(user=user, unit=unit),
            "charts": _charts(
                plan_year=plan_year,
                specs=[item.spec for item in page.milestones],
                as_of=as_of,
                series=page.cumulative,
                results=page.row.row.milestones,
                title=unit.name,
            ),
        },
    )


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """A clerk's or leader's unit page, as of today (clipped to the plan year) or the date asked for;
    the city office and administrators go to the city overview."""
    user = portal_user(request)
    if not year_choice(request).years:
        return render(request, "projects/no_plan_year.html")
    if permissions.unit_scope(user) is None or user.unit is None:
        target = reverse("reporting:overview")
        return redirect(f"{target}?{request.GET.urlencode()}" if request.GET else target)
    plan_year = plan_year_for(request)
    day = _as_of(request, plan_year)
    page = facts.unit_home(plan_year=plan_year, unit=user.unit, as_of=day)
    # Every panel is judged on the page's date, as its heading says.
    paperwork = next(
        row
        for row in paperwork_rows(plan_year=plan_year, today=day, units=[user.unit])
        if row.unit.id == user.unit.id
    )
    return render(
        request,
        "reporting/unit_home.html",
        {
            "page": page,
            "unit": user.unit,
            "plan_year": plan_year,
            "lacking_one": [
                (key, CRITERION_SHORT_LABELS[key], count)
                for key, count in sorted(
                    page.blockers.lacking_one.items(), key=lambda kv: CRITERIA.index(kv[0])
                )
            ],
            "may_write": permissions.may_change_unit(user, user.unit.id),
            "worklist": worklist(user=user, plan_year=plan_year, day=day),
            "paperwork": paperwork,
            "overdue_findings": overdue_rectifications(
                plan_year=plan_year, today=day, unit=user.unit
            ),
        },
    )
