"""python manage.py seed_demo [--seed N]: a deterministic demo programme for 2022."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from projects.demo import DEMO_SEED, demo_seed
from projects.models import PlanYear

DEMO_YEAR = 2022


class Command(BaseCommand):
    help = (
        "为2022年度有目标的区县生成演示数据（项目、住户、开工条件、完工日期）。"
        "同一种子总是生成相同的数据；本年度已有项目时不做任何更改。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed", type=int, default=DEMO_SEED, help=f"随机种子，默认 {DEMO_SEED}"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            plan_year = PlanYear.objects.get(year=DEMO_YEAR)
        except PlanYear.DoesNotExist:
            raise CommandError(
                f"没有{DEMO_YEAR}年度计划，请先运行：python manage.py load_programme"
            ) from None
        began = time.monotonic()
        summary = demo_seed(plan_year=plan_year, seed=options["seed"])
        if not summary.created:
            self.stdout.write(
                f"{plan_year}已有 {summary.projects} 个项目，未做任何更改"
                "（如需重新生成演示数据，请删除数据库后重新运行）"
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"已生成{plan_year}演示数据：{summary.projects} 个项目，{summary.households} 户住户记录，"
                f"{summary.criteria} 条开工条件记录（种子 {options['seed']}，"
                f"用时 {time.monotonic() - began:.1f} 秒）"
            )
        )
