"""Units, with each milestone's status today, and the city check page (全市目标与开工条件检查)
that hangs off their admin."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.html import format_html

from projects import selectors
from projects.choices import ProjectKind
from projects.data_version import data_changed
from projects.models import PlanYear, Project, Unit
from projects.presenters import milestone_cell
from projects.rules.milestones import STATUS_LABELS, MilestoneResult
from projects.rules.start import CRITERIA, CRITERION_SHORT_LABELS, StartStatus


def status_badge(result: MilestoneResult) -> str:
    """A milestone status as a coloured label (classes in admin/projects/_status_styles.html)."""
    return format_html(
        '<span class="zmd-status zmd-status-{}" title="{}">{}</span>',
        result.status.value,
        milestone_cell(result),
        STATUS_LABELS[result.status],
    )


class CheckForm(forms.Form):
    plan_year = forms.ModelChoiceField(
        label="年度计划", queryset=PlanYear.objects.all(), required=False, empty_label=None
    )
    as_of = forms.DateField(
        label="截至日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="默认为今天（限于年度内）",
    )


@dataclass
class CriteriaRow:
    """One row of the start-criteria summary: a unit's (or the city's) new projects on a date."""

    label: str
    projects: int = 0
    started: int = 0
    lacking: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CRITERIA, 0))

    @property
    def not_started(self) -> int:
        return self.projects - self.started

    @property
    def lacking_list(self) -> list[int]:
        return [self.lacking[key] for key in CRITERIA]

    def add(self, status: StartStatus) -> None:
        self.projects += 1
        self.started += status.started
        for key in status.missing:
            self.lacking[key] += 1


def criteria_summary(
    *, plan_year: PlanYear, as_of: date, units: Iterable[Unit]
) -> tuple[CriteriaRow, list[CriteriaRow]]:
    """The city's and each unit's new projects, how many had started on ``as_of`` and how many
    lacked each of the five criteria: three queries whatever the number of projects."""
    projects = list(
        Project.objects.filter(plan_year=plan_year, kind=ProjectKind.NEW).select_related(
            "plan_year"
        )
    )
    statuses = selectors.start_statuses(projects=projects, as_of=as_of)
    city = CriteriaRow("全市")
    rows = {unit.id: CriteriaRow(unit.name) for unit in units}
    for project in projects:
        status = statuses[project.id]
        city.add(status)
        if project.unit_id in rows:
            rows[project.unit_id].add(status)
    return city, list(rows.values())


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    """Units, with each milestone's status today; the city check page hangs off this admin."""

    base_list_display = ("name", "division_code", "sort_order", "in_annexes")
    list_display = base_list_display
    search_fields = ("name", "division_code")

    # Units are written here directly (no service): a new, renamed or reordered unit changes the
    # overview, so each write raises the data version as the services do.
    def save_model(self, request: HttpRequest, obj: Unit, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        data_changed()

    def delete_model(self, request: HttpRequest, obj: Unit) -> None:
        super().delete_model(request, obj)
        data_changed()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Unit]) -> None:
        super().delete_queryset(request, queryset)
        data_changed()

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        # One milestone report per changelist request; the columns read it by unit.
        request.milestone_report = selectors.milestone_report_for_today()  # type: ignore[attr-defined]
        return super().changelist_view(request, extra_context)

    def get_list_display(
        self, request: HttpRequest
    ) -> tuple[str | Callable[[Any], str | bool], ...]:
        report = getattr(request, "milestone_report", None)
        if report is None:
            return self.base_list_display
        rows = {row.unit.id: row for row in report.units if row.unit is not None}
        return (
            *self.base_list_display,
            *[self._milestone_column(spec.key, spec.name, rows) for spec in report.specs],
        )

    @staticmethod
    def _milestone_column(key: str, label: str, rows: dict[int, Any]) -> Callable[[Unit], str]:
        @admin.display(description=label)
        def column(unit: Unit) -> str:
            row = rows.get(unit.id)
            return status_badge(row.milestones[key]) if row else "—"

        column.__name__ = f"milestone_{key}"
        return column

    def get_urls(self) -> list[URLPattern]:
        check = path("check/", self.admin_site.admin_view(self.check_view), name="projects_check")
        return [check, *super().get_urls()]

    def check_view(self, request: HttpRequest) -> HttpResponse:
        """全市目标与开工条件检查: the milestone table and the five-criteria summary on a date."""
        form = CheckForm(request.GET or None)
        chosen = form.cleaned_data if form.is_valid() else {}
        plan_year = chosen.get("plan_year") or selectors.plan_year_latest()
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "title": "全市目标与开工条件检查",
            "opts": self.model._meta,
            "form": form,
            "plan_year": plan_year,
            "criteria_labels": [CRITERION_SHORT_LABELS[key] for key in CRITERIA],
        }
        if plan_year is not None:
            as_of = chosen.get("as_of") or selectors.clip_to_year(
                plan_year=plan_year, day=selectors.today_local()
            )
            if not form.is_bound:
                context["form"] = CheckForm(initial={"plan_year": plan_year, "as_of": as_of})
            report = selectors.milestone_report(plan_year=plan_year, as_of=as_of)
            city, units = criteria_summary(
                plan_year=plan_year, as_of=as_of, units=[r.unit for r in report.units if r.unit]
            )
            context.update(
                as_of=as_of,
                report=report,
                milestone_headers=[(s.name, s.due) for s in report.specs],
                milestone_rows=[
                    (
                        row,
                        [
                            (
                                row.milestones[s.key],
                                status_badge(row.milestones[s.key]),
                                row.actual_as_of[s.key],
                            )
                            for s in report.specs
                        ],
                    )
                    for row in [report.city, *report.units]
                ],
                criteria_rows=[city, *units],
            )
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/projects/check.html", context)
