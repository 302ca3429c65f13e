"""Year 2022 stays exactly as it was when its unfinished projects are carried into 2023 (issue 16):
its rows, the city overview on 2022-12-31 (hand-worked below), its approved reports (they keep
verifying, and the records still give their frozen figures), the annual assessment, and
``check_targets --year 2022`` word for word."""

import io
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.forms.models import model_to_dict

from projects import services
from projects.choices import Role
from projects.models import PlanYear, Project, Unit, UnitTarget
from reporting import reports
from reporting.models import MonthlyReport, ReportFlag
from reporting.selectors import city_overview
from tests.factories import UserFactory
from tests.pdf import PDF
from tests.rollover import RolloverWorld, rollover_world

pytestmark = pytest.mark.django_db

YEAR_END = date(2022, 12, 31)


@pytest.fixture
def world(programme: None) -> RolloverWorld:
    return rollover_world()


def approved(plan_year: PlanYear, unit_name: str, month: int) -> MonthlyReport:
    """The unit's report of ``month``, submitted by its clerk and approved with the stamped scan."""
    unit = Unit.objects.get(name=unit_name)
    clerk = UserFactory(role=Role.CLERK, unit=unit)
    leader = UserFactory(role=Role.LEADER, unit=unit)
    report = reports.report_open(plan_year=plan_year, unit=unit, month=month, user=clerk)
    report = reports.report_submit(report=report, user=clerk)
    return reports.report_approve(
        report=report, stamp=SimpleUploadedFile("s.pdf", PDF), user=leader
    )


def check_targets(*args: str) -> str:
    out = io.StringIO()
    call_command("check_targets", "--year", "2022", *args, stdout=out)
    return out.getvalue()


def year_2022() -> dict[str, Any]:
    """Everything of 2022 that must not move, read fresh."""
    year = PlanYear.objects.get(year=2022)
    return {
        "plan_year": model_to_dict(year),
        "targets": list(UnitTarget.objects.filter(plan_year=year).order_by("pk").values()),
        "projects": list(Project.objects.filter(plan_year=year).order_by("pk").values()),
        "project_history": Project.history.filter(plan_year_id=year.pk).count(),
        "overview": city_overview(plan_year=year, as_of=YEAR_END),
        "assessment": reports.assessment(plan_year=year, today=date(2023, 3, 1)),
        "reports": list(
            MonthlyReport.objects.filter(plan_year=year)
            .order_by("pk")
            .values("state", "figures", "digest")
        ),
        "check_json": check_targets("--as-of", "2022-12-31", "--json"),
        "check_table": check_targets("--as-of", "2022-12-31"),
        "check_today": check_targets("--json"),
        "check_june": check_targets("--as-of", "2022-06-30", "--json"),
    }


def overview_rows(year: PlanYear) -> dict[str, tuple[int, int, int]]:
    """(new started, new completed, carry-over completed) households per unit on 2022-12-31."""
    overview = city_overview(plan_year=year, as_of=YEAR_END)
    return {
        r.row.unit.name: (
            r.row.today.new_started,
            r.row.today.new_completed,
            r.row.today.carryover_completed,
        )
        for r in overview.units
        if r.row.unit is not None
    }


def test_2022_is_unchanged_by_the_rollover(world: RolloverWorld) -> None:
    """Before and after carrying six projects into 2023: the same 2022 rows and history, overview,
    assessment, reports and check_targets output (JSON and table, on the year's end, on 30 June and
    today) — and the overview's figures are the hand-worked ones: 驿城区 started 100 + 80 + 60 =
    240, completed 100 (年内完工小区, on 12-31), carry-over completed 50; 西平县 200, 200, 0 (its
    carry-over completed on 2023-01-02); 遂平县 15, 15, 0."""
    december = approved(world.y2022, "驿城区", 12)
    approved(world.y2022, "西平县", 12)
    before = year_2022()
    expected = {"驿城区": (240, 100, 50), "西平县": (200, 200, 0), "遂平县": (15, 15, 0)}
    assert {k: v for k, v in overview_rows(world.y2022).items() if k in expected} == expected
    assert december.figures["new_started"] == 240
    assert december.figures["carryover_completed"] == 50

    city = UserFactory(role=Role.CITY, unit=None)
    result = services.plan_year_rollover(source=world.y2022, target=world.y2023, user=city)
    assert len(result.created) == 6

    after = year_2022()
    for key in before:
        assert after[key] == before[key], key
    assert {k: v for k, v in overview_rows(world.y2022).items() if k in expected} == expected


def test_approved_reports_keep_verifying_and_raise_no_flag(world: RolloverWorld) -> None:
    """The December reports' digests still match their content, the records still give the figures
    they froze, and checking 2022's reports for suspect figures finds nothing new."""
    frozen = [approved(world.y2022, name, 12) for name in ("驿城区", "西平县")]
    reports.flags_check(plan_year=world.y2022)
    flags = ReportFlag.objects.count()
    services.plan_year_rollover(
        source=world.y2022, target=world.y2023, user=UserFactory(role=Role.CITY, unit=None)
    )
    for report in frozen:
        stored = MonthlyReport.objects.get(pk=report.pk)
        assert stored.digest == report.digest
        assert reports.report_digest_intact(stored)
        assert (
            reports.report_figures(plan_year=world.y2022, unit=report.unit, month=12)
            == stored.figures
        )
    reports.flags_check(plan_year=world.y2022)
    assert ReportFlag.objects.count() == flags
