"""Writes of the programme: each atomic, each recording history, each keeping computed dates current."""

import json
import zlib
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import islice
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import connection, models, transaction
from django.db.models import Count, Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from .. import permissions, selectors
from ..choices import LIST_FIELDS, Criterion, Opinion, ProjectKind, Role, in_choice_order
from ..consequences import (
    Consequences,
    ProjectDates,
    StatusChangesNeedConfirmation,
    consequences_of,
    project_dates,
)
from ..importing import (
    EXAMPLE_COMMUNITY,
    HOUSEHOLD_HEADERS,
    KIND_BY_LABEL,
    OPINION_BY_LABEL,
    PROJECT_HEADERS,
    FileRejected,
    RowError,
    SheetRow,
    Source,
    cell_text,
    iter_sheet,
    read_sheet,
)
from ..models import (
    Household,
    PersonalDataAccess,
    PlanYear,
    Project,
    StartCriterion,
    UnassignedCarryover,
    Unit,
    UnitTarget,
    User,
)
from ..presenters import mask_name, mask_phone
from ..rules.dwellings import dwelling_order
from ..rules.project_checks import (
    Problem,
    date_order_problems,
    future_date_problem,
    future_date_problems,
    household_count_problem,
)
from ..rules.reports import trial_months_problem
from ..rules.start import StartStatus, agrees, start_status, stored_criteria
from ..rules.targets import (
    CityTotals,
    TargetCheck,
    UnitTargets,
    check_targets_reconcile,
    expected_completion,
)
from ..rules.text import normalized
from ..template_files import roster_file

BATCH = 2000
# How many added or changed rows an import's preview lists (the counts cover them all).
PREVIEW_ROWS = 200


@dataclass(frozen=True)
class RowChange:
    """One row of an import as its preview lists it: added, or changed field by field."""

    # The sheet row (0 where the writer no longer knows it) and what the row is.
    row: int
    label: str
    added: bool
    # (column, old value, new value), as shown; residents' names and phones masked.
    fields: tuple[tuple[str, str, str], ...] = ()

    def __str__(self) -> str:
        where = f"第{self.row}行 " if self.row else ""
        if self.added:
            return f"{where}新增：{self.label}"
        return f"{where}更新：{self.label}：" + "；".join(
            f"{c} {o} → {n}" for c, o, n in self.fields
        )


@dataclass
class ImportResult:
    """What an import did, or would have done: counts, and every error and warning by row."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    # The first PREVIEW_ROWS rows added or changed, and what the import does to projects' consent,
    # start and completion dates and to the valid reports that counted them.
    changes: list[RowChange] = field(default_factory=list)
    consequences: Consequences = field(default_factory=Consequences)

    @property
    def ok(self) -> bool:
        return not self.errors

    def list_change(self, change: RowChange) -> None:
        if len(self.changes) < PREVIEW_ROWS:
            self.changes.append(change)

    @property
    def changes_left_off(self) -> int:
        """Rows added or changed beyond those listed."""
        return max(0, self.created + self.updated - len(self.changes))


# --- who may write what ---


def _check_unit_allowed(row: SheetRow, unit: Unit | None, allowed: int | None) -> None:
    if unit is not None and allowed is not None and unit.id != allowed:
        row.error("区县", f"无权导入{unit.name}的数据：只能导入本区县的数据")


# --- writing many rows with their history ------------------------------------------------------

HISTORY_COPY_BATCH = 5000
_M = TypeVar("_M", bound=models.Model)


def bulk_create_recorded(objs: list[_M], model: type[_M], *, user: User | None) -> list[_M]:
    """``bulk_create`` the objects and record their creation in the model's history, as
    simple-history's ``bulk_create_with_history`` does, but with the history rows copied from the
    table in SQL (``INSERT INTO historical… SELECT …``) instead of built as a second Python object
    per row and inserted from Python: the import's slowest step (BENCHMARKS.md, fix A).

    The history rows are the same: every tracked column as stored, one ``history_date`` for the
    batch, type "+", the acting user, no change reason."""
    if not objs:
        return objs
    if not connection.features.can_return_rows_from_bulk_insert:
        return bulk_create_with_history(objs, model, batch_size=BATCH, default_user=user)
    created = model._default_manager.bulk_create(objs, batch_size=BATCH)
    history = model.history.model  # type: ignore[attr-defined]
    # Every column the history keeps (a derived one, like Project.criteria_met, it may leave out).
    kept = {f.column for f in history._meta.concrete_fields}
    copied = [f.column for f in model._meta.concrete_fields if f.column and f.column in kept]
    quote = connection.ops.quote_name
    columns = [
        *copied,
        "history_date",
        "history_change_reason",
        "history_type",
        "history_user_id",
    ]
    ids = [obj.pk for obj in created]
    pk = quote(model._meta.pk.attname)
    insert = f"INSERT INTO {quote(history._meta.db_table)} ({', '.join(map(quote, columns))})"
    select = f"SELECT {', '.join(map(quote, copied))}, %s, NULL, '+', %s"
    source = f"FROM {quote(model._meta.db_table)}"
    when = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        for start in range(0, len(ids), HISTORY_COPY_BATCH):
            chunk = ids[start : start + HISTORY_COPY_BATCH]
            placeholders = ", ".join(["%s"] * len(chunk))
            # Identifiers come from the models' meta; every value is a parameter.
            sql = f"{insert} {select} {source} WHERE {pk} IN ({placeholders}) ORDER BY {pk}"
            cursor.execute(sql, [when, user.pk if user is not None else None, *chunk])
    return created


# --- confirming what a change does to projects and reports -------------------------------------


def _confirmed(
    *,
    plan_year: PlanYear,
    before: dict[int, ProjectDates],
    after: dict[int, ProjectDates],
    allow_status_changes: bool,
) -> Consequences:
    """The consequences of a change just written inside the caller's transaction; raises
    StatusChangesNeedConfirmation (so the transaction rolls back) when they need a confirmation the
    caller did not give."""
    consequences = consequences_of(plan_year=plan_year, before=before, after=after)
    if consequences.needs_confirmation and not allow_status_changes:
        raise StatusChangesNeedConfirmation(consequences)
    return consequences


# --- computed start dates -----------------------------------------------------------------------


def projects_refresh_start(*, project_ids: Iterable[int], user: User | None = None) -> int:
    """Recompute the consent date, the start date and the criteria met stored on each project from
    its records (the one start rule); returns how many projects' dates changed. The criteria met
    are derived from records that keep their own history, so they are written without a history
    row of their own."""
    projects = list(Project.objects.filter(id__in=list(project_ids)).select_related("plan_year"))
    changed = []
    judged = []
    statuses = selectors.start_statuses(projects=projects)
    for project in projects:
        status = statuses[project.id]
        consent_on = status.criterion("consent").date
        started_on = status.started_on
        criteria_met = stored_criteria(status)
        if project.criteria_met != criteria_met:
            project.criteria_met = criteria_met
            judged.append(project)
        if (project.consent_met_on, project.started_on) != (consent_on, started_on):
            project.consent_met_on = consent_on
            project.started_on = started_on
            changed.append(project)
    if changed:
        bulk_update_with_history(
            changed,
            Project,
            ["consent_met_on", "started_on"],
            batch_size=BATCH,
            default_user=user,
            default_change_reason="开工状态重新计算",
        )
    if judged:
        Project.objects.bulk_update(judged, ["criteria_met"], batch_size=BATCH)
    return len(changed)


def project_date_problems(
    project: Project,
    *,
    criteria: dict[str, StartCriterion] | None = None,
    agree_dates: Sequence[date | None] | None = None,
) -> tuple[str, ...]:
    """The date-order problems ``project`` would have once its start date is recomputed from these
    criteria and agreeing households' answer dates (the stored ones where not given)."""
    if project.plan_year_id is None or not project.kind or not project.households:
        return ()
    ids = [project.pk] if project.pk else []
    if criteria is None:
        criteria = selectors.criteria_by_project(project_ids=ids).get(project.pk, {})
    if agree_dates is None:
        agree_dates = selectors.agree_dates_by_project(project_ids=ids).get(project.pk, [])
    status = start_status(
        selectors.start_input(
            project=project,
            consent_percent=project.plan_year.consent_percent,
            agree_dates=agree_dates,
            criteria=criteria,
        )
    )
    return tuple(
        p.message
        for p in date_order_problems(
            started_on=status.started_on,
            completed_on=project.completed_on,
            accepted_on=project.accepted_on,
            criteria_dates=selectors.criteria_dates(criteria),
        )
    )


def plan_year_consent_problems(*, plan_year: PlanYear, consent_percent: int) -> list[str]:
    """What a new consent share would break: completed projects whose start would move after their
    completion. Projects that would simply stop counting as started are named too."""
    projects = list(
        Project.objects.filter(plan_year=plan_year, kind=ProjectKind.NEW).select_related(
            "plan_year", "unit"
        )
    )
    for project in projects:
        project.plan_year.consent_percent = consent_percent
    statuses = selectors.start_statuses(projects=projects)
    problems = []
    for project in projects:
        started_on = statuses[project.id].started_on
        if project.completed_on and (started_on is None or started_on > project.completed_on):
            after = f"开工日期将为 {started_on}" if started_on else "将不再满足开工条件"
            problems.append(f"{project}：{after}，而完工日期为 {project.completed_on}")
    return problems


# --- project import ----------------------------------------------------------------------------

PROJECT_TEXT_FIELDS = {
    "address": ("地址", 300),
    "construction_unit": ("建设单位", 200),
    "supervising_unit": ("监管责任单位", 200),
    "responsible_person": ("责任人", 50),
    "contractor": ("施工单位", 200),
}
PROJECT_MONEY_FIELDS = {
    "investment": "总投资(万元)",
    "fund_central": "中央补助(万元)",
    "fund_provincial": "省级补助(万元)",
    "fund_city": "市级补助(万元)",
    "fund_county": "县级配套(万元)",
    "fund_social": "社会资本(万元)",
    "fund_credit": "信贷(万元)",
    "fund_residents": "居民出资(万元)",
}
CRITERION_COLUMNS = {
    Criterion.STRUCTURES_CLEARED: "违建拆除日期",
    Criterion.DESIGN_POSTED: "设计公示日期",
    Criterion.CONTRACT_SIGNED: "施工合同日期",
    Criterion.ON_SITE: "进场日期",
}
# The template's column of each project field the import sets (as its preview names them).
PROJECT_COLUMNS = {
    "kind": "项目类型", "address": "地址", "buildings": "楼栋数", "households": "户数",
    "floor_area": "建筑面积(㎡)", **PROJECT_MONEY_FIELDS, "construction_unit": "建设单位",
    "supervising_unit": "监管责任单位", "responsible_person": "责任人",
    "responsible_phone": "联系电话", "contractor": "施工单位", "completed_on": "完工日期",
    "accepted_on": "验收日期",
}  # fmt: skip
PROJECT_FIELDS = (
    "kind", "address", "buildings", "households", "floor_area", *PROJECT_MONEY_FIELDS,
    "construction_unit", "supervising_unit", "responsible_person", "responsible_phone",
    "contractor", "completed_on", "accepted_on",
)  # fmt: skip


@dataclass
class _ProjectRow:
    row: SheetRow
    unit: Unit | None
    name: str
    fields: dict[str, Any]
    criteria: dict[str, tuple[date | None, bool, str]]


def _parse_project_row(row: SheetRow, units: dict[str, Unit], today: date) -> _ProjectRow:
    unit_name = row.text("区县", max_length=50, required=True)
    unit = units.get(unit_name)
    if unit_name and unit is None:
        row.error("区县", f"没有名为“{unit_name}”的区县")
    values: dict[str, Any] = {
        "kind": row.choice("项目类型", dict(KIND_BY_LABEL), required=True),
        "buildings": row.integer("楼栋数"),
        "households": row.integer("户数", minimum=1),
        "floor_area": row.decimal("建筑面积(㎡)", places=2),
        "responsible_phone": row.phone("联系电话"),
        "completed_on": row.past_day("完工日期", today=today),
        "accepted_on": row.past_day("验收日期", today=today),
    }
    for name, (column, length) in PROJECT_TEXT_FIELDS.items():
        values[name] = row.text(column, max_length=length)
    for name, column in PROJECT_MONEY_FIELDS.items():
        values[name] = row.decimal(column, places=4)
    no_structures = row.yes_no("无违建")
    criteria: dict[str, tuple[date | None, bool, str]] = {}
    for key, column in CRITERION_COLUMNS.items():
        criteria[key] = (row.past_day(column, today=today), False, "")
    cleared_on = criteria[Criterion.STRUCTURES_CLEARED][0]
    if no_structures:
        if cleared_on is None:
            row.error("违建拆除日期", "“无违建”为“是”时须填写确认日期")
        if not values["responsible_person"]:
            row.error("责任人", "“无违建”须由具名人员确认，请填写责任人")
        criteria[Criterion.STRUCTURES_CLEARED] = (
            cleared_on,
            True,
            values["responsible_person"],
        )
    if criteria[Criterion.CONTRACT_SIGNED][0] and not values["contractor"]:
        row.error("施工单位", "已填施工合同日期，须填写施工单位")
    name = row.text("小区名称", max_length=200, required=True)
    if name == EXAMPLE_COMMUNITY:
        row.error("小区名称", "这是导入模板中的示例行，请删除后再导入")
    return _ProjectRow(row, unit, name, values, criteria)


def projects_import(
    *,
    source: Source,
    plan_year: PlanYear,
    user: User | None = None,
    dry_run: bool = False,
    allow_status_changes: bool = False,
) -> ImportResult:
    """Import the projects template: every row checked first, then the whole file written or nothing.

    A project is identified by 区县 + 小区名称; a row naming an existing project updates it, so the
    same file imported twice changes nothing the second time. A file that would un-start a project,
    move a consent, start or completion date, or change a month covered by a valid report raises
    StatusChangesNeedConfirmation unless ``allow_status_changes`` (a dry run lists them instead).
    """
    result = ImportResult()
    try:
        sheet_rows = read_sheet(source, headers=PROJECT_HEADERS)
    except FileRejected as rejected:
        result.errors = rejected.errors
        return result
    with transaction.atomic():
        if not _import_lock(kind="projects", plan_year=plan_year, result=result):
            return result
        _projects_import_rows(
            sheet_rows, plan_year, user, dry_run or allow_status_changes, dry_run, result
        )
    return result


def _projects_import_rows(
    sheet_rows: list[SheetRow],
    plan_year: PlanYear,
    user: User | None,
    allow_status_changes: bool,
    dry_run: bool,
    result: ImportResult,
) -> None:
    units = {u.name: u for u in Unit.objects.all()}
    today = timezone.localdate()
    parsed = [_parse_project_row(r, units, today) for r in sheet_rows]
    allowed = permissions.unit_scope(user)
    for item in parsed:
        _check_unit_allowed(item.row, item.unit, allowed)
    # The rows of the projects the file names are held until the import ends, taken in id order
    # before their households are counted, so no household is added between the count and the
    # write (the household form and the roster import take the same rows).
    existing = {
        (p.unit_id, p.name): p
        for p in Project.objects.select_for_update()
        .filter(plan_year=plan_year, name__in={p.name for p in parsed if p.name})
        .order_by("pk")
    }
    existing_ids = [p.id for p in existing.values()]
    agree = selectors.agree_dates_by_project(project_ids=existing_ids)
    old_criteria = selectors.criteria_by_project(project_ids=existing_ids)
    record_counts = _household_counts(existing_ids)
    seen: dict[tuple[int, str], int] = {}
    subsidised = selectors.subsidised_unit_names(plan_year_id=plan_year.id)
    for item in parsed:
        row = item.row
        if item.unit is None or not item.name:
            continue
        key = (item.unit.id, item.name)
        if key in seen:
            row.error("小区名称", f"与第{seen[key]}行重复（同一区县的同名小区）")
            continue
        seen[key] = row.number
        project = existing.get(key)
        _check_project_row(
            item,
            project=project,
            plan_year=plan_year,
            agree_dates=agree.get(project.id, []) if project else [],
            old_criteria=old_criteria.get(project.id, {}) if project else {},
            records=record_counts.get(project.id, 0) if project else 0,
            warnings=result.warnings,
            subsidised_units=subsidised,
        )
    if _collect_errors((item.row for item in parsed), result):
        return
    touched = Project.objects.filter(plan_year=plan_year, name__in={p.name for p in parsed})
    with transaction.atomic():
        before = project_dates(projects=touched)
        _write_projects(parsed, existing, old_criteria, plan_year, user, result)
        # The dates were judged row by row above; this stores the criteria met as well.
        projects_refresh_start(project_ids=list(touched.values_list("id", flat=True)), user=user)
        result.consequences = _confirmed(
            plan_year=plan_year,
            before=before,
            after=project_dates(projects=touched),
            allow_status_changes=allow_status_changes,
        )
        if dry_run:
            transaction.set_rollback(True)


# One import of a kind per plan year at a time (PostgreSQL advisory lock, released with the
# transaction even when the process dies); on SQLite the import's transaction holds the database's
# write lock from its start (BEGIN IMMEDIATE), so a second import waits and then sees the first.
IMPORT_LOCK_KEYS = {"projects": 70_1001, "households": 70_1002}
IMPORT_BUSY = {
    "projects": "另一位用户正在导入同一年度的项目，请稍后再试（本次未写入任何数据）",
    "households": "另一位用户正在导入同一年度的住户花名册，请稍后再试（本次未写入任何数据）",
}


def _import_lock(*, kind: str, plan_year: PlanYear, result: ImportResult) -> bool:
    """Take the import lock inside the caller's transaction; False (with the error in ``result``)
    when another import of the same kind and year holds it."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_try_advisory_xact_lock(%s, %s)", [IMPORT_LOCK_KEYS[kind], plan_year.id]
        )
        (acquired,) = cursor.fetchone()
    if not acquired:
        result.errors = [RowError(0, "", IMPORT_BUSY[kind])]
    return bool(acquired)


def _collect_errors(rows: Iterable[SheetRow], result: ImportResult) -> bool:
    """Gather every row's errors into the result, in row order; True when there are any."""
    for row in rows:
        result.errors.extend(row.errors)
    result.errors.sort()
    return bool(result.errors)


def _household_counts(project_ids: Sequence[int]) -> dict[int, int]:
    return dict(
        Household.objects.filter(project_id__in=project_ids)
        .order_by()
        .values_list("project_id")
        .annotate(n=Count("id"))
        .values_list("project_id", "n")
    )


def _check_project_row(
    item: _ProjectRow,
    *,
    project: Project | None,
    plan_year: PlanYear,
    agree_dates: Sequence[date | None],
    old_criteria: dict[str, StartCriterion],
    records: int,
    warnings: list[RowError],
    subsidised_units: Sequence[str],
) -> None:
    """The checks of one row against what is recorded: household records, the start rule on the
    row's dates, dates in order; then the warnings of SPEC §4 for a row without errors."""
    row, values = item.row, item.fields
    if values["households"] is None or values["kind"] is None or item.unit is None:
        return
    problem = household_count_problem(records=records, households=values["households"])
    if problem:
        row.error("户数", problem + "，请先删除多余住户记录或更正户数")
    _keep_recorded_dates(item, project, old_criteria, warnings)
    _keep_recorded_confirmer(item, old_criteria)
    candidate = Project(plan_year=plan_year, unit=item.unit, name=item.name, **values)
    criteria = {
        key: StartCriterion(
            criterion=key,
            met_on=met_on,
            no_structures=no_structures,
            confirmed_by=confirmed_by,
            evidence=old_criteria[key].evidence if key in old_criteria else "",
        )
        for key, (met_on, no_structures, confirmed_by) in item.criteria.items()
    }
    status = start_status(
        selectors.start_input(
            project=candidate,
            consent_percent=plan_year.consent_percent,
            agree_dates=agree_dates,
            criteria=criteria,
        )
    )
    item.fields["consent_met_on"] = status.criterion("consent").date
    item.fields["started_on"] = status.started_on
    for date_problem in date_order_problems(
        started_on=status.started_on,
        completed_on=values["completed_on"],
        accepted_on=values["accepted_on"],
        criteria_dates=selectors.criteria_dates(criteria),
    ):
        row.error(PROJECT_DATE_COLUMNS[date_problem.field], date_problem.message)
    if not row.errors:
        candidate.started_on = status.started_on
        for warning in selectors.project_warnings(
            project=candidate, status=status, subsidised_units=subsidised_units
        ):
            warnings.append(RowError(row.number, "", warning))


PROJECT_DATE_COLUMNS = {"completed_on": "完工日期", "accepted_on": "验收日期"}


def _keep_recorded_dates(
    item: _ProjectRow,
    project: Project | None,
    old_criteria: dict[str, StartCriterion],
    warnings: list[RowError],
) -> None:
    """A blank date cell never erases a date already recorded (perhaps in the browser, with its
    evidence): the recorded date is kept and the row says so. Dates are cleared in the browser."""
    if project is None:
        return
    for key, column in CRITERION_COLUMNS.items():
        recorded = old_criteria.get(key)
        if item.criteria[key][0] is None and recorded is not None and recorded.met_on:
            item.criteria[key] = (recorded.met_on, recorded.no_structures, recorded.confirmed_by)
            warnings.append(
                RowError(item.row.number, column, f"为空，保留已记录的日期 {recorded.met_on}")
            )
    for field_name, column in PROJECT_DATE_COLUMNS.items():
        recorded_day = getattr(project, field_name)
        if item.fields[field_name] is None and recorded_day:
            item.fields[field_name] = recorded_day
            warnings.append(
                RowError(item.row.number, column, f"为空，保留已记录的日期 {recorded_day}")
            )


def _keep_recorded_confirmer(item: _ProjectRow, old_criteria: dict[str, StartCriterion]) -> None:
    """ "无违建" already confirmed keeps the name of whoever confirmed it: the template has no
    column for the confirmer (责任人 stands in for a new confirmation), so a downloaded file goes
    back in unchanged."""
    key = Criterion.STRUCTURES_CLEARED
    recorded = old_criteria.get(key)
    met_on, no_structures, _confirmed_by = item.criteria[key]
    if no_structures and recorded is not None and recorded.no_structures and recorded.confirmed_by:
        item.criteria[key] = (met_on, True, recorded.confirmed_by)


def _write_projects(
    parsed: list[_ProjectRow],
    existing: dict[tuple[int, str], Project],
    old_criteria: dict[int, dict[str, StartCriterion]],
    plan_year: PlanYear,
    user: User | None,
    result: ImportResult,
) -> None:
    fields = [*PROJECT_FIELDS, "consent_met_on", "started_on"]
    to_create: list[Project] = []
    to_update: list[Project] = []
    # What the preview lists of each row that changes an existing project: (column, old, new).
    shown: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    for item in parsed:
        assert item.unit is not None
        project = existing.get((item.unit.id, item.name))
        values = {f: item.fields[f] for f in fields}
        if project is None:
            to_create.append(Project(plan_year=plan_year, unit=item.unit, name=item.name, **values))
            continue
        shown[item.row.number] += [
            (column, _preview_value(f, getattr(project, f)), _preview_value(f, values[f]))
            for f, column in PROJECT_COLUMNS.items()
            if getattr(project, f) != values[f]
        ]
        if any(getattr(project, f) != v for f, v in values.items()):
            for f, v in values.items():
                setattr(project, f, v)
            project.version += 1
            to_update.append(project)
    bulk_create_recorded(to_create, Project, user=user)
    if to_update:
        bulk_update_with_history(
            to_update, Project, [*fields, "version"], batch_size=BATCH, default_user=user
        )
    ids = {
        (p.unit_id, p.name): p.id
        for p in Project.objects.filter(
            plan_year=plan_year, name__in=[p.name for p in to_create]
        ).only("id", "unit_id", "name")
    }
    changed_ids = {p.id for p in to_update}
    new_criteria: list[StartCriterion] = []
    changed_criteria: list[StartCriterion] = []
    for item in parsed:
        assert item.unit is not None
        key = (item.unit.id, item.name)
        project_id = existing[key].id if key in existing else ids[key]
        current = old_criteria.get(project_id, {})
        for criterion, (met_on, no_structures, confirmed_by) in item.criteria.items():
            row = current.get(criterion)
            if row is None:
                if met_on is not None:
                    if key in existing:
                        shown[item.row.number].append(
                            (CRITERION_COLUMNS[Criterion(criterion)], _shown(None), _shown(met_on))
                        )
                    new_criteria.append(
                        StartCriterion(
                            project_id=project_id,
                            criterion=criterion,
                            met_on=met_on,
                            no_structures=no_structures,
                            confirmed_by=confirmed_by,
                            recorded_by=user,
                        )
                    )
                    changed_ids.add(project_id)
            elif (row.met_on, row.no_structures, row.confirmed_by) != (
                met_on,
                no_structures,
                confirmed_by,
            ):
                if row.met_on != met_on:
                    shown[item.row.number].append(
                        (
                            CRITERION_COLUMNS[Criterion(criterion)],
                            _shown(row.met_on),
                            _shown(met_on),
                        )
                    )
                if row.no_structures != no_structures:
                    shown[item.row.number].append(
                        ("无违建", _yes_no(row.no_structures), _yes_no(no_structures))
                    )
                row.met_on, row.no_structures, row.confirmed_by = (
                    met_on,
                    no_structures,
                    confirmed_by,
                )
                row.recorded_by = user
                changed_criteria.append(row)
                changed_ids.add(project_id)
    bulk_create_recorded(new_criteria, StartCriterion, user=user)
    if changed_criteria:
        bulk_update_with_history(
            changed_criteria,
            StartCriterion,
            ["met_on", "no_structures", "confirmed_by", "recorded_by"],
            batch_size=BATCH,
            default_user=user,
        )
    result.created = len(to_create)
    created_ids = {ids[(p.unit_id, p.name)] for p in to_create}
    result.updated = len(changed_ids - created_ids)
    result.unchanged = len(parsed) - result.created - result.updated
    for item in parsed:
        assert item.unit is not None
        key = (item.unit.id, item.name)
        label = f"{item.unit.name}{item.name}"
        if key not in existing:
            result.list_change(RowChange(item.row.number, label, added=True))
        elif shown.get(item.row.number):
            result.list_change(
                RowChange(item.row.number, label, added=False, fields=tuple(shown[item.row.number]))
            )


def _preview_value(name: str, value: Any) -> str:
    """A project field's value as an import preview shows it."""
    if name == "kind":
        return str(ProjectKind(value).label) if value else _shown(value)
    return _shown(value)


def _yes_no(value: bool) -> str:
    return "是" if value else "否"


# --- household import --------------------------------------------------------------------------

# A dwelling in a project: (project id, 楼栋, 单元, 房号).
Dwelling = tuple[int, str, str, str]


@dataclass
class _HouseholdRow:
    row: SheetRow
    project: Project | None
    key: tuple[str, str, str]
    fields: dict[str, Any]


def households_import(
    *,
    source: Source,
    plan_year: PlanYear,
    user: User | None = None,
    dry_run: bool = False,
    project: Project | None = None,
    allow_status_changes: bool = False,
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
    """
    result = ImportResult()
    try:
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
                for p in Project.objects.filter(
                    plan_year=self.plan_year, name__in=names
                ).select_related("unit"):
                    self.projects[(p.unit.name, p.name)] = p
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
) -> None:
    reader = _RosterReader(plan_year=plan_year, user=user, project=project)
    errors, roster, checked = _check_households(reader.batches(rows), plan_year)
    if errors:
        result.errors = sorted(errors)
        return
    with transaction.atomic():
        before = project_dates(projects=list(roster))
        for batch in checked.batches():
            _write_households(batch, roster, user, result)
        projects_refresh_start(project_ids=roster, user=user)
        result.consequences = _confirmed(
            plan_year=plan_year,
            before=before,
            after=project_dates(projects=list(roster)),
            allow_status_changes=allow_status_changes,
        )
        if dry_run:
            transaction.set_rollback(True)


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
    batches: Iterable[list[_HouseholdRow]], plan_year: PlanYear
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


# --- single records ----------------------------------------------------------------------------
#
# The browser's forms write through these. Each runs in one transaction, writes its history with
# the acting user, re-checks the rules of SPEC §4 against what would be stored (refusing the whole
# change when a hard rule breaks) and recomputes the project's start date with the one start rule.

PROJECT_EDITABLE_FIELDS: tuple[str, ...] = (
    "kind", "name", "address", "buildings", "households", "floor_area", *PROJECT_MONEY_FIELDS,
    "contents", "hazards", "linked_tags", "management_mode", "construction_unit",
    "supervising_unit", "responsible_person", "responsible_phone", "contractor", "completed_on",
    "accepted_on", "warning_note",
)  # fmt: skip


@dataclass(frozen=True)
class ProjectCheck:
    """What SPEC §4 says about a project as it would be stored: errors block the save, warnings need
    a written explanation (``warning_note``)."""

    status: StartStatus
    errors: tuple[Problem, ...]
    warnings: tuple[str, ...]


def project_check(
    project: Project,
    *,
    criteria: dict[str, StartCriterion] | None = None,
    agree_dates: Sequence[date | None] | None = None,
    records: int | None = None,
    today: date | None = None,
) -> ProjectCheck:
    """Check ``project`` with its unsaved changes against its stored (or the given) criteria,
    agreeing households' answer dates and household record count; its completion and acceptance
    dates must not lie after ``today`` (the local date unless given)."""
    ids = [project.pk] if project.pk else []
    if criteria is None:
        criteria = selectors.criteria_by_project(project_ids=ids).get(project.pk, {})
    if agree_dates is None:
        agree_dates = selectors.agree_dates_by_project(project_ids=ids).get(project.pk, [])
    if records is None:
        records = Household.objects.filter(project_id=project.pk).count() if ids else 0
    status = start_status(
        selectors.start_input(
            project=project,
            consent_percent=project.plan_year.consent_percent,
            agree_dates=agree_dates,
            criteria=criteria,
        )
    )
    errors = list(
        date_order_problems(
            started_on=status.started_on,
            completed_on=project.completed_on,
            accepted_on=project.accepted_on,
            criteria_dates=selectors.criteria_dates(criteria),
        )
    )
    errors += future_date_problems(
        dates={
            "completed_on": ("完工", project.completed_on),
            "accepted_on": ("验收移交", project.accepted_on),
        },
        today=today or timezone.localdate(),
    )
    too_many = household_count_problem(records=records, households=project.households or 0)
    if too_many:
        errors.append(Problem("households", too_many))
    warnings = tuple(selectors.project_warnings(project=project, status=status))
    return ProjectCheck(status, tuple(errors), warnings)


def _raise_problems(check: ProjectCheck, *, note: str) -> None:
    errors: dict[str, list[str]] = defaultdict(list)
    for problem in check.errors:
        errors[problem.field].append(problem.message)
    if check.warnings and not note.strip():
        errors["warning_note"].append(
            "项目存在以下提示，请填写情况说明：" + "；".join(check.warnings)
        )
    if errors:
        raise ValidationError(dict(errors))


@dataclass(frozen=True)
class FieldChange:
    """One field someone else changed while the user was editing."""

    label: str
    before: str
    after: str


@dataclass(frozen=True)
class Conflict:
    """Why an edit was refused: the project changed since the user opened it, by whom and how."""

    version: int
    changed_by: str
    changed_at: datetime | None
    changes: tuple[FieldChange, ...]


class StaleEdit(Exception):
    """The project was saved by someone else after the form was opened (optimistic locking)."""

    def __init__(self, conflict: Conflict) -> None:
        super().__init__("项目已被他人修改")
        self.conflict = conflict


def _shown(value: Any) -> str:
    if value in (None, "", []):
        return "（空）"
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def project_conflict(*, project_id: int, since_version: int) -> Conflict:
    """What changed on a project after ``since_version``, from its history (django-simple-history)."""
    history = Project.history.filter(id=project_id).select_related("history_user")
    base = history.filter(version=since_version).order_by("-history_date", "-history_id").first()
    latest = history.order_by("-history_date", "-history_id").first()
    current = Project.objects.get(pk=project_id)
    changes = []
    if base is not None:
        for name in PROJECT_EDITABLE_FIELDS:
            before, after = getattr(base, name), getattr(current, name)
            if not same_value(before, after):
                label = str(getattr(Project._meta.get_field(name), "verbose_name", name))
                changes.append(FieldChange(label, _shown(before), _shown(after)))
    user = latest.history_user if latest is not None else None
    return Conflict(
        version=current.version,
        changed_by=(user.get_full_name() or user.get_username()) if user else "系统",
        changed_at=latest.history_date if latest is not None else None,
        changes=tuple(changes),
    )


KEEP_THEIRS = "theirs"
KEEP_MINE = "mine"


@dataclass(frozen=True)
class FieldClash:
    """A field both people changed, to different values, since the version the user started from."""

    name: str
    label: str
    base: str
    theirs: str
    mine: str


@dataclass(frozen=True)
class Merge:
    """A user's edit laid over the project as it is now: ``values`` to save (theirs where only they
    changed a field, the user's where only the user did, the chosen one where both did) and the
    ``clashes`` still waiting for a choice."""

    values: dict[str, Any]
    clashes: tuple[FieldClash, ...]


class MergeChoiceNeeded(Exception):
    """Both people changed the same fields: the user must say, per field, which value to keep."""

    def __init__(self, clashes: tuple[FieldClash, ...]) -> None:
        super().__init__("请选择保留对方的值还是使用您的值")
        self.clashes = clashes


def same_value(a: Any, b: Any) -> bool:
    """Equal as stored: empty text and None alike, lists (改造内容 etc.) whatever their order."""
    if a in (None, "") and b in (None, ""):
        return True
    if isinstance(a, list) and isinstance(b, list):
        return sorted(map(str, a)) == sorted(map(str, b))
    return bool(a == b)


def project_merge(
    *, project: Project, base_version: int, mine: dict[str, Any], keep: dict[str, str] | None = None
) -> Merge:
    """Lay ``mine`` (the user's form, opened at ``base_version``) over ``project`` as stored now, field
    by field against the base version's values in the project's history: a field the user left as it
    was keeps the current value, so another person's change is never reverted; a field both changed
    to different values takes ``keep[name]`` (KEEP_THEIRS or KEEP_MINE) or is a clash."""
    keep = keep or {}
    base = (
        Project.history.filter(id=project.pk, version=base_version)
        .order_by("-history_date", "-history_id")
        .first()
    )
    values: dict[str, Any] = {}
    clashes = []
    for name, my_value in mine.items():
        current = getattr(project, name)
        # Without the base in the history every difference is treated as a clash: asked, not guessed.
        base_value = getattr(base, name) if base is not None else current
        if base is not None and same_value(my_value, base_value):
            values[name] = current  # not changed by this user: whatever is stored now stays
        elif same_value(my_value, current) or (
            base is not None and same_value(current, base_value)
        ):
            values[name] = my_value
        elif keep.get(name) in (KEEP_THEIRS, KEEP_MINE):
            values[name] = my_value if keep[name] == KEEP_MINE else current
        else:
            label = str(getattr(Project._meta.get_field(name), "verbose_name", name))
            clashes.append(
                FieldClash(name, label, _shown(base_value), _shown(current), _shown(my_value))
            )
            values[name] = my_value
    return Merge(values, tuple(clashes))


@transaction.atomic
def project_create(
    *, plan_year: PlanYear, unit: Unit, user: User | None, data: dict[str, Any]
) -> Project:
    """Create a project of ``unit`` from the form's fields (PROJECT_EDITABLE_FIELDS)."""
    permissions.require_unit_writer(user, unit.id)
    project = Project(plan_year=plan_year, unit=unit, **_editable(data))
    _validate(project)
    project._history_user = user  # type: ignore[attr-defined]
    project.save()
    projects_refresh_start(project_ids=[project.id], user=user)
    project.refresh_from_db()
    return project


@transaction.atomic
def project_update(
    *,
    project_id: int,
    expected_version: int,
    user: User | None,
    data: dict[str, Any],
    base_version: int | None = None,
    keep: dict[str, str] | None = None,
    allow_status_changes: bool = False,
) -> Project:
    """Save the form's fields over the project, unless someone saved it since the user's form was
    last shown at ``expected_version``: then nothing is written and StaleEdit says what they changed.

    After such a conflict the form is saved again with the version it was first opened at
    (``base_version``): only the fields this user changed since then are written (project_merge),
    and where both changed a field ``keep`` says whose value stays, else MergeChoiceNeeded."""
    claimed = Project.objects.filter(pk=project_id, version=expected_version).update(
        version=expected_version + 1
    )
    if not claimed:
        raise StaleEdit(project_conflict(project_id=project_id, since_version=expected_version))
    project = Project.objects.select_related("plan_year", "unit").get(pk=project_id)
    permissions.require_unit_writer(user, project.unit_id)
    before = project_dates(projects=[project.id])
    values = _editable(data)
    if base_version is not None and base_version != expected_version:
        merge = project_merge(project=project, base_version=base_version, mine=values, keep=keep)
        if merge.clashes:
            raise MergeChoiceNeeded(merge.clashes)
        values = merge.values
    for name, value in values.items():
        if name in LIST_FIELDS and same_value(getattr(project, name), value):
            continue  # the same terms (stored before the one order was kept): not a change
        setattr(project, name, value)
    _validate(project)
    project._history_user = user  # type: ignore[attr-defined]
    project.save()
    projects_refresh_start(project_ids=[project.id], user=user)
    _confirm_single(project, before, allow_status_changes)
    project.refresh_from_db()
    return project


# Fields of a project brought into a plan by a plan adjustment (the community's own figures).
SWAPPED_IN_FIELDS: tuple[str, ...] = (
    "name", "address", "buildings", "households", "floor_area", "investment",
)  # fmt: skip


@transaction.atomic
def plan_projects_swap(
    *,
    plan_year: PlanYear,
    unit: Unit,
    removed: Iterable[Project],
    added: Sequence[dict[str, Any]],
    user: User | None,
    reason: str,
) -> list[Project]:
    """Swap projects of a unit's plan (an accepted plan adjustment): the projects swapped out are
    deleted (their history keeps them, "``reason`` 调出") and each community brought in becomes a
    new project of the unit ("``reason`` 调入"); returns the new projects in ``added``'s order. The
    caller has asked the door (the city office decides adjustments) and checked the plan."""
    for project in removed:
        project._history_user = user  # type: ignore[attr-defined]
        project._change_reason = f"{reason} 调出"  # type: ignore[attr-defined]
        project.delete()
    created = []
    for values in added:
        unknown = set(values) - set(SWAPPED_IN_FIELDS)
        if unknown:
            raise ValueError(f"not a community's figure: {sorted(unknown)}")
        project = Project(plan_year=plan_year, unit=unit, kind=ProjectKind.NEW, **values)
        project.full_clean()
        project._history_user = user  # type: ignore[attr-defined]
        project._change_reason = f"{reason} 调入"  # type: ignore[attr-defined]
        project.save()
        created.append(project)
    return created


def _confirm_single(
    project: Project, before: dict[int, ProjectDates], allow_status_changes: bool
) -> None:
    """After one record's change is written (inside its transaction): refused with its consequences
    when it un-starts the project, moves a date or changes a month of a valid report, unless
    allowed."""
    _confirmed(
        plan_year=project.plan_year,
        before=before,
        after=project_dates(projects=[project.id]),
        allow_status_changes=allow_status_changes,
    )


def _validate(project: Project) -> None:
    """Field values first, then the rules of SPEC §4 (their messages name the field), then the
    database constraints that remain."""
    project.clean_fields()
    _raise_problems(project_check(project), note=project.warning_note)
    project.full_clean()


def _editable(data: dict[str, Any]) -> dict[str, Any]:
    unknown = set(data) - set(PROJECT_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    # One stored order for the multi-choice lists, so a list sent in another order is no change.
    return {
        name: in_choice_order(list(value or []), LIST_FIELDS[name])
        if name in LIST_FIELDS
        else value
        for name, value in data.items()
    }


def _touch_project(project: Project, user: User | None) -> None:
    """Re-check a project after a change to its households or criteria (inside the change's
    transaction, so a refusal undoes it), then recompute its start date."""
    project = Project.objects.select_related("plan_year", "unit").get(pk=project.pk)
    check = project_check(project)
    errors = [p.message for p in check.errors]
    if project.completed_on and project.started_on and not check.status.started:
        # Completed before its households were entered is a warning; a change that takes a
        # completed project's start away is refused, as is a consent share that would (admin).
        errors.append(
            f"项目已于 {project.completed_on} 完工，此修改将使其不再满足开工条件："
            + "；".join(c.reason for c in check.status.criteria if not c.met)
        )
    if errors:
        raise ValidationError(errors)
    projects_refresh_start(project_ids=[project.id], user=user)


def _lock_project(project: Project) -> Project:
    """Hold the project's row until the transaction ends, so two writers of its households or
    criteria queue up (PostgreSQL; SQLite writes one at a time anyway)."""
    return (
        Project.objects.select_for_update().select_related("plan_year", "unit").get(pk=project.pk)
    )


def _check_answered_on(household: Household) -> None:
    """A household's answer (its agreement) is dated on a day that has happened."""
    problem = future_date_problem(
        label="表态", on=household.answered_on, today=timezone.localdate()
    )
    if problem:
        raise ValidationError({"answered_on": problem})


@transaction.atomic
def household_create(
    *,
    project: Project,
    user: User | None,
    data: dict[str, Any],
    allow_status_changes: bool = False,
) -> Household:
    """Add one household to a project's roster; refused when the roster would exceed the project's
    household count or the project's dates would fall out of order."""
    project = _lock_project(project)
    permissions.require_unit_writer(user, project.unit_id)
    before = project_dates(projects=[project.id])
    household = Household(project=project, **data)
    _check_answered_on(household)
    household.full_clean()
    household._history_user = user  # type: ignore[attr-defined]
    household.save()
    _touch_project(project, user)
    _confirm_single(project, before, allow_status_changes)
    return household


@transaction.atomic
def household_update(
    *,
    household: Household,
    user: User | None,
    data: dict[str, Any],
    allow_status_changes: bool = False,
) -> Household:
    """Change one household's dwelling, head of household, phone or answers."""
    project = _lock_project(household.project)
    permissions.require_unit_writer(user, household.project.unit_id)
    before = project_dates(projects=[project.id])
    household = Household.objects.get(pk=household.pk)
    for name, value in data.items():
        setattr(household, name, value)
    _check_answered_on(household)
    household.full_clean()
    household._history_user = user  # type: ignore[attr-defined]
    household.save()
    _touch_project(household.project, user)
    _confirm_single(project, before, allow_status_changes)
    return household


@transaction.atomic
def household_delete(
    *, household: Household, user: User | None, allow_status_changes: bool = False
) -> None:
    """Remove one household from the roster (its history keeps it); refused when the project's
    start would then move after its completion."""
    project = _lock_project(household.project)
    permissions.require_unit_writer(user, project.unit_id)
    before = project_dates(projects=[project.id])
    household._history_user = user  # type: ignore[attr-defined]
    household.delete()
    _touch_project(project, user)
    _confirm_single(project, before, allow_status_changes)


@transaction.atomic
def criterion_record(
    *,
    project: Project,
    criterion: str,
    met_on: date | None,
    user: User | None,
    no_structures: bool = False,
    confirmed_by: str = "",
    note: str = "",
    evidence: File | None = None,
    contractor: str | None = None,
    allow_status_changes: bool = False,
) -> StartCriterion:
    """Record (or clear) one of criteria 2–5: its date, the named confirmer of "none present", the
    evidence scan and, for the contract, the contractor's name; then recompute the start date."""
    project = _lock_project(project)
    permissions.require_unit_writer(user, project.unit_id)
    before = project_dates(projects=[project.id])
    problem = future_date_problem(
        label=str(Criterion(criterion).label), on=met_on, today=timezone.localdate()
    )
    if problem:
        raise ValidationError({"met_on": problem})
    if contractor is not None and contractor != project.contractor:
        project.contractor = contractor
        project.version += 1
        project._history_user = user  # type: ignore[attr-defined]
        project.save(update_fields=["contractor", "version", "updated_at"])
    row, _ = StartCriterion.objects.get_or_create(
        project=project, criterion=Criterion(criterion), defaults={"recorded_by": user}
    )
    row.met_on = met_on
    row.no_structures = no_structures
    row.confirmed_by = confirmed_by
    row.note = note
    row.recorded_by = user
    if evidence is not None:
        row.evidence = evidence
    row.full_clean()
    row._history_user = user  # type: ignore[attr-defined]
    row.save()
    _touch_project(project, user)
    _confirm_single(project, before, allow_status_changes)
    return row


class _DryRun(Exception):
    """Raised to roll back a write made only to see its consequences."""


def criterion_record_consequences(
    *, project: Project, criterion: str, met_on: date | None, user: User | None, **fields: Any
) -> Consequences | None:
    """The status changes recording a criterion would need confirmed (None when it needs no
    confirmation or would be refused anyway), nothing written: the page shows them again when the
    confirmed save was refused for its form (the evidence file cannot be kept by the browser)."""
    try:
        with transaction.atomic():
            criterion_record(
                project=project, criterion=criterion, met_on=met_on, user=user, **fields
            )
            raise _DryRun
    except StatusChangesNeedConfirmation as refused:
        return refused.consequences
    except (_DryRun, ValidationError):
        return None


# --- personal data --------------------------------------------------------------------------------


def personal_data_access_record(
    *,
    user: User,
    action: str,
    unit: Unit | None,
    household: Household | None = None,
    project: Project | None = None,
    households: int = 1,
    reason: str = "",
) -> PersonalDataAccess:
    """Keep who saw or exported residents' names and phones (never the names themselves)."""
    return PersonalDataAccess.objects.create(
        user=user,
        role=Role.ADMIN if user.is_superuser else user.role,
        action=action,
        unit=unit,
        household=household,
        project=project,
        households=households,
        reason=reason,
    )


def roster_download(
    *, user: User | None, unit: Unit, projects: models.QuerySet[Project], project: Project | None
) -> bytes:
    """The roster of ``projects`` (``unit``'s; ``project`` when it is one) as the filled roster
    template, kept in the personal-data audit: who, when, which project and how many households.

    Names and phones are in full only for the unit's own clerk and leader; a command run without a
    user gets them masked and leaves no record (it shows nobody's personal data)."""
    # 楼栋 1, 2, …, 10 as people number them, not 1, 10, 11, 2 as the database sorts text.
    households = sorted(
        selectors.roster_households(projects=projects),
        key=lambda h: (
            h.project.unit.sort_order,
            h.project.name,
            dwelling_order(h.building, h.entrance, h.room),
            h.id,
        ),
    )
    in_full = user is not None and permissions.sees_residents_in_full(user, unit.id)
    content = roster_file(households=households, in_full=in_full)
    if user is not None:
        personal_data_access_record(
            user=user,
            action=PersonalDataAccess.Action.DOWNLOAD,
            unit=unit,
            project=project,
            households=len(households),
            reason="姓名和电话完整" if in_full else "姓名和电话已打码",
        )
    return content


# --- targets ----------------------------------------------------------------------------------
#
# The one write path for the unit targets, the unassigned carry-over figures and the trial months:
# the city office's target page (reporting.targets) calls these once the door has said yes. Every
# change is atomic, needs a reason, keeps who/when/why in the history, and is refused when the one
# target rule (projects.rules.targets) finds a problem the targets would have after it and do not
# have now.

# django-simple-history keeps the change reason in a 100-character column.
REASON_MAX_LENGTH = 100
# The reason on the snapshot written before the first recorded change of a target loaded without
# history (loaddata writes none), so that change can say what the figures were before it.
BASELINE_REASON = "修改前的目标（加载时未留记录）"
TARGET_FIELDS: tuple[str, ...] = ("new_starts", "completions", "carryover")


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写修改原因（将记入修改记录）"})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError({"reason": f"修改原因不能超过 {REASON_MAX_LENGTH} 个字"})
    return reason


def unassigned_carryover_open(*, plan_year: PlanYear) -> list[UnassignedCarryover]:
    """The carry-over figures of ``plan_year`` whose unit is still unknown."""
    return list(UnassignedCarryover.objects.filter(plan_year=plan_year, assigned_unit__isnull=True))


def _targets_check(
    *,
    plan_year: PlanYear,
    units: Sequence[tuple[Unit, selectors.Targets]],
    unassigned: Iterable[int],
) -> TargetCheck:
    """The target rule on the given targets (stored or would-be)."""
    return check_targets_reconcile(
        city=CityTotals(
            plan_year.city_new_starts,
            plan_year.city_completions,
            plan_year.city_carryover,
            plan_year.completion_percent,
        ),
        units=[
            UnitTargets(u.name, t.new_starts, t.completions, t.carryover, t.completions_reason)
            for u, t in units
        ],
        unassigned_carryover=list(unassigned),
    )


def _refuse_new_problems(
    *,
    plan_year: PlanYear,
    unit: Unit,
    targets: selectors.Targets,
    unassigned_after: Sequence[int],
    field_of: Callable[[str], str],
) -> None:
    """Refuse (ValidationError) when the rule finds a problem with ``unit`` at ``targets`` and the
    unassigned figures ``unassigned_after`` that it does not find in the stored targets. A problem
    the stored targets already have (entered in the admin, say) does not block an unrelated change.
    """
    stored = selectors.unit_targets(plan_year=plan_year)
    unassigned_now = [item.households for item in unassigned_carryover_open(plan_year=plan_year)]
    before = _targets_check(plan_year=plan_year, units=stored, unassigned=unassigned_now)
    would_be = [(u, targets if u.pk == unit.pk else t) for u, t in stored]
    after = _targets_check(plan_year=plan_year, units=would_be, unassigned=unassigned_after)
    new = [p for p in after.problems if p not in before.problems]
    if new:
        errors: dict[str, list[str]] = {}
        for problem in new:
            errors.setdefault(field_of(problem), []).append(problem)
        raise ValidationError(errors)


def _target_problem_field(unit: Unit) -> Callable[[str], str]:
    """Which field of the target form a problem of the rule belongs beside: the rule's problems
    name the unit (completions against 70 % of new starts) or the target whose sum is too large."""

    def field_of(problem: str) -> str:
        if problem.startswith(f"{unit.name}："):
            return "completions_reason" if "理由" in problem else "completions"
        for label, name in (("续建", "carryover"), ("完成改造", "completions")):
            if label in problem:
                return name
        return "new_starts"

    return field_of


def _target_locked(plan_year: PlanYear, unit: Unit) -> tuple[PlanYear, UnitTarget]:
    """Hold the plan year's row until the transaction ends, so two target changes queue up and
    each is checked against the other's result (PostgreSQL; SQLite writes one at a time anyway)."""
    plan_year = PlanYear.objects.select_for_update().get(pk=plan_year.pk)
    target = UnitTarget.objects.filter(plan_year=plan_year, unit=unit).first()
    if target is None:
        return plan_year, UnitTarget(plan_year=plan_year, unit=unit)
    if not target.history.exists():
        UnitTarget.history.bulk_history_create([target], default_change_reason=BASELINE_REASON)
    return plan_year, target


def _save_target(target: UnitTarget, *, user: User, reason: str) -> None:
    target.full_clean()
    target._history_user = user  # type: ignore[attr-defined]
    target._change_reason = reason  # type: ignore[attr-defined]
    target.save()


@transaction.atomic
def unit_target_set(
    *,
    plan_year: PlanYear,
    unit: Unit,
    new_starts: int | None,
    completions: int | None,
    carryover: int | None,
    reason: str,
    user: User,
    completions_reason: str = "",
) -> UnitTarget:
    """Set a unit's three targets (None where still unknown), with a reason kept in the history;
    the caller has asked the door (projects.permissions.may_set_targets). A blank completion target with a
    new-start target given is filled in by the rule (70 % rounded half up); a higher one needs
    ``completions_reason`` and a lower one is refused (projects.rules.targets.completion_target)."""
    reason = _clean_reason(reason)
    plan_year, target = _target_locked(plan_year, unit)
    if completions is None and new_starts is not None:
        completions = expected_completion(
            new_starts=new_starts, completion_percent=plan_year.completion_percent
        )
    completions_reason = (completions_reason or "").strip()
    if new_starts is not None and completions == expected_completion(
        new_starts=new_starts, completion_percent=plan_year.completion_percent
    ):
        completions_reason = ""  # the least figure needs no reason; an old one no longer applies
    wanted = selectors.Targets(new_starts, completions, carryover, completions_reason)
    stored = selectors.Targets(
        target.new_starts, target.completions, target.carryover, target.completions_reason
    )
    if wanted == stored:
        raise ValidationError("目标与现有数值相同，未作修改")
    target.new_starts, target.completions, target.carryover = new_starts, completions, carryover
    target.completions_reason = completions_reason
    target.clean_fields()
    _refuse_new_problems(
        plan_year=plan_year,
        unit=unit,
        targets=wanted,
        unassigned_after=[i.households for i in unassigned_carryover_open(plan_year=plan_year)],
        field_of=_target_problem_field(unit),
    )
    _save_target(target, user=user, reason=reason)
    return target


@transaction.atomic
def carryover_assign(
    *, item: UnassignedCarryover, unit: Unit, reason: str, user: User
) -> UnitTarget:
    """Name the unit of a carry-over figure the source left without one: its households are added
    to the unit's carry-over target (an unknown target counts as 0) and the figure is marked as
    assigned, so the city total still reconciles and both histories say who, when and why."""
    reason = _clean_reason(reason)
    plan_year, target = _target_locked(item.plan_year, unit)
    item = UnassignedCarryover.objects.select_for_update().get(pk=item.pk)
    if item.assigned_unit_id is not None:
        raise ValidationError(
            {"unit": f"该续建目标 {item.households} 户已指定给{item.assigned_unit}，不能重复指定"}
        )
    wanted = selectors.Targets(
        target.new_starts,
        target.completions,
        (target.carryover or 0) + item.households,
        target.completions_reason,
    )
    _refuse_new_problems(
        plan_year=plan_year,
        unit=unit,
        targets=wanted,
        unassigned_after=[
            i.households for i in unassigned_carryover_open(plan_year=plan_year) if i.pk != item.pk
        ],
        field_of=lambda problem: "unit",
    )
    target.carryover = wanted.carryover
    _save_target(target, user=user, reason=reason)
    item.assigned_unit, item.assigned_at, item.assigned_by = unit, timezone.now(), user
    item.reason = reason
    item.full_clean()
    item._history_user = user  # type: ignore[attr-defined]
    item._change_reason = reason  # type: ignore[attr-defined]
    item.save(update_fields=["assigned_unit", "assigned_at", "assigned_by", "reason"])
    return target


@transaction.atomic
def plan_year_trial_months_set(
    *, plan_year: PlanYear, months: Sequence[int], reason: str, user: User
) -> PlanYear:
    """Mark the plan year's trial months (试填报): their reports run the whole workflow but count
    neither in timeliness nor in the assessment. The city office and administrators, with a reason
    kept in the plan year's history."""
    reason = _clean_reason(reason)
    months = sorted(months)
    problem = trial_months_problem(months=months)
    if problem:
        raise ValidationError({"months": problem})
    plan_year = PlanYear.objects.select_for_update().get(pk=plan_year.pk)
    if sorted(plan_year.trial_months or []) == months:
        raise ValidationError("试填报月份与现有设置相同，未作修改")
    plan_year.trial_months = months
    plan_year.full_clean()
    plan_year._history_user = user  # type: ignore[attr-defined]
    plan_year._change_reason = reason  # type: ignore[attr-defined]
    plan_year.save(update_fields=["trial_months"])
    return plan_year
