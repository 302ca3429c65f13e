"""What the writers share: the import's result and preview rows, the batch size, writing many rows
with their history, the import lock, who may import a unit's rows, and confirming what a change
does to projects' dates and to valid reports."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import connection, models
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from ..consequences import (
    Consequences,
    ProjectDates,
    StatusChangesNeedConfirmation,
    consequences_of,
    project_dates,
)
from ..importing import RowError, SheetRow
from ..models import PlanYear, Project, Unit, User

BATCH = 2000
# An import's progress(done, total), in rows: each data row counted once as it is checked and once
# as it is written, so total is twice the rows (a background job's progress bar, projects.jobs).
ImportProgress = Callable[[int, int], None]
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


def _shown(value: Any) -> str:
    """A value as a preview or a conflict shows it: empty as （空）, a list joined with 、."""
    if value in (None, "", []):
        return "（空）"
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


# --- who may write what ---


def _check_unit_allowed(row: SheetRow, unit: Unit | None, allowed: int | None) -> None:
    if unit is not None and allowed is not None and unit.id != allowed:
        row.error("区县", f"无权导入{unit.name}的数据：只能导入本区县的数据")


# --- one import of a kind at a time -------------------------------------------------------------

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
