"""python manage.py import_projects FILE.xlsx: the projects template, all rows or none."""

from pathlib import Path

from projects.models import PlanYear, User
from projects.services import ImportResult, projects_import

from ._importing import ImportCommand


class Command(ImportCommand):
    help = "导入项目（模板表头：区县、项目类型、小区名称……）；任一行有错则全部不导入"
    noun = "项目"

    def run_import(
        self, *, source: Path, plan_year: PlanYear, user: User | None, dry_run: bool
    ) -> ImportResult:
        return projects_import(source=source, plan_year=plan_year, user=user, dry_run=dry_run)
