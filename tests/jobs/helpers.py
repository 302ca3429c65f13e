"""What the job tests share: a signed-in client, the job a page started, and its file."""

import io
from typing import Any

from django.http import HttpResponse
from django.test import Client
from django.urls import resolve, reverse
from openpyxl import load_workbook

from projects.models import Job, User


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def started_job(response: HttpResponse) -> Job:
    """The job a page started: it answered with a redirect to the job's page."""
    assert response.status_code == 302, response.status_code
    match = resolve(response["Location"])
    assert match.url_name == "job_detail", response["Location"]
    return Job.objects.get(pk=match.kwargs["pk"])


def downloaded(client: Client, job: Job) -> bytes:
    response = client.get(reverse("job_download", args=[job.pk]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)  # type: ignore[attr-defined]


def cell_values(content: bytes) -> list[list[list[Any]]]:
    """Every sheet's cell values, row by row: what two workbooks must share to be the same."""
    workbook = load_workbook(io.BytesIO(content))
    return [[list(row) for row in sheet.iter_rows(values_only=True)] for sheet in workbook]
