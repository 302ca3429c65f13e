"""What every model admin of the programme shares: the user acting, the scoping to a clerk's or
leader's unit, the one write path (PortalWritesAdmin: read-only, the portal's services write), and
the Excel import through the same services with the safe-cell export.

Computed facts (consent and start dates, milestone statuses, missing criteria) come from selectors and
the rules, computed once per page, never per row. Targets, projects, criteria and households are
written only by the services (the portal's pages and the imports here), and plan years only by
``load_programme``, so the admin shows them read-only (PortalWritesAdmin).
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST
from import_export.admin import ExportMixin, ImportMixin
from import_export.forms import ConfirmImportForm, ImportForm
from import_export.results import Result

from projects import import_jobs, permissions, previews, selectors
from projects.jobs import job_start
from projects.models import PlanYear, Project, Unit, User
from projects.resources import ProjectExportResource, WorkbookXLSX
from projects.xlsx import SafeXLSX


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


# --- the Excel import and export -----------------------------------------------------------------


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

    # --- a large file: previewed and imported as background jobs (projects.import_jobs) ---

    def _job_kind(self) -> str:
        return f"{self.template_kind}_import"

    def _job_session_key(self) -> str:
        return f"admin-import-job-{self.opts.model_name}"

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "import/background/",
                self.admin_site.admin_view(require_POST(self.import_job_confirm)),
                name="{}_{}_import_job_confirm".format(*info),
            ),
            path(
                "import/background/cancel/",
                self.admin_site.admin_view(require_POST(self.import_job_cancel)),
                name="{}_{}_import_job_cancel".format(*info),
            ),
            *super().get_urls(),
        ]

    def _large_upload(self, request: HttpRequest) -> tuple[bytes, PlanYear] | None:
        """The uploaded workbook and plan year when the file is large enough for a job."""
        if request.method != "POST" or not self.has_import_permission(request):
            return None
        form = self.create_import_form(request)
        if not form.is_valid():
            return None
        content = b"".join(form.cleaned_data["import_file"].chunks())
        if not import_jobs.runs_as_job(content):
            return None
        return content, form.cleaned_data["plan_year"]

    def import_job_confirm(self, request: HttpRequest) -> HttpResponse:
        """Confirm a large file previewed by a job: the import job starts (the admin never
        confirms status changes; such a file was refused by the preview)."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        token = request.POST.get("token", "")
        waiting = request.session.get(self._job_session_key())
        if (
            not previews.TOKEN_RE.match(token)
            or waiting is None
            or waiting.get("token") != token
            or not default_storage.exists(previews.preview_path(token))
        ):
            messages.error(request, "导入预览已过期，请重新上传文件")
            return redirect(f"admin:{self.opts.app_label}_{self.opts.model_name}_import")
        job = job_start(
            kind=self._job_kind(),
            user=request.user,  # type: ignore[arg-type]
            plan_year=PlanYear.objects.filter(pk=waiting["plan_year"]).first(),
            params={"token": token, "admin": True},
        )
        return redirect("job_detail", pk=job.pk)

    def import_job_cancel(self, request: HttpRequest) -> HttpResponse:
        if not self.has_import_permission(request):
            raise PermissionDenied
        waiting = request.session.pop(self._job_session_key(), None) or {}
        previews.preview_delete(waiting.get("token"))
        return redirect(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")

    def import_action(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        large = self._large_upload(request)
        if large is not None:
            # Previewed by a worker: the job's page shows the progress, then the preview with
            # the confirm form that posts to import_job_confirm.
            content, plan_year = large
            waiting = request.session.pop(self._job_session_key(), None) or {}
            previews.preview_delete(waiting.get("token"))
            token = previews.preview_save(content)
            request.session[self._job_session_key()] = {"token": token, "plan_year": plan_year.pk}
            job = job_start(
                kind=self._job_kind(),
                user=request.user,  # type: ignore[arg-type]
                plan_year=plan_year,
                params={"token": token, "dry_run": True, "admin": True},
            )
            return redirect("job_detail", pk=job.pk)
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


class ServiceImportExportAdmin(ServiceImportAdmin, ExportMixin):
    """The import above plus a plain Excel export of the (unit-scoped) list, written with the
    report workbooks' safe cells: no cell a spreadsheet would run."""

    export_resource_class: type = ProjectExportResource
    export_formats = [SafeXLSX]

    def get_export_resource_classes(self, request: HttpRequest) -> list[type]:
        return [self.export_resource_class]
