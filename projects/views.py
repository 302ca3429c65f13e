"""Views of the programme's facts."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from . import selectors
from .importing import TEMPLATES, template_workbook_bytes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The landing page: the city's milestone table today."""
    report = selectors.milestone_report_for_today()
    return render(request, "projects/home.html", {"report": report})


@login_required
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    """An empty import template (headers and one example row) as an Excel download."""
    if kind not in TEMPLATES:
        raise Http404
    response = HttpResponse(template_workbook_bytes(kind), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{kind}-template.xlsx"'
    return response
