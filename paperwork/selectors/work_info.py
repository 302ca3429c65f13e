"""Work information (工作信息), the reads: the items a user may see, and the items submitted and
adopted per unit. The writes are in paperwork.services.work_info."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from projects.models import PlanYear, Unit, User

from ..models import WorkInfo


def work_info_visible(*, user: User) -> QuerySet[WorkInfo]:
    """The items ``user`` may read: their unit's, or every unit's for the city office."""
    return WorkInfo.objects.restrict(user, "view").select_related("unit", "project", "submitted_by")


@dataclass(frozen=True)
class UnitCount:
    """A unit's items of the plan year: submitted and adopted."""

    unit: Unit
    submitted: int
    adopted: int


def work_info_counts(*, plan_year: PlanYear, units: Sequence[Unit]) -> list[UnitCount]:
    """Submitted and adopted items per unit, in one grouped query."""
    rows = (
        WorkInfo.objects.filter(plan_year=plan_year, unit__in=units)
        .order_by()
        .values("unit_id")
        .annotate(n=Count("id"), adopted=Count("id", filter=Q(adopted_on__isnull=False)))
    )
    by_unit: dict[int, tuple[int, int]] = {
        row["unit_id"]: (row["n"], row["adopted"]) for row in rows
    }
    return [UnitCount(u, *by_unit.get(u.id, (0, 0))) for u in units]
