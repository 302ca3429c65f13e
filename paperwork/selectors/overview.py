"""Reads of the paperwork for the city overview and the unit pages: which documents are overdue, and
the linked-renovation tags counted per unit."""

from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Count, Q, QuerySet

from projects.choices import LINKED_TAGS, ProjectKind
from projects.models import PlanYear, Project, Unit
from projects.rules.paperwork import document_overdue, submitted_in_time

from ..models import ImplementationPlan, RenovationPlan
from .inspections import overdue_counts_by_unit


@dataclass(frozen=True)
class UnitPaperwork:
    """One unit's documents on a day: the implementation plan (in time, late, overdue or not yet
    due), its communities without a final renovation plan after the due date, and its tags."""

    unit: Unit
    plan_submitted_on: date | None
    plan_in_time: bool
    plan_overdue: bool
    renovation_plans_missing: int
    renovation_plans_overdue: int
    overdue_rectifications: int = 0
    tags: dict[str, int] = field(default_factory=dict)

    @property
    def overdue_total(self) -> int:
        return int(self.plan_overdue) + self.renovation_plans_overdue + self.overdue_rectifications


def unit_paperwork(
    *,
    plan_year: PlanYear,
    today: date,
    overdue_rectifications: dict[int, int] | None = None,
    units: Sequence[Unit] | None = None,
    tags: bool = True,
) -> list[UnitPaperwork]:
    """Every unit's paperwork on ``today`` (or only ``units``'), in four queries whatever the
    number of projects (three without the linked-renovation ``tags``: each row's are then
    empty)."""
    unit_ids = None if units is None else [u.pk for u in units]
    # Judged on ``today`` (a page's date): a plan submitted or finalised later was not there yet.
    plans = {
        p.unit_id: p.submitted_on
        for p in _of_units(
            ImplementationPlan.objects.filter(plan_year=plan_year, submitted_on__lte=today),
            unit_ids,
        ).only("unit_id", "submitted_on")
    }
    projects = _of_units(Project.objects.filter(plan_year=plan_year), unit_ids)
    missing = dict(
        projects.filter(kind=ProjectKind.NEW)
        .filter(
            Q(renovation_plan__isnull=True)
            | Q(renovation_plan__final=False)
            | Q(renovation_plan__finalized_on__gt=today)
        )
        .values("unit_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("unit_id", "n")
    )
    counted = tag_counts_by_unit(plan_year=plan_year, unit_ids=unit_ids) if tags else None
    # A community without a final plan is an unsubmitted document: overdue after the due date.
    renovation_overdue = document_overdue(
        submitted_on=None, due=plan_year.renovation_plans_due, today=today
    )
    overdue_rectifications = overdue_rectifications or {}
    rows = []
    for unit in Unit.objects.all() if units is None else units:
        submitted = plans.get(unit.id)
        rows.append(
            UnitPaperwork(
                unit=unit,
                plan_submitted_on=submitted,
                plan_in_time=submitted_in_time(
                    submitted_on=submitted, due=plan_year.implementation_plan_due
                ),
                plan_overdue=document_overdue(
                    submitted_on=submitted, due=plan_year.implementation_plan_due, today=today
                ),
                renovation_plans_missing=missing.get(unit.id, 0),
                renovation_plans_overdue=missing.get(unit.id, 0) if renovation_overdue else 0,
                overdue_rectifications=overdue_rectifications.get(unit.id, 0),
                tags={} if counted is None else {t: counted[unit.id][t] for t in LINKED_TAGS},
            )
        )
    return rows


# Each project's linked-renovation tags, one row per tag: the JSON array unnested in SQL.
_EACH_TAG = {
    "postgresql": (
        "jsonb_array_elements_text(CASE WHEN jsonb_typeof(p.linked_tags) = 'array' "
        "THEN p.linked_tags ELSE '[]'::jsonb END) AS tag(value)"
    ),
    "sqlite": "json_each(CASE WHEN json_type(p.linked_tags) = 'array' "
    "THEN p.linked_tags ELSE '[]' END) AS tag",
}


def tag_counts_by_unit(
    *, plan_year: PlanYear, unit_ids: Sequence[int] | None = None
) -> dict[int, Counter[str]]:
    """How many projects of each unit (of ``unit_ids`` when given) carry each linked-renovation tag
    (LINKED_TAGS), counted in the database in one statement rather than by reading every project's
    tags."""
    table = connection.ops.quote_name(Project._meta.db_table)
    params: list[Any] = [plan_year.pk]
    of_units = ""
    if unit_ids is not None:
        of_units = f" AND p.unit_id IN ({', '.join(['%s'] * len(unit_ids)) or 'NULL'})"
        params += unit_ids
    sql = (
        f"SELECT p.unit_id, tag.value, COUNT(DISTINCT p.id) FROM {table} p, "  # noqa: S608
        f"{_EACH_TAG[connection.vendor]} WHERE p.plan_year_id = %s{of_units} "
        "GROUP BY p.unit_id, tag.value"
    )
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for unit_id, tag, n in cursor.fetchall():
            if tag in LINKED_TAGS:
                counts[unit_id][tag] = n
    return counts


_Rows = TypeVar("_Rows", bound=QuerySet[Any])


def _of_units(queryset: _Rows, unit_ids: Sequence[int] | None) -> _Rows:
    return queryset if unit_ids is None else queryset.filter(unit_id__in=unit_ids)


# While a page is built, each (plan year, day)'s rows of every unit, computed once (``rows_shared``).
_shared: ContextVar[dict[tuple[int, date], list[UnitPaperwork]] | None] = ContextVar(
    "paperwork_rows_shared", default=None
)


@contextmanager
def rows_shared() -> Iterator[None]:
    """Within the block, ``paperwork_rows`` reads every unit's documents once per plan year and day
    and answers each call from them (the tags of the units it asks for counted each time): the
    city overview's table and its 待办 ask for the same day's paperwork."""
    token = _shared.set({})
    try:
        yield
    finally:
        _shared.reset(token)


def paperwork_rows(
    *, plan_year: PlanYear, today: date, units: Sequence[Unit] | None = None, tags: bool = True
) -> list[UnitPaperwork]:
    """Every unit's paperwork (or only ``units``') with its overdue rectifications, for the city
    overview (its linked-renovation ``tags`` too unless asked not to)."""
    shared = _shared.get()
    if shared is None:
        return unit_paperwork(
            plan_year=plan_year,
            today=today,
            overdue_rectifications=overdue_counts_by_unit(plan_year=plan_year, today=today),
            units=units,
            tags=tags,
        )
    key = (plan_year.pk, today)
    if key not in shared:
        shared[key] = unit_paperwork(
            plan_year=plan_year,
            today=today,
            overdue_rectifications=overdue_counts_by_unit(plan_year=plan_year, today=today),
            tags=False,
        )
    rows = shared[key]
    if units is not None:
        by_unit = {row.unit.pk: row for row in rows}
        rows = [by_unit[unit.pk] for unit in units if unit.pk in by_unit]
    if not tags:
        return rows
    # The tags of the units asked for only (a page of a national programme's thousands).
    counted = tag_counts_by_unit(
        plan_year=plan_year, unit_ids=None if units is None else [u.pk for u in units]
    )
    return [replace(row, tags={t: counted[row.unit.pk][t] for t in LINKED_TAGS}) for row in rows]


def consultation_dates_by_project(project_ids: Sequence[int]) -> dict[int, date | None]:
    """The consultation date of each project's renovation plan (a project without a plan is
    absent), in one query: what projects.selectors.consultation_checks asks for."""
    return dict(
        RenovationPlan.objects.filter(project_id__in=list(project_ids))
        .order_by()
        .values_list("project_id", "consultation_on")
    )
