"""What the two import commands share: reading the file, reporting row errors, the exit status."""

from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from django.core.management.base import BaseCommand, CommandError, CommandParser

from projects.consequences import StatusChangesNeedConfirmation
from projects.models import User
from projects.services import ImportResult

from .check_targets import YEAR_HELP, plan_year_or_error


class ImportCommand(BaseCommand):
    """An import of one template file: the whole file goes in or nothing does."""

    noun = ""
    # The import service that checks and writes the file.
    service: ClassVar[Callable[..., ImportResult]]

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="导入模板格式的 .xlsx 文件")
        parser.add_argument("--year", type=int, help=YEAR_HELP)
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入")
        parser.add_argument(
            "--user", help="记为哪个用户的操作（用户名）；区县用户只能导入本区县的数据"
        )
        parser.add_argument(
            "--allow-status-changes",
            action="store_true",
            help="允许导入使项目取消开工、改变同意达标/开工/完工日期或改变已报送月报数据的文件"
            "（不加此项时此类文件被拒绝，不写入任何数据）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        plan_year = plan_year_or_error(options["year"])
        user = None
        if options["user"]:
            user = User.objects.filter(username=options["user"], is_active=True).first()
            if user is None:
                raise CommandError(f"没有名为“{options['user']}”的有效用户")
        try:
            result = type(self).service(
                source=path,
                plan_year=plan_year,
                user=user,
                dry_run=options["dry_run"],
                allow_status_changes=options["allow_status_changes"],
            )
        except StatusChangesNeedConfirmation as refused:
            for line in refused.consequences.summary():
                self.stderr.write(line)
            raise CommandError(
                f"{self.noun}导入被拒绝：文件将改变上述项目的开工/完工状态或已报送月报的数据，"
                "未写入任何数据；确认无误后请加 --allow-status-changes 重新导入"
            ) from None
        for warning in result.warnings:
            self.stderr.write(f"提示：{warning}")
        if result.errors:
            for error in result.errors:
                self.stderr.write(f"错误：{error}")
            raise CommandError(f"{self.noun}导入失败：{len(result.errors)} 处错误，未写入任何数据")
        if options["dry_run"]:
            for change in result.changes:
                self.stdout.write(str(change))
            if result.changes_left_off:
                self.stdout.write(f"另有 {result.changes_left_off} 行变更未列出")
        for line in result.consequences.summary():
            self.stdout.write(line)
        verb = "检查通过（未写入）" if options["dry_run"] else "导入完成"
        self.stdout.write(
            self.style.SUCCESS(
                f"{self.noun}{verb}：新增 {result.created}，更新 {result.updated}，未变 {result.unchanged}"
            )
        )
