"""Pages of a project's records (资金到位、参建单位、审批接入、统筹施工方案、验收移交), the funds page of
units and the city, and the city office's contact-point flag.

Projects are looked up through the user's scope (another unit's is a 404); writing needs the clerk or
leader of the project's unit (403 else), the contact-point flag the city office."""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import permissions, records, selectors
from .choices import ParticipantRole
from .models import AcceptanceRecord, CoordinatedConstructionPlan, FundReceipt, Project, Unit
from .uploads import stored_file_response
from .view_helpers import apply_errors, plan_year_for, portal_user
from .views import _project_or_404, _writable_project_or_404


def _saved(request: HttpRequest, message: str, project: Project) -> HttpResponse:
    messages.success(request, message)
    return redirect("project_records", pk=project.pk)


def _form_page(
    request: HttpRequest, form: forms.BaseForm, *, title: str, project: Project, **context: Any
) -> HttpResponse:
    return render(
        request,
        "projects/records_form.html",
        {"form": form, "title": title, "project": project, **context},
    )


@login_required
def project_records(request: HttpRequest, pk: int) -> HttpResponse:
    """A project's records: funds by source, who answers on site, approvals, the coordinated plan
    and the acceptance and hand-over."""
    project = _project_or_404(request, pk)
    user = portal_user(request)
    return render(
        request,
        "projects/records.html",
        {
            "project": project,
            "records": records.project_records(project),
            "may_write": permissions.may_change_unit(user, project.unit_id),
        },
    )


@login_required
def fund_receipt_create(request: HttpRequest, pk: int) -> HttpResponse:
    project = _writable_project_or_404(request, pk)
    form = records.FundReceiptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            records.fund_receipt_add(
                project=project, user=portal_user(request), data=form.service_data()
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return _saved(request, _("已登记资金到位"), project)
    return _form_page(request, form, title=_("登记资金到位"), project=project)


@login_required
def fund_receipt_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove a receipt entered in error (kept in its history): a page asks first, so the delete
    needs no script to be confirmed; its POST deletes."""
    user = portal_user(request)
    receipt = get_object_or_404(
        FundReceipt.objects.filter(
            project__in=selectors.projects_visible(user=user)
        ).select_related("project__unit"),
        pk=pk,
    )
    if not permissions.may_change_unit(user, receipt.project.unit_id):
        raise PermissionDenied(_("只有本区县的填报员和审核人可以填报本区县项目的记录"))
    if request.method == "POST":
        records.fund_receipt_delete(receipt=receipt, user=user)
        return _saved(request, _("已删除资金到位记录"), receipt.project)
    return render(
        request,
        "projects/fund_receipt_confirm_delete.html",
        {"receipt": receipt, "project": receipt.project},
    )


def _role_or_404(role: str) -> ParticipantRole:
    try:
        return ParticipantRole(role)
    except ValueError as error:
        raise Http404 from error


@login_required
def participant_edit(request: HttpRequest, pk: int, role: str) -> HttpResponse:
    project = _writable_project_or_404(request, pk)
    key = _role_or_404(role)
    named_on_project = key in (ParticipantRole.CONSTRUCTION, ParticipantRole.BUILDER)
    current = project.participants.filter(role=key).first()
    initial = (
        {"organisation": current.organisation, "person": current.person, "phone": current.phone}
        if current
        else {}
    )
    form = records.ParticipantForm(
        request.POST or None, initial=initial, named_on_project=named_on_project
    )
    if request.method == "POST" and form.is_valid():
        try:
            records.participant_save(
                project=project, role=key, user=portal_user(request), data=form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return _saved(request, _("已保存“%(role)s”") % {"role": key.label}, project)
    own_name = (
        project.construction_unit if key == ParticipantRole.CONSTRUCTION else project.contractor
    )
    return _form_page(
        request,
        form,
        title=str(key.label),
        project=project,
        own_name=own_name if named_on_project else None,
    )


@login_required
def approval_create(request: HttpRequest, pk: int) -> HttpResponse:
    project = _writable_project_or_404(request, pk)
    form = records.ApprovalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            records.approval_add(
                project=project, user=portal_user(request), data=form.service_data()
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return _saved(request, _("已登记审批或接入事项"), project)
    return _form_page(request, form, title=_("登记审批和市政接入"), project=project)


@login_required
def coordinated_plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    project = _writable_project_or_404(request, pk)
    current = CoordinatedConstructionPlan.objects.filter(project=project).first()
    form = records.CoordinatedPlanForm(
        request.POST or None,
        request.FILES or None,
        initial={"note": current.note if current else ""},
    )
    if request.method == "POST" and form.is_valid():
        try:
            records.coordinated_plan_save(
                project=project,
                user=portal_user(request),
                document=form.cleaned_data.get("document") or None,
                note=form.cleaned_data.get("note") or "",
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return _saved(request, _("已保存统筹施工方案"), project)
    return _form_page(
        request, form, title=_("统筹施工方案"), project=project, multipart=True, current=current
    )


@login_required
def coordinated_plan_document(request: HttpRequest, pk: int) -> FileResponse:
    project = _project_or_404(request, pk)
    plan = get_object_or_404(CoordinatedConstructionPlan, project=project)
    return stored_file_response(request, plan.document, f"{project.name}-统筹施工方案")


@login_required
def acceptance_edit(request: HttpRequest, pk: int) -> HttpResponse:
    project = _writable_project_or_404(request, pk)
    current = AcceptanceRecord.objects.filter(project=project).first()
    form = records.AcceptanceForm(
        request.POST or None,
        request.FILES or None,
        instance=current,
        initial={"accepted_on": project.accepted_on},
    )
    if request.method == "POST" and form.is_valid():
        try:
            records.acceptance_save(
                project=project,
                user=portal_user(request),
                accepted_on=form.cleaned_data["accepted_on"],
                data=form.service_data(),
                document=form.cleaned_data.get("document") or None,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return _saved(request, _("已保存验收移交记录"), project)
    return _form_page(
        request, form, title=_("验收移交"), project=project, multipart=True, current=current
    )


@login_required
def acceptance_document(request: HttpRequest, pk: int) -> FileResponse:
    project = _project_or_404(request, pk)
    record = get_object_or_404(AcceptanceRecord, project=project)
    return stored_file_response(request, record.document, f"{project.name}-验收移交文件")


@require_POST
@login_required
def contact_point_set(request: HttpRequest, pk: int) -> HttpResponse:
    """The city office marks or unmarks a provincial contact-point project."""
    project = _project_or_404(request, pk)
    user = portal_user(request)
    permissions.require_city_office(user, _("省级联系点由市老旧办设定"))
    value = request.POST.get("value") == "1"
    records.project_contact_point_set(project=project, user=user, value=value)
    messages.success(request, _("已设为省级联系点") if value else _("已取消省级联系点"))
    return redirect("project_detail", pk=project.pk)


@login_required
def funds(request: HttpRequest) -> HttpResponse:
    """Funds in place by unit and source: every unit and the city for the city office, the unit's
    own for its clerk and leader."""
    user = portal_user(request)
    plan_year = plan_year_for(request)
    scope = permissions.unit_scope(user)
    units = list(Unit.objects.all() if scope is None else Unit.objects.filter(id=scope))
    rows, city = records.funds_by_unit(plan_year=plan_year, units=units)
    return render(
        request,
        "projects/funds.html",
        {"plan_year": plan_year, "rows": rows, "city": city, "show_city": scope is None},
    )


urlpatterns: list[URLPattern] = [
    path("funds/", funds, name="funds"),
    path("projects/<int:pk>/records/", project_records, name="project_records"),
    path("projects/<int:pk>/funds/new/", fund_receipt_create, name="fund_receipt_create"),
    path("fund-receipts/<int:pk>/delete/", fund_receipt_delete, name="fund_receipt_delete"),
    path("projects/<int:pk>/participants/<str:role>/", participant_edit, name="participant_edit"),
    path("projects/<int:pk>/approvals/new/", approval_create, name="approval_create"),
    path(
        "projects/<int:pk>/coordinated-plan/", coordinated_plan_edit, name="coordinated_plan_edit"
    ),
    path(
        "projects/<int:pk>/coordinated-plan/document/",
        coordinated_plan_document,
        name="coordinated_plan_document",
    ),
    path("projects/<int:pk>/acceptance/", acceptance_edit, name="acceptance_edit"),
    path("projects/<int:pk>/acceptance/document/", acceptance_document, name="acceptance_document"),
    path("projects/<int:pk>/contact-point/", contact_point_set, name="contact_point_set"),
]
