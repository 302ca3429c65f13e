"""The user's background jobs (我的任务): the list, a job's page with its progress bar, the status the
page polls, and the result's download.

Every job is looked up among the signed-in user's own (``jobs.jobs_of``): another user's job is a
404 whatever id the URL names, the city office's and administrators' included.
"""

from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache

from . import jobs
from .choices import JobState
from .models import Job
from .template_files import XLSX_CONTENT_TYPE
from .view_helpers import portal_user

PAGE_SIZE = 25


def _own_job(request: HttpRequest, pk: int) -> Job:
    """The user's job, failed first if it was lost with its worker (jobs.jobs_reap_shown)."""
    job = get_object_or_404(jobs.jobs_of(user=portal_user(request)), pk=pk)
    jobs.jobs_reap_shown([job])
    return job


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    """The user's jobs, newest first, 25 a page; those lost with their worker shown failed."""
    page = Paginator(jobs.jobs_of(user=portal_user(request)), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    jobs.jobs_reap_shown(page)
    return render(
        request,
        "projects/job_list.html",
        {"page": page, "rows": [(job, jobs.job_kind(job.kind)) for job in page]},
    )


@never_cache
@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A job: its progress bar while it runs (the page polls its status), then what it did, why it
    failed, or its result to download."""
    job = _own_job(request, pk)
    kind = jobs.job_kind(job.kind)
    return render(
        request,
        "projects/job_detail.html",
        {
            "job": job,
            "kind": kind,
            "outcome_template": kind.template if kind and job.over else "",
        },
    )


@never_cache
@login_required
def job_status(request: HttpRequest, pk: int) -> JsonResponse:
    """The job's state and progress, as the progress bar reads them."""
    job = _own_job(request, pk)
    return JsonResponse(
        {
            "state": job.state,
            "state_label": str(job.get_state_display()),
            "done": job.done,
            "total": job.total,
            "percent": job.percent,
            "over": job.over,
            "message": job.message,
        }
    )


@never_cache
@login_required
def job_download(request: HttpRequest, pk: int) -> FileResponse:
    """The finished job's file, to the user who started it only."""
    job = _own_job(request, pk)
    if job.state != JobState.DONE or not job.result:
        raise Http404
    try:
        handle = job.result.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    name = job.result_name or "result.xlsx"
    content_type = XLSX_CONTENT_TYPE if name.endswith(".xlsx") else "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response
