"""Plan years with their milestones, the units' targets and the carry-over not yet assigned: shown
only, loaded by ``load_programme`` and kept on the city office's target page."""

from typing import Any

from django.contrib import admin
from django.urls import reverse

from projects.models import Milestone, PlanYear, UnassignedCarryover, UnitTarget

from .base import PortalWritesAdmin, ReadOnly
from .lists import HistoryAdmin


class MilestoneInline(ReadOnly, admin.TabularInline):
    model = Milestone
    extra = 0


@admin.register(PlanYear)
class PlanYearAdmin(PortalWritesAdmin, HistoryAdmin):
    """Plan years with their milestones, shown only: they are loaded from the task tables
    (``load_programme``) and their targets are kept on the target page, with a reason and checks."""

    portal_hint = (
        "年度计划由 python manage.py load_programme 载入，不在管理后台修改；"
        "目标须在“目标维护”页面修改（须填写调整原因并通过目标校核）。"
    )
    list_display = ("year", "city_new_starts", "city_completions", "city_carryover", "portal_link")
    inlines = (MilestoneInline,)

    def portal_url(self, obj: Any) -> str:
        return reverse("reporting:targets")


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
