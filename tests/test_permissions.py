"""Who may do what (SPEC §6): every URL of the portal for every role, and cross-unit attempts.

The matrix is generated from the URL conf: a URL without an entry in EXPECTED fails
``test_every_url_has_an_expected_row``, so a new page can't be added without saying who may see it.
Unit A is 驿城区, unit B is 西平县; objects outside a clerk's or leader's unit are a 404.
"""

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from PIL import Image

from paperwork.models import (
    Complaint,
    Finding,
    ImplementationPlan,
    Inspection,
    InspectionKind,
    PlanAdjustment,
    RenovationPlan,
    ResidentWish,
    WorkInfo,
    WorkInfoPhoto,
)
from paperwork.services import wishes
from projects import notifications, services
from projects.choices import Criterion, JobState, NotificationKind, Opinion, ProjectKind, Role
from projects.importing import HOUSEHOLD_HEADERS, PROJECT_HEADERS
from projects.models import (
    AcceptanceRecord,
    CoordinatedConstructionPlan,
    FundReceipt,
    Household,
    Job,
    PlanYear,
    Project,
    StartCriterion,
    UnassignedCarryover,
    Unit,
    User,
)
from reporting import reports
from reporting.models import MonthlyReport, Notice, ReportFlag
from tests.factories import HouseholdFactory, ProjectFactory, UserFactory
from tests.pdf import minimal_pdf
from tests.xlsx import household_row, project_row, write_xlsx

pytestmark = pytest.mark.django_db

UNIT_A = "驿城区"
UNIT_B = "西平县"
PROJECT_A = "建设路1号院"
PROJECT_B = "人民路2号院"

ROLES = ("anonymous", "clerk_a", "leader_a", "clerk_b", "city", "admin")
B_ROLES = ("clerk_b", "leader_b")

# --- the expected status of a GET, by role ------------------------------------------------------


def _codes(anonymous: int, a: int, clerk_b: int, city: int, admin: int) -> dict[str, int]:
    return {
        "anonymous": anonymous,
        "clerk_a": a,
        "leader_a": a,
        "clerk_b": clerk_b,
        "city": city,
        "admin": admin,
    }


PUBLIC = _codes(200, 200, 200, 200, 200)
SIGNED_IN = _codes(302, 200, 200, 200, 200)
# A new project of one's own unit: clerk B creates in B; the city office and admins write nothing.
OWN_UNIT_CREATE = _codes(302, 200, 200, 403, 403)
# A's object: A reads, B gets a 404, the city office and admins read.
READ_A = _codes(302, 200, 404, 200, 200)
# A's object: A writes, B gets a 404, the city office and admins are refused.
WRITE_A = _codes(302, 200, 404, 403, 403)
POST_ONLY = _codes(405, 405, 405, 405, 405)
# The city office's pages: units are refused (the overview opens to them only when the city allows).
CITY_ONLY = _codes(302, 403, 403, 200, 200)
# Home: units see their own page; the city office and admins are sent on to the city overview.
HOME = _codes(302, 200, 200, 302, 302)
# A's clerk's own background job: a 404 to everyone else, A's leader, the city office and admins too.
OWNER_ONLY = {"anonymous": 302, "clerk_a": 200} | dict.fromkeys(
    ("leader_a", "clerk_b", "city", "admin"), 404
)


@dataclass(frozen=True)
class Expect:
    """What a URL is about (None, A's project or A's household) and its status by role on GET;
    ``post`` for URLs that only take POST."""

    target: str | None
    get: dict[str, int]
    post: dict[str, int] | None = None
    redirect: str | None = None  # where a signed-in 302 goes (anonymous always goes to login)


EXPECTED: dict[str, Expect] = {
    # django.contrib.auth's pages
    "login": Expect(None, PUBLIC),
    "healthz": Expect(None, PUBLIC),
    "logout": Expect(None, POST_ONLY),
    "password_change": Expect(None, SIGNED_IN),
    "password_change_done": Expect(None, SIGNED_IN),
    # the portal
    "home": Expect(None, HOME, redirect="reporting:overview"),
    "import_template": Expect(None, SIGNED_IN),
    "project_list": Expect(None, SIGNED_IN),
    "project_list_download": Expect(None, SIGNED_IN),
    "project_import": Expect(None, OWN_UNIT_CREATE),
    "project_import_cancel": Expect(None, POST_ONLY, post=_codes(302, 302, 302, 403, 403)),
    "project_create": Expect(None, OWN_UNIT_CREATE),
    "project_detail": Expect("project", READ_A),
    "project_edit": Expect("project", WRITE_A),
    "project_history": Expect("project", READ_A),
    "criterion_edit": Expect("project", WRITE_A),
    "evidence_download": Expect("project", READ_A),
    "household_list": Expect("project", READ_A),
    "household_list_download": Expect("project", READ_A),
    "household_create": Expect("project", WRITE_A),
    "household_import": Expect("project", WRITE_A),
    "household_import_cancel": Expect("project", POST_ONLY, post=_codes(302, 302, 404, 403, 403)),
    "household_detail": Expect("household", READ_A),
    "household_edit": Expect("household", WRITE_A),
    "household_delete": Expect("household", WRITE_A),
    # the city office's dashboards and target maintenance
    "reporting:overview": Expect(None, CITY_ONLY),
    "reporting:unit": Expect("unit", READ_A),
    "reporting:targets": Expect(None, CITY_ONLY),
    "reporting:target_edit": Expect("unit_target", CITY_ONLY),
    "reporting:trial_months": Expect(None, CITY_ONLY),
    "reporting:carryover_assign": Expect("unassigned", CITY_ONLY),
    # the year rollover: previewed by the city office and administrators, confirmed by the city
    "reporting:plan_year_rollover": Expect(None, CITY_ONLY),
    # plan years as data (2022 here, open: its edit and open pages only say so)
    "reporting:plan_years": Expect(None, CITY_ONLY),
    "reporting:plan_year_new": Expect(None, CITY_ONLY),
    "reporting:plan_year_detail": Expect(None, CITY_ONLY),
    "reporting:plan_year_edit": Expect(None, CITY_ONLY),
    "reporting:plan_year_open": Expect(None, CITY_ONLY),
    # monthly reports
    "reporting:reports": Expect(None, SIGNED_IN),
    "reporting:report_month": Expect("unit", READ_A),
    "reporting:report_act": Expect("report", POST_ONLY, post=_codes(302, 302, 404, 302, 302)),
    "reporting:report_stamp": Expect("report", READ_A),
    "reporting:flags": Expect(None, SIGNED_IN),
    "reporting:flags_check": Expect(None, POST_ONLY, post=_codes(302, 403, 403, 302, 403)),
    "reporting:flag_rule": Expect("flag", POST_ONLY, post=_codes(302, 403, 403, 302, 403)),
    "reporting:assessment": Expect(None, CITY_ONLY),
    "reporting:unit_month_export": Expect("unit", READ_A),
    "reporting:city_month_export": Expect(None, CITY_ONLY),
    "reporting:assessment_export": Expect(None, CITY_ONLY),
    # notices (通报): the city office drafts and records them; a unit sees those naming it
    "reporting:notices": Expect(None, SIGNED_IN),
    "reporting:notice_docx": Expect(None, CITY_ONLY),
    # an empty form is shown again with its errors to the city office
    "reporting:notice_record": Expect(None, POST_ONLY, post=_codes(302, 403, 403, 200, 403)),
    "reporting:notice_scan": Expect("notice", READ_A),
    # paperwork: plans, inspections and aftercare
    "paperwork:plans": Expect(None, SIGNED_IN),
    "paperwork:plan_table": Expect("unit", READ_A),
    "paperwork:plan_document": Expect("unit", READ_A),
    "paperwork:renovation_plan": Expect("project", READ_A),
    "paperwork:renovation_record": Expect("project", READ_A),
    # the residents' wishes of A's renovation plan: A's clerk and leader enter them
    "paperwork:wish_create": Expect("project", WRITE_A),
    "paperwork:wish_edit": Expect("resident_wish", WRITE_A),
    "paperwork:wish_delete": Expect("resident_wish", WRITE_A),
    "paperwork:inspection_list": Expect(None, SIGNED_IN),
    "paperwork:inspection_create": Expect(None, _codes(302, 200, 200, 200, 403)),
    "paperwork:inspection_detail": Expect("inspection", READ_A),
    # A's city inspection: its findings are the city office's to add
    "paperwork:finding_create": Expect("inspection", _codes(302, 403, 404, 200, 403)),
    "paperwork:finding_close": Expect("finding", WRITE_A),
    "paperwork:finding_evidence": Expect("finding", READ_A),
    "paperwork:aftercare": Expect("project", READ_A),
    "paperwork:complaint_create": Expect("project", WRITE_A),
    "paperwork:complaint_handle": Expect("complaint", WRITE_A),
    "paperwork:visit_create": Expect("project", WRITE_A),
    "paperwork:warranty_edit": Expect("project", WRITE_A),
    "paperwork:adjustment_list": Expect(None, SIGNED_IN),
    "paperwork:adjustment_create": Expect(None, OWN_UNIT_CREATE),
    "paperwork:adjustment_detail": Expect("adjustment", READ_A),
    "paperwork:adjustment_edit": Expect("adjustment", WRITE_A),
    "paperwork:adjustment_consent_scan": Expect("adjustment", READ_A),
    "paperwork:adjustment_joint_scan": Expect("adjustment", READ_A),
    "paperwork:adjustment_submit": Expect(
        "adjustment", POST_ONLY, post=_codes(302, 302, 404, 403, 403)
    ),
    "paperwork:adjustment_accept": Expect(
        "adjustment", POST_ONLY, post=_codes(302, 403, 404, 302, 403)
    ),
    "paperwork:adjustment_return": Expect(
        "adjustment", POST_ONLY, post=_codes(302, 403, 404, 302, 403)
    ),
    # records of the source document: funds, participants, approvals, acceptance, work information
    "funds": Expect(None, SIGNED_IN),
    "project_records": Expect("project", READ_A),
    "fund_receipt_create": Expect("project", WRITE_A),
    # the delete asks first on a page of its own (GET), then deletes (POST)
    "fund_receipt_delete": Expect("fund_receipt", WRITE_A),
    "participant_edit": Expect("project", WRITE_A),
    "approval_create": Expect("project", WRITE_A),
    "coordinated_plan_edit": Expect("project", WRITE_A),
    "coordinated_plan_document": Expect("project", READ_A),
    "acceptance_edit": Expect("project", WRITE_A),
    "acceptance_document": Expect("project", READ_A),
    # the provincial contact-point flag is the city office's to set
    "contact_point_set": Expect("project", POST_ONLY, post=_codes(302, 403, 404, 302, 403)),
    "paperwork:work_info_list": Expect(None, SIGNED_IN),
    "paperwork:work_info_create": Expect(None, OWN_UNIT_CREATE),
    "paperwork:work_info_detail": Expect("work_info", READ_A),
    "paperwork:work_info_photo": Expect("work_info_photo", READ_A),
    "paperwork:work_info_adopt": Expect(
        "work_info", POST_ONLY, post=_codes(302, 403, 404, 302, 403)
    ),
    # residents' full data: the city office only, not even administrators
    "reporting:residents_export": Expect(None, _codes(302, 403, 403, 200, 403)),
    # one's own notifications: A's clerk's notification is a 404 to everyone else, A's leader too
    "notifications": Expect(None, SIGNED_IN),
    "notification_read": Expect(
        "notification",
        POST_ONLY,
        post={"anonymous": 302, "clerk_a": 302, "leader_a": 404}
        | dict.fromkeys(("clerk_b", "city", "admin"), 404),
    ),
    "notifications_read_all": Expect(None, POST_ONLY, post=_codes(302, 302, 302, 302, 302)),
    # one's own background jobs (我的任务): the list, a job's page, its status and its result
    "jobs": Expect(None, SIGNED_IN),
    "job_detail": Expect("job", OWNER_ONLY),
    "job_status": Expect("job", OWNER_ONLY),
    "job_download": Expect("job", OWNER_ONLY),
}

# URL arguments other than the object's pk.
FIXED_KWARGS: dict[str, Any] = {
    "month": 6,
    "criterion": Criterion.DESIGN_POSTED.value,
    "kind": "projects",
    "role": "design",
    "year": 2022,
}


def _walk(
    resolver: URLResolver, namespaces: tuple[str, ...] = (), prefix: str = ""
) -> Iterator[tuple[tuple[str, ...], str, str, tuple[str, ...]]]:
    """(namespaces, qualified name, route, argument names) of every pattern below ``resolver``;
    an unnamed pattern is named by its route, so it can't hide from the matrix either."""
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = (*namespaces, entry.namespace) if entry.namespace else namespaces
            yield from _walk(entry, inner, route)
        elif isinstance(entry, URLPattern):
            name = ":".join((*namespaces, entry.name)) if entry.name else f"<unnamed {route}>"
            arguments = tuple(getattr(entry.pattern, "converters", {}))
            yield namespaces, name, route, arguments


def portal_urls() -> dict[str, tuple[str, ...]]:
    """Every URL except the admin's (it has its own permissions) and Django's language switch."""
    return {
        name: arguments
        for namespaces, name, route, arguments in _walk(get_resolver())
        if "admin" not in namespaces and not route.startswith("i18n/")
    }


# --- the world: two units' projects, households and evidence, and one user per role ---------------


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


@dataclass
class World:
    users: dict[str, User]
    project_a: Project
    household_a: Household
    project_b: Project
    household_b: Household
    media: Path
    report_a: MonthlyReport
    flag_a: ReportFlag
    inspection_a: Inspection
    finding_a: Finding
    complaint_a: Complaint
    adjustment_a: PlanAdjustment
    fund_receipt_a: FundReceipt
    work_info_a: WorkInfo
    notification_a: int  # A's clerk's
    notice_a: Notice
    resident_wish_a: ResidentWish
    job_a: Job  # A's clerk's, done, with a result to download

    def pk_of(self, target: str | None) -> int | None:
        if target == "project":
            return self.project_a.pk
        if target == "household":
            return self.household_a.pk
        if target in ("unit", "unit_target"):
            return self.project_a.unit_id
        if target == "report":
            return self.report_a.pk
        if target == "inspection":
            return self.inspection_a.pk
        if target == "finding":
            return self.finding_a.pk
        if target == "complaint":
            return self.complaint_a.pk
        if target == "adjustment":
            return self.adjustment_a.pk
        if target == "flag":
            return self.flag_a.pk
        if target == "fund_receipt":
            return self.fund_receipt_a.pk
        if target == "resident_wish":
            return self.resident_wish_a.pk
        if target == "work_info":
            return self.work_info_a.pk
        if target == "work_info_photo":
            return self.work_info_a.photos.values_list("pk", flat=True).first()
        if target == "notification":
            return self.notification_a
        if target == "notice":
            return self.notice_a.pk
        if target == "job":
            return self.job_a.pk
        if target == "unassigned":
            return UnassignedCarryover.objects.order_by("pk").values_list("pk", flat=True).first()
        return None


@pytest.fixture
def world(programme: None, settings: Any, tmp_path: Path) -> World:
    media = tmp_path / "media"
    media.mkdir()
    settings.MEDIA_ROOT = media
    unit_a = Unit.objects.get(name=UNIT_A)
    unit_b = Unit.objects.get(name=UNIT_B)
    project_a = ProjectFactory(unit=unit_a, name=PROJECT_A)
    project_b = ProjectFactory(unit=unit_b, name=PROJECT_B)
    record = StartCriterion.objects.create(
        project=project_a, criterion=Criterion.DESIGN_POSTED, met_on=date(2022, 3, 20)
    )
    record.evidence.save("design.png", ContentFile(png_bytes()))
    users = {
        "clerk_a": UserFactory(username="clerk-a", role=Role.CLERK, unit=unit_a),
        "leader_a": UserFactory(username="leader-a", role=Role.LEADER, unit=unit_a),
        "clerk_b": UserFactory(username="clerk-b", role=Role.CLERK, unit=unit_b),
        "leader_b": UserFactory(username="leader-b", role=Role.LEADER, unit=unit_b),
        "city": UserFactory(username="city", role=Role.CITY, unit=None, is_staff=True),
        "admin": User.objects.create_superuser("admin", password="Zmd-test-2022!"),
    }
    plan_year = PlanYear.objects.get(year=2022)
    report_a = reports.report_open(plan_year=plan_year, unit=unit_a, month=6, user=users["clerk_a"])
    report_a = reports.report_submit(report=report_a, user=users["clerk_a"])
    pdf = minimal_pdf()
    report_a = reports.report_approve(
        report=report_a, stamp=ContentFile(pdf, name="stamp.pdf"), user=users["leader_a"]
    )
    flag_a = ReportFlag.objects.create(report=report_a, kind="fell", detail="测试疑点")
    ImplementationPlan.objects.create(
        plan_year=plan_year,
        unit=unit_a,
        submitted_on=date(2022, 2, 20),
        document=ContentFile(pdf, name="plan.pdf"),
    )
    renovation_plan_a = RenovationPlan.objects.create(
        project=project_a,
        consultation_on=date(2022, 3, 5),
        consultation_record=ContentFile(pdf, name="record.pdf"),
    )
    resident_wish_a = ResidentWish.objects.create(
        plan=renovation_plan_a, facility="加装电梯", households=1
    )
    inspection_a = Inspection.objects.create(
        plan_year=plan_year,
        unit=unit_a,
        kind=InspectionKind.CITY_JUNE,
        held_on=date(2022, 6, 20),
        inspectors="市老旧办",
    )
    finding_a = Finding.objects.create(
        inspection=inspection_a,
        project=project_a,
        description="围挡不连续",
        rectification="完善围挡",
        deadline=date(2022, 7, 15),
        closed_on=date(2022, 7, 10),
        closing_evidence=ContentFile(pdf, name="fixed.pdf"),
    )
    complaint_a = Complaint.objects.create(
        project=project_a, kind="complaint", received_on=date(2022, 9, 1), summary="噪声"
    )
    adjustment_a = PlanAdjustment.objects.create(
        plan_year=plan_year,
        unit=unit_a,
        county_consent_scan=ContentFile(pdf, name="consent.pdf"),
        joint_document_scan=ContentFile(pdf, name="joint.pdf"),
    )
    fund_receipt_a = FundReceipt.objects.create(
        project=project_a, source="central", received_on=date(2022, 4, 1), amount=10
    )
    CoordinatedConstructionPlan.objects.create(
        project=project_a, document=ContentFile(pdf, name="coordinated.pdf")
    )
    AcceptanceRecord.objects.create(
        project=project_a,
        participants="建设、施工、监理单位",
        handed_to="community",
        document=ContentFile(pdf, name="acceptance.pdf"),
    )
    work_info_a = WorkInfo.objects.create(
        plan_year=plan_year, unit=unit_a, title="驿城区工作信息", text="内容"
    )
    WorkInfoPhoto.objects.create(item=work_info_a, image=ContentFile(png_bytes(), name="p.png"))
    (notification_a,) = notifications.notify(
        recipients=[users["clerk_a"]], kind=NotificationKind.REPORT_RECEIVED, text="已接收"
    )
    # A notice naming A only: B's clerk and leader get a 404 for its scan.
    notice_a = Notice.objects.create(
        plan_year=plan_year,
        period_kind="month",
        period_start=date(2022, 6, 1),
        period_end=date(2022, 6, 30),
        number="驻旧改办〔2022〕9号",
        issued_on=date(2022, 7, 8),
        scan=ContentFile(pdf, name="notice.pdf"),
        recorded_by=users["city"],
    )
    notice_a.units.set([unit_a])
    job_a = Job.objects.create(
        kind="city_month_export",
        user=users["clerk_a"],
        unit=unit_a,
        state=JobState.DONE,
        finished_at=timezone.now(),
        result_name="结果.xlsx",
    )
    job_a.result.save("result.xlsx", ContentFile(b"PK"), save=True)
    return World(
        job_a=job_a,
        resident_wish_a=resident_wish_a,
        fund_receipt_a=fund_receipt_a,
        work_info_a=work_info_a,
        notification_a=notification_a.pk,
        notice_a=notice_a,
        adjustment_a=adjustment_a,
        inspection_a=inspection_a,
        finding_a=finding_a,
        complaint_a=complaint_a,
        report_a=report_a,
        flag_a=flag_a,
        users=users,
        project_a=project_a,
        household_a=HouseholdFactory(project=project_a, head_name="驿城住户"),
        project_b=project_b,
        household_b=HouseholdFactory(project=project_b, head_name="西平住户"),
        media=media,
    )


def url_of(name: str, world: World) -> str:
    arguments = portal_urls()[name]
    kwargs: dict[str, Any] = {}
    for argument in arguments:
        if argument == "pk":
            kwargs["pk"] = world.pk_of(EXPECTED[name].target)
        elif argument == "unit_id":
            kwargs["unit_id"] = world.project_a.unit_id
        else:
            kwargs[argument] = FIXED_KWARGS[argument]
    return reverse(name, kwargs=kwargs)


def client_for(role: str, world: World) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


def fetched(response: HttpResponse) -> int:
    """The status code, after reading and closing a streamed file."""
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)  # type: ignore[attr-defined]
    response.close()
    return response.status_code


def assert_login_redirect(response: HttpResponse, url: str) -> None:
    location = urlsplit(response["Location"])
    assert location.path == reverse("login"), response["Location"]
    assert parse_qs(location.query).get("next") == [url], response["Location"]


def snapshot(world: World) -> tuple[Any, ...]:
    """Every row of projects, households and criteria, their history, and every stored file."""
    return (
        list(Project.objects.order_by("pk").values()),
        list(Household.objects.order_by("pk").values()),
        list(StartCriterion.objects.order_by("pk").values()),
        Project.history.count(),
        Household.history.count(),
        StartCriterion.history.count(),
        list(ResidentWish.objects.order_by("pk").values()),
        ResidentWish.history.count(),
        sorted(str(p.relative_to(world.media)) for p in world.media.rglob("*") if p.is_file()),
    )


# --- the matrix ---------------------------------------------------------------------------------


def test_every_url_has_an_expected_row() -> None:
    """Every named URL outside the admin is in EXPECTED, and EXPECTED names no URL that is gone."""
    found = set(portal_urls())
    missing = sorted(found - set(EXPECTED))
    gone = sorted(set(EXPECTED) - found)
    assert not missing, f"URLs without an entry in EXPECTED: {missing}"
    assert not gone, f"EXPECTED names URLs that no longer exist: {gone}"


def test_every_url_argument_has_a_value() -> None:
    """Every URL argument is an object pk (of the entry's target), A's unit, or has a value in
    FIXED_KWARGS."""
    for name, arguments in portal_urls().items():
        for argument in arguments:
            if argument in ("pk", "unit_id"):
                assert name in EXPECTED and EXPECTED[name].target, name
            else:
                assert argument in FIXED_KWARGS, (name, argument)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_get_status_by_role(name: str, role: str, world: World) -> None:
    """A GET of each URL by each role answers the expected status; a 302 goes to the login page."""
    url = url_of(name, world)
    response = client_for(role, world).get(url)
    status = fetched(response)
    expected = EXPECTED[name].get[role]
    assert status == expected, f"GET {name} {url} as {role}: got {status}, expected {expected}"
    if status == 302 and role == "anonymous":
        assert_login_redirect(response, url)
    elif status == 302:
        target = EXPECTED[name].redirect
        assert target and response["Location"] == reverse(target), response["Location"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(n for n, e in EXPECTED.items() if e.post))
def test_post_only_status_by_role(name: str, role: str, world: World) -> None:
    """A POST to a POST-only URL by each role answers the expected status; anonymous goes to login."""
    url = url_of(name, world)
    response = client_for(role, world).post(url)
    post = EXPECTED[name].post
    assert post is not None
    assert response.status_code == post[role], (
        f"POST {name} {url} as {role}: got {response.status_code}, expected {post[role]}"
    )
    if role == "anonymous":
        assert_login_redirect(response, url)


# URLs of one unit's objects (not the city office's target pages, which refuse units outright).
OBJECT_URLS = sorted(
    n for n, e in EXPECTED.items() if e.target in ("project", "household", "unit", "notice")
)


@pytest.mark.parametrize("role", B_ROLES)
@pytest.mark.parametrize("name", OBJECT_URLS)
def test_other_units_objects_are_404(name: str, role: str, world: World) -> None:
    """Every URL naming one of A's projects or households is a 404 for B's clerk and leader."""
    url = url_of(name, world)
    client = client_for(role, world)
    response = client.post(url) if EXPECTED[name].post else client.get(url)
    status = fetched(response)
    assert status == 404, f"{name} {url} as {role}: got {status}, expected 404"


@pytest.mark.parametrize("role", ("clerk_a", "leader_a", "clerk_b", "leader_b", "city"))
def test_project_list_shows_only_the_users_unit(role: str, world: World) -> None:
    """The project list shows a clerk or leader their own unit's projects only; the city all."""
    html = client_for(role, world).get(reverse("project_list")).content.decode()
    sees_a, sees_b = PROJECT_A in html, PROJECT_B in html
    assert (sees_a, sees_b) == {
        "clerk_a": (True, False),
        "leader_a": (True, False),
        "clerk_b": (False, True),
        "leader_b": (False, True),
        "city": (True, True),
    }[role]


# --- writes across units ------------------------------------------------------------------------


def roster_file(tmp_path: Path, rows: list[list[Any]]) -> SimpleUploadedFile:
    path = write_xlsx(tmp_path / "roster.xlsx", HOUSEHOLD_HEADERS, rows)
    return SimpleUploadedFile(
        "roster.xlsx",
        path.read_bytes(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def project_form_data(project: Project, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "version": project.version,
        "kind": project.kind,
        "name": project.name,
        "address": project.address,
        "buildings": project.buildings,
        "households": project.households,
        "floor_area": project.floor_area,
        "investment": project.investment,
        "fund_central": project.fund_central,
        "fund_provincial": project.fund_provincial,
        "fund_city": project.fund_city,
        "fund_county": project.fund_county,
        "fund_social": project.fund_social,
        "fund_credit": project.fund_credit,
        "fund_residents": project.fund_residents,
        "management_mode": "",
        "construction_unit": "",
        "supervising_unit": "",
        "responsible_person": "",
        "responsible_phone": "",
        "contractor": "",
        "completed_on": "",
        "accepted_on": "",
        "warning_note": "资金来源待落实",
        "contents_other": "",
        "hazards_other": "",
    }
    data.update(overrides)
    return data


def household_form_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "building": "3",
        "entrance": "1",
        "room": "901",
        "head_name": "赵六",
        "phone": "13700001111",
        "plan_opinion": Opinion.AGREE,
        "management_opinion": Opinion.AGREE,
        "answered_on": "2022-03-02",
    }
    data.update(overrides)
    return data


# Each write URL and its POST body (built per request: an upload is read once).
WRITES: dict[str, Callable[[World], dict[str, Any]]] = {
    "project_edit": lambda w: project_form_data(w.project_a, name="改名小区", address="改了地址"),
    "criterion_edit": lambda w: {
        "met_on": "2022-03-25",
        "note": "改了",
        "evidence": SimpleUploadedFile("x.png", png_bytes(), content_type="image/png"),
    },
    "household_create": lambda w: household_form_data(),
    "household_edit": lambda w: household_form_data(
        building=w.household_a.building,
        entrance=w.household_a.entrance,
        room=w.household_a.room,
        head_name="改名住户",
    ),
    "household_delete": lambda w: {},
    "household_import": lambda w: {
        "preview": "1",
        "file": roster_file(
            w.media.parent, [household_row(区县=UNIT_A, 小区名称=PROJECT_A, 房号="902")]
        ),
    },
    "household_import_cancel": lambda w: {},
}
# The writes that change stored data when A's clerk sends them (the import only previews).
CHANGING_WRITES = ("project_edit", "criterion_edit", "household_create", "household_edit")


@pytest.mark.parametrize("role", ("clerk_a", "leader_a"))
@pytest.mark.parametrize("write", [*CHANGING_WRITES, "household_delete"])
def test_own_unit_write_goes_through(write: str, role: str, world: World) -> None:
    """The write payloads are valid: sent by A's clerk or leader they change A's data."""
    before = snapshot(world)
    response = client_for(role, world).post(url_of(write, world), WRITES[write](world))
    assert response.status_code == 302, response.context and response.context.get("form").errors
    assert snapshot(world) != before


@pytest.mark.parametrize("role", ("clerk_b", "leader_b", "city", "admin"))
@pytest.mark.parametrize("write", sorted(WRITES))
def test_write_to_other_units_objects_is_refused(write: str, role: str, world: World) -> None:
    """A's write URLs POSTed by B's users are 404, by city/admin 403, and change nothing stored."""
    before = snapshot(world)
    response = client_for(role, world).post(url_of(write, world), WRITES[write](world))
    expected = 404 if role in B_ROLES else 403
    assert response.status_code == expected, (
        f"POST {write} as {role}: got {response.status_code}, expected {expected}"
    )
    assert snapshot(world) == before


@pytest.mark.parametrize("role", ("city", "admin"))
def test_city_and_admin_cannot_create_projects(role: str, world: World) -> None:
    """A POST to the new-project page by the city office or an admin is a 403 and creates nothing."""
    before = snapshot(world)
    data = project_form_data(world.project_a, name="市里新建小区", version="")
    response = client_for(role, world).post(reverse("project_create"), data)
    assert response.status_code == 403
    assert snapshot(world) == before


@pytest.mark.parametrize("role", ("clerk_a", "leader_a"))
def test_new_project_unit_is_never_taken_from_the_form(role: str, world: World) -> None:
    """A new project POSTed with a forged ``unit`` field naming unit B is created in unit A."""
    unit_b = Unit.objects.get(name=UNIT_B)
    data = project_form_data(
        world.project_a, name="伪造区县小区", version="", unit=unit_b.pk, unit_id=unit_b.pk
    )
    response = client_for(role, world).post(reverse("project_create"), data)
    assert response.status_code == 302
    created = Project.objects.get(name="伪造区县小区")
    assert created.unit.name == UNIT_A
    assert not Project.objects.filter(unit=unit_b, name="伪造区县小区").exists()


# --- the services refuse too --------------------------------------------------------------------


SERVICE_CALLS: dict[str, Callable[[World, User], object]] = {
    "project_create": lambda w, u: services.project_create(
        plan_year=w.project_a.plan_year,
        unit=w.project_a.unit,
        user=u,
        data={"kind": ProjectKind.NEW, "name": "服务新建小区", "households": 5},
    ),
    "project_update": lambda w, u: services.project_update(
        project_id=w.project_a.pk,
        expected_version=w.project_a.version,
        user=u,
        data={"name": "服务改名小区"},
    ),
    "household_create": lambda w, u: services.household_create(
        project=w.project_a,
        user=u,
        data={"building": "8", "entrance": "1", "room": "801", "head_name": "钱七"},
    ),
    "household_update": lambda w, u: services.household_update(
        household=w.household_a, user=u, data={"head_name": "服务改名"}
    ),
    "household_delete": lambda w, u: services.household_delete(household=w.household_a, user=u),
    "criterion_record": lambda w, u: services.criterion_record(
        project=w.project_a,
        criterion=Criterion.CONTRACT_SIGNED,
        met_on=date(2022, 4, 1),
        user=u,
        contractor="某建设公司",
    ),
    "resident_wish_add": lambda w, u: wishes.resident_wish_add(
        project=w.project_a, user=u, facility="停车位", households=1
    ),
    "resident_wish_update": lambda w, u: wishes.resident_wish_update(
        wish=w.resident_wish_a, user=u, facility="充电桩", households=1
    ),
    "resident_wish_delete": lambda w, u: wishes.resident_wish_delete(
        wish=w.resident_wish_a, user=u
    ),
}


@pytest.mark.parametrize("role", ("clerk_b", "leader_b", "city", "admin"))
@pytest.mark.parametrize("call", sorted(SERVICE_CALLS))
def test_services_refuse_users_outside_the_unit(call: str, role: str, world: World) -> None:
    """The write services refuse B's users, city and admin on A's data and write nothing."""
    before = snapshot(world)
    with pytest.raises(PermissionDenied):
        SERVICE_CALLS[call](world, world.users[role])
    assert snapshot(world) == before


# --- an import file naming another unit ---------------------------------------------------------


NOT_YOURS = f"无权导入{UNIT_B}的数据"
ONLY_THIS_PROJECT = f"此处只能导入“{UNIT_A}{PROJECT_A}”的住户"
NO_SUCH_PROJECT = f"没有名为“{PROJECT_B}”的项目"


@pytest.mark.parametrize(
    ("rows", "messages"),
    [
        pytest.param([(UNIT_B, PROJECT_B)], [NOT_YOURS, ONLY_THIS_PROJECT], id="B-unit-B-project"),
        pytest.param([(UNIT_A, PROJECT_B)], [NO_SUCH_PROJECT], id="A-unit-B-project"),
        pytest.param([(UNIT_B, PROJECT_A)], [NOT_YOURS], id="B-unit-A-project"),
        pytest.param(
            [(UNIT_A, PROJECT_A), (UNIT_B, PROJECT_B)],
            [NOT_YOURS, ONLY_THIS_PROJECT],
            id="A-row-and-B-row",
        ),
    ],
)
def test_roster_import_naming_another_unit_writes_nothing(
    rows: list[tuple[str, str]], messages: list[str], world: World, tmp_path: Path
) -> None:
    """A roster naming 西平县 or B's project, on A's page, shows errors, no token, writes nothing."""
    client = client_for("clerk_a", world)
    before = snapshot(world)
    upload = roster_file(
        tmp_path,
        [
            household_row(区县=unit, 小区名称=name, 房号=str(501 + i))
            for i, (unit, name) in enumerate(rows)
        ],
    )
    url = reverse("household_import", kwargs={"pk": world.project_a.pk})
    response = client.post(url, {"preview": "1", "file": upload})
    assert response.status_code == 200
    assert response.context["result"].errors
    html = response.content.decode()
    assert 'id="import-errors"' in html
    for message in messages:
        assert message in html
    assert 'name="confirm"' not in html
    assert f"roster-import-{world.project_a.pk}" not in client.session
    assert snapshot(world) == before


def test_import_services_refuse_rows_of_another_unit(world: World, tmp_path: Path) -> None:
    """The project and roster import services refuse a clerk's rows of another unit."""
    clerk = world.users["clerk_a"]
    plan_year = world.project_a.plan_year
    before = snapshot(world)
    projects_file = write_xlsx(
        tmp_path / "projects.xlsx", PROJECT_HEADERS, [project_row(区县=UNIT_B, 小区名称="新小区")]
    )
    result = services.projects_import(source=projects_file, plan_year=plan_year, user=clerk)
    assert any(NOT_YOURS in e.message for e in result.errors), result.errors
    roster = write_xlsx(
        tmp_path / "roster.xlsx",
        HOUSEHOLD_HEADERS,
        [household_row(区县=UNIT_B, 小区名称=PROJECT_B, 房号="601")],
    )
    result = services.households_import(source=roster, plan_year=plan_year, user=clerk)
    assert any(NOT_YOURS in e.message for e in result.errors), result.errors
    assert snapshot(world) == before
