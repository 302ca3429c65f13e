"""The city office's plan-year pages (issue 16): a new year copied from 2022, its settings, milestone
table and unit target table saved with a reason each, refusals shown beside the fields, the opening,
the record of changes; the units' clerks and leaders refused; the list in a fixed number of queries.

Test data for a second year, not a claim about any real year: 2023 with the city totals 1000 new
starts, 800 completions (80 %) and 300 carry-over; 60 % of the new-start households started by
31 May, 80 % completed by 31 December.
"""

from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects import services
from projects.choices import Measure, PlanYearState, Role, TargetBasis
from projects.models import Milestone, PlanYear, Unit, UnitTarget, User
from projects.rules.plan_years import MilestoneInput
from projects.selectors import Targets
from projects.services import PlanYearSettings
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REASON = "依据2023年计划文件录入"
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


@pytest.fixture
def city(programme: None) -> User:
    return UserFactory(username="city", role=Role.CITY, unit=None, first_name="市老旧办张科")


@pytest.fixture
def draft(city: User) -> PlanYear:
    return services.plan_year_create(year=2023, settings=SETTINGS_2023, reason=REASON, user=city)


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def html(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return str(response.content.decode())


def url(name: str, year: int | None = None) -> str:
    return reverse(f"reporting:{name}", kwargs={"year": year} if year else None)


def settings_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "settings-city_new_starts": 1000,
        "settings-city_completions": 800,
        "settings-city_carryover": 300,
        "settings-completion_percent": 80,
        "settings-consent_percent": 80,
        "settings-implementation_plan_due": "2023-02-28",
        "settings-renovation_plans_due": "2023-03-31",
        "settings-adjustment_cutoff": "2023-03-31",
        "settings-report_due_day": 5,
        "settings-reason": "调整设置",
        "save_settings": "1",
    }
    data.update({f"settings-{k}": v for k, v in changes.items()})
    return data


def milestone_data(rows: list[dict[str, Any]], reason: str = REASON) -> dict[str, Any]:
    data: dict[str, Any] = {
        "ms-TOTAL_FORMS": len(rows),
        "ms-INITIAL_FORMS": 0,
        "ms-MIN_NUM_FORMS": 0,
        "ms-MAX_NUM_FORMS": 1000,
        "milestones-reason": reason,
        "save_milestones": "1",
    }
    for i, row in enumerate(rows):
        for name, value in row.items():
            if value is not False:
                data[f"ms-{i}-{name}"] = "on" if value is True else value
    return data


EXAMPLE_ROWS = [
    {
        "key": "carryover_completed",
        "due": "2023-06-30",
        "percent": 100,
        "basis": "carryover",
        "measure": "carryover_completed",
        "requires_all_projects_completed": True,
    },
    {"due": "2023-05-31", "percent": 60, "basis": "new_starts", "measure": "new_started"},
    {"due": "2023-12-31", "percent": 80, "basis": "new_starts", "measure": "new_completed"},
]


def target_data(figures: dict[str, tuple[Any, ...]], reason: str = REASON) -> dict[str, Any]:
    data: dict[str, Any] = {"targets-reason": reason, "save_targets": "1"}
    for unit in Unit.objects.all():
        given = figures.get(unit.name, ("", "", "", ""))
        for name, value in zip(
            ("new_starts", "completions", "carryover", "completions_reason"),
            (*given, "", "", "", "")[:4],
            strict=True,
        ):
            data[f"targets-u{unit.pk}_{name}"] = "" if value is None else value
    return data


# --- a new year ----------------------------------------------------------------------------------


def test_new_year_copied_from_2022(city: User) -> None:
    """The new page proposes 2023 copied from 2022; creating it lands on the edit page of a draft
    with 2022's deadlines moved one year on and its four milestones a year later."""
    client = logged_in(city)
    page = html(client.get(url("plan_year_new")))
    assert 'value="2023"' in page
    response = client.post(
        url("plan_year_new"),
        {
            "year": 2023,
            "source": PlanYear.objects.get(year=2022).pk,
            "city_new_starts": 1000,
            "city_completions": "",
            "city_carryover": 300,
            "reason": REASON,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == url("plan_year_edit", 2023)
    plan_year = PlanYear.objects.get(year=2023)
    assert plan_year.state == PlanYearState.DRAFT
    assert plan_year.city_completions == 700  # 1000 × 70 %, 2022's share
    assert plan_year.adjustment_cutoff == date(2023, 3, 31)
    assert [m.due for m in plan_year.milestones.all()] == [
        date(2023, 6, 30),
        date(2023, 6, 30),
        date(2023, 10, 31),
        date(2023, 12, 31),
    ]
    page = html(client.get(response["Location"]))
    assert 'value="2023-03-31"' in page and "草拟中" in page
    # The draft points to the carry-over of 2022's unfinished projects (续建项目转入).
    assert reverse("reporting:plan_year_rollover", kwargs={"year": 2023}) in page


def test_new_year_without_copy_needs_its_deadlines(city: User) -> None:
    """Nothing copied: the three deadlines are asked for; an existing year is refused."""
    client = logged_in(city)
    page = html(
        client.post(
            url("plan_year_new"),
            {"year": 2023, "city_new_starts": 1000, "city_carryover": 300, "reason": REASON},
        )
    )
    assert page.count("不从往年复制时须填写此日期") == 3
    page = html(
        client.post(
            url("plan_year_new"),
            {
                "year": 2022,
                "source": "",
                "city_new_starts": 1000,
                "city_carryover": 300,
                "implementation_plan_due": "2022-02-28",
                "renovation_plans_due": "2022-03-31",
                "adjustment_cutoff": "2022-03-31",
                "reason": REASON,
            },
        )
    )
    assert "2022年度计划已存在，不能重复新建" in page
    assert not PlanYear.objects.filter(year=2023).exists()


# --- editing a draft -----------------------------------------------------------------------------


def test_settings_saved_with_a_reason(draft: PlanYear, city: User) -> None:
    """The settings section saves what it is given; a blank completion total follows the share."""
    unit = Unit.objects.get(name="驿城区")
    response = logged_in(city).post(
        url("plan_year_edit", 2023),
        settings_data(
            city_new_starts=1200,
            city_completions="",
            report_due_day=10,
            subsidised_units=[unit.pk],
        ),
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.city_new_starts, draft.city_completions, draft.report_due_day) == (1200, 960, 10)
    assert list(draft.subsidised_units.all()) == [unit]
    assert draft.history.first().history_change_reason == "调整设置"  # type: ignore[union-attr]


def test_settings_refused_beside_the_field(draft: PlanYear, city: User) -> None:
    """A city completion total below 80 % of 1000 is refused with the rule's reason."""
    page = html(
        logged_in(city).post(url("plan_year_edit", 2023), settings_data(city_completions=799))
    )
    assert "全市完成改造目标 799 户低于新开工 1000 户的 80%（四舍五入为 800 户）" in page
    draft.refresh_from_db()
    assert draft.city_completions == 800


def test_milestone_table(draft: PlanYear, city: User) -> None:
    """The milestone table saves the example year's three milestones, codes made from the data."""
    response = logged_in(city).post(url("plan_year_edit", 2023), milestone_data(EXAMPLE_ROWS))
    assert response.status_code == 302
    assert [(m.key, m.due, m.percent) for m in draft.milestones.all()] == [
        ("carryover_completed", date(2023, 6, 30), 100),
        ("new_started_60", date(2023, 5, 31), 60),
        ("new_completed_80", date(2023, 12, 31), 80),
    ]
    page = html(logged_in(city).get(url("plan_year_detail", 2023)))
    assert "5月底开工量达60%" in page and "12月底完成改造80%" in page


def test_rows_shown_are_kept_unless_deleted(city: User) -> None:
    """Copied from 2022, the table shows four milestones: sending them back with one changed and
    one ticked 删除 keeps the two untouched, changes the one and deletes the other (an unchanged
    row is a milestone to keep, not a blank row to drop)."""
    y2022 = PlanYear.objects.get(year=2022)
    draft = services.plan_year_create(
        year=2023,
        settings=services.plan_year_prefill(year=2023, source=y2022),
        reason=REASON,
        user=city,
        source=y2022,
    )
    rows: list[dict[str, Any]] = [
        {**m.__dict__, "due": m.due.isoformat()} for m in services.milestones_of(plan_year=draft)
    ]
    rows[1] |= {"due": "2023-05-31", "percent": 60}
    rows[2] |= {"DELETE": True}
    data = milestone_data(rows) | {"ms-INITIAL_FORMS": 4}
    assert logged_in(city).post(url("plan_year_edit", 2023), data).status_code == 302
    assert [(m.key, m.due, m.percent) for m in draft.milestones.all()] == [
        ("carryover_completed", date(2023, 6, 30), 100),
        ("new_started_half", date(2023, 5, 31), 60),
        ("new_completed_70", date(2023, 12, 31), 100),
    ]


def test_milestone_row_refused_beside_its_field(draft: PlanYear, city: User) -> None:
    """A due date in 2024 is refused on its row; nothing is saved."""
    rows = [EXAMPLE_ROWS[0], {**EXAMPLE_ROWS[1], "due": "2024-05-31"}]
    page = html(logged_in(city).post(url("plan_year_edit", 2023), milestone_data(rows)))
    assert "日期须在2023年内" in page
    assert 'value="2024-05-31"' in page
    assert not Milestone.objects.filter(plan_year=draft).exists()


def test_target_table(draft: PlanYear, city: User) -> None:
    """The target table: 驿城区 400 (completions blank → 320), 上蔡县 37 (→ 30, 29.6 half up)."""
    response = logged_in(city).post(
        url("plan_year_edit", 2023),
        target_data({"驿城区": (400, None, 100), "上蔡县": (37, None, 0)}),
    )
    assert response.status_code == 302
    stored = {
        t.unit.name: (t.new_starts, t.completions, t.carryover)
        for t in UnitTarget.objects.filter(plan_year=draft).select_related("unit")
    }
    assert stored == {"驿城区": (400, 320, 100), "上蔡县": (37, 30, 0)}


def test_target_table_refused(draft: PlanYear, city: User) -> None:
    """Completions below the share are refused with the rule's reason naming the unit."""
    page = html(
        logged_in(city).post(url("plan_year_edit", 2023), target_data({"上蔡县": (37, 29)}))
    )
    assert (
        "上蔡县：完成改造目标 29 户低于新开工 37 户的 80%（四舍五入为 30 户），不能少于 30 户"
        in page
    )
    assert not UnitTarget.objects.filter(plan_year=draft).exists()


# --- opening -------------------------------------------------------------------------------------


def test_open_page_lists_what_stands_in_the_way(draft: PlanYear, city: User) -> None:
    """Without milestones the open page says so and its button is disabled; a POST is refused."""
    client = logged_in(city)
    page = html(client.get(url("plan_year_open", 2023)))
    assert "尚未设置阶段任务：至少须有一项" in page and "disabled" in page
    page = html(client.post(url("plan_year_open", 2023), {"reason": "开启"}))
    assert "尚未设置阶段任务：至少须有一项" in page
    draft.refresh_from_db()
    assert draft.state == PlanYearState.DRAFT


def test_open_and_the_record_of_changes(draft: PlanYear, city: User) -> None:
    """Milestones and targets entered, the year opens; its page shows who opened it and the record
    of changes with each reason; its edit page then only says it is open."""
    client = logged_in(city)
    client.post(url("plan_year_edit", 2023), milestone_data(EXAMPLE_ROWS, reason="录入阶段任务"))
    client.post(
        url("plan_year_edit", 2023), target_data({"驿城区": (400, None, 100)}, reason="录入目标")
    )
    assert "目标校核通过" in html(client.get(url("plan_year_open", 2023)))
    response = client.post(url("plan_year_open", 2023), {"reason": "市政府已批准"})
    assert response.status_code == 302
    assert response["Location"] == url("plan_year_detail", 2023)
    draft.refresh_from_db()
    assert (draft.state, draft.opened_by) == (PlanYearState.OPEN, city)
    page = html(client.get(url("plan_year_detail", 2023)))
    assert "市老旧办张科于" in page
    for text in (
        "开启年度计划",
        "市政府已批准",
        "录入阶段任务",
        "录入目标",
        REASON,
        "新建年度计划",
    ):
        assert text in page, text
    page = html(client.get(url("plan_year_edit", 2023)))
    assert "2023年度计划已开启：设置和阶段任务不能再修改" in page
    assert 'name="save_settings"' not in page


def test_an_open_year_is_not_changed_by_a_post(plan_year: PlanYear, city: User) -> None:
    """A POST to an opened year's edit page changes nothing (the page only says it is open)."""
    page = html(logged_in(city).post(url("plan_year_edit", 2022), settings_data(report_due_day=10)))
    assert "2022年度计划已开启" in page
    plan_year.refresh_from_db()
    assert plan_year.report_due_day == 5


# --- who may -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.CLERK, Role.LEADER])
def test_units_are_refused(draft: PlanYear, role: str) -> None:
    """A unit's clerk or leader gets a 403 on every plan-year page, GET or POST, and writes nothing."""
    user = UserFactory(role=role, unit=Unit.objects.get(name="驿城区"))
    client = logged_in(user)
    pages = [url("plan_years"), url("plan_year_new")] + [
        url(name, 2023) for name in ("plan_year_detail", "plan_year_edit", "plan_year_open")
    ]
    for address in pages:
        assert client.get(address).status_code == 403, address
    assert client.post(url("plan_year_open", 2023), {"reason": "x"}).status_code == 403
    assert client.post(url("plan_year_edit", 2023), settings_data()).status_code == 403
    draft.refresh_from_db()
    assert draft.state == PlanYearState.DRAFT and draft.history.count() == 1


def test_administrators_may(draft: PlanYear) -> None:
    """Administrators keep plan years as they keep targets."""
    admin = User.objects.create_superuser("root", password="Zmd-test-2022!")
    page = html(logged_in(admin).get(url("plan_years")))
    assert 'data-year="2023"' in page and 'data-year="2022"' in page


def test_unknown_year_is_404(city: User) -> None:
    assert logged_in(city).get(url("plan_year_detail", 2031)).status_code == 404


# --- the list ------------------------------------------------------------------------------------


def test_list(draft: PlanYear, city: User) -> None:
    """Each year with its state, totals, the new starts entered for units and its milestones."""
    services.milestones_set(
        plan_year=draft,
        milestones=[
            MilestoneInput("a", date(2023, 5, 31), 60, TargetBasis.NEW_STARTS, Measure.NEW_STARTED)
        ],
        reason=REASON,
        user=city,
    )
    page = html(logged_in(city).get(url("plan_years")))
    assert page.index('data-year="2023"') < page.index('data-year="2022"')
    row_2022 = page[page.index('data-year="2022"') :]
    # 2022: 15948 new starts of which the annex units carry 10641; four milestones.
    assert "15948" in row_2022 and "10641" in row_2022
    row_2023 = page[page.index('data-year="2023"') : page.index('data-year="2022"')]
    assert "草拟中" in row_2023 and url("plan_year_open", 2023) in row_2023


def test_list_query_count_is_constant(city: User) -> None:
    """The list costs the same number of queries for one year as for four."""
    client = logged_in(city)
    client.get(url("plan_years"))
    with CaptureQueriesContext(connection) as one:
        html(client.get(url("plan_years")))
    for year in (2023, 2024, 2025):
        settings = PlanYearSettings(
            **{
                **SETTINGS_2023.__dict__,
                "implementation_plan_due": date(year, 2, 28),
                "renovation_plans_due": date(year, 3, 31),
                "adjustment_cutoff": date(year, 3, 31),
            }
        )
        plan_year = services.plan_year_create(
            year=year, settings=settings, reason=REASON, user=city
        )
        services.plan_year_targets_set(
            plan_year=plan_year,
            targets={Unit.objects.get(name="驿城区"): Targets(100, None, None)},
            reason=REASON,
            user=city,
        )
    with CaptureQueriesContext(connection) as four:
        page = html(client.get(url("plan_years")))
    assert page.count("data-year=") == 4
    assert len(four) == len(one), [q["sql"] for q in four.captured_queries]
