"""python manage.py load_programme: load the units, the 2022 plan year and its targets once; or,
with ``--file``, one plan year from JSON files in the fixture format.

On a database that already holds the plan year nothing is loaded, so targets the city office has
since entered in the browser are never overwritten by the fixtures.

``--file PATH`` (repeatable, e.g. a plan-year file and a targets file, as fixtures/plan_year_2022.json
and fixtures/targets_2022.json are) loads the year's settings, milestones, unit targets and
carry-over figures without a unit through the same services and checks as the city office's pages
(projects.services.plan_year_create and the rest): as a draft, or opened with ``--open``, and all or
nothing. A year that exists is refused. Units are named by their fixture id or by name.
"""

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.dateparse import parse_date

from projects import selectors, services
from projects.data_version import data_changed, writes_data
from projects.models import PlanYear, Unit, User
from projects.rules.plan_years import MilestoneInput

FIXTURES = ("fixtures/units.json", "fixtures/plan_year_2022.json", "fixtures/targets_2022.json")
UNITS_FIXTURE = FIXTURES[0]
PLAN_YEAR, MILESTONE, TARGET, UNASSIGNED = (
    "projects.planyear",
    "projects.milestone",
    "projects.unittarget",
    "projects.unassignedcarryover",
)


class Command(BaseCommand):
    help = "首次加载区县、2022年度计划和目标（已加载则不覆盖）；--file 从文件载入一个年度计划（草拟，--open 则开启）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--file",
            action="append",
            dest="files",
            metavar="PATH",
            help="fixture 格式的 JSON 文件（年度计划、阶段任务、区县目标），可多次给出",
        )
        parser.add_argument(
            "--open", action="store_true", help="载入后即开启（目标校核不通过则整体不载入）"
        )
        parser.add_argument("--reason", default="", help="记入修改记录的原因（默认：由文件载入）")
        parser.add_argument("--user", default="", help="记为操作人的用户名（默认：系统）")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["files"]:
            self._load_files(options)
            return
        if PlanYear.objects.filter(year=2022).exists():
            self.stdout.write("2022年度计划已存在，不重复加载（不覆盖在网页中修改过的目标）")
            return
        call_command("loaddata", *FIXTURES, verbosity=options["verbosity"])
        data_changed()  # loaddata writes around the services
        self.stdout.write(self.style.SUCCESS("已加载区县、2022年度计划和目标"))

    def _load_files(self, options: dict[str, Any]) -> None:
        objects: list[dict[str, Any]] = []
        for name in options["files"]:
            try:
                loaded = json.loads(Path(name).read_text(encoding="utf-8"))
            except (OSError, ValueError) as error:
                raise CommandError(f"无法读取文件 {name}：{error}") from error
            if not isinstance(loaded, list):
                raise CommandError(f"{name} 不是 fixture 格式（应为对象列表）")
            objects += loaded
        user = None
        if options["user"]:
            user = User.objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"未知用户：{options['user']}")
        if not Unit.objects.exists():
            call_command("loaddata", UNITS_FIXTURE, verbosity=0)
            data_changed()  # loaddata writes around the services
        names = ", ".join(Path(n).name for n in options["files"])
        reason = options["reason"] or f"由文件载入：{names}"[:100]
        try:
            plan_year = _load(objects, reason=reason, user=user, open_it=options["open"])
        except ValidationError as error:
            raise CommandError("未载入：" + "；".join(str(m) for m in error.messages)) from error
        state = "已开启" if options["open"] else "草拟中，请在网页中核对后开启"
        self.stdout.write(self.style.SUCCESS(f"已载入{plan_year.year}年度计划（{state}）"))


def _by_model(objects: Sequence[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {
        PLAN_YEAR: [],
        MILESTONE: [],
        TARGET: [],
        UNASSIGNED: [],
    }
    for obj in objects:
        model = str(obj.get("model", "")).lower()
        if model not in found:
            raise CommandError(f"不支持的对象：{model or '（未注明 model）'}")
        found[model].append(obj)
    if len(found[PLAN_YEAR]) != 1:
        raise CommandError("文件须含且只含一个年度计划（projects.planyear）")
    return found


def _unit(reference: Any) -> Unit:
    """A unit named by its id (as the fixtures do) or by its name (["驿城区"] or "驿城区")."""
    if isinstance(reference, list) and len(reference) == 1:
        reference = reference[0]
    unit = None
    if isinstance(reference, int) and not isinstance(reference, bool):
        unit = Unit.objects.filter(pk=reference).first()
    elif isinstance(reference, str):
        unit = Unit.objects.filter(name=reference).first()
    if unit is None:
        raise CommandError(f"未知区县：{reference}")
    return unit


def _date(fields: dict[str, Any], name: str) -> Any:
    value = fields.get(name)
    day = parse_date(value) if isinstance(value, str) else None
    if day is None:
        raise CommandError(f"年度计划缺少日期 {name}（格式 YYYY-MM-DD）")
    return day


def _settings(fields: dict[str, Any]) -> services.PlanYearSettings:
    try:
        return services.PlanYearSettings(
            city_new_starts=int(fields["city_new_starts"]),
            city_completions=(
                None if fields.get("city_completions") is None else int(fields["city_completions"])
            ),
            city_carryover=int(fields["city_carryover"]),
            completion_percent=int(fields.get("completion_percent", 70)),
            consent_percent=int(fields.get("consent_percent", 80)),
            implementation_plan_due=_date(fields, "implementation_plan_due"),
            renovation_plans_due=_date(fields, "renovation_plans_due"),
            adjustment_cutoff=_date(fields, "adjustment_cutoff"),
            report_due_day=int(fields.get("report_due_day", 5)),
            trial_months=tuple(fields.get("trial_months") or ()),
            subsidised_units=frozenset(_unit(u).pk for u in fields.get("subsidised_units") or ()),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise CommandError(f"年度计划的字段有误：{error}") from error


def _milestone(fields: dict[str, Any]) -> MilestoneInput:
    try:
        return MilestoneInput(
            key=str(fields.get("key") or ""),
            name=str(fields.get("name") or ""),
            due=_date(fields, "due"),
            percent=int(fields["percent"]),
            basis=str(fields["basis"]),
            measure=str(fields["measure"]),
            requires_all_projects_started=bool(fields.get("requires_all_projects_started")),
            requires_all_projects_completed=bool(fields.get("requires_all_projects_completed")),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise CommandError(f"阶段任务的字段有误：{error}") from error


def _figure(value: Any) -> int | None:
    return None if value is None else int(value)


@writes_data
@transaction.atomic
def _load(
    objects: Sequence[dict[str, Any]], *, reason: str, user: User | None, open_it: bool
) -> PlanYear:
    """Load the year through the services, in one transaction: a refusal anywhere loads nothing."""
    found = _by_model(objects)
    (plan_year_object,) = found[PLAN_YEAR]
    fields = plan_year_object.get("fields") or {}
    year = fields.get("year")
    if not isinstance(year, int):
        raise CommandError("年度计划缺少年度（year）")
    if PlanYear.objects.filter(year=year).exists():
        raise CommandError(f"{year}年度计划已存在，未载入（不覆盖已有的年度计划）")
    file_id = plan_year_object.get("pk")
    for obj in found[MILESTONE] + found[TARGET] + found[UNASSIGNED]:
        reference = (obj.get("fields") or {}).get("plan_year", file_id)
        if reference != file_id:
            raise CommandError(f"{obj.get('model')} 指向的年度计划不是文件中的年度计划")
    plan_year = services.plan_year_create(
        year=year, settings=_settings(fields), reason=reason, user=user
    )
    milestones = [_milestone(obj.get("fields") or {}) for obj in found[MILESTONE]]
    if milestones:
        services.milestones_set(
            plan_year=plan_year, milestones=milestones, reason=reason, user=user
        )
    targets = {}
    for obj in found[TARGET]:
        given = obj.get("fields") or {}
        figures = selectors.Targets(
            _figure(given.get("new_starts")),
            _figure(given.get("completions")),
            _figure(given.get("carryover")),
            str(given.get("completions_reason") or ""),
        )
        if figures != selectors.Targets(None, None, None):
            targets[_unit(given.get("unit"))] = figures
    if targets:
        services.plan_year_targets_set(
            plan_year=plan_year, targets=targets, reason=reason, user=user
        )
    for obj in found[UNASSIGNED]:
        given = obj.get("fields") or {}
        services.plan_year_unassigned_carryover_add(
            plan_year=plan_year,
            households=int(given.get("households") or 0),
            source_note=str(given.get("source_note") or ""),
            reason=reason,
            user=user,
        )
    if open_it:
        services.plan_year_open(plan_year=plan_year, reason=reason, user=user)
    return plan_year
