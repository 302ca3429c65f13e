"""Consultation warnings (SPEC §4) in the monthly report: frozen per project at month end, shown on
the month's page and in the workbook's project sheet; a report frozen before they were kept still
opens and exports."""

import io
from datetime import date

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from paperwork.models import RenovationPlan
from projects.choices import Role
from projects.models import PlanYear, Project, Unit, User
from reporting import reports
from reporting.models import MonthlyReport
from tests.factories import HouseholdFactory, ProjectFactory, UserFactory
from tests.reporting.test_reports import stamp

pytestmark = pytest.mark.django_db
EARLY = "3 户同意意见的日期（最早 2022年2月1日）早于改造方案征求居民意见日期（2022年3月1日）"


@pytest.fixture
def people(programme: None) -> dict[str, User]:
    yicheng = Unit.objects.get(name="驿城区")
    return {
        "clerk": UserFactory(role=Role.CLERK, unit=yicheng),
        "leader": UserFactory(role=Role.LEADER, unit=yicheng),
    }


@pytest.fixture
def early(people: dict[str, User]) -> Project:
    """驿城区's 早同意小区: 3 households agreed on 02-01, 4 on 03-05; its plan was put to the
    residents on 03-01. A second project agreed after its 03-01 consultation, with no warning."""
    project = ProjectFactory(name="早同意小区")
    HouseholdFactory.create_batch(3, project=project, answered_on=date(2022, 2, 1))
    HouseholdFactory.create_batch(4, project=project, answered_on=date(2022, 3, 5))
    RenovationPlan.objects.create(project=project, consultation_on=date(2022, 3, 1))
    fine = ProjectFactory(name="按序小区")
    HouseholdFactory.create_batch(3, project=fine, answered_on=date(2022, 3, 1))
    RenovationPlan.objects.create(project=fine, consultation_on=date(2022, 3, 1))
    return project


def march(people: dict[str, User]) -> MonthlyReport:
    report = reports.report_open(
        plan_year=PlanYear.objects.get(year=2022),
        unit=people["clerk"].unit,
        month=3,
        user=people["clerk"],
    )
    report = reports.report_submit(report=report, user=people["clerk"])
    return reports.report_approve(report=report, stamp=stamp(), user=people["leader"])


def test_warnings_are_frozen_per_project_at_month_end(
    people: dict[str, User], early: Project
) -> None:
    """March's report freezes the warning on 早同意小区 only; February's has none (not consulted
    by its month end, and not started)."""
    report = march(people)
    frozen = {p["name"]: p["warnings"] for p in report.figures["projects"]}
    assert frozen == {"早同意小区": [EARLY], "按序小区": []}
    february = reports.report_figures(plan_year=report.plan_year, unit=report.unit, month=2)
    assert all(p["warnings"] == [] for p in february["projects"])


def test_the_month_page_and_workbook_show_them(people: dict[str, User], early: Project) -> None:
    """The month's page lists the project with its warning; the workbook's 项目明细 sheet has it
    in its 征求意见提示 column."""
    report = march(people)
    client = Client()
    client.force_login(people["clerk"])
    page = client.get(reverse("reporting:report_month", args=[report.unit_id, 3])).content.decode()
    assert 'id="consultation-warnings"' in page and EARLY in page
    response = client.get(reverse("reporting:unit_month_export", args=[report.unit_id, 3]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["项目明细"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = next(r for r in rows if "征求意见提示" in r)
    column = header.index("征求意见提示")
    named = {r[1]: r[column] for r in rows if r[1] in ("早同意小区", "按序小区")}
    assert named == {"早同意小区": EARLY, "按序小区": None}


def test_a_report_frozen_before_the_warnings_still_opens(
    people: dict[str, User], early: Project
) -> None:
    """A report whose frozen projects carry no "warnings" key (frozen before they were kept)
    opens and exports without a warning list."""
    report = march(people)
    figures = dict(report.figures)
    figures["projects"] = [
        {k: v for k, v in p.items() if k != "warnings"} for p in figures["projects"]
    ]
    MonthlyReport.objects.filter(pk=report.pk).update(figures=figures)
    client = Client()
    client.force_login(people["clerk"])
    response = client.get(reverse("reporting:report_month", args=[report.unit_id, 3]))
    assert response.status_code == 200
    assert 'id="consultation-warnings"' not in response.content.decode()
    export = client.get(reverse("reporting:unit_month_export", args=[report.unit_id, 3]))
    assert export.status_code == 200
