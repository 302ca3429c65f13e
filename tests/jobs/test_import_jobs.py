"""Large imports run as background jobs (projects.import_jobs): preview, then import, each with its
progress recorded; a failing job writes nothing and says why; the counts equal the import's in the
request. Without a broker (the test settings) a job runs at once in the request that starts it."""

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from projects import previews, services
from projects.choices import JobState, Role
from projects.importing import HOUSEHOLD_HEADERS, PROJECT_HEADERS
from projects.models import Household, Job, PlanYear, Project, Unit, User
from projects.services import household_import
from tests.factories import ProjectFactory, UserFactory
from tests.jobs.helpers import client_of, started_job
from tests.xlsx import household_row, project_row, write_xlsx

pytestmark = pytest.mark.django_db

ROWS = 30


@pytest.fixture(autouse=True)
def small_threshold(settings: Any, tmp_path: Path) -> None:
    """Files of more than 10 data rows go to a job; media (previews, results) in a fresh folder."""
    settings.JOBS_IMPORT_ROWS = 10
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def clerk(programme: None) -> User:
    return UserFactory(role=Role.CLERK, unit=Unit.objects.get(name="驿城区"))


@pytest.fixture
def project(programme: None) -> Project:
    return ProjectFactory(name="建设路1号院", households=ROWS + 5, buildings=2)


def roster(tmp_path: Path, rows: int = ROWS, **bad: Any) -> Path:
    """``rows`` households of 建设路1号院, room 101 up; ``bad`` overrides the last row's cells."""
    lines = [household_row(**{"房号": str(101 + i)}) for i in range(rows)]
    if bad:
        lines[-1] = household_row(**{"房号": str(100 + rows), **bad})
    return write_xlsx(tmp_path / "roster.xlsx", HOUSEHOLD_HEADERS, lines)


def upload(client: Any, url: str, path: Path) -> Any:
    with path.open("rb") as handle:
        return client.post(url, {"file": handle, "preview": "1"})


def test_a_large_roster_is_previewed_then_imported_by_jobs_with_their_progress(
    clerk: User, project: Project, tmp_path: Path
) -> None:
    """Uploading 30 rows (over the threshold of 10) starts a preview job that writes nothing and
    counts 30 households to add; its page offers the confirm form, which starts the import job:
    30 households written, 30 + 30 rows of progress (checked, then written), the preview file gone."""
    client = client_of(clerk)
    url = reverse("household_import", args=[project.pk])
    preview = started_job(upload(client, url, roster(tmp_path)))
    assert (preview.kind, preview.state, preview.user) == ("households_import", "done", clerk)
    assert (preview.done, preview.total) == (2 * ROWS, 2 * ROWS)
    assert preview.outcome["created"] == ROWS and not Household.objects.exists()
    page = client.get(reverse("job_detail", args=[preview.pk])).content.decode()
    assert "将新增 30 户，更新 0 户，0 户不变" in page
    token = re.search(r'name="token" value="([0-9a-f]{32})"', page)
    assert token and f'action="{url}"' in page
    imported = started_job(client.post(url, {"token": token.group(1), "confirm": "1"}))
    assert imported.state == JobState.DONE, imported.message
    assert imported.message == "导入完成：新增 30 户，更新 0 户，未变 0 户"
    assert (imported.done, imported.total) == (2 * ROWS, 2 * ROWS)
    assert Household.objects.filter(project=project).count() == ROWS
    assert not default_storage.exists(previews.preview_path(token.group(1)))


def test_a_small_roster_is_still_imported_in_the_request(
    clerk: User, project: Project, tmp_path: Path
) -> None:
    """Ten rows (at the threshold) are previewed in the request as before: no job."""
    response = upload(
        client_of(clerk), reverse("household_import", args=[project.pk]), roster(tmp_path, 10)
    )
    assert response.status_code == 200 and "将新增 10 户" in response.content.decode()
    assert not Job.objects.exists()


def test_the_jobs_counts_equal_the_import_in_the_request(
    clerk: User, project: Project, tmp_path: Path
) -> None:
    """The same file, half of it already recorded with other answers: the preview job's counts,
    warnings and changes are the request's dry run's, and the import job writes what the import in
    the request writes."""
    path = roster(tmp_path)
    plan_year = PlanYear.objects.get(year=2022)
    earlier = write_xlsx(
        tmp_path / "earlier.xlsx",
        HOUSEHOLD_HEADERS,
        [household_row(**{"房号": str(101 + i), "户主姓名": "赵六"}) for i in range(ROWS // 2)],
    )
    assert services.households_import(source=earlier, plan_year=plan_year, project=project).ok
    in_request = services.households_import(
        source=path, plan_year=plan_year, user=clerk, project=project, dry_run=True
    )
    assert (in_request.created, in_request.updated, in_request.unchanged) == (15, 15, 0)
    client = client_of(clerk)
    url = reverse("household_import", args=[project.pk])
    preview = started_job(upload(client, url, path))
    outcome = preview.outcome
    assert (outcome["created"], outcome["updated"], outcome["unchanged"]) == (15, 15, 0)
    assert outcome["warnings"] == [str(w) for w in in_request.warnings]
    assert [c["label"] for c in outcome["changes"]] == [c.label for c in in_request.changes]
    imported = started_job(client.post(url, {"token": outcome["token"], "confirm": "1"}))
    assert imported.outcome["created"] == 15 and imported.outcome["updated"] == 15
    assert sorted(Household.objects.values_list("room", "head_name")) == sorted(
        (str(101 + i), "李四") for i in range(ROWS)
    )


def test_a_roster_with_a_bad_row_fails_its_job_and_writes_nothing(
    clerk: User, project: Project, tmp_path: Path
) -> None:
    """The last of 30 rows has a date that does not exist: the preview job fails saying how many
    errors and which row, writes nothing, and keeps no copy of the file."""
    client = client_of(clerk)
    job = started_job(
        upload(
            client,
            reverse("household_import", args=[project.pk]),
            roster(tmp_path, **{"表态日期": "2022-02-30"}),
        )
    )
    assert job.state == JobState.FAILED and job.message == "文件有 1 处错误，未导入任何数据"
    # The header is row 1: the 30th data row is row 31. A resident's cell is never echoed.
    assert job.outcome["errors"] == [
        f"第{ROWS + 1}行「表态日期」：日期应为Excel日期或YYYY-MM-DD格式"
    ]
    page = client.get(reverse("job_detail", args=[job.pk])).content.decode()
    assert "文件有 1 处错误" in page and f"第{ROWS + 1}行" in page and "import-confirm" not in page
    assert not Household.objects.exists()
    assert not default_storage.exists(previews.preview_path(job.outcome["token"]))


def test_an_exception_part_way_through_the_writes_rolls_the_import_back(
    clerk: User, project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Written 10 rows at a time, the import job meets an exception in its second batch: the job
    fails with a Chinese reason, and not one household (nor its history) is left written."""
    client = client_of(clerk)
    url = reverse("household_import", args=[project.pk])
    preview = started_job(upload(client, url, roster(tmp_path)))
    monkeypatch.setattr(household_import, "BATCH", 10)
    original = household_import._write_households
    calls = []

    def failing(*args: Any, **kwargs: Any) -> None:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        original(*args, **kwargs)

    monkeypatch.setattr(household_import, "_write_households", failing)
    imported = started_job(client.post(url, {"token": preview.outcome["token"], "confirm": "1"}))
    assert imported.state == JobState.FAILED
    assert imported.message == "任务执行出错，未写入任何数据；请稍后重试，仍不成功请联系系统管理员"
    assert "disk full" not in imported.message
    assert len(calls) == 2
    assert not Household.objects.exists() and not Household.history.exists()
    page = client.get(reverse("job_detail", args=[imported.pk])).content.decode()
    assert "任务执行出错，未写入任何数据" in page and "job-download" not in page


def test_a_large_projects_file_is_previewed_and_imported_by_jobs(
    clerk: User, tmp_path: Path
) -> None:
    """The projects template over the threshold: 12 projects previewed by one job (nothing written)
    and written by the next, with 12 + 12 rows of progress; counts as the request's."""
    rows = [project_row(**{"小区名称": f"幸福{i}号院"}) for i in range(12)]
    path = write_xlsx(tmp_path / "projects.xlsx", PROJECT_HEADERS, rows)
    plan_year = PlanYear.objects.get(year=2022)
    in_request = services.projects_import(
        source=path, plan_year=plan_year, user=clerk, dry_run=True
    )
    assert in_request.created == 12
    client = client_of(clerk)
    url = reverse("project_import")
    preview = started_job(upload(client, url, path))
    assert preview.state == JobState.DONE and preview.outcome["created"] == in_request.created
    assert (preview.done, preview.total) == (24, 24) and not Project.objects.exists()
    imported = started_job(client.post(url, {"token": preview.outcome["token"], "confirm": "1"}))
    assert imported.message == "导入完成：新增 12 个项目，更新 0 个，未变 0 个"
    assert Project.objects.count() == 12


def test_another_user_cannot_see_or_confirm_the_preview_job(
    clerk: User, project: Project, tmp_path: Path
) -> None:
    """The job is its starter's: the unit's leader gets a 404 for its page and status, and the
    leader's confirm with the token (not in the leader's session) imports nothing."""
    preview = started_job(
        upload(client_of(clerk), reverse("household_import", args=[project.pk]), roster(tmp_path))
    )
    leader = client_of(UserFactory(role=Role.LEADER, unit=project.unit))
    assert leader.get(reverse("job_detail", args=[preview.pk])).status_code == 404
    assert leader.get(reverse("job_status", args=[preview.pk])).status_code == 404
    response = leader.post(
        reverse("household_import", args=[project.pk]),
        {"token": preview.outcome["token"], "confirm": "1"},
    )
    assert response.status_code == 302 and Job.objects.count() == 1
    assert not Household.objects.exists()


# --- the admin's import -------------------------------------------------------------------------


@pytest.fixture
def superuser(programme: None) -> User:
    return UserFactory(role=Role.ADMIN, unit=None, is_staff=True, is_superuser=True)


def admin_upload(client: Any, path: Path) -> Any:
    with path.open("rb") as handle:
        return client.post(
            reverse("admin:projects_household_import"),
            {
                "resource": "0",
                "format": "0",
                "plan_year": PlanYear.objects.get(year=2022).pk,
                "import_file": handle,
            },
        )


def test_a_large_roster_in_the_admin_is_previewed_and_imported_by_jobs(
    superuser: User, project: Project, tmp_path: Path
) -> None:
    """The admin's household import of 30 rows (any project) goes to jobs too: the preview job's
    page posts its confirmation to the admin, whose import job writes the 30 households."""
    client = client_of(superuser)
    preview = started_job(admin_upload(client, roster(tmp_path)))
    assert preview.state == JobState.DONE and preview.outcome["created"] == ROWS
    assert preview.outcome["confirm_url"] == reverse("admin:projects_household_import_job_confirm")
    assert not Household.objects.exists()
    page = client.get(reverse("job_detail", args=[preview.pk])).content.decode()
    assert f'action="{preview.outcome["confirm_url"]}"' in page
    imported = started_job(
        client.post(preview.outcome["confirm_url"], {"token": preview.outcome["token"]})
    )
    assert imported.message == "导入完成：新增 30 户，更新 0 户，未变 0 户"
    assert Household.objects.filter(project=project).count() == ROWS


def test_the_admin_refuses_a_large_roster_that_moves_a_consent_date(
    superuser: User, project: Project, tmp_path: Path
) -> None:
    """30 agreeing households recorded (consent met on March 1st); the same 30 answering 不同意 in
    the admin would take the consent date away, which the admin cannot confirm: the preview job
    fails saying where to import it instead, and nothing changes."""
    plan_year = PlanYear.objects.get(year=2022)
    assert services.households_import(source=roster(tmp_path), plan_year=plan_year).ok
    project.refresh_from_db()
    assert project.consent_met_on is not None
    disagreeing = write_xlsx(
        tmp_path / "disagree.xlsx",
        HOUSEHOLD_HEADERS,
        [household_row(**{"房号": str(101 + i), "改造方案意见": "不同意"}) for i in range(ROWS)],
    )
    job = started_job(admin_upload(client_of(superuser), disagreeing))
    assert (
        job.state == JobState.FAILED and "后台导入不能确认此类变化，未写入任何数据" in job.message
    )
    assert Household.objects.filter(plan_opinion="agree").count() == ROWS
    assert not default_storage.exists(previews.preview_path(job.outcome["token"]))
