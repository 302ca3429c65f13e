"""check_targets: the milestone table as JSON and as text, for the fixtures alone and hand-made cases."""

import io
import json
from datetime import date

import pytest
from django.core.management import call_command

from projects.choices import ProjectKind
from projects.models import PlanYear, Project, Unit
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db
KEYS = {"carryover_completed", "new_started_half", "new_all_started", "new_completed_70"}


def check(as_of: str, capsys: pytest.CaptureFixture[str]) -> dict:  # type: ignore[type-arg]
    call_command("check_targets", "--year", "2022", "--as-of", as_of, "--json")
    return json.loads(capsys.readouterr().out)


def unit(data: dict, name: str) -> dict:  # type: ignore[type-arg]
    return next(u["milestones"] for u in data["units"] if u["unit"] == name)


def test_fixtures_alone(plan_year: PlanYear, capsys: pytest.CaptureFixture[str]) -> None:
    """With no progress at all, 2022-06-30 is missed wherever a positive target is known."""
    data = check("2022-06-30", capsys)
    assert (data["year"], data["as_of"]) == (2022, "2022-06-30")
    assert [u["unit"] for u in data["units"]][:3] == ["驿城区", "经济开发区", "遂平县"]
    assert len(data["units"]) == 11
    city = data["city"]["milestones"]
    assert set(city) == KEYS
    assert city["new_started_half"] == {
        "due": "2022-06-30", "target": 7974, "actual": 0, "status": "missed", "actual_as_of": 0
    }  # fmt: skip
    assert city["carryover_completed"]["target"] == 4676
    assert city["new_completed_70"]["target"] == 11164
    yc = unit(data, "驿城区")
    assert (yc["new_started_half"]["target"], yc["new_started_half"]["status"]) == (2402, "missed")
    assert unit(data, "遂平县")["new_started_half"]["target"] == 238
    assert unit(data, "上蔡县")["carryover_completed"] == {
        "due": "2022-06-30", "target": 0, "actual": 0, "status": "met", "actual_as_of": 0,
        "projects_total": 0, "projects_completed": 0,
    }  # fmt: skip
    assert unit(data, "经济开发区")["carryover_completed"]["status"] == "no_target"
    assert unit(data, "经济开发区")["carryover_completed"]["target"] is None
    assert unit(data, "确山县")["new_all_started"]["status"] == "no_target"
    assert data["unallocated"] == {
        "new_starts": 5307, "completions": 3714, "carryover_unassigned": [30, 2113]
    }  # fmt: skip


@pytest.fixture
def yicheng(plan_year: PlanYear) -> None:
    """驿城区: 2000 + 402 households started by 06-30, 2402 more on 07-15; carry-over 962 done 06-30.
    遂平县: 237 households started 06-30, one short of its 238."""
    yc = Unit.objects.get(name="驿城区")
    ProjectFactory(
        unit=yc, households=2000, started_on=date(2022, 5, 1), completed_on=date(2022, 9, 1)
    )
    ProjectFactory(unit=yc, households=402, started_on=date(2022, 6, 30))
    ProjectFactory(unit=yc, households=2402, started_on=date(2022, 7, 15))
    ProjectFactory(
        unit=yc, households=962, kind=ProjectKind.CARRYOVER, completed_on=date(2022, 6, 30)
    )
    ProjectFactory(
        unit=Unit.objects.get(name="遂平县"), households=237, started_on=date(2022, 6, 30)
    )


def test_hand_made_case_on_june_30(yicheng: None, capsys: pytest.CaptureFixture[str]) -> None:
    """On 06-30, 2402 of 4804 is exactly half (met); 237 of 475 is one household short (missed)."""
    data = check("2022-06-30", capsys)
    yc = unit(data, "驿城区")
    assert (yc["new_started_half"]["actual"], yc["new_started_half"]["status"]) == (2402, "met")
    assert (yc["carryover_completed"]["actual"], yc["carryover_completed"]["status"]) == (
        962,
        "met",
    )
    # 2402 by day 181 of 304 projects 2402 × 304 / 181 = 4034 < 4804 by 10-31: at risk.
    assert yc["new_all_started"]["status"] == "at_risk"
    assert (yc["new_all_started"]["projects_total"], yc["new_all_started"]["projects_started"]) == (
        3,
        2,
    )
    assert "projects_completed" not in yc["new_all_started"]
    assert unit(data, "遂平县")["new_started_half"]["status"] == "missed"
    city = data["city"]["milestones"]
    assert city["new_started_half"]["actual"] == 2402 + 237
    assert city["new_started_half"]["status"] == "missed"


def test_hand_made_case_later(yicheng: None, capsys: pytest.CaptureFixture[str]) -> None:
    """Asked on 11-01, June is still judged on June's figures; October on October's."""
    data = check("2022-11-01", capsys)
    yc = unit(data, "驿城区")
    half = yc["new_started_half"]
    assert (half["actual"], half["actual_as_of"], half["status"]) == (2402, 4804, "met")
    assert yc["new_all_started"]["status"] == "met"
    assert yc["new_all_started"]["projects_started"] == 3
    # 2000 completed by day 305 of 365: 2000 × 365 / 305 = 2393 < 3363 by 12-31: at risk.
    assert (yc["new_completed_70"]["actual"], yc["new_completed_70"]["status"]) == (2000, "at_risk")
    assert check("2022-06-30", capsys) == check("2022-06-30", capsys)


def test_answer_for_a_past_date_does_not_depend_on_later_records(
    yicheng: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """The answer for 2022-06-30 is the same after later completions are recorded."""
    before = check("2022-06-30", capsys)
    Project.objects.filter(households=2402).update(completed_on=date(2022, 12, 1))
    Project.objects.filter(households=402).update(completed_on=date(2022, 11, 1))
    assert check("2022-06-30", capsys) == before


def test_carryover_needs_every_project_completed(
    yicheng: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """驿城区's carry-over households can reach 962 with a 13-household project still open: the
    06-30 milestone then is missed, and the JSON names 1 of 2 carry-over projects completed."""
    yc = Unit.objects.get(name="驿城区")
    ProjectFactory(unit=yc, households=13, kind=ProjectKind.CARRYOVER)
    data = check("2022-06-30", capsys)
    carry = unit(data, "驿城区")["carryover_completed"]
    assert (carry["actual"], carry["target"], carry["status"]) == (962, 962, "missed")
    assert (carry["projects_total"], carry["projects_completed"]) == (2, 1)
    assert "projects_started" not in carry
    city = data["city"]["milestones"]["carryover_completed"]
    assert (city["projects_total"], city["projects_completed"]) == (2, 1)
    Project.objects.filter(households=13).update(completed_on=date(2022, 6, 30))
    carry = unit(check("2022-06-30", capsys), "驿城区")["carryover_completed"]
    assert (carry["status"], carry["projects_completed"]) == ("met", 2)


def test_text_table_is_chinese(yicheng: None, capsys: pytest.CaptureFixture[str]) -> None:
    """Without --json the command prints a readable Chinese table with every unit."""
    call_command("check_targets", "--year", "2022", "--as-of", "2022-06-30")
    out = capsys.readouterr().out
    assert "全市" in out and "新蔡县" in out and "已完成" in out and "未完成" in out
    assert "5307" in out


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_json_is_indented_at_a_terminal_and_one_line_otherwise(plan_year: PlanYear) -> None:
    """A person at a terminal reads indented JSON; a pipe or file gets the same object on one line."""
    piped, terminal = io.StringIO(), Terminal()
    for out in (piped, terminal):
        call_command("check_targets", "--as-of", "2022-06-30", "--json", stdout=out)
    assert piped.getvalue().count("\n") == 1
    assert terminal.getvalue().count("\n") > 100
    assert json.loads(piped.getvalue()) == json.loads(terminal.getvalue())
