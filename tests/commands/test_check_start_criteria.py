"""check_start_criteria: the five criteria per project, as JSON."""

import json
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from projects.choices import Criterion, ProjectKind
from projects.models import PlanYear, Unit
from projects.services import criterion_record, projects_refresh_start
from tests.factories import HouseholdFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def test_fixtures_alone_list_no_projects(
    plan_year: PlanYear, capsys: pytest.CaptureFixture[str]
) -> None:
    """With the fixtures alone there are no projects to judge."""
    call_command("check_start_criteria", "--year", "2022", "--json")
    assert json.loads(capsys.readouterr().out)["projects"] == []


def test_criteria_per_project(plan_year: PlanYear, capsys: pytest.CaptureFixture[str]) -> None:
    """A 5-household project with 4 agreeing and all dates recorded started on its last date."""
    project = ProjectFactory(households=5, contractor="某公司")
    for i, day in enumerate([1, 3, 2, 9]):
        HouseholdFactory(project=project, room=str(101 + i), answered_on=date(2022, 3, day))
    for criterion, day in [
        (Criterion.STRUCTURES_CLEARED, date(2022, 3, 5)),
        (Criterion.DESIGN_POSTED, date(2022, 3, 6)),
        (Criterion.CONTRACT_SIGNED, date(2022, 3, 7)),
        (Criterion.ON_SITE, date(2022, 3, 8)),
    ]:
        criterion_record(project=project, criterion=criterion, met_on=day, user=None)
    other = ProjectFactory(unit=Unit.objects.get(name="遂平县"))
    ProjectFactory(kind=ProjectKind.CARRYOVER)  # the start rule does not apply
    projects_refresh_start(project_ids=[project.id, other.id])
    call_command("check_start_criteria", "--year", "2022", "--unit", "驿城区", "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["unit"] == "驿城区" and len(data["projects"]) == 1
    row = data["projects"][0]
    # 80 % of 5 is 4: the 4th agreement (03-09) meets consent, after on-site (03-08).
    assert row["criteria"]["consent"] == {
        "met": True,
        "date": "2022-03-09",
        "verified": True,
        "reason": "",
    }
    assert row["criteria"]["on_site"]["date"] == "2022-03-08"
    assert row["criteria"]["on_site"]["verified"] is False  # no evidence file yet
    assert (row["consent_agreed"], row["households"], row["started"], row["start_date"]) == (
        4,
        5,
        True,
        "2022-03-09",
    )
    project.refresh_from_db()
    assert project.started_on == date(2022, 3, 9)

    call_command("check_start_criteria", "--year", "2022", "--as-of", "2022-03-08", "--json")
    rows = json.loads(capsys.readouterr().out)["projects"]
    assert len(rows) == 2
    assert rows[0]["started"] is False and rows[0]["criteria"]["consent"]["met"] is False
    assert rows[1]["criteria"]["contract_signed"]["met"] is False


def test_unknown_unit(plan_year: PlanYear) -> None:
    """An unknown unit is a clear error."""
    with pytest.raises(CommandError, match="没有名为"):
        call_command("check_start_criteria", "--unit", "不存在县")
