"""python manage.py setup_demo_users: the demo's administrator, city office, and each unit's clerk and
leader, all with one password (DEMO_PASSWORD, or a generated one printed once)."""

import os
import secrets
import string
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import translation

from projects.choices import Role
from projects.models import Unit, User

PASSWORD_ALPHABET = string.ascii_letters + string.digits


def generate_password(length: int = 16) -> str:
    """A random password with upper case, lower case and digits, from the system's secure source."""
    while True:
        password = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(length))
        if (
            any(c.islower() for c in password)
            and any(c.isupper() for c in password)
            and any(c.isdigit() for c in password)
        ):
            return password


def demo_accounts(units: list[Unit]) -> list[dict[str, Any]]:
    """The demo users: admin, city, and ``<division code>-clerk`` / ``-leader`` for every unit."""
    accounts: list[dict[str, Any]] = [
        {
            "username": "admin",
            "first_name": "系统管理员",
            "role": Role.ADMIN,
            "unit": None,
            "is_staff": True,
            "is_superuser": True,
        },
        {
            "username": "city",
            "first_name": "市老旧办",
            "role": Role.CITY,
            "unit": None,
            "is_staff": True,
            "is_superuser": False,
        },
    ]
    for unit in units:
        for suffix, role, title in (
            ("clerk", Role.CLERK, "填报员"),
            ("leader", Role.LEADER, "审核人"),
        ):
            accounts.append(
                {
                    "username": f"{unit.division_code}-{suffix}",
                    "first_name": f"{unit.name}{title}",
                    "role": role,
                    "unit": unit,
                    "is_staff": False,
                    "is_superuser": False,
                }
            )
    return accounts


def _password_problems(password: str) -> list[str]:
    """What Django's password validators say about ``password``, in the portal's language."""
    with translation.override(settings.LANGUAGE_CODE):
        try:
            validate_password(password)
        except ValidationError as error:
            return [str(message) for message in error.messages]
    return []


class Command(BaseCommand):
    help = (
        "创建或更新演示用户：admin（系统管理员）、city（市老旧办），以及每个区县的 "
        "<区划代码>-clerk（填报员）和 <区划代码>-leader（审核人）。密码取环境变量 DEMO_PASSWORD，"
        "未设置时随机生成，在最后打印一次并写入项目根目录的 .demo_password。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password-file",
            default=str(Path(settings.BASE_DIR) / ".demo_password"),
            help="生成的密码写入的文件，默认项目根目录的 .demo_password",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from_env = os.environ.get("DEMO_PASSWORD", "")
        password = from_env or generate_password()
        if from_env:
            problems = _password_problems(password)
            if problems:
                raise CommandError("DEMO_PASSWORD 不够安全：" + "；".join(problems))
        units = list(Unit.objects.order_by("sort_order", "id"))
        skipped = [u.name for u in units if not u.division_code]
        accounts = demo_accounts([u for u in units if u.division_code])
        created = 0
        with transaction.atomic():
            for account in accounts:
                user = User.objects.filter(username=account["username"]).first()
                is_new = user is None
                if user is None:
                    user = User(username=account["username"])
                for name, value in account.items():
                    setattr(user, name, value)
                user.is_active = True
                user.set_password(password)
                user.full_clean()
                user.save()
                created += is_new
        self.stdout.write(
            f"演示用户：新建 {created} 个，更新 {len(accounts) - created} 个（共 {len(accounts)} 个）"
        )
        if skipped:
            self.stdout.write("以下区县没有区划代码，未建用户：" + "、".join(skipped))
        self.stdout.write(
            "用户名：admin、city，以及各区县的 <区划代码>-clerk、<区划代码>-leader（如 411702-clerk）"
        )
        if from_env:
            self.stdout.write("密码：环境变量 DEMO_PASSWORD 的值")
            return
        path = Path(options["password_file"])
        # Created readable by the owner only: the file holds a live password.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(password + "\n")
        path.chmod(0o600)
        self.stdout.write(f"密码（已写入 {path}）：{password}")
