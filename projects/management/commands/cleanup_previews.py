"""Delete roster previews never confirmed (they hold residents' names and phones), and background
jobs finished more than JOBS_KEEP_DAYS ago with their files; for cron."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from projects.jobs import jobs_delete_expired
from projects.previews import preview_max_age, previews_delete_expired


class Command(BaseCommand):
    help = (
        "删除超过指定时间仍未确认的住户花名册导入预览文件（含住户姓名和电话）。"
        "默认时长为会话有效期（此后预览已无法确认），可随时、重复运行。"
        "同时删除结束超过 JOBS_KEEP_DAYS 天（默认 7 天）的后台任务及其结果文件。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than-hours",
            type=int,
            default=None,
            help="删除保存超过这么多小时的预览，默认为会话有效期（8 小时）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        hours = options["older_than_hours"]
        if hours is not None and hours < 0:
            raise CommandError("--older-than-hours 不能为负数")
        age = timedelta(hours=hours) if hours is not None else preview_max_age()
        deleted = previews_delete_expired(older_than=age)
        self.stdout.write(
            f"已删除 {deleted} 个超过 {age.total_seconds() / 3600:g} 小时未确认的导入预览文件"
        )
        days = settings.JOBS_KEEP_DAYS
        jobs = jobs_delete_expired(older_than=timedelta(days=days))
        self.stdout.write(f"已删除 {jobs} 个结束超过 {days} 天的后台任务及其结果文件")
