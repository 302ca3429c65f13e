"""A plan year as data the city office enters (issue 16): drafted, prefilled from 2022 if wished, its
settings, milestones and unit targets entered with a reason each, then opened — each refusal with
its Chinese reason, and every change in the history with who and why.

Test data for a second year, not a claim about any real year: 2023 with the city totals 1000 new
starts, 800 completions (80 %) and 300 carry-over; milestones 60 % of the new-start households
started by 31 May and 80 % completed by 31 December. Hand-worked figures of the completion rule at
80 %: 400 → 320, 250 → 200, 37 → 29.6 → 30 (half up); 1000 → 800.
"""

from dataclasses import replace
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from projects import selectors, services
from projects.choices import Measure, PlanYearState, Role, TargetBasis
from projects.models import Milestone, PlanYear, Unit, UnitTarget, User
from projects.rules.plan_years import MilestoneInput
from projects.selectors import Targets
from projects.services import MilestonesRefused, PlanYearSettings
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REASON = "依据市政府2023年计划录入"

SETTINGS_2023 = PlanYearSettings(
    city_new_starts=1000,
    city_completions=800,
    city_carryover=300,
    completion_percent=80,
    consent_percent=80,
    implementation_plan_due=date(2023, 2, 28),
    renovation_plans_due=date(2023, 3, 31),
    adjustment_cutoff=date(2023, 3, 31),
    report_due_day=5,
)
MILESTONES_2023 = [
    MilestoneInput(
        "carryover_completed",
        date(2023, 6, 30),
        100,
        TargetBasis.CARRYOVER,
        Measure.CARRYOVER_COMPLETED,
        requires_all_projects_completed=True,
    ),
    MilestoneInput("", date(2023, 5, 31), 60, TargetBasis.NEW_STARTS, Measure.NEW_STARTED),
    MilestoneInput("", date(2023, 12, 31), 80, TargetBasis.NEW_STARTS, Measure.NEW_COMPLETED),
]


@pytest.fixture
def city(programme: None) -> User:
    return UserFactory(username="city", role=Role.CITY, unit=None, first_name="市老旧办张科")


@pytest.fixture
def draft(city: User) -> PlanYear:
    return services.plan_year_create(year=2023, settings=SETTINGS_2023, reason=REASON, user=city)


def unit(name: str) -> Unit:
    return Unit.objects.get(name=name)


def messages_of(error: pytest.ExceptionInfo[ValidationError]) -> list[str]:
    return [str(m) for m in error.value.messages]


def refused(call, *args, **kwargs) -> list[str]:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as error:
        call(*args, **kwargs)
    return messages_of(error)


# --- creating ------------------------------------------------------------------------------------


def test_create_a_draft(draft: PlanYear, city: User) -> None:
    """A new year is a draft with the settings given, no milestones yet, and a history row that
    says who created it and why."""
    draft.refresh_from_db()
    assert draft.state == PlanYearState.DRAFT
    assert (draft.city_new_starts, draft.city_completions, draft.city_carryover) == (1000, 800, 300)
    assert draft.opened_at is None and draft.opened_by is None
    assert draft.milestones.count() == 0
    (record,) = draft.history.all()
    assert (record.history_user, record.history_change_reason) == (city, REASON)


def test_a_blank_city_completion_total_is_the_share(city: User) -> None:
    """Left blank, the city completion total is the new starts × the share, half up: 1000 × 80 %."""
    plan_year = services.plan_year_create(
        year=2023,
        settings=replace(SETTINGS_2023, city_completions=None),
        reason=REASON,
        user=city,
    )
    assert plan_year.city_completions == 800


def test_prefilled_from_2022(city: User) -> None:
    """Prefilled from 2022: its shares, report due day and subsidised units, the deadlines moved
    one year on (2022-02-28 → 2023-02-28, 2022-03-31 → 2023-03-31), no trial months (2022's 1 and 2
    were a first year's trial run), and its four milestones with due dates a year later."""
    y2022 = PlanYear.objects.get(year=2022)
    y2022.trial_months = [1, 2]
    y2022.save()
    settings = replace(
        services.plan_year_prefill(year=2023, source=y2022),
        city_new_starts=1000,
        city_completions=None,
        city_carryover=300,
    )
    assert settings.trial_months == ()
    assert (settings.implementation_plan_due, settings.renovation_plans_due) == (
        date(2023, 2, 28),
        date(2023, 3, 31),
    )
    assert settings.adjustment_cutoff == date(2023, 3, 31)
    assert (settings.completion_percent, settings.consent_percent) == (70, 80)
    plan_year = services.plan_year_create(
        year=2023, settings=settings, reason=REASON, user=city, source=y2022
    )
    assert plan_year.city_completions == 700  # 1000 × 70 %
    assert sorted(plan_year.subsidised_units.values_list("name", flat=True)) == sorted(
        ["驿城区", "经济开发区"]
    )
    assert [(m.key, m.due, m.percent) for m in plan_year.milestones.all()] == [
        ("carryover_completed", date(2023, 6, 30), 100),
        ("new_started_half", date(2023, 6, 30), 50),
        ("new_all_started", date(2023, 10, 31), 100),
        ("new_completed_70", date(2023, 12, 31), 100),
    ]
    assert all(m.history.get().history_change_reason == REASON for m in plan_year.milestones.all())
    # 2022 itself is untouched.
    assert [m.due for m in y2022.milestones.all()] == [
        date(2022, 6, 30),
        date(2022, 6, 30),
        date(2022, 10, 31),
        date(2022, 12, 31),
    ]


@pytest.mark.parametrize(
    ("year", "settings", "expected"),
    [
        (2022, SETTINGS_2023, "2022年度计划已存在，不能重复新建"),
        (1999, SETTINGS_2023, "年度须在 2000 至 2100 之间"),
        (
            2023,
            replace(SETTINGS_2023, city_completions=799),
            "全市完成改造目标 799 户低于新开工 1000 户的 80%（四舍五入为 800 户）",
        ),
        (2023, replace(SETTINGS_2023, adjustment_cutoff=date(2022, 3, 31)), "日期须在2023年内"),
        (2023, replace(SETTINGS_2023, report_due_day=29), "月报报送截止日须在 1 至 28 日之间"),
        (2023, replace(SETTINGS_2023, consent_percent=0), "比例须在 1 至 100 之间"),
    ],
)
def test_create_refused(city: User, year: int, settings: PlanYearSettings, expected: str) -> None:
    """Each refusal of a new year, with its reason; nothing is written."""
    before = PlanYear.objects.count()
    assert refused(
        services.plan_year_create, year=year, settings=settings, reason=REASON, user=city
    ) == [expected]
    assert PlanYear.objects.count() == before


def test_create_needs_a_reason(city: User) -> None:
    """Every change takes a reason."""
    assert refused(
        services.plan_year_create, year=2023, settings=SETTINGS_2023, reason=" ", user=city
    ) == ["请填写修改原因（将记入修改记录）"]


def test_copying_from_a_later_year_is_refused(draft: PlanYear, city: User) -> None:
    """Only an earlier year can be copied."""
    assert refused(
        services.plan_year_create,
        year=2022,
        settings=SETTINGS_2023,
        reason=REASON,
        user=city,
        source=draft,
    ) == ["2022年度计划已存在，不能重复新建"]
    assert refused(
        services.plan_year_create,
        year=2021,
        settings=replace(
            SETTINGS_2023,
            implementation_plan_due=date(2021, 2, 28),
            renovation_plans_due=date(2021, 3, 31),
            adjustment_cutoff=date(2021, 3, 31),
        ),
        reason=REASON,
        user=city,
        source=draft,
    ) == ["只能从更早的年度计划复制（所选为2023年）"]


# --- settings ------------------------------------------------------------------------------------


def test_update_a_draft(draft: PlanYear, city: User) -> None:
    """A draft's settings change with a reason; the subsidised units are kept with the change in
    one history row."""
    settings = replace(
        SETTINGS_2023,
        city_new_starts=1200,
        city_completions=None,
        report_due_day=10,
        trial_months=(1,),
        subsidised_units=frozenset({unit("驿城区").pk}),
    )
    services.plan_year_update(plan_year=draft, settings=settings, reason="调整", user=city)
    draft.refresh_from_db()
    assert (draft.city_new_starts, draft.city_completions) == (1200, 960)  # 1200 × 80 %
    assert (draft.report_due_day, draft.trial_months) == (10, [1])
    assert list(draft.subsidised_units.values_list("name", flat=True)) == ["驿城区"]
    latest = draft.history.first()
    assert latest is not None
    assert (latest.history_change_reason, draft.history.count()) == ("调整", 2)
    assert [u.unit.name for u in latest.subsidised_units.all()] == ["驿城区"]


def test_update_unchanged_is_refused(draft: PlanYear, city: User) -> None:
    assert refused(
        services.plan_year_update, plan_year=draft, settings=SETTINGS_2023, reason="x", user=city
    ) == ["设置与现有数值相同，未作修改"]


def test_an_open_year_refuses_settings(plan_year: PlanYear, city: User) -> None:
    """2022 is open: its settings are refused here."""
    settings = services.plan_year_settings(plan_year=plan_year)
    assert refused(
        services.plan_year_update,
        plan_year=plan_year,
        settings=replace(settings, report_due_day=10),
        reason="x",
        user=city,
    ) == ["2022年度计划已开启：设置和阶段任务不能再修改"]


def test_lowering_a_total_below_the_units_is_refused(draft: PlanYear, city: User) -> None:
    """With 驿城区 400 and 西平县 250 new starts entered (completions 320 and 200), city totals of
    600 and 480 are refused: the units' 400 + 250 = 650 and 320 + 200 = 520 would exceed them."""
    set_targets(draft, city, {"驿城区": (400, None, None), "西平县": (250, None, None)})
    assert refused(
        services.plan_year_update,
        plan_year=draft,
        settings=replace(SETTINGS_2023, city_new_starts=600, city_completions=480),
        reason="x",
        user=city,
    ) == [
        "各区县新开工目标合计 650 户超过全市目标 600 户",
        "各区县完成改造目标合计 520 户超过全市目标 480 户",
    ]


def test_raising_the_share_above_stored_targets_is_refused(draft: PlanYear, city: User) -> None:
    """驿城区's 400 new starts with 320 completions meet 80 %; at 90 % the least is 360, so raising
    the share is refused for what it would do to that target (and to the city's 800 < 900)."""
    set_targets(draft, city, {"驿城区": (400, 320, None)})
    problems = refused(
        services.plan_year_update,
        plan_year=draft,
        settings=replace(SETTINGS_2023, completion_percent=90, city_completions=900),
        reason="x",
        user=city,
    )
    assert problems == [
        "驿城区：完成改造目标 320 户低于新开工 400 户的 90%（四舍五入为 360 户），不能少于 360 户"
    ]


# --- milestones ----------------------------------------------------------------------------------


def test_set_milestones(draft: PlanYear, city: User) -> None:
    """The example year's milestones differ from 2022's: 60 % started by 31 May, 80 % completed by
    31 December on households; blank codes are made from the figure and the share."""
    services.milestones_set(plan_year=draft, milestones=MILESTONES_2023, reason=REASON, user=city)
    rows = [(m.key, m.due, m.percent, m.basis, m.sort_order) for m in draft.milestones.all()]
    assert rows == [
        ("carryover_completed", date(2023, 6, 30), 100, "carryover", 1),
        ("new_started_60", date(2023, 5, 31), 60, "new_starts", 2),
        ("new_completed_80", date(2023, 12, 31), 80, "new_starts", 3),
    ]
    assert {r.history_change_reason for r in Milestone.history.filter(plan_year_id=draft.pk)} == {
        REASON
    }


def test_changing_milestones_keeps_each_by_its_code(draft: PlanYear, city: User) -> None:
    """A second save keeps a milestone's row by its code, changes what changed, deletes what is
    no longer given and adds what is new — each in the history with its reason."""
    services.milestones_set(plan_year=draft, milestones=MILESTONES_2023, reason=REASON, user=city)
    kept = Milestone.objects.get(plan_year=draft, key="new_started_60")
    changed = [
        MilestoneInput(
            "new_started_60", date(2023, 6, 30), 60, TargetBasis.NEW_STARTS, Measure.NEW_STARTED
        ),
        MilestoneInput(
            "new_completed_80",
            date(2023, 12, 31),
            80,
            TargetBasis.NEW_STARTS,
            Measure.NEW_COMPLETED,
        ),
    ]
    services.milestones_set(plan_year=draft, milestones=changed, reason="推迟", user=city)
    assert Milestone.objects.get(plan_year=draft, key="new_started_60").pk == kept.pk
    assert [(m.key, m.due) for m in draft.milestones.all()] == [
        ("new_started_60", date(2023, 6, 30)),
        ("new_completed_80", date(2023, 12, 31)),
    ]
    latest = {
        (r.key, r.history_type)
        for r in Milestone.history.filter(plan_year_id=draft.pk, history_change_reason="推迟")
    }
    # The 60 % milestone changed its date (and order), the 80 % one its order; carry-over deleted.
    assert latest == {
        ("new_started_60", "~"),
        ("new_completed_80", "~"),
        ("carryover_completed", "-"),
    }


def test_unchanged_milestones_are_refused(draft: PlanYear, city: User) -> None:
    services.milestones_set(plan_year=draft, milestones=MILESTONES_2023, reason=REASON, user=city)
    again = services.milestones_of(plan_year=draft)
    assert refused(
        services.milestones_set, plan_year=draft, milestones=again, reason="x", user=city
    ) == ["阶段任务与现有设置相同，未作修改"]


def test_refused_milestones_name_their_rows(draft: PlanYear, city: User) -> None:
    """A refused table says which row and which field: here the second row's due date lies in
    2024 and the third measures started households against the carry-over target."""
    wrong = [
        MILESTONES_2023[0],
        replace(MILESTONES_2023[1], due=date(2024, 5, 31)),
        replace(MILESTONES_2023[1], key="x", basis=TargetBasis.CARRYOVER),
    ]
    with pytest.raises(MilestonesRefused) as error:
        services.milestones_set(plan_year=draft, milestones=wrong, reason=REASON, user=city)
    assert [(p.row, p.field) for p in error.value.problems] == [(1, "due"), (2, "basis")]
    assert messages_of(error)[0] == "第 2 项阶段任务：日期须在2023年内"
    assert draft.milestones.count() == 0


def test_an_open_year_refuses_milestones(plan_year: PlanYear, city: User) -> None:
    milestones = services.milestones_of(plan_year=plan_year)
    assert refused(
        services.milestones_set,
        plan_year=plan_year,
        milestones=milestones[:1],
        reason="x",
        user=city,
    ) == ["2022年度计划已开启：设置和阶段任务不能再修改"]
    assert plan_year.milestones.count() == 4


# --- unit targets --------------------------------------------------------------------------------


def set_targets(
    plan_year: PlanYear,
    user: User,
    figures: dict[str, tuple[int | None, int | None, int | None]],
    reason: str = REASON,
    completions_reason: str = "",
) -> list[UnitTarget]:
    return services.plan_year_targets_set(
        plan_year=plan_year,
        targets={unit(n): Targets(*f, completions_reason) for n, f in figures.items()},
        reason=reason,
        user=user,
    )


def test_set_targets(draft: PlanYear, city: User) -> None:
    """Targets entered for a draft: a blank completion target is the least one (37 × 80 % = 29.6 →
    30, 400 → 320); units not given keep what they have; each change is in the history."""
    set_targets(draft, city, {"驿城区": (400, None, 100), "上蔡县": (37, None, 0)})
    set_targets(draft, city, {"西平县": (250, 200, None)}, reason="补录西平县")
    stored = {
        t.unit.name: (t.new_starts, t.completions, t.carryover)
        for t in UnitTarget.objects.filter(plan_year=draft).select_related("unit")
    }
    assert stored == {
        "驿城区": (400, 320, 100),
        "上蔡县": (37, 30, 0),
        "西平县": (250, 200, None),
    }
    record = UnitTarget.history.filter(plan_year_id=draft.pk, unit__name="西平县").get()
    assert (record.history_user, record.history_change_reason) == (city, "补录西平县")


@pytest.mark.parametrize(
    ("figures", "expected"),
    [
        (
            {"上蔡县": (37, 29, None)},
            "上蔡县：完成改造目标 29 户低于新开工 37 户的 80%（四舍五入为 30 户），不能少于 30 户",
        ),
        (
            {"上蔡县": (37, 31, None)},
            "上蔡县：完成改造目标 31 户高于新开工 37 户的 80%（30 户），须填写提高目标的理由",
        ),
        (
            # 800 + 237 = 1037 new starts; their least completions 640 + 190 (189.6 half up) = 830
            {"驿城区": (800, None, None), "西平县": (237, None, None)},
            "各区县新开工目标合计 1037 户超过全市目标 1000 户；"
            "各区县完成改造目标合计 830 户超过全市目标 800 户",
        ),
        ({"驿城区": (None, None, 301)}, "各区县续建目标合计 301 户超过全市目标 300 户"),
        (
            {"驿城区": (400, None, None), "西平县": (None, 100, None)},
            "西平县：新开工目标与完成改造目标须同时填写或同时空缺",
        ),
    ],
)
def test_targets_refused(
    draft: PlanYear, city: User, figures: dict[str, tuple[int | None, ...]], expected: str
) -> None:
    """Each way the target rule refuses a draft's figures, with its reason; nothing is written."""
    assert refused(set_targets, draft, city, figures) == expected.split("；")
    assert not UnitTarget.objects.filter(plan_year=draft).exists()


def test_a_higher_completion_target_with_a_reason(draft: PlanYear, city: User) -> None:
    """Above the share with a reason is accepted, and the reason is kept with the figure."""
    (target,) = set_targets(
        draft, city, {"上蔡县": (37, 31, None)}, completions_reason="县政府加码"
    )
    assert (target.completions, target.completions_reason) == (31, "县政府加码")


def test_unchanged_targets_are_refused(draft: PlanYear, city: User) -> None:
    set_targets(draft, city, {"驿城区": (400, None, None)})
    assert refused(set_targets, draft, city, {"驿城区": (400, 320, None)}) == [
        "目标与现有数值相同，未作修改"
    ]


def test_an_open_year_refuses_draft_targets(plan_year: PlanYear, city: User) -> None:
    """2022's targets change only through the recorded target maintenance, one unit at a time."""
    assert refused(set_targets, plan_year, city, {"确山县": (100, None, None)}) == [
        "2022年度计划已开启：目标只能在“目标维护”页面逐个区县修改（须填写原因）"
    ]
    target = services.unit_target_set(
        plan_year=plan_year,
        unit=unit("确山县"),
        new_starts=100,
        completions=None,
        carryover=None,
        reason="补录",
        user=city,
    )
    assert target.completions == 70


# --- opening -------------------------------------------------------------------------------------


def test_open_needs_milestones(draft: PlanYear, city: User) -> None:
    """A year without milestones is not opened; it stays a draft."""
    assert refused(services.plan_year_open, plan_year=draft, reason="开启", user=city) == [
        "尚未设置阶段任务：至少须有一项"
    ]
    draft.refresh_from_db()
    assert draft.state == PlanYearState.DRAFT


def test_open_refuses_every_target_problem(draft: PlanYear, city: User) -> None:
    """Figures written around the services (as an admin's raw edit would) are caught at opening:
    驿城区's completions 300 < 400 × 80 % = 320, and 驿城区 900 + 西平县 250 = 1150 > 1000."""
    services.milestones_set(plan_year=draft, milestones=MILESTONES_2023, reason=REASON, user=city)
    UnitTarget.objects.create(plan_year=draft, unit=unit("驿城区"), new_starts=900, completions=720)
    UnitTarget.objects.create(plan_year=draft, unit=unit("西平县"), new_starts=250, completions=200)
    UnitTarget.objects.create(plan_year=draft, unit=unit("遂平县"), new_starts=400, completions=300)
    assert refused(services.plan_year_open, plan_year=draft, reason="开启", user=city) == [
        "遂平县：完成改造目标 300 户低于新开工 400 户的 80%（四舍五入为 320 户），不能少于 320 户",
        "各区县新开工目标合计 1550 户超过全市目标 1000 户",
        "各区县完成改造目标合计 1220 户超过全市目标 800 户",
    ]


def test_open(draft: PlanYear, city: User) -> None:
    """With milestones and targets that pass the rule the draft opens: who and when are recorded,
    the opening's reason is in the history, and the units now see the year."""
    clerk = UserFactory(role=Role.CLERK, unit=unit("驿城区"))
    assert not selectors.plan_years_visible(user=clerk).filter(year=2023).exists()
    services.milestones_set(plan_year=draft, milestones=MILESTONES_2023, reason=REASON, user=city)
    set_targets(draft, city, {"驿城区": (400, None, 100), "西平县": (250, None, 200)})
    before = timezone.now()
    opened = services.plan_year_open(plan_year=draft, reason="市政府批准", user=city)
    opened.refresh_from_db()
    assert opened.state == PlanYearState.OPEN
    assert opened.opened_by == city and opened.opened_at is not None
    assert opened.opened_at >= before and timezone.is_aware(opened.opened_at)
    assert opened.history.first().history_change_reason == "市政府批准"
    assert selectors.plan_years_visible(user=clerk).filter(year=2023).exists()
    assert refused(services.plan_year_open, plan_year=opened, reason="再开", user=city) == [
        "2023年度计划已开启，不能重复开启"
    ]


def test_units_see_open_years_only(draft: PlanYear, city: User) -> None:
    """The door: a unit's clerk and leader see 2022 (open), not the 2023 draft; the city office and
    administrators see both."""
    admin = User.objects.create_superuser("root", password="Zmd-test-2022!")
    leader = UserFactory(role=Role.LEADER, unit=unit("西平县"))
    for user, years in ((leader, [2022]), (city, [2023, 2022]), (admin, [2023, 2022])):
        assert [p.year for p in selectors.plan_years_visible(user=user)] == years
