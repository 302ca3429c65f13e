"""The projects template imported (SPEC §6): every row checked, then the whole file written or
nothing, a project identified by 区县 + 小区名称."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from .. import permissions, selectors
from ..choices import Criterion, ProjectKind
from ..consequences import project_dates
from ..data_version import writes_data
from ..importing import (
    EXAMPLE_COMMUNITY,
    KIND_BY_LABEL,
    PROJECT_HEADERS,
    FileRejected,
    RowError,
    SheetRow,
    Source,
    read_sheet,
)
from ..models import Household, PlanYear, Project, StartCriterion, Unit, User
from ..rules.project_checks import date_order_problems, household_count_problem
from ..rules.rollover import carried_on_problem
from ..rules.start import start_status
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


@writes_data
def projects_import(
    *,
    source: Source,
    plan_year: PlanYear,
    user: User | None = None,
    dry_run: bool = False,
    allow_status_changes: bool = False,
    progress: ImportProgress | None = None,
) -> ImportResult:
    """Import the projects template: every row checked first, then the whole file written or nothing.

    A project is identified by 区县 + 小区名称; a row naming an existing project updates it, so the
    same file imported twice changes nothing the second time. A file that would un-start a project,
    move a consent, start or completion date, or change a month covered by a valid report raises
    StatusChangesNeedConfirmation unless ``allow_status_changes`` (a dry run lists them instead).
    ``progress(done, total)`` is told as the rows are checked, then once they are written
    (ImportProgress).
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
            sheet_rows,
            plan_year,
            user,
            dry_run or allow_status_changes,
            dry_run,
            result,
            progress or _no_progress,
        )
    return result


def _no_progress(done: int, total: int) -> None:
    pass


def _projects_import_rows(
    sheet_rows: list[SheetRow],
    plan_year: PlanYear,
    user: User | None,
    allow_status_changes: bool,
    dry_run: bool,
    result: ImportResult,
    progress: ImportProgress,
) -> None:
    units = {u.name: u for u in Unit.objects.all()}
    total = 2 * len(sheet_rows)
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
    continued = selectors.continuations(project_ids=existing_ids)
    seen: dict[tuple[int, str], int] = {}
    subsidised = selectors.subsidised_unit_names(plan_year_id=plan_year.id)
    for number, item in enumerate(parsed, start=1):
        progress(number, total)
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
            continued=continued.get(project.id) if project else None,
        )
    if _collect_errors((item.row for item in parsed), result):
        return
    touched = Project.objects.filter(plan_year=plan_year, name__in={p.name for p in parsed})
    with transaction.atomic():
        before = project_dates(projects=touched)
        progress(len(parsed), total)
        _write_projects(parsed, existing, old_criteria, plan_year, user, result)
        progress(total, total)
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
    continued: Project | None = None,
) -> None:
    """The checks of one row against what is recorded: household records, the start rule on the
    row's dates, dates in order, no completion on a project carried into the next year
    (``continued``); then the warnings of SPEC §4 for a row without errors."""
    row, values = item.row, item.fields
    if values["households"] is None or values["kind"] is None or item.unit is None:
        return
    problem = household_count_problem(records=records, households=values["households"])
    if problem:
        row.error("户数", problem + "，请先删除多余住户记录或更正户数")
    _keep_recorded_dates(item, project, old_criteria, warnings)
    _keep_recorded_confirmer(item, old_criteria)
    if project is not None and continued is not None:
        for field_name, column in PROJECT_DATE_COLUMNS.items():
            if values[field_name] != getattr(project, field_name):
                row.error(
                    column,
                    carried_on_problem(
                        field=field_name, year=continued.plan_year.year, name=continued.name
                    ),
                )
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
