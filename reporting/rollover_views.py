"""The year rollover page of the city office (/city/plan-years/<year>/rollover/): the preview of
what carrying the previous year's unfinished projects into the draft year ``year`` would do, per
unit (the projects, their households, the carry-over targets proposed), and its confirmation.
The city office and administrators read it; only the city office confirms (the projects created
are the units' data). The write is projects.services.plan_year_rollover.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from projects import permissions, selectors, services
from projects.models import PlanYear
from projects.view_helpers import error_messages, portal_user


class RolloverConfirmForm(forms.Form):
    """The confirmation: the number of projects the preview listed (a changed number means the
    records changed since, and the preview is shown again) and the box saying it was checked."""

    projects = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    checked = forms.BooleanField(
        label=gettext_lazy("已核对以上待转入项目和续建目标"),
        error_messages={"required": gettext_lazy("请勾选确认已核对待转入项目")},
    )


@login_required
def plan_year_rollover(request: HttpRequest, year: int) -> HttpResponse:
    """Preview (GET) and confirm (POST) carrying year ``year - 1``'s unfinished projects into
    the draft year ``year``."""
    user = portal_user(request)
    if not permissions.may_set_targets(user):
        raise PermissionDenied(_("只有市老旧办和系统管理员可以查看年度续建转入"))
    target = PlanYear.objects.filter(year=year).first()
    if target is None:
        raise Http404(_("没有%(year)s年度计划") % {"year": year})
    source = PlanYear.objects.filter(year=year - 1).first()
    may_confirm = permissions.may_decide(user)
    form = RolloverConfirmForm(request.POST or None)
    if request.method == "POST":
        if not may_confirm:
            raise PermissionDenied(_("只有市老旧办可以确认转入续建项目"))
        if source is None:
            raise Http404(_("没有%(year)s年度计划") % {"year": year - 1})
        if form.is_valid():
            try:
                result = services.plan_year_rollover(
                    source=source,
                    target=target,
                    user=user,
                    expected_projects=form.cleaned_data["projects"],
                )
            except ValidationError as error:
                error_messages(request, error)
            else:
                messages.success(
                    request,
                    _(
                        "已将%(source)s年度 %(projects)d 个未完工项目（%(households)d 户）转入%(target)s年度续建"
                    )
                    % {
                        "source": source.year,
                        "target": target.year,
                        "projects": len(result.created),
                        "households": sum(p.households for p in result.created),
                    },
                )
                return redirect("reporting:plan_year_rollover", year=target.year)
    preview = None
    if source is not None:
        preview = selectors.rollover_preview(source=source, target=target)
        if request.method != "POST":
            form = RolloverConfirmForm(initial={"projects": preview.projects})
    return render(
        request,
        "reporting/plan_year_rollover.html",
        {
            "target": target,
            "source": source,
            "preview": preview,
            "form": form,
            "may_confirm": may_confirm
            and preview is not None
            and not preview.problems
            and preview.projects > 0,
        },
    )
