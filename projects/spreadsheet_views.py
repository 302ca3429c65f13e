"""Excel both ways: the project list and a project's roster downloaded in their import templates,
and the project template imported back by the unit's clerk or leader (upload, preview, confirm).

Who may do what is asked where the other views ask it: ``selectors.projects_visible`` (through
``listed_projects`` and ``_project_or_404``), ``permissions.may_change_unit`` and
``permissions.sees_residents_in_full``.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import import_jobs, permissions, previews, selectors, services
from .consequences import StatusChangesNeedConfirmation
from .forms import ProjectImportForm
from .jobs import job_start
from .models import Project, Unit, User
from .template_files import projects_file
from .view_helpers import plan_year_for, portal_user, xlsx_response
from .views import _project_or_404, _status_changes_confirmed, listed_projects


@login_required
def project_list_download(request: HttpRequest) -> HttpResponse:
    """The project list as the page's filters and search select it, every project (not only the
    page's 25), in the projects template filled with today's records."""
    plan_year = plan_year_for(request)
    listed = listed_projects(request, plan_year)
    user = portal_user(request)
    scope = user.unit.name if permissions.unit_scope(user) is not None and user.unit else ""
    return xlsx_response(
        projects_file(projects=listed.projects), f"{scope}{plan_year.year}年度改造项目.xlsx"
    )


@login_required
def household_list_download(request: HttpRequest, pk: int) -> HttpResponse:
    """A project's whole roster in the roster template; names and phones in full only for the
    unit's own clerk and leader. Every download is kept in the personal-data audit."""
    project = _project_or_404(request, pk)
    roster = selectors.roster_project(project)  # a carried-on project's roster is its origin's
    content = services.roster_download(
        user=portal_user(request),
        unit=project.unit,
        projects=Project.objects.filter(pk=roster.pk),
        project=roster,
    )
    return xlsx_response(content, f"{project.name}住户花名册.xlsx")


# --- the project template imported by the unit ----------------------------------------------------

IMPORT_KEY = "project-import"


def _importing_unit(request: HttpRequest) -> tuple[User, Unit]:
    user = portal_user(request)
    if user.unit is None or not permissions.may_change_unit(user, user.unit.id):
        raise PermissionDenied(_("只有区县填报员和审核人可以导入本区县的项目"))
    return user, user.unit


@login_required
def project_import(request: HttpRequest) -> HttpResponse:
    """Import the unit's projects from the template: upload, see what would change (nothing
    written), then confirm; rows of another unit are refused by the service."""
    user, unit = _importing_unit(request)
    plan_year = plan_year_for(request)
    form = ProjectImportForm()
    result = None
    token = ""
    refused = False
    if request.method == "POST" and "confirm" in request.POST:
        token = request.POST.get("token", "")
        path = previews.preview_path(token)
        if (
            not previews.TOKEN_RE.match(token)
            or request.session.get(IMPORT_KEY) != token
            or not default_storage.exists(path)  # deleted by cleanup_previews
        ):
            messages.error(request, _("导入预览已过期，请重新上传文件"))
            return redirect("project_import")
        with default_storage.open(path, "rb") as handle:
            large = import_jobs.runs_as_job(handle.read())
        if large:
            # Imported by a worker: the job's page shows the progress, then the counts.
            job = job_start(
                kind=import_jobs.PROJECTS,
                user=user,
                unit=unit,
                plan_year=plan_year,
                params={
                    "token": token,
                    "allow_status_changes": _status_changes_confirmed(request),
                },
            )
            return redirect("job_detail", pk=job.pk)
        try:
            with default_storage.open(path, "rb") as handle:
                result = services.projects_import(
                    source=handle,
                    plan_year=plan_year,
                    user=user,
                    allow_status_changes=_status_changes_confirmed(request),
                )
        except StatusChangesNeedConfirmation:
            # Nothing was written: the preview is shown again with the reason and the checkbox.
            refused = True
            with default_storage.open(path, "rb") as handle:
                result = services.projects_import(
                    source=handle, plan_year=plan_year, user=user, dry_run=True
                )
        if not refused and not result.ok:
            # The records changed since the preview: the file is shown with its errors, not kept.
            previews.preview_delete(request.session.pop(IMPORT_KEY, None))
        if result.ok and not refused:
            previews.preview_delete(request.session.pop(IMPORT_KEY, None))
            messages.success(
                request,
                _("导入完成：新增 %(created)d 个项目，更新 %(updated)d 个，未变 %(unchanged)d 个")
                % {
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                },
            )
            return redirect("project_list")
    elif request.method == "POST":
        form = ProjectImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > settings.IMPORT_MAX_FILE_BYTES:
                form.add_error("file", _("文件过大"))
            else:
                # A new upload replaces the previous preview, whose file goes at once.
                previews.preview_delete(request.session.pop(IMPORT_KEY, None))
                content = upload.read()
                if import_jobs.runs_as_job(content):
                    # Previewed by a worker: the job's page shows the progress, then the preview
                    # with the same confirm form.
                    token = previews.preview_save(content)
                    request.session[IMPORT_KEY] = token
                    job = job_start(
                        kind=import_jobs.PROJECTS,
                        user=user,
                        unit=unit,
                        plan_year=plan_year,
                        params={"token": token, "dry_run": True},
                    )
                    return redirect("job_detail", pk=job.pk)
                result = services.projects_import(
                    source=ContentFile(content), plan_year=plan_year, user=user, dry_run=True
                )
                if result.ok:
                    token = previews.preview_save(content)
                    request.session[IMPORT_KEY] = token
    return render(
        request,
        "projects/project_import.html",
        {
            "unit": unit,
            "plan_year": plan_year,
            "form": form,
            "result": result,
            "token": token,
            "refused": refused,
            "consequences": result.consequences if result is not None else None,
        },
    )


@require_POST
@login_required
def project_import_cancel(request: HttpRequest) -> HttpResponse:
    """Drop the previewed file (it is never imported)."""
    _importing_unit(request)
    previews.preview_delete(request.session.pop(IMPORT_KEY, None))
    return redirect("project_list")
