"""Pages of the implementation plans (年度工作实施方案) and the communities' renovation plans (改造方案).

Units and projects are looked up through the user's scope, so another unit's are a 404 whatever id
the URL names; writing needs the clerk or leader role of the unit (403 for the city office, who
reads every unit's).
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _

from projects import permissions
from projects import selectors as facts
from projects.choices import ProjectKind
from projects.models import Project, Unit
from projects.rules.records import STRONG_WISH_PERCENT
from projects.uploads import stored_file_response
from projects.view_helpers import apply_errors, error_messages, plan_year_for, portal_user

from ..forms.plans import ImplementationPlanForm, RenovationPlanForm
from ..forms.wishes import FACILITY_SUGGESTIONS, ResidentWishForm
from ..models import ResidentWish
from ..selectors import plans as selectors
from ..selectors.wishes import wish_rows, wishes_warning
from ..services import plans as services
from ..services.wishes import resident_wish_add, resident_wish_delete, resident_wish_update


def _unit_or_404(request: HttpRequest, unit_id: int) -> Unit:
    scope = permissions.unit_scope(portal_user(request))
    units = Unit.objects.all() if scope is None else Unit.objects.filter(id=scope)
    return get_object_or_404(units, pk=unit_id)


def _project_or_404(request: HttpRequest, pk: int) -> Project:
    return get_object_or_404(facts.projects_visible(user=portal_user(request)), pk=pk)


def _scan_response(request: HttpRequest, scan: FieldFile, name: str) -> FileResponse:
    """A stored scan typed by its content (never by its name), not cached by the browser."""
    return stored_file_response(request, scan, name)


# --- implementation plans -----------------------------------------------------------------------


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    """A unit's implementation plan (status and upload) and its renovation plans; for the city
    office every unit's row."""
    user = portal_user(request)
    plan_year = plan_year_for(request)
    today = facts.today_local()
    scope = permissions.unit_scope(user)
    if scope is None:
        if request.method == "POST":
            raise PermissionDenied(_("只有本区县的填报员和审核人可以报送实施方案"))
        every = selectors.implementation_plan_rows(plan_year=plan_year, today=today)
        # ?unit=<id> shows one unit's row (the 待办's link for a unit overdue); unknown: all rows.
        chosen = next((r.unit for r in every if str(r.unit.pk) == request.GET.get("unit")), None)
        return render(
            request,
            "paperwork/plans_city.html",
            {
                "plan_year": plan_year,
                "today": today,
                "rows": [r for r in every if r.unit == chosen] if chosen else every,
                "chosen": chosen,
            },
        )
    unit = user.unit
    if unit is None:
        raise PermissionDenied(_("账号未指定所属区县"))
    plan = selectors.implementation_plan_get(plan_year=plan_year, unit=unit)
    may_write = permissions.may_change_unit(user, unit.id)
    initial: dict[str, Any] = {}
    if plan is not None:
        initial.update(safeguards=plan.safeguards, note=plan.note, document_date=plan.document_date)
    form = ImplementationPlanForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        has_document=bool(plan and plan.document),
    )
    if request.method == "POST":
        if not may_write:
            raise PermissionDenied(_("只有本区县的填报员和审核人可以报送实施方案"))
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.implementation_plan_submit(
                    plan_year=plan_year,
                    unit=unit,
                    user=user,
                    document_date=data["document_date"],
                    safeguards=data["safeguards"],
                    document=data.get("document") or None,
                    note=data.get("note") or "",
                    today=today,
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("已报送年度工作实施方案"))
                return redirect("paperwork:plans")
    rows, counts = selectors.renovation_plan_rows(plan_year=plan_year, unit=unit, today=today)
    return render(
        request,
        "paperwork/plans_unit.html",
        {
            "plan_year": plan_year,
            "today": today,
            "unit": unit,
            "plan": plan,
            "status": selectors.document_status(
                submitted_on=plan.submitted_on if plan else None,
                due=plan_year.implementation_plan_due,
                today=today,
            ),
            "form": form,
            "may_write": may_write,
            "renovation_rows": rows,
            "counts": counts,
        },
    )


@login_required
def plan_table(request: HttpRequest, unit_id: int) -> HttpResponse:
    """The unit's implementation-plan project table, generated from its project records, with the
    projects that leave a column empty flagged."""
    unit = _unit_or_404(request, unit_id)
    plan_year = plan_year_for(request)
    table = selectors.plan_table(plan_year=plan_year, unit=unit)
    return render(
        request,
        "paperwork/plans_table.html",
        {
            "table": table,
            "unit": unit,
            "plan_year": plan_year,
            "status": selectors.document_status(
                submitted_on=table.plan.submitted_on if table.plan else None,
                due=plan_year.implementation_plan_due,
                today=facts.today_local(),
            ),
            "may_write": permissions.may_change_unit(portal_user(request), unit.id),
        },
    )


@login_required
def plan_document(request: HttpRequest, unit_id: int) -> FileResponse:
    """The unit's signed implementation plan, only to users who may see the unit."""
    unit = _unit_or_404(request, unit_id)
    plan = selectors.implementation_plan_get(plan_year=plan_year_for(request), unit=unit)
    if plan is None:
        raise Http404
    return _scan_response(
        request, plan.document, f"{unit.name}-{plan.plan_year.year}年度工作实施方案"
    )


# --- renovation plans ---------------------------------------------------------------------------


@login_required
def renovation_plan(request: HttpRequest, pk: int) -> HttpResponse:
    """A community's renovation plan: the survey, the hazards and contents and the management mode
    (from the project), the residents' consultation, and the final mark (定稿) that 应改尽改 guards."""
    project = _project_or_404(request, pk)
    user = portal_user(request)
    may_write = permissions.may_change_unit(user, project.unit_id)
    plan = selectors.renovation_plan_of(project)
    form = RenovationPlanForm(
        request.POST if "save" in request.POST else None,
        request.FILES if "save" in request.POST else None,
        initial={
            "survey_summary": plan.survey_summary if plan else "",
            "consultation_on": plan.consultation_on if plan else None,
        },
    )
    if request.method == "POST":
        if not may_write:
            raise PermissionDenied(_("只有本区县的填报员和审核人可以修改改造方案"))
        try:
            if "finalize" in request.POST:
                services.renovation_plan_finalize(project=project, user=user)
                messages.success(request, _("改造方案已定稿"))
                return redirect("paperwork:renovation_plan", pk=project.pk)
            if "reopen" in request.POST:
                services.renovation_plan_reopen(project=project, user=user)
                messages.success(request, _("已撤销定稿，可修改改造方案"))
                return redirect("paperwork:renovation_plan", pk=project.pk)
            if form.is_valid():
                data = form.cleaned_data
                services.renovation_plan_save(
                    project=project,
                    user=user,
                    survey_summary=data.get("survey_summary") or "",
                    consultation_on=data.get("consultation_on"),
                    consultation_record=data.get("consultation_record") or None,
                )
                messages.success(request, _("已保存改造方案"))
                return redirect("paperwork:renovation_plan", pk=project.pk)
        except ValidationError as error:
            if "save" in request.POST:
                apply_errors(form, error)
            else:
                error_messages(request, error)
                return redirect("paperwork:renovation_plan", pk=project.pk)
    missing = selectors.project_missing_pipelines(project)
    applies = project.kind == ProjectKind.NEW
    listed = wish_rows(project)
    return render(
        request,
        "paperwork/renovation_plan.html",
        {
            "project": project,
            "plan": plan,
            "form": form,
            "may_write": may_write,
            "missing": missing,
            "missing_message": selectors.pipeline_message(missing) if missing else "",
            "deadline_applies": applies,
            "status": selectors.renovation_status(
                plan=plan, due=project.plan_year.renovation_plans_due, today=facts.today_local()
            ),
            "wish_rows": listed,
            "wish_warning": wishes_warning(project, listed),
            "wish_form": ResidentWishForm(submit=_("登记")),
            "strong_percent": STRONG_WISH_PERCENT,
            "facility_suggestions": FACILITY_SUGGESTIONS,
        },
    )


@login_required
def renovation_record(request: HttpRequest, pk: int) -> FileResponse:
    """The residents' consultation record of a renovation plan, only to users who may see the
    project."""
    project = _project_or_404(request, pk)
    plan = selectors.renovation_plan_of(project)
    if plan is None:
        raise Http404
    return _scan_response(request, plan.consultation_record, f"{project.name}-征求意见记录")


# --- residents' wishes ----------------------------------------------------------------------------


def _wishes_page(project: Project) -> HttpResponse:
    return redirect(reverse("paperwork:renovation_plan", args=[project.pk]) + "#resident-wishes")


def _writable_wish_or_404(request: HttpRequest, pk: int) -> ResidentWish:
    """A wish of a project the user sees (another unit's is a 404), which the user may write."""
    user = portal_user(request)
    wish = get_object_or_404(
        ResidentWish.objects.filter(
            plan__project__in=facts.projects_visible(user=user)
        ).select_related("plan__project__unit"),
        pk=pk,
    )
    if not permissions.may_change_unit(user, wish.plan.project.unit_id):
        raise PermissionDenied(_("只有本区县的填报员和审核人可以修改居民意愿"))
    return wish


def _final_plan_refusal(request: HttpRequest, wish: ResidentWish) -> HttpResponse | None:
    """A final plan's wishes are not edited: back to the plan page with the reason."""
    if not wish.plan.final:
        return None
    messages.error(request, _("改造方案已定稿，如需修改居民意愿请先撤销定稿"))
    return _wishes_page(wish.plan.project)


def _wish_form_page(
    request: HttpRequest, form: ResidentWishForm, project: Project, title: str
) -> HttpResponse:
    return render(
        request,
        "paperwork/wish_form.html",
        {
            "form": form,
            "project": project,
            "title": title,
            "facility_suggestions": FACILITY_SUGGESTIONS,
        },
    )


@login_required
def wish_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a facility the residents most want (the renovation plan page's form posts here)."""
    project = _project_or_404(request, pk)
    user = portal_user(request)
    if not permissions.may_change_unit(user, project.unit_id):
        raise PermissionDenied(_("只有本区县的填报员和审核人可以修改居民意愿"))
    form = ResidentWishForm(request.POST or None, submit=_("登记"))
    if request.method == "POST" and form.is_valid():
        try:
            resident_wish_add(
                project=project,
                user=user,
                facility=form.cleaned_data["facility"],
                households=form.cleaned_data["households"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已登记居民意愿"))
            return _wishes_page(project)
    return _wish_form_page(request, form, project, _("登记居民意愿"))


@login_required
def wish_edit(request: HttpRequest, pk: int) -> HttpResponse:
    wish = _writable_wish_or_404(request, pk)
    if refused := _final_plan_refusal(request, wish):
        return refused
    project = wish.plan.project
    form = ResidentWishForm(
        request.POST or None, initial={"facility": wish.facility, "households": wish.households}
    )
    if request.method == "POST" and form.is_valid():
        try:
            resident_wish_update(
                wish=wish,
                user=portal_user(request),
                facility=form.cleaned_data["facility"],
                households=form.cleaned_data["households"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已保存居民意愿"))
            return _wishes_page(project)
    return _wish_form_page(request, form, project, _("修改居民意愿"))


@login_required
def wish_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Asks first (a page of its own, no script needed); the POST removes the wish."""
    wish = _writable_wish_or_404(request, pk)
    if refused := _final_plan_refusal(request, wish):
        return refused
    project = wish.plan.project
    if request.method == "POST":
        try:
            resident_wish_delete(wish=wish, user=portal_user(request))
        except ValidationError as error:
            error_messages(request, error)
        else:
            messages.success(
                request, _("已删除居民意愿“%(facility)s”") % {"facility": wish.facility}
            )
        return _wishes_page(project)
    return render(request, "paperwork/wish_confirm_delete.html", {"wish": wish, "project": project})


urlpatterns: list[URLPattern] = [
    path("plans/", plan_list, name="plans"),
    path("plans/<int:unit_id>/", plan_table, name="plan_table"),
    path("plans/<int:unit_id>/document/", plan_document, name="plan_document"),
    path("projects/<int:pk>/renovation-plan/", renovation_plan, name="renovation_plan"),
    path(
        "projects/<int:pk>/renovation-plan/record/",
        renovation_record,
        name="renovation_record",
    ),
    path("projects/<int:pk>/renovation-plan/wishes/new/", wish_create, name="wish_create"),
    path("wishes/<int:pk>/", wish_edit, name="wish_edit"),
    path("wishes/<int:pk>/delete/", wish_delete, name="wish_delete"),
]
