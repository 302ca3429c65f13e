"""python manage.py check_targets [--year 2022] [--as-of YYYY-MM-DD] [--json]: the milestone table."""

import json
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from projects import selectors
from projects.models import PlanYear
from projects.presenters import milestone_report_as_dict, milestone_report_as_table


def parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"日期格式应为 YYYY-MM-DD：{value}") from None


# Every command's --year: without it, the year containing today, else the latest (as the pages).
YEAR_HELP = "年度，如 2022；默认为包含今天的年度，没有则为最近的年度"


def plan_year_or_error(year: int | None) -> PlanYear:
    """The plan year ``--year`` names, or the year the pages show by default (the year containing
    today, else the latest)."""
    if year is None:
        plan_year = selectors.plan_year_default(
            plan_years=list(selectors.plan_years_visible(user=None)),
            today=selectors.today_local(),
        )
        if plan_year is None:
            raise CommandError("尚无年度计划，请先加载 fixtures（python manage.py load_programme）")
        return plan_year
    try:
        return selectors.plan_year_get(year=year)
    except PlanYear.DoesNotExist:
        raise CommandError(f"没有{year}年度计划，请先加载 fixtures") from None


def format_table(rows: list[list[str]]) -> str:
    """Rows of text as aligned columns (CJK characters count double)."""

    def width(text: str) -> int:
        return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)

    widths = [max(width(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell + " " * (widths[i] - width(cell)) for i, cell in enumerate(r)).rstrip()
        for r in rows
    )


class Command(BaseCommand):
    help = "按阶段任务检查各区县和全市的目标完成情况（截至指定日期）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, help=YEAR_HELP)
        parser.add_argument("--as-of", dest="as_of", help="截至日期 YYYY-MM-DD，默认今天")
        parser.add_argument("--json", action="store_true", help="输出 JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        plan_year = plan_year_or_error(options["year"])
        as_of = parse_date(options["as_of"]) if options["as_of"] else selectors.today_local()
        report = selectors.milestone_report(plan_year=plan_year, as_of=as_of)
        if options["json"]:
            # Indented for a person at a terminal; one line for a program reading it (the
            # indenting encoder is pure Python and takes as long as the whole report).
            indent = 2 if self.stdout.isatty() else None
            self.stdout.write(
                json.dumps(milestone_report_as_dict(report), ensure_ascii=False, indent=indent)
            )
            return
        self.stdout.write(f"{plan_year.year}年度阶段任务检查（截至 {as_of.isoformat()}）")
        self.stdout.write(format_table(milestone_report_as_table(report)))
        rec = report.reconciliation
        self.stdout.write(
            f"未分解到区县：新开工 {rec.unallocated_new_starts} 户，完成改造 "
            f"{rec.unallocated_completions} 户；来源未列明区县的续建目标："
            + "、".join(f"{n} 户" for n in report.unassigned_carryover)
        )
