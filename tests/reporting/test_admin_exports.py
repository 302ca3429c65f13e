"""The admin's plain Excel exports of projects and households (django-import-export): no cell a
spreadsheet would run, numbers stay numbers, residents' names and phones masked."""

import io
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from projects.models import Household, Project, User
from projects.resources import HouseholdExportResource, ProjectExportResource
from projects.xlsx import SafeXLSX
from tests.factories import HouseholdFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def exported(resource: object, queryset: object) -> list[list[object]]:
    dataset = resource.export(queryset)  # type: ignore[attr-defined]
    workbook = load_workbook(io.BytesIO(SafeXLSX().export_data(dataset)))
    sheet = workbook.worksheets[0]
    return [[cell for cell in row] for row in sheet.iter_rows()]  # noqa: C416


@pytest.mark.parametrize(
    "name", ['=HYPERLINK("http://x","y")', "+1+1", "-2", "@SUM(A1)", "\t=1", "幸福里"]
)
def test_project_export_never_writes_a_formula(programme: None, name: str) -> None:
    """A community named like a formula is a text cell (with the quote prefix when it could run);
    households and the estimate stay numeric."""
    ProjectFactory(name=name, households=120, investment=Decimal("480.5"))
    rows = exported(ProjectExportResource(), Project.objects.all())
    assert [c.value for c in rows[0]][:4] == ["区县", "项目类型", "小区名称", "地址"]
    name_cell, households, investment = rows[1][2], rows[1][5], rows[1][7]
    assert name_cell.data_type == "s" and name_cell.value == name
    assert name_cell.quotePrefix == (name != "幸福里")
    assert households.value == 120 and households.data_type == "n"
    assert investment.value == Decimal("480.5") and investment.data_type == "n"


def test_household_export_masks_names_and_phones(programme: None) -> None:
    """Names and phones leave the admin masked (张*, 138****1234)."""
    HouseholdFactory(head_name="张三", phone="13812341234")
    rows = exported(HouseholdExportResource(), Household.objects.all())
    values = [c.value for c in rows[1]]
    assert "张*" in values and "138****1234" in values
    assert "张三" not in values and "13812341234" not in values


def test_admin_export_pages_open(client: Client, programme: None) -> None:
    """The admin's export screens for projects and households render for an administrator."""
    admin = User.objects.create_superuser("root", password="Zmd-test-2022!")
    client.force_login(admin)
    for model in ("project", "household"):
        assert client.get(reverse(f"admin:projects_{model}_export")).status_code == 200
