"""The single-record services behind the clerks' forms: projects with optimistic locking, households
one by one, and start criteria with evidence — each refusing what SPEC §4 forbids and keeping the
start date current."""

import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from projects import services
from projects.choices import Criterion, Opinion, ProjectKind, Role
from projects.models import Household, PlanYear, Project, StartCriterion, Unit, User
from tests.factories import HouseholdFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


def form_data(project: Project, **changes: Any) -> dict[str, Any]:
    """Every editable field of ``project`` as the form would send it, with ``changes``."""
    data = {name: getattr(project, name) for name in services.PROJECT_EDITABLE_FIELDS}
    data.update(changes)
    return data


def balanced(**changes: Any) -> dict[str, Any]:
    """Fields of a new 驿城区 project whose seven sources add up to its 100 万元 estimate."""
    data: dict[str, Any] = {
        "kind": ProjectKind.NEW,
        "name": "幸福里小区",
        "households": 10,
        "buildings": 2,
        "investment": Decimal("100"),
        "fund_central": Decimal("60"),
        "fund_county": Decimal("40"),
    }
    data.update(changes)
    return data


@pytest.fixture
def clerk(programme: None) -> User:
    return UserFactory(role=Role.CLERK, unit=Unit.objects.get(name="驿城区"))


@pytest.fixture
def leader(programme: None) -> User:
    return UserFactory(role=Role.LEADER, unit=Unit.objects.get(name="驿城区"))


def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return SimpleUploadedFile("photo.png", buffer.getvalue(), content_type="image/png")


# --- projects -----------------------------------------------------------------------------------


def test_project_create_writes_history_with_the_clerk(plan_year: PlanYear, clerk: User) -> None:
    """A created project belongs to the given unit and its first history record names the clerk."""
    project = services.project_create(
        plan_year=plan_year, unit=clerk.unit, user=clerk, data=balanced()
    )
    assert project.unit == clerk.unit and project.version == 1
    assert project.history.first().history_user == clerk


def test_project_create_refuses_another_units_project(plan_year: PlanYear, clerk: User) -> None:
    """A clerk cannot create a project for another unit, whatever the caller passes."""
    with pytest.raises(PermissionDenied):
        services.project_create(
            plan_year=plan_year, unit=Unit.objects.get(name="西平县"), user=clerk, data=balanced()
        )
    assert not Project.objects.exists()


@pytest.mark.parametrize(
    ("changes", "warning"),
    [
        ({"fund_county": Decimal("30")}, "各资金来源合计 90 万元与资金概算 100 万元不一致"),
        ({"hazards": ["燃气"], "contents": ["供水"]}, "燃气管线隐患未列入改造内容"),
    ],
)
def test_soft_warnings_need_a_written_explanation(
    plan_year: PlanYear, clerk: User, changes: dict[str, Any], warning: str
) -> None:
    """Funding that does not add up, or a pipeline hazard left out of the contents, is saved only
    with an explanation; the refusal names the warning."""
    with pytest.raises(ValidationError) as refused:
        services.project_create(
            plan_year=plan_year, unit=clerk.unit, user=clerk, data=balanced(**changes)
        )
    assert warning in str(refused.value.message_dict["warning_note"])
    project = services.project_create(
        plan_year=plan_year,
        unit=clerk.unit,
        user=clerk,
        data=balanced(**changes, warning_note="县级配套资金待财政局追加"),
    )
    assert project.warning_note == "县级配套资金待财政局追加"


def test_city_subsidy_outside_the_two_districts_is_a_warning(plan_year: PlanYear) -> None:
    """市级补助 on a 西平县 project needs an explanation (SPEC §4: paid only to 驿城区/经济开发区)."""
    clerk = UserFactory(role=Role.CLERK, unit=Unit.objects.get(name="西平县"))
    data = balanced(fund_county=Decimal("30"), fund_city=Decimal("10"))
    with pytest.raises(ValidationError) as refused:
        services.project_create(plan_year=plan_year, unit=clerk.unit, user=clerk, data=data)
    assert "市级补助只拨付驿城区、经济开发区项目" in str(refused.value)


def test_acceptance_before_completion_is_refused_beside_the_field(
    plan_year: PlanYear, clerk: User
) -> None:
    """Dates out of order are a hard error on the acceptance field, never saved."""
    project = services.project_create(
        plan_year=plan_year, unit=clerk.unit, user=clerk, data=balanced()
    )
    with pytest.raises(ValidationError) as refused:
        services.project_update(
            project_id=project.pk,
            expected_version=project.version,
            user=clerk,
            data=form_data(project, completed_on=date(2022, 9, 1), accepted_on=date(2022, 8, 1)),
        )
    assert "accepted_on" in refused.value.message_dict
    project.refresh_from_db()
    assert project.completed_on is None and project.version == 1


def test_household_count_below_the_roster_is_refused(plan_year: PlanYear, clerk: User) -> None:
    """A project's household count may not drop below its household records (SPEC §4)."""
    project = ProjectFactory(households=3)
    HouseholdFactory.create_batch(3, project=project)
    with pytest.raises(ValidationError) as refused:
        services.project_update(
            project_id=project.pk,
            expected_version=project.version,
            user=clerk,
            data=form_data(project, households=2),
        )
    assert refused.value.message_dict["households"] == ["住户记录 3 户超过项目户数 2 户"]


def test_second_save_from_the_same_version_is_refused_with_what_changed(
    plan_year: PlanYear, clerk: User, leader: User
) -> None:
    """Two people open version 1; the leader saves first; the clerk's save is refused, nothing of it
    is written, and the conflict names the leader and the field they changed, old and new."""
    project = services.project_create(
        plan_year=plan_year, unit=clerk.unit, user=clerk, data=balanced()
    )
    services.project_update(
        project_id=project.pk,
        expected_version=1,
        user=leader,
        data=form_data(project, address="驿城区幸福路8号"),
    )
    with pytest.raises(services.StaleEdit) as stale:
        services.project_update(
            project_id=project.pk,
            expected_version=1,
            user=clerk,
            data=form_data(project, buildings=5),
        )
    conflict = stale.value.conflict
    assert conflict.version == 2
    assert conflict.changed_by == leader.get_username()
    assert [(c.label, c.before, c.after) for c in conflict.changes] == [
        ("地址", "（空）", "驿城区幸福路8号")
    ]
    project.refresh_from_db()
    assert (project.buildings, project.address, project.version) == (2, "驿城区幸福路8号", 2)


def test_a_reordered_list_is_not_a_change(plan_year: PlanYear, clerk: User, leader: User) -> None:
    """改造内容 stored out of the choices' order (as an import may leave it), saved with the same terms
    in another order beside a new address: the other person's conflict lists only 地址, and a list
    sent out of order is stored in the choices' order, free text last."""
    project = ProjectFactory(
        unit=clerk.unit,
        contents=["电力", "燃气", "通信", "垃圾分类设施", "雨污分流", "文体活动场地"],
    )
    services.project_update(
        project_id=project.pk,
        expected_version=1,
        user=leader,
        data=form_data(
            project,
            address="驿城区幸福路8号",
            contents=["电力", "燃气", "通信", "雨污分流", "文体活动场地", "垃圾分类设施"],
        ),
    )
    conflict = services.project_conflict(project_id=project.pk, since_version=1)
    assert [c.label for c in conflict.changes] == ["地址"]
    project.refresh_from_db()
    services.project_update(
        project_id=project.pk,
        expected_version=2,
        user=leader,
        data=form_data(
            project, contents=["自建围墙", "雨污分流", "电力"], linked_tags=["无障碍", "适老化"]
        ),
    )
    project.refresh_from_db()
    assert project.contents == ["电力", "雨污分流", "自建围墙"]
    assert project.linked_tags == ["适老化", "无障碍"]


def test_save_from_the_current_version_goes_through(plan_year: PlanYear, clerk: User) -> None:
    """Saving from the version shown bumps it by one each time."""
    project = services.project_create(
        plan_year=plan_year, unit=clerk.unit, user=clerk, data=balanced()
    )
    for version, buildings in ((1, 3), (2, 4)):
        project = services.project_update(
            project_id=project.pk,
            expected_version=version,
            user=clerk,
            data=form_data(project, buildings=buildings),
        )
    assert (project.version, project.buildings) == (3, 4)


def test_city_office_cannot_update_a_project(plan_year: PlanYear) -> None:
    """The city office reads projects; the services refuse its writes."""
    city = UserFactory(role=Role.CITY, unit=None)
    project = ProjectFactory()
    with pytest.raises(PermissionDenied):
        services.project_update(
            project_id=project.pk, expected_version=1, user=city, data=form_data(project)
        )
    project.refresh_from_db()
    assert project.version == 1


# --- households ---------------------------------------------------------------------------------


def household(room: str, *, agree: bool = True, day: int = 1) -> dict[str, Any]:
    opinion = Opinion.AGREE if agree else Opinion.DISAGREE
    return {
        "building": "1",
        "entrance": "1",
        "room": room,
        "head_name": "张三",
        "phone": "13800001234",
        "plan_opinion": opinion,
        "management_opinion": opinion,
        "answered_on": date(2022, 3, day),
    }


def test_households_one_by_one_move_the_consent_date(plan_year: PlanYear, clerk: User) -> None:
    """5 households need 4 agreeing (4 × 100 ≥ 80 × 5); the 4th agreement, dated March 9th, is the
    consent date, stored on the project."""
    project = ProjectFactory(households=5)
    for i, day in enumerate((2, 5, 7)):
        services.household_create(
            project=project, user=clerk, data=household(str(101 + i), day=day)
        )
    project.refresh_from_db()
    assert project.consent_met_on is None
    services.household_create(project=project, user=clerk, data=household("104", day=9))
    project.refresh_from_db()
    assert project.consent_met_on == date(2022, 3, 9)
    last = Household.objects.get(room="104")
    services.household_update(
        household=last,
        user=clerk,
        data=household("104", agree=False, day=9),
        allow_status_changes=True,
    )
    project.refresh_from_db()
    assert project.consent_met_on is None


def test_household_over_the_project_count_is_refused(plan_year: PlanYear, clerk: User) -> None:
    """A roster never holds more households than the project's count."""
    project = ProjectFactory(households=1)
    services.household_create(project=project, user=clerk, data=household("101"))
    with pytest.raises(ValidationError, match="住户记录 2 户超过项目户数 1 户"):
        services.household_create(project=project, user=clerk, data=household("102"))
    assert project.household_records.count() == 1


def test_removing_a_household_that_would_unstart_a_completed_project_is_refused(
    plan_year: PlanYear, clerk: User
) -> None:
    """A completed project whose consent rests on one household's agreement keeps that household:
    deleting it would leave a completion without a start."""
    project = ProjectFactory(households=1)
    services.household_create(project=project, user=clerk, data=household("101"))
    for key in Criterion.values:
        services.criterion_record(
            project=project,
            criterion=key,
            met_on=date(2022, 4, 1),
            user=clerk,
            evidence=png(),
            contractor="某建设公司" if key == Criterion.CONTRACT_SIGNED else None,
        )
    project.refresh_from_db()
    assert project.started_on == date(2022, 4, 1)
    project.completed_on = date(2022, 5, 1)
    project.save()
    with pytest.raises(ValidationError, match="此修改将使其不再满足开工条件"):
        services.household_delete(household=Household.objects.get(), user=clerk)
    assert Household.objects.count() == 1


def test_household_delete_is_kept_in_history(plan_year: PlanYear, clerk: User) -> None:
    """A removed household leaves a deletion record naming who removed it."""
    project = ProjectFactory(households=2)
    record = services.household_create(project=project, user=clerk, data=household("101"))
    record_id = record.pk
    services.household_delete(household=record, user=clerk)
    deletion = Household.history.filter(id=record_id, history_type="-").get()
    assert deletion.history_user == clerk


# --- criteria -----------------------------------------------------------------------------------


def test_criterion_record_stores_evidence_and_the_contractor(
    plan_year: PlanYear, clerk: User
) -> None:
    """The contract criterion stores its scan under a random name and writes the contractor's name
    on the project (a new version, so an open edit form notices)."""
    project = ProjectFactory()
    row = services.criterion_record(
        project=project,
        criterion=Criterion.CONTRACT_SIGNED,
        met_on=date(2022, 4, 1),
        user=clerk,
        evidence=png(),
        contractor="驻马店市某建设工程有限公司",
    )
    project.refresh_from_db()
    assert project.contractor == "驻马店市某建设工程有限公司" and project.version == 2
    assert row.evidence.name.startswith("evidence/") and "photo" not in row.evidence.name
    assert row.recorded_by == clerk


def test_criterion_after_completion_is_refused(plan_year: PlanYear, clerk: User) -> None:
    """A criterion dated after the recorded completion is refused and nothing is stored."""
    project = ProjectFactory(completed_on=date(2022, 5, 1))
    with pytest.raises(ValidationError, match="完工日期 2022-05-01 早于设计公示日期 2022-06-01"):
        services.criterion_record(
            project=project, criterion=Criterion.DESIGN_POSTED, met_on=date(2022, 6, 1), user=clerk
        )
    assert not StartCriterion.objects.exists()


# --- no date after today (SPEC §4: a recorded date is a fact, not a plan) --------------------------

TODAY = date(2026, 12, 7)


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch) -> date:
    """The services' "today" fixed at 2026-12-07."""
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    return TODAY


def test_a_future_completion_is_refused_beside_the_field(
    plan_year: PlanYear, clerk: User, today: date
) -> None:
    """A 完工日期 of 2031-01-01 is refused under completed_on, naming both dates; nothing is saved."""
    project = services.project_create(
        plan_year=plan_year, unit=clerk.unit, user=clerk, data=balanced(kind=ProjectKind.CARRYOVER)
    )
    with pytest.raises(ValidationError) as refused:
        services.project_update(
            project_id=project.pk,
            expected_version=project.version,
            user=clerk,
            data=form_data(project, completed_on=date(2031, 1, 1)),
        )
    assert refused.value.message_dict["completed_on"] == [
        "完工日期 2031年1月1日 晚于今天（2026年12月7日）：只能填写已经发生的日期"
    ]
    project.refresh_from_db()
    assert project.completed_on is None and project.version == 1


def test_a_future_acceptance_is_refused_at_creation(
    plan_year: PlanYear, clerk: User, today: date
) -> None:
    """A new project accepted tomorrow is refused under accepted_on; completion today is allowed."""
    data = balanced(
        kind=ProjectKind.CARRYOVER, completed_on=date(2026, 12, 7), accepted_on=date(2026, 12, 8)
    )
    with pytest.raises(ValidationError) as refused:
        services.project_create(plan_year=plan_year, unit=clerk.unit, user=clerk, data=data)
    assert list(refused.value.message_dict) == ["accepted_on"]
    assert not Project.objects.exists()


def test_a_future_criterion_date_is_refused(plan_year: PlanYear, clerk: User, today: date) -> None:
    """A 设计公示 dated 2030-04-02 is refused with the issue's message, and no criterion is stored."""
    project = ProjectFactory()
    with pytest.raises(ValidationError) as refused:
        services.criterion_record(
            project=project, criterion=Criterion.DESIGN_POSTED, met_on=date(2030, 4, 2), user=clerk
        )
    assert refused.value.message_dict["met_on"] == [
        "设计公示日期 2030年4月2日 晚于今天（2026年12月7日）：只能填写已经发生的日期"
    ]
    assert not StartCriterion.objects.exists()


def test_a_criterion_dated_today_is_accepted(plan_year: PlanYear, clerk: User, today: date) -> None:
    """Today itself has happened: an on-site date of today is stored."""
    project = ProjectFactory()
    row = services.criterion_record(
        project=project, criterion=Criterion.ON_SITE, met_on=today, user=clerk, evidence=png()
    )
    assert row.met_on == today


def test_a_future_answer_date_is_refused(plan_year: PlanYear, clerk: User, today: date) -> None:
    """A household's agreement dated after today is refused on create and on update."""
    project = ProjectFactory(households=2)
    future = household("101") | {"answered_on": date(2027, 1, 5)}
    with pytest.raises(ValidationError) as refused:
        services.household_create(project=project, user=clerk, data=future)
    assert refused.value.message_dict["answered_on"] == [
        "表态日期 2027年1月5日 晚于今天（2026年12月7日）：只能填写已经发生的日期"
    ]
    record = services.household_create(project=project, user=clerk, data=household("101"))
    with pytest.raises(ValidationError, match="表态日期 2027年1月5日 晚于今天"):
        services.household_update(household=record, user=clerk, data=future)
    record.refresh_from_db()
    assert record.answered_on == date(2022, 3, 1)
