"""Fail the background jobs lost with their worker (projects.jobs.jobs_reap); for cron."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from projects.jobs import jobs_reap


class Command(BaseCommand):
    help = (
        "将中断的后台任务标记为失败：进行中但超过 JOBS_STALE_SECONDS 秒（默认 600）未更新的，"
        "或排队超过 JOBS_QUEUED_STALE_SECONDS 秒（默认 3600）仍未开始的（处理它的进程已停止，"
        "未写入任何数据）。可随时、重复运行。"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        reaped = jobs_reap()
        self.stdout.write(
            f"已将 {reaped} 个中断的后台任务标记为失败"
            f"（进行中超过 {settings.JOBS_STALE_SECONDS} 秒未更新，"
            f"或排队超过 {settings.JOBS_QUEUED_STALE_SECONDS} 秒未开始）"
        )
