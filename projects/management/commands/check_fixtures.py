"""python manage.py check_fixtures [--year 2022]: the loaded targets against the rules of SPEC §1."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from projects import selectors

from .check_targets import plan_year_or_error


class Command(BaseCommand):
    help = "检查已加载的目标：完成改造目标=新开工×70%（四舍五入）、与全市合计相符、哪些区县尚无目标"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, default=2022, help="年度，默认 2022")

    def handle(self, *args: Any, **options: Any) -> None:
        plan_year = plan_year_or_error(options["year"])
        check = selectors.target_reconciliation(plan_year=plan_year)
        unassigned = selectors.unassigned_carryover(plan_year=plan_year)
        out = self.stdout.write
        out(
            f"{plan_year.year}年度：全市新开工 {plan_year.city_new_starts} 户，完成改造 "
            f"{plan_year.city_completions} 户，续建 {plan_year.city_carryover} 户"
        )
        out(
            f"未分解到区县的余额：新开工 {check.unallocated_new_starts} 户，完成改造 "
            f"{check.unallocated_completions} 户，续建 {check.unallocated_carryover} 户"
            f"（另有来源未列明区县的续建目标 {'、'.join(str(n) for n in unassigned) or '无'} 户）"
        )
        out("尚无完整目标的区县：" + ("、".join(check.units_without_targets) or "无"))
        if check.problems:
            for problem in check.problems:
                self.stderr.write(f"错误：{problem}")
            raise CommandError(f"目标检查发现 {len(check.problems)} 个问题")
        out(self.style.SUCCESS("目标检查通过"))
