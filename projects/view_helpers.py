"""What every app's views share: the signed-in portal user, the plan year shown, the page's date
form, a service's refusal shown on a form or as messages, and an .xlsx download. Kept in the core
app so the views of projects, reporting and paperwork write each of these once."""

import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from . import selectors
from .choices import PlanYearState
from .models import PlanYear, User
from .template_files import XLSX_CONTENT_TYPE
from .templatetags.portal import cn_date


class AsOfForm(forms.Form):
    """The date the milestone table is judged on (截至日期)."""

    as_of = forms.DateField(
        label="截至日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


def asked_date(request: HttpRequest) -> tuple[date | None, str | None]:
    """The date of ``?as_of=`` (None without one), and the text asked for when it is no date."""
    if not request.GET.get("as_of"):
        return None, None
    form = AsOfForm(request.GET)
    if form.is_valid():
        return form.cleaned_data.get("as_of"), None
    return None, str(request.GET.get("as_of", ""))[:20]


def warn_unreadable_date(request: HttpRequest, *, asked: str, day: date) -> None:
    """Say that ``asked`` is no date and the page shows ``day`` instead (never silently)."""
    messages.warning(
        request, _("日期 %(asked)s 无效，已按 %(day)s 显示") % {"asked": asked, "day": cn_date(day)}
    )


def page_date_of(request: HttpRequest, *, plan_year: PlanYear, latest: date | None = None) -> date:
    """The page's date (截至) from ``?as_of=``, through selectors.page_date like every dashboard: a
    date that is none, or lies outside the plan year (or after ``latest``), is replaced with a
    warning naming both days."""
    asked, unreadable = asked_date(request)
    day = selectors.page_date(plan_year=plan_year, asked=asked, latest=latest)
    if unreadable is not None:
        warn_unreadable_date(request, asked=unreadable, day=day)
    elif asked is not None and asked != day:
        messages.warning(
            request,
            _("日期 %(asked)s 不在 %(year)s 年度内，已按 %(day)s 显示")
            % {"asked": asked.isoformat(), "year": plan_year.year, "day": cn_date(day)},
        )
    return day


def portal_user(request: HttpRequest) -> User:
    """The signed-in portal user of a request (views behind login_required)."""
    user = request.user
    assert isinstance(user, User)
    return user


# --- the plan year shown ----------------------------------------------------------------------------

# The year chosen last (with ?year=), kept for the pages reached without one.
SESSION_YEAR = "plan_year"
YEAR_PARAMETER = "year"
_YEAR_RE = re.compile(r"\d{4}")
# Parameters a year selector's link leaves out: a date or a page number of one year means nothing
# in another.
_YEAR_BOUND_PARAMETERS = frozenset({YEAR_PARAMETER, "as_of", "page"})


class PlanYearNotFound(Http404):
    """``?year=`` names no plan year the user may see: the 404 page shows this message."""


@dataclass(frozen=True)
class YearChoice:
    """The plan years a user may see (earliest first), the one the page shows (None while there is
    none), and why ``?year=`` was refused when it names none of them."""

    years: tuple[PlanYear, ...]
    chosen: PlanYear | None
    refused: str | None = None


def year_choice(request: HttpRequest) -> YearChoice:
    """The plan year of a request: ``?year=``, else the year chosen earlier in the session, else the
    year containing today, else the latest (selectors.plan_year_default) — only years
    the user may see. A year asked for is remembered in the session. One query, once per request
    (the page and its navigation bar share it)."""
    cached = getattr(request, "_year_choice", None)
    if isinstance(cached, YearChoice):
        return cached
    user = portal_user(request)
    years = tuple(selectors.plan_years_visible(user=user).order_by("year"))
    by_year = {plan_year.year: plan_year for plan_year in years}
    asked = request.GET.get(YEAR_PARAMETER, "").strip()
    chosen: PlanYear | None = None
    refused: str | None = None
    if asked:
        if not _YEAR_RE.fullmatch(asked):
            refused = _("“%(asked)s”不是有效的年度：年度应为四位数字，如 %(example)s。") % {
                "asked": asked[:20],
                "example": years[-1].year if years else selectors.today_local().year,
            }
        elif int(asked) not in by_year:
            refused = _("没有 %(year)s 年度的年度计划。可查看的年度：%(known)s。") % {
                "year": asked,
                "known": "、".join(str(year) for year in by_year) or _("无"),
            }
        else:
            chosen = by_year[int(asked)]
            if request.session.get(SESSION_YEAR) != chosen.year:
                request.session[SESSION_YEAR] = chosen.year
    if chosen is None:
        chosen = by_year.get(request.session.get(SESSION_YEAR, 0)) or (
            selectors.plan_year_default(plan_years=years, today=selectors.today_local())
        )
    choice = YearChoice(years, chosen, refused)
    request._year_choice = choice  # type: ignore[attr-defined]
    return choice


def plan_year_for(request: HttpRequest) -> PlanYear:
    """The plan year a page shows (year_choice); a 404 naming the years there are when ``?year=``
    names none the user may see, and while no plan year is loaded."""
    choice = year_choice(request)
    if choice.refused is not None:
        raise PlanYearNotFound(choice.refused)
    if choice.chosen is None:
        raise Http404(_("尚未建立年度计划"))
    return choice.chosen


@dataclass(frozen=True)
class YearOption:
    """One year of the navigation bar's year selector: its link keeps the current page."""

    year: int
    draft: bool
    url: str
    current: bool


@dataclass(frozen=True)
class YearSelector:
    """The navigation bar's year selector: the year shown and the years to switch to."""

    current: PlanYear | None
    options: tuple[YearOption, ...]


def year_selector(request: HttpRequest) -> YearSelector:
    """The years the user may switch to, each a link to the current path with ``?year=`` (the
    page's other parameters kept, except a date or page number, which belong to one year)."""
    choice = year_choice(request)
    kept = [
        (key, value)
        for key, values in request.GET.lists()
        if key not in _YEAR_BOUND_PARAMETERS
        for value in values
    ]
    options = tuple(
        YearOption(
            year=plan_year.year,
            draft=plan_year.state == PlanYearState.DRAFT,
            url=f"{request.path}?{urlencode([*kept, (YEAR_PARAMETER, plan_year.year)])}",
            current=plan_year == choice.chosen,
        )
        for plan_year in choice.years
    )
    return YearSelector(choice.chosen, options)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The portal's 404 page; a plan year that is none says so (other 404s say nothing more, so a
    page of another unit is not told from one that does not exist)."""
    message = str(exception) if isinstance(exception, PlanYearNotFound) else ""
    return render(request, "404.html", {"message": message}, status=404)


def apply_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """A service's refusal shown beside the fields it names (the rest above the form)."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def error_messages(request: HttpRequest, error: ValidationError) -> None:
    """A service's refusal, where no form shows it, as one error message per reason."""
    for message in error.messages:
        messages.error(request, message)


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    """An .xlsx download named ``filename`` (Chinese names quoted as RFC 5987 asks), never cached."""
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "private, no-store"
    return response
