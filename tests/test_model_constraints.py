"""Database constraints: what must never be stored is refused by the database itself."""

from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction

from projects.choices import Criterion, Opinion, ProjectKind
from projects.models import Household, PlanYear, Project, StartCriterion
from tests.factories import HouseholdFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def refused(**changes: object) -> bool:
    project = ProjectFactory()
    try:
        with transaction.atomic():
            Project.objects.filter(pk=project.pk).update(**changes)
            # Foreign keys are checked at commit; check them now, inside the savepoint.
            connection.check_constraints(table_names=[Project._meta.db_table])
    except IntegrityError:
        return True
    return False


@pytest.mark.parametrize(
    ("changes", "is_refused"),
    [
        ({"households": 0}, True),
        ({"fund_central": -1}, True),
        ({"floor_area": -1}, True),
        ({"started_on": date(2022, 5, 2), "completed_on": date(2022, 5, 1)}, True),
        ({"started_on": date(2022, 5, 1), "completed_on": date(2022, 5, 1)}, False),
        ({"completed_on": date(2022, 9, 1), "accepted_on": date(2022, 8, 31)}, True),
        ({"accepted_on": date(2022, 8, 31)}, True),  # accepted without completion
        ({"completed_on": date(2022, 9, 1), "accepted_on": date(2022, 9, 1)}, False),
        ({"kind": ProjectKind.CARRYOVER, "started_on": date(2022, 5, 1)}, True),
        ({"unit_id": 9999}, True),  # a unit that does not exist
    ],
)
def test_project_constraints(
    plan_year: PlanYear, changes: dict[str, object], is_refused: bool
) -> None:
    """Negative counts and money, dates out of order and unknown units never reach the table."""
    assert refused(**changes) is is_refused


def test_household_unique_dwelling_and_answer_date(plan_year: PlanYear) -> None:
    """One record per dwelling; an answer without its date is refused."""
    household = HouseholdFactory(room="101")
    with pytest.raises(IntegrityError), transaction.atomic():
        HouseholdFactory(project=household.project, room="101")
    with pytest.raises(IntegrityError), transaction.atomic():
        HouseholdFactory(project=household.project, room="102", answered_on=None)
    HouseholdFactory(
        project=household.project,
        room="103",
        answered_on=None,
        plan_opinion=Opinion.UNDECIDED,
        management_opinion=Opinion.UNDECIDED,
    )
    assert Household.objects.count() == 2


def test_no_structures_needs_a_named_person(plan_year: PlanYear) -> None:
    """'No illegal structures' without a named confirmer is refused, and only on criterion 2."""
    project = ProjectFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        StartCriterion.objects.create(
            project=project, criterion=Criterion.STRUCTURES_CLEARED, no_structures=True
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        StartCriterion.objects.create(
            project=project, criterion=Criterion.ON_SITE, no_structures=True, confirmed_by="张三"
        )
    StartCriterion.objects.create(
        project=project,
        criterion=Criterion.STRUCTURES_CLEARED,
        no_structures=True,
        confirmed_by="张三",
        met_on=date(2022, 3, 1),
    )
