"""The city office's plan-year pages (issue 16) under /city/plan-years/: the list of years, a new
year (its settings and milestones copied from an earlier year if wished), a year's page with its
settings, milestones, targets and record of changes, the drafted year's edit page (settings,
milestone table, unit target table, each saved with its own reason) and the opening. Only the city
office and administrators (403 for the units' clerks and leaders); the writes go through
reporting.plan_years, where the door decides before the service writes.
"""

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from projects import permissions, selectors, services
from projects.choices import PlanYearState
from projects.milestone_names import milestone_name
from projects.models import PlanYear, User
from projects.view_helpers import apply_errors

from . import plan_years
from .plan_year_forms import (
    MilestoneFormSet,
    MilestoneReasonForm,
    PlanYearNewForm,
    PlanYearOpenForm,
    PlanYearSettingsForm,
    UnitTargetTableForm,
)


def _setter(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    if not permissions.may_set_targets(user):
        raise PermissionDenied(_("只有市老旧办和系统管理员可以维护年度计划"))
    return user


def _plan_year(user: User, year: int) -> PlanYear:
    """The plan year ``year`` if the door lets ``user`` see it, else a 404."""
    return get_object_or_404(selectors.plan_years_visible(user=user), year=year)


@login_required
def plan_year_list(request: HttpRequest) -> HttpResponse:
    """Every plan year with its state, city totals, milestones and who opened it: one query."""
    user = _setter(request)
    return render(
        request,
        "reporting/plan_years.html",
        {"years": list(selectors.plan_year_list(user=user))},
    )


def _new_settings(form: PlanYearNewForm) -> services.PlanYearSettings:
    """The new year's settings: the chosen earlier year's, moved on, with the totals entered; else
    the entered totals and deadlines with the plan year's default shares and report due day."""
    data = form.cleaned_data
    totals = {
        "city_new_starts": data["city_new_starts"],
        "city_completions": data["city_completions"],
        "city_carryover": data["city_carryover"],
    }
    source = data["source"]
    if source is not None:
        prefilled = services.plan_year_prefill(year=data["year"], source=source)
        dates = {n: data[n] for n in services.PLAN_YEAR_DATE_FIELDS if data.get(n) is not None}
        return replace(prefilled, **totals, **dates)
    # Nothing copied: the plan year's own defaults for the shares and the report due day.
    blank = PlanYear()
    return services.PlanYearSettings(
        **totals,
        completion_percent=blank.completion_percent,
        consent_percent=blank.consent_percent,
        implementation_plan_due=data["implementation_plan_due"],
        renovation_plans_due=data["renovation_plans_due"],
        adjustment_cutoff=data["adjustment_cutoff"],
        report_due_day=blank.report_due_day,
    )


@login_required
def plan_year_new(request: HttpRequest) -> HttpResponse:
    """Draft a new plan year; by default it copies the latest year's settings and milestones."""
    user = _setter(request)
    years = selectors.plan_years_visible(user=user)
    latest = years.first()
    initial: dict[str, Any] = {"source": latest}
    if latest is not None:
        initial["year"] = latest.year + 1
    form = PlanYearNewForm(request.POST or None, years=years, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan_year = plan_years.plan_year_create(
                year=data["year"],
                settings=_new_settings(form),
                reason=data["reason"],
                user=user,
                source=data["source"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                _("已新建%(year)s年度计划（草拟中），请核对设置、阶段任务和区县目标后开启")
                % {"year": plan_year.year},
            )
            return redirect("reporting:plan_year_edit", year=plan_year.year)
    return render(request, "reporting/plan_year_new.html", {"form": form})


def _milestone_rows(plan_year: PlanYear) -> list[tuple[str, Any]]:
    return [
        (milestone_name(m, completion_percent=plan_year.completion_percent), m)
        for m in plan_year.milestones.all()
    ]


def _rolls_from(plan_year: PlanYear) -> int | None:
    """The year whose unfinished projects a draft may take over as carry-over (续建项目转入,
    reporting.rollover_views), if that year exists and is open."""
    previous = plan_year.year - 1
    opened = PlanYear.objects.filter(year=previous, state=PlanYearState.OPEN).exists()
    return previous if opened else None


@login_required
def plan_year_detail(request: HttpRequest, year: int) -> HttpResponse:
    """A plan year's settings, milestones and targets, what stands in the way of opening it (a
    draft), and the record of its changes with who, when and why."""
    user = _setter(request)
    plan_year = _plan_year(user, year)
    draft = plan_year.state == PlanYearState.DRAFT
    return render(
        request,
        "reporting/plan_year_detail.html",
        {
            "plan_year": plan_year,
            "draft": draft,
            "subsidised": list(plan_year.subsidised_units.all()),
            "milestones": _milestone_rows(plan_year),
            "rows": selectors.unit_targets(plan_year=plan_year),
            "check": selectors.target_reconciliation(plan_year=plan_year),
            "open_problems": services.plan_year_open_problems(plan_year=plan_year) if draft else [],
            "rolls_from": _rolls_from(plan_year) if draft else None,
            "changes": plan_years.plan_year_changes(plan_year=plan_year),
        },
    )


# The edit page's three forms: the name of each one's submit button and its place on the page.
SECTIONS = {"save_settings": "settings", "save_milestones": "milestones", "save_targets": "targets"}


@login_required
def plan_year_edit(request: HttpRequest, year: int) -> HttpResponse:
    """A drafted year's settings, milestone table and unit target table, each saved on its own
    with its reason (an opened year's page says why nothing can be changed here)."""
    user = _setter(request)
    plan_year = _plan_year(user, year)
    if plan_year.state != PlanYearState.DRAFT:
        return render(request, "reporting/plan_year_edit.html", {"plan_year": plan_year})
    section = next((name for name in SECTIONS if name in request.POST), None)
    posted = request.POST if request.method == "POST" and section else None
    settings_form = PlanYearSettingsForm(
        posted if section == "save_settings" else None,
        prefix="settings",
        initial=PlanYearSettingsForm.initial_for(services.plan_year_settings(plan_year=plan_year)),
    )
    formset = MilestoneFormSet(
        posted if section == "save_milestones" else None,
        prefix="ms",
        initial=MilestoneFormSet.initial_for(services.milestones_of(plan_year=plan_year)),
    )
    # Each milestone's name as its data words it, shown in its blank name field.
    for form, (name, _milestone) in zip(formset.forms, _milestone_rows(plan_year), strict=False):
        form.fields["name"].widget.attrs["placeholder"] = name
    milestone_reason = MilestoneReasonForm(
        posted if section == "save_milestones" else None, prefix="milestones"
    )
    rows = selectors.unit_targets(plan_year=plan_year)
    targets_form = UnitTargetTableForm(
        posted if section == "save_targets" else None,
        prefix="targets",
        units=[unit for unit, _targets in rows],
        initial=UnitTargetTableForm.initial_for(rows),
    )
    saved = None
    if section == "save_settings" and settings_form.is_valid():
        saved = _save(
            settings_form,
            lambda: plan_years.plan_year_update(
                plan_year=plan_year,
                settings=settings_form.settings(),
                reason=settings_form.cleaned_data["reason"],
                user=user,
            ),
            _("已保存年度设置"),
        )
    elif section == "save_milestones" and formset.is_valid() and milestone_reason.is_valid():
        saved = _save_milestones(plan_year, formset, milestone_reason, user)
    elif section == "save_targets" and targets_form.is_valid():
        saved = _save(
            targets_form,
            lambda: plan_years.plan_year_targets_set(
                plan_year=plan_year,
                targets=targets_form.targets(),
                reason=targets_form.cleaned_data["reason"],
                user=user,
            ),
            _("已保存区县目标"),
        )
    if saved and section:
        messages.success(request, saved)
        edit = reverse("reporting:plan_year_edit", kwargs={"year": plan_year.year})
        return redirect(f"{edit}#{SECTIONS[section]}")
    return render(
        request,
        "reporting/plan_year_edit.html",
        {
            "plan_year": plan_year,
            "draft": True,
            "rolls_from": _rolls_from(plan_year),
            "section": section,
            "settings_form": settings_form,
            "formset": formset,
            "milestone_reason": milestone_reason,
            "targets_form": targets_form,
            "check": selectors.target_reconciliation(plan_year=plan_year),
            "milestones": _milestone_rows(plan_year),
        },
    )


def _save(form: forms.Form, write: Callable[[], object], done: str) -> str | None:
    """Run the service ``write``: ``done`` when it wrote, else its refusal beside the fields."""
    try:
        write()
    except ValidationError as error:
        apply_errors(form, error)
        return None
    return done


def _save_milestones(
    plan_year: PlanYear, formset: Any, reason_form: MilestoneReasonForm, user: User
) -> str | None:
    """Save the milestone table; each refused row shows its problems beside its fields."""
    kept = formset.kept()
    try:
        plan_years.milestones_set(
            plan_year=plan_year,
            milestones=formset.milestones(),
            reason=reason_form.cleaned_data["reason"],
            user=user,
        )
    except services.MilestonesRefused as refused:
        for problem in refused.problems:
            if problem.row is not None and problem.field in kept[problem.row].fields:
                kept[problem.row].add_error(problem.field, str(problem.message))
            else:
                reason_form.add_error(None, str(problem.message))
        return None
    except ValidationError as error:
        apply_errors(reason_form, error)
        return None
    return _("已保存阶段任务")


@login_required
def plan_year_open(request: HttpRequest, year: int) -> HttpResponse:
    """Open a drafted year once nothing stands in the way: the page lists what the target rule and
    the milestones still object to, and opening needs a reason."""
    user = _setter(request)
    plan_year = _plan_year(user, year)
    draft = plan_year.state == PlanYearState.DRAFT
    form = PlanYearOpenForm(request.POST or None)
    if draft and request.method == "POST" and form.is_valid():
        try:
            plan_years.plan_year_open(
                plan_year=plan_year, reason=form.cleaned_data["reason"], user=user
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                _("已开启%(year)s年度计划：各区县现在可以看到并填报本年度")
                % {"year": plan_year.year},
            )
            return redirect("reporting:plan_year_detail", year=plan_year.year)
    return render(
        request,
        "reporting/plan_year_open.html",
        {
            "plan_year": plan_year,
            "draft": draft,
            "form": form,
            "problems": services.plan_year_open_problems(plan_year=plan_year) if draft else [],
            "milestones": _milestone_rows(plan_year),
            "check": selectors.target_reconciliation(plan_year=plan_year),
            "units_with_targets": sum(
                1 for _unit, t in selectors.unit_targets(plan_year=plan_year) if t.new_starts
            ),
        },
    )
