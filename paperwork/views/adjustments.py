"""Pages of plan adjustments (计划调整): the list, a draft's form, the page with the original plan
beside the adjusted one, the unit's submission, the city office's decision, and the two scans.

Every adjustment is looked up through the user's scope (adjustments_visible), so
another unit's adjustment is a 404 whatever id the URL names; the unit's clerk or leader writes its
drafts, only the city office decides (403 for anyone else).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from projects import permissions
from projects import selectors as facts
from projects.models import PlanYear
from projects.uploads import stored_file_response
from projects.view_helpers import apply_errors, error_messages, plan_year_for, portal_user

from ..forms.adjustments import AdjustmentForm, CommunityFormSet, ReturnForm, adjustment_input
from ..models import AdjustmentState, PlanAdjustment
from ..selectors import adjustments as selectors
from ..services import adjustments as services


def _adjustment_or_404(request: HttpRequest, pk: int) -> PlanAdjustment:
    return get_object_or_404(selectors.adjustments_visible(user=portal_user(request)), pk=pk)


def _writable_or_404(request: HttpRequest, pk: int) -> PlanAdjustment:
    adjustment = _adjustment_or_404(request, pk)
    if not permissions.may_change_unit(portal_user(request), adjustment.unit_id):
        raise PermissionDenied(_("只有本区县的填报员和审核人可以填报本区县的计划调整"))
    return adjustment


def _report(request: HttpRequest, error: Exception) -> None:
    if isinstance(error, ValidationError):
        error_messages(request, error)
    else:
        messages.error(request, str(error))


@login_required
def adjustment_list(request: HttpRequest) -> HttpResponse:
    """The unit's own adjustments, or every unit's for the city office, newest first."""
    user = portal_user(request)
    visible = selectors.adjustments_visible(user=user).annotate(
        added_count=Count("added", distinct=True), removed_count=Count("removed", distinct=True)
    )
    # Once submitted, the projects swapped out are counted from the copy of the plan (accepted,
    # they no longer exist).
    rows = [
        (
            adjustment,
            adjustment.removed_count
            if adjustment.state == AdjustmentState.DRAFT
            else sum(1 for row in adjustment.original_projects if row.get("removed")),
        )
        for adjustment in visible
    ]
    return render(
        request,
        "paperwork/adjustment_list.html",
        {
            "rows": rows,
            "may_create": user.unit_id is not None
            and permissions.may_change_unit(user, user.unit_id),
            "plan_year": plan_year_for(request),
        },
    )


def _form_page(
    request: HttpRequest, *, plan_year: PlanYear, adjustment: PlanAdjustment | None
) -> HttpResponse:
    """The draft's form, new or existing; saving returns to the adjustment's page."""
    user = portal_user(request)
    unit = adjustment.unit if adjustment is not None else user.unit
    assert unit is not None
    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    form = AdjustmentForm(
        data,
        files,
        plan_year=plan_year,
        unit=unit,
        initial=AdjustmentForm.initial_for(adjustment) if adjustment is not None else None,
    )
    formset = CommunityFormSet(
        data,
        prefix="added",
        initial=CommunityFormSet.initial_for(adjustment) if adjustment is not None else None,
    )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        given = adjustment_input(form, formset)
        try:
            if adjustment is None:
                saved = services.adjustment_create(
                    plan_year=plan_year, unit=unit, user=user, data=given
                )
            else:
                saved = services.adjustment_update(adjustment=adjustment, user=user, data=given)
        except ValidationError as error:
            apply_errors(form, error)
        except services.AdjustmentConflict as conflict:
            messages.error(request, str(conflict))
            assert adjustment is not None
            return redirect("paperwork:adjustment_detail", pk=adjustment.pk)
        else:
            messages.success(request, _("已保存计划调整草稿"))
            return redirect("paperwork:adjustment_detail", pk=saved.pk)
    return render(
        request,
        "paperwork/adjustment_form.html",
        {
            "form": form,
            "formset": formset,
            "adjustment": adjustment,
            "plan_year": plan_year,
            "unit": unit,
            "title": _("编辑计划调整") if adjustment is not None else _("新建计划调整"),
        },
    )


@login_required
def adjustment_create(request: HttpRequest) -> HttpResponse:
    """A new draft of the clerk's or leader's own unit (the unit is never taken from the form)."""
    user = portal_user(request)
    if user.unit_id is None or not permissions.may_change_unit(user, user.unit_id):
        raise PermissionDenied(_("只有区县填报员和审核人可以提出计划调整"))
    return _form_page(request, plan_year=plan_year_for(request), adjustment=None)


@login_required
def adjustment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a draft; a submitted adjustment is no longer the unit's to change."""
    adjustment = _writable_or_404(request, pk)
    if adjustment.state != AdjustmentState.DRAFT:
        messages.info(request, _("计划调整已报送，不能再修改"))
        return redirect("paperwork:adjustment_detail", pk=adjustment.pk)
    return _form_page(request, plan_year=adjustment.plan_year, adjustment=adjustment)


@login_required
def adjustment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The original plan beside the adjusted one, the five totals before and after, what stops a
    draft's submission today, the documents, and the actions the user's role allows."""
    user = portal_user(request)
    adjustment = _adjustment_or_404(request, pk)
    page = selectors.adjustment_page(adjustment, today=facts.today_local())
    may_write = permissions.may_change_unit(user, adjustment.unit_id)
    is_city = permissions.is_city_office(user)
    pending = adjustment.state == AdjustmentState.SUBMITTED
    return render(
        request,
        "paperwork/adjustment_detail.html",
        {
            "adjustment": adjustment,
            "page": page,
            "may_edit": may_write and adjustment.state == AdjustmentState.DRAFT,
            "may_decide": is_city and pending,
            "return_form": ReturnForm() if is_city and pending else None,
        },
    )


@require_POST
@login_required
def adjustment_submit(request: HttpRequest, pk: int) -> HttpResponse:
    """The unit submits its draft today; a refusal names every reason on the adjustment's page."""
    adjustment = _writable_or_404(request, pk)
    try:
        services.adjustment_submit(
            adjustment=adjustment, user=portal_user(request), today=facts.today_local()
        )
    except (ValidationError, services.AdjustmentConflict) as error:
        messages.error(request, _("计划调整未能报送："))
        _report(request, error)
    else:
        messages.success(request, _("已报送计划调整，等待市老旧办审核"))
    return redirect("paperwork:adjustment_detail", pk=adjustment.pk)


@require_POST
@login_required
def adjustment_accept(request: HttpRequest, pk: int) -> HttpResponse:
    """The city office accepts: the unit's plan changes at once."""
    adjustment = _adjustment_or_404(request, pk)
    try:
        services.adjustment_accept(adjustment=adjustment, user=portal_user(request))
    except (ValidationError, services.AdjustmentConflict) as error:
        _report(request, error)
    else:
        messages.success(request, _("已同意计划调整，项目计划已更新"))
    return redirect("paperwork:adjustment_detail", pk=adjustment.pk)


@require_POST
@login_required
def adjustment_return(request: HttpRequest, pk: int) -> HttpResponse:
    """The city office returns the adjustment with a reason."""
    adjustment = _adjustment_or_404(request, pk)
    try:
        services.adjustment_return(
            adjustment=adjustment, reason=request.POST.get("reason", ""), user=portal_user(request)
        )
    except (ValidationError, services.AdjustmentConflict) as error:
        _report(request, error)
    else:
        messages.success(request, _("已退回计划调整"))
    return redirect("paperwork:adjustment_detail", pk=adjustment.pk)


SCANS = {
    "county_consent_scan": "县级政府同意文件",
    "joint_document_scan": "联合文件",
}


def _scan(request: HttpRequest, pk: int, field: str) -> FileResponse:
    """A document scan, only to users who may read the adjustment, typed by its content."""
    adjustment = _adjustment_or_404(request, pk)
    scan = getattr(adjustment, field)
    return stored_file_response(
        request, scan, f"{adjustment.unit.name}-计划调整{adjustment.pk}-{SCANS[field]}"
    )


@login_required
def adjustment_consent_scan(request: HttpRequest, pk: int) -> FileResponse:
    """The county government's consent, scanned."""
    return _scan(request, pk, "county_consent_scan")


@login_required
def adjustment_joint_scan(request: HttpRequest, pk: int) -> FileResponse:
    """The joint document of the renovation, development-and-reform and finance departments."""
    return _scan(request, pk, "joint_document_scan")


urlpatterns = [
    path("adjustments/", adjustment_list, name="adjustment_list"),
    path("adjustments/new/", adjustment_create, name="adjustment_create"),
    path("adjustments/<int:pk>/", adjustment_detail, name="adjustment_detail"),
    path("adjustments/<int:pk>/edit/", adjustment_edit, name="adjustment_edit"),
    path("adjustments/<int:pk>/submit/", adjustment_submit, name="adjustment_submit"),
    path("adjustments/<int:pk>/accept/", adjustment_accept, name="adjustment_accept"),
    path("adjustments/<int:pk>/return/", adjustment_return, name="adjustment_return"),
    path(
        "adjustments/<int:pk>/consent-scan/",
        adjustment_consent_scan,
        name="adjustment_consent_scan",
    ),
    path("adjustments/<int:pk>/joint-scan/", adjustment_joint_scan, name="adjustment_joint_scan"),
]
