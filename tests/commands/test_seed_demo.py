"""seed_demo: a deterministic, plausible 2022 demo programme that keeps every rule of the portal."""

import io
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Sum

from projects import selectors
from projects.choices import Opinion, ProjectKind
from projects.models import Household, PlanYear, Project, StartCriterion, UnitTarget
from projects.rules.milestones import MilestoneStatus
from projects.rules.project_checks import funding_problems, missing_pipeline_contents

pytestmark = pytest.mark.django_db

FIXTURES = ("fixtures/units.json", "fixtures/plan_year_2022.json", "fixtures/targets_2022.json")
PROJECT_IGNORED = {"id", "created_at", "updated_at", "plan_year", "unit"}


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every demo value that matters, keyed by natural keys (ids and timestamps differ between runs)."""
    fields = [f.attname for f in Project._meta.concrete_fields if f.name not in PROJECT_IGNORED]
    return {
        "projects": list(
            Project.objects.order_by("unit__sort_order", "name").values_list("unit__name", *fields)
        ),
        "households": list(
            Household.objects.order_by(
                "project__unit__sort_order", "project__name", "building", "entrance", "room"
            ).values_list(
                "project__unit__name",
                "project__name",
                "building",
                "entrance",
                "room",
                "head_name",
                "phone",
                "plan_opinion",
                "management_opinion",
                "answered_on",
            )
        ),
        "criteria": list(
            StartCriterion.objects.order_by(
                "project__unit__sort_order", "project__name", "criterion"
            ).values_list(
                "project__unit__name",
                "project__name",
                "criterion",
                "met_on",
                "no_structures",
                "confirmed_by",
                "note",
            )
        ),
    }


def test_the_seed_alone_determines_the_data(programme: None) -> None:
    """Two runs with the default seed on empty databases write exactly the same projects, households
    and criteria; another --seed writes another programme (that also keeps every DB constraint)."""
    with transaction.atomic():
        seed()
        first = snapshot()
        transaction.set_rollback(True)
    with transaction.atomic():
        seed("--seed", "7")
        other = snapshot()
        transaction.set_rollback(True)
    assert not Project.objects.exists()
    seed()
    assert snapshot() == first
    assert first["projects"] and first["households"] and first["criteria"]
    assert other["households"] != first["households"]


def test_existing_projects_are_left_alone(programme: None) -> None:
    """A plan year that already has real projects gets no demo data at all."""
    from tests.factories import ProjectFactory

    ProjectFactory(name="真实项目")
    seed()
    assert list(Project.objects.values_list("name", flat=True)) == ["真实项目"]
    assert not Household.objects.exists()


def test_missing_plan_year_is_a_clear_error(db: None) -> None:
    """Without the 2022 fixtures the command stops and says which fixtures to load."""
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="load_programme"):
        seed()


@pytest.fixture(scope="class")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The fixtures and the default demo, written once for the class and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("loaddata", *FIXTURES, verbosity=0)
        seed()
        yield
        transaction.set_rollback(True)


@pytest.mark.usefixtures("demo")
class TestDemoData:
    """Properties of the default demo programme, checked against the rules rather than its output."""

    def test_second_run_changes_nothing(self) -> None:
        """Running seed_demo on a database that already has the demo neither duplicates nor alters
        it."""
        before = snapshot()
        assert "未做任何更改" in seed()
        assert snapshot() == before

    def test_household_records_never_exceed_households(self) -> None:
        """No project has more household records than its 户数 (SPEC §4)."""
        counts = Project.objects.annotate(records=Count("household_records"))
        assert counts.exists()
        for project in counts:
            assert 0 < project.records <= project.households, project.name

    def test_stored_start_dates_are_the_start_rule(self) -> None:
        """Every stored consent and start date equals what the one start rule computes from the
        records; carry-over projects have no start date."""
        projects = list(Project.objects.select_related("plan_year"))
        statuses = selectors.start_statuses(projects=projects)
        for project in projects:
            status = statuses[project.id]
            assert project.consent_met_on == status.criterion("consent").date, project.name
            if project.kind == ProjectKind.NEW:
                assert project.started_on == status.started_on, project.name
            else:
                assert project.started_on is None, project.name

    def test_funding_sources_add_up(self) -> None:
        """Each investment estimate equals the sum of its sources, and only 驿城区 and 经济开发区 get
        市级补助."""
        for project in Project.objects.select_related("unit"):
            funding = selectors.project_funding(project)
            assert project.investment > 0
            subsidised = selectors.subsidised_unit_names(plan_year_id=project.plan_year_id)
            assert subsidised == ("驿城区", "经济开发区")
            problems = funding_problems(
                unit=project.unit.name, funding=funding, subsidised_units=subsidised
            )
            assert problems == (), project.name

    def test_pipeline_hazards_are_all_renovated(self) -> None:
        """应改尽改: every pipeline hazard found in the survey is in the renovation contents."""
        for project in Project.objects.all():
            missing = missing_pipeline_contents(
                hazards=set(project.hazards), contents=set(project.contents)
            )
            assert missing == (), project.name

    def test_dates_are_in_order_and_in_season(self) -> None:
        """Completion follows the start and acceptance follows completion; new projects finish in
        Aug–Dec 2022, their residents answered in Feb–Apr 2022, and carry-over projects have no start."""
        for project in Project.objects.all():
            if project.completed_on and project.started_on:
                assert project.completed_on >= project.started_on
            if project.accepted_on:
                assert project.completed_on and project.accepted_on >= project.completed_on
            if project.kind == ProjectKind.NEW and project.completed_on:
                assert date(2022, 8, 1) <= project.completed_on <= date(2022, 12, 31)
        new_answers = Household.objects.filter(project__kind=ProjectKind.NEW).exclude(
            plan_opinion=Opinion.UNDECIDED, management_opinion=Opinion.UNDECIDED
        )
        assert not new_answers.filter(answered_on__isnull=True).exists()
        assert not new_answers.exclude(
            answered_on__range=(date(2022, 2, 1), date(2022, 4, 30))
        ).exists()
        criteria_dates = StartCriterion.objects.values_list("met_on", flat=True)
        assert all(date(2022, 3, 1) <= d <= date(2022, 12, 31) for d in criteria_dates)

    def test_households_add_up_to_the_targets(self) -> None:
        """Each unit's new projects hold 100–105 % of its new-start target and its carry-over projects
        about its carry-over target (100–103 %); units without a target get no projects."""
        sums: dict[tuple[int, str], int] = {
            (row["unit_id"], row["kind"]): row["total"]
            for row in Project.objects.values("unit_id", "kind")
            .order_by()
            .annotate(total=Sum("households"))
        }
        for target in UnitTarget.objects.all():
            new = sums.get((target.unit_id, ProjectKind.NEW), 0)
            carry = sums.get((target.unit_id, ProjectKind.CARRYOVER), 0)
            new_starts = target.new_starts or 0
            carryover = target.carryover or 0
            assert 100 * new_starts <= new * 100 <= 105 * new_starts, target.unit.name
            assert 100 * carryover <= carry * 100 <= 103 * carryover, target.unit.name

    def test_household_records_are_a_demo_sized_set(self) -> None:
        """The demo writes a few thousand to 20,000 household records with plausible mobiles and
        names."""
        count = Household.objects.count()
        assert 3000 <= count <= 20000
        for name, phone in Household.objects.values_list("head_name", "phone")[:500]:
            assert 2 <= len(name) <= 3
            assert len(phone) == 11 and phone.startswith("1") and phone.isdigit()

    def test_most_projects_reach_consent_some_do_not(self) -> None:
        """Most new projects reach 80 % agreement, at least one does not."""
        projects = Project.objects.filter(kind=ProjectKind.NEW)
        reached = projects.filter(consent_met_on__isnull=False).count()
        assert 0 < projects.count() - reached < reached

    def test_dashboard_shows_every_kind_of_outcome(self) -> None:
        """Judged on their due dates, some units meet and some miss each 2022 new-start milestone, and
        most but not all new projects have started by 2022-10-31."""
        plan_year = PlanYear.objects.get(year=2022)
        for key, as_of in (
            ("new_started_half", date(2022, 6, 30)),
            ("new_all_started", date(2022, 10, 31)),
            ("new_completed_70", date(2022, 12, 31)),
            ("carryover_completed", date(2022, 6, 30)),
        ):
            report = selectors.milestone_report(plan_year=plan_year, as_of=as_of)
            outcomes = Counter(row.milestones[key].status for row in report.units)
            assert outcomes[MilestoneStatus.MET] >= 1, key
            assert outcomes[MilestoneStatus.MISSED] >= 1, key
        new = Project.objects.filter(kind=ProjectKind.NEW)
        started = new.filter(started_on__lte=date(2022, 10, 31)).count()
        assert new.count() / 2 < started < new.count()

    def test_community_names_are_unique_and_plausible(self) -> None:
        """Community names are unique per unit and read like 院、小区 or 家属院 names with an address
        in the unit."""
        names: dict[int, list[str]] = defaultdict(list)
        for project in Project.objects.select_related("unit"):
            names[project.unit_id].append(project.name)
            assert project.name.endswith(("院", "小区")), project.name
            assert project.address.startswith(project.unit.name)
            assert project.buildings >= 1
            assert project.floor_area > 0
        for unit_names in names.values():
            assert len(unit_names) == len(set(unit_names))
