"""The linked-renovation tags counted per unit in SQL, as the city overview and unit homes show them."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from paperwork.selectors.overview import tag_counts_by_unit, unit_paperwork
from projects.models import PlanYear, Project, Unit
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def test_each_unit_counts_the_projects_carrying_each_tag(plan_year: PlanYear) -> None:
    """A project counts once per tag it carries; tags outside the list, empty lists and projects of
    other units or years do not count."""
    yicheng, xiping = Unit.objects.get(name="驿城区"), Unit.objects.get(name="西平县")
    ProjectFactory(unit=yicheng, linked_tags=["适老化", "无障碍"])
    ProjectFactory(unit=yicheng, linked_tags=["适老化"])
    ProjectFactory(unit=yicheng, linked_tags=[])
    ProjectFactory(unit=yicheng, linked_tags=["不在清单内"])
    ProjectFactory(unit=xiping, linked_tags=["海绵城市", "适老化"])
    other_year = PlanYear.objects.create(
        year=2023,
        **{
            f.name: getattr(plan_year, f.name)
            for f in PlanYear._meta.concrete_fields
            if f.name not in ("id", "year")
        },
    )
    ProjectFactory(unit=yicheng, plan_year=other_year, linked_tags=["适老化"])

    counts = tag_counts_by_unit(plan_year=plan_year)

    assert dict(counts[yicheng.id]) == {"适老化": 2, "无障碍": 1}
    assert dict(counts[xiping.id]) == {"海绵城市": 1, "适老化": 1}
    assert set(counts) == {yicheng.id, xiping.id}
    only = tag_counts_by_unit(plan_year=plan_year, unit_ids=[xiping.id])
    assert {k: dict(v) for k, v in only.items()} == {xiping.id: {"海绵城市": 1, "适老化": 1}}
    assert tag_counts_by_unit(plan_year=plan_year, unit_ids=[]) == {}
    rows = unit_paperwork(plan_year=plan_year, today=date(2022, 6, 30), units=[xiping, yicheng])
    assert [(r.unit, r.tags["适老化"]) for r in rows] == [(xiping, 1), (yicheng, 2)]


def test_a_stored_non_list_counts_nothing(plan_year: PlanYear) -> None:
    """Tags stored as something other than a list (written around the forms) are not unnested."""
    project = ProjectFactory(linked_tags=["适老化"])
    Project.objects.filter(pk=project.pk).update(linked_tags="适老化")
    ProjectFactory(linked_tags={"适老化": 1})
    assert tag_counts_by_unit(plan_year=plan_year) == {}


def test_unit_rows_show_every_tag_in_constant_queries(plan_year: PlanYear) -> None:
    """Every unit's row lists every tag (0 where none), in the same queries for 2 or 40 projects."""
    ProjectFactory(linked_tags=["绿色社区"])
    ProjectFactory(linked_tags=["绿色社区", "红色物业"])
    with CaptureQueriesContext(connection) as few:
        rows = unit_paperwork(plan_year=plan_year, today=date(2022, 6, 30))
    yicheng = next(r for r in rows if r.unit.name == "驿城区")
    assert yicheng.tags["绿色社区"] == 2 and yicheng.tags["红色物业"] == 1
    assert yicheng.tags["适老化"] == 0
    for n in range(38):
        ProjectFactory(linked_tags=["适儿化"] if n % 2 else [])
    with CaptureQueriesContext(connection) as many:
        rows = unit_paperwork(plan_year=plan_year, today=date(2022, 6, 30))
    assert next(r for r in rows if r.unit.name == "驿城区").tags["适儿化"] == 19
    assert len(many) == len(few)
