"""python manage.py check_start_criteria [--year 2022] [--unit 驿城区] [--as-of D] [--json]: the five
criteria per project."""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from projects import selectors
from projects.choices import ProjectKind
from projects.models import Unit
from projects.presenters import start_status_as_dict
from projects.rules.start import CRITERIA, CRITERION_SHORT_LABELS

from .check_targets import YEAR_HELP, format_table, parse_date, plan_year_or_error


class Command(BaseCommand):
    help = "逐项目检查五项开工条件（续建项目不适用开工认定，不列出）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, help=YEAR_HELP)
        parser.add_argument("--unit", help="只看一个区县（名称或区划代码）")
        parser.add_argument(
            "--as-of", dest="as_of", help="截至日期 YYYY-MM-DD，默认按已记录的全部日期"
        )
        parser.add_argument("--json", action="store_true", help="输出 JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        plan_year = plan_year_or_error(options["year"])
        unit = None
        if options["unit"]:
            unit = (
                Unit.objects.filter(name=options["unit"]).first()
                or Unit.objects.filter(division_code=options["unit"]).first()
            )
            if unit is None:
                raise CommandError(f"没有名为“{options['unit']}”的区县")
        as_of = parse_date(options["as_of"]) if options["as_of"] else None
        projects = list(
            selectors.project_list(plan_year=plan_year, unit=unit, kind=ProjectKind.NEW)
        )
        statuses = selectors.start_statuses(projects=projects, as_of=as_of)
        rows = [start_status_as_dict(p, statuses[p.id]) for p in projects]
        if options["json"]:
            payload = {
                "year": plan_year.year,
                "unit": unit.name if unit else None,
                "as_of": as_of.isoformat() if as_of else None,
                "projects": rows,
            }
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
            return
        header = [
            "区县",
            "小区名称",
            "户数",
            "同意户数",
            *[CRITERION_SHORT_LABELS[k] for k in CRITERIA],
            "开工日期",
        ]
        table = [header]
        for row in rows:
            table.append(
                [
                    row["unit"],
                    row["project"],
                    str(row["households"]),
                    str(row["consent_agreed"]),
                    *[row["criteria"][k]["date"] or "✗" for k in CRITERIA],
                    row["start_date"] or "未开工",
                ]
            )
        self.stdout.write(format_table(table))
        started = sum(1 for r in rows if r["started"])
        self.stdout.write(f"共 {len(rows)} 个新开工项目，已开工 {started} 个")
