"""Implementation plans (年度工作实施方案) and renovation plans (改造方案): pages, services, rules."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from paperwork.models import ImplementationPlan, RenovationPlan
from paperwork.selectors.plans import (
    implementation_plan_rows,
    plan_table,
    renovation_counts,
    renovation_plan_rows,
)
from paperwork.services import plans
from projects.choices import ProjectKind, Role
from projects.models import PlanYear, Project, Unit, User
from tests.factories import ProjectFactory, UserFactory
from tests.pdf import minimal_pdf

pytestmark = pytest.mark.django_db

PDF = minimal_pdf()


def as_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def unit_a(programme: None) -> Unit:
    return Unit.objects.get(name="驿城区")


@pytest.fixture
def unit_b(programme: None) -> Unit:
    return Unit.objects.get(name="西平县")


@pytest.fixture
def clerk_a(unit_a: Unit) -> User:
    return UserFactory(role=Role.CLERK, unit=unit_a)


@pytest.fixture
def clerk_b(unit_b: Unit) -> User:
    return UserFactory(role=Role.CLERK, unit=unit_b)


@pytest.fixture
def city(programme: None) -> User:
    return UserFactory(role=Role.CITY, unit=None)


def complete_project(**extra: Any) -> Project:
    """A project with every column of the plan table filled."""
    values: dict[str, Any] = {
        "contents": ["供水", "屋面防水"],
        "investment": Decimal("100"),
        "fund_central": Decimal("60"),
        "fund_county": Decimal("40"),
        "construction_unit": "驿城区住建局",
        "supervising_unit": "南海街道办事处",
        "responsible_person": "张三",
        "responsible_phone": "13800001234",
        **extra,
    }
    return ProjectFactory(**values)


def submit(unit: Unit, user: User, day: date) -> ImplementationPlan:
    return plans.implementation_plan_submit(
        plan_year=PlanYear.objects.get(year=2022),
        unit=unit,
        user=user,
        document_date=day,
        safeguards="成立工作专班，每周调度",
        document=ContentFile(PDF, name="plan.pdf"),
        today=day,
    )


# --- implementation plans -----------------------------------------------------------------------


def test_clerk_uploads_the_signed_plan(clerk_a: User, unit_a: Unit, media: None) -> None:
    """A clerk uploads the signed plan on the plans page: stored with the document's own date, the
    submission date the portal recorded (today, not typed: a typed one is ignored), safeguards and
    submitter, shown late (today is after 2022-02-28), downloadable as a PDF."""
    client = as_client(clerk_a)
    page = client.get(reverse("paperwork:plans"))
    assert page.status_code == 200
    assert "submitted_on" not in page.context["form"].fields
    response = client.post(
        reverse("paperwork:plans"),
        {
            "submitted_on": "2022-02-20",
            "document_date": "2022-02-18",
            "safeguards": "成立工作专班",
            "document": SimpleUploadedFile("签批.pdf", PDF, content_type="application/pdf"),
            "save": "1",
        },
    )
    assert response.status_code == 302
    plan = ImplementationPlan.objects.get(unit=unit_a)
    assert plan.submitted_on == timezone.localdate()
    assert plan.document_date == date(2022, 2, 18)
    assert plan.submitted_by == clerk_a
    assert plan.safeguards == "成立工作专班"
    assert plan.document.name.startswith("documents/") and plan.document.name.endswith(".pdf")
    assert plan.history.count() >= 1
    page = client.get(reverse("paperwork:plans")).content.decode()
    assert "逾期报送" in page and 'id="document-date">2022年2月18日<' in page
    download = client.get(reverse("paperwork:plan_document", args=[unit_a.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]


def test_upload_refused_without_a_document_or_with_a_fake_one(clerk_a: User, media: None) -> None:
    """The first submission needs the scan, and a file that is not a PDF/JPEG/PNG is refused."""
    client = as_client(clerk_a)
    data = {"document_date": "2022-02-20", "safeguards": "专班", "save": "1"}
    assert client.post(reverse("paperwork:plans"), data).status_code == 200
    fake = SimpleUploadedFile("plan.pdf", b"MZ not a pdf", content_type="application/pdf")
    assert client.post(reverse("paperwork:plans"), {**data, "document": fake}).status_code == 200
    assert not ImplementationPlan.objects.exists()


def test_reupload_keeps_the_history(clerk_a: User, unit_a: Unit, media: None) -> None:
    """A second submission replaces the document and its date but keeps the first submission date
    (a correction does not make the plan late); the history keeps both versions."""
    first = submit(unit_a, clerk_a, date(2022, 2, 20))
    old_name = first.document.name
    second = submit(unit_a, clerk_a, date(2022, 3, 2))
    assert second.pk == first.pk and second.document.name != old_name
    assert (second.submitted_on, second.document_date) == (date(2022, 2, 20), date(2022, 3, 2))
    names = set(second.history.values_list("document", flat=True))
    assert {old_name, second.document.name} <= names


def test_city_and_other_units_may_not_submit(
    city: User, clerk_b: User, unit_a: Unit, media: None
) -> None:
    """Only the unit's own clerk or leader submits its plan; the city office's POST is a 403."""
    for user in (city, clerk_b):
        with pytest.raises(PermissionDenied):
            submit(unit_a, user, date(2022, 2, 20))
    response = as_client(city).post(
        reverse("paperwork:plans"), {"document_date": "2022-02-20", "safeguards": "专班"}
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("submitted_on", "key"),
    [(date(2022, 2, 27), "in_time"), (date(2022, 2, 28), "in_time"), (date(2022, 3, 1), "late")],
)
def test_implementation_plan_due_day_counts(
    clerk_a: User, unit_a: Unit, media: None, submitted_on: date, key: str
) -> None:
    """Submitted on 2022-02-28 (the due day) is in time; 2022-03-01 is late."""
    submit(unit_a, clerk_a, submitted_on)
    plan_year = PlanYear.objects.get(year=2022)
    rows = implementation_plan_rows(plan_year=plan_year, today=date(2022, 6, 1))
    row = next(r for r in rows if r.unit == unit_a)
    assert row.status.key == key


@pytest.mark.parametrize(
    ("today", "key"), [(date(2022, 2, 28), "pending"), (date(2022, 3, 1), "overdue")]
)
def test_missing_plan_is_overdue_from_the_day_after(
    programme: None, unit_a: Unit, today: date, key: str
) -> None:
    """No plan on the due day is still pending; from the next day it is overdue."""
    plan_year = PlanYear.objects.get(year=2022)
    rows = implementation_plan_rows(plan_year=plan_year, today=today)
    assert next(r for r in rows if r.unit == unit_a).status.key == key


def test_city_sees_every_unit(city: User, clerk_a: User, unit_a: Unit, media: None) -> None:
    """The city office's plans page lists every unit with its status and a link to its table."""
    submit(unit_a, clerk_a, date(2022, 3, 1))
    response = as_client(city).get(reverse("paperwork:plans"))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [r.unit for r in rows] == list(Unit.objects.all())
    assert next(r for r in rows if r.unit == unit_a).status.key == "late"
    html = response.content.decode()
    for unit in Unit.objects.all():
        assert reverse("paperwork:plan_table", args=[unit.pk]) in html
    assert as_client(city).get(reverse("paperwork:plan_table", args=[unit_a.pk])).status_code == 200
    assert (
        as_client(city).get(reverse("paperwork:plan_document", args=[unit_a.pk])).status_code == 200
    )


def test_other_unit_gets_404(clerk_b: User, clerk_a: User, unit_a: Unit, media: None) -> None:
    """A clerk of 西平县 gets a 404 for 驿城区's table, document, renovation plan and record."""
    submit(unit_a, clerk_a, date(2022, 2, 20))
    project = ProjectFactory(unit=unit_a)
    plans.renovation_plan_save(
        project=project,
        user=clerk_a,
        survey_summary="管线老化",
        consultation_on=date(2022, 3, 5),
        consultation_record=ContentFile(PDF, name="record.pdf"),
    )
    client = as_client(clerk_b)
    for url in (
        reverse("paperwork:plan_table", args=[unit_a.pk]),
        reverse("paperwork:plan_document", args=[unit_a.pk]),
        reverse("paperwork:renovation_plan", args=[project.pk]),
        reverse("paperwork:renovation_record", args=[project.pk]),
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"finalize": "1"}).status_code == 404, url
    own = as_client(clerk_a)
    assert own.get(reverse("paperwork:renovation_record", args=[project.pk])).status_code == 200


def test_anonymous_is_sent_to_login(programme: None) -> None:
    """Every plans page asks an anonymous visitor to sign in."""
    response = Client().get(reverse("paperwork:plans"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- the plan table -----------------------------------------------------------------------------


def test_table_flags_a_project_without_construction_unit_or_funding(
    clerk_a: User, unit_a: Unit
) -> None:
    """A project with no construction unit and no funding source is flagged with both gaps; a
    complete one is not; the count at the top says 1."""
    complete = complete_project(name="完整小区")
    lacking = complete_project(
        name="缺项小区", construction_unit="", fund_central=Decimal(0), fund_county=Decimal(0)
    )
    table = plan_table(plan_year=PlanYear.objects.get(year=2022), unit=unit_a)
    rows = {row.project.pk: row for row in table.rows}
    assert rows[complete.pk].gaps == ()
    assert rows[complete.pk].funding == (("中央补助", Decimal(60)), ("县级配套", Decimal(40)))
    assert rows[lacking.pk].gaps == ("资金来源", "建设单位")
    assert table.rows_with_gaps == 1
    html = as_client(clerk_a).get(reverse("paperwork:plan_table", args=[unit_a.pk])).content
    text = html.decode()
    assert f'data-project="{lacking.pk}" data-gaps="2"' in text
    assert f'data-project="{complete.pk}" data-gaps="0"' in text
    assert "其中 1 个项目信息不全" in text


def test_table_shows_the_plan_safeguards(clerk_a: User, unit_a: Unit, media: None) -> None:
    """The safeguards typed with the plan appear above the table; none typed is flagged."""
    url = reverse("paperwork:plan_table", args=[unit_a.pk])
    assert "实施方案尚未填写保障措施" in as_client(clerk_a).get(url).content.decode()
    submit(unit_a, clerk_a, date(2022, 2, 20))
    assert "成立工作专班，每周调度" in as_client(clerk_a).get(url).content.decode()


# --- renovation plans ---------------------------------------------------------------------------


def test_finalize_refused_until_every_pipeline_hazard_is_in_the_contents(
    clerk_a: User, unit_a: Unit
) -> None:
    """应改尽改: with a 燃气 hazard missing from the contents the 定稿 is refused with the reason;
    once 燃气 is added it is allowed and dated today."""
    project = ProjectFactory(unit=unit_a, hazards=["燃气", "供水"], contents=["供水"])
    client = as_client(clerk_a)
    url = reverse("paperwork:renovation_plan", args=[project.pk])
    page = client.get(url)
    assert page.status_code == 200 and page.context["missing"] == ("燃气",)
    response = client.post(url, {"finalize": "1"}, follow=True)
    assert (
        "应改尽改：摸底排查发现的燃气管线隐患未列入改造内容，不能定稿" in response.content.decode()
    )
    assert not RenovationPlan.objects.filter(project=project, final=True).exists()
    Project.objects.filter(pk=project.pk).update(contents=["供水", "燃气"])
    response = client.post(url, {"finalize": "1"})
    assert response.status_code == 302
    plan = RenovationPlan.objects.get(project=project)
    assert plan.final and plan.finalized_by == clerk_a
    assert plan.finalized_on is not None


def test_finalized_plan_is_frozen_until_reopened(clerk_a: User, unit_a: Unit) -> None:
    """A final plan's survey cannot be edited; reopening clears the date and allows it again."""
    project = ProjectFactory(unit=unit_a)
    plans.renovation_plan_finalize(project=project, user=clerk_a, today=date(2022, 3, 30))
    with pytest.raises(ValidationError):
        plans.renovation_plan_save(
            project=project, user=clerk_a, survey_summary="改", consultation_on=None
        )
    plan = plans.renovation_plan_reopen(project=project, user=clerk_a)
    assert not plan.final and plan.finalized_on is None
    plans.renovation_plan_save(
        project=project, user=clerk_a, survey_summary="改", consultation_on=None
    )
    assert RenovationPlan.objects.get(project=project).survey_summary == "改"


def test_renovation_page_saves_the_consultation(
    clerk_a: User, city: User, unit_a: Unit, media: None
) -> None:
    """The clerk saves the survey and the consultation record; the city office reads it and its
    POST is refused."""
    project = ProjectFactory(unit=unit_a, management_mode="社区托管")
    url = reverse("paperwork:renovation_plan", args=[project.pk])
    response = as_client(clerk_a).post(
        url,
        {
            "survey_summary": "供水管网老化",
            "consultation_on": "2022-03-10",
            "consultation_record": SimpleUploadedFile("记录.pdf", PDF),
            "save": "1",
        },
    )
    assert response.status_code == 302
    plan = RenovationPlan.objects.get(project=project)
    assert plan.consultation_on == date(2022, 3, 10) and plan.consultation_record
    page = as_client(city).get(url)
    assert page.status_code == 200
    assert "供水管网老化" in page.content.decode() and "社区托管" in page.content.decode()
    assert as_client(city).post(url, {"finalize": "1"}).status_code == 403


@pytest.mark.parametrize(
    ("finalized_on", "today", "key"),
    [
        (date(2022, 3, 31), date(2022, 6, 1), "in_time"),
        (date(2022, 4, 1), date(2022, 6, 1), "late"),
        (None, date(2022, 3, 31), "pending"),
        (None, date(2022, 4, 1), "overdue"),
    ],
)
def test_renovation_plan_due_day_counts(
    clerk_a: User, unit_a: Unit, finalized_on: date | None, today: date, key: str
) -> None:
    """Finalized on 2022-03-31 is in time, on 04-01 late; not final is overdue from 04-01."""
    project = ProjectFactory(unit=unit_a)
    if finalized_on:
        plans.renovation_plan_finalize(project=project, user=clerk_a, today=finalized_on)
    plan_year = PlanYear.objects.get(year=2022)
    rows, counts = renovation_plan_rows(plan_year=plan_year, unit=unit_a, today=today)
    assert rows[0].status.key == key
    city_counts = renovation_counts(plan_year=plan_year, today=today)[unit_a.pk]
    assert city_counts == counts
    assert counts.overdue == (key == "overdue") and counts.final_late == (key == "late")


# --- query counts -------------------------------------------------------------------------------


def test_plans_pages_query_counts_are_constant(
    city: User, clerk_a: User, unit_a: Unit, unit_b: Unit, media: None
) -> None:
    """The city's and the unit's plans pages, and the plan table, run as many queries for one
    project as for twelve with plans in two units."""
    urls = [
        (city, reverse("paperwork:plans")),
        (clerk_a, reverse("paperwork:plans")),
        (city, reverse("paperwork:plan_table", args=[unit_a.pk])),
    ]
    complete_project()

    def counts() -> list[int]:
        result = []
        for user, url in urls:
            client = as_client(user)
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            result.append(len(queries))
        return result

    few = counts()
    submit(unit_a, clerk_a, date(2022, 2, 20))
    submit(unit_b, UserFactory(role=Role.CLERK, unit=unit_b), date(2022, 3, 3))
    for unit in (unit_a, unit_b):
        for project in ProjectFactory.create_batch(6, unit=unit, contents=["供水"]):
            plans.renovation_plan_finalize(project=project, user=None, today=date(2022, 3, 20))
    assert counts() == few


def test_document_date_is_required_and_not_in_the_future(clerk_a: User, unit_a: Unit) -> None:
    """The signed document's own date is asked for, and may not lie after the day of submission."""
    for day, message in (
        (None, "请填写实施方案的文件日期"),
        (date(2022, 3, 2), "文件日期不能晚于今天"),
    ):
        with pytest.raises(ValidationError) as refused:
            plans.implementation_plan_submit(
                plan_year=PlanYear.objects.get(year=2022),
                unit=unit_a,
                user=clerk_a,
                document_date=day,
                safeguards="专班",
                document=ContentFile(PDF, name="plan.pdf"),
                today=date(2022, 3, 1),
            )
        assert refused.value.message_dict["document_date"] == [message]


def test_plan_table_compares_households_with_the_targets(
    clerk_a: User, unit_a: Unit, media: None
) -> None:
    """驿城区 with new projects of 4000 + 700 households against 4804 new starts (104 short) and a
    carry-over project of 975 against 962 (covered): the table names the shortfall."""
    complete_project(name="甲小区", households=4000)
    complete_project(name="乙小区", households=700)
    complete_project(name="丙小区", households=975, kind=ProjectKind.CARRYOVER)
    table = plan_table(plan_year=PlanYear.objects.get(year=2022), unit=unit_a)
    assert [(c.households, c.target, c.shortfall) for c in table.coverage] == [
        (4700, 4804, 104),
        (975, 962, 0),
    ]
    assert table.shortfalls == ["新开工项目户数合计 4700 户，少于新开工目标 4804 户，差 104 户"]
    page = as_client(clerk_a).get(reverse("paperwork:plan_table", args=[unit_a.pk]))
    text = page.content.decode()
    assert 'id="plan-shortfalls"' in text and "差 104 户" in text
    assert 'data-shortfall="104"' in text and 'data-shortfall="0"' in text
