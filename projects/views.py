"""Views of the programme's facts."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from . import selectors
from .importing import TEMPLATES, template_workbook_bytes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class AsOfForm(forms.Form):
    """The date the milestone table is judged on (截至日期)."""

    as_of = forms.DateField(
        label="截至日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The landing page: the city's milestone table, today (clipped to the plan year) or as of a date."""
    form = AsOfForm(request.GET or None)
    as_of = form.cleaned_data.get("as_of") if form.is_valid() else None
    report = selectors.milestone_report_for_today(as_of=as_of)
    return render(request, "projects/home.html", {"report": report, "form": form})


@login_required
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    """An empty import template (headers and one example row) as an Excel download."""
    if kind not in TEMPLATES:
        raise Http404
    response = HttpResponse(template_workbook_bytes(kind), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{kind}-template.xlsx"'
    return response
