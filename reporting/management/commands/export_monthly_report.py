"""python manage.py export_monthly_report [--year 2022] --month 6 [--unit 驿城区 | --assessment]
[--as-of YYYY-MM-DD] --out FILE.xlsx: the monthly report (or the assessment table) as a workbook.

A unit's month is exported from its valid report's frozen figures; a month without one is a working
copy from the live records, and its file name gets "-按当前项目记录（未报送）" before the suffix."""

import os
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from projects import selectors
from projects.management.commands.check_targets import YEAR_HELP, plan_year_or_error
from projects.models import Unit
from projects.rules.reports import report_period_end
from reporting.exports import build, workbooks
from reporting.exports.sheets import DIGEST_MISMATCH
from reporting.exports.workbooks import WORKING_COPY
from reporting.exports.workflow import assessment_counts, timeliness_table


class Command(BaseCommand):
    help = "导出信息月报（全市或一个区县）或年度考核评价表为 Excel 工作簿"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, help=YEAR_HELP)
        parser.add_argument("--month", type=int, required=True, help="月份 1–12")
        parser.add_argument("--unit", help="只导出一个区县的月报（名称或区划代码）")
        parser.add_argument(
            "--assessment", action="store_true", help="导出截至该月末的年度考核评价表"
        )
        parser.add_argument(
            "--as-of",
            help="报送情况（及时性）按该日判断，YYYY-MM-DD；默认月报为今天、考核评价表为该月末",
        )
        parser.add_argument("--out", required=True, help="输出文件 .xlsx")

    def handle(self, *args: Any, **options: Any) -> None:
        month = options["month"]
        if not 1 <= month <= 12:
            raise CommandError(f"月份应为 1–12：{month}")
        if options["unit"] and options["assessment"]:
            raise CommandError("--unit 与 --assessment 不能同时使用")
        plan_year = plan_year_or_error(options["year"])
        try:
            asked = date.fromisoformat(options["as_of"]) if options["as_of"] else None
        except ValueError:
            raise CommandError(f"日期格式应为 YYYY-MM-DD：{options['as_of']}") from None
        # The day the timeliness is judged on is the day the sheet is headed with.
        judged = asked or selectors.today_local()
        out = Path(options["out"])
        if options["unit"]:
            unit = (
                Unit.objects.filter(name=options["unit"]).first()
                or Unit.objects.filter(division_code=options["unit"]).first()
            )
            if unit is None:
                raise CommandError(f"没有名为“{options['unit']}”的区县")
            data: Any = build.build_unit_monthly(
                plan_year=plan_year,
                month=month,
                unit=unit,
                timeliness=timeliness_table(
                    plan_year=plan_year, month=month, as_of=judged, units=[unit]
                ),
            )
            title = f"{unit.name}{plan_year.year}年{month}月信息月报"
            digest = f"月报摘要 SHA-256：{data.digest}"
            if data.record is not None and not data.record.digest_intact:
                digest = f"{DIGEST_MISMATCH}；{digest}"
                self.stderr.write(self.style.ERROR(DIGEST_MISMATCH))
            if data.record is None:
                title += f"（{WORKING_COPY}，不是有效月报）"
                digest = "无月报摘要"
                # A month without a valid report is never saved under a report's name.
                if WORKING_COPY not in out.name:
                    out = out.with_name(f"{out.stem}-{WORKING_COPY}{out.suffix}")
            writer: Any = workbooks.unit_monthly_workbook
        elif options["assessment"]:
            as_of = asked or report_period_end(year=plan_year.year, month=month)
            data = build.build_assessment(
                plan_year=plan_year,
                as_of=as_of,
                reports=assessment_counts(plan_year=plan_year, today=as_of),
            )
            title = f"{plan_year.year}年度考核评价表（截至{as_of.isoformat()}）"
            digest = f"本表数据摘要 SHA-256：{data.digest}"
            writer = workbooks.assessment_workbook
        else:
            data = build.build_city_monthly(
                plan_year=plan_year,
                month=month,
                timeliness=timeliness_table(
                    plan_year=plan_year,
                    month=month,
                    as_of=judged,
                    units=list(Unit.objects.all()),
                ),
            )
            title = f"全市{plan_year.year}年{month}月信息月报（按各区县有效月报汇总）"
            digest = f"本表数据摘要 SHA-256：{data.digest}"
            writer = workbooks.city_monthly_workbook
        # Written beside the target and renamed, so a failed export never leaves half a workbook.
        partial = out.with_name(out.name + ".part")
        try:
            with partial.open("wb") as stream:
                writer(data, out=stream)
            os.replace(partial, out)
        except OSError as error:
            partial.unlink(missing_ok=True)
            raise CommandError(f"无法写入 {out}：{error.strerror or error}") from None
        self.stdout.write(self.style.SUCCESS(f"已导出{title}：{out}（{digest}）"))
