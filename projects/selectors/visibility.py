"""What a user may see, through the door (projects.permissions): projects, household records and a
roster's rows."""

from django.db.models import QuerySet

from ..models import Household, Project, User


def roster_households(*, projects: QuerySet[Project]) -> QuerySet[Household]:
    """The household records of ``projects`` in roster order, with what a roster row names."""
    return (
        Household.objects.filter(project__in=projects)
        .select_related("project__unit")
        .order_by(
            "project__unit__sort_order", "project__name", "building", "entrance", "room", "id"
        )
    )


def projects_visible(*, user: User) -> QuerySet[Project]:
    """The projects ``user`` may read: their unit's, or every unit's for the city office."""
    return Project.objects.restrict(user, "view").select_related("unit", "plan_year")


def households_visible(*, user: User) -> QuerySet[Household]:
    """The household records ``user`` may read (they hold residents' personal data)."""
    return Household.objects.restrict(user, "view").select_related(
        "project__unit", "project__plan_year"
    )
