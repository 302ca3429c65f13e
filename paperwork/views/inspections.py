"""Pages of inspections and aftercare: the inspection list with the overdue rectifications on top,
a new inspection, one inspection with its findings (added by the side that inspected, closed by the
inspected unit with evidence), the closing evidence, and a project's complaints, visits and warranty.

Objects are looked up through the user's scope, so another unit's inspection, finding, complaint
or project is a 404 whatever id the URL names; writing needs the side SPEC §6 gives it (403 else).
"""

from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from projects import permissions
from projects import selectors as facts
from projects.models import Project
from projects.uploads import stored_file_response
from projects.view_helpers import (
    apply_errors,
    asked_date,
    plan_year_for,
    portal_user,
    warn_unreadable_date,
)

from ..forms.inspections import (
    ComplaintForm,
    ComplaintHandleForm,
    FindingCloseForm,
    FindingForm,
    InspectionFilterForm,
    InspectionForm,
    UnitPickForm,
    VisitForm,
    WarrantyForm,
)
from ..models import Finding, Inspection, Warranty
from ..selectors import inspections as selectors
from ..services import inspections as services

PAGE_SIZE = 25


def _as_of(request: HttpRequest) -> date:
    """The day overdue and warranty are judged on: ?as_of=YYYY-MM-DD, else today (said so when the
    date asked for is none)."""
    asked, unreadable = asked_date(request)
    day = asked or facts.today_local()
    if unreadable is not None:
        warn_unreadable_date(request, asked=unreadable, day=day)
    return day


def _inspection_or_404(request: HttpRequest, pk: int) -> Inspection:
    return get_object_or_404(selectors.inspections_visible(user=portal_user(request)), pk=pk)


def _finding_or_404(request: HttpRequest, pk: int) -> Finding:
    return get_object_or_404(selectors.findings_visible(user=portal_user(request)), pk=pk)


def _project_or_404(request: HttpRequest, pk: int) -> Project:
    return get_object_or_404(facts.projects_visible(user=portal_user(request)), pk=pk)


def _writable_project_or_404(request: HttpRequest, pk: int) -> Project:
    project = _project_or_404(request, pk)
    if not permissions.may_change_unit(portal_user(request), project.unit_id):
        raise PermissionDenied(
            _("只有本区县的填报员和审核人可以记录本区县项目的投诉纠纷、回访和保修")
        )
    return project


def _form_page(
    request: HttpRequest,
    template: str,
    form: forms.BaseForm,
    *,
    title: str,
    multipart: bool = False,
    **context: Any,
) -> HttpResponse:
    return render(
        request, template, {"form": form, "title": title, "multipart": multipart, **context}
    )


# --- inspections --------------------------------------------------------------------------------


@login_required
def inspection_list(request: HttpRequest) -> HttpResponse:
    """The plan year's inspections the user may read, by kind (and unit, for the city office), 25 to
    a page; the overdue rectifications on top (the unit's own, or every unit's with counts)."""
    user = portal_user(request)
    plan_year = plan_year_for(request)
    scope = permissions.unit_scope(user)
    filters = InspectionFilterForm(request.GET or None, show_unit=scope is None)
    # Each filter that can be read is honoured, whatever another holds; the others are named.
    chosen: dict[str, Any] = {}
    if filters.is_bound:
        filters.is_valid()
        chosen = filters.cleaned_data
    today = chosen.get("as_of") or facts.today_local()
    if "as_of" in filters.errors:
        warn_unreadable_date(request, asked=str(request.GET.get("as_of", ""))[:20], day=today)
    if "unit" in filters.errors:
        messages.warning(
            request,
            _("区县 %(unit)s 不存在，已显示全部区县") % {"unit": str(request.GET.get("unit"))[:20]},
        )
    unit = chosen.get("unit")
    qs = selectors.inspection_list(
        user=user, plan_year=plan_year, today=today, kind=chosen.get("kind") or "", unit=unit
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    own_unit = user.unit if scope is not None else unit
    overdue = selectors.overdue_rectifications(plan_year=plan_year, today=today, unit=own_unit)
    overdue_rows = [(finding, (today - finding.deadline).days) for finding in overdue]
    query = {k: str(v) for k, v in request.GET.items() if k != "page" and v}
    return render(
        request,
        "paperwork/inspection_list.html",
        {
            "plan_year": plan_year,
            "filters": filters,
            "page": page,
            "query": urlencode(query),
            "today": today,
            "overdue_rows": overdue_rows,
            "show_unit": scope is None,
            "may_create": bool(selectors.inspection_kinds_for(user)),
            "coverage": selectors.inspection_coverage(plan_year=plan_year, today=today)
            if scope is None
            else None,
            "coverage_kinds": [k.label for k in selectors.COVERAGE_KINDS],
        },
    )


@login_required
def inspection_create(request: HttpRequest) -> HttpResponse:
    """A new inspection: the city office picks the unit first (?unit=), then the form offers that
    unit's projects; a unit's clerk or leader records its own self-inspection or self-evaluation."""
    user = portal_user(request)
    kinds = selectors.inspection_kinds_for(user)
    if not kinds:
        raise PermissionDenied(_("只有市老旧办和区县填报员、审核人可以记录检查"))
    plan_year = plan_year_for(request)
    picker = None
    if permissions.is_city_office(user):
        picker = UnitPickForm(request.GET or None)
        unit = picker.cleaned_data["unit"] if picker.is_valid() else None
        if unit is None:
            return render(
                request,
                "paperwork/inspection_form.html",
                {"picker": picker, "form": None, "unit": None, "title": _("记录检查")},
            )
    else:
        unit = user.unit
    assert unit is not None
    form = InspectionForm(
        request.POST or None,
        kinds=kinds,
        projects=Project.objects.filter(plan_year=plan_year, unit=unit),
    )
    if request.method == "POST" and form.is_valid():
        try:
            inspection = services.inspection_create(
                plan_year=plan_year, unit=unit, user=user, data=form.service_data()
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已记录检查：%(name)s") % {"name": inspection})
            return redirect("paperwork:inspection_detail", pk=inspection.pk)
    return render(
        request,
        "paperwork/inspection_form.html",
        {"picker": picker, "form": form, "unit": unit, "title": _("记录检查")},
    )


@login_required
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One inspection: who inspected which projects, the score, and each finding with its deadline,
    whether it is overdue on the day asked (default today), its closing and evidence."""
    user = portal_user(request)
    inspection = _inspection_or_404(request, pk)
    today = _as_of(request)
    findings = list(inspection.findings.select_related("project"))
    return render(
        request,
        "paperwork/inspection_detail.html",
        {
            "inspection": inspection,
            "projects": list(inspection.projects.order_by("name")),
            "rows": [(f, selectors.finding_overdue(f, today=today)) for f in findings],
            "today": today,
            "is_city_kind": inspection.kind not in selectors.SELF_KINDS,
            "may_author": selectors.user_may_author(
                user, kind=inspection.kind, unit_id=inspection.unit_id
            ),
            "may_close": selectors.user_may_close(user, unit_id=inspection.unit_id),
        },
    )


@login_required
def finding_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a finding to an inspection (the side that inspected)."""
    user = portal_user(request)
    inspection = _inspection_or_404(request, pk)
    if not selectors.user_may_author(user, kind=inspection.kind, unit_id=inspection.unit_id):
        raise PermissionDenied(_("检查发现的问题由组织检查的一方记录"))
    form = FindingForm(request.POST or None, projects=selectors.finding_projects(inspection))
    if request.method == "POST" and form.is_valid():
        try:
            services.finding_create(inspection=inspection, user=user, data=form.service_data())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已添加检查发现的问题"))
            if "save_add" in request.POST:
                return redirect("paperwork:finding_create", pk=inspection.pk)
            return redirect("paperwork:inspection_detail", pk=inspection.pk)
    return _form_page(
        request,
        "paperwork/inspection_finding_form.html",
        form,
        title=_("添加检查发现的问题"),
        inspection=inspection,
    )


@login_required
def finding_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Close a finding's rectification (the inspected unit): the date, what was done, evidence."""
    user = portal_user(request)
    finding = _finding_or_404(request, pk)
    if not selectors.user_may_close(user, unit_id=finding.inspection.unit_id):
        raise PermissionDenied(_("只有被检查区县的填报员和审核人可以填报整改情况"))
    form = FindingCloseForm(
        request.POST or None,
        request.FILES or None,
        initial={"closed_on": finding.closed_on, "note": finding.closing_note},
        has_evidence=bool(finding.closing_evidence),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.finding_close(
                finding=finding,
                user=user,
                closed_on=data["closed_on"],
                note=(data.get("note") or "").strip(),
                evidence=data.get("evidence") or None,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已填报整改完成情况"))
            return redirect("paperwork:inspection_detail", pk=finding.inspection_id)
    return _form_page(
        request,
        "paperwork/inspection_finding_close.html",
        form,
        title=_("填报整改情况"),
        multipart=True,
        finding=finding,
        inspection=finding.inspection,
    )


@login_required
def finding_evidence(request: HttpRequest, pk: int) -> FileResponse:
    """A finding's closing evidence, only to users who may see the inspection, typed by content."""
    finding = _finding_or_404(request, pk)
    return stored_file_response(request, finding.closing_evidence, f"整改证明材料-{finding.pk}")


# --- aftercare ----------------------------------------------------------------------------------


@login_required
def aftercare(request: HttpRequest, pk: int) -> HttpResponse:
    """A project's complaints and disputes, follow-up visits and warranty (active or expired on the
    day asked, default today)."""
    project = _project_or_404(request, pk)
    today = _as_of(request)
    return render(
        request,
        "paperwork/aftercare_detail.html",
        {
            "project": project,
            "care": selectors.aftercare(project=project, today=today),
            "today": today,
            "may_write": permissions.may_change_unit(portal_user(request), project.unit_id),
        },
    )


def _saved(request: HttpRequest, message: str, project: Project) -> HttpResponse:
    messages.success(request, message)
    return redirect("paperwork:aftercare", pk=project.pk)


@login_required
def complaint_create(request: HttpRequest, pk: int) -> HttpResponse:
    project = _writable_project_or_404(request, pk)
    form = ComplaintForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.complaint_create(
                project=project, user=portal_user(request), data=form.service_data()
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return _saved(request, _("已登记投诉纠纷"), project)
    return _form_page(
        request, "paperwork/aftercare_form.html", form, title=_("登记投诉纠纷"), project=project
    )


@login_required
def complaint_handle(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the handling of a complaint or dispute and close it."""
    user = portal_user(request)
    complaint = get_object_or_404(selectors.complaints_visible(user=user), pk=pk)
    project = complaint.project
    if not permissions.may_change_unit(user, project.unit_id):
        raise PermissionDenied(
            _("只有本区县的填报员和审核人可以记录本区县项目的投诉纠纷、回访和保修")
        )
    form = ComplaintHandleForm(
        request.POST or None,
        initial={"handling": complaint.handling, "closed_on": complaint.closed_on},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.complaint_handle(
                complaint=complaint,
                user=user,
                handling=form.cleaned_data["handling"],
                closed_on=form.cleaned_data.get("closed_on"),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return _saved(request, _("已保存投诉纠纷的处理情况"), project)
    return _form_page(
        request,
        "paperwork/aftercare_form.html",
        form,
        title=_("投诉纠纷处理"),
        project=project,
        complaint=complaint,
    )


@login_required
def visit_create(request: HttpRequest, pk: int) -> HttpResponse:
    project = _writable_project_or_404(request, pk)
    form = VisitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.visit_create(
                project=project, user=portal_user(request), data=form.service_data()
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return _saved(request, _("已记录回访"), project)
    return _form_page(
        request, "paperwork/aftercare_form.html", form, title=_("记录回访"), project=project
    )


@login_required
def warranty_edit(request: HttpRequest, pk: int) -> HttpResponse:
    project = _writable_project_or_404(request, pk)
    form = WarrantyForm(
        request.POST or None, instance=Warranty.objects.filter(project=project).first()
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.warranty_save(
                project=project, user=portal_user(request), data=form.service_data()
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return _saved(request, _("已保存保修期"), project)
    return _form_page(
        request, "paperwork/aftercare_form.html", form, title=_("保修期"), project=project
    )


urlpatterns: list[URLPattern] = [
    path("inspections/", inspection_list, name="inspection_list"),
    path("inspections/new/", inspection_create, name="inspection_create"),
    path("inspections/<int:pk>/", inspection_detail, name="inspection_detail"),
    path("inspections/<int:pk>/findings/new/", finding_create, name="finding_create"),
    path("findings/<int:pk>/close/", finding_close, name="finding_close"),
    path("findings/<int:pk>/evidence/", finding_evidence, name="finding_evidence"),
    path("projects/<int:pk>/aftercare/", aftercare, name="aftercare"),
    path("projects/<int:pk>/complaints/new/", complaint_create, name="complaint_create"),
    path("complaints/<int:pk>/handle/", complaint_handle, name="complaint_handle"),
    path("projects/<int:pk>/visits/new/", visit_create, name="visit_create"),
    path("projects/<int:pk>/warranty/", warranty_edit, name="warranty_edit"),
]
