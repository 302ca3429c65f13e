"""A deterministic synthetic programme of a given scale, written straight into the database.

Rows are built in Python from one seeded RNG and written with COPY on PostgreSQL (psycopg2's
``copy_expert``) or ``bulk_create`` on SQLite; no history rows are written (the first edit of a
project writes its first one). Each project's consent date and start date are computed by the
portal's own start rule (``projects.rules.start.start_status``) from the very households and
criteria written for it, then checked once more after generation by the service that keeps them
(``services.projects_refresh_start`` must find nothing to change).

A marker table (``bench_marker``) records what was generated, so a second run on the same database
reuses the programme instead of generating it again.
"""

import io
import json
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db import connection, models, transaction

from projects import services
from projects.choices import Criterion, Opinion, ProjectKind, Role
from projects.models import Household, PlanYear, Project, StartCriterion, Unit, UnitTarget, User
from projects.rules.arithmetic import round_half_up_percent
from projects.rules.project_checks import PIPELINES
from projects.rules.start import StartInput, start_status

from .scales import GENERATOR_VERSION, Scale

YEAR = 2022
CHUNK_ROWS = 50_000
# The benchmark's own accounts, on a benchmark database only (the load test logs in with them).
BENCH_PASSWORD = "Bench-zmd-2022!"  # noqa: S105
CITY_USERNAME = "bench_city"
CLERK_PREFIX = "bench_clerk_"
CLERKS = 50
CLERK_UNIT = "驿城区"
# Databases the harness never writes to (the CI suite's and the server's own).
PROTECTED_DATABASES = frozenset({"test", "postgres", "template0", "template1"})

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国玉兰红梅志强海燕文"
STREETS = (
    "解放路", "中华路", "交通路", "人民街", "文化路", "建设路", "雪松路", "驿城大道", "练江大道",
    "天中山大道", "开源大道", "乐山大道", "置地大道", "通达路", "橡林路", "风光路", "骏马路",
)  # fmt: skip
OTHER_CONTENTS = ("屋面防水", "外墙保温", "楼道照明", "道路硬化", "绿化提升", "安防监控", "停车位")
LINKED_TAGS = ("适老化", "适儿化", "无障碍", "海绵城市", "绿色社区", "完整社区", "红色物业")
MODES = ("专业化物业服务", "社区托管", "业主自治管理", "国有物业企业兜底服务")
CITY_SUBSIDY_UNITS = frozenset({"驿城区", "经济开发区"})
RECORDED_AT = datetime(2022, 6, 30, 4, 0, tzinfo=UTC)
CREATED_AT = datetime(2022, 1, 4, 1, 0, tzinfo=UTC)


class DatabaseRefused(Exception):
    """The database named is not one the harness may generate into."""


@dataclass
class Generation:
    """What the generator did: the programme's size, whether it was reused, and how long it took."""

    scale: str
    seed: int
    reused: bool
    seconds: float
    units: int
    projects: int
    households: int
    criteria: int = 0
    start_check_seconds: float = 0.0
    steps: dict[str, float] = field(default_factory=dict)


# --- the marker ---------------------------------------------------------------------------------


def marker_read() -> list[dict[str, Any]]:
    """The programmes recorded in this database (none before the first generation)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_marker (scale varchar(20) NOT NULL, seed integer "
            "NOT NULL, version integer NOT NULL, units integer NOT NULL, projects integer NOT NULL, "
            "households integer NOT NULL, generated_at varchar(40) NOT NULL, seconds real NOT NULL)"
        )
        cursor.execute(
            "SELECT scale, seed, version, units, projects, households, seconds FROM bench_marker"
        )
        names = ("scale", "seed", "version", "units", "projects", "households", "seconds")
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _marker_write(info: Generation) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_marker (scale, seed, version, units, projects, households, "
            "generated_at, seconds) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            [
                info.scale,
                info.seed,
                GENERATOR_VERSION,
                info.units,
                info.projects,
                info.households,
                datetime.now(UTC).isoformat(timespec="seconds"),
                info.seconds,
            ],
        )


# --- writing rows -------------------------------------------------------------------------------


def _copy_text(value: Any) -> str:
    """A value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, list):
        value = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
        text = text.replace("\r", "\\r")
    return text


class RowSink:
    """Rows of one table, written in chunks: COPY on PostgreSQL, bulk_create elsewhere.

    ``fields`` are the model's attribute names (``project_id`` for a foreign key); on PostgreSQL
    they are the columns too. Rows are tuples in that order.
    """

    def __init__(
        self,
        model: type[models.Model],
        fields: Sequence[str],
        *,
        to_text: Callable[[tuple[Any, ...]], str] | None = None,
    ) -> None:
        self.model = model
        self.fields = tuple(fields)
        self.copy = connection.vendor == "postgresql"
        self.to_text = to_text or (lambda row: "\t".join(_copy_text(v) for v in row))
        self.rows: list[Any] = []
        self.count = 0

    def add(self, row: tuple[Any, ...]) -> None:
        if self.copy:
            self.rows.append(self.to_text(row))
        else:
            self.rows.append(self.model(**dict(zip(self.fields, row, strict=True))))
        self.count += 1
        if len(self.rows) >= CHUNK_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        if self.copy:
            buffer = io.StringIO("\n".join(self.rows) + "\n")
            with connection.cursor() as cursor:
                raw = cursor.cursor  # psycopg2's own cursor, for copy_expert
                raw.copy_expert(
                    f"COPY {self.model._meta.db_table} ({', '.join(self.fields)}) FROM STDIN",
                    buffer,
                )
        else:
            self.model.objects.bulk_create(self.rows, batch_size=2_000)  # type: ignore[attr-defined]
        self.rows = []


# --- the programme's shape ----------------------------------------------------------------------


def split_total(
    rng: random.Random, total: int, weights: Sequence[float], minimum: int
) -> list[int]:
    """``total`` split into parts proportional to ``weights``, each at least ``minimum`` (largest
    remainders get the rest)."""
    spare = total - minimum * len(weights)
    if spare < 0:
        raise ValueError(f"{total} cannot give {len(weights)} parts of at least {minimum}")
    whole = sum(weights)
    exact = [spare * w / whole for w in weights]
    parts = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: exact[i] - parts[i], reverse=True)
    for i in order[: spare - sum(parts)]:
        parts[i] += 1
    return [p + minimum for p in parts]


def extra_unit_name(number: int) -> str:
    return f"模拟区县{number:04d}"


def _unit_weights(
    rng: random.Random, units: Sequence[Unit], targets: dict[int, UnitTarget]
) -> list[float]:
    """The fixture's units weigh what their new-start targets say (the unknown ones share the
    city's unallocated remainder); the extra units weigh about as much as an average county."""
    known = [t.new_starts for t in targets.values() if t.new_starts]
    unknown = [u for u in units if u.id in targets and not targets[u.id].new_starts]
    remainder_share = 5307 / max(1, len(unknown))
    average = (sum(known) + 5307) / max(1, len(targets))
    weights = []
    for unit in units:
        target = targets.get(unit.id)
        if target is not None:
            weights.append(float(target.new_starts or remainder_share))
        else:
            weights.append(average * (0.4 + 1.2 * rng.random()))
    return weights


# --- one project --------------------------------------------------------------------------------


@dataclass
class _Dates:
    """Day numbers (ordinals) to dates and their ISO text, computed once per day."""

    cache: dict[int, tuple[date, str]] = field(default_factory=dict)

    def get(self, ordinal: int) -> tuple[date, str]:
        hit = self.cache.get(ordinal)
        if hit is None:
            day = date.fromordinal(ordinal)
            hit = self.cache[ordinal] = (day, day.isoformat())
        return hit


JAN_5 = date(YEAR, 1, 5).toordinal()
FEB_1 = date(YEAR, 2, 1).toordinal()
DEC_31 = date(YEAR, 12, 31).toordinal()


def _money(households: int, rng: random.Random, city_subsidy: bool) -> list[Decimal]:
    """Investment (万元, four places) and its seven sources, adding up exactly; the city subsidy
    only for the units that receive it (SPEC §4)."""
    step = Decimal("0.0001")
    investment = (Decimal(households) * Decimal(2 + 2.5 * rng.random())).quantize(step)
    central = (investment * Decimal("0.45")).quantize(step)
    provincial = (investment * Decimal("0.15")).quantize(step)
    city = (investment * Decimal("0.10")).quantize(step) if city_subsidy else Decimal(0)
    social = (investment * Decimal("0.05")).quantize(step)
    credit = Decimal(0)
    residents = (investment * Decimal("0.03")).quantize(step)
    county = investment - central - provincial - city - social - credit - residents
    return [investment, central, provincial, city, county, social, credit, residents]


class ProgrammeWriter:
    """Builds every project of the programme with its households and criteria, and writes them."""

    def __init__(self, *, rng: random.Random, plan_year: PlanYear, first_id: int) -> None:
        self.rng = rng
        self.plan_year = plan_year
        self.next_id = first_id
        self.dates = _Dates()
        self.names = [s + g1 + g2 for s in SURNAMES for g1 in GIVEN[:12] for g2 in GIVEN[12:]]
        self.projects = RowSink(Project, PROJECT_FIELDS)
        self.households = RowSink(Household, HOUSEHOLD_FIELDS, to_text=_household_text)
        self.criteria = RowSink(StartCriterion, CRITERION_FIELDS)
        # Per unit: households of new projects and of carry-over projects (for the extra targets).
        self.new_households: dict[int, int] = {}
        self.carryover_households: dict[int, int] = {}

    def project(self, *, unit: Unit, number: int, households: int) -> None:
        rng = self.rng
        project_id = self.next_id
        self.next_id += 1
        kind = ProjectKind.NEW if rng.random() < 0.78 else ProjectKind.CARRYOVER
        survey = JAN_5 + int(rng.random() * 110)
        agree_dates = self._households(project_id, households, survey)
        responsible = self.names[int(rng.random() * len(self.names))]
        contractor = ""
        criteria: dict[str, tuple[date, bool, str]] = {}
        if kind == ProjectKind.NEW:
            contract = survey + 20 + int(rng.random() * 70)
            dated = {
                Criterion.STRUCTURES_CLEARED: survey + 5 + int(rng.random() * 35),
                Criterion.DESIGN_POSTED: survey + 10 + int(rng.random() * 50),
                Criterion.CONTRACT_SIGNED: contract,
                Criterion.ON_SITE: contract + 8 + int(rng.random() * 22),
            }
            # Some projects still lack the contract or the team on site.
            gap = rng.random()
            if gap < 0.03:
                del dated[Criterion.CONTRACT_SIGNED]
            elif gap < 0.09:
                del dated[Criterion.ON_SITE]
            no_structures = rng.random() < 0.3
            for key, ordinal in dated.items():
                none_present = no_structures and key == Criterion.STRUCTURES_CLEARED
                criteria[key] = (
                    self.dates.get(ordinal)[0],
                    none_present,
                    responsible if none_present else "",
                )
            if Criterion.CONTRACT_SIGNED in dated:
                contractor = f"驻马店{STREETS[int(rng.random() * len(STREETS))]}建设工程有限公司"

        def met(key: str) -> date | None:
            return criteria[key][0] if key in criteria else None

        structures = criteria.get(Criterion.STRUCTURES_CLEARED)
        status = start_status(
            StartInput(
                applies=kind == ProjectKind.NEW,
                households=households,
                agree_dates=tuple(agree_dates),
                consent_percent=self.plan_year.consent_percent,
                structures_cleared_on=met(Criterion.STRUCTURES_CLEARED),
                no_structures=bool(structures and structures[1]),
                structures_confirmed_by=structures[2] if structures else "",
                design_posted_on=met(Criterion.DESIGN_POSTED),
                contractor=contractor,
                contract_signed_on=met(Criterion.CONTRACT_SIGNED),
                on_site_on=met(Criterion.ON_SITE),
            )
        )
        started_on = status.started_on
        completed: int | None = None
        if kind == ProjectKind.NEW and started_on is not None:
            candidate = started_on.toordinal() + 60 + int(rng.random() * 180)
            completed = candidate if candidate <= DEC_31 else None
        elif kind == ProjectKind.CARRYOVER and rng.random() < 0.92:
            completed = date(YEAR, 1, 10).toordinal() + int(rng.random() * 240)
        accepted: int | None = None
        if completed is not None and rng.random() < 0.6:
            candidate = completed + 5 + int(rng.random() * 40)
            accepted = candidate if candidate <= DEC_31 else None
        money = _money(households, rng, unit.name in CITY_SUBSIDY_UNITS)
        pipelines = [p for p in PIPELINES if rng.random() < 0.6]
        contents = pipelines + [c for c in OTHER_CONTENTS if rng.random() < 0.3]
        hazards = [p for p in pipelines if rng.random() < 0.5]
        street = STREETS[number % len(STREETS)]
        self.projects.add(
            (
                project_id,
                kind.value,
                f"{street}{number}号院",
                f"{unit.name}{street}{number}号",
                max(1, households // 24 + 1),
                households,
                Decimal(households * 85 + int(rng.random() * 2000)),
                *money,
                contents,
                hazards,
                [t for t in LINKED_TAGS if rng.random() < 0.25],
                MODES[int(rng.random() * len(MODES))],
                f"{unit.name}住房和城乡建设局",
                f"{unit.name}{street}街道办事处",
                responsible,
                f"13{int(rng.random() * 1e9):09d}",
                contractor,
                status.criterion("consent").date,
                started_on,
                self.dates.get(completed)[0] if completed else None,
                self.dates.get(accepted)[0] if accepted else None,
                1,
                CREATED_AT,
                CREATED_AT,
                self.plan_year.id,
                unit.id,
                "",
            )
        )
        for key, (met_on, none_present, confirmed_by) in criteria.items():
            self.criteria.add(
                (key.value, met_on, none_present, confirmed_by, "", "", RECORDED_AT, project_id)
            )
        totals = self.new_households if kind == ProjectKind.NEW else self.carryover_households
        totals[unit.id] = totals.get(unit.id, 0) + households

    def _households(self, project_id: int, households: int, survey: int) -> list[date]:
        """The project's full roster; returns the answer dates of the households that agreed to
        both the plan and the management mode."""
        rng = self.rng
        names = self.names
        name_count = len(names)
        # Most communities reach the 80 % consent; about one in eight stays short of it.
        agree_share = (
            0.84 + 0.14 * rng.random() if rng.random() < 0.88 else 0.5 + 0.3 * rng.random()
        )
        span = 20 + int(rng.random() * 50)
        agree_dates = []
        add = self.households.add
        for i in range(households):
            u = rng.random()
            answered: tuple[date, str] | None = None
            if u < agree_share:
                plan = management = Opinion.AGREE.value
                answered = self.dates.get(survey + int(rng.random() * span))
                agree_dates.append(answered[0])
            elif u < agree_share + 0.05:
                plan, management = Opinion.AGREE.value, Opinion.DISAGREE.value
                answered = self.dates.get(survey + int(rng.random() * span))
            else:
                plan = management = Opinion.UNDECIDED.value
            add(
                (
                    project_id,
                    str(i // 24 + 1),
                    str((i // 8) % 3 + 1),
                    f"{(i % 8) // 2 + 1}0{i % 2 + 1}",
                    names[int(rng.random() * name_count)],
                    f"13{int(rng.random() * 1e9):09d}",
                    plan,
                    management,
                    answered[1] if answered else None,
                )
            )
        return agree_dates

    def flush(self) -> None:
        self.projects.flush()
        self.households.flush()
        self.criteria.flush()


PROJECT_FIELDS = (
    "id", "kind", "name", "address", "buildings", "households", "floor_area", "investment",
    "fund_central", "fund_provincial", "fund_city", "fund_county", "fund_social", "fund_credit",
    "fund_residents", "contents", "hazards", "linked_tags", "management_mode", "construction_unit",
    "supervising_unit", "responsible_person", "responsible_phone", "contractor", "consent_met_on",
    "started_on", "completed_on", "accepted_on", "version", "created_at", "updated_at",
    "plan_year_id", "unit_id", "warning_note",
)  # fmt: skip
HOUSEHOLD_FIELDS = (
    "project_id", "building", "entrance", "room", "head_name", "phone", "plan_opinion",
    "management_opinion", "answered_on",
)  # fmt: skip
CRITERION_FIELDS = (
    "criterion", "met_on", "no_structures", "confirmed_by", "evidence", "note", "recorded_at",
    "project_id",
)  # fmt: skip


def _household_text(row: tuple[Any, ...]) -> str:
    """A household row in COPY text format (its texts come from the generator's own vocabulary,
    which holds no tab, newline or backslash)."""
    return "\t".join(str(v) if v is not None else "\\N" for v in row)


# --- the whole programme ------------------------------------------------------------------------


def database_name() -> str:
    return str(connection.settings_dict["NAME"])


def check_database_allowed() -> None:
    if connection.vendor == "postgresql" and database_name() in PROTECTED_DATABASES:
        raise DatabaseRefused(
            f"不在数据库“{database_name()}”中生成基准数据：请用专门的数据库，例如 bench_city"
        )


def programme_ensure(
    *, scale: Scale, seed: int, migrate: bool = True, log: Callable[[str], None] = print
) -> Generation:
    """The programme of ``scale`` in the current database: reused when the marker says it is
    there, generated otherwise (after migrating and loading the fixtures)."""
    check_database_allowed()
    if migrate:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)
    recorded = marker_read()
    for row in recorded:
        if (row["scale"], row["seed"], row["version"]) == (scale.name, seed, GENERATOR_VERSION):
            log(
                f"复用已生成的{scale.name}规模数据（{row['projects']} 个项目，{row['households']} 户）"
            )
            return Generation(
                scale=scale.name,
                seed=seed,
                reused=True,
                seconds=float(row["seconds"]),
                units=row["units"],
                projects=row["projects"],
                households=row["households"],
            )
    if recorded or Project.objects.exists():
        raise DatabaseRefused(
            f"数据库“{database_name()}”已有其他数据（{recorded or '非基准数据'}）；"
            f"请为{scale.name}规模另建数据库"
        )
    return programme_generate(scale=scale, seed=seed, log=log)


@transaction.atomic
def programme_generate(
    *, scale: Scale, seed: int, log: Callable[[str], None] = print
) -> Generation:
    """Generate the programme of ``scale`` (all or nothing)."""
    started = time.perf_counter()
    steps: dict[str, float] = {}
    rng = random.Random(seed)  # noqa: S311 (synthetic data, not security)
    call_command("load_programme", verbosity=0, stdout=io.StringIO())
    plan_year = PlanYear.objects.get(year=YEAR)
    fixture_units = list(Unit.objects.all())
    extra = scale.units - len(fixture_units)
    if extra < 0:
        raise ValueError(f"{scale.name}: fewer units than the fixtures' {len(fixture_units)}")
    Unit.objects.bulk_create(
        Unit(name=extra_unit_name(n), sort_order=200 + n) for n in range(1, extra + 1)
    )
    units = list(Unit.objects.all())
    targets = {t.unit_id: t for t in UnitTarget.objects.filter(plan_year=plan_year)}
    per_unit = split_total(rng, scale.projects, _unit_weights(rng, units, targets), 1)
    sizes = split_total(
        rng, scale.households, [0.35 + 1.3 * rng.random() for _ in range(scale.projects)], 1
    )
    first_id = (Project.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    writer = ProgrammeWriter(rng=rng, plan_year=plan_year, first_id=first_id)
    index = 0
    mark = time.perf_counter()
    for unit, count in zip(units, per_unit, strict=True):
        for number in range(1, count + 1):
            writer.project(unit=unit, number=number, households=sizes[index])
            index += 1
        if index // 5_000 != (index - count) // 5_000:
            log(f"  … {index} 个项目，{writer.households.count} 户")
    writer.flush()
    steps["rows"] = time.perf_counter() - mark
    _targets_and_totals(plan_year=plan_year, units=units, targets=targets, writer=writer)
    _bench_users()
    if connection.vendor == "postgresql":
        mark = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('projects_project', 'id'), "
                "(SELECT MAX(id) FROM projects_project))"
            )
            cursor.execute("ANALYZE")
        steps["analyze"] = time.perf_counter() - mark
    mark = time.perf_counter()
    changed = start_dates_check(project_ids=range(first_id, writer.next_id))
    steps["start_check"] = time.perf_counter() - mark
    if changed:
        raise AssertionError(f"生成的开工日期与开工认定规则不一致：{changed} 个项目被重新计算")
    mark = time.perf_counter()
    _january_reports(plan_year=plan_year, units=units)
    steps["reports"] = time.perf_counter() - mark
    info = Generation(
        scale=scale.name,
        seed=seed,
        reused=False,
        seconds=time.perf_counter() - started,
        units=len(units),
        projects=writer.projects.count,
        households=writer.households.count,
        criteria=writer.criteria.count,
        start_check_seconds=steps["start_check"],
        steps=steps,
    )
    _marker_write(info)
    return info


def start_dates_check(*, project_ids: Iterable[int], chunk: int = 2_000) -> int:
    """Run the portal's own service over the generated projects: it recomputes each stored consent
    and start date from the households and criteria and returns how many it had to change (0)."""
    ids = list(project_ids)
    changed = 0
    for start in range(0, len(ids), chunk):
        changed += services.projects_refresh_start(project_ids=ids[start : start + chunk])
    return changed


def _targets_and_totals(
    *,
    plan_year: PlanYear,
    units: Sequence[Unit],
    targets: dict[int, UnitTarget],
    writer: ProgrammeWriter,
) -> None:
    """Targets for the extra units, near what they plan (some reach them, some do not); the city
    totals grow by as much, so the fixture's unallocated remainder stays what the source says."""
    rng = writer.rng
    new_targets = []
    for unit in units:
        if unit.id in targets:
            continue
        planned = writer.new_households.get(unit.id, 0)
        new_starts = int(planned * (0.9 + 0.2 * rng.random()))
        new_targets.append(
            UnitTarget(
                plan_year=plan_year,
                unit=unit,
                new_starts=new_starts,
                completions=round_half_up_percent(
                    value=new_starts, percent=plan_year.completion_percent
                ),
                carryover=writer.carryover_households.get(unit.id, 0),
            )
        )
    UnitTarget.objects.bulk_create(new_targets, batch_size=2_000)
    if new_targets:
        PlanYear.objects.filter(id=plan_year.id).update(
            city_new_starts=plan_year.city_new_starts + sum(t.new_starts or 0 for t in new_targets),
            city_completions=plan_year.city_completions
            + sum(t.completions or 0 for t in new_targets),
            city_carryover=plan_year.city_carryover + sum(t.carryover or 0 for t in new_targets),
        )


def _bench_users() -> None:
    """The city office's account and the clerks of 驿城区 the load test logs in as (one password
    hash for all: hashing is slow on purpose)."""
    hashed = make_password(BENCH_PASSWORD)
    unit = Unit.objects.get(name=CLERK_UNIT)
    users = [User(username=CITY_USERNAME, role=Role.CITY, password=hashed)]
    users += [
        User(username=f"{CLERK_PREFIX}{n:02d}", role=Role.CLERK, unit=unit, password=hashed)
        for n in range(1, CLERKS + 1)
    ]
    User.objects.bulk_create(users)


def clerk_projects(*, count: int) -> list[int]:
    """The ids of ``count`` projects of the clerks' unit, one per clerk, so concurrent edits never
    touch the same project (the optimistic lock would rightly refuse them)."""
    return list(
        Project.objects.filter(unit__name=CLERK_UNIT, plan_year__year=YEAR)
        .order_by("id")
        .values_list("id", flat=True)[:count]
    )


# Every unit files January's report on 3 February, approved with the stamp and received: the city
# workbook compiles the valid reports, so the benchmark measures it with every unit reported.
REPORT_MONTH = 1
REPORT_APPROVED_AT = datetime(2022, 2, 3, 1, 0, tzinfo=UTC)


def _january_reports(*, plan_year: PlanYear, units: Sequence[Unit]) -> None:
    """January's received report for every unit, its figures frozen from the generated records by
    the portal's own report_figures (the month end's milestone report read once)."""
    from projects.rules.reports import ReportState, report_period_end
    from projects.selectors import milestone_report
    from reporting.models import MonthlyReport
    from reporting.reports import report_digest, report_figures

    as_of = report_period_end(year=plan_year.year, month=REPORT_MONTH)
    milestones = milestone_report(plan_year=plan_year, as_of=as_of)
    reports = []
    for unit in units:
        report = MonthlyReport(
            plan_year=plan_year,
            unit=unit,
            month=REPORT_MONTH,
            state=ReportState.RECEIVED,
            stamp="stamps/bench-stamp.pdf",
            submitted_at=REPORT_APPROVED_AT,
            approved_at=REPORT_APPROVED_AT,
            received_at=REPORT_APPROVED_AT,
        )
        report.figures = report_figures(
            plan_year=plan_year, unit=unit, month=REPORT_MONTH, milestones=milestones
        )
        report.digest = report_digest(report)
        reports.append(report)
    MonthlyReport.objects.bulk_create(reports, batch_size=500)
