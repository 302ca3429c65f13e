"""One write path (issue 13, part 5): the admin never writes targets, projects, criteria or
households around the services; those models are read-only there and point to the portal page that
writes them (with its reason, version check, 情况说明, date checks and start-date refresh)."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.admin import site
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.test import Client, RequestFactory
from django.urls import reverse

from projects import services
from projects.choices import Criterion, Role
from projects.models import (
    AcceptanceRecord,
    Approval,
    CoordinatedConstructionPlan,
    FundReceipt,
    Household,
    Participant,
    PlanYear,
    Project,
    StartCriterion,
    Unit,
    UnitTarget,
    User,
)
from projects.services import StaleEdit
from tests.factories import HouseholdFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(programme: None) -> User:
    user = UserFactory(role=Role.ADMIN, unit=None, is_staff=True, is_superuser=True)
    user.save()
    return user


@pytest.fixture
def client_admin(client: Client, superuser: User) -> Client:
    client.force_login(superuser)
    return client


def yicheng_target(plan_year: PlanYear) -> UnitTarget:
    return UnitTarget.objects.get(plan_year=plan_year, unit__name="驿城区")


def test_a_target_cannot_be_set_in_the_admin(client_admin: Client, plan_year: PlanYear) -> None:
    """驿城区's completion target of 3363 stays when an admin POSTs 1 without a reason, on the change
    page or as a bulk edit of the list; the list points to the target page."""
    target = yicheng_target(plan_year)
    assert target.completions == 3363
    change = reverse("admin:projects_unittarget_change", args=[target.pk])
    response = client_admin.post(
        change,
        {"plan_year": plan_year.pk, "unit": target.unit_id, "new_starts": 4804, "completions": 1},
    )
    assert response.status_code == 403
    changelist = reverse("admin:projects_unittarget_changelist")
    response = client_admin.post(
        changelist,
        {
            "form-TOTAL_FORMS": 1,
            "form-INITIAL_FORMS": 1,
            "form-0-id": target.pk,
            "form-0-completions": 1,
            "_save": "保存",
        },
    )
    target.refresh_from_db()
    assert target.completions == 3363
    html = client_admin.get(changelist).content.decode()
    assert reverse("reporting:targets") in html and "须填写调整原因" in html


@pytest.mark.parametrize("page", ["add", "change", "delete"])
def test_no_target_page_writes(client_admin: Client, plan_year: PlanYear, page: str) -> None:
    """Adding, changing and deleting a unit target in the admin are refused (403)."""
    target = yicheng_target(plan_year)
    args = [] if page == "add" else [target.pk]
    response = client_admin.post(reverse(f"admin:projects_unittarget_{page}", args=args), {})
    assert response.status_code == 403
    assert UnitTarget.objects.filter(pk=target.pk).exists()


def test_a_plan_years_city_target_cannot_be_set_in_the_admin(
    client_admin: Client, plan_year: PlanYear
) -> None:
    """The city's new-start target stays when an admin POSTs 1 on the plan year's change page, adds a
    plan year or bulk-deletes; the page points to the target page and to load_programme."""
    assert plan_year.city_new_starts == 15948
    change = reverse("admin:projects_planyear_change", args=[plan_year.pk])
    data = {
        "year": 2022, "city_new_starts": 1, "city_completions": 11164, "city_carryover": 4676,
        "completion_percent": 70, "consent_percent": 80, "implementation_plan_due": "2022-02-28",
        "renovation_plans_due": "2022-03-31", "adjustment_cutoff": "2022-03-31", "report_due_day": 5,
        "milestones-TOTAL_FORMS": 0, "milestones-INITIAL_FORMS": 0,
    }  # fmt: skip
    assert client_admin.post(change, data).status_code == 403
    add = reverse("admin:projects_planyear_add")
    assert client_admin.post(add, {**data, "year": 2023}).status_code == 403
    changelist = reverse("admin:projects_planyear_changelist")
    client_admin.post(
        changelist, {"action": "delete_selected", "_selected_action": [plan_year.pk], "post": "yes"}
    )
    plan_year.refresh_from_db()
    assert plan_year.city_new_starts == 15948 and plan_year.milestones.exists()
    assert PlanYear.objects.count() == 1
    html = client_admin.get(change).content.decode()
    assert reverse("reporting:targets") in html and "load_programme" in html


def project_post(project: Project, **changes: Any) -> dict[str, Any]:
    """What the old admin change form posted for ``project``, with ``changes``."""
    data: dict[str, Any] = {
        "plan_year": project.plan_year_id, "unit": project.unit_id, "kind": project.kind,
        "name": project.name, "households": project.households, "buildings": project.buildings,
        "floor_area": project.floor_area, "investment": project.investment,
        "contents": "[]", "hazards": "[]", "linked_tags": "[]",
        "criteria-TOTAL_FORMS": 0, "criteria-INITIAL_FORMS": 0,
    }  # fmt: skip
    data.update(changes)
    return data


def test_a_project_cannot_be_saved_around_the_version_check(
    client_admin: Client, plan_year: PlanYear
) -> None:
    """An admin save of a project (a city subsidy outside 驿城区 with no 情况说明, a completion in 2031)
    is refused; the project keeps version 1 and its fields, and the page links to the portal's
    project page."""
    project = ProjectFactory(unit=Unit.objects.get(name="西平县"))
    url = reverse("admin:projects_project_change", args=[project.pk])
    data = project_post(project, fund_city="10", completed_on="2031-01-01")
    assert client_admin.post(url, data).status_code == 403
    project.refresh_from_db()
    assert project.version == 1 and project.completed_on is None and project.fund_city == 0
    html = client_admin.get(url).content.decode()
    assert reverse("project_detail", args=[project.pk]) in html
    assert client_admin.post(reverse("admin:projects_project_add"), data).status_code == 403


def test_projects_and_households_have_no_bulk_delete(
    client_admin: Client, plan_year: PlanYear
) -> None:
    """The changelists offer no delete action, and posting it deletes nothing."""
    household = HouseholdFactory()
    for model, pk in (("project", household.project_id), ("household", household.pk)):
        url = reverse(f"admin:projects_{model}_changelist")
        action_form = client_admin.get(url).context["action_form"]
        actions = action_form.fields["action"].choices if action_form is not None else []
        assert "delete_selected" not in [name for name, _ in actions]
        client_admin.post(url, {"action": "delete_selected", "_selected_action": [pk]})
        delete = reverse(f"admin:projects_{model}_delete", args=[pk])
        assert client_admin.post(delete, {"post": "yes"}).status_code == 403
    assert Project.objects.count() == 1 and Household.objects.count() == 1


def test_a_future_criterion_date_is_refused_in_the_admin(
    client_admin: Client, plan_year: PlanYear
) -> None:
    """Adding a 设计公示 dated 2030-04-02 in the admin is refused and nothing is stored."""
    project = ProjectFactory()
    response = client_admin.post(
        reverse("admin:projects_startcriterion_add"),
        {"project": project.pk, "criterion": Criterion.DESIGN_POSTED, "met_on": "2030-04-02"},
    )
    assert response.status_code == 403
    assert not StartCriterion.objects.exists()


def test_a_household_cannot_be_changed_in_the_admin(
    client_admin: Client, plan_year: PlanYear
) -> None:
    """A household's answer date cannot be moved to 2030 in the admin; its page keeps the name
    masked and links to the portal's roster."""
    household = HouseholdFactory(head_name="赵六", answered_on=date(2022, 3, 1))
    url = reverse("admin:projects_household_change", args=[household.pk])
    response = client_admin.post(
        url, {"project": household.project_id, "answered_on": "2030-01-01"}
    )
    assert response.status_code == 403
    household.refresh_from_db()
    assert household.answered_on == date(2022, 3, 1)
    html = client_admin.get(url).content.decode()
    assert "赵六" not in html
    assert reverse("household_list", args=[household.project_id]) in html


def test_a_clerk_with_every_permission_still_cannot_write_in_the_admin(
    client: Client, plan_year: PlanYear
) -> None:
    """Even given add/change/delete permissions, a clerk's admin POST to its own project is refused:
    the portal's pages are the one way in."""
    unit = Unit.objects.get(name="驿城区")
    clerk = UserFactory(role=Role.CLERK, unit=unit, is_staff=True)
    clerk.save()
    clerk.user_permissions.add(*Permission.objects.filter(content_type__app_label="projects"))
    client.force_login(clerk)
    project = ProjectFactory(unit=unit)
    url = reverse("admin:projects_project_change", args=[project.pk])
    assert client.post(url, project_post(project, households=99)).status_code == 403
    project.refresh_from_db()
    assert project.households != 99 and project.version == 1


def test_the_history_page_cannot_revert_a_project(
    client_admin: Client, plan_year: PlanYear
) -> None:
    """simple-history's revert page of a project (and of a target) shows the old version but a POST
    is refused: no older figures are written back around the services."""
    project = ProjectFactory(buildings=2)
    Project.objects.filter(pk=project.pk).update(buildings=3)
    record = project.history.earliest()
    url = reverse("admin:projects_project_simple_history", args=[project.pk, record.history_id])
    assert client_admin.get(url).status_code == 200
    response = client_admin.post(url, project_post(project, buildings=9, _change_history="1"))
    assert response.status_code == 403
    project.refresh_from_db()
    assert project.buildings == 3
    target = yicheng_target(plan_year)
    target.save()  # the fixture's targets are loaded without history: give it one record
    old = target.history.earliest()
    url = reverse("admin:projects_unittarget_simple_history", args=[target.pk, old.history_id])
    assert client_admin.post(url, {"completions": 1}).status_code == 403
    target.refresh_from_db()
    assert target.completions == 3363


def project_records_of(project: Project) -> dict[str, Any]:
    """One of each record of the source document (issue 18) for ``project``, by admin model name."""
    return {
        "fundreceipt": FundReceipt.objects.create(
            project=project, source="central", received_on=date(2022, 4, 1), amount=Decimal("10")
        ),
        "participant": Participant.objects.create(
            project=project,
            role="supervisor",
            organisation="天中监理",
            person="赵磊",
            phone="13912345678",
        ),
        "approval": Approval.objects.create(
            project=project, kind="project_approval", approved_on=date(2022, 3, 1)
        ),
        "coordinatedconstructionplan": CoordinatedConstructionPlan.objects.create(
            project=project, document=ContentFile(b"%PDF-1.4", name="plan.pdf")
        ),
        "acceptancerecord": AcceptanceRecord.objects.create(
            project=project, participants="建设、施工、监理单位", handed_to="community"
        ),
    }


@pytest.mark.parametrize(
    "model",
    ["fundreceipt", "participant", "approval", "coordinatedconstructionplan", "acceptancerecord"],
)
def test_records_are_read_only_in_the_admin(
    client_admin: Client, plan_year: PlanYear, model: str, settings: Any, tmp_path: Any
) -> None:
    """A project's records show in the admin (linking to the records page) but adding, changing
    and deleting them there are refused and leave the record as it was."""
    settings.MEDIA_ROOT = tmp_path
    project = ProjectFactory()
    record = project_records_of(project)[model]
    before = type(record).objects.filter(pk=record.pk).values().get()
    change = reverse(f"admin:projects_{model}_change", args=[record.pk])
    html = client_admin.get(change).content.decode()
    assert reverse("project_records", args=[project.pk]) in html
    assert client_admin.post(change, {"project": project.pk, "note": "改"}).status_code == 403
    assert client_admin.post(reverse(f"admin:projects_{model}_add"), {}).status_code == 403
    delete = reverse(f"admin:projects_{model}_delete", args=[record.pk])
    assert client_admin.post(delete, {"post": "yes"}).status_code == 403
    assert type(record).objects.filter(pk=record.pk).values().get() == before


def test_participant_phone_is_masked_in_the_admin(
    client_admin: Client, plan_year: PlanYear
) -> None:
    """A participant's phone is masked in the admin's list and change page, as on the portal."""
    project = ProjectFactory()
    participant = Participant.objects.create(
        project=project, role="supervisor", person="赵磊", phone="13912345678"
    )
    for url in (
        reverse("admin:projects_participant_changelist"),
        reverse("admin:projects_participant_change", args=[participant.pk]),
    ):
        html = client_admin.get(url).content.decode()
        assert "139****5678" in html and "13912345678" not in html, url


# --- issue 15: the admin's own write hooks go nowhere but the services ----------------------------


@pytest.mark.parametrize("model", [UnitTarget, Project, Household, StartCriterion, FundReceipt])
def test_the_admins_write_hooks_refuse_even_with_permission(
    superuser: User, plan_year: PlanYear, model: type[Any]
) -> None:
    """Were change permission ever granted, save_model, delete_model and delete_queryset of a model
    written by the services still refuse, and 驿城区's target keeps its 3363."""
    request = RequestFactory().post("/")
    request.user = superuser
    model_admin = site._registry[model]
    obj = yicheng_target(plan_year) if model is UnitTarget else model()
    with pytest.raises(PermissionDenied):
        model_admin.save_model(request, obj, None, True)
    with pytest.raises(PermissionDenied):
        model_admin.delete_model(request, obj)
    with pytest.raises(PermissionDenied):
        model_admin.delete_queryset(request, model.objects.all())
    assert yicheng_target(plan_year).completions == 3363


def test_the_admin_cannot_save_a_target_without_a_reason(
    client_admin: Client, superuser: User, plan_year: PlanYear
) -> None:
    """The admin's POST of 驿城区's completions (1, no reason) is a 403, and the one write path the
    target page uses refuses the same change without a reason: the target stays 3363."""
    target = yicheng_target(plan_year)
    change = reverse("admin:projects_unittarget_change", args=[target.pk])
    data = {"plan_year": plan_year.pk, "unit": target.unit_id, "new_starts": 4804, "completions": 1}
    assert client_admin.post(change, data).status_code == 403
    with pytest.raises(ValidationError, match="修改原因"):
        services.unit_target_set(
            plan_year=plan_year,
            unit=target.unit,
            new_starts=4804,
            completions=4000,
            carryover=target.carryover,
            reason="  ",
            user=superuser,
        )
    assert yicheng_target(plan_year).completions == 3363


def test_the_admin_cannot_save_a_project_without_the_version_check(
    client_admin: Client, superuser: User, plan_year: PlanYear
) -> None:
    """An admin POST of a project's change page is a 403 (version 1 kept); the service it would have
    to use refuses a save from a stale version 0 and writes nothing."""
    project = ProjectFactory()
    url = reverse("admin:projects_project_change", args=[project.pk])
    assert client_admin.post(url, project_post(project, households="12")).status_code == 403
    with pytest.raises(StaleEdit):
        services.project_update(
            project_id=project.pk, expected_version=0, user=None, data={"households": 12}
        )
    project.refresh_from_db()
    assert (project.version, project.households) == (1, 10)
