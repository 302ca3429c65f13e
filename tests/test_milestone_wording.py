"""Milestones are the plan year's data (issue 15): their names, shares and due dates come from the
Milestone rows, so changing a row changes every page, the workbook and check_targets, with no code
change. Also the names the data composes, in Chinese and English."""

import io
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from projects.choices import Measure, ProjectKind, Role, TargetBasis
from projects.data_version import data_changed
from projects.milestone_names import composed_name
from projects.models import Milestone, PlanYear, Unit, UnitTarget
from tests.factories import ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

UNIT = "试点区"
AS_OF = "2022-07-15"


@pytest.fixture
def small_programme() -> Milestone:
    """One unit with a new-start target of 10 households and two new projects of 3 households,
    started on 10 May and 10 July; one milestone, 2022's "50 % started by 30 June"."""
    unit = Unit.objects.create(name=UNIT, division_code="419901", sort_order=10)
    plan_year = PlanYear.objects.create(
        year=2022,
        city_new_starts=10,
        city_completions=7,
        city_carryover=0,
        implementation_plan_due=date(2022, 2, 28),
        renovation_plans_due=date(2022, 3, 31),
        adjustment_cutoff=date(2022, 3, 31),
    )
    UnitTarget.objects.create(
        plan_year=plan_year, unit=unit, new_starts=10, completions=7, carryover=0
    )
    for started in (date(2022, 5, 10), date(2022, 7, 10)):
        ProjectFactory(
            plan_year=plan_year,
            unit=unit,
            kind=ProjectKind.NEW,
            households=3,
            started_on=started,
        )
    return Milestone.objects.create(
        plan_year=plan_year,
        key="new_started_half",
        due=date(2022, 6, 30),
        percent=50,
        basis=TargetBasis.NEW_STARTS,
        measure=Measure.NEW_STARTED,
        sort_order=1,
    )


def overview(user: Any) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("reporting:overview"), {"as_of": AS_OF})
    assert response.status_code == 200
    return str(response.content.decode())


def unit_home(user: Any) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("home"), {"as_of": AS_OF})
    assert response.status_code == 200
    return str(response.content.decode())


def cell(html: str, unit: str) -> tuple[str, str, str]:
    """The (status, actual, target) of the milestone cell in ``unit``'s overview row."""
    row = re.search(rf'<tr[^>]*data-unit="{unit}".*?</tr>', html, re.S)
    assert row is not None
    found = re.search(
        r'data-milestone="new_started_half" data-status="(\w+)" data-actual="(\d+)" '
        r'data-target="(\d*)"',
        row.group(0),
    )
    assert found is not None
    return found.group(1), found.group(2), found.group(3)


def home_card(html: str) -> str:
    """The text of the unit home's milestone cards."""
    found = re.search(r'id="unit-milestones">(.*?)\n</div>\n', html, re.S)
    assert found is not None
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1)))


def workbook(tmp_path: Path) -> list[tuple[Any, ...]]:
    """The rows of the 阶段任务 sheet of the unit's July workbook (its working copy: no report)."""
    tmp_path.mkdir()
    path = tmp_path / "july.xlsx"
    call_command(
        "export_monthly_report",
        "--year", "2022", "--month", "7", "--unit", UNIT, "--out", str(path),
        stdout=io.StringIO(),
    )  # fmt: skip
    if not path.exists():
        path = next(tmp_path.glob("july-*.xlsx"))
    sheet = next(ws for ws in load_workbook(path) if ws.title.startswith("阶段任务"))
    return list(sheet.iter_rows(values_only=True))


def check_targets() -> tuple[dict[str, Any], str]:
    """check_targets on AS_OF: the JSON and the table."""
    as_json, as_table = io.StringIO(), io.StringIO()
    call_command("check_targets", "--year", "2022", "--as-of", AS_OF, "--json", stdout=as_json)
    call_command("check_targets", "--year", "2022", "--as-of", AS_OF, stdout=as_table)
    return json.loads(as_json.getvalue()), as_table.getvalue()


def shown(tmp_path: Path, city: Any, clerk: Any) -> dict[str, Any]:
    """Everything the four places show of the milestone for the unit."""
    page = overview(city)
    home = unit_home(clerk)
    rows = workbook(tmp_path)
    data, table = check_targets()
    unit_row = next(r for r in rows if r[1] == UNIT)
    milestone = data["units"][0]["milestones"]["new_started_half"]
    return {
        "overview": page,
        "overview_cell": cell(page, UNIT),
        "home": home_card(home),
        "workbook_header": "\n".join(str(v) for r in rows[:6] for v in r if v),
        "workbook_cells": unit_row[2:5],
        "json": (milestone["status"], milestone["actual"], milestone["target"]),
        "table": table,
    }


def test_a_changed_milestone_shows_its_new_wording_and_judgement_everywhere(
    small_programme: Milestone, tmp_path: Path
) -> None:
    """Changing the milestone's share (50 → 60 %) and due date (6-30 → 7-31) in the plan year's data
    changes the overview, the unit home, the monthly workbook and check_targets: worked by hand,
    on 15 July 50 % by 30 June is judged on 30 June, 3 households started of the 5 needed (⌈50 % ×
    10⌉): missed; 60 % by 31 July is judged on 15 July, 6 started of the 6 needed: met. The July
    workbook is judged on 31 July: 6 of 6, met."""
    unit = Unit.objects.get(name=UNIT)
    city = UserFactory(role=Role.CITY, unit=None)
    clerk = UserFactory(role=Role.CLERK, unit=unit)

    before = shown(tmp_path / "before", city, clerk)
    assert "6月底开工量达50%" in before["overview"]
    assert "截止2022年6月30日" in before["overview"]
    assert before["overview_cell"] == ("missed", "3", "5")
    assert "6月底开工量达50%" in before["home"] and "截止2022年6月30日" in before["home"]
    assert "未完成" in before["home"] and "3 / 5" in before["home"]
    assert "6月底开工量达50%\n（截止2022年6月30日）" in before["workbook_header"]
    assert before["workbook_cells"] == (5, 3, "未完成")
    assert before["json"] == ("missed", 3, 5)
    assert "6月底开工量达50%（截止2022年6月30日）" in before["table"]
    assert "3/5 未完成" in before["table"]

    small_programme.percent = 60
    small_programme.due = date(2022, 7, 31)
    small_programme.save()
    data_changed()  # what every writer does (no service writes milestones: they are loaded)

    after = shown(tmp_path / "after", city, clerk)
    for text in ("6月底开工量达50%", "截止2022年6月30日"):
        assert text not in after["overview"] and text not in after["home"]
    assert "7月底开工量达60%" in after["overview"]
    assert "截止2022年7月31日" in after["overview"]
    assert after["overview_cell"] == ("met", "6", "6")
    assert "7月底开工量达60%" in after["home"] and "截止2022年7月31日" in after["home"]
    assert "已完成" in after["home"] and "6 / 6" in after["home"]
    assert "7月底开工量达60%\n（截止2022年7月31日）" in after["workbook_header"]
    assert after["workbook_cells"] == (6, 6, "已完成")
    assert after["json"] == ("met", 6, 6)
    assert "7月底开工量达60%（截止2022年7月31日）" in after["table"]
    assert "6/6 已完成" in after["table"]


def test_a_plan_year_may_name_a_milestone_itself(small_programme: Milestone) -> None:
    """A name set on the milestone is shown as given, in place of the composed one."""
    small_programme.name = "年中开工过半"
    small_programme.save()
    _data, table = check_targets()
    assert "年中开工过半（截止2022年6月30日）" in table
    assert "开工量达" not in table


@pytest.mark.parametrize(
    ("measure", "basis", "percent", "due", "chinese", "english"),
    [
        (Measure.CARRYOVER_COMPLETED, TargetBasis.CARRYOVER, 100, date(2022, 6, 30),
         "续建项目6月底全部完工", "All carry-over projects completed by the end of June"),
        (Measure.NEW_STARTED, TargetBasis.NEW_STARTS, 50, date(2022, 6, 30),
         "6月底开工量达50%", "50% of new starts under way by the end of June"),
        (Measure.NEW_STARTED, TargetBasis.NEW_STARTS, 100, date(2022, 10, 31),
         "10月底全部开工", "All new starts under way by the end of October"),
        (Measure.NEW_COMPLETED, TargetBasis.COMPLETIONS, 100, date(2022, 12, 31),
         "12月底完成改造70%", "70% of renovations completed by the end of December"),
        (Measure.NEW_STARTED, TargetBasis.NEW_STARTS, 60, date(2023, 7, 15),
         "7月15日前开工量达60%", "60% of new starts under way by July 15"),
        (Measure.NEW_COMPLETED, TargetBasis.COMPLETIONS, 90, date(2023, 11, 30),
         "11月底完成改造目标的90%", "90% of the completion target completed by the end of November"),
        (Measure.NEW_COMPLETED, TargetBasis.NEW_STARTS, 65, date(2023, 12, 31),
         "12月底完成改造65%", "65% of renovations completed by the end of December"),
        (Measure.CARRYOVER_COMPLETED, TargetBasis.CARRYOVER, 80, date(2023, 5, 31),
         "续建项目5月底完工80%", "80% of carry-over households completed by the end of May"),
    ],
)  # fmt: skip
def test_composed_names(
    measure: str, basis: str, percent: int, due: date, chinese: str, english: str
) -> None:
    """2022's four names are composed exactly as they were written before; other shares and dates
    are worded from the data, in Chinese and in English."""
    values = {"measure": measure, "basis": basis, "percent": percent, "due": due}
    assert composed_name(**values, completion_percent=70) == chinese
    with translation.override("en"):
        assert composed_name(**values, completion_percent=70) == english
