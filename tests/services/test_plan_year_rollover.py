"""The year rollover (issue 16): 2022's projects unfinished on 31 December become 2023's carry-over
projects, linked to the projects they continue, with 2023's carry-over targets proposed from their
households; running it again adds nothing. Figures worked out by hand in tests/rollover.py."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from projects import selectors, services
from projects.choices import PlanYearState, ProjectKind, Role
from projects.models import PlanYear, Project, UnitTarget, User
from projects.rules.milestones import MilestoneStatus
from tests.factories import ProjectFactory, UserFactory
from tests.rollover import CARRIED_ON, CITY_PROPOSED, PROPOSED, RolloverWorld, rollover_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(programme: None) -> RolloverWorld:
    return rollover_world()


@pytest.fixture
def city(programme: None) -> User:
    return UserFactory(role=Role.CITY, unit=None)


def carried(year: PlanYear) -> dict[str, set[str]]:
    """The names of ``year``'s carried-on projects, by unit."""
    names: dict[str, set[str]] = {}
    for unit, name in Project.objects.filter(plan_year=year, rolled_from__isnull=False).values_list(
        "unit__name", "name"
    ):
        names.setdefault(unit, set()).add(name)
    return names


def carryover_targets(year: PlanYear) -> dict[str, int | None]:
    return dict(UnitTarget.objects.filter(plan_year=year).values_list("unit__name", "carryover"))


def test_preview_lists_the_unfinished_projects_and_the_proposed_targets(
    world: RolloverWorld,
) -> None:
    """The preview, nothing written: per unit the projects unfinished on 2022-12-31 (completed on
    2023-01-02, never, never started; carry-over still open) and their households — 驿城区 4 projects
    210 households, 西平县 2 and 95, 遂平县 none — and the targets proposed: 210, 95 (replacing the
    500 copied in), 0 for every other unit; the city 305."""
    preview = selectors.rollover_preview(source=world.y2022, target=world.y2023)
    assert preview.problems == ()
    by_unit = {u.unit.name: u for u in preview.units}
    assert {n: {p.name for p in u.projects} for n, u in by_unit.items() if u.projects} == CARRIED_ON
    assert by_unit["驿城区"].households == 210
    assert by_unit["西平县"].households == 95
    assert by_unit["遂平县"].households == 0
    assert (by_unit["西平县"].carryover_now, by_unit["西平县"].carryover_proposed) == (500, 95)
    assert (by_unit["驿城区"].carryover_now, by_unit["驿城区"].carryover_proposed) == (None, 210)
    assert all(u.carryover_proposed == 0 for n, u in by_unit.items() if n not in PROPOSED)
    assert (preview.projects, preview.households) == (6, 305)
    assert (preview.city_carryover_now, preview.city_carryover_proposed) == (500, CITY_PROPOSED)
    assert Project.objects.filter(plan_year=world.y2023).count() == 0


def test_rollover_carries_the_unfinished_projects_on_linked_both_ways(
    world: RolloverWorld, city: User
) -> None:
    """Six carry-over projects in 2023, each naming the 2022 project it continues (and reachable from
    it), with the community's figures; the completion recorded on 2023-01-02 moves with the project,
    no start date (a carry-over has none)."""
    result = services.plan_year_rollover(source=world.y2022, target=world.y2023, user=city)
    assert len(result.created) == 6
    assert carried(world.y2023) == CARRIED_ON
    for name in ("跨年完工小区", "未完工小区", "未开工小区", "续建未完工小区"):
        origin = world.projects[name]
        continued = Project.objects.get(plan_year=world.y2023, name=name)
        assert continued.kind == ProjectKind.CARRYOVER
        assert continued.rolled_from == origin
        assert Project.objects.get(pk=origin.pk).rolled_into == continued
        assert (continued.unit_id, continued.households) == (origin.unit_id, origin.households)
        assert continued.started_on is None
        assert selectors.roster_project(continued) == origin
    assert Project.objects.get(plan_year=world.y2023, name="跨年完工小区").completed_on == date(
        2023, 1, 2
    )
    assert Project.objects.get(plan_year=world.y2023, name="未完工小区").completed_on is None
    history = Project.history.filter(plan_year_id=world.y2023.pk, history_type="+")
    assert {(h.history_user_id, h.history_change_reason) for h in history} == {
        (city.pk, "由2022年度转入续建")
    }


def test_rollover_sets_the_proposed_carryover_targets(world: RolloverWorld, city: User) -> None:
    """驿城区 210, 西平县 95 (its 500 replaced), every other unit 0; the city total 305, so the
    targets reconcile; each change recorded with the rollover as its reason. New-start targets
    are left as they were."""
    services.plan_year_rollover(source=world.y2022, target=world.y2023, user=city)
    targets = carryover_targets(world.y2023)
    assert {n: t for n, t in targets.items() if n in PROPOSED} == PROPOSED
    assert {t for n, t in targets.items() if n not in PROPOSED} == {0}
    assert len(targets) == 11
    year = PlanYear.objects.get(pk=world.y2023.pk)
    assert year.city_carryover == CITY_PROPOSED
    assert selectors.target_reconciliation(plan_year=year).unallocated_carryover == 0
    xiping = UnitTarget.objects.get(plan_year=year, unit__name="西平县")
    assert (xiping.new_starts, xiping.completions) == (500, 400)
    assert xiping.history.first().history_change_reason == "由2022年度转入续建"
    assert year.history.first().history_change_reason == "由2022年度转入续建"


def test_rolling_twice_adds_nothing(world: RolloverWorld, city: User) -> None:
    """A second rollover finds every unfinished project carried on: no project, no target change —
    not even of a target the city office corrected in between."""
    services.plan_year_rollover(source=world.y2022, target=world.y2023, user=city)
    UnitTarget.objects.filter(plan_year=world.y2023, unit__name="驿城区").update(carryover=200)
    again = services.plan_year_rollover(source=world.y2022, target=world.y2023, user=city)
    assert again.created == ()
    assert again.preview.projects == 0 and again.preview.rolled_before == 6
    assert Project.objects.filter(plan_year=world.y2023).count() == 6
    assert carryover_targets(world.y2023)["驿城区"] == 200
    assert PlanYear.objects.get(pk=world.y2023.pk).city_carryover == CITY_PROPOSED


def test_a_name_taken_in_the_new_year_is_held_back_until_renamed(
    world: RolloverWorld, city: User
) -> None:
    """驿城区 already entered 未开工小区 as a 2023 project: the 2022 one (40 households) is held back
    and 驿城区's target is 170. Once the 2023 one is renamed, the next rollover carries it on and
    sets 驿城区 to 210 — 西平县's target, corrected to 90 meanwhile, stays; the city 210 + 90 = 300."""
    clash = ProjectFactory(plan_year=world.y2023, name="未开工小区", households=12)
    first = services.plan_year_rollover(source=world.y2022, target=world.y2023, user=city)
    assert len(first.created) == 5
    assert [p.name for u in first.preview.units for p in u.held_back] == ["未开工小区"]
    assert carryover_targets(world.y2023)["驿城区"] == 170
    assert PlanYear.objects.get(pk=world.y2023.pk).city_carryover == 170 + 95
    Project.objects.filter(pk=clash.pk).update(name="未开工小区（2023年新开工）")
    UnitTarget.objects.filter(plan_year=world.y2023, unit__name="西平县").update(carryover=90)
    second = services.plan_year_rollover(source=world.y2022, target=world.y2023, user=city)
    assert [p.name for p in second.created] == ["未开工小区"]
    assert carryover_targets(world.y2023)["驿城区"] == 210
    assert carryover_targets(world.y2023)["西平县"] == 90
    assert PlanYear.objects.get(pk=world.y2023.pk).city_carryover == 300


def test_the_new_year_judges_carryover_on_its_own_dates(world: RolloverWorld, city: User) -> None:
    """2023's carry-over figures: on 2023-01-01 nothing completed; from 2023-01-02 驿城区 80 (跨年完工
    小区) of its 210, 西平县 70 of 95, the city 150; its own milestone (all carry-over completed by
    30 June) is missed on 30 June by 驿城区 and met by 遂平县 (a target of 0)."""
    services.plan_year_rollover(source=world.y2022, target=world.y2023, user=city)
    year = PlanYear.objects.get(pk=world.y2023.pk)
    new_year = selectors.milestone_report(plan_year=year, as_of=date(2023, 1, 1))
    assert new_year.city.today.carryover_completed == 0
    report = selectors.milestone_report(plan_year=year, as_of=date(2023, 6, 30))
    rows = {r.unit.name: r for r in report.units if r.unit is not None}
    assert rows["驿城区"].today.carryover_completed == 80
    assert rows["驿城区"].targets.carryover == 210
    assert rows["西平县"].today.carryover_completed == 70
    assert report.city.today.carryover_completed == 150
    assert rows["驿城区"].milestones["carryover_done"].status == MilestoneStatus.MISSED
    assert rows["遂平县"].milestones["carryover_done"].status == MilestoneStatus.MET  # target 0


def test_refused_into_an_open_year_or_a_year_not_next(world: RolloverWorld, city: User) -> None:
    """Only into the next year, and only while it is a draft: the reasons say which year."""
    PlanYear.objects.filter(pk=world.y2023.pk).update(state=PlanYearState.OPEN)
    with pytest.raises(ValidationError) as refused:
        services.plan_year_rollover(
            source=world.y2022, target=PlanYear.objects.get(pk=world.y2023.pk), user=city
        )
    assert refused.value.messages == ["2023年度计划已开启，续建项目须在开启前转入"]
    with pytest.raises(ValidationError) as refused:
        services.plan_year_rollover(source=world.y2023, target=world.y2022, user=city)
    assert "2022年度不是2023年度的下一年度" in refused.value.messages[0]
    assert Project.objects.filter(rolled_from__isnull=False).count() == 0


@pytest.mark.parametrize("role", [Role.CLERK, Role.LEADER, Role.ADMIN])
def test_only_the_city_office_rolls_a_year_over(world: RolloverWorld, role: str) -> None:
    """Units' clerks and leaders, and administrators (who write no unit's data), are refused."""
    user = UserFactory(role=role)
    with pytest.raises(PermissionDenied):
        services.plan_year_rollover(source=world.y2022, target=world.y2023, user=user)
    assert Project.objects.filter(plan_year=world.y2023).count() == 0


def test_a_preview_that_no_longer_holds_is_refused(world: RolloverWorld, city: User) -> None:
    """The confirmation names the 6 projects its preview listed; one completed since (7 → 6 would
    be the other way round): refused, nothing written."""
    Project.objects.filter(pk=world.projects["未完工小区"].pk).update(
        completed_on=date(2022, 12, 30)
    )
    with pytest.raises(ValidationError) as refused:
        services.plan_year_rollover(
            source=world.y2022, target=world.y2023, user=city, expected_projects=6
        )
    assert "现有 5 个待转入项目（预览时为 6 个）" in refused.value.messages[0]
    assert Project.objects.filter(plan_year=world.y2023).count() == 0


def test_a_target_loaded_without_history_keeps_its_figure_before_the_proposal(
    world: RolloverWorld, city: User
) -> None:
    """A carry-over target written without a history row (as loaddata writes) gets the snapshot of
    its figure before the proposal replaces it, so its history says 500 → 95."""
    UnitTarget.history.filter(plan_year_id=world.y2023.pk, unit__name="西平县").delete()
    services.plan_year_rollover(source=world.y2022, target=world.y2023, user=city)
    xiping = UnitTarget.objects.get(plan_year=world.y2023, unit__name="西平县")
    assert [
        (h.carryover, h.history_change_reason) for h in xiping.history.order_by("history_id")
    ] == [
        (500, services.BASELINE_REASON),
        (95, "由2022年度转入续建"),
    ]
