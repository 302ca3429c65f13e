"""Inspections and aftercare (SPEC §5, §6): city and self inspections with findings, overdue
rectifications (judged by projects.rules.paperwork, in the selectors and on the pages), closing with
evidence, who may do what, complaints, visits and warranty periods."""

import io
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from paperwork.models import Complaint, Finding, Inspection, InspectionKind, Warranty
from paperwork.selectors.inspections import (
    inspection_coverage,
    overdue_counts_by_unit,
    overdue_rectifications,
)
from paperwork.services import inspections
from projects.choices import Role
from projects.models import PlanYear, Project, Unit, User
from projects.rules.paperwork import rectification_overdue
from tests.factories import ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

JUNE_HELD = date(2022, 6, 20)
DEADLINE = date(2022, 7, 15)


def png_upload() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (30, 120, 30)).save(buffer, "PNG")
    return SimpleUploadedFile("整改照片.png", buffer.getvalue(), content_type="image/png")


def as_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def unit_a(programme: None) -> Unit:
    return Unit.objects.get(name="驿城区")


@pytest.fixture
def unit_b(programme: None) -> Unit:
    return Unit.objects.get(name="西平县")


@pytest.fixture
def project_a(unit_a: Unit) -> Project:
    return ProjectFactory(unit=unit_a, name="建设路1号院")


@pytest.fixture
def project_b(unit_b: Unit) -> Project:
    return ProjectFactory(unit=unit_b, name="人民路2号院")


@pytest.fixture
def city(programme: None) -> User:
    return UserFactory(username="city", role=Role.CITY, unit=None)


@pytest.fixture
def clerk_a(unit_a: Unit) -> User:
    return UserFactory(username="clerk-a", role=Role.CLERK, unit=unit_a)


@pytest.fixture
def leader_a(unit_a: Unit) -> User:
    return UserFactory(username="leader-a", role=Role.LEADER, unit=unit_a)


@pytest.fixture
def clerk_b(unit_b: Unit) -> User:
    return UserFactory(username="clerk-b", role=Role.CLERK, unit=unit_b)


@pytest.fixture
def admin(programme: None) -> User:
    return User.objects.create_superuser("admin", password="Zmd-test-2022!")


def june_inspection(
    plan_year: PlanYear, unit: Unit, projects: list[Project], user: User | None
) -> Inspection:
    return inspections.inspection_create(
        plan_year=plan_year,
        unit=unit,
        user=user,
        data={
            "kind": InspectionKind.CITY_JUNE,
            "held_on": JUNE_HELD,
            "inspectors": "市老旧办 张三、李四",
            "projects": projects,
            "score": 86,
            "summary": "总体进度正常",
        },
    )


def add_finding(
    inspection: Inspection, user: User | None, deadline: date = DEADLINE, **extra: Any
) -> Finding:
    data = {
        "project": None,
        "description": "3号楼外墙保温层脱落",
        "rectification": "重新粘贴保温层并验收",
        "deadline": deadline,
        **extra,
    }
    return inspections.finding_create(inspection=inspection, user=user, data=data)


@pytest.fixture
def june(plan_year: PlanYear, unit_a: Unit, project_a: Project, city: User) -> Inspection:
    return june_inspection(plan_year, unit_a, [project_a], city)


@pytest.fixture
def finding(june: Inspection, city: User, project_a: Project) -> Finding:
    return add_finding(june, city, project=project_a)


# --- city inspections, findings and overdue -------------------------------------------------------


def test_city_records_a_june_inspection_of_a_unit_through_the_pages(
    city: User, unit_a: Unit, project_a: Project, project_b: Project
) -> None:
    """The city office picks 驿城区, sees only its projects, records a June inspection and a finding."""
    client = as_client(city)
    url = reverse("paperwork:inspection_create")
    assert "unit-picker" in client.get(url).content.decode()
    page = client.get(url, {"unit": unit_a.pk}).content.decode()
    assert project_a.name in page and project_b.name not in page
    assert 'value="self_inspection"' not in page
    response = client.post(
        f"{url}?unit={unit_a.pk}",
        {
            "kind": InspectionKind.CITY_JUNE,
            "held_on": "2022-06-20",
            "inspectors": "市老旧办 张三",
            "projects": [project_a.pk],
            "score": "86.5",
            "summary": "",
        },
    )
    inspection = Inspection.objects.get()
    assert response.status_code == 302
    assert (inspection.unit, inspection.kind, inspection.created_by) == (unit_a, "city_june", city)
    assert list(inspection.projects.all()) == [project_a]
    response = client.post(
        reverse("paperwork:finding_create", args=[inspection.pk]),
        {
            "project": project_a.pk,
            "description": "外墙保温层脱落",
            "rectification": "重新粘贴",
            "deadline": "2022-07-15",
        },
    )
    assert response.status_code == 302
    assert inspection.findings.get().deadline == DEADLINE


def test_finding_due_july_15_is_overdue_from_july_16_in_the_selectors(
    plan_year: PlanYear, finding: Finding, unit_a: Unit
) -> None:
    """On the deadline day the rectification is not overdue; the day after it is, for the unit and
    the city."""
    on_deadline = date(2022, 7, 15)
    day_after = date(2022, 7, 16)
    assert overdue_rectifications(plan_year=plan_year, today=on_deadline) == []
    assert overdue_counts_by_unit(plan_year=plan_year, today=on_deadline) == {}
    assert overdue_rectifications(plan_year=plan_year, today=day_after) == [finding]
    assert overdue_rectifications(plan_year=plan_year, today=day_after, unit=unit_a) == [finding]
    assert overdue_counts_by_unit(plan_year=plan_year, today=day_after) == {unit_a.pk: 1}


def test_finding_due_july_15_is_overdue_from_july_16_on_the_pages(
    finding: Finding, clerk_a: User, city: User
) -> None:
    """The unit's and the city's inspection lists and the inspection page show it overdue on 07-16,
    not on 07-15."""
    marker = f'data-finding="{finding.pk}"'
    for user in (clerk_a, city):
        client = as_client(user)
        listing = reverse("paperwork:inspection_list")
        assert marker not in client.get(listing, {"as_of": "2022-07-15"}).content.decode()
        page = client.get(listing, {"as_of": "2022-07-16"}).content.decode()
        assert marker in page and "overdue-row" in page
    detail = reverse("paperwork:inspection_detail", args=[finding.inspection_id])
    client = as_client(clerk_a)
    assert 'data-overdue="0"' in client.get(detail, {"as_of": "2022-07-15"}).content.decode()
    page = client.get(detail, {"as_of": "2022-07-16"}).content.decode()
    assert 'data-overdue="1"' in page and "逾期未整改" in page


def test_unit_closes_the_rectification_with_evidence(
    plan_year: PlanYear, finding: Finding, clerk_a: User, city: User, clerk_b: User
) -> None:
    """驿城区's clerk closes the finding with a date, a note and a photo: no longer overdue, the
    evidence is served to the unit and the city, a 404 to another unit."""
    client = as_client(clerk_a)
    response = client.post(
        reverse("paperwork:finding_close", args=[finding.pk]),
        {"closed_on": "2022-07-20", "note": "已重新粘贴并验收", "evidence": png_upload()},
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.closed_on == date(2022, 7, 20)
    assert finding.closing_evidence.name.endswith(".png")
    assert overdue_rectifications(plan_year=plan_year, today=date(2022, 8, 1)) == []
    assert overdue_counts_by_unit(plan_year=plan_year, today=date(2022, 8, 1)) == {}
    evidence = reverse("paperwork:finding_evidence", args=[finding.pk])
    for user in (clerk_a, city):
        response = as_client(user).get(evidence)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        # Read to the end: the test client then closes the file without closing the database.
        assert b"".join(response.streaming_content).startswith(b"\x89PNG")  # type: ignore[attr-defined]
    assert as_client(clerk_b).get(evidence).status_code == 404
    assert Finding.history.filter(id=finding.pk).first().history_user == clerk_a  # type: ignore[union-attr]


def test_closing_without_evidence_or_before_the_inspection_is_refused(
    finding: Finding, clerk_a: User
) -> None:
    """A rectification is closed only with evidence, and not before the inspection was held."""
    response = as_client(clerk_a).post(
        reverse("paperwork:finding_close", args=[finding.pk]), {"closed_on": "2022-07-20"}
    )
    assert response.status_code == 200
    assert "请上传整改证明材料" in response.content.decode()
    with pytest.raises(ValidationError) as refused:
        inspections.finding_close(
            finding=finding, user=clerk_a, closed_on=date(2022, 6, 1), evidence=png_upload()
        )
    assert "整改完成日期不能早于检查日期" in str(refused.value)
    finding.refresh_from_db()
    assert finding.closed_on is None


def test_city_may_not_close_a_units_rectification(finding: Finding, city: User) -> None:
    """Closing belongs to the inspected unit: the city office is refused (403 and in the service)."""
    url = reverse("paperwork:finding_close", args=[finding.pk])
    assert as_client(city).get(url).status_code == 403
    with pytest.raises(PermissionDenied):
        inspections.finding_close(
            finding=finding, user=city, closed_on=date(2022, 7, 1), evidence=png_upload()
        )


def test_deadline_before_the_inspection_is_refused(june: Inspection, city: User) -> None:
    """A finding's deadline may not fall before the inspection was held."""
    with pytest.raises(ValidationError) as refused:
        add_finding(june, city, deadline=date(2022, 6, 19))
    assert "整改期限不能早于检查日期" in str(refused.value)


# --- who records which inspections ----------------------------------------------------------------


def test_unit_cannot_create_a_city_inspection(
    plan_year: PlanYear, unit_a: Unit, project_a: Project, clerk_a: User
) -> None:
    """A unit's clerk is offered only self-inspection and self-evaluation; a city kind posted anyway
    is refused by the form, and by the service."""
    client = as_client(clerk_a)
    url = reverse("paperwork:inspection_create")
    page = client.get(url).content.decode()
    assert 'value="self_inspection"' in page and 'value="city_june"' not in page
    response = client.post(
        url,
        {
            "kind": InspectionKind.CITY_JUNE,
            "held_on": "2022-06-20",
            "inspectors": "驿城区 王五",
            "projects": [project_a.pk],
        },
    )
    assert response.status_code == 200
    assert not Inspection.objects.exists()
    with pytest.raises(PermissionDenied):
        june_inspection(plan_year, unit_a, [project_a], clerk_a)
    assert not Inspection.objects.exists()


def test_unit_records_its_self_inspection_and_its_findings(
    plan_year: PlanYear, unit_a: Unit, project_a: Project, leader_a: User, city: User
) -> None:
    """驿城区's leader records a self-inspection and its finding; the city office may not add findings
    to it (403), nor record a self-inspection at all."""
    response = as_client(leader_a).post(
        reverse("paperwork:inspection_create"),
        {
            "kind": InspectionKind.SELF_INSPECTION,
            "held_on": "2022-05-10",
            "inspectors": "驿城区住建局 王五",
            "projects": [project_a.pk],
        },
    )
    assert response.status_code == 302
    inspection = Inspection.objects.get()
    assert (inspection.unit, inspection.kind) == (unit_a, "self_inspection")
    add_finding(inspection, leader_a, deadline=date(2022, 5, 31))
    assert (
        as_client(city).get(reverse("paperwork:finding_create", args=[inspection.pk])).status_code
        == 403
    )
    with pytest.raises(PermissionDenied):
        add_finding(inspection, city)
    with pytest.raises(PermissionDenied):
        inspections.inspection_create(
            plan_year=plan_year,
            unit=unit_a,
            user=city,
            data={
                "kind": InspectionKind.SELF_EVALUATION,
                "held_on": JUNE_HELD,
                "inspectors": "x",
            },
        )


def test_unit_cannot_add_findings_to_a_city_inspection(june: Inspection, clerk_a: User) -> None:
    """Findings of a city inspection are the city office's to record: the unit gets a 403."""
    url = reverse("paperwork:finding_create", args=[june.pk])
    assert as_client(clerk_a).get(url).status_code == 403
    with pytest.raises(PermissionDenied):
        add_finding(june, clerk_a)


def test_projects_of_another_unit_are_refused(
    plan_year: PlanYear, unit_a: Unit, project_b: Project, city: User
) -> None:
    """An inspection of 驿城区 cannot name 西平县's project, whatever the caller sends."""
    with pytest.raises(ValidationError) as refused:
        june_inspection(plan_year, unit_a, [project_b], city)
    assert "只能选择驿城区本年度的项目" in str(refused.value)


def test_administrator_reads_but_records_nothing(june: Inspection, admin: User) -> None:
    """The administrator reads the list and the inspection but may not record an inspection."""
    client = as_client(admin)
    assert client.get(reverse("paperwork:inspection_list")).status_code == 200
    assert client.get(reverse("paperwork:inspection_detail", args=[june.pk])).status_code == 200
    assert client.get(reverse("paperwork:inspection_create")).status_code == 403


def test_other_units_objects_are_404(
    finding: Finding, project_a: Project, clerk_b: User, clerk_a: User
) -> None:
    """西平县's clerk gets a 404 for every page of 驿城区's inspection, finding and project, and does
    not see them in the list."""
    Complaint.objects.create(
        project=project_a, kind="complaint", received_on=date(2022, 8, 1), summary="噪音"
    )
    complaint = Complaint.objects.get()
    client = as_client(clerk_b)
    urls = [
        reverse("paperwork:inspection_detail", args=[finding.inspection_id]),
        reverse("paperwork:finding_create", args=[finding.inspection_id]),
        reverse("paperwork:finding_close", args=[finding.pk]),
        reverse("paperwork:finding_evidence", args=[finding.pk]),
        reverse("paperwork:aftercare", args=[project_a.pk]),
        reverse("paperwork:complaint_create", args=[project_a.pk]),
        reverse("paperwork:complaint_handle", args=[complaint.pk]),
        reverse("paperwork:visit_create", args=[project_a.pk]),
        reverse("paperwork:warranty_edit", args=[project_a.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
        assert client.post(url).status_code == 404, url
    listing = client.get(reverse("paperwork:inspection_list"), {"as_of": "2022-12-31"})
    assert "驿城区" not in listing.content.decode().split("inspection-table")[1]
    assert f'data-finding="{finding.pk}"' not in listing.content.decode()
    assert (
        f'data-finding="{finding.pk}"'
        in as_client(clerk_a)
        .get(reverse("paperwork:inspection_list"), {"as_of": "2022-12-31"})
        .content.decode()
    )


# --- the selectors agree with the rule ------------------------------------------------------------


def test_overdue_selectors_agree_with_the_rule(
    plan_year: PlanYear, unit_a: Unit, unit_b: Unit, city: User, clerk_a: User
) -> None:
    """On every day around the deadlines, the overdue list and the per-unit counts are exactly the
    findings rectification_overdue calls overdue (open, closed early, on the day, late, future)."""
    a = june_inspection(plan_year, unit_a, [], city)
    b = june_inspection(plan_year, unit_b, [], city)
    cases = [
        (a, date(2022, 7, 1), None),
        (a, date(2022, 7, 15), None),
        (a, date(2022, 7, 15), date(2022, 7, 15)),
        (a, date(2022, 7, 10), date(2022, 7, 20)),
        (a, date(2022, 6, 20), date(2022, 6, 20)),
        (b, date(2022, 7, 14), None),
        (b, date(2022, 7, 16), date(2022, 7, 14)),
        (b, date(2022, 8, 1), None),
    ]
    for inspection, deadline, closed_on in cases:
        finding = add_finding(inspection, city, deadline=deadline)
        if closed_on is not None:
            inspections.finding_close(
                finding=finding, user=None, closed_on=closed_on, evidence=png_upload()
            )
    findings = list(Finding.objects.select_related("inspection"))
    day = date(2022, 6, 19)
    while day <= date(2022, 8, 3):
        expected = {
            f.pk
            for f in findings
            if rectification_overdue(deadline=f.deadline, closed_on=f.closed_on, today=day)
        }
        listed = overdue_rectifications(plan_year=plan_year, today=day)
        assert {f.pk for f in listed} == expected, day
        assert overdue_counts_by_unit(plan_year=plan_year, today=day) == dict(
            Counter(f.inspection.unit_id for f in findings if f.pk in expected)
        ), day
        only_a = overdue_rectifications(plan_year=plan_year, today=day, unit=unit_a)
        assert {f.pk for f in only_a} == {
            f.pk for f in findings if f.pk in expected and f.inspection.unit_id == unit_a.pk
        }, day
        day += timedelta(days=1)


def test_overdue_counts_by_unit_is_one_query(plan_year: PlanYear, finding: Finding) -> None:
    """The per-unit overdue counts for the city overview take one grouped query."""
    with CaptureQueriesContext(connection) as queries:
        overdue_counts_by_unit(plan_year=plan_year, today=date(2022, 12, 31))
    assert len(queries) == 1


@pytest.mark.parametrize("who", ["city", "clerk_a"])
def test_inspection_list_query_count_is_constant(
    who: str, plan_year: PlanYear, unit_a: Unit, unit_b: Unit, request: pytest.FixtureRequest
) -> None:
    """The inspection list runs as many queries with one inspection as with eight, each with
    projects and overdue findings, in two units."""
    city = request.getfixturevalue("city")
    client = as_client(request.getfixturevalue(who))
    url = reverse("paperwork:inspection_list")
    first = june_inspection(plan_year, unit_a, [ProjectFactory(unit=unit_a)], city)
    add_finding(first, city)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url, {"as_of": "2022-12-31"}).status_code == 200
    for unit in (unit_a, unit_b):
        for _ in range(4):
            inspection = june_inspection(
                plan_year, unit, ProjectFactory.create_batch(2, unit=unit), city
            )
            add_finding(inspection, city)
            add_finding(inspection, city, deadline=date(2023, 1, 31))
    with CaptureQueriesContext(connection) as many:
        response = client.get(url, {"as_of": "2022-12-31"})
    assert response.status_code == 200
    assert len(many) == len(few)


# --- complaints, visits, warranty -----------------------------------------------------------------


def test_complaint_closed_before_received_is_refused(project_a: Project, clerk_a: User) -> None:
    """A complaint cannot be closed before the day it was received: not on the form, not in the
    service, not when its handling is recorded later."""
    client = as_client(clerk_a)
    response = client.post(
        reverse("paperwork:complaint_create", args=[project_a.pk]),
        {
            "kind": "complaint",
            "received_on": "2022-08-10",
            "summary": "施工噪音扰民",
            "handling": "已协调施工单位",
            "closed_on": "2022-08-09",
        },
    )
    assert response.status_code == 200
    assert "办结日期不能早于受理日期" in response.content.decode()
    assert not Complaint.objects.exists()
    with pytest.raises(ValidationError) as refused:
        inspections.complaint_create(
            project=project_a,
            user=clerk_a,
            data={
                "kind": "dispute",
                "received_on": date(2022, 8, 10),
                "summary": "停车位纠纷",
                "closed_on": date(2022, 8, 9),
            },
        )
    assert "办结日期不能早于受理日期" in str(refused.value)
    complaint = inspections.complaint_create(
        project=project_a,
        user=clerk_a,
        data={"kind": "dispute", "received_on": date(2022, 8, 10), "summary": "停车位纠纷"},
    )
    response = client.post(
        reverse("paperwork:complaint_handle", args=[complaint.pk]),
        {"handling": "调解", "closed_on": "2022-08-01"},
    )
    assert "办结日期不能早于受理日期" in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.closed_on is None
    response = client.post(
        reverse("paperwork:complaint_handle", args=[complaint.pk]),
        {"handling": "调解达成一致", "closed_on": "2022-08-10"},
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert (complaint.handling, complaint.closed_on) == ("调解达成一致", date(2022, 8, 10))


def test_unit_records_visits_and_warranty_the_city_reads(
    project_a: Project, clerk_a: User, city: User
) -> None:
    """The unit records a visit and the warranty through the pages; the city office reads the page
    but may not write (403)."""
    client = as_client(clerk_a)
    response = client.post(
        reverse("paperwork:visit_create", args=[project_a.pk]),
        {"visited_on": "2022-11-02", "visitors": "社区 赵六", "note": "居民满意"},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("paperwork:warranty_edit", args=[project_a.pk]),
        {"starts_on": "2022-12-01", "ends_on": "2024-11-30", "warrantor": "某建设公司"},
    )
    assert response.status_code == 302
    page = as_client(city).get(reverse("paperwork:aftercare", args=[project_a.pk]))
    assert "居民满意" in page.content.decode() and "某建设公司" in page.content.decode()
    for name in ("complaint_create", "visit_create", "warranty_edit"):
        assert (
            as_client(city).get(reverse(f"paperwork:{name}", args=[project_a.pk])).status_code
            == 403
        )


@pytest.mark.parametrize(
    ("as_of", "status"),
    [
        ("2022-11-30", "保修期未开始"),
        ("2022-12-01", "保修期内"),
        ("2024-11-30", "保修期内"),
        ("2024-12-01", "已过保修期"),
    ],
)
def test_warranty_page_shows_active_or_expired_at_the_boundaries(
    as_of: str, status: str, project_a: Project, clerk_a: User
) -> None:
    """The warranty of 2022-12-01 to 2024-11-30 is active on both end days, expired the day after
    its end, not yet begun the day before its start."""
    Warranty.objects.create(
        project=project_a, starts_on=date(2022, 12, 1), ends_on=date(2024, 11, 30)
    )
    page = as_client(clerk_a).get(
        reverse("paperwork:aftercare", args=[project_a.pk]), {"as_of": as_of}
    )
    html = page.content.decode()
    start = html.index('id="warranty-status"')
    assert status in html[start : start + 80]


def test_warranty_ending_before_it_starts_is_refused(project_a: Project, clerk_a: User) -> None:
    """A warranty's end may not fall before its start."""
    with pytest.raises(ValidationError) as refused:
        inspections.warranty_save(
            project=project_a,
            user=clerk_a,
            data={"starts_on": date(2022, 12, 1), "ends_on": date(2022, 11, 30)},
        )
    assert "保修截止日期不能早于起始日期" in str(refused.value)


def city_inspection(
    plan_year: PlanYear, unit: Unit, user: User, kind: str, held_on: date, explanation: str = ""
) -> Inspection:
    return inspections.inspection_create(
        plan_year=plan_year,
        unit=unit,
        user=user,
        data={
            "kind": kind,
            "held_on": held_on,
            "inspectors": "市老旧办 张三",
            "timing_explanation": explanation,
        },
    )


def test_city_inspection_outside_its_month_needs_an_explanation(
    plan_year: PlanYear, unit_a: Unit, city: User
) -> None:
    """A June inspection dated July 1st is refused without an explanation, beside its field, and
    recorded with one; the explanation shows on the inspection's page."""
    with pytest.raises(ValidationError) as refused:
        city_inspection(plan_year, unit_a, city, InspectionKind.CITY_JUNE, date(2022, 7, 1))
    assert refused.value.message_dict["timing_explanation"] == [
        "检查日期2022年7月1日不在2022年6月，须填写检查时间说明"
    ]
    assert not Inspection.objects.exists()
    held = city_inspection(
        plan_year, unit_a, city, InspectionKind.CITY_JUNE, date(2022, 7, 1), "因汛期推迟"
    )
    assert held.timing_explanation == "因汛期推迟"
    page = as_client(city).get(reverse("paperwork:inspection_detail", args=[held.pk]))
    assert "因汛期推迟" in page.content.decode()
    # The form refuses it too, beside the field.
    response = as_client(city).post(
        reverse("paperwork:inspection_create") + f"?unit={unit_a.pk}",
        {"kind": "city_december", "held_on": "2022-11-28", "inspectors": "市老旧办 张三"},
    )
    assert response.status_code == 200
    assert "须填写检查时间说明" in response.content.decode()


def test_provincial_verification_is_a_kind_the_city_records(
    plan_year: PlanYear, unit_a: Unit, city: User, clerk_a: User
) -> None:
    """省级核查验收 is its own kind, recorded by the city office (any month), not by a unit."""
    held = city_inspection(plan_year, unit_a, city, InspectionKind.PROVINCIAL, date(2022, 9, 1))
    assert held.get_kind_display() == "省级核查验收"  # type: ignore[attr-defined]
    with pytest.raises(PermissionDenied):
        city_inspection(plan_year, unit_a, clerk_a, InspectionKind.PROVINCIAL, date(2022, 9, 1))


def test_city_page_shows_which_units_had_each_inspection(
    plan_year: PlanYear, unit_a: Unit, unit_b: Unit, city: User, clerk_a: User
) -> None:
    """驿城区 had its June inspection on 06-20 and the province's on 09-01; 西平县 only December's
    on 12-10. Asked as of 11-30, December's is not shown yet; units see no coverage table."""
    city_inspection(plan_year, unit_a, city, InspectionKind.CITY_JUNE, JUNE_HELD)
    city_inspection(plan_year, unit_a, city, InspectionKind.PROVINCIAL, date(2022, 9, 1))
    city_inspection(plan_year, unit_b, city, InspectionKind.CITY_DECEMBER, date(2022, 12, 10))
    rows = {
        r.unit.name: r.held
        for r in inspection_coverage(plan_year=plan_year, today=date(2022, 11, 30))
    }
    assert rows["驿城区"] == (JUNE_HELD, None, date(2022, 9, 1))
    assert rows["西平县"] == (None, None, None)
    assert len(rows) == Unit.objects.count()
    page = as_client(city).get(reverse("paperwork:inspection_list"), {"as_of": "2022-12-31"})
    text = page.content.decode()
    assert 'id="inspection-coverage"' in text
    assert 'data-unit="西平县"' in text and 'data-held="2022-12-10"' in text
    assert "未检查" in text
    own = as_client(clerk_a).get(reverse("paperwork:inspection_list")).content.decode()
    assert 'id="inspection-coverage"' not in own
