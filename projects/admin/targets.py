"""Plan years with their milestones, the units' targets and the carry-over not yet assigned: shown
only: drafted and opened on the plan-year pages, kept on the city office's target page."""

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from projects.models import Milestone, PlanYear, UnassignedCarryover, UnitTarget

from .base import PortalWritesAdmin, ReadOnly
from .lists import HistoryAdmin


class MilestoneInline(ReadOnly, admin.TabularInline):
    model = Milestone
    extra = 0


@admin.register(PlanYear)
class PlanYearAdmin(PortalWritesAdmin, HistoryAdmin):
    """Plan years with their milestones, shown only: the city office drafts and opens them on the
    plan-year pages (or ``load_programme --file``), and their targets are kept on the target page,
    each with a reason and the checks."""

    portal_hint = (
        "年度计划在“年度计划”页面新建、草拟和开启（或由 python manage.py load_programme --file 载入），"
        "不在管理后台修改；已开启年度的目标须在“目标维护”页面修改（须填写调整原因并通过目标校核）。"
    )
    list_display = (
        "year", "state", "city_new_starts", "city_completions", "city_carryover", "portal_link",
    )  # fmt: skip
    list_filter = ("state",)
    inlines = (MilestoneInline,)

    def portal_url(self, obj: Any) -> str:
        if obj is None:
            return reverse("reporting:plan_years")
        return reverse("reporting:plan_year_detail", kwargs={"year": obj.year})

    def _hint(self, request: HttpRequest, obj: Any = None) -> None:
        messages.info(
            request,
            format_html(
                '{}<a href="{}">{}</a>　<a href="{}">{}</a>',
                self.portal_hint,
                self.portal_url(obj),
                "前往年度计划",
                reverse("reporting:targets"),
                "前往目标维护",
            ),
        )


class TargetsInPortalAdmin(PortalWritesAdmin):
    """Targets are kept on the city office's target page (reporting/targets.py): a reason for every
    change and the targets' rules checked there, so the admin only shows them."""

    portal_hint = "目标须在“目标维护”页面修改（须填写调整原因并通过目标校核）。"

    def portal_url(self, obj: Any) -> str:
        return reverse("reporting:targets")


@admin.register(UnitTarget)
class UnitTargetAdmin(TargetsInPortalAdmin, HistoryAdmin):
    """The annex targets, with their history; changed on the target page, with a reason."""

    list_display = ("plan_year", "unit", "new_starts", "completions", "carryover", "portal_link")
    list_filter = ("plan_year",)
    list_select_related = ("plan_year", "unit")


@admin.register(UnassignedCarryover)
class UnassignedCarryoverAdmin(TargetsInPortalAdmin, HistoryAdmin):
    """Carry-over households not yet given to a unit; assigned on the target page, with a reason."""

    list_display = ("plan_year", "households", "source_note", "assigned_unit", "assigned_at",
                    "portal_link")  # fmt: skip
    list_filter = ("plan_year",)
    list_select_related = ("plan_year",)
