"""Pages of work information (工作信息): the list (the unit's own items; every unit's with counts per
unit for the city office), a new item, one item with its photos, and the city office's adoption."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from projects import permissions
from projects.models import Project, Unit
from projects.uploads import stored_file_response
from projects.view_helpers import apply_errors, plan_year_for, portal_user

from ..forms.work_info import WorkInfoForm
from ..models import WorkInfoPhoto
from ..selectors import work_info as selectors
from ..services import work_info as services

PAGE_SIZE = 25


@login_required
def work_info_list(request: HttpRequest) -> HttpResponse:
    """The plan year's items the user may read, newest first, 25 to a page; for the city office the
    counts per unit on top."""
    user = portal_user(request)
    plan_year = plan_year_for(request)
    scope = permissions.unit_scope(user)
    items = selectors.work_info_visible(user=user).filter(plan_year=plan_year)
    unit_id = request.GET.get("unit") if scope is None else None
    if unit_id and unit_id.isdigit():
        items = items.filter(unit_id=int(unit_id))
    page = Paginator(items.prefetch_related("photos"), PAGE_SIZE).get_page(request.GET.get("page"))
    units = list(Unit.objects.all() if scope is None else Unit.objects.filter(id=scope))
    return render(
        request,
        "paperwork/work_info_list.html",
        {
            "plan_year": plan_year,
            "page": page,
            "counts": selectors.work_info_counts(plan_year=plan_year, units=units),
            "show_unit": scope is None,
            "may_submit": user.unit_id is not None
            and permissions.may_change_unit(user, user.unit_id),
            "may_adopt": permissions.is_city_office(user),
            "query": f"unit={unit_id}" if unit_id and unit_id.isdigit() else "",
        },
    )


@login_required
def work_info_create(request: HttpRequest) -> HttpResponse:
    user = portal_user(request)
    if user.unit is None or not permissions.may_change_unit(user, user.unit.id):
        raise PermissionDenied(_("只有区县填报员和审核人可以报送本区县的工作信息"))
    plan_year = plan_year_for(request)
    projects = Project.objects.filter(plan_year=plan_year, unit=user.unit).order_by("name")
    form = WorkInfoForm(request.POST or None, request.FILES or None, projects=projects)
    if request.method == "POST" and form.is_valid():
        try:
            item = services.work_info_submit(
                plan_year=plan_year,
                unit=user.unit,
                user=user,
                data=form.cleaned_data,
                photos=form.photos(),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已报送工作信息"))
            return redirect("paperwork:work_info_detail", pk=item.pk)
    return render(request, "paperwork/work_info_form.html", {"form": form})


@login_required
def work_info_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = portal_user(request)
    item = get_object_or_404(selectors.work_info_visible(user=user), pk=pk)
    return render(
        request,
        "paperwork/work_info_detail.html",
        {
            "item": item,
            "photos": list(item.photos.all()),
            "may_adopt": permissions.is_city_office(user),
        },
    )


@login_required
def work_info_photo(request: HttpRequest, pk: int) -> FileResponse:
    user = portal_user(request)
    photo = get_object_or_404(
        WorkInfoPhoto.objects.filter(item__in=selectors.work_info_visible(user=user)), pk=pk
    )
    return stored_file_response(request, photo.image, f"{photo.item.title}-{photo.pk}")


@require_POST
@login_required
def work_info_adopt(request: HttpRequest, pk: int) -> HttpResponse:
    user = portal_user(request)
    item = get_object_or_404(selectors.work_info_visible(user=user), pk=pk)
    adopted = request.POST.get("adopted") == "1"
    services.work_info_adopt(item=item, user=user, adopted=adopted)
    messages.success(request, _("已采用") if adopted else _("已取消采用"))
    return redirect("paperwork:work_info_detail", pk=item.pk)


urlpatterns: list[URLPattern] = [
    path("work-info/", work_info_list, name="work_info_list"),
    path("work-info/new/", work_info_create, name="work_info_create"),
    path("work-info/<int:pk>/", work_info_detail, name="work_info_detail"),
    path("work-info/photos/<int:pk>/", work_info_photo, name="work_info_photo"),
    path("work-info/<int:pk>/adopt/", work_info_adopt, name="work_info_adopt"),
]
