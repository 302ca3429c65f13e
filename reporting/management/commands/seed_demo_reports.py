"""python manage.py seed_demo_reports: the demo's January–May 2022 monthly reports (see reporting/demo.py)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from projects.models import PlanYear
from reporting.demo import seed_demo_reports


class Command(BaseCommand):
    help = "生成演示用的 2022 年 1—5 月信息月报（含按时、迟报、漏报和一份被退回更正的月报）；已有月报时不做任何事。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, default=2022)

    def handle(self, *args: Any, **options: Any) -> None:
        plan_year = PlanYear.objects.filter(year=options["year"]).first()
        if plan_year is None:
            raise CommandError(
                f"没有{options['year']}年度计划：请先运行 python manage.py load_programme"
            )
        written = seed_demo_reports(plan_year=plan_year)
        if written:
            self.stdout.write(f"已生成演示信息月报 {written} 份（含版本）")
        else:
            self.stdout.write("已有信息月报，未生成")
