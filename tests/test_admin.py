"""The admin: every page renders, computed columns are right and cost a constant number of queries,
personal data is masked, and saves keep the stored start dates current."""

from datetime import date, timedelta
from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects import services
from projects.choices import Criterion, Opinion, ProjectKind, Role
from projects.models import (
    DataVersion,
    Household,
    Job,
    Milestone,
    PlanYear,
    Project,
    StartCriterion,
    Unit,
    User,
)
from tests.factories import HouseholdFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

# The source document's records (issue 18), entered on the project's records page.
RECORDS = ("fundreceipt", "participant", "approval", "coordinatedconstructionplan",
           "acceptancerecord")  # fmt: skip
MODELS = ("unit", "user", "planyear", "unittarget", "unassignedcarryover", "project",
          "household", "startcriterion", "personaldataaccess", "notification", *RECORDS)  # fmt: skip
PORTAL_WRITTEN = ("planyear", "unittarget", "unassignedcarryover", "project", "household",
                  "startcriterion", *RECORDS)  # fmt: skip


def staff(**fields: Any) -> User:
    """A staff user; saved again because UserFactory's set_password is not saved (skip_postgeneration_save),
    and a session is only valid for the password hash stored in the database."""
    user = UserFactory(**{"is_staff": True, **fields})
    user.save()
    return user


@pytest.fixture
def superuser(programme: None) -> User:
    return staff(role=Role.ADMIN, unit=None, is_superuser=True)


@pytest.fixture
def client_admin(client: Client, superuser: User) -> Client:
    client.force_login(superuser)
    return client


def started_project(unit: str, households: int, started_on: date, **fields: Any) -> Project:
    """A new project of ``unit`` that meets all five criteria, the last one (on site) on ``started_on``:
    80 % of its households agreeing 20 days before, criteria 2–4 ten days before."""
    project = ProjectFactory(
        unit=Unit.objects.get(name=unit), households=households, contractor="某建设公司", **fields
    )
    agreeing = (households * 80 + 99) // 100  # 80 %, rounded up to whole households
    Household.objects.bulk_create(
        Household(
            project=project, building="1", entrance="1", room=str(1000 + i), head_name="住户",
            plan_opinion=Opinion.AGREE, management_opinion=Opinion.AGREE,
            answered_on=started_on - timedelta(days=20),
        )
        for i in range(agreeing)
    )  # fmt: skip
    for criterion in (Criterion.STRUCTURES_CLEARED, Criterion.DESIGN_POSTED,
                      Criterion.CONTRACT_SIGNED):  # fmt: skip
        StartCriterion.objects.create(
            project=project, criterion=criterion, met_on=started_on - timedelta(days=10)
        )
    StartCriterion.objects.create(project=project, criterion=Criterion.ON_SITE, met_on=started_on)
    services.projects_refresh_start(project_ids=[project.id])
    project.refresh_from_db()
    assert project.started_on == started_on
    return project


def check(client: Client, **params: str) -> Any:
    response = client.get(reverse("admin:projects_check"), params)
    assert response.status_code == 200
    return response


def unit_row(rows: list[Any], label: str) -> Any:
    return next(row for row in rows if row.label == label)


# --- every page -----------------------------------------------------------------------------------


def test_every_model_of_projects_is_registered() -> None:
    """Each model of projects/models.py has an admin; milestones are edited inline in the plan year.
    Background jobs have none (a job, its status and its result are its starter's alone), nor has
    the data version (the cache's bookkeeping, projects.data_version)."""
    models = {
        m
        for m in apps.get_app_config("projects").get_models()
        if not m.__name__.startswith("Historical")
    }
    registered = {m for m in models if admin.site.is_registered(m)}
    assert {m._meta.model_name for m in registered} == set(MODELS)
    assert models - registered == {Milestone, Job, DataVersion}
    assert Milestone in {i.model for i in admin.site.get_model_admin(PlanYear).inlines}


@pytest.mark.parametrize("model", MODELS)
def test_changelist_and_add_pages_render(client_admin: Client, model: str) -> None:
    """The changelist and the add page of every model answer 200 for a superuser, with data present
    (the personal-data audit and the models written on the portal pages have no add page)."""
    project = started_project("驿城区", 10, date(2022, 5, 1))
    HouseholdFactory(project=project, head_name="赵六", room="901")
    # The audit is never written by hand; the programme's records are written on the portal pages.
    read_only = model in ("personaldataaccess", "notification", *PORTAL_WRITTEN)
    for page in ("changelist", "add"):
        response = client_admin.get(reverse(f"admin:projects_{model}_{page}"))
        expected = 403 if read_only and page == "add" else 200
        assert response.status_code == expected, (model, page)


def test_index_links_the_check_page(client_admin: Client) -> None:
    """The admin index answers 200 and links to the city check page."""
    response = client_admin.get(reverse("admin:index"))
    assert response.status_code == 200
    assert reverse("admin:projects_check") in response.content.decode()


def test_change_pages_render(client_admin: Client) -> None:
    """The change pages of a project (with its criteria inline) and of a household answer 200."""
    project = started_project("驿城区", 10, date(2022, 5, 1))
    household = project.household_records.first()
    assert household is not None
    for url in (
        reverse("admin:projects_project_change", args=[project.id]),
        reverse("admin:projects_household_change", args=[household.id]),
        reverse("admin:projects_project_history", args=[project.id]),
    ):
        assert client_admin.get(url).status_code == 200, url


def test_check_page_is_for_staff_only(client: Client, programme: None) -> None:
    """A logged-in user who is not staff is sent to the admin login, not shown the check page."""
    client.force_login(staff(is_staff=False))
    response = client.get(reverse("admin:projects_check"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_user_add_page_requires_a_unit_for_clerks(client_admin: Client) -> None:
    """Adding a clerk without a unit is refused with the constraint's message; with one it is saved."""
    url = reverse("admin:projects_user_add")
    data = {"username": "clerk1", "role": Role.CLERK, "usable_password": "true",
            "password1": "Zmd-clerk-2022!", "password2": "Zmd-clerk-2022!"}  # fmt: skip
    refused = client_admin.post(url, data)
    assert refused.status_code == 200
    assert "区县填报员和审核人须指定所属区县" in refused.content.decode()
    unit = Unit.objects.get(name="西平县")
    assert client_admin.post(url, {**data, "unit": unit.id}).status_code == 302
    assert User.objects.get(username="clerk1").unit == unit


# --- the check page -------------------------------------------------------------------------------


def test_check_page_defaults_to_today_clipped(client_admin: Client, plan_year: PlanYear) -> None:
    """Without a date the check page judges today, clipped to the latest plan year."""
    response = check(client_admin)
    today = date.today()
    expected = min(max(today, date(2022, 1, 1)), date(2022, 12, 31))
    assert response.context["as_of"] == expected


@pytest.mark.parametrize(("second", "status"), [(402, "met"), (401, "missed")])
def test_check_page_judges_half_year_starts_on_the_due_date(
    client_admin: Client, plan_year: PlanYear, second: int, status: str
) -> None:
    """驿城区 needs 50 % of 4804 = 2402 started households by 2022-06-30: 2000 + 402 started by then
    is met (a start on the due date counts), 2000 + 401 is missed; a July start does not help."""
    started_project("驿城区", 2000, date(2022, 5, 20))
    started_project("驿城区", second, date(2022, 6, 30))
    started_project("驿城区", 50, date(2022, 7, 5))
    response = check(client_admin, as_of="2022-07-15")
    report = response.context["report"]
    yicheng = unit_row(report.units, "驿城区")
    half = yicheng.milestones["new_started_half"]
    assert (half.actual, half.target, half.status) == (2000 + second, 2402, status)
    assert yicheng.actual_as_of["new_started_half"] == 2000 + second + 50
    # 经济开发区 started nothing against 2067; 平舆县's new-start target is not in the source.
    assert unit_row(report.units, "经济开发区").milestones["new_started_half"].status == "missed"
    assert unit_row(report.units, "平舆县").milestones["new_started_half"].status == "no_target"
    # The city needs 50 % of 15948 = 7974.
    assert report.city.milestones["new_started_half"].target == 7974
    assert report.city.milestones["new_started_half"].status == "missed"
    html = response.content.decode()
    assert f'data-milestone="new_started_half" data-status="{status}"' in html


def test_check_page_before_due_date_is_on_track_or_at_risk(
    client_admin: Client, plan_year: PlanYear
) -> None:
    """On 2022-03-31 (90 of 181 days to June 30th) 驿城区 is on track with 1200 started households
    (1200 × 181 ≥ 2402 × 90) and at risk with 1000 (1000 × 181 < 2402 × 90)."""
    started_project("驿城区", 1200, date(2022, 3, 1))
    started_project("西平县", 500, date(2022, 3, 1))  # 西平县 needs 1131: 500 × 181 < 1131 × 90
    report = check(client_admin, as_of="2022-03-31").context["report"]
    assert unit_row(report.units, "驿城区").milestones["new_started_half"].status == "on_track"
    assert unit_row(report.units, "西平县").milestones["new_started_half"].status == "at_risk"


def test_check_page_counts_missing_criteria_on_the_date(
    client_admin: Client, plan_year: PlanYear
) -> None:
    """The criteria table counts, per unit and for the city, new projects, starts and each missing
    criterion as of the date asked: a criterion met later is still missing."""
    started_project("驿城区", 10, date(2022, 5, 1))
    started_project("驿城区", 10, date(2022, 7, 5))
    design_only = ProjectFactory(unit=Unit.objects.get(name="驿城区"), households=10)
    StartCriterion.objects.create(
        project=design_only, criterion=Criterion.DESIGN_POSTED, met_on=date(2022, 4, 1)
    )
    ProjectFactory(unit=Unit.objects.get(name="遂平县"), kind=ProjectKind.CARRYOVER)
    response = check(client_admin, as_of="2022-07-01")
    city, *units = response.context["criteria_rows"]
    yicheng = unit_row(units, "驿城区")
    assert (yicheng.projects, yicheng.started) == (3, 1)
    # The July project lacks only being on site; the design-only project lacks the other four.
    assert yicheng.lacking == {
        "consent": 1,
        "structures_cleared": 1,
        "design_posted": 0,
        "contract_signed": 1,
        "on_site": 2,
    }
    assert unit_row(units, "遂平县").projects == 0  # a carry-over project has no start criteria
    assert (city.projects, city.started) == (3, 1)
    later = unit_row(check(client_admin, as_of="2022-07-05").context["criteria_rows"], "驿城区")
    assert later.started == 2


def test_check_page_rejects_a_bad_date(client_admin: Client, plan_year: PlanYear) -> None:
    """A malformed date shows the form error and falls back to the default date."""
    response = check(client_admin, as_of="2022-13-45")
    assert response.context["form"].errors
    assert "report" in response.context


def test_check_page_query_count_is_constant(client_admin: Client, plan_year: PlanYear) -> None:
    """The check page costs the same number of queries with 3 or 30 projects."""

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            check(client_admin, as_of="2022-07-01")
        return len(ctx)

    for _ in range(3):
        started_project("驿城区", 10, date(2022, 5, 1))
    few = queries()
    for i in range(27):
        started_project("西平县" if i % 2 else "驿城区", 10, date(2022, 5, 1))
    assert queries() == few


# --- changelists --------------------------------------------------------------------------------


def test_unit_changelist_shows_milestone_statuses(
    client_admin: Client, plan_year: PlanYear
) -> None:
    """The unit list has a coloured status per milestone: 平舆县 has no new-start target."""
    html = client_admin.get(reverse("admin:projects_unit_changelist")).content.decode()
    assert "zmd-status-no_target" in html
    assert "10月底全部开工" in html


def test_unit_changelist_query_count_is_constant(client_admin: Client, plan_year: PlanYear) -> None:
    """The milestone report is computed once per unit list, whatever the number of units."""

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client_admin.get(reverse("admin:projects_unit_changelist")).status_code == 200
        return len(ctx)

    few = queries()
    Unit.objects.bulk_create(Unit(name=f"新区{i}", sort_order=200 + i) for i in range(10))
    assert queries() == few


def test_project_changelist_lists_missing_criteria(
    client_admin: Client, plan_year: PlanYear
) -> None:
    """The project list names the criteria a project still lacks, in short Chinese labels."""
    started_project("驿城区", 10, date(2022, 5, 1), name="已开工小区")
    waiting = ProjectFactory(name="待开工小区", contractor="某建设公司")
    StartCriterion.objects.create(
        project=waiting, criterion=Criterion.DESIGN_POSTED, met_on=date(2022, 4, 1)
    )
    response = client_admin.get(reverse("admin:projects_project_changelist"))
    rows = {p.name: p for p in response.context["cl"].result_list}
    assert rows["已开工小区"].start_status.missing == ()
    html = response.content.decode()
    assert "居民同意、违建拆除、施工合同、进场施工" in html


def test_project_changelist_query_count_is_constant(
    client_admin: Client, plan_year: PlanYear
) -> None:
    """The project list costs the same number of queries with 3 or 30 projects on the page."""

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client_admin.get(reverse("admin:projects_project_changelist"))
            assert response.status_code == 200
        return len(ctx)

    for _ in range(3):
        started_project("驿城区", 10, date(2022, 5, 1))
    few = queries()
    for _ in range(27):
        started_project("驿城区", 10, date(2022, 5, 1))
    assert queries() == few


def test_project_changelist_filters_started(client_admin: Client, plan_year: PlanYear) -> None:
    """The 是否开工 filter separates started from not started projects."""
    started = started_project("驿城区", 10, date(2022, 5, 1))
    waiting = ProjectFactory()
    url = reverse("admin:projects_project_changelist")
    yes = client_admin.get(url, {"started": "yes"}).context["cl"].result_list
    no = client_admin.get(url, {"started": "no"}).context["cl"].result_list
    assert [p.id for p in yes] == [started.id]
    assert [p.id for p in no] == [waiting.id]


def test_household_changelist_masks_names_and_phones(
    client_admin: Client, plan_year: PlanYear
) -> None:
    """Heads of household are listed as 张** and phones as 138****5678, never in full."""
    HouseholdFactory(head_name="张三丰", phone="13812345678", room="808")
    html = client_admin.get(reverse("admin:projects_household_changelist")).content.decode()
    assert "张**" in html and "138****5678" in html
    assert "张三丰" not in html and "13812345678" not in html


def test_household_search_is_by_dwelling_not_name(
    client_admin: Client, plan_year: PlanYear
) -> None:
    """Searching the household list finds a room number but not a head of household's name."""
    HouseholdFactory(head_name="张三丰", room="808")
    url = reverse("admin:projects_household_changelist")
    assert client_admin.get(url, {"q": "808"}).context["cl"].result_count == 1
    assert client_admin.get(url, {"q": "张三丰"}).context["cl"].result_count == 0


def test_clerk_sees_only_its_units_households(client: Client, plan_year: PlanYear) -> None:
    """A clerk given admin access lists only its own unit's households (SPEC §6)."""
    HouseholdFactory(room="101")
    HouseholdFactory(room="102", project=ProjectFactory(unit=Unit.objects.get(name="西平县")))
    clerk = staff(unit=Unit.objects.get(name="西平县"))
    clerk.user_permissions.add(*_permissions("view_household"))
    client.force_login(clerk)
    response = client.get(reverse("admin:projects_household_changelist"))
    assert [h.room for h in response.context["cl"].result_list] == ["102"]


def _permissions(*codenames: str) -> Any:
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(content_type__app_label="projects", codename__in=codenames)


# --- plan years are shown, not written -----------------------------------------------------------


def test_a_plan_years_consent_share_cannot_be_changed_in_the_admin(
    client_admin: Client, plan_year: PlanYear
) -> None:
    """Raising the plan year's consent share in the admin is refused (403): the share, and so every
    project's start, stays as loaded."""
    project = started_project("驿城区", 10, date(2022, 5, 1))
    url = reverse("admin:projects_planyear_change", args=[plan_year.id])
    assert client_admin.post(url, {"consent_percent": 90}).status_code == 403
    plan_year.refresh_from_db()
    assert plan_year.consent_percent == 80
    project.refresh_from_db()
    assert project.started_on == date(2022, 5, 1)


def test_project_page_shows_the_spec_warnings(admin_client: Client, plan_year: PlanYear) -> None:
    """A 遂平县 project with city subsidy, sources not adding up and an unrenovated gas hazard shows
    each warning of SPEC §4 on its admin page, with the open criteria."""
    from decimal import Decimal

    from tests.factories import ProjectFactory

    project = ProjectFactory(
        unit=Unit.objects.get(name="遂平县"),
        investment=Decimal("100"),
        fund_central=Decimal("50"),
        fund_city=Decimal("10"),
        hazards=["燃气", "供水"],
        contents=["供水", "绿化"],
    )
    html = admin_client.get(
        reverse("admin:projects_project_change", args=[project.pk])
    ).content.decode()
    assert "市级补助只拨付驿城区、经济开发区项目" in html
    assert "各资金来源合计 60.0000 万元与资金概算 100.0000 万元不一致" in html
    assert "应改尽改：摸底排查发现的燃气管线隐患未列入改造内容" in html
    assert "未填写设计公示日期" in html
