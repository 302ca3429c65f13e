"""Writes of the programme: each atomic, each recording history, each keeping computed dates current."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import connection, models, transaction
from django.db.models import Count
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from . import selectors
from .choices import Criterion, Opinion, ProjectKind, Role
from .importing import (
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
    read_sheet,
)
from .models import (
    Household,
    PersonalDataAccess,
    PlanYear,
    Project,
    StartCriterion,
    Unit,
    User,
)
from .rules.project_checks import (
    Problem,
    date_order_problems,
    household_count_problem,
)
from .rules.start import StartStatus, start_status

BATCH = 2000


@dataclass
class ImportResult:
    """What an import did, or would have done: counts, and every error and warning by row."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# --- who may write what ---


def writable_unit_id(user: User | None) -> int | None:
    """The one unit an import by ``user`` may write (SPEC §6); None when the user is not confined to a
    unit (the city office, administrators, commands run without a user)."""
    return selectors.unit_scope(user)


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
    copied = [f.column for f in model._meta.concrete_fields if f.column]
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


# --- computed start dates -----------------------------------------------------------------------


def projects_refresh_start(*, project_ids: Iterable[int], user: User | None = None) -> int:
    """Recompute the consent date and start date stored on each project from its records (the one
    start rule); returns how many projects changed."""
    projects = list(Project.objects.filter(id__in=list(project_ids)).select_related("plan_year"))
    changed = []
    statuses = selectors.start_statuses(projects=projects)
    for project in projects:
        status = statuses[project.id]
        consent_on = status.criterion("consent").date
        started_on = status.started_on
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


def _parse_project_row(row: SheetRow, units: dict[str, Unit]) -> _ProjectRow:
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
        "completed_on": row.day("完工日期"),
        "accepted_on": row.day("验收日期"),
    }
    for name, (column, length) in PROJECT_TEXT_FIELDS.items():
        values[name] = row.text(column, max_length=length)
    for name, column in PROJECT_MONEY_FIELDS.items():
        values[name] = row.decimal(column, places=4)
    no_structures = row.yes_no("无违建")
    criteria: dict[str, tuple[date | None, bool, str]] = {}
    for key, column in CRITERION_COLUMNS.items():
        criteria[key] = (row.day(column), False, "")
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
    *, source: Source, plan_year: PlanYear, user: User | None = None, dry_run: bool = False
) -> ImportResult:
    """Import the projects template: every row checked first, then the whole file written or nothing.

    A project is identified by 区县 + 小区名称; a row naming an existing project updates it, so the
    same file imported twice changes nothing the second time.
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
        _projects_import_rows(sheet_rows, plan_year, user, dry_run, result)
    return result


def _projects_import_rows(
    sheet_rows: list[SheetRow],
    plan_year: PlanYear,
    user: User | None,
    dry_run: bool,
    result: ImportResult,
) -> None:
    units = {u.name: u for u in Unit.objects.all()}
    parsed = [_parse_project_row(r, units) for r in sheet_rows]
    allowed = writable_unit_id(user)
    for item in parsed:
        _check_unit_allowed(item.row, item.unit, allowed)
    existing = {
        (p.unit_id, p.name): p
        for p in Project.objects.filter(
            plan_year=plan_year, name__in={p.name for p in parsed if p.name}
        )
    }
    existing_ids = [p.id for p in existing.values()]
    agree = selectors.agree_dates_by_project(project_ids=existing_ids)
    old_criteria = selectors.criteria_by_project(project_ids=existing_ids)
    record_counts = _household_counts(existing_ids)
    seen: dict[tuple[int, str], int] = {}
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
        )
    if _collect_errors((item.row for item in parsed), result):
        return
    with transaction.atomic():
        _write_projects(parsed, existing, old_criteria, plan_year, user, result)
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
        for warning in selectors.project_warnings(project=candidate, status=status):
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
    for item in parsed:
        assert item.unit is not None
        project = existing.get((item.unit.id, item.name))
        values = {f: item.fields[f] for f in fields}
        if project is None:
            to_create.append(Project(plan_year=plan_year, unit=item.unit, name=item.name, **values))
            continue
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


# --- household import --------------------------------------------------------------------------


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
) -> ImportResult:
    """Import the household roster template: all rows checked, then the whole file written or nothing.

    A household is identified by its project (区县 + 小区名称) and 楼栋 + 单元 + 房号. The consent and
    start dates of every project touched are recomputed by the start rule. With ``project`` (the
    import on a project's page) every row must belong to that project.
    """
    result = ImportResult()
    try:
        sheet_rows = read_sheet(source, headers=HOUSEHOLD_HEADERS, personal=True)
    except FileRejected as rejected:
        result.errors = rejected.errors
        return result
    with transaction.atomic():
        if not _import_lock(kind="households", plan_year=plan_year, result=result):
            return result
        _households_import_rows(sheet_rows, plan_year, user, dry_run, project, result)
    return result


def _households_import_rows(
    sheet_rows: list[SheetRow],
    plan_year: PlanYear,
    user: User | None,
    dry_run: bool,
    project: Project | None,
    result: ImportResult,
) -> None:
    units = {u.name: u for u in Unit.objects.all()}
    names = {cell_text(r.cells.get("小区名称")) for r in sheet_rows}
    projects = {
        (p.unit.name, p.name): p
        for p in Project.objects.filter(plan_year=plan_year, name__in=names).select_related("unit")
    }
    parsed: list[_HouseholdRow] = []
    allowed = writable_unit_id(user)
    for row in sheet_rows:
        unit_name = row.text("区县", max_length=50, required=True)
        name = row.text("小区名称", max_length=200, required=True)
        if name == EXAMPLE_COMMUNITY:
            row.error("小区名称", "这是导入模板中的示例行，请删除后再导入")
        found = projects.get((unit_name, name))
        _check_unit_allowed(row, units.get(unit_name), allowed)
        other_project = project is not None and found is not None and found.id != project.id
        if other_project:
            assert project is not None
            row.error("小区名称", f"此处只能导入“{project.unit.name}{project.name}”的住户")
            found = None
        if unit_name and unit_name not in units:
            row.error("区县", f"没有名为“{unit_name}”的区县")
        elif unit_name and name and found is None and not other_project:
            row.error("小区名称", f"{unit_name}{plan_year}没有名为“{name}”的项目，请先导入项目")
        key = (
            row.text("楼栋", max_length=30, required=True),
            row.text("单元", max_length=30, required=True),
            row.text("房号", max_length=30, required=True),
        )
        fields = {
            "head_name": row.text("户主姓名", max_length=50, required=True),
            "phone": row.phone("联系电话"),
            "plan_opinion": row.choice("改造方案意见", OPINION_BY_LABEL),
            "management_opinion": row.choice("物业管理模式意见", OPINION_BY_LABEL),
            "answered_on": row.day("表态日期"),
        }
        answered = {fields["plan_opinion"], fields["management_opinion"]} - {
            Opinion.UNDECIDED,
            None,
        }
        if answered and cell_text(row.cells.get("表态日期")) == "":
            row.error("表态日期", "已表态的住户须填写表态日期")
        parsed.append(_HouseholdRow(row, found, key, fields))
    project_ids = {h.project.id for h in parsed if h.project}
    existing: dict[tuple[int, str, str, str], Household] = {
        (h.project_id, h.building, h.entrance, h.room): h
        for h in Household.objects.filter(project_id__in=project_ids)
    }
    _check_household_rows(parsed, existing, plan_year)
    if _collect_errors((item.row for item in parsed), result):
        return
    with transaction.atomic():
        _write_households(parsed, existing, user, result)
        projects_refresh_start(project_ids=project_ids, user=user)
        if dry_run:
            transaction.set_rollback(True)


def _check_household_rows(
    parsed: list[_HouseholdRow],
    existing: dict[tuple[int, str, str, str], Household],
    plan_year: PlanYear,
) -> None:
    """Cross-row checks: duplicates in the file, records over the project's count, and a start
    date (from the roster as it will be) after the completion already recorded."""
    seen: dict[tuple[int, str, str, str], int] = {}
    # Each project's roster as it will be after the import: held records overlaid by the file's rows.
    roster: dict[int, dict[tuple[str, ...], Household]] = defaultdict(dict)
    for (project_id, *dwelling), household in existing.items():
        roster[project_id][tuple(dwelling)] = household
    by_project: dict[int, list[_HouseholdRow]] = defaultdict(list)
    for item in parsed:
        if item.project is None or not all(item.key):
            continue
        key = (item.project.id, *item.key)
        if key in seen:
            item.row.error("房号", f"与第{seen[key]}行是同一住户（楼栋、单元、房号相同）")
            continue
        seen[key] = item.row.number
        roster[item.project.id][item.key] = Household(project=item.project, **item.fields)
        by_project[item.project.id].append(item)
    completed = [
        items[0].project
        for items in by_project.values()
        if items[0].project
        and items[0].project.kind == ProjectKind.NEW
        and items[0].project.completed_on
    ]
    criteria = selectors.criteria_by_project(project_ids=[p.id for p in completed])
    for project_id, items in by_project.items():
        project = items[0].project
        assert project is not None
        problem = household_count_problem(
            records=len(roster[project_id]), households=project.households
        )
        if problem:
            for item in items:
                if (project_id, *item.key) not in existing:
                    item.row.error("房号", f"导入后{problem}")
            continue
        if project.kind != ProjectKind.NEW or project.completed_on is None:
            continue
        status = start_status(
            selectors.start_input(
                project=project,
                consent_percent=plan_year.consent_percent,
                agree_dates=[h.answered_on for h in roster[project_id].values() if h.agrees],
                criteria=criteria.get(project_id, {}),
            )
        )
        if status.started_on and status.started_on > project.completed_on:
            items[0].row.error(
                "表态日期",
                f"按本文件计算，{project.name}的开工日期将为 {status.started_on}，"
                f"晚于已记录的完工日期 {project.completed_on}",
            )


def _write_households(
    parsed: list[_HouseholdRow],
    existing: dict[tuple[int, str, str, str], Household],
    user: User | None,
    result: ImportResult,
) -> None:
    to_create: list[Household] = []
    to_update: list[Household] = []
    for item in parsed:
        assert item.project is not None
        household = existing.get((item.project.id, *item.key))
        if household is None:
            to_create.append(
                Household(
                    project=item.project,
                    building=item.key[0],
                    entrance=item.key[1],
                    room=item.key[2],
                    **item.fields,
                )
            )
        elif any(getattr(household, f) != v for f, v in item.fields.items()):
            for f, v in item.fields.items():
                setattr(household, f, v)
            to_update.append(household)
    bulk_create_recorded(to_create, Household, user=user)
    if to_update:
        bulk_update_with_history(
            to_update, Household, list(parsed[0].fields), batch_size=BATCH, default_user=user
        )
    result.created = len(to_create)
    result.updated = len(to_update)
    result.unchanged = len(parsed) - len(to_create) - len(to_update)


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


def _require_writable(user: User | None, unit_id: int) -> None:
    """Only a clerk or leader of the unit writes its data through these services (SPEC §6); the city
    office and administrators read. Commands pass no user."""
    if user is not None and not selectors.user_may_write(user, unit_id):
        raise PermissionDenied("只能修改本区县的数据")


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
) -> ProjectCheck:
    """Check ``project`` with its unsaved changes against its stored (or the given) criteria,
    agreeing households' answer dates and household record count."""
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
            if before != after:
                label = str(getattr(Project._meta.get_field(name), "verbose_name", name))
                changes.append(FieldChange(label, _shown(before), _shown(after)))
    user = latest.history_user if latest is not None else None
    return Conflict(
        version=current.version,
        changed_by=(user.get_full_name() or user.get_username()) if user else "系统",
        changed_at=latest.history_date if latest is not None else None,
        changes=tuple(changes),
    )


@transaction.atomic
def project_create(
    *, plan_year: PlanYear, unit: Unit, user: User | None, data: dict[str, Any]
) -> Project:
    """Create a project of ``unit`` from the form's fields (PROJECT_EDITABLE_FIELDS)."""
    _require_writable(user, unit.id)
    project = Project(plan_year=plan_year, unit=unit, **_editable(data))
    _validate(project)
    project._history_user = user  # type: ignore[attr-defined]
    project.save()
    projects_refresh_start(project_ids=[project.id], user=user)
    project.refresh_from_db()
    return project


@transaction.atomic
def project_update(
    *, project_id: int, expected_version: int, user: User | None, data: dict[str, Any]
) -> Project:
    """Save the form's fields over the project, unless someone saved it since the user opened it at
    ``expected_version``: then nothing is written and StaleEdit says what they changed."""
    claimed = Project.objects.filter(pk=project_id, version=expected_version).update(
        version=expected_version + 1
    )
    if not claimed:
        raise StaleEdit(project_conflict(project_id=project_id, since_version=expected_version))
    project = Project.objects.select_related("plan_year", "unit").get(pk=project_id)
    _require_writable(user, project.unit_id)
    for name, value in _editable(data).items():
        setattr(project, name, value)
    _validate(project)
    project._history_user = user  # type: ignore[attr-defined]
    project.save()
    projects_refresh_start(project_ids=[project.id], user=user)
    project.refresh_from_db()
    return project


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
    return data


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


@transaction.atomic
def household_create(*, project: Project, user: User | None, data: dict[str, Any]) -> Household:
    """Add one household to a project's roster; refused when the roster would exceed the project's
    household count or the project's dates would fall out of order."""
    project = _lock_project(project)
    _require_writable(user, project.unit_id)
    household = Household(project=project, **data)
    household.full_clean()
    household._history_user = user  # type: ignore[attr-defined]
    household.save()
    _touch_project(project, user)
    return household


@transaction.atomic
def household_update(*, household: Household, user: User | None, data: dict[str, Any]) -> Household:
    """Change one household's dwelling, head of household, phone or answers."""
    _lock_project(household.project)
    _require_writable(user, household.project.unit_id)
    household = Household.objects.get(pk=household.pk)
    for name, value in data.items():
        setattr(household, name, value)
    household.full_clean()
    household._history_user = user  # type: ignore[attr-defined]
    household.save()
    _touch_project(household.project, user)
    return household


@transaction.atomic
def household_delete(*, household: Household, user: User | None) -> None:
    """Remove one household from the roster (its history keeps it); refused when the project's
    start would then move after its completion."""
    project = _lock_project(household.project)
    _require_writable(user, project.unit_id)
    household._history_user = user  # type: ignore[attr-defined]
    household.delete()
    _touch_project(project, user)


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
) -> StartCriterion:
    """Record (or clear) one of criteria 2–5: its date, the named confirmer of "none present", the
    evidence scan and, for the contract, the contractor's name; then recompute the start date."""
    project = _lock_project(project)
    _require_writable(user, project.unit_id)
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
    return row


# --- personal data --------------------------------------------------------------------------------


def personal_data_access_record(
    *,
    user: User,
    action: str,
    unit: Unit | None,
    household: Household | None = None,
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
        households=households,
        reason=reason,
    )
