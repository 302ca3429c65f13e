"""The dashboards: the city office's overview of every unit on a date and one unit's drill-down, and
the clerk's or leader's home page of their own unit (the portal's home, ``/``)."""

from datetime import date
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
from projects.choices import LINKED_TAGS
from projects.models import PlanYear, Unit, User
from projects.rules.start import CRITERIA, CRITERION_SHORT_LABELS
from projects.view_helpers import page_date_of, plan_year_for, portal_user, year_choice
from projects.worklist import worklist

from . import notices, overview_page, selectors


def _as_of(request: HttpRequest, plan_year: PlanYear) -> date:
    """The date asked for (截至日期), else today, clipped to the plan year."""
    return page_date_of(request, plan_year=plan_year)


def _reads_city(user: User) -> bool:
    return permissions.unit_scope(user) is None


@login_required
def city_overview(request: HttpRequest) -> HttpResponse:
    """Every unit and the city on a date: targets, figures, shares and the four milestones, the
    unallocated targets as their own rows, and the charts with their numbers — built once per data
    version, date, page and language (reporting.overview_page), read from the cache after."""
    user = portal_user(request)
    if not _reads_city(user) and not settings.CITY_OVERVIEW_FOR_UNITS:
        raise PermissionDenied(_("市老旧办未开放全市概况给区县用户查看"))
    plan_year = plan_year_for(request)
    as_of = _as_of(request, plan_year)
    links = _reads_city(user)
    body, city_worklist = overview_page.city_overview_page(
        user=user, plan_year=plan_year, as_of=as_of, page=request.GET.get("page"), links=links
    )
    # The pager needs only the number of units, not the rows: the rows are in the body's HTML.
    page = Paginator(range(body.units_total), overview_page.OVERVIEW_UNITS_PER_PAGE).get_page(
        body.page_number
    )
    context = {
        "body": body,
        "page": page,
        "query": urlencode({"as_of": as_of.isoformat()}),
        "as_of": as_of,
        "plan_year": plan_year,
        "links": links,
        "tags": LINKED_TAGS,
        # The city office's 待办 on the page's date (units have theirs on their own home page).
        "worklist": city_worklist,
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
            "charts": overview_page.cumulative_charts(
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
