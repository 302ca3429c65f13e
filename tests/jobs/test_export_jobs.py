"""The city's workbooks, the residents export and the re-check of all reports as background jobs
(reporting.jobs): each job's file has the same cells as the download made in the request, only its
starter gets it, and a job that cannot run says why and records nothing."""

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from projects import jobs
from projects.choices import JobState, Role
from projects.models import Household, Job, PersonalDataAccess, PlanYear, Project, Unit, User
from reporting import reports
from reporting.models import ReportFlag
from tests.factories import HouseholdFactory, UserFactory
from tests.jobs.helpers import cell_values, client_of, downloaded, started_job
from tests.reporting.test_export_records import change_the_records_after_june, file_month

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def test_the_city_month_workbook_job_gives_the_requests_cells(
    people: dict[str, User], projects: dict[str, Project]
) -> None:
    """June's city workbook made by the page's button (a job) has every cell of the one the GET
    makes in the request; the job is done with its file named as the download is."""
    file_month(people, 6, approved=date(2022, 7, 3))
    client = client_of(people["city"])
    url = reverse("reporting:city_month_export", args=[6])
    in_request = client.get(url)
    job = started_job(client.post(url))
    assert (job.kind, job.state, job.params) == ("city_month_export", JobState.DONE, {"month": 6})
    assert job.result_name == "驻马店市城镇老旧小区改造进展情况月报（2022年6月）.xlsx"
    assert job.done == job.total > 0
    assert cell_values(downloaded(client, job)) == cell_values(in_request.content)


def test_the_assessment_job_is_judged_on_the_pages_day(
    people: dict[str, User], projects: dict[str, Project]
) -> None:
    """The assessment export started from the page judged on 2023-01-10 keeps that day and gives
    the cells of the GET for the same day."""
    client = client_of(people["city"])
    url = reverse("reporting:assessment_export")
    in_request = client.get(url, {"as_of": "2023-01-10"})
    job = started_job(client.post(f"{url}?as_of=2023-01-10"))
    assert job.params == {"as_of": "2023-01-10"} and job.state == JobState.DONE
    values = cell_values(downloaded(client, job))
    assert values == cell_values(in_request.content)
    assert values[0][1][0] == "截至2023年1月10日"


def test_units_cannot_start_the_city_jobs(people: dict[str, User]) -> None:
    """A unit's clerk is refused the city workbook, the assessment and the re-check: no job."""
    clerk = client_of(people["clerk"])
    assert clerk.post(reverse("reporting:city_month_export", args=[6])).status_code == 403
    assert clerk.post(reverse("reporting:assessment_export")).status_code == 403
    assert clerk.post(reverse("reporting:flags_check")).status_code == 403
    assert not Job.objects.exists()


def test_the_residents_export_job_is_audited_and_only_its_starters(
    people: dict[str, User],
) -> None:
    """The city office's export of 驿城区 becomes a job: the file holds both households in full, one
    audit record names the reason; another city officer gets a 404 for the job and its file."""
    yicheng = Unit.objects.get(name="驿城区")
    HouseholdFactory(head_name="张三丰", phone="13812341234", room="101")
    HouseholdFactory(head_name="李四光", phone="13912341234", room="102")
    client = client_of(people["city"])
    job = started_job(
        client.post(
            reverse("reporting:residents_export"),
            {"unit": yicheng.pk, "reason": "入户回访", "confirm": "on"},
        )
    )
    assert (job.kind, job.unit, job.state) == ("residents_export", yicheng, JobState.DONE)
    rows = cell_values(downloaded(client, job))[0]
    assert [r[5:7] for r in rows[1:]] == [["张三丰", "13812341234"], ["李四光", "13912341234"]]
    access = PersonalDataAccess.objects.get()
    assert (access.user, access.households, access.reason) == (people["city"], 2, "入户回访")
    other = client_of(UserFactory(role=Role.CITY, unit=None))
    assert other.get(reverse("job_detail", args=[job.pk])).status_code == 404
    assert other.get(reverse("job_download", args=[job.pk])).status_code == 404


def test_a_residents_export_its_starter_may_no_longer_make_fails_and_records_nothing(
    people: dict[str, User],
) -> None:
    """Started for a user who is not (or no longer) the city office, the job fails saying so, with
    no file and no audit record."""
    HouseholdFactory(head_name="张三丰")
    job = jobs.job_start(
        kind="residents_export",
        user=people["clerk"],
        unit=Unit.objects.get(name="驿城区"),
        params={"reason": "入户回访"},
    )
    assert job.state == JobState.FAILED and job.message == "只有市老旧办可以导出住户完整信息"
    assert not job.result and not PersonalDataAccess.objects.exists()
    assert Household.objects.count() == 1


def test_the_flags_check_job_raises_the_flag_the_check_would(
    people: dict[str, User], projects: dict[str, Project]
) -> None:
    """June's valid report, then the records change: the re-check started from the flags page runs
    as a job, raises the one flag, says so, and its page leads to the flags; checking again in the
    request finds nothing new (the job's check was the same check)."""
    file_month(people, 6, approved=date(2022, 7, 3))
    change_the_records_after_june(projects)
    client = client_of(people["city"])
    job = started_job(client.post(reverse("reporting:flags_check")))
    assert job.state == JobState.DONE
    assert job.message == "发现 1 个新疑点，更新 0 个，失效 0 个"
    assert job.outcome == {"raised": 1, "updated": 0, "lapsed": 0}
    assert (job.done, job.total) == (1, 1)
    assert ReportFlag.objects.count() == 1
    page = client.get(reverse("job_detail", args=[job.pk])).content.decode()
    assert reverse("reporting:flags") in page and "发现 1 个新疑点" in page
    assert not reports.flags_check(plan_year=PlanYear.objects.get(year=2022))
