"""Reads of the plan years (issue 16): which years a user may see, through the door, and the list
of them the city office keeps."""

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from ..models import PlanYear, UnitTarget, User


def plan_years_visible(*, user: User | None) -> QuerySet[PlanYear]:
    """The plan years ``user`` may see, latest first: every year for the city office and
    administrators, the opened ones for a unit's clerk and leader (projects.permissions)."""
    return PlanYear.objects.restrict(user).order_by("-year")


def _target_sum(field: str) -> Subquery:
    sums = (
        UnitTarget.objects.filter(plan_year=OuterRef("pk"))
        .order_by()
        .values("plan_year")
        .annotate(total=Sum(field))
        .values("total")
    )
    return Subquery(sums, output_field=IntegerField())


def plan_year_list(*, user: User | None) -> QuerySet[PlanYear]:
    """The years ``user`` may see with what the list shows: who opened each and when, its number
    of milestones and the unit targets entered so far against the city totals. One query."""
    return (
        plan_years_visible(user=user)
        .select_related("opened_by")
        .annotate(
            milestone_count=Count("milestones"),
            units_new_starts=Coalesce(_target_sum("new_starts"), 0),
            units_carryover=Coalesce(_target_sum("carryover"), 0),
        )
    )
