"""python manage.py seed_demo_paperwork: the demo's plans, adjustments, inspections and aftercare."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from paperwork.demo import seed_demo_paperwork
from projects.models import PlanYear


class Command(BaseCommand):
    help = "生成演示用的实施方案、改造方案、计划调整、检查整改、投诉、回访和保修记录；已有时不做任何事。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, default=2022)

    def handle(self, *args: Any, **options: Any) -> None:
        plan_year = PlanYear.objects.filter(year=options["year"]).first()
        if plan_year is None:
            raise CommandError(
                f"没有{options['year']}年度计划：请先运行 python manage.py load_programme"
            )
        if seed_demo_paperwork(plan_year=plan_year):
            self.stdout.write("已生成演示计划、检查和回访记录")
        else:
            self.stdout.write("已有演示计划与检查记录，未生成")
