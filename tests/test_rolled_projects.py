"""A project carried into 2023 (issue 16) and the 2022 project it continues: linked both ways on
their pages; the 2023 project shows and writes the 2022 project's roster, and shows its criteria
and evidence; the 2022 project refuses further completion and acceptance (they go on 2023's row)."""

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from projects import records, services
from projects.choices import Criterion, Opinion, Role
from projects.importing import HOUSEHOLD_HEADERS, PROJECT_HEADERS
from projects.models import Household, Job, Project, StartCriterion, Unit, User
from tests.factories import HouseholdFactory, UserFactory
from tests.pdf import PDF
from tests.rollover import RolloverWorld, rollover_world
from tests.xlsx import household_row, project_row, write_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(programme: None, settings: Any, tmp_path: Path) -> RolloverWorld:
    """The world of tests/rollover.py rolled over; 未开工小区 (2022, 40 households) has 2 households
    recorded, one agreeing, and its design posting recorded on 2022-05-20 with a scan."""
    settings.MEDIA_ROOT = tmp_path
    world = rollover_world()
    origin = world.projects["未开工小区"]
    HouseholdFactory(project=origin, room="101")
    HouseholdFactory(project=origin, room="102", plan_opinion=Opinion.DISAGREE)
    StartCriterion.objects.create(
        project=origin,
        criterion=Criterion.DESIGN_POSTED,
        met_on=date(2022, 5, 20),
        evidence=SimpleUploadedFile("design.pdf", PDF),
    )
    services.plan_year_rollover(
        source=world.y2022, target=world.y2023, user=UserFactory(role=Role.CITY, unit=None)
    )
    return world


@pytest.fixture
def clerk(programme: None) -> User:
    return UserFactory(role=Role.CLERK, unit=Unit.objects.get(name="驿城区"))


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def continued(world: RolloverWorld, name: str) -> Project:
    return Project.objects.get(plan_year=world.y2023, name=name)


def test_each_year_links_to_the_other(world: RolloverWorld, clerk: User) -> None:
    """2023's page names the 2022 project and its history; 2022's says where the project went."""
    origin, now = world.projects["未完工小区"], continued(world, "未完工小区")
    client = logged_in(clerk)
    page = client.get(reverse("project_detail", args=[now.pk])).content.decode()
    assert 'id="rolled-from"' in page
    assert reverse("project_detail", args=[origin.pk]) in page
    assert reverse("project_history", args=[origin.pk]) in page
    old = client.get(reverse("project_detail", args=[origin.pk])).content.decode()
    assert 'id="rolled-into"' in old
    assert "本项目截至2022年12月31日未完工，已转入2023年度续建" in old
    assert reverse("project_detail", args=[now.pk]) in old


def test_the_new_years_project_shows_the_criteria_and_evidence_of_2022(
    world: RolloverWorld, clerk: User
) -> None:
    """The design posting of 2022-05-20 and its scan, and 1 of 40 households agreeing, on 2023's
    page; the scan downloads through 2023's project."""
    now = continued(world, "未开工小区")
    client = logged_in(clerk)
    page = client.get(reverse("project_detail", args=[now.pk])).content.decode()
    assert "2022年度记录" in page
    assert "2022年5月20日" in page
    evidence = reverse("evidence_download", args=[now.pk, Criterion.DESIGN_POSTED.value])
    assert evidence in page
    assert client.get(evidence).status_code == 200
    assert "同意 1 户 / 共 40 户" in page


def test_the_roster_of_the_new_year_is_the_2022_roster(world: RolloverWorld, clerk: User) -> None:
    """2023's roster lists 2022's two households, and a household added there is 2022's third."""
    origin, now = world.projects["未开工小区"], continued(world, "未开工小区")
    client = logged_in(clerk)
    page = client.get(reverse("household_list", args=[now.pk])).content.decode()
    assert 'id="roster-origin"' in page
    assert "1-1-101" in page and "1-1-102" in page
    response = client.post(
        reverse("household_create", args=[now.pk]),
        {
            "building": "2",
            "entrance": "1",
            "room": "201",
            "head_name": "李四",
            "phone": "13900005678",
            "plan_opinion": Opinion.AGREE,
            "management_opinion": Opinion.AGREE,
            "answered_on": "2023-02-01",
        },
    )
    assert response.status_code == 302
    assert Household.objects.filter(project=origin).count() == 3
    assert not Household.objects.filter(project=now).exists()


def test_criteria_are_recorded_on_the_2022_project(world: RolloverWorld, clerk: User) -> None:
    """Recording a criterion from 2023's project leads to 2022's form: the same record."""
    origin, now = world.projects["未开工小区"], continued(world, "未开工小区")
    response = logged_in(clerk).get(
        reverse("criterion_edit", args=[now.pk, Criterion.ON_SITE.value])
    )
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "criterion_edit", args=[origin.pk, Criterion.ON_SITE.value]
    )


def test_the_2022_project_refuses_acceptance(world: RolloverWorld, clerk: User) -> None:
    """跨年完工小区 was completed on 2023-01-02 and carried on: its acceptance goes on 2023's row."""
    origin = world.projects["跨年完工小区"]
    with pytest.raises(ValidationError) as refused:
        records.acceptance_save(
            project=origin,
            user=clerk,
            accepted_on=date(2023, 2, 1),
            data={"participants": "监理", "handed_to": "community"},
        )
    assert refused.value.message_dict["accepted_on"] == [
        "该项目已转入2023年度续建（跨年完工小区），完工和验收移交请在2023年度的项目中填报"
    ]
    assert Project.objects.get(pk=origin.pk).accepted_on is None
    records.acceptance_save(
        project=continued(world, "跨年完工小区"),
        user=clerk,
        accepted_on=date(2023, 2, 1),
        data={"participants": "监理", "handed_to": "community"},
    )
    assert continued(world, "跨年完工小区").accepted_on == date(2023, 2, 1)


def test_the_2022_project_refuses_a_completion_date(world: RolloverWorld, clerk: User) -> None:
    """A completion date entered on 2022's 未开工小区 is refused with the 2023 project named; other
    fields of the community may still be corrected there."""
    origin = world.projects["未开工小区"]
    with pytest.raises(ValidationError) as refused:
        services.project_update(
            project_id=origin.pk,
            expected_version=origin.version,
            user=clerk,
            data={"completed_on": date(2023, 3, 1)},
        )
    assert "该项目已转入2023年度续建（未开工小区）" in refused.value.message_dict["completed_on"][0]
    assert Project.objects.get(pk=origin.pk).completed_on is None
    saved = services.project_update(
        project_id=origin.pk,
        expected_version=Project.objects.get(pk=origin.pk).version,
        user=clerk,
        data={"address": "建设路9号"},
    )
    assert saved.address == "建设路9号"


def test_the_2022_project_import_refuses_a_completion_date(
    world: RolloverWorld, tmp_path: Path
) -> None:
    """2022's project file giving 未开工小区 a completion date: the row is refused with the 2023
    project named, and nothing is written."""
    path = write_xlsx(
        tmp_path / "p.xlsx",
        PROJECT_HEADERS,
        [
            project_row(
                **{
                    "小区名称": "未开工小区",
                    "户数": 40,
                    **dict.fromkeys(("违建拆除日期", "设计公示日期", "施工合同日期", "进场日期")),
                    "完工日期": "2023-03-01",
                }
            )
        ],
    )
    result = services.projects_import(source=path, plan_year=world.y2022)
    assert (
        "完工日期",
        "该项目已转入2023年度续建（未开工小区），完工和验收移交请在2023年度的项目中填报",
    ) in [(e.column, e.message) for e in result.errors]
    assert Project.objects.get(pk=world.projects["未开工小区"].pk).completed_on is None


def test_the_new_years_roster_file_fills_the_2022_roster(
    world: RolloverWorld, clerk: User, tmp_path: Path
) -> None:
    """A 2023 roster file naming 未开工小区 adds its households to the 2022 project's roster."""
    origin, now = world.projects["未开工小区"], continued(world, "未开工小区")
    path = write_xlsx(
        tmp_path / "h.xlsx",
        HOUSEHOLD_HEADERS,
        [household_row(**{"小区名称": "未开工小区", "房号": "301", "表态日期": "2023-02-01"})],
    )
    result = services.households_import(source=path, plan_year=world.y2023, user=clerk)
    assert result.ok, result.errors
    assert (result.created, Household.objects.filter(project=origin).count()) == (1, 3)
    assert not Household.objects.filter(project=now).exists()


def test_a_large_roster_of_the_new_year_goes_to_the_2022_roster_through_jobs(
    world: RolloverWorld, clerk: User, tmp_path: Path, settings: Any
) -> None:
    """Over the background threshold, the roster uploaded on the 2023 project's page is previewed
    and imported by jobs into the 2022 project's roster, and the job's page leads back to the 2023
    project's pages."""
    settings.JOBS_IMPORT_ROWS = 10
    origin, now = world.projects["未开工小区"], continued(world, "未开工小区")
    rows = [
        household_row(**{"小区名称": "未开工小区", "房号": str(301 + i), "表态日期": "2023-02-01"})
        for i in range(12)
    ]
    client = logged_in(clerk)
    url = reverse("household_import", args=[now.pk])
    with write_xlsx(tmp_path / "h.xlsx", HOUSEHOLD_HEADERS, rows).open("rb") as handle:
        response = client.post(url, {"file": handle, "preview": "1"})
    preview = Job.objects.get()
    assert response["Location"] == reverse("job_detail", args=[preview.pk])
    assert preview.state == "done", preview.message
    assert (preview.params["project"], preview.plan_year) == (origin.pk, origin.plan_year)
    assert preview.outcome["confirm_url"] == url and preview.outcome["created"] == 12
    client.post(url, {"token": preview.outcome["token"], "confirm": "1"})
    imported = Job.objects.latest("pk")
    assert imported.state == "done", imported.message
    assert imported.outcome["list_url"] == reverse("household_list", args=[now.pk])
    assert Household.objects.filter(project=origin).count() == 14
    assert not Household.objects.filter(project=now).exists()


def test_a_new_years_roster_that_moves_a_2022_date_names_2022s_valid_report(
    world: RolloverWorld, clerk: User, tmp_path: Path
) -> None:
    """未完工小区's 2022 start (2022-06-01) is not backed by recorded criteria, so any roster
    change makes the start rule take it away. A 2023 roster file adding a household to it (written
    to the 2022 project) thus moves a 2022 date: the import names 驿城区's valid June 2022 report
    and, unconfirmed, writes nothing."""
    from projects.consequences import StatusChangesNeedConfirmation
    from projects.rules.reports import ReportState
    from reporting.models import MonthlyReport

    MonthlyReport.objects.create(
        plan_year=world.y2022,
        unit=Unit.objects.get(name="驿城区"),
        month=6,
        version=1,
        state=ReportState.RECEIVED,
        stamp="stamps/r.pdf",
        digest="0" * 64,
        approved_at=timezone.now(),
    )
    origin = world.projects["未完工小区"]
    path = write_xlsx(
        tmp_path / "h.xlsx",
        HOUSEHOLD_HEADERS,
        [household_row(**{"小区名称": "未完工小区", "房号": "301", "表态日期": "2023-02-01"})],
    )
    preview = services.households_import(
        source=path, plan_year=world.y2023, user=clerk, dry_run=True
    )
    assert [(r.year, r.month) for r in preview.consequences.reports] == [(2022, 6)]
    with pytest.raises(StatusChangesNeedConfirmation):
        services.households_import(source=path, plan_year=world.y2023, user=clerk)
    origin.refresh_from_db()
    assert origin.started_on == date(2022, 6, 1)
    assert not Household.objects.filter(project=origin).exists()
