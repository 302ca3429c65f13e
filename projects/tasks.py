"""The one Celery task: run a background job by its id (projects.jobs.job_run)."""

from celery import shared_task

from . import jobs


@shared_task(name="projects.job_run", ignore_result=True)
def job_run_task(job_id: int) -> None:
    """Run the job; its state, progress and result are on its row, never in Celery's backend."""
    jobs.job_run(job_id=job_id)
