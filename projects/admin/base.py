"""The admin (管理后台): every model of the programme, the city check page and the Excel imports.

Computed facts (consent and start dates, milestone statuses, missing criteria) come from selectors and
the rules, computed once per page, never per row. Targets, projects, criteria and households are
written only by the services (the portal's pages and the imports here), and plan years only by
``load_programme``, so the admin shows them read-only (PortalWritesAdmin).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from import_export.admin import ExportMixin, ImportMixin
from import_export.forms import ConfirmImportForm, ImportForm
from import_export.results import Result
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import ModelChange
from simple_history.template_utils import HistoricalRecordContextHelper

from projects import permissions, selectors
from projects.choices import ProjectKind
from projects.models import (
    AcceptanceRecord,
    Approval,
    CoordinatedConstructionPlan,
    FundReceipt,
    Household,
    Milestone,
    Notification,
    Participant,
    PersonalDataAccess,
    PlanYear,
    Project,
    StartCriterion,
    UnassignedCarryover,
    Unit,
    UnitTarget,
    User,
)
from projects.presenters import mask_name, mask_phone, milestone_cell
from projects.resources import (
    HouseholdExportResource,
    HouseholdImportResource,
    ProjectExportResource,
    ProjectImportResource,
    WorkbookXLSX,
)
from projects.rules.milestones import STATUS_LABELS, MilestoneResult
from projects.rules.start import CRITERIA, CRITERION_SHORT_LABELS, StartStatus
from projects.xlsx import SafeXLSX


def status_badge(result: MilestoneResult) -> str:
    """A milestone status as a coloured label (classes in admin/projects/_status_styles.html)."""
    return format_html(
        '<span class="zmd-status zmd-status-{}" title="{}">{}</span>',
        result.status.value,
        milestone_cell(result),
        STATUS_LABELS[result.status],
    )


def acting_user(request: HttpRequest) -> User | None:
    """The portal user behind an admin request, for the history the services record."""
    return request.user if isinstance(request.user, User) else None


# --- scoping by unit ----------------------------------------------------------------------------


def unit_scope(request: HttpRequest) -> int | None:
    """The unit a clerk or leader is confined to (SPEC §6), or None for the city office and admins."""
    return permissions.unit_scope(acting_user(request))


class UnitScopedAdmin(admin.ModelAdmin):
    """A clerk or leader who reaches the admin sees and picks only its own unit's records."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        allowed = permissions.restrict_q(qs.model, acting_user(request), permissions.VIEW)
        return qs.none() if allowed is None else qs.filter(allowed)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        unit_id = unit_scope(request)
        if unit_id is not None and db_field.name == "unit":
            kwargs["queryset"] = Unit.objects.filter(id=unit_id)
        elif unit_id is not None and db_field.name == "project":
            kwargs["queryset"] = Project.objects.filter(unit_id=unit_id).select_related("unit")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# --- one write path -----------------------------------------------------------------------------


class ReadOnly:
    """No add, change or delete from the admin (a model admin or an inline)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PortalWritesAdmin(ReadOnly, admin.ModelAdmin):
    """A model written only through the portal's services (SPEC §6, one write path): the admin shows
    it read-only — no add, change, delete or bulk action — and points to the page that writes it,
    where the version check, the 情况说明 for warnings, the reason for targets and the start dates
    are kept. ``portal_hint`` says where that is."""

    portal_hint = ""

    def portal_url(self, obj: Any) -> str:
        """The portal page that writes ``obj`` (or the list of them when ``obj`` is None)."""
        raise NotImplementedError

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: Any = None
    ) -> HttpResponse:
        # simple-history's "revert to this version" page saves its form on POST whatever the
        # change permission says: no write from here either, only the view.
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(  # type: ignore[misc]
            request, object_id, version_id, extra_context
        )

    # Were a write permission ever granted to a subclass, the admin's own write hooks still refuse:
    # nothing is written around the services (their reason, version check and history).
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        raise PermissionDenied

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        raise PermissionDenied

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        raise PermissionDenied

    @admin.display(description="修改入口")
    def portal_link(self, obj: Any) -> str:
        return format_html('<a href="{}">在门户页面查看和修改</a>', self.portal_url(obj))

    def _hint(self, request: HttpRequest, obj: Any = None) -> None:
        messages.info(
            request,
            format_html('{}<a href="{}">{}</a>', self.portal_hint, self.portal_url(obj), "前往"),
        )

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        if request.method == "GET":
            self._hint(request)
        return super().changelist_view(request, extra_context)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        obj = self.get_object(request, object_id)
        if obj is not None and request.method == "GET":
            self._hint(request, obj)
        return super().change_view(request, object_id, form_url, extra_context)


# --- start of work ------------------------------------------------------------------------------


# --- units and the city check page ---------------------------------------------------------------


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


class UnitAdmin(admin.ModelAdmin):
    """Units, with each milestone's status today; the city check page hangs off this admin."""

    base_list_display = ("name", "division_code", "sort_order", "in_annexes")
    list_display = base_list_display
    search_fields = ("name", "division_code")

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


# --- users -------------------------------------------------------------------------------------


class PortalUserCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "role", "unit")


class PortalUserChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User


class UserAdmin(DjangoUserAdmin):
    """Users with their role and unit; a clerk or leader must belong to a unit."""

    form = PortalUserChangeForm
    add_form = PortalUserCreationForm
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        ("角色与区县", {"fields": ("role", "unit")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "role", "unit", "usable_password", "password1", "password2"),
            },
        ),
    )
    list_display = ("username", "first_name", "last_name", "role", "unit", "is_staff", "is_active")
    list_filter = ("role", "unit", "is_staff", "is_superuser", "is_active")
    list_select_related = ("unit",)


# --- plan years and targets ---------------------------------------------------------------------


class MilestoneInline(ReadOnly, admin.TabularInline):
    model = Milestone
    extra = 0


class PlanYearAdmin(PortalWritesAdmin, SimpleHistoryAdmin):
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


class UnitTargetAdmin(TargetsInPortalAdmin, SimpleHistoryAdmin):
    """The annex targets, with their history; changed on the target page, with a reason."""

    list_display = ("plan_year", "unit", "new_starts", "completions", "carryover", "portal_link")
    list_filter = ("plan_year",)
    list_select_related = ("plan_year", "unit")


class UnassignedCarryoverAdmin(TargetsInPortalAdmin, SimpleHistoryAdmin):
    """Carry-over households not yet given to a unit; assigned on the target page, with a reason."""

    list_display = ("plan_year", "households", "source_note", "assigned_unit", "assigned_at",
                    "portal_link")  # fmt: skip
    list_filter = ("plan_year",)
    list_select_related = ("plan_year",)


# --- projects and their start criteria ------------------------------------------------------------


class PlanYearImportForm(ImportForm):
    plan_year = forms.ModelChoiceField(
        label="年度计划", queryset=PlanYear.objects.all(), empty_label=None
    )
    field_order = ["resource", "plan_year", "import_file", "format"]


class PlanYearConfirmImportForm(ConfirmImportForm):
    plan_year = forms.ModelChoiceField(queryset=PlanYear.objects.all(), widget=forms.HiddenInput)


class ServiceImportAdmin(ImportMixin):
    """Upload → preview (a dry run of our service) → confirm (the real run); xlsx only.

    The service writes history records with the user for every change, so the admin log entries
    import-export would add per row are skipped.
    """

    import_formats = [WorkbookXLSX]
    import_form_class = PlanYearImportForm
    confirm_form_class = PlanYearConfirmImportForm
    import_template_name = "admin/projects/import.html"
    skip_admin_log = True
    template_kind = ""

    def has_import_permission(self, request: HttpRequest) -> bool:
        # The import writes through the services, so it asks the model's own permissions, not
        # the admin's (which are read-only for these models).
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.add_{opts.model_name}") and (
            request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")
        )

    def get_import_form_initial(self, request: HttpRequest) -> dict[str, Any]:
        plan_year = selectors.plan_year_latest()
        return {"plan_year": plan_year.pk if plan_year else None}

    def get_confirm_form_initial(self, request: HttpRequest, import_form: Any) -> dict[str, Any]:
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["plan_year"] = import_form.cleaned_data["plan_year"].pk
        return initial

    def get_import_resource_kwargs(self, request: HttpRequest, **kwargs: Any) -> dict[str, Any]:
        cleaned = getattr(kwargs.get("form"), "cleaned_data", None) or {}
        return {"plan_year": cleaned.get("plan_year")}

    def get_import_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {
            "import_template_url": reverse("import_template", kwargs={"kind": self.template_kind})
        }

    def import_action(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        response = super().import_action(request, **kwargs)
        # A refused file is never confirmed: drop the uploaded copy (it may hold residents' data).
        context = getattr(response, "context_data", None) or {}
        result, form = context.get("result"), context.get("form")
        if result is not None and "confirm_form" not in context and form is not None:
            upload = getattr(form, "cleaned_data", {}).get("import_file")
            name = getattr(upload, "tmp_storage_name", None)
            if name:
                storage = self.get_tmp_storage_class()(
                    name=name, **self.get_tmp_storage_class_kwargs()
                )
                storage.remove()
        return response

    def process_result(self, result: Result, request: HttpRequest) -> HttpResponse:
        opts = self.model._meta
        if result.has_errors() or result.has_validation_errors():
            # The data changed between preview and confirm: nothing was written.
            problems = [str(e.error) for e in result.base_errors]
            for row in result.invalid_rows:
                problems += [f"第{row.number}行：{m}" for m in row.error.messages]
            messages.error(request, "导入未执行，未写入任何数据：" + "；".join(problems[:20]))
            return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_import"))
        for warning in getattr(result, "warnings", [])[:20]:
            messages.warning(request, warning)
        return super().process_result(result, request)

    def add_success_message(self, result: Result, request: HttpRequest) -> None:
        counts = result.counts
        messages.success(
            request,
            f"导入完成：新增 {counts.created} 条，更新 {counts.updated} 条，"
            f"无变化 {counts.unchanged} 条。",
        )


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


class ServiceImportExportAdmin(ServiceImportAdmin, ExportMixin):
    """The import above plus a plain Excel export of the (unit-scoped) list, written with the
    report workbooks' safe cells: no cell a spreadsheet would run."""

    export_resource_class: type = ProjectExportResource
    export_formats = [SafeXLSX]

    def get_export_resource_classes(self, request: HttpRequest) -> list[type]:
        return [self.export_resource_class]


class ProjectAdmin(
    ServiceImportExportAdmin, PortalWritesAdmin, UnitScopedAdmin, SimpleHistoryAdmin
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


class StartCriterionAdmin(PortalWritesAdmin, UnitScopedAdmin, SimpleHistoryAdmin):
    """Start criteria 2–5, read-only: recorded on the portal's criterion page (future dates and the
    dates' order refused, evidence checked, the project's start date recomputed)."""

    portal_hint = "开工条件须在门户的项目页面逐项填写（含日期校验和开工日期重算）。"
    list_display = ("project", "criterion", "met_on", "no_structures", "confirmed_by",
                    "recorded_by", "recorded_at", "portal_link")  # fmt: skip
    list_filter = ("criterion", "project__unit")
    list_select_related = ("project__unit", "recorded_by")
    search_fields = ("project__name",)
    readonly_fields = ("portal_link",)

    def portal_url(self, obj: Any) -> str:
        if obj is None:
            return reverse("project_list")
        return reverse("project_detail", args=[obj.project_id])


# --- households -------------------------------------------------------------------------------


class MaskedHouseholdHistory(HistoricalRecordContextHelper):
    """A household's history page lists each change's old and new values: names and phones masked
    there too (the portal's household page shows them in full, and records who looked)."""

    def prepare_delta_change_value(self, change: ModelChange, value: Any) -> Any:
        if change.field == "head_name":
            return mask_name(value or "")
        if change.field == "phone":
            return mask_phone(value) if value else ""
        return super().prepare_delta_change_value(change, value)


class HouseholdAdmin(
    ServiceImportExportAdmin, PortalWritesAdmin, UnitScopedAdmin, SimpleHistoryAdmin
):
    """Household answers, read-only (names and phones masked in the list and not searchable): edited
    on the portal's roster pages or imported here, through the same services."""

    portal_hint = "住户须在门户的住户名册页面修改（含户数、日期校验和开工日期重算）。"
    resource_classes = [HouseholdImportResource]
    import_export_change_list_template = "admin/import_export/change_list_import_export.html"
    export_resource_class = HouseholdExportResource
    template_kind = "households"
    list_display = ("project", "building", "entrance", "room", "masked_head_name", "masked_phone",
                    "plan_opinion", "management_opinion", "answered_on")  # fmt: skip
    list_filter = ("project__unit", "plan_opinion", "management_opinion")
    list_select_related = ("project__unit",)
    search_fields = ("building", "room")
    # Names and phones stay masked here too: the portal's household page shows them, and logs it.
    fields = ("portal_link", "project", "building", "entrance", "room", "masked_head_name",
              "masked_phone", "plan_opinion", "management_opinion", "answered_on")  # fmt: skip
    readonly_fields = ("portal_link", "masked_head_name", "masked_phone")

    def portal_url(self, obj: Any) -> str:
        if obj is None:
            return reverse("project_list")
        return reverse("household_list", args=[obj.project_id])

    def get_historical_record_context_helper(
        self, request: HttpRequest, historical_record: Any
    ) -> HistoricalRecordContextHelper:
        return MaskedHouseholdHistory(self.model, historical_record)

    @admin.display(description="户主姓名")
    def masked_head_name(self, household: Household) -> str:
        return mask_name(household.head_name)

    @admin.display(description="联系电话")
    def masked_phone(self, household: Household) -> str:
        return mask_phone(household.phone)


# --- the source document's records (资金到位、参建单位、审批接入、统筹施工方案、验收移交) ------------


class RecordAdmin(PortalWritesAdmin, UnitScopedAdmin, SimpleHistoryAdmin):
    """A project's record, read-only: entered on the project's records page, whose services check
    the dates and the unit and keep the history. Documents are opened from the portal (which checks
    who may see them), so they are not linked here."""

    portal_hint = "此记录须在门户的“建设管理记录”页面填写（含日期校验和修改记录）。"
    search_fields = ("project__name",)

    def portal_url(self, obj: Any) -> str:
        if obj is None:
            return reverse("project_list")
        return reverse("project_records", args=[obj.project_id])


class FundReceiptAdmin(RecordAdmin):
    list_display = ("project", "source", "received_on", "amount", "recorded_by", "portal_link")
    list_filter = ("project__unit", "source")
    list_select_related = ("project__unit", "recorded_by")
    readonly_fields = ("portal_link",)


class ParticipantAdmin(RecordAdmin):
    """Who answers on site; the phone masked here as on the pages."""

    list_display = ("project", "role", "organisation", "person", "masked_phone", "portal_link")
    list_filter = ("project__unit", "role")
    list_select_related = ("project__unit",)
    fields = ("portal_link", "project", "role", "organisation", "person", "masked_phone")
    readonly_fields = ("portal_link", "masked_phone")

    @admin.display(description="联系电话")
    def masked_phone(self, participant: Participant) -> str:
        return mask_phone(participant.phone)


class ApprovalAdmin(RecordAdmin):
    list_display = ("project", "kind", "approved_on", "document_no", "portal_link")
    list_filter = ("project__unit", "kind")
    list_select_related = ("project__unit",)
    readonly_fields = ("portal_link",)


class CoordinatedConstructionPlanAdmin(RecordAdmin):
    list_display = ("project", "uploaded_at", "uploaded_by", "portal_link")
    list_filter = ("project__unit",)
    list_select_related = ("project__unit", "uploaded_by")
    fields = ("portal_link", "project", "note", "uploaded_at", "uploaded_by")
    readonly_fields = ("portal_link",)


class AcceptanceRecordAdmin(RecordAdmin):
    list_display = ("project", "handed_to", "handed_to_name", "recorded_by", "portal_link")
    list_filter = ("project__unit", "handed_to")
    list_select_related = ("project__unit", "recorded_by")
    readonly_fields = ("portal_link",)
    fields = ("portal_link", "project", "participants", "handed_to", "handed_to_name", "note",
              "recorded_by")  # fmt: skip


admin.site.register(Unit, UnitAdmin)
admin.site.register(User, UserAdmin)
admin.site.register(PlanYear, PlanYearAdmin)
admin.site.register(UnitTarget, UnitTargetAdmin)
admin.site.register(UnassignedCarryover, UnassignedCarryoverAdmin)
admin.site.register(Project, ProjectAdmin)
admin.site.register(StartCriterion, StartCriterionAdmin)
admin.site.register(Household, HouseholdAdmin)
admin.site.register(FundReceipt, FundReceiptAdmin)
admin.site.register(Participant, ParticipantAdmin)
admin.site.register(Approval, ApprovalAdmin)
admin.site.register(CoordinatedConstructionPlan, CoordinatedConstructionPlanAdmin)
admin.site.register(AcceptanceRecord, AcceptanceRecordAdmin)


@admin.register(Notification)
class NotificationAdmin(ReadOnly, admin.ModelAdmin):
    """The portal notifications and reminders sent (站内通知), read-only: they are written by
    ``projects.notifications.notify`` alone, so a reminder is never sent twice."""

    list_display = ("created_at", "recipient", "kind", "text", "read_at")
    list_filter = ("kind",)
    list_select_related = ("recipient",)
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(admin.ModelAdmin):
    """The audit of who viewed or exported residents' personal data: read-only."""

    list_display = ("at", "user", "role", "action", "unit", "households", "reason")
    list_filter = ("role", "action", "unit")
    list_select_related = ("user", "unit")
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
