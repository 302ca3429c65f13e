"""A stored report's digest is verified wherever the report is shown (issue 19): figures changed
after approval, behind the workflow's back, are flagged on the page and in every export sheet."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from projects import data_version
from projects.choices import Role
from projects.data_version import data_changed
from projects.models import PlanYear, Unit
from reporting import reports
from reporting.exports.sheets import DIGEST_MISMATCH, units_digest_mismatch
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


def approve_june(unit_name: str) -> MonthlyReport:
    """Another unit's June report, approved (its own digest stored)."""
    unit = Unit.objects.get(name=unit_name)
    clerk = UserFactory(role=Role.CLERK, unit=unit)
    leader = UserFactory(role=Role.LEADER, unit=unit)
    report = reports.report_open(
        plan_year=PlanYear.objects.get(year=2022), unit=unit, month=6, user=clerk
    )
    report = reports.report_submit(report=report, user=clerk)
    return reports.report_approve(
        report=report, stamp=SimpleUploadedFile("s.pdf", PDF), user=leader
    )


def city_workbook(city: Client) -> Workbook:
    """The city's June workbook, as the city office downloads it."""
    export = city.get(reverse("reporting:city_month_export", args=[6]))
    assert export.status_code == 200
    return load_workbook(io.BytesIO(export.content))


def test_city_workbook_flags_the_unit_whose_report_was_altered(
    june: MonthlyReport, city: Client
) -> None:
    """驿城区's June altered, 西平县's intact: the city's workbook marks 驿城区's row on the progress
    and milestone sheets, adds a warning line naming only 驿城区, and every footer says so; the 合计
    row is still there (it adds the figures) but the warning says it cannot be trusted."""
    approve_june("西平县")
    alter(june)
    workbook = city_workbook(city)
    warning = units_digest_mismatch(["驿城区"])
    assert "西平县" not in warning and "合计行不可信" in warning
    for sheet in workbook.worksheets:
        assert sheet.oddFooter.left.text.startswith(warning), sheet.title
    for name in ("进展情况", "阶段任务"):
        values = [c.value for row in workbook[name].iter_rows() for c in row]
        assert "驿城区\n（摘要不符！）" in values, name
        assert "西平县" in values and "西平县\n（摘要不符！）" not in values, name
        assert warning in values, name


def test_city_workbook_of_intact_reports_carries_no_warning(
    june: MonthlyReport, city: Client
) -> None:
    """Untouched reports: no mark, no warning, the footer is the table's own digest."""
    workbook = city_workbook(city)
    for sheet in workbook.worksheets:
        assert sheet.oddFooter.left.text.startswith("SHA-256："), sheet.title
    values = [c.value for row in workbook["进展情况"].iter_rows() for c in row]
    assert "驿城区" in values and not any("摘要不符" in str(v) for v in values)


def test_city_workbook_checks_digests_without_a_query_per_unit(
    june: MonthlyReport, city: Client
) -> None:
    """The digest check reads the figures already loaded: two more units' reports (one altered)
    cost no extra query."""
    with CaptureQueriesContext(connection) as one:
        city_workbook(city)
    alter(approve_june("西平县"))
    approve_june("上蔡县")
    with CaptureQueriesContext(connection) as three:
        city_workbook(city)
    assert len(three) == len(one)


def test_month_grid_marks_an_altered_report(june: MonthlyReport, city: Client) -> None:
    """The city's months table marks 驿城区's June cell, and no other, once its figures were changed
    after approval; the grid's query count does not grow with it."""
    url = reverse("reporting:reports")
    with CaptureQueriesContext(connection) as before:
        page = city.get(url).content.decode()
    assert "data-digest-mismatch" not in page
    alter(june)  # behind the workflow's back: no data version raised, and the grid is not cached
    page = city.get(url).content.decode()
    assert page.count("data-digest-mismatch") == 1
    data_changed()  # so that both counts are of a page whose worklist is built, not cached
    with CaptureQueriesContext(connection) as after:
        page = city.get(url).content.decode()
    assert page.count("data-digest-mismatch") == 1
    row = page[page.index('data-unit="驿城区"') :]
    cell = row[row.index('data-month="6"') : row.index('data-month="7"')]
    assert "摘要不符！" in cell
    assert len(after) == len(before)


def months_table_cell(page: str, unit: str, month: int) -> str:
    row = page[page.index(f'data-unit="{unit}"') :]
    return row[row.index(f'data-month="{month}"') : row.index(f'data-month="{month + 1}"')]


def test_a_verified_content_is_not_digested_again_but_a_changed_one_is(
    june: MonthlyReport, city: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The months table keeps each digest check under the hash the database takes of the report's
    content (issue 17): the same content is digested once, new content at once on the next
    request, and the original content again finds its first verdict."""
    checked: list[int] = []
    digest_intact = reports.report_digest_intact

    def counting(report: MonthlyReport) -> bool:
        checked.append(report.pk)
        return digest_intact(report)

    monkeypatch.setattr(reports, "report_digest_intact", counting)
    url = reverse("reporting:reports")
    assert "摘要不符！" not in months_table_cell(city.get(url).content.decode(), "驿城区", 6)
    assert checked == [june.pk]
    city.get(url)
    assert checked == [june.pk]  # the same content: the verdict from the cache
    original = dict(june.figures)
    alter(june)
    assert "摘要不符！" in months_table_cell(city.get(url).content.decode(), "驿城区", 6)
    assert checked == [june.pk, june.pk]
    MonthlyReport.objects.filter(pk=june.pk).update(figures=original)
    assert "摘要不符！" not in months_table_cell(city.get(url).content.decode(), "驿城区", 6)
    assert checked == [june.pk, june.pk]


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            lambda r: MonthlyReport.objects.filter(pk=r.pk).update(problems="改过"), id="notes"
        ),
        pytest.param(
            lambda r: Unit.objects.filter(pk=r.unit_id).update(name="改名区"), id="unit-renamed"
        ),
        pytest.param(
            lambda r: MonthlyReport.objects.filter(pk=r.pk).update(version=2), id="version"
        ),
    ],
)
def test_every_part_of_the_digest_is_checked_again_when_it_changes(
    june: MonthlyReport, city: Client, change: object
) -> None:
    """The digest covers the unit's name, the period, the version, the figures and the notes: a
    change to any of them behind the workflow's back is seen on the next request, a verdict cached
    before it notwithstanding."""
    url = reverse("reporting:reports")
    assert "data-digest-mismatch" not in city.get(url).content.decode()
    change(june)  # type: ignore[operator]
    page = city.get(url).content.decode()
    assert page.count("data-digest-mismatch") == 1


def test_the_months_table_checks_every_digest_when_the_cache_is_down(
    june: MonthlyReport, city: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cache that does not answer costs the check, not the page: the altered report is marked."""

    class Down:
        def get_many(self, *args: object, **kwargs: object) -> None:
            raise ConnectionError("cache down")

        set_many = get_many

    alter(june)
    monkeypatch.setattr(data_version, "cache", Down())
    response = city.get(reverse("reporting:reports"))
    assert response.status_code == 200
    assert "摘要不符！" in months_table_cell(response.content.decode(), "驿城区", 6)


def test_the_months_table_is_never_served_from_before_a_change_behind_the_workflows_back(
    june: MonthlyReport, city: Client
) -> None:
    """The months table is kept in the cache under a hash of what it is drawn from, not only under
    the data version: a state set straight in the database (no version raised) shows at once."""
    url = reverse("reporting:reports")
    assert "state-approved" in months_table_cell(city.get(url).content.decode(), "驿城区", 6)
    MonthlyReport.objects.filter(pk=june.pk).update(state="received")
    cell = months_table_cell(city.get(url).content.decode(), "驿城区", 6)
    assert "state-received" in cell and "state-approved" not in cell
