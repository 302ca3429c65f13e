"""python manage.py export_projects [--year Y] [--unit U] --out F: the projects template filled with
today's records, the file the project list downloads (the city office's list without --unit)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from projects import selectors
from projects.models import Unit
from projects.template_files import projects_file

from .check_targets import YEAR_HELP, plan_year_or_error


def unit_or_error(name: str) -> Unit:
    unit = Unit.objects.filter(name=name).first()
    if unit is None:
        raise CommandError(f"没有名为“{name}”的区县")
    return unit


class Command(BaseCommand):
    help = "按项目导入模板导出改造项目（可改后用 import_projects 导回）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, help=YEAR_HELP)
        parser.add_argument("--unit", help="区县名称；不填则导出全市")
        parser.add_argument("--out", required=True, help="输出的 .xlsx 文件")

    def handle(self, *args: Any, **options: Any) -> None:
        plan_year = plan_year_or_error(options["year"])
        unit = unit_or_error(options["unit"]) if options["unit"] else None
        projects = selectors.project_list(plan_year=plan_year, unit=unit)
        out = Path(options["out"])
        out.write_bytes(projects_file(projects=projects))
        self.stdout.write(f"已导出 {projects.count()} 个项目：{out}")
