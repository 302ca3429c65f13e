"""The demo's monthly reports: the assessment counts its on-time, late, missing and wrong reports as
the scenario was written (worked out by hand from reporting/demo.py's table, due day the 5th)."""

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction

from projects.management.commands.load_programme import FIXTURES
from projects.models import Notification, PlanYear
from reporting import reports
from reporting.models import MonthlyReport

pytestmark = pytest.mark.django_db

# (due, on time, late, missing, wrong) on 2022-06-30, January to May due.
ON_JUNE_30 = {
    "驿城区": (5, 5, 0, 0, 1),  # April approved May 4th, returned for wrong figures, corrected
    "经济开发区": (5, 3, 2, 0, 0),  # February approved March 9th, March on April 12th
    "遂平县": (5, 4, 1, 0, 0),  # January approved February 8th
    "西平县": (5, 4, 0, 1, 0),  # March never filed
    "上蔡县": (5, 4, 0, 1, 0),  # May never filed
    "汝南县": (5, 5, 0, 0, 0),
    "平舆县": (5, 5, 0, 0, 0),
    "正阳县": (5, 3, 0, 2, 0),  # January and February never filed
    "确山县": (5, 5, 0, 0, 0),
    "泌阳县": (5, 5, 0, 0, 0),
    "新蔡县": (5, 4, 1, 0, 0),  # May approved June 20th: late
}


@pytest.fixture(scope="class")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("loaddata", *FIXTURES, verbosity=0)
        call_command("seed_demo", verbosity=0)
        call_command("seed_demo_reports", verbosity=0)
        yield
        transaction.set_rollback(True)


def counts(day: date) -> dict[str, tuple[int, ...]]:
    rows = reports.assessment(plan_year=PlanYear.objects.get(year=2022), today=day)
    return {r.unit.name: (r.due, r.on_time, r.late, r.missing, r.wrong) for r in rows}


@pytest.mark.usefixtures("demo")
class TestDemoReports:
    def test_assessment_on_june_30(self) -> None:
        """Every unit's counts on June 30th are the scenario's."""
        assert counts(date(2022, 6, 30)) == ON_JUNE_30

    def test_missing_until_it_arrives(self) -> None:
        """On June 10th 新蔡县's May report (due June 5th) has not arrived: 漏报, not yet 迟报."""
        assert counts(date(2022, 6, 10))["新蔡县"] == (5, 4, 0, 1, 0)

    def test_versions_and_stamps(self) -> None:
        """52 versions: 55 unit-months less 4 never filed, plus 驿城区's April correction; every
        valid one is stamped and digested, and the demo's figures never fall, so no flags."""
        assert MonthlyReport.objects.count() == 52
        valid = MonthlyReport.objects.exclude(state__in=["draft", "submitted"])
        assert all(r.stamp and len(r.digest) == 64 for r in valid)
        assert not reports.flags_check(plan_year=PlanYear.objects.get(year=2022))

    def test_seeding_twice_adds_nothing(self) -> None:
        """A second run leaves the reports as they are."""
        call_command("seed_demo_reports", verbosity=0)
        assert MonthlyReport.objects.count() == 52

    def test_history_leaves_no_unread_notifications(self) -> None:
        """The seeded steps' notifications are kept (each received report told its unit) but read
        as of when they were written: nobody's bell starts with a pile of settled steps."""
        assert Notification.objects.filter(kind="report_received").count() >= 48
        assert not Notification.objects.filter(read_at__isnull=True).exists()
        assert all(n.read_at >= n.created_at for n in Notification.objects.all())
