"""The demo's paperwork on the city overview and the unit home: overdue plans and rectifications
counted as the demo was written (worked out by hand from paperwork/demo.py)."""

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse

from paperwork.selectors.inspections import overdue_counts_by_unit
from paperwork.selectors.overview import unit_paperwork
from projects.choices import Role
from projects.management.commands.load_programme import FIXTURES
from projects.models import PlanYear, Unit
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="class")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("loaddata", *FIXTURES, verbosity=0)
        call_command("seed_demo", verbosity=0)
        call_command("seed_demo_paperwork", verbosity=0)
        yield
        transaction.set_rollback(True)


def by_name(counts: dict[int, int]) -> dict[str, int]:
    names = dict(Unit.objects.values_list("id", "name"))
    return {names[k]: v for k, v in counts.items()}


@pytest.mark.usefixtures("demo")
class TestDemoPaperwork:
    def test_implementation_plans(self) -> None:
        """On March 10th 正阳县 has filed nothing (overdue since March 1st) and 经济开发区 filed on
        March 5th (late, no longer outstanding); everyone else filed on February 25th, in time."""
        rows = {
            r.unit.name: r
            for r in unit_paperwork(
                plan_year=PlanYear.objects.get(year=2022), today=date(2022, 3, 10)
            )
        }
        assert rows["正阳县"].plan_overdue and not rows["正阳县"].plan_in_time
        assert not rows["经济开发区"].plan_overdue and not rows["经济开发区"].plan_in_time
        assert all(
            r.plan_in_time for name, r in rows.items() if name not in ("正阳县", "经济开发区")
        )

    def test_renovation_plans_become_overdue_after_march_31(self) -> None:
        """Seven of the 65 new communities (every ninth from the fifth) have no final plan: not yet
        overdue on March 31st, all seven overdue on April 1st."""
        plan_year = PlanYear.objects.get(year=2022)
        on_31 = unit_paperwork(plan_year=plan_year, today=date(2022, 3, 31))
        on_1 = unit_paperwork(plan_year=plan_year, today=date(2022, 4, 1))
        assert sum(r.renovation_plans_missing for r in on_31) == 7
        assert sum(r.renovation_plans_overdue for r in on_31) == 0
        assert sum(r.renovation_plans_overdue for r in on_1) == 7

    @pytest.mark.parametrize(
        ("day", "expected"),
        [
            # 驿城区's self-inspection of May 20th: due June 12th, never closed.
            (date(2022, 6, 12), {}),
            (date(2022, 6, 13), {"驿城区": 1}),
            # 驿城区's June inspection: due July 15th, closed July 20th; 西平县's due July 17th.
            (date(2022, 7, 15), {"驿城区": 1}),
            (date(2022, 7, 18), {"驿城区": 2, "西平县": 1}),
            (date(2022, 8, 1), {"驿城区": 1, "西平县": 1}),
            # 经济开发区's spot check of September 8th: due October 1st, closed October 8th.
            (date(2022, 10, 5), {"驿城区": 1, "西平县": 1, "经济开发区": 1}),
            (date(2022, 10, 9), {"驿城区": 1, "西平县": 1}),
        ],
    )
    def test_overdue_rectifications(self, day: date, expected: dict[str, int]) -> None:
        """Each finding is due 23 days after its inspection; 汝南县's was closed before its
        deadline and 驿城区's December one is not due until January."""
        counts = overdue_counts_by_unit(plan_year=PlanYear.objects.get(year=2022), today=day)
        assert by_name(counts) == expected

    def test_overview_and_unit_home_show_them(self) -> None:
        """The city overview has a paperwork row per unit, 正阳县's plan overdue and 西平县's
        rectification overdue (today, 2026); 西平县's clerk sees the overdue rectification at home."""
        client = Client()
        client.force_login(UserFactory(role=Role.CITY, unit=None))
        page = client.get(reverse("reporting:overview")).content.decode()
        rows = dict(re.findall(r'data-paperwork-unit="([^"]+)" data-overdue="(\d+)"', page))
        assert len(rows) == Unit.objects.count()
        assert int(rows["正阳县"]) >= 1 and int(rows["西平县"]) >= 1
        clerk = Client()
        clerk.force_login(UserFactory(role=Role.CLERK, unit=Unit.objects.get(name="西平县")))
        home = clerk.get(reverse("home")).content.decode()
        assert "1 项整改逾期" in home


@pytest.mark.usefixtures("demo")
class TestDemoPaperworkPages:
    def test_every_paperwork_page_of_the_demo_opens(self) -> None:
        """As the city office, every plan, adjustment, inspection and aftercare page of the demo
        renders (200), so every screen shows something."""
        from paperwork.models import Inspection, PlanAdjustment
        from projects.models import Project

        client = Client()
        client.force_login(UserFactory(role=Role.CITY, unit=None))
        urls = [
            reverse("paperwork:plans"),
            reverse("paperwork:adjustment_list"),
            reverse("paperwork:inspection_list"),
        ]
        urls += [reverse("paperwork:plan_table", args=[u.pk]) for u in Unit.objects.all()]
        urls += [
            reverse("paperwork:adjustment_detail", args=[a.pk])
            for a in PlanAdjustment.objects.all()
        ]
        urls += [
            reverse("paperwork:inspection_detail", args=[i.pk]) for i in Inspection.objects.all()
        ]
        for project in Project.objects.order_by("id")[:5]:
            urls.append(reverse("paperwork:renovation_plan", args=[project.pk]))
            urls.append(reverse("paperwork:aftercare", args=[project.pk]))
        assert PlanAdjustment.objects.count() == 2 and Inspection.objects.count() == 8
        for url in urls:
            assert client.get(url).status_code == 200, url


@pytest.mark.usefixtures("demo")
class TestDemoConsultation:
    def test_the_issues_counts(self) -> None:
        """The demo has 6 started projects whose renovation plan was never put to the residents and
        13 with agreeing answers before their plan's consultation (issue 18), none both."""
        from projects.models import Project
        from projects.selectors import consultation_checks

        checks = consultation_checks(projects=list(Project.objects.all()))
        unconsulted = [pid for pid, c in checks.items() if c.started_unconsulted]
        early = [pid for pid, c in checks.items() if c.agreed_before]
        assert (len(unconsulted), len(early)) == (6, 13)
        assert not set(unconsulted) & set(early)
        assert all(Project.objects.get(pk=pid).started_on is not None for pid in unconsulted)

    def test_the_warnings_show_on_the_lists_and_the_project_page(self) -> None:
        """A started project without a consulted plan is named on its page, in the city's project
        list and on its unit's home page."""
        from projects.models import Project
        from projects.selectors import consultation_checks

        checks = consultation_checks(projects=list(Project.objects.select_related("unit")))
        pid = next(pid for pid, c in checks.items() if c.started_unconsulted)
        project = Project.objects.select_related("unit").get(pk=pid)
        city = Client()
        city.force_login(UserFactory(role=Role.CITY, unit=None))
        page = city.get(reverse("project_detail", args=[pid])).content.decode()
        assert "已计为开工，但改造方案未记录征求居民意见" in page
        listed = city.get(reverse("project_list"), {"q": project.name}).content.decode()
        assert "已开工但方案未征求意见" in listed
        clerk = Client()
        clerk.force_login(UserFactory(role=Role.CLERK, unit=project.unit))
        home = clerk.get(reverse("home")).content.decode()
        assert "已计为开工，但改造方案未记录征求居民意见" in home
