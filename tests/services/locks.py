"""Another households import in progress, for the tests of what an import does meanwhile."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction

from projects.models import PlanYear
from projects.services import IMPORT_LOCK_KEYS


@contextmanager
def another_households_import(plan_year: PlanYear) -> Iterator[threading.Event]:
    """While the body runs, another thread's open transaction holds what a households import of
    ``plan_year`` takes: PostgreSQL's advisory lock, or SQLite's write lock. On SQLite the other
    transaction ends a second after the body starts (an import there waits for it); on PostgreSQL
    it ends with the body. Yields the event set when it is let go."""
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT pg_advisory_xact_lock(%s, %s)",
                        [IMPORT_LOCK_KEYS["households"], plan_year.id],
                    )
            else:  # the write lock of the embedded database
                PlanYear.objects.filter(pk=plan_year.pk).update(report_due_day=5)
            holding.set()
            release.wait(timeout=10)
        connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(timeout=10)
        if connection.vendor != "postgresql":
            threading.Timer(1.0, release.set).start()
        yield release
    finally:
        release.set()
        holder.join()
