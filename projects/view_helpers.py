"""What every app's views share: the signed-in portal user, the plan year shown, the page's date
form, a service's refusal shown on a form or as messages, and an .xlsx download. Kept in the core
app so the views of projects, reporting and paperwork write each of these once."""

from datetime import date
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from . import selectors
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


def plan_year_or_404() -> PlanYear:
    """The latest plan year; 404 while none is loaded."""
    plan_year = selectors.plan_year_latest()
    if plan_year is None:
        raise Http404("尚未建立年度计划")
    return plan_year


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
