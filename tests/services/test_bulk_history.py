"""bulk_create_recorded writes the same history rows as simple-history's bulk_create_with_history."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import models
from simple_history.utils import bulk_create_with_history

from projects.choices import Criterion, Opinion
from projects.models import Household, PlanYear, Project, StartCriterion, Unit
from projects.services import HISTORY_COPY_BATCH, bulk_create_recorded
from tests.factories import ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

# What differs by construction between two writes of the same rows: ids, names and moments.
NOT_COMPARED = {
    *("id", "history_id", "name", "room", "project"),
    *("history_date", "created_at", "updated_at"),
}


def history_rows(model: type[models.Model], ids: list[int]) -> list[dict[str, Any]]:
    rows = model.history.filter(id__in=ids).order_by("id").values()  # type: ignore[attr-defined]
    return [{k: v for k, v in row.items() if k not in NOT_COMPARED} for row in rows]


def projects(plan_year: PlanYear, prefix: str) -> list[Project]:
    unit = Unit.objects.get(name="驿城区")
    return [
        Project(
            plan_year=plan_year,
            unit=unit,
            kind="new",
            name=f"{prefix}{n}",
            buildings=n + 1,
            households=10 * (n + 1),
            floor_area=Decimal("1200.50"),
            fund_city=Decimal("12.3456"),
            contents=["水电气路"],
            completed_on=date(2022, 9, 1) if n % 2 else None,
        )
        for n in range(3)
    ]


def test_project_history_is_the_same_as_simple_history(plan_year: PlanYear) -> None:
    """Every tracked column, the history type, the user and the change reason agree."""
    user = UserFactory()
    theirs = bulk_create_with_history(projects(plan_year, "甲"), Project, default_user=user)
    ours = bulk_create_recorded(projects(plan_year, "乙"), Project, user=user)
    assert all(p.pk for p in ours)
    expected = history_rows(Project, [p.pk for p in theirs])
    assert history_rows(Project, [p.pk for p in ours]) == expected
    assert [r["history_type"] for r in expected] == ["+", "+", "+"]
    assert {r["history_user_id"] for r in expected} == {user.pk}
    recorded = Project.history.filter(id=ours[0].pk).get()  # type: ignore[attr-defined]
    stored = Project.objects.get(pk=ours[0].pk)
    assert (recorded.name, recorded.created_at, recorded.updated_at) == (
        "乙0",
        stored.created_at,
        stored.updated_at,
    )
    assert recorded.history_date >= stored.created_at


def test_household_and_criterion_history_without_a_user(plan_year: PlanYear) -> None:
    """Commands pass no user: the history rows carry none, like simple-history's."""
    project = ProjectFactory()

    def households(first_room: int) -> list[Household]:
        return [
            Household(
                project=project,
                building="1",
                entrance="2",
                room=str(first_room + n),
                head_name="王五",
                phone="13800001234",
                plan_opinion=Opinion.AGREE,
                management_opinion=Opinion.UNDECIDED,
                answered_on=date(2022, 3, n + 1),
            )
            for n in range(4)
        ]

    theirs = bulk_create_with_history(households(101), Household)
    ours = bulk_create_recorded(households(201), Household, user=None)
    expected = history_rows(Household, [h.pk for h in theirs])
    assert history_rows(Household, [h.pk for h in ours]) == expected
    assert {r["history_user_id"] for r in expected} == {None}

    criterion = StartCriterion(
        project=project, criterion=Criterion.ON_SITE, met_on=date(2022, 4, 1)
    )
    bulk_create_recorded([criterion], StartCriterion, user=None)
    assert history_rows(StartCriterion, [criterion.pk])[0]["met_on"] == date(2022, 4, 1)


def test_more_rows_than_one_copy_statement(
    plan_year: PlanYear, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows beyond one INSERT … SELECT batch all get their history, each exactly once."""
    monkeypatch.setattr("projects.services._common.HISTORY_COPY_BATCH", 2)
    assert HISTORY_COPY_BATCH > 2
    created = bulk_create_recorded(projects(plan_year, "丙"), Project, user=None)
    ids = [p.pk for p in created]
    assert Project.history.filter(id__in=ids).count() == 3  # type: ignore[attr-defined]
    assert sorted(Project.history.values_list("id", flat=True)) == sorted(ids)  # type: ignore[attr-defined]


def test_nothing_to_create_writes_nothing(plan_year: PlanYear) -> None:
    assert bulk_create_recorded([], Project, user=None) == []
    assert not Project.history.exists()  # type: ignore[attr-defined]
