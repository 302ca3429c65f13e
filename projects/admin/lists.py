"""Long lists at a constant cost, whatever the programme's size (400,000 households at province
scale): the changelist of a large table pages along an index and does not count the whole table, and
simple-history's history page reads no query per row.

An unfiltered list of a large table is counted from PostgreSQL's statistics (``pg_class.reltuples``,
kept current by ANALYZE and autovacuum) and shown as approximate; a filtered list, a unit's list, a
small table or SQLite is counted exactly.
"""

from typing import Any

from django.contrib import admin
from django.core.paginator import Page, Paginator
from django.db import connections
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.functional import cached_property
from simple_history.admin import SimpleHistoryAdmin

# Below this many rows counting them is cheap (a few ms) and exact: the estimate is not used.
ESTIMATE_ABOVE = 10_000


def estimated_rows(queryset: QuerySet[Any]) -> int | None:
    """PostgreSQL's estimate of the rows of ``queryset``'s table when ``queryset`` is the whole
    table (no filter, no distinct, no grouping or combination); None otherwise, when the table was
    never analysed, or on another database."""
    query = queryset.query
    if query.where or query.distinct or query.combinator or query.group_by is not None:
        return None
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = to_regclass(%s)",
            [connection.ops.quote_name(queryset.model._meta.db_table)],
        )
        row = cursor.fetchone()
    # reltuples is -1 for a table never vacuumed or analysed (PostgreSQL 14 and later).
    if row is None or row[0] is None or row[0] < 0:
        return None
    return int(row[0])


class LargeTablePaginator(Paginator):
    """A changelist's pages without counting a large table row by row: the whole table's total is
    PostgreSQL's estimate (``estimated`` says so), anything else is counted. A page is found in two
    steps — its keys first, on the ordering's index alone, then its rows with their joins — so a deep
    page does not join every row before it."""

    estimated = False

    @cached_property
    def count(self) -> int:
        if isinstance(self.object_list, QuerySet):
            estimate = estimated_rows(self.object_list)
            if estimate is not None and estimate > ESTIMATE_ABOVE:
                self.estimated = True
                return estimate
        return int(super().count)

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        # An estimated total may be short of the rows there are: the last page is not cut at it.
        if not self.estimated and top + self.orphans >= self.count:
            top = self.count
        rows = self.object_list
        if isinstance(rows, QuerySet):
            keys = list(rows.values_list("pk", flat=True)[bottom:top])
            return Page(rows.filter(pk__in=keys), number, self)
        return Page(rows[bottom:top], number, self)


class LargeListAdmin(admin.ModelAdmin):
    """The changelist of a table that grows with the programme: paged by LargeTablePaginator, and no
    second count of the whole table beside a filtered one."""

    paginator = LargeTablePaginator
    show_full_result_count = False


class HistoryAdmin(SimpleHistoryAdmin):
    """simple-history's history page at the same number of queries whatever its length.

    simple-history builds a new model instance from a record each time the template asks for
    ``record.history_object``, without the related objects the record's query joined, so an object
    whose name reads a related row (a project's unit) cost a query per row. Each record's instance is
    built once here with those objects; ``history_related`` names what more the names read (a
    criterion's project's unit)."""

    history_related: tuple[str, ...] = ()

    def get_history_queryset(
        self, request: HttpRequest, history_manager: Any, pk_name: str, object_id: Any
    ) -> QuerySet[Any]:
        records = super().get_history_queryset(request, history_manager, pk_name, object_id)
        return records.select_related(*self.history_related) if self.history_related else records

    def set_history_delta_changes(
        self, request: HttpRequest, historical_records: Any, foreign_keys_are_objs: bool = True
    ) -> None:
        for record in historical_records:
            record.history_object = instance_with_related(record)
        super().set_history_delta_changes(request, historical_records, foreign_keys_are_objs)


def instance_with_related(record: Any) -> Any:
    """The model instance of a history ``record``, holding the related objects the record's query
    already fetched (the record's foreign keys have the model's names)."""
    instance = record.history_object
    for field in instance._meta.concrete_fields:
        if field.is_relation and field.is_cached(record):
            field.set_cached_value(instance, field.get_cached_value(record))
    return instance
