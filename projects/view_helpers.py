"""What every app's views share: the signed-in portal user, the plan year shown, the page's date
form, a service's refusal shown on a form or as messages, and an .xlsx download. Kept in the core
app so the views of projects, reporting and paperwork write each of these once."""

from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse

from . import selectors
from .models import PlanYear, User
from .template_files import XLSX_CONTENT_TYPE


class AsOfForm(forms.Form):
    """The date the milestone table is judged on (截至日期)."""

    as_of = forms.DateField(
        label="截至日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


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
