"""The full export of residents' names and phones: an explicit action of the city office only,
with a stated reason, kept in the personal-data audit and logged (never the names themselves).
The file is made in a background job (reporting.jobs) and downloaded from the job's page."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from projects import permissions
from projects.jobs import job_start
from projects.models import PersonalDataAccess, Unit, User


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
    """GET: the form (unit, reason, confirmation). POST: the unit's residents in full, made in a
    background job (reporting.jobs.residents_file) whose page offers the file to this user only."""
    user = _city_only(request)
    form = ResidentsExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        unit: Unit = form.cleaned_data["unit"]
        job = job_start(
            kind="residents_export",
            user=user,
            unit=unit,
            params={"reason": form.cleaned_data["reason"]},
        )
        return redirect("job_detail", pk=job.pk)
    recent = PersonalDataAccess.objects.select_related("user", "unit").order_by("-at")[:50]
    return render(request, "reporting/residents_export.html", {"form": form, "recent": recent})
