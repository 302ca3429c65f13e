"""The household roster imported: read once a row at a time, every row checked, then written a
batch at a time or not at all, a household identified by its project and dwelling."""

import io
import json
import zlib
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from itertools import islice
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from .. import permissions, selectors
from ..choices import Opinion, ProjectKind
from ..consequences import project_dates
from ..data_version import writes_data
from ..importing import (
    EXAMPLE_COMMUNITY,
    HOUSEHOLD_HEADERS,
    OPINION_BY_LABEL,
    FileRejected,
    RowError,
    SheetRow,
    Source,
    cell_text,
    iter_sheet,
    source_bytes,
)
from ..models import Household, PlanYear, Project, Unit, User
from ..presenters import mask_name, mask_phone
from ..rules.project_checks import household_count_problem
from ..rules.start import agrees, start_status
from ..rules.text import normalized
from ..workbooks import sheet_rows_estimate
from ._common import (
    BATCH,
    ImportProgress,
    ImportResult,
    RowChange,
    _check_unit_allowed,
    _confirmed,
    _import_lock,
    _shown,
    bulk_create_recorded,
)
from .start_dates import projects_refresh_start

# A dwelling in a project: (project id, 楼栋, 单元, 房号).
Dwelling = tuple[int, str, str, str]


@dataclass
class _HouseholdRow:
    row: SheetRow
    project: Project | None
    key: tuple[str, str, str]
    fields: dict[str, Any]


@writes_data
def households_import(
    *,
    source: Source,
    plan_year: PlanYear,
    user: User | None = None,
    dry_run: bool = False,
    project: Project | None = None,
    allow_status_changes: bool = False,
    progress: ImportProgress | None = None,
) -> ImportResult:
    """Import the household roster template: all rows checked, then the whole file written or nothing.

    A household is identified by its project (区县 + 小区名称) and 楼栋 + 单元 + 房号. The consent and
    start dates of every project touched are recomputed by the start rule. With ``project`` (the
    import on a project's page) every row must belong to that project.

    The sheet is read once, a row at a time, keeping only what the checks across rows need and the
    checked rows compressed; the rows are then written a batch at a time. Memory stays nearly flat
    as the roster grows.

    A roster that would un-start a project, move its consent or start date, or change a month
    covered by a valid report raises StatusChangesNeedConfirmation unless ``allow_status_changes``
    (a dry run lists them in the result instead).

    ``progress(done, total)`` is told after each batch of rows checked and written (ImportProgress);
    until every row is read, the total is estimated from the sheet's row tags.
    """
    result = ImportResult()
    try:
        estimate = 0
        if progress is not None:
            data = source_bytes(source)
            estimate = max(0, sheet_rows_estimate(data) - 1)
            source = io.BytesIO(data)
        # The file and its headers are checked before the lock is taken.
        rows = iter_sheet(source, headers=HOUSEHOLD_HEADERS, personal=True)
        with transaction.atomic():
            locked = _import_lock(kind="households", plan_year=plan_year, result=result)
            if locked:
                _households_import_rows(
                    rows,
                    plan_year,
                    user,
                    dry_run=dry_run,
                    allow_status_changes=dry_run or allow_status_changes,
                    project=project,
                    result=result,
                    progress=_Rows(progress, estimate),
                )
        if not locked:
            # A file refused for its rows says so rather than that another import is running.
            deque(rows, maxlen=0)
    except FileRejected as rejected:
        return ImportResult(errors=rejected.errors)
    return result


class _RosterReader:
    """The roster file's rows read as households, their projects looked up a batch of rows at a
    time."""

    def __init__(self, *, plan_year: PlanYear, user: User | None, project: Project | None) -> None:
        self.plan_year = plan_year
        self.only = project
        self.allowed = permissions.unit_scope(user)
        self.units = {u.name: u for u in Unit.objects.all()}
        self.projects: dict[tuple[str, str], Project] = {}
        self.names: set[str] = set()
        self.today = timezone.localdate()

    def batches(self, rows: Iterable[SheetRow]) -> Iterator[list[_HouseholdRow]]:
        iterator = iter(rows)
        while batch := list(islice(iterator, BATCH)):
            names = {normalized(cell_text(r.cells.get("小区名称"))) for r in batch} - self.names
            if names:
                self.names |= names
                found = list(
                    Project.objects.filter(plan_year=self.plan_year, name__in=names).select_related(
                        "unit"
                    )
                )
                # A project carried on from an earlier year keeps its households there.
                roster = selectors.roster_projects(found)
                for p in found:
                    self.projects[(p.unit.name, p.name)] = roster[p.id]
            yield [self._parse(row) for row in batch]

    def _parse(self, row: SheetRow) -> _HouseholdRow:
        unit_name = row.text("区县", max_length=50, required=True)
        name = row.text("小区名称", max_length=200, required=True)
        if name == EXAMPLE_COMMUNITY:
            row.error("小区名称", "这是导入模板中的示例行，请删除后再导入")
        found = self.projects.get((unit_name, name))
        _check_unit_allowed(row, self.units.get(unit_name), self.allowed)
        only = self.only
        other_project = only is not None and found is not None and found.id != only.id
        if other_project:
            assert only is not None
            row.error("小区名称", f"此处只能导入“{only.unit.name}{only.name}”的住户")
            found = None
        if unit_name and unit_name not in self.units:
            row.error("区县", f"没有名为“{unit_name}”的区县")
        elif unit_name and name and found is None and not other_project:
            row.error(
                "小区名称", f"{unit_name}{self.plan_year}没有名为“{name}”的项目，请先导入项目"
            )
        key = row.dwelling(buildings=found.buildings if found is not None else 0)
        fields = {
            "head_name": _full_name(row),
            "phone": row.phone("联系电话"),
            "plan_opinion": row.choice("改造方案意见", OPINION_BY_LABEL),
            "management_opinion": row.choice("物业管理模式意见", OPINION_BY_LABEL),
            "answered_on": row.past_day("表态日期", today=self.today),
        }
        answered = {fields["plan_opinion"], fields["management_opinion"]} - {
            Opinion.UNDECIDED,
            None,
        }
        if answered and cell_text(row.cells.get("表态日期")) == "":
            row.error("表态日期", "已表态的住户须填写表态日期")
        return _HouseholdRow(row, found, key, fields)


def _full_name(row: SheetRow) -> str:
    """户主姓名, refused when masked (a roster downloaded by someone who sees names masked)."""
    name = row.text("户主姓名", max_length=50, required=True)
    if "*" in name:
        row.error("户主姓名", "是打码后的姓名（含“*”），请填写完整姓名")
    return name


@dataclass
class _RosterProject:
    """What the checks across rows keep of one project's rows in the file."""

    project: Project
    # Its first row that is not a duplicate: where a start after the completion is reported.
    first_row: int
    # Dwellings in the file, households recorded before the import, and dwellings that are both.
    dwellings: int = 0
    recorded: int = 0
    recorded_in_file: int = 0
    # The answer dates of the agreeing households of the roster as it will be; kept only for a new
    # project with a recorded completion, the one kind whose start date is checked against it.
    agree_dates: list[date | None] | None = None

    @property
    def records(self) -> int:
        """Household records after the import."""
        return self.recorded + self.dwellings - self.recorded_in_file


def _households_import_rows(
    rows: Iterable[SheetRow],
    plan_year: PlanYear,
    user: User | None,
    *,
    dry_run: bool,
    allow_status_changes: bool,
    project: Project | None,
    result: ImportResult,
    progress: "_Rows",
) -> None:
    reader = _RosterReader(plan_year=plan_year, user=user, project=project)
    errors, roster, checked = _check_households(reader.batches(rows), plan_year, progress)
    if errors:
        result.errors = sorted(errors)
        return
    with transaction.atomic():
        before = project_dates(projects=list(roster))
        for batch in checked.batches():
            _write_households(batch, roster, user, result)
            progress.written(len(batch))
        projects_refresh_start(project_ids=roster, user=user)
        result.consequences = _confirmed(
            plan_year=plan_year,
            before=before,
            after=project_dates(projects=list(roster)),
            allow_status_changes=allow_status_changes,
        )
        if dry_run:
            transaction.set_rollback(True)


class _Rows:
    """The import's progress in rows (ImportProgress): each row counted as it is checked, then as
    it is written. Until every row is read the total is the sheet's estimate; then it is exact."""

    def __init__(self, progress: ImportProgress | None, estimate: int) -> None:
        self._progress = progress
        self._estimate = estimate
        self._checked = 0
        self._written = 0

    def checked(self, rows: int) -> None:
        self._checked += rows
        self._tell(self._checked, 2 * max(self._estimate, self._checked))

    def written(self, rows: int) -> None:
        self._written += rows
        self._tell(self._checked + self._written, 2 * self._checked)

    def _tell(self, done: int, total: int) -> None:
        if self._progress is not None:
            self._progress(done, total)


# The fields of a household a roster row sets, besides its dwelling.
HOUSEHOLD_FIELDS = ("head_name", "phone", "plan_opinion", "management_opinion", "answered_on")
# A checked row as kept for writing: its dwelling, then HOUSEHOLD_FIELDS (the date as a day number).
_Checked = tuple[int, str, str, str, str, str, str, str, int | None]


class _CheckedRows:
    """The checked rows of a roster, kept a batch at a time as compressed JSON until they are
    written: a few dozen bytes a row, where a second reading of the workbook would cost as much
    time as the first. Kept only while no row has an error (nothing is written then)."""

    def __init__(self) -> None:
        self._batches: deque[bytes] = deque()

    def add(self, batch: list[_HouseholdRow]) -> None:
        checked: list[_Checked] = []
        for item in batch:
            assert item.project is not None
            fields = item.fields
            answered_on = fields["answered_on"]
            checked.append(
                (
                    item.project.id,
                    *item.key,
                    fields["head_name"],
                    fields["phone"],
                    str(fields["plan_opinion"]),
                    str(fields["management_opinion"]),
                    answered_on.toordinal() if answered_on is not None else None,
                )
            )
        self._batches.append(zlib.compress(json.dumps(checked).encode()))

    def clear(self) -> None:
        self._batches.clear()

    def batches(self) -> Iterator[list[_Checked]]:
        """The batches in file order, each let go once read."""
        while self._batches:
            yield [tuple(row) for row in json.loads(zlib.decompress(self._batches.popleft()))]


def _check_households(
    batches: Iterable[list[_HouseholdRow]], plan_year: PlanYear, progress: "_Rows"
) -> tuple[list[RowError], dict[int, _RosterProject], _CheckedRows]:
    """Every row's checks, then those across rows: duplicates in the file, records over the
    project's count, and a start date (from the roster as it will be) after the completion already
    recorded. Returns the errors, by project id what was kept of its rows, and the checked rows."""
    errors: list[RowError] = []
    # Each dwelling's first row: the one state that grows with the file, kept small (the dwelling's
    # texts are shared between the rows that repeat them).
    first_rows: dict[Dwelling, int] = {}
    texts: dict[str, str] = {}
    roster: dict[int, _RosterProject] = {}
    checked = _CheckedRows()
    for batch in batches:
        for item in batch:
            row = item.row
            if item.project is not None and all(item.key):
                building, entrance, room = (texts.setdefault(t, t) for t in item.key)
                key = (item.project.id, building, entrance, room)
                if key in first_rows:
                    row.error("房号", f"与第{first_rows[key]}行是同一住户（楼栋、单元、房号相同）")
                else:
                    first_rows[key] = row.number
                    _count_dwelling(roster, item)
            errors.extend(row.errors)
        if errors:
            checked.clear()
        else:
            checked.add(batch)
        progress.checked(len(batch))
    del texts
    _lock_roster_projects(roster)
    _count_recorded(roster, first_rows)
    errors.extend(_roster_problems(roster, plan_year))
    return errors, roster, checked


def _count_dwelling(roster: dict[int, _RosterProject], item: _HouseholdRow) -> None:
    assert item.project is not None
    entry = roster.get(item.project.id)
    if entry is None:
        project = item.project
        entry = roster[project.id] = _RosterProject(project, first_row=item.row.number)
        if project.kind == ProjectKind.NEW and project.completed_on:
            entry.agree_dates = []
    entry.dwellings += 1
    if entry.agree_dates is not None and agrees(
        plan_opinion=item.fields["plan_opinion"],
        management_opinion=item.fields["management_opinion"],
    ):
        entry.agree_dates.append(item.fields["answered_on"])


def _lock_roster_projects(roster: dict[int, _RosterProject]) -> None:
    """Hold the rows of the file's projects until the import's transaction ends, taken in id order
    (as every writer takes them, so two never wait on each other), before the recorded households
    are counted: the household form, another import or an edit of a project's household count
    waits for this import, and the count checked is the count written. The household counts are
    read again under the lock."""
    households = dict(
        Project.objects.select_for_update()
        .filter(pk__in=list(roster))
        .order_by("pk")
        .values_list("pk", "households")
    )
    for project_id, entry in roster.items():
        entry.project.households = households[project_id]


def _count_recorded(roster: dict[int, _RosterProject], first_rows: dict[Dwelling, int]) -> None:
    """Count the households already recorded for the file's projects, those the file overwrites,
    and the agreement dates of those it keeps, reading the records a batch at a time."""
    recorded = (
        Household.objects.filter(project_id__in=list(roster))
        .order_by()
        .values_list(
            "project_id",
            "building",
            "entrance",
            "room",
            "plan_opinion",
            "management_opinion",
            "answered_on",
        )
    )
    for project_id, building, entrance, room, plan, management, answered_on in recorded.iterator(
        chunk_size=BATCH
    ):
        entry = roster[project_id]
        entry.recorded += 1
        if (project_id, building, entrance, room) in first_rows:
            entry.recorded_in_file += 1
        elif entry.agree_dates is not None and agrees(
            plan_opinion=plan, management_opinion=management
        ):
            entry.agree_dates.append(answered_on)


def _roster_problems(roster: dict[int, _RosterProject], plan_year: PlanYear) -> list[RowError]:
    """Records over a project's household count and a start date after a project's recorded
    completion: one error each for the project as a whole, reported on its first row."""
    errors: list[RowError] = []
    completed = [e.project.id for e in roster.values() if e.agree_dates is not None]
    criteria = selectors.criteria_by_project(project_ids=completed)
    for project_id, entry in roster.items():
        project = entry.project
        problem = household_count_problem(records=entry.records, households=project.households)
        if problem:
            # The count is the project's, not any row's: no column, the project named.
            errors.append(RowError(entry.first_row, "", f"导入后{project.name}的{problem}"))
            continue
        if entry.agree_dates is None:
            continue
        assert project.completed_on is not None
        status = start_status(
            selectors.start_input(
                project=project,
                consent_percent=plan_year.consent_percent,
                agree_dates=entry.agree_dates,
                criteria=criteria.get(project_id, {}),
            )
        )
        if status.started_on and status.started_on > project.completed_on:
            errors.append(
                RowError(
                    entry.first_row,
                    "表态日期",
                    f"按本文件计算，{project.name}的开工日期将为 {status.started_on}，"
                    f"晚于已记录的完工日期 {project.completed_on}",
                )
            )
    return errors


def _write_households(
    batch: list[_Checked],
    roster: dict[int, _RosterProject],
    user: User | None,
    result: ImportResult,
) -> None:
    """Write one batch of checked rows: new dwellings created, recorded ones updated where changed."""
    recorded = _recorded_households(batch, roster)
    to_create: list[Household] = []
    to_update: list[Household] = []
    for project_id, building, entrance, room, name, phone, plan, management, day in batch:
        fields: dict[str, Any] = {
            "head_name": name,
            "phone": phone,
            "plan_opinion": plan,
            "management_opinion": management,
            "answered_on": date.fromordinal(day) if day is not None else None,
        }
        household = recorded.get((project_id, building, entrance, room))
        label = f"{roster[project_id].project.name}（楼栋{building} 单元{entrance} 房号{room}）"
        if household is None:
            result.list_change(RowChange(0, label, added=True))
            to_create.append(
                Household(
                    project_id=project_id,
                    building=building,
                    entrance=entrance,
                    room=room,
                    **fields,
                )
            )
        elif any(getattr(household, f) != v for f, v in fields.items()):
            result.list_change(
                RowChange(
                    0,
                    label,
                    added=False,
                    fields=tuple(
                        (HOUSEHOLD_COLUMNS[f], *_household_shown(f, getattr(household, f), v))
                        for f, v in fields.items()
                        if getattr(household, f) != v
                    ),
                )
            )
            for f, v in fields.items():
                setattr(household, f, v)
            to_update.append(household)
    bulk_create_recorded(to_create, Household, user=user)
    if to_update:
        bulk_update_with_history(
            to_update, Household, list(HOUSEHOLD_FIELDS), batch_size=BATCH, default_user=user
        )
    result.created += len(to_create)
    result.updated += len(to_update)
    result.unchanged += len(batch) - len(to_create) - len(to_update)


HOUSEHOLD_COLUMNS = {
    "head_name": "户主姓名",
    "phone": "联系电话",
    "plan_opinion": "改造方案意见",
    "management_opinion": "物业管理模式意见",
    "answered_on": "表态日期",
}


def _household_shown(name: str, old: Any, new: Any) -> tuple[str, str]:
    """A household field's old and new values as a preview shows them: names and phones masked
    (personal data), answers by their labels."""
    if name == "head_name":
        return mask_name(old), mask_name(new)
    if name == "phone":
        return _shown(mask_phone(old) if old else ""), _shown(mask_phone(new) if new else "")
    if name in ("plan_opinion", "management_opinion"):
        return str(Opinion(old).label), str(Opinion(new).label)
    return _shown(old), _shown(new)


def _recorded_households(
    batch: list[_Checked], roster: dict[int, _RosterProject]
) -> dict[Dwelling, Household]:
    """The recorded households of a batch's dwellings, by dwelling: one query, none when its
    projects had no households before the import."""
    rooms: dict[tuple[int, str, str], list[str]] = defaultdict(list)
    for project_id, building, entrance, room, *_ in batch:
        if roster[project_id].recorded:
            rooms[(project_id, building, entrance)].append(room)
    if not rooms:
        return {}
    dwellings = Q(
        *(
            Q(project_id=project_id, building=building, entrance=entrance, room__in=names)
            for (project_id, building, entrance), names in rooms.items()
        ),
        _connector=Q.OR,
    )
    return {
        (h.project_id, h.building, h.entrance, h.room): h
        for h in Household.objects.filter(dwellings)
    }
