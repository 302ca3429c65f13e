"""A deterministic, plausible demo programme for a plan year: projects, households and start evidence.

Everything comes from one ``random.Random(seed)`` and the plan year's own dates and targets, never from
today's date or global randomness, so the same seed always gives the same programme. Start dates are
never computed here: the generator records consent answers and criteria dates, and
``services.projects_refresh_start`` (the one start rule) stores the consent and start dates. Completion
dates are then set from the stored start dates, so they can never precede them.
"""

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.db import transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from . import services
from .choices import (
    LINKED_TAGS,
    MANAGEMENT_MODES,
    OTHER_CONTENTS,
    OTHER_HAZARDS,
    Criterion,
    MilestoneKey,
    Opinion,
    ProjectKind,
)
from .data_version import writes_data
from .models import Household, PlanYear, Project, StartCriterion, UnitTarget
from .rules.arithmetic import least_satisfying, share_reached
from .rules.project_checks import PIPELINES

DEMO_SEED = 2022
CHANGE_REASON = "演示数据"
BATCH = 2000
CENT = Decimal("0.01")


# --- how each unit's year goes ------------------------------------------------------------------


@dataclass(frozen=True)
class UnitProfile:
    """How a unit's demo year unfolds, as shares of its targets in whole percent.

    ``early_percent`` of the new-start target starts by the mid-year milestone; ``early_meets`` says
    whether the started households are pushed just over that share (meets it) or kept under it.
    ``completion_percent`` and ``completion_meets`` do the same for households completed by year end.
    ``late`` projects go on site only after the all-started deadline; ``stalled_consent`` projects never
    reach the residents' consent threshold; ``stalled_contract`` projects never sign a contract.
    ``carryover_late`` carry-over projects are completed after their deadline.
    """

    early_percent: int
    early_meets: bool
    completion_percent: int
    completion_meets: bool
    late: int = 0
    stalled_consent: int = 0
    stalled_contract: int = 0
    carryover_late: int = 0


# Chosen so that the demo dashboard shows every kind of answer: on 2022-06-30 some units reached half
# of their new starts and some did not, some units started everything by 2022-10-31, several reached
# their completion target by year end and some fell short; two units finished their carry-over late.
PROFILES: dict[str, UnitProfile] = {
    "驿城区": UnitProfile(56, True, 75, True),
    "经济开发区": UnitProfile(44, False, 74, True, late=1, stalled_consent=1),
    "遂平县": UnitProfile(60, True, 58, False, carryover_late=1),
    "西平县": UnitProfile(54, True, 73, True, stalled_consent=1, carryover_late=1),
    "上蔡县": UnitProfile(36, False, 52, False),
    "汝南县": UnitProfile(58, True, 74, True, late=1, stalled_contract=1),
    "平舆县": UnitProfile(55, True, 74, True),
}


def _default_profile(rng: random.Random) -> UnitProfile:
    """A profile for a unit the demo has no story for (e.g. a target the city office entered later)."""
    meets = rng.random() < 0.5
    return UnitProfile(
        early_percent=rng.randint(53, 60) if meets else rng.randint(35, 45),
        early_meets=meets,
        completion_percent=rng.randint(73, 78),
        completion_meets=True,
        late=rng.randint(0, 1),
    )


# --- vocabulary ---------------------------------------------------------------------------------

SURNAMES = (
    "王王王王李李李李张张张张刘刘刘陈陈陈杨杨赵赵黄黄周周吴吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董"
    "程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛"
    "邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文付申"
)
GIVEN_CHARS = (
    "建国华明军平伟强丽芳敏静秀英桂兰玉红霞燕刚勇杰涛超磊鹏辉洋艳娟萍琴梅峰波斌海林亮成春新志庆"
    "德文学利荣福贵生祥瑞凤云莲珍娥淑雪宏振俊豪爽欣怡佳宇浩然晨阳子涵梓轩诗雨博思嘉鑫"
)
MOBILE_PREFIXES = (
    "130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152", "155", "156",
    "157", "158", "159", "166", "176", "177", "178", "180", "181", "182", "183", "185", "186",
    "187", "188", "189", "191", "199",
)  # fmt: skip
CITY_ROADS = (
    "解放路", "中华路", "文明路", "雪松路", "练江大道", "驿城大道", "风光路", "交通路", "健康路",
    "正阳路", "新华街", "人民街", "前进路", "五一路", "金山路", "铜山大道", "纬一路", "经二路",
    "置地大道", "开源大道", "乐山大道", "天中山大道", "西园路", "板桥路", "薄山路", "慎阳路",
)  # fmt: skip
COUNTY_ROADS = (
    "建设路", "人民路", "和平街", "文化路", "团结路", "向阳路", "车站路", "新华路", "胜利街",
    "迎宾大道", "解放街", "光明路", "育才路", "东风路", "中山街", "健康路", "工业路", "滨河路",
)  # fmt: skip
INSTITUTIONS = (
    "供销社", "粮食局", "棉纺厂", "卫生局", "水利局", "电业局", "农机公司", "化肥厂", "第一高中",
    "人民医院", "邮电局", "交通局", "烟草公司", "食品公司", "建筑公司", "商业局", "税务局", "法院",
    "检察院", "机械厂", "印刷厂", "酒厂", "物资局", "林业局", "教育局", "中医院", "公路段", "水泥厂",
)  # fmt: skip
ESTATE_WORDS = (
    "幸福", "和平", "建业", "锦绣", "康乐", "怡和", "阳光", "金桂", "翠竹", "育才", "文苑", "福民",
    "安居", "兴华", "丽景", "温馨", "清华", "春晖", "顺河", "富民", "惠民", "长青", "秀水", "天中",
)  # fmt: skip
STREET_OFFICES = (
    "东风街道", "西园街道", "新华街道", "南海街道", "人民街道", "雪松街道", "橡林街道", "顺河街道",
    "老街街道", "城关镇", "东城街道", "西城街道", "南城街道", "北城街道",
)  # fmt: skip
CONTRACTOR_PLACES = ("河南", "驻马店市", "天中", "豫南", "河南省")
CONTRACTOR_WORDS = (
    "鑫源", "宏达", "中原", "华宇", "恒泰", "永安", "建安", "昌盛", "嘉禾", "顺达", "立信", "广厦",
    "金盾", "百川", "诚信", "兴业",
)  # fmt: skip
CONTRACTOR_KINDS = ("建设工程有限公司", "建筑工程有限公司", "市政工程有限公司", "建设集团有限公司")


# --- plain plans, built without the database ----------------------------------------------------


@dataclass
class HouseholdPlan:
    building: str
    entrance: str
    room: str
    head_name: str
    phone: str
    plan_opinion: str
    management_opinion: str
    answered_on: date | None


@dataclass
class CriterionPlan:
    criterion: str
    met_on: date
    no_structures: bool = False
    confirmed_by: str = ""
    note: str = ""


@dataclass(eq=False)
class ProjectPlan:
    """One demo project: its fields, households and criteria, and how its completion is to be dated."""

    unit_id: int
    unit_name: str
    kind: str
    fields: dict[str, Any]
    households: list[HouseholdPlan] = field(default_factory=list)
    criteria: list[CriterionPlan] = field(default_factory=list)
    # New projects chosen to be completed: days of works after the stored start, the earliest date
    # the works can finish, and the days from completion to acceptance (None: not yet accepted).
    build_days: int | None = None
    earliest_completion: date | None = None
    acceptance_lag: int | None = None


@dataclass(frozen=True)
class DemoDates:
    """The plan year's dates the demo steers by, from its milestones where it has them."""

    year: int
    carryover_due: date
    half_due: date
    all_started_due: date
    completion_due: date

    @classmethod
    def for_plan_year(cls, plan_year: PlanYear) -> "DemoDates":
        y = plan_year.year
        dues = {m.key: m.due for m in plan_year.milestones.all()}
        return cls(
            year=y,
            carryover_due=dues.get(MilestoneKey.CARRYOVER_COMPLETED, date(y, 6, 30)),
            half_due=dues.get(MilestoneKey.NEW_STARTED_HALF, date(y, 6, 30)),
            all_started_due=dues.get(MilestoneKey.NEW_ALL_STARTED, date(y, 10, 31)),
            completion_due=dues.get(MilestoneKey.NEW_COMPLETED_70, date(y, 12, 31)),
        )


@dataclass(frozen=True)
class UnitTargetRow:
    unit_id: int
    unit_name: str
    new_starts: int | None
    carryover: int | None
    # Whether the plan year pays 市级补助 to the unit's projects (PlanYear.subsidised_units).
    subsidised: bool = False


def _day_between(rng: random.Random, first: date, last: date) -> date:
    if last <= first:
        return first
    return first + timedelta(days=rng.randint(0, (last - first).days))


class _Generator:
    """Draws every demo value from one seeded ``random.Random`` in a fixed order."""

    def __init__(self, *, seed: int, dates: DemoDates, consent_percent: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 -- reproducible demo data, not secrets
        self.dates = dates
        self.consent_percent = consent_percent
        self.names_used: dict[int, set[str]] = {}

    # people and places

    def person(self) -> str:
        rng = self.rng
        given = "".join(rng.choice(GIVEN_CHARS) for _ in range(rng.choice((1, 2, 2, 2))))
        return rng.choice(SURNAMES) + given

    def mobile(self) -> str:
        return self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def contractor(self) -> str:
        rng = self.rng
        return (
            rng.choice(CONTRACTOR_PLACES)
            + rng.choice(CONTRACTOR_WORDS)
            + rng.choice(CONTRACTOR_KINDS)
        )

    def community(self, unit: UnitTargetRow) -> tuple[str, str]:
        """A community name not yet used in the unit, and its address."""
        rng = self.rng
        used = self.names_used.setdefault(unit.unit_id, set())
        roads = CITY_ROADS if unit.subsidised else COUNTY_ROADS
        while True:
            road = rng.choice(roads)
            number = rng.randint(2, 188)
            style = rng.random()
            if style < 0.4:
                name = f"{road}{number}号院"
            elif style < 0.7:
                name = f"{rng.choice(INSTITUTIONS)}家属院"
            else:
                name = f"{rng.choice(ESTATE_WORDS)}小区"
            if name not in used:
                used.add(name)
                return name, f"{unit.unit_name}{road}{number}号"

    # sizes and money

    def sizes(self, *, total: int, smallest: int, largest: int) -> list[int]:
        """Household counts between ``smallest`` and ``largest`` adding up to exactly ``total``."""
        sizes = []
        remaining = total
        while remaining > largest:
            size = self.rng.randint(smallest, largest)
            if remaining - size < smallest:
                size = remaining - smallest
            sizes.append(size)
            remaining -= size
        sizes.append(remaining)
        return sizes

    def funding(self, *, households: int, subsidised: bool) -> dict[str, Decimal]:
        """An investment estimate and its sources; the county share is the remainder, so they add up."""
        rng = self.rng
        total = Decimal(households * rng.randint(180, 380)) / 100

        def share(low: int, high: int) -> Decimal:
            return (total * rng.randint(low, high) / 100).quantize(CENT, rounding=ROUND_DOWN)

        funds = {
            "fund_central": share(40, 55),
            "fund_provincial": share(8, 15),
            "fund_city": share(5, 10) if subsidised else Decimal("0.00"),
            "fund_social": share(2, 6) if rng.random() < 0.2 else Decimal("0.00"),
            "fund_credit": share(3, 8) if rng.random() < 0.1 else Decimal("0.00"),
            "fund_residents": share(1, 4),
        }
        funds["fund_county"] = total - sum(funds.values(), Decimal(0))
        return {"investment": total.quantize(CENT), **funds}

    def contents(self) -> tuple[list[str], list[str], list[str]]:
        """Survey hazards, renovation contents (every pipeline hazard included, pipelines first) and
        linked-renovation tags."""
        rng = self.rng
        piped = rng.sample(PIPELINES, rng.randint(2, 4))
        hazards = [p for p in PIPELINES if p in piped]
        if rng.random() < 0.4:
            hazards.append(rng.choice(OTHER_HAZARDS))
        extra_pipes = set(rng.sample(PIPELINES, rng.randint(0, 2)))
        contents = [p for p in PIPELINES if p in piped or p in extra_pipes]
        contents += rng.sample(OTHER_CONTENTS, rng.randint(3, 7))
        tags = [t for t in LINKED_TAGS if rng.random() < 0.35]
        return hazards, contents, tags

    # households

    def households(
        self, *, households: int, agreeing: int, window: tuple[date, date], full: bool
    ) -> tuple[list[HouseholdPlan], int]:
        """Dwelling records (all of them, or a few vacant ones left out) with ``agreeing`` dated
        agreements; returns the records and the number of buildings the dwellings fill."""
        rng = self.rng
        floors = rng.randint(5, 7)
        entrances = rng.randint(1, 3)
        per_building = floors * entrances * 2
        buildings = math.ceil(households / per_building)
        dwellings = [
            (str(b), str(e), f"{f}{r:02d}")
            for b in range(1, buildings + 1)
            for e in range(1, entrances + 1)
            for f in range(1, floors + 1)
            for r in (1, 2)
        ]
        records = households if full else households - rng.randint(1, max(1, households // 25))
        records = max(records, agreeing)
        chosen = sorted(rng.sample(range(len(dwellings)), records))
        agree_at = set(rng.sample(range(records), agreeing))
        plans = []
        for index, dwelling in enumerate(dwellings[i] for i in chosen):
            if index in agree_at:
                opinions: tuple[str, str] = (Opinion.AGREE, Opinion.AGREE)
            else:
                roll = rng.random()
                if roll < 0.35:
                    opinions = (Opinion.UNDECIDED, Opinion.UNDECIDED)
                elif roll < 0.6:
                    opinions = (Opinion.DISAGREE, Opinion.DISAGREE)
                elif roll < 0.8:
                    opinions = (Opinion.AGREE, Opinion.DISAGREE)
                else:
                    opinions = (Opinion.DISAGREE, Opinion.AGREE)
            answered = opinions != (Opinion.UNDECIDED, Opinion.UNDECIDED)
            plans.append(
                HouseholdPlan(
                    *dwelling,
                    head_name=self.person(),
                    phone=self.mobile(),
                    plan_opinion=opinions[0],
                    management_opinion=opinions[1],
                    answered_on=_day_between(rng, *window) if answered else None,
                )
            )
        return plans, buildings

    # projects

    def project(self, *, unit: UnitTargetRow, kind: str, households: int) -> ProjectPlan:
        rng = self.rng
        name, address = self.community(unit)
        hazards, contents, tags = self.contents()
        fields: dict[str, Any] = {
            "name": name,
            "address": address,
            "households": households,
            "floor_area": Decimal(households * rng.randint(5500, 10500)) / 100,
            **self.funding(households=households, subsidised=unit.subsidised),
            "hazards": hazards,
            "contents": contents,
            "linked_tags": tags,
            "management_mode": rng.choice(MANAGEMENT_MODES),
            "construction_unit": (
                "经济开发区建设管理局"
                if unit.unit_name == "经济开发区"
                else f"{unit.unit_name}住房和城乡建设局"
            ),
            "supervising_unit": rng.choice(STREET_OFFICES) + "办事处",
            "responsible_person": self.person(),
            "responsible_phone": self.mobile(),
        }
        return ProjectPlan(unit_id=unit.unit_id, unit_name=unit.unit_name, kind=kind, fields=fields)


def _pick(
    projects: Sequence[ProjectPlan], *, percent: int, target: int, reach: bool
) -> list[ProjectPlan]:
    """Projects in the given order whose households just reach ``percent`` % of ``target`` (``reach``)
    or stay strictly under it."""
    picked, total = [], 0
    for project in projects:
        size = project.fields["households"]
        if reach:
            if share_reached(actual=total, target=target, percent=percent):
                break
        elif share_reached(actual=total + size, target=target, percent=percent):
            continue
        picked.append(project)
        total += size
    return picked


def _new_projects(gen: _Generator, unit: UnitTargetRow, profile: UnitProfile) -> list[ProjectPlan]:
    """New-start projects adding up to 100–105 % of the unit's new-start target, with consent,
    criteria and completion plans following the unit's profile."""
    rng, dates = gen.rng, gen.dates
    y = dates.year
    target = unit.new_starts or 0
    total = -(-target * rng.randint(1005, 1045) // 1000)
    largest = min(360, max(72, target // 4))
    projects = [
        gen.project(unit=unit, kind=ProjectKind.NEW, households=size)
        for size in gen.sizes(total=total, smallest=24, largest=largest)
    ]
    # The exceptions are the smallest projects, so that they shift the unit's shares least.
    by_size = sorted(projects, key=lambda p: (p.fields["households"], p.fields["name"]))
    exceptions = iter(by_size)
    stalled_consent = [next(exceptions) for _ in range(profile.stalled_consent)]
    stalled_contract = [next(exceptions) for _ in range(profile.stalled_contract)]
    late = [next(exceptions) for _ in range(profile.late)]
    exception_names = {p.fields["name"] for p in [*stalled_consent, *stalled_contract, *late]}
    regular = [p for p in projects if p.fields["name"] not in exception_names]
    rng.shuffle(regular)
    early = _pick(regular, percent=profile.early_percent, target=target, reach=profile.early_meets)
    early_names = {p.fields["name"] for p in early}
    mid = [p for p in regular if p.fields["name"] not in early_names]

    criteria_floor = date(y, 3, 1)
    starts: dict[str, date] = {}
    for project in projects:
        households = project.fields["households"]
        need = least_satisfying(target=households, percent=gen.consent_percent)
        window_start = _day_between(rng, date(y, 2, 7), date(y, 3, 15))
        window_end = min(window_start + timedelta(days=rng.randint(15, 45)), date(y, 4, 28))
        if project in stalled_consent:
            agreeing = max(0, need - rng.randint(1, max(1, households * 12 // 100)))
        else:
            agreeing = max(need, households * rng.randint(82, 97) // 100)
        full = rng.random() < 0.7
        agreeing = min(agreeing, households if full else households - max(1, households // 25))
        records, buildings = gen.households(
            households=households,
            agreeing=agreeing,
            window=(window_start, window_end),
            full=full,
        )
        project.households = records
        project.fields["buildings"] = buildings

        if project in early:
            start = _day_between(
                rng,
                max(window_end + timedelta(days=rng.randint(5, 20)), date(y, 3, 20)),
                dates.half_due - timedelta(days=2),
            )
        elif project in mid:
            start = _day_between(
                rng, dates.half_due + timedelta(days=1), dates.all_started_due - timedelta(days=3)
            )
        elif project in late:
            start = _day_between(
                rng,
                dates.all_started_due + timedelta(days=2),
                dates.completion_due - timedelta(days=21),
            )
        else:  # stalled: criteria recorded up to where the project is stuck
            start = _day_between(rng, date(y, 7, 1), date(y, 10, 20))
        starts[project.fields["name"]] = start

        on_site = start
        contract = max(on_site - timedelta(days=rng.randint(3, 25)), criteria_floor)
        design = max(contract - timedelta(days=rng.randint(5, 30)), criteria_floor)
        structures = max(design - timedelta(days=rng.randint(0, 25)), criteria_floor)
        none_present = rng.random() < 0.3
        project.criteria = [
            CriterionPlan(
                Criterion.STRUCTURES_CLEARED,
                structures,
                no_structures=none_present,
                confirmed_by=gen.person() if none_present else "",
                note="经现场核查，小区内无违章建筑和临时建筑" if none_present else "",
            ),
            CriterionPlan(Criterion.DESIGN_POSTED, design, note="设计方案已在小区公示栏公示"),
        ]
        if project in stalled_contract:
            project.fields["contractor"] = ""
            continue
        project.fields["contractor"] = gen.contractor()
        project.criteria.append(CriterionPlan(Criterion.CONTRACT_SIGNED, contract))
        if project not in stalled_consent:
            project.criteria.append(
                CriterionPlan(Criterion.ON_SITE, on_site, note="施工队伍已进场，现场有明显形象进度")
            )

    # Completion: the earliest starters first, until the unit's share is reached (or kept under).
    started = sorted([*early, *mid], key=lambda p: (starts[p.fields["name"]], p.fields["name"]))
    for project in _pick(
        started, percent=profile.completion_percent, target=target, reach=profile.completion_meets
    ):
        project.build_days = rng.randint(40, 150)
        project.earliest_completion = _day_between(rng, date(y, 8, 1), date(y, 8, 20))
        project.acceptance_lag = rng.randint(15, 45) if rng.random() < 0.6 else None
    return projects


def _carryover_projects(
    gen: _Generator, unit: UnitTargetRow, profile: UnitProfile
) -> list[ProjectPlan]:
    """2021 carry-over projects adding up to 100–103 % of the unit's carry-over target, completed by
    the deadline except the largest ``carryover_late`` ones."""
    rng, dates = gen.rng, gen.dates
    y = dates.year
    target = unit.carryover or 0
    total = -(-target * rng.randint(1000, 1030) // 1000)
    projects = [
        gen.project(unit=unit, kind=ProjectKind.CARRYOVER, households=size)
        for size in gen.sizes(total=total, smallest=24, largest=min(300, max(60, target // 3)))
    ]
    by_size = sorted(projects, key=lambda p: (-p.fields["households"], p.fields["name"]))
    late = by_size[: profile.carryover_late]
    for project in projects:
        households = project.fields["households"]
        need = least_satisfying(target=households, percent=gen.consent_percent)
        window_start = _day_between(rng, date(y - 1, 3, 1), date(y - 1, 5, 31))
        window_end = window_start + timedelta(days=rng.randint(15, 40))
        agreeing = max(need, households * rng.randint(85, 98) // 100)
        records, buildings = gen.households(
            households=households, agreeing=agreeing, window=(window_start, window_end), full=True
        )
        project.households = records
        project.fields["buildings"] = buildings
        project.fields["contractor"] = gen.contractor()
        if project in late:
            completed = _day_between(
                rng,
                dates.carryover_due + timedelta(days=5),
                dates.carryover_due + timedelta(days=90),
            )
        else:
            completed = _day_between(rng, date(y, 3, 1), dates.carryover_due - timedelta(days=1))
        project.fields["completed_on"] = completed
        accepted = completed + timedelta(days=rng.randint(15, 60))
        if accepted <= dates.completion_due and rng.random() < 0.7:
            project.fields["accepted_on"] = accepted
    return projects


def demo_plan(
    *, units: Sequence[UnitTargetRow], dates: DemoDates, consent_percent: int, seed: int
) -> list[ProjectPlan]:
    """The whole demo programme as plain plans, in a fixed order: the same seed gives the same plans."""
    gen = _Generator(seed=seed, dates=dates, consent_percent=consent_percent)
    plans: list[ProjectPlan] = []
    for unit in units:
        if not (unit.new_starts or unit.carryover):
            continue
        profile = PROFILES.get(unit.unit_name) or _default_profile(gen.rng)
        if unit.new_starts:
            plans += _new_projects(gen, unit, profile)
        if unit.carryover:
            plans += _carryover_projects(gen, unit, profile)
    return plans


# --- writing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoSummary:
    """What ``demo_seed`` did."""

    created: bool
    projects: int
    households: int
    criteria: int


def _completion(plan: ProjectPlan, started_on: date | None, last_day: date) -> date | None:
    """The completion date of a new project chosen to be completed, from its stored start date."""
    if started_on is None or plan.build_days is None or plan.earliest_completion is None:
        return None
    completed = max(started_on + timedelta(days=plan.build_days), plan.earliest_completion)
    if completed <= last_day:
        return completed
    return last_day if started_on + timedelta(days=30) <= last_day else None


@writes_data
@transaction.atomic
def demo_seed(*, plan_year: PlanYear, seed: int = DEMO_SEED) -> DemoSummary:
    """Write the demo programme of ``plan_year`` for every unit with a target.

    When the plan year already has projects (the demo, or real data) nothing is written, so running
    it twice never duplicates anything and never touches real records.
    """
    existing = Project.objects.filter(plan_year=plan_year).count()
    if existing:
        return DemoSummary(False, existing, 0, 0)
    subsidised = set(plan_year.subsidised_units.values_list("id", flat=True))
    units = [
        UnitTargetRow(t.unit_id, t.unit.name, t.new_starts, t.carryover, t.unit_id in subsidised)
        for t in UnitTarget.objects.filter(plan_year=plan_year)
        .select_related("unit")
        .order_by("unit__sort_order", "unit_id")
    ]
    dates = DemoDates.for_plan_year(plan_year)
    plans = demo_plan(
        units=units, dates=dates, consent_percent=plan_year.consent_percent, seed=seed
    )
    bulk_create_with_history(
        [Project(plan_year=plan_year, unit_id=p.unit_id, kind=p.kind, **p.fields) for p in plans],
        Project,
        batch_size=BATCH,
        default_change_reason=CHANGE_REASON,
    )
    ids = {
        (unit_id, name): pk
        for pk, unit_id, name in Project.objects.filter(plan_year=plan_year).values_list(
            "id", "unit_id", "name"
        )
    }
    households = [
        Household(project_id=ids[p.unit_id, p.fields["name"]], **vars(h))
        for p in plans
        for h in p.households
    ]
    criteria = [
        StartCriterion(project_id=ids[p.unit_id, p.fields["name"]], **vars(c))
        for p in plans
        for c in p.criteria
    ]
    bulk_create_with_history(
        households, Household, batch_size=BATCH, default_change_reason=CHANGE_REASON
    )
    bulk_create_with_history(
        criteria, StartCriterion, batch_size=BATCH, default_change_reason=CHANGE_REASON
    )
    services.projects_refresh_start(project_ids=ids.values())

    stored = {
        (p.unit_id, p.name): p
        for p in Project.objects.filter(plan_year=plan_year, kind=ProjectKind.NEW)
    }
    completed = []
    for plan in plans:
        if plan.kind != ProjectKind.NEW:
            continue
        project = stored[plan.unit_id, plan.fields["name"]]
        completed_on = _completion(plan, project.started_on, dates.completion_due)
        if completed_on is None:
            continue
        project.completed_on = completed_on
        if plan.acceptance_lag is not None:
            accepted = completed_on + timedelta(days=plan.acceptance_lag)
            project.accepted_on = accepted if accepted <= dates.completion_due else None
        completed.append(project)
    bulk_update_with_history(
        completed,
        Project,
        ["completed_on", "accepted_on"],
        batch_size=BATCH,
        default_change_reason=CHANGE_REASON,
    )
    return DemoSummary(True, len(plans), len(households), len(criteria))
