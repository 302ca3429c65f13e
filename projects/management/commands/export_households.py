"""python manage.py export_households [--year Y] --unit U [--project NAME] [--user NAME] --out F: a
unit's roster (or one project's) in the roster template, the file the roster page downloads.

Names and phones are in full only with ``--user`` naming the unit's clerk or leader, and then the
download is kept in the personal-data audit under that user, as on the page."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from projects import selectors, services
from projects.models import User

from .check_targets import YEAR_HELP, plan_year_or_error
from .export_projects import unit_or_error


class Command(BaseCommand):
    help = "按住户导入模板导出住户花名册（可改后用 import_households 导回）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, help=YEAR_HELP)
        parser.add_argument("--unit", required=True, help="区县名称")
        parser.add_argument("--project", help="小区名称；不填则导出该区县全部项目的住户")
        parser.add_argument(
            "--user",
            help="以哪个用户的身份导出（用户名）：本区县填报员和审核人得到完整姓名和电话，"
            "并记入个人信息访问记录；不填则姓名和电话打码",
        )
        parser.add_argument("--out", required=True, help="输出的 .xlsx 文件")

    def handle(self, *args: Any, **options: Any) -> None:
        plan_year = plan_year_or_error(options["year"])
        unit = unit_or_error(options["unit"])
        projects = selectors.project_list(plan_year=plan_year, unit=unit)
        project = None
        if options["project"]:
            project = projects.filter(name=options["project"]).first()
            if project is None:
                raise CommandError(f"{unit.name}{plan_year}没有名为“{options['project']}”的项目")
            projects = projects.filter(pk=project.pk)
        user = None
        if options["user"]:
            user = User.objects.filter(username=options["user"], is_active=True).first()
            if user is None:
                raise CommandError(f"没有名为“{options['user']}”的有效用户")
        out = Path(options["out"])
        out.write_bytes(
            services.roster_download(user=user, unit=unit, projects=projects, project=project)
        )
        self.stdout.write(f"已导出：{out}")
