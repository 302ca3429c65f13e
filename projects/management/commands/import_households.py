"""python manage.py import_households FILE.xlsx: the household roster template, all rows or none."""

from pathlib import Path

from projects.models import PlanYear, User
from projects.services import ImportResult, households_import

from ._importing import ImportCommand


class Command(ImportCommand):
    help = "导入住户名册（模板表头：区县、小区名称、楼栋、单元、房号……）；任一行有错则全部不导入"
    noun = "住户"

    def run_import(
        self, *, source: Path, plan_year: PlanYear, user: User | None, dry_run: bool
    ) -> ImportResult:
        return households_import(source=source, plan_year=plan_year, user=user, dry_run=dry_run)
