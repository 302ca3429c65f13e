"""Large imports as background jobs (projects.jobs): the roster and the projects template, above
JOBS_IMPORT_ROWS data rows, are previewed and then imported by a worker, as the pages (and the
admin's import) do in the request for smaller files.

The uploaded file waits in the previews' storage (projects.previews) under its token, as for a small
file. The preview job runs the import as a dry run and keeps what the page shows (counts, errors,
changes, consequences) on the job as JSON; its page offers the same confirm form, which starts the
import job. The import service writes in one transaction: a file with an error, a change that
needed a confirmation not given, or an exception part way writes nothing.
"""

from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from . import previews, services
from .consequences import Consequences, StatusChangesNeedConfirmation
from .jobs import JobFailed, JobKind, JobOutcome, Progress, job_kind_register
from .models import Job, Project
from .workbooks import sheet_rows_estimate

# How many errors and warnings a job keeps for its page (the counts cover them all).
LISTED = 200

HOUSEHOLDS = "households_import"
PROJECTS = "projects_import"

ADMIN_REFUSES = gettext_lazy(
    "此文件将改变项目的状态或已报送月报的数据，后台导入不能确认此类变化，未写入任何数据；"
    "请在门户的导入页面或用命令 --allow-status-changes 导入"
)


def runs_as_job(content: bytes) -> bool:
    """Whether an uploaded workbook is large enough to be imported in the background."""
    return sheet_rows_estimate(content) - 1 > settings.JOBS_IMPORT_ROWS


def consequences_data(consequences: Consequences) -> dict[str, Any]:
    """What the confirm form shows of the consequences (projects.consequences), as JSON the
    templates read as they read the objects."""
    return {
        "projects": [
            {
                "unit_name": p.unit_name,
                "name": p.name,
                "status_old": p.status_old,
                "status_new": p.status_new,
                "changes": [str(c) for c in p.changes],
            }
            for p in consequences.projects
        ],
        "reports": [
            {
                "unit_name": r.unit_name,
                "year": r.year,
                "month": r.month,
                "version": r.version,
                "projects": list(r.projects),
            }
            for r in consequences.reports
        ],
        "needs_confirmation": consequences.needs_confirmation,
        "any": bool(consequences),
    }


def result_data(result: services.ImportResult) -> dict[str, Any]:
    """An import's result as its job's page shows it."""
    return {
        "ok": result.ok,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "error_count": len(result.errors),
        "errors": [str(e) for e in result.errors[:LISTED]],
        "warnings": [str(w) for w in result.warnings[:LISTED]],
        "changes": [
            {"label": c.label, "added": c.added, "fields": [list(f) for f in c.fields]}
            for c in result.changes
        ],
        "changes_left_off": result.changes_left_off,
        "consequences": consequences_data(result.consequences),
    }


def _urls(job: Job) -> dict[str, str]:
    # The roster's page: the carried-on project the user imported on (its roster is its origin's).
    project = job.params.get("page") or job.params.get("project")
    if job.params.get("admin"):
        model = "household" if job.kind == HOUSEHOLDS else "project"
        return {
            "confirm_url": reverse(f"admin:projects_{model}_import_job_confirm"),
            "cancel_url": reverse(f"admin:projects_{model}_import_job_cancel"),
            "list_url": reverse(f"admin:projects_{model}_changelist"),
            "upload_url": reverse(f"admin:projects_{model}_import"),
        }
    if job.kind == HOUSEHOLDS and project:
        return {
            "confirm_url": reverse("household_import", kwargs={"pk": project}),
            "cancel_url": reverse("household_import_cancel", kwargs={"pk": project}),
            "list_url": reverse("household_list", kwargs={"pk": project}),
            "upload_url": reverse("household_import", kwargs={"pk": project}),
        }
    return {
        "confirm_url": reverse("project_import"),
        "cancel_url": reverse("project_import_cancel"),
        "list_url": reverse("project_list"),
        "upload_url": reverse("project_import"),
    }


def _run_import(job: Job, progress: Progress) -> JobOutcome:
    token = str(job.params.get("token", ""))
    dry_run = bool(job.params.get("dry_run"))
    path = previews.preview_path(token)
    if not previews.TOKEN_RE.match(token) or not default_storage.exists(path):
        raise JobFailed(_("导入预览已过期，请重新上传文件"))
    if job.plan_year is None:
        raise JobFailed(_("年度计划已不存在，未导入"))
    households = job.kind == HOUSEHOLDS
    options: dict[str, Any] = {
        "plan_year": job.plan_year,
        "user": job.user,
        "dry_run": dry_run,
        "allow_status_changes": bool(job.params.get("allow_status_changes")),
        "progress": progress,
    }
    if households and job.params.get("project"):
        project = Project.objects.filter(pk=job.params["project"]).first()
        if project is None:
            raise JobFailed(_("项目已不存在，未导入"))
        options["project"] = project
    service = services.households_import if households else services.projects_import
    data: dict[str, Any] = {"token": token, "dry_run": dry_run, "households": households}
    data |= _urls(job)
    admin = bool(job.params.get("admin"))
    try:
        with default_storage.open(path, "rb") as handle:
            result = service(source=handle, **options)
    except StatusChangesNeedConfirmation as refused:
        if admin:
            previews.preview_delete(token)
            raise JobFailed(str(ADMIN_REFUSES), data=data) from None
        # Nothing written; the file waits for the confirmation, shown again with the checkbox.
        data |= {"refused": True, "consequences": consequences_data(refused.consequences)}
        raise JobFailed(
            _("未写入任何数据：此文件将改变项目的状态或已报送月报的数据，须勾选确认后才能导入。"),
            data=data,
        ) from None
    data |= result_data(result)
    if admin and result.ok and result.consequences.needs_confirmation:
        # The admin has no confirmation checkbox: such a file goes through the portal's pages.
        previews.preview_delete(token)
        raise JobFailed(str(ADMIN_REFUSES), data=data)
    if not result.ok:
        # The file is not kept: it is shown with its errors, then uploaded again once corrected.
        previews.preview_delete(token)
        raise JobFailed(
            ngettext(
                "文件有 %(n)d 处错误，未导入任何数据",
                "文件有 %(n)d 处错误，未导入任何数据",
                len(result.errors),
            )
            % {"n": len(result.errors)},
            data=data,
        )
    counts = {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}
    if dry_run:
        message = (
            _(
                "预览完成（尚未写入）：将新增 %(created)d 户，更新 %(updated)d 户，%(unchanged)d 户不变"
            )
            if households
            else _(
                "预览完成（尚未写入）：将新增 %(created)d 个项目，更新 %(updated)d 个，%(unchanged)d 个不变"
            )
        ) % counts
        return JobOutcome(message=message, data=data)
    previews.preview_delete(token)
    message = (
        _("导入完成：新增 %(created)d 户，更新 %(updated)d 户，未变 %(unchanged)d 户")
        if households
        else _("导入完成：新增 %(created)d 个项目，更新 %(updated)d 个，未变 %(unchanged)d 个")
    ) % counts
    return JobOutcome(message=message, data=data)


def register() -> None:
    """The core app's kinds of job (called from ProjectsConfig.ready())."""
    job_kind_register(
        JobKind(
            HOUSEHOLDS,
            gettext_lazy("住户花名册导入"),
            _run_import,
            template="projects/_import_job_outcome.html",
        )
    )
    job_kind_register(
        JobKind(
            PROJECTS,
            gettext_lazy("改造项目导入"),
            _run_import,
            template="projects/_import_job_outcome.html",
        )
    )
