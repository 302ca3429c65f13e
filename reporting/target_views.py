"""Target maintenance pages of the city office: the targets of every unit with the unallocated
remainders and the recent changes, a unit's targets, and naming the unit of an unassigned
carry-over figure. Only the city office and administrators (403 for the units' clerks and leaders);
the writes go through the services of reporting.targets.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from projects import permissions, selectors
from projects.models import UnassignedCarryover, Unit, UnitTarget, User
from projects.view_helpers import apply_errors, plan_year_for

from . import targets
from .targets import CarryoverAssignForm, TrialMonthsForm, UnitTargetForm


def _target_setter(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    if not permissions.may_set_targets(user):
        raise PermissionDenied(_("只有市老旧办和系统管理员可以维护目标"))
    return user


@login_required
def target_list(request: HttpRequest) -> HttpResponse:
    """Every unit's targets ("—" where unknown), what the city totals leave unallocated, the
    carry-over figures whose unit is not named yet, and the recent changes with who, when and why.
    A fixed number of queries whatever the length of the history."""
    _target_setter(request)
    plan_year = plan_year_for(request)
    assigned = UnassignedCarryover.objects.filter(
        plan_year=plan_year, assigned_unit__isnull=False
    ).select_related("assigned_unit", "assigned_by")
    unassigned = targets.unassigned_carryover_open(plan_year=plan_year)
    return render(
        request,
        "reporting/targets.html",
        {
            "plan_year": plan_year,
            "rows": selectors.unit_targets(plan_year=plan_year),
            "check": selectors.target_reconciliation(plan_year=plan_year),
            "unassigned": unassigned,
            "unassigned_total": sum(item.households for item in unassigned),
            "assigned": list(assigned),
            "changes": targets.target_changes(plan_year=plan_year),
        },
    )


@login_required
def target_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Fill in or correct one unit's targets, with a reason; refused when the rule objects."""
    user = _target_setter(request)
    unit = get_object_or_404(Unit, pk=pk)
    plan_year = plan_year_for(request)
    current = UnitTarget.objects.filter(plan_year=plan_year, unit=unit).first()
    initial: dict[str, Any] = {}
    if current is not None:
        initial = {name: getattr(current, name) for name in targets.TARGET_FIELDS}
        initial["completions_reason"] = current.completions_reason
    form = UnitTargetForm(
        request.POST or None, initial=initial, completion_percent=plan_year.completion_percent
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = targets.unit_target_set(
                plan_year=plan_year,
                unit=unit,
                new_starts=data["new_starts"],
                completions=data["completions"],
                carryover=data["carryover"],
                reason=data["reason"],
                user=user,
                completions_reason=data["completions_reason"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已保存%(unit)s的目标") % {"unit": unit.name})
            if data["completions"] is None and saved.completions is not None:
                messages.info(
                    request,
                    _("完成改造目标按新开工目标的 %(percent)s%% 四舍五入自动填写为 %(n)s 户")
                    % {"percent": plan_year.completion_percent, "n": saved.completions},
                )
            return redirect("reporting:targets")
    return render(
        request,
        "reporting/target_form.html",
        {"form": form, "unit": unit, "plan_year": plan_year, "current": current},
    )


@login_required
def carryover_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Name the unit of a carry-over figure the source left without one, with a reason."""
    user = _target_setter(request)
    item = get_object_or_404(
        UnassignedCarryover.objects.select_related("plan_year", "assigned_unit"), pk=pk
    )
    if item.assigned_unit is not None:
        messages.info(
            request,
            _("该续建目标 %(n)s 户已指定给%(unit)s")
            % {"n": item.households, "unit": item.assigned_unit.name},
        )
        return redirect("reporting:targets")
    carryover = {
        unit.pk: unit_targets.carryover
        for unit, unit_targets in selectors.unit_targets(plan_year=item.plan_year)
    }
    form = CarryoverAssignForm(request.POST or None, carryover=carryover)
    if request.method == "POST" and form.is_valid():
        unit = form.cleaned_data["unit"]
        try:
            saved = targets.carryover_assign(
                item=item, unit=unit, reason=form.cleaned_data["reason"], user=user
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                _("已将续建目标 %(n)s 户指定给%(unit)s，其续建目标现为 %(total)s 户")
                % {"n": item.households, "unit": unit.name, "total": saved.carryover},
            )
            return redirect("reporting:targets")
    return render(
        request,
        "reporting/carryover_assign.html",
        {"form": form, "item": item, "plan_year": item.plan_year},
    )


@login_required
def trial_months(request: HttpRequest) -> HttpResponse:
    """Mark the plan year's trial months (试填报), with a reason kept in its history."""
    user = _target_setter(request)
    plan_year = plan_year_for(request)
    form = TrialMonthsForm(request.POST or None, initial={"months": plan_year.trial_months})
    if request.method == "POST" and form.is_valid():
        try:
            targets.plan_year_trial_months_set(
                plan_year=plan_year,
                months=form.cleaned_data["months"],
                reason=form.cleaned_data["reason"],
                user=user,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已保存试填报月份"))
            return redirect("reporting:targets")
    return render(request, "reporting/trial_months.html", {"form": form, "plan_year": plan_year})
