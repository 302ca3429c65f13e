"""A stored report's digest is verified wherever the report is shown (issue 19): figures changed
after approval, behind the workflow's back, are flagged on the page and in every export sheet."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from projects.choices import Role
from projects.models import PlanYear, Unit
from reporting import reports
from reporting.exports.sheets import DIGEST_MISMATCH
from reporting.models import MonthlyReport
from tests.factories import ProjectFactory, UserFactory
from tests.pdf import PDF

pytestmark = pytest.mark.django_db


@pytest.fixture
def june(programme: None) -> MonthlyReport:
    """驿城区's June report, approved (digest stored)."""
    unit = Unit.objects.get(name="驿城区")
    clerk = UserFactory(role=Role.CLERK, unit=unit)
    leader = UserFactory(role=Role.LEADER, unit=unit)
    ProjectFactory(name="建设路1号院")
    report = reports.report_open(
        plan_year=PlanYear.objects.get(year=2022), unit=unit, month=6, user=clerk
    )
    report = reports.report_submit(report=report, user=clerk)
    return reports.report_approve(
        report=report, stamp=SimpleUploadedFile("s.pdf", PDF), user=leader
    )


@pytest.fixture
def city(programme: None) -> Client:
    client = Client()
    client.force_login(UserFactory(role=Role.CITY, unit=None))
    return client


def alter(report: MonthlyReport) -> None:
    """Raise the frozen 累计开工户数 by 100 straight in the database, leaving the old digest."""
    figures = dict(report.figures)
    figures["new_started"] = figures["new_started"] + 100
    MonthlyReport.objects.filter(pk=report.pk).update(figures=figures)


def test_intact_report_shows_no_warning(june: MonthlyReport, city: Client) -> None:
    """An untouched report verifies: no banner on its page, 与数据一致 on the export's record sheet."""
    assert reports.report_digest_intact(june)
    page = city.get(reverse("reporting:report_month", args=[june.unit_id, 6])).content.decode()
    assert 'id="digest-mismatch"' not in page and "与数据不符" not in page
    export = city.get(reverse("reporting:unit_month_export", args=[june.unit_id, 6]))
    record = load_workbook(io.BytesIO(export.content))["月报信息"]
    assert ["摘要核验", "与数据一致"] in [[c.value for c in row] for row in record.iter_rows()]


def test_altered_figures_are_flagged_on_the_page(june: MonthlyReport, city: Client) -> None:
    """Figures changed after approval: a red banner naming the version, the digest marked."""
    alter(june)
    assert not reports.report_digest_intact(MonthlyReport.objects.get(pk=june.pk))
    page = city.get(reverse("reporting:report_month", args=[june.unit_id, 6])).content.decode()
    assert (
        'class="alert alert-danger border-danger fw-bold" role="alert" id="digest-mismatch"' in page
    )
    assert "警告：第 1 版的月报摘要与现存数据不符" in page
    assert f"SHA-256：{june.digest}（与数据不符）" in page


def test_altered_figures_are_flagged_on_every_export_sheet(
    june: MonthlyReport, city: Client
) -> None:
    """The unit's workbook of an altered report says so in every sheet's footer and on the record
    sheet's 摘要核验 line."""
    alter(june)
    export = city.get(reverse("reporting:unit_month_export", args=[june.unit_id, 6]))
    workbook = load_workbook(io.BytesIO(export.content))
    for sheet in workbook.worksheets:
        assert sheet.oddFooter.left.text.startswith(DIGEST_MISMATCH), sheet.title
    rows = [[c.value for c in row] for row in workbook["月报信息"].iter_rows()]
    assert ["摘要核验", f"不符！{DIGEST_MISMATCH}"] in rows
