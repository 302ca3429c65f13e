"""Projects and their start criteria, read-only: written on the portal's project pages or imported
here through the same service."""

from typing import Any

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html_join

from projects import selectors
from projects.choices import ProjectKind
from projects.models import Project, StartCriterion
from projects.resources import ProjectImportResource
from projects.rules.start import CRITERION_SHORT_LABELS

from .base import PortalWritesAdmin, ReadOnly, ServiceImportExportAdmin, UnitScopedAdmin
from .lists import HistoryAdmin, LargeListAdmin


class StartCriterionInline(ReadOnly, admin.StackedInline):
    """The project's criteria as recorded; recorded on the portal's criterion pages."""

    model = StartCriterion
    extra = 0
    fields = ("criterion", "met_on", "no_structures", "confirmed_by", "evidence", "note",
              "recorded_by", "recorded_at")  # fmt: skip
    readonly_fields = fields


class StartedFilter(admin.SimpleListFilter):
    title = "是否开工"
    parameter_name = "started"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "已开工"), ("no", "未开工")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() in ("yes", "no"):
            return queryset.filter(started_on__isnull=self.value() == "no")
        return queryset


class ProjectChangeList(ChangeList):
    """Judges the start criteria of the page's projects in one go once the page is known."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        projects = list(self.result_list)
        statuses = selectors.start_statuses(projects=projects)
        for project in projects:
            project.start_status = statuses.get(project.id)


@admin.register(Project)
class ProjectAdmin(
    ServiceImportExportAdmin, PortalWritesAdmin, UnitScopedAdmin, LargeListAdmin, HistoryAdmin
):
    """Projects, read-only: edited on the portal's project page (version check, 情况说明 for
    warnings, start date recomputed) or imported here through the same service."""

    portal_hint = "项目须在门户的项目页面修改（含版本校验、提示情况说明和开工日期重算）。"
    resource_classes = [ProjectImportResource]
    import_export_change_list_template = "admin/import_export/change_list_import_export.html"
    template_kind = "projects"
    inlines = (StartCriterionInline,)
    list_display = ("name", "unit", "kind", "households", "consent_met_on", "started_on",
                    "completed_on", "missing_criteria")  # fmt: skip
    list_filter = ("unit", "kind", StartedFilter, "plan_year")
    list_select_related = ("unit", "plan_year")
    search_fields = ("name",)
    history_related = ("rolled_from__unit",)
    readonly_fields = (
        "portal_link",
        "checks",
        "consent_met_on",
        "started_on",
        "version",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        ("检查提示", {"fields": ("portal_link", "checks")}),
        (None, {"fields": ("plan_year", "unit", "kind", "name", "address", "buildings",
                           "households", "floor_area")}),
        ("资金概算（万元）", {"fields": ("investment", "fund_central", "fund_provincial", "fund_city",
                                     "fund_county", "fund_social", "fund_credit", "fund_residents")}),
        ("改造内容", {"fields": ("contents", "hazards", "linked_tags", "management_mode")}),
        ("责任单位", {"fields": ("construction_unit", "supervising_unit", "responsible_person",
                              "responsible_phone", "contractor")}),
        ("开工与完工", {"fields": ("consent_met_on", "started_on", "completed_on", "accepted_on")}),
        ("记录", {"fields": ("version", "created_at", "updated_at")}),
    )  # fmt: skip

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return ProjectChangeList

    @admin.display(description="提示")
    def checks(self, project: Project) -> str:
        """The SPEC §4 warnings and the open criteria of a saved project, from the shared rules."""
        if project.pk is None:
            return "—"
        status = selectors.start_statuses(projects=[project])[project.id]
        lines = selectors.project_warnings(project=project, status=status)
        lines += [f"开工条件未满足：{c.reason}" for c in status.criteria if not c.met]
        lines += [
            f"{CRITERION_SHORT_LABELS[c.key]}：已满足但未上传证明材料（未核验）"
            for c in status.criteria
            if c.met and not c.verified
        ]
        return format_html_join("", "<div>{}</div>", ((line,) for line in lines)) or "无"

    @admin.display(description="缺少的开工条件")
    def missing_criteria(self, project: Project) -> str:
        if project.kind != ProjectKind.NEW:
            return "不适用（续建）"
        status = getattr(project, "start_status", None)
        if status is None:
            return "—"
        return "、".join(CRITERION_SHORT_LABELS[key] for key in status.missing) or "无"

    def portal_url(self, obj: Any) -> str:
        if obj is None:
            return reverse("project_list")
        return reverse("project_detail", args=[obj.pk])


@admin.register(StartCriterion)
class StartCriterionAdmin(PortalWritesAdmin, UnitScopedAdmin, LargeListAdmin, HistoryAdmin):
    """Start criteria 2–5, read-only: recorded on the portal's criterion page (future dates and the
    dates' order refused, evidence checked, the project's start date recomputed)."""

    portal_hint = "开工条件须在门户的项目页面逐项填写（含日期校验和开工日期重算）。"
    list_display = ("project", "criterion", "met_on", "no_structures", "confirmed_by",
                    "recorded_by", "recorded_at", "portal_link")  # fmt: skip
    list_filter = ("criterion", "project__unit")
    list_select_related = ("project__unit", "recorded_by")
    # The columns of the unique index of a project's criteria (the model's order joins the projects).
    ordering = ("project_id", "criterion")
    search_fields = ("project__name",)
    readonly_fields = ("portal_link",)
    history_related = ("project__unit",)

    def portal_url(self, obj: Any) -> str:
        if obj is None:
            return reverse("project_list")
        return reverse("project_detail", args=[obj.project_id])
