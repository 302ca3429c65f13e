"""``load_programme --file``: a plan year from JSON files in the fixture format, through the same
services and checks as the city office's pages — a draft, or opened with ``--open``; all or nothing;
an existing year refused.

The 2023 file is test data, not a claim about any real year: city totals 1000 / 800 / 300 at 80 %,
60 % of the new-start households started by 31 May, 80 % completed by 31 December.
"""

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from projects.choices import PlanYearState
from projects.models import PlanYear, UnassignedCarryover, UnitTarget

pytestmark = pytest.mark.django_db


def year_2023(**changes: Any) -> list[dict[str, Any]]:
    """The 2023 test year in the fixture format: units by fixture id (1 驿城区) and by name."""
    plan_year = {
        "year": 2023,
        "city_new_starts": 1000,
        "city_completions": 800,
        "city_carryover": 300,
        "completion_percent": 80,
        "consent_percent": 80,
        "implementation_plan_due": "2023-02-28",
        "renovation_plans_due": "2023-03-31",
        "adjustment_cutoff": "2023-03-31",
        "report_due_day": 5,
        "subsidised_units": [1, ["经济开发区"]],
    } | changes
    return [
        {"model": "projects.planyear", "pk": 7, "fields": plan_year},
        {
            "model": "projects.milestone",
            "fields": {
                "plan_year": 7,
                "key": "new_started_60",
                "due": "2023-05-31",
                "percent": 60,
                "basis": "new_starts",
                "measure": "new_started",
            },
        },
        {
            "model": "projects.milestone",
            "fields": {
                "plan_year": 7,
                "key": "new_completed_80",
                "due": "2023-12-31",
                "percent": 80,
                "basis": "new_starts",
                "measure": "new_completed",
            },
        },
        {
            "model": "projects.unittarget",
            "fields": {"plan_year": 7, "unit": 1, "new_starts": 400, "completions": 320},
        },
        {
            "model": "projects.unittarget",
            "fields": {"plan_year": 7, "unit": "上蔡县", "new_starts": 37, "carryover": 100},
        },
        {
            "model": "projects.unassignedcarryover",
            "fields": {"plan_year": 7, "households": 50, "source_note": "来源未列明区县"},
        },
    ]


def written(tmp_path: Path, name: str, objects: list[dict[str, Any]]) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(objects, ensure_ascii=False), encoding="utf-8")
    return str(path)


def targets_of(year: int) -> dict[str, tuple[int | None, int | None, int | None]]:
    return {
        t.unit.name: (t.new_starts, t.completions, t.carryover)
        for t in UnitTarget.objects.filter(plan_year__year=year).select_related("unit")
    }


def test_a_year_loads_as_a_draft(programme: None, tmp_path: Path) -> None:
    """The file's year is a draft with its settings, milestones, targets (上蔡县's blank completion
    target is 37 × 80 % = 29.6 → 30) and carry-over figure, each with the file named as the reason."""
    call_command("load_programme", "--file", written(tmp_path, "y2023.json", year_2023()))
    plan_year = PlanYear.objects.get(year=2023)
    assert plan_year.state == PlanYearState.DRAFT and plan_year.opened_at is None
    assert sorted(plan_year.subsidised_units.values_list("name", flat=True)) == sorted(
        ["驿城区", "经济开发区"]
    )
    assert [(m.key, m.due) for m in plan_year.milestones.all()] == [
        ("new_started_60", date(2023, 5, 31)),
        ("new_completed_80", date(2023, 12, 31)),
    ]
    assert targets_of(2023) == {"驿城区": (400, 320, None), "上蔡县": (37, 30, 100)}
    assert UnassignedCarryover.objects.get(plan_year=plan_year).households == 50
    assert plan_year.history.get().history_change_reason == "由文件载入：y2023.json"


def test_open(programme: None, tmp_path: Path) -> None:
    """With --open the year is opened; the system opened it."""
    call_command("load_programme", "--file", written(tmp_path, "y.json", year_2023()), "--open")
    plan_year = PlanYear.objects.get(year=2023)
    assert plan_year.state == PlanYearState.OPEN
    assert plan_year.opened_at is not None and plan_year.opened_by is None


def test_a_refusal_loads_nothing(programme: None, tmp_path: Path) -> None:
    """A city total of 420 new starts is below the units' 400 + 37 = 437: refused with the rule's
    reason, and nothing of the year is left."""
    path = written(tmp_path, "y.json", year_2023(city_new_starts=420, city_completions=336))
    with pytest.raises(CommandError) as error:
        call_command("load_programme", "--file", path)
    assert "各区县新开工目标合计 437 户超过全市目标 420 户" in str(error.value)
    assert str(error.value).startswith("未载入：")
    assert not PlanYear.objects.filter(year=2023).exists()


def test_open_refused_loads_nothing(programme: None, tmp_path: Path) -> None:
    """--open on a year without milestones: refused, and not even the draft stays."""
    objects = [o for o in year_2023() if o["model"] != "projects.milestone"]
    with pytest.raises(CommandError) as error:
        call_command("load_programme", "--file", written(tmp_path, "y.json", objects), "--open")
    assert "尚未设置阶段任务：至少须有一项" in str(error.value)
    assert not PlanYear.objects.filter(year=2023).exists()


def test_an_existing_year_is_refused(programme: None, tmp_path: Path) -> None:
    """2022 exists: a file for 2022 is refused and 2022 is left as it is."""
    path = written(tmp_path, "y.json", year_2023(year=2022))
    with pytest.raises(CommandError) as error:
        call_command("load_programme", "--file", path)
    assert str(error.value) == "2022年度计划已存在，未载入（不覆盖已有的年度计划）"
    assert targets_of(2022)["驿城区"] == (4804, 3363, 962)


def test_unknown_unit_is_refused(programme: None, tmp_path: Path) -> None:
    objects = year_2023()
    objects[3]["fields"]["unit"] = "不存在县"
    with pytest.raises(CommandError) as error:
        call_command("load_programme", "--file", written(tmp_path, "y.json", objects))
    assert str(error.value) == "未知区县：不存在县"
    assert not PlanYear.objects.filter(year=2023).exists()


def test_the_2022_files_load_through_the_services(db: None) -> None:
    """The two 2022 fixture files, given to --file on an empty database, load the units and then
    2022 through the services with the same figures as loaddata: annex 1 and 2 as in SPEC §1, the
    unassigned 30 and 2113, four milestones; the target rule passes, so --open opens it."""
    call_command(
        "load_programme",
        "--file",
        "fixtures/plan_year_2022.json",
        "--file",
        "fixtures/targets_2022.json",
        "--open",
    )
    plan_year = PlanYear.objects.get(year=2022)
    assert plan_year.state == PlanYearState.OPEN
    assert (plan_year.city_new_starts, plan_year.city_completions, plan_year.city_carryover) == (
        15948,
        11164,
        4676,
    )
    assert targets_of(2022) == {
        "驿城区": (4804, 3363, 962),
        "经济开发区": (2067, 1447, None),
        "遂平县": (475, 333, 328),
        "西平县": (2261, 1583, 1082),
        "上蔡县": (288, 202, 0),
        "汝南县": (746, 522, 0),
        "平舆县": (None, None, 161),
        "正阳县": (None, None, 0),
    }
    assert sorted(UnassignedCarryover.objects.values_list("households", flat=True)) == [30, 2113]
    assert [m.key for m in plan_year.milestones.all()] == [
        "carryover_completed",
        "new_started_half",
        "new_all_started",
        "new_completed_70",
    ]
