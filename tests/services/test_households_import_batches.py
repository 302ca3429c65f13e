"""households_import reads the roster once, keeping only what the checks across rows need, and writes
it a batch at a time: the answers are those of checking the whole file at once, whichever batch a
row falls in (BATCH is made small here so that a few rows span several batches)."""

from datetime import date
from pathlib import Path

import pytest
from django.db import connection
from django.test import override_settings

from projects.importing import HOUSEHOLD_HEADERS, PROJECT_HEADERS
from projects.models import Household, PlanYear, Project
from projects.services import IMPORT_BUSY, households_import, projects_import
from tests.factories import ProjectFactory
from tests.services.locks import another_households_import
from tests.xlsx import household_row, project_row, write_xlsx

pytestmark = pytest.mark.django_db

BATCH = 3


@pytest.fixture(autouse=True)
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each module of the services that reads BATCH has its own name for it.
    for module in ("_common", "start_dates", "project_import", "household_import"):
        monkeypatch.setattr(f"projects.services.{module}.BATCH", BATCH)


@pytest.fixture
def project(tmp_path: Path, plan_year: PlanYear) -> Project:
    """建设路1号院 of 驿城区: 10 households, criteria 2–5 met by 2022-04-15."""
    path = write_xlsx(tmp_path / "p.xlsx", PROJECT_HEADERS, [project_row()])
    assert projects_import(source=path, plan_year=plan_year).ok
    return Project.objects.get()


def rooms(*numbers: int, **values: object) -> list[list[object]]:
    """One agreeing household per room number, answered on March 1st."""
    return [household_row(**{"房号": str(n), **values}) for n in numbers]


def run(tmp_path: Path, plan_year: PlanYear, rows: list[list[object]]):  # type: ignore[no-untyped-def]
    path = write_xlsx(tmp_path / "h.xlsx", HOUSEHOLD_HEADERS, rows)
    return households_import(source=path, plan_year=plan_year)


def history_rows(kind: str) -> list[int]:
    """The household ids of the history rows of one kind ("+" created, "~" changed), sorted."""
    history = Household.history.model  # type: ignore[attr-defined]
    return sorted(history.objects.filter(history_type=kind).values_list("id", flat=True))


def test_file_of_several_batches_writes_every_row_and_its_history_once(
    tmp_path: Path, plan_year: PlanYear, project: Project
) -> None:
    """Ten rows in batches of three: ten households, one creation history row each, in file order."""
    result = run(tmp_path, plan_year, rooms(*range(101, 111)))
    assert (result.created, result.updated, result.unchanged, result.errors) == (10, 0, 0, [])
    households = list(Household.objects.order_by("id"))
    assert [h.room for h in households] == [str(n) for n in range(101, 111)]
    assert history_rows("+") == [h.id for h in households]
    assert history_rows("~") == []


def test_duplicate_far_apart_names_the_first_row(
    tmp_path: Path, plan_year: PlanYear, project: Project
) -> None:
    """The 9th data row repeats the 1st dwelling two batches later: the error is on sheet row 10,
    naming row 2, and nothing is written."""
    rows = rooms(*range(101, 109), 101)
    result = run(tmp_path, plan_year, rows)
    assert [(e.row, e.column) for e in result.errors] == [(10, "房号")]
    assert "与第2行是同一住户" in result.errors[0].message
    assert not Household.objects.exists()


def test_error_in_the_last_batch_writes_nothing(
    tmp_path: Path, plan_year: PlanYear, project: Project
) -> None:
    """Three clean batches and then a bad phone number on the last row: only that error, and no
    household and no history row are written."""
    rows = [*rooms(*range(101, 110)), *rooms(110, 联系电话="1380000123")]
    result = run(tmp_path, plan_year, rows)
    assert [(e.row, e.column) for e in result.errors] == [(11, "联系电话")]
    assert (result.created, result.updated, result.unchanged) == (0, 0, 0)
    assert not Household.objects.exists()
    assert history_rows("+") == []


def test_reimport_updates_changed_households_in_later_batches(
    tmp_path: Path, plan_year: PlanYear, project: Project
) -> None:
    """A re-import that changes the 2nd and 9th rows' answers updates exactly those two households,
    each with one change history row, and counts the other eight unchanged."""
    assert run(tmp_path, plan_year, rooms(*range(101, 111))).ok
    rows = rooms(*range(101, 111))
    for index in (1, 8):
        rows[index][HOUSEHOLD_HEADERS.index("改造方案意见")] = "不同意"
    result = run(tmp_path, plan_year, rows)
    assert (result.created, result.updated, result.unchanged) == (0, 2, 8)
    changed = Household.objects.filter(plan_opinion="disagree")
    assert sorted(h.room for h in changed) == ["102", "109"]
    assert history_rows("~") == sorted(h.id for h in changed)
    assert Household.objects.count() == 10


def test_new_and_recorded_rows_mixed_across_batches(
    tmp_path: Path, plan_year: PlanYear, project: Project
) -> None:
    """Rows already recorded and new ones, interleaved: the new ones are created, the recorded ones
    updated or left as they were."""
    assert run(tmp_path, plan_year, rooms(101, 103, 105, 107)).ok
    rows = rooms(*range(101, 109))
    rows[2][HOUSEHOLD_HEADERS.index("户主姓名")] = "王五"  # room 103, recorded
    result = run(tmp_path, plan_year, rows)
    assert (result.created, result.updated, result.unchanged) == (4, 1, 3)
    assert Household.objects.count() == 8
    assert Household.objects.get(room="103").head_name == "王五"


def test_too_many_records_is_one_error_for_the_project(
    tmp_path: Path, plan_year: PlanYear, project: Project
) -> None:
    """Six households recorded; a file re-sending three of them and adding five makes eleven records
    for ten households: one error for the project (its first row, no column), the file refused."""
    assert run(tmp_path, plan_year, rooms(*range(101, 107))).ok
    result = run(tmp_path, plan_year, rooms(*range(104, 112)))
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (2, "", "导入后建设路1号院的住户记录 11 户超过项目户数 10 户")
    ]
    assert str(result.errors[0]) == "第2行：导入后建设路1号院的住户记录 11 户超过项目户数 10 户"
    assert Household.objects.count() == 6


def test_start_after_completion_counts_the_recorded_agreements(
    tmp_path: Path, plan_year: PlanYear, project: Project
) -> None:
    """Eight agreements recorded in March (consent on March 8th, start April 15th); completion on
    April 20th. A file moving the 8th household's agreement to April 25th makes consent, and so the
    start, April 25th: refused on the file's first row. The recorded agreements it does not resend
    count, and the one it resends counts only with its new date."""
    march = [
        household_row(**{"房号": str(101 + i), "表态日期": f"2022-03-0{i + 1}"}) for i in range(8)
    ]
    assert run(tmp_path, plan_year, march).ok
    project.refresh_from_db()
    assert project.started_on == date(2022, 4, 15)
    Project.objects.filter(pk=project.pk).update(completed_on=date(2022, 4, 20))
    rows = [
        household_row(**{"房号": "110", "改造方案意见": "不同意"}),
        *rooms(109, 改造方案意见="不同意"),
        *rooms(108, 表态日期="2022-04-25"),
    ]
    result = run(tmp_path, plan_year, rows)
    assert [(e.row, e.column) for e in result.errors] == [(2, "表态日期")]
    assert "开工日期将为 2022-04-25" in result.errors[0].message
    # Without the move, the recorded agreements still start the project by April 15th.
    result = run(tmp_path, plan_year, rows[:2])
    assert result.ok and result.created == 2


@pytest.mark.django_db(transaction=True)
def test_rejected_file_while_another_import_runs_says_what_is_wrong(
    programme: None, tmp_path: Path
) -> None:
    """While another import holds the lock, a file refused for its rows (here, too many) gets that
    error, as when the file was read before the lock, and nothing is written. On PostgreSQL a good
    file gets the busy message at once; SQLite makes the refused file wait for the other
    transaction, then says what is wrong with it."""
    ProjectFactory(name="建设路1号院", households=5)
    plan_year = PlanYear.objects.get(year=2022)
    too_many = write_xlsx(tmp_path / "many.xlsx", HOUSEHOLD_HEADERS, rooms(*range(101, 106)))
    busy = None
    with another_households_import(plan_year) as release:
        with override_settings(IMPORT_MAX_ROWS=4):
            refused = households_import(source=too_many, plan_year=plan_year)
        if connection.vendor == "postgresql":
            busy = households_import(source=too_many, plan_year=plan_year)
        else:
            assert release.is_set()  # it could only finish once the other transaction ended
    assert [str(e) for e in refused.errors] == [
        "文件：数据超过4行（空行也计入），请删除多余的空行或拆分后导入"
    ]
    if busy is not None:
        assert [e.message for e in busy.errors] == [IMPORT_BUSY["households"]]
    assert not Household.objects.exists()
