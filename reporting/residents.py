"""The full export of residents' names and phones: an explicit action of the city office only,
with a stated reason, kept in the personal-data audit and logged (never the names themselves)."""

import logging
from urllib.parse import quote

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from tablib import Dataset

from projects import permissions, services
from projects.models import Household, PersonalDataAccess, Unit, User
from projects.xlsx import SafeXLSX

logger = logging.getLogger("zmd.personal_data")
HEADERS = (
    "区县", "小区名称", "楼栋", "单元", "房号", "户主姓名", "联系电话", "改造方案意见",
    "物业管理模式意见", "表态日期",
)  # fmt: skip


class ResidentsExportForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("区县"), queryset=Unit.objects.all())
    reason = forms.CharField(label=_("导出事由"), max_length=200)
    confirm = forms.BooleanField(
        label=_("我确认导出的住户姓名和电话仅用于上述事由，不外传"), required=True
    )


def _city_only(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    permissions.require_city_office(user, _("只有市老旧办可以导出住户完整信息"))
    return user


@never_cache
@login_required
def residents_export(request: HttpRequest) -> HttpResponse:
    """GET: the form (unit, reason, confirmation). POST: the unit's residents in full as xlsx."""
    user = _city_only(request)
    form = ResidentsExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        unit: Unit = form.cleaned_data["unit"]
        households = list(
            Household.objects.filter(project__unit=unit)
            .select_related("project")
            .order_by("project__name", "building", "entrance", "room")
        )
        services.personal_data_access_record(
            user=user,
            action=PersonalDataAccess.Action.EXPORT,
            unit=unit,
            households=len(households),
            reason=form.cleaned_data["reason"],
        )
        logger.info(
            "personal_data_export",
            extra={"user_id": user.pk, "unit_id": unit.pk, "households": len(households)},
        )
        dataset = Dataset(headers=list(HEADERS), title="住户信息")
        for h in households:
            dataset.append(
                [
                    unit.name,
                    h.project.name,
                    h.building,
                    h.entrance,
                    h.room,
                    h.head_name,
                    h.phone,
                    str(h.get_plan_opinion_display()),
                    str(h.get_management_opinion_display()),
                    h.answered_on,
                ]
            )
        response = HttpResponse(SafeXLSX().export_data(dataset), content_type=SafeXLSX.CONTENT_TYPE)
        filename = quote(f"{unit.name}住户信息.xlsx")
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
        return response
    recent = PersonalDataAccess.objects.select_related("user", "unit").order_by("-at")[:50]
    return render(request, "reporting/residents_export.html", {"form": form, "recent": recent})
