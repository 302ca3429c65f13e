"""python manage.py send_reminders [--today YYYY-MM-DD] [--year 2022]: remind each unit's clerks and leaders of
the monthly report due soon (REMINDER_DAYS_BEFORE days before the due day) or overdue (from the day
after it), in the portal and by e-mail where configured.

Safe to run every hour (cron or a systemd timer): a reminder already sent to a person is never sent
again, even by two runs at once (a unique constraint on the notification's dedupe key). The last
line says how many were sent: 已发送提醒 N 条."""

from datetime import date
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from projects import selectors
from projects.models import PlanYear
from reporting.reminders import reminders_send

LABELS = {"report_due_soon": "即将到期", "report_overdue": "已逾期"}


class Command(BaseCommand):
    help = (
        "发送信息月报截止日前后的提醒（站内通知，配置邮件时同时发邮件）；可每小时运行，不会重复发送"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", help="按该日（YYYY-MM-DD）判断，默认今天（Asia/Shanghai）")
        parser.add_argument(
            "--year",
            type=int,
            help="只提醒该年度的月报；默认为所有已开启的年度（跨年时上一年度的12月月报仍须提醒）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["today"]:
            try:
                today = date.fromisoformat(options["today"])
            except ValueError:
                raise CommandError("--today 须为 YYYY-MM-DD 格式的日期") from None
        else:
            today = selectors.today_local()
        if (
            options["year"] is not None
            and not PlanYear.objects.filter(year=options["year"]).exists()
        ):
            raise CommandError(f"没有{options['year']}年度计划")
        sent = reminders_send(
            today=today, days_before=settings.REMINDER_DAYS_BEFORE, year=options["year"]
        )
        for item in sent:
            if item.sent:
                self.stdout.write(
                    f"{item.unit.name} {item.year}年{item.month}月信息月报"
                    f"（截止 {item.due.isoformat()}）{LABELS[item.reminder.value]}：提醒 {item.sent} 人"
                )
        self.stdout.write(f"已发送提醒 {sum(item.sent for item in sent)} 条")
