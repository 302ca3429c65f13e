"""The source document's records (issue 18): funds in place, participants, approvals, the
coordinated plan, acceptance and hand-over, the contact-point flag and work information — written
through their services by the roles that own them, shown on the pages, read in constant queries."""

import io
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from paperwork.models import RenovationPlan, ResidentWish, WorkInfo
from paperwork.selectors.work_info import work_info_counts
from paperwork.services import work_info
from projects import records
from projects.choices import Role
from projects.models import AcceptanceRecord, FundReceipt, PlanYear, Project, Unit, User
from tests.factories import ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

PHONE = "13912345678"


def png_upload(name: str = "照片.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (30, 120, 30)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


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
def clerk(unit_a: Unit) -> User:
    return UserFactory(username="clerk-a", role=Role.CLERK, unit=unit_a)


@pytest.fixture
def city(programme: None) -> User:
    return UserFactory(username="city", role=Role.CITY, unit=None)


@pytest.fixture
def project(unit_a: Unit) -> Project:
    return ProjectFactory(
        unit=unit_a, name="建设路1号院", investment=Decimal("100"), fund_central=Decimal("100")
    )


def _started(project: Project, day: date = date(2022, 4, 1)) -> Project:
    Project.objects.filter(pk=project.pk).update(started_on=day)
    project.refresh_from_db()
    return project


# --- funds in place -------------------------------------------------------------------------------


def test_started_project_without_funds_is_warned_on_its_page_and_in_the_list(
    project: Project, clerk: User
) -> None:
    """A started project with no funds in place shows the warning on its page and in the list."""
    _started(project)
    client = as_client(clerk)
    page = client.get(reverse("project_detail", args=[project.pk])).content.decode()
    assert "资金到位：项目已开工，但尚无资金到位记录" in page
    listing = client.get(reverse("project_list")).content.decode()
    assert "资金未到位" in listing


def test_a_receipt_takes_the_warning_away_and_counts_in_the_share(
    project: Project, clerk: User
) -> None:
    """After 25 万元 of 100 arrive the warning is gone and the share is 25.0 %."""
    _started(project)
    records.fund_receipt_add(
        project=project,
        user=clerk,
        data={"source": "central", "received_on": date(2022, 4, 2), "amount": Decimal("25")},
        today=date(2022, 5, 1),
    )
    shown = records.project_records(project)
    assert shown.warnings == ()
    assert shown.funds.share == 250
    assert FundReceipt.history.count() == 1


def test_receipt_in_the_future_or_by_the_city_is_refused(
    project: Project, city: User, clerk: User
) -> None:
    """A receipt dated after today is refused; the city office writes none."""
    data = {"source": "central", "received_on": date(2022, 6, 2), "amount": Decimal("1")}
    with pytest.raises(ValidationError, match="晚于今天"):
        records.fund_receipt_add(project=project, user=clerk, data=data, today=date(2022, 6, 1))
    with pytest.raises(PermissionDenied):
        records.fund_receipt_add(project=project, user=city, data=data, today=date(2022, 7, 1))
    assert not FundReceipt.objects.exists()


def test_a_receipt_is_deleted_only_after_confirming(project: Project, clerk: User) -> None:
    """The records page links to a confirmation page (no script needed); its GET deletes nothing,
    its POST deletes the receipt and the history keeps it."""
    receipt = records.fund_receipt_add(
        project=project,
        user=clerk,
        data={"source": "central", "received_on": date(2022, 4, 2), "amount": Decimal("25")},
        today=date(2022, 5, 1),
    )
    client = as_client(clerk)
    delete = reverse("fund_receipt_delete", args=[receipt.pk])
    page = client.get(reverse("project_records", args=[project.pk])).content.decode()
    assert f'href="{delete}"' in page
    html = client.get(delete).content.decode()
    assert "确认删除" in html and "2022年4月2日" in html
    assert FundReceipt.objects.filter(pk=receipt.pk).exists()
    response = client.post(delete)
    assert response["Location"] == reverse("project_records", args=[project.pk])
    assert not FundReceipt.objects.exists()
    assert FundReceipt.history.filter(history_type="-").count() == 1


def test_the_city_gets_no_delete_confirmation(project: Project, clerk: User, city: User) -> None:
    """The city office is refused the confirmation page and the delete (403), the receipt stays."""
    receipt = records.fund_receipt_add(
        project=project,
        user=clerk,
        data={"source": "central", "received_on": date(2022, 4, 2), "amount": Decimal("25")},
        today=date(2022, 5, 1),
    )
    client = as_client(city)
    delete = reverse("fund_receipt_delete", args=[receipt.pk])
    assert client.get(delete).status_code == 403
    assert client.post(delete).status_code == 403
    assert FundReceipt.objects.filter(pk=receipt.pk).exists()


def test_funds_by_unit_and_city(unit_a: Unit, plan_year: PlanYear) -> None:
    """Unit and city shares are the sums of receipts over the sums of estimates: (30 + 20) of
    (100 + 60) is 31.2 % for 驿城区; 西平县's 10 of (40 + 10) is 20.0 %; the city's 60 of 210 is
    28.5 % (28.57, rounded down); 西平县's started 10-万元 project has nothing in place."""
    unit_b = Unit.objects.get(name="西平县")
    a1 = ProjectFactory(unit=unit_a, investment=100, fund_central=100)
    a2 = ProjectFactory(unit=unit_a, investment=60, fund_county=60)
    b1 = ProjectFactory(unit=unit_b, investment=40, fund_central=40)
    for project, source, amount in ((a1, "central", 30), (a2, "county", 20), (b1, "central", 10)):
        FundReceipt.objects.create(
            project=project, source=source, received_on=date(2022, 4, 1), amount=amount
        )
    _started(b1)
    _started(ProjectFactory(unit=unit_b, investment=10, fund_central=10))  # started, no funds
    rows, city_table = records.funds_by_unit(plan_year=plan_year, units=[unit_a, unit_b])
    a, b = rows
    assert (a.projects, a.table.share, b.table.share) == (2, 312, 200)
    assert (b.projects, b.started_without_funds, a.started_without_funds) == (2, 1, 0)
    assert city_table.share == 285
    central = next(line for line in city_table.lines if line.source == "central")
    assert (central.planned, central.received, central.share) == (150, 40, 266)  # 26.66 %


def test_funds_page_reads_in_constant_queries(
    unit_a: Unit, city: User, django_assert_max_num_queries: Any
) -> None:
    """The city's funds page costs the same queries for 2 projects or 12."""
    for n in range(12):
        project = ProjectFactory(unit=unit_a, investment=10, fund_central=10)
        FundReceipt.objects.create(
            project=project, source="central", received_on=date(2022, 4, 1), amount=n + 1
        )
    client = as_client(city)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("funds"))
    assert response.status_code == 200
    assert "全市" in response.content.decode()


def test_project_list_warnings_in_constant_queries(
    unit_a: Unit, clerk: User, django_assert_max_num_queries: Any
) -> None:
    """The list's record warnings cost two queries for the page, not two per project."""
    client = as_client(clerk)
    ProjectFactory(unit=unit_a)
    with django_assert_max_num_queries(40) as few:
        client.get(reverse("project_list"))
    for _ in range(10):
        _started(ProjectFactory(unit=unit_a))
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(reverse("project_list")).content.decode()
    assert html.count("资金未到位") == 10


# --- who is responsible on site --------------------------------------------------------------------


def test_participant_phone_is_masked_on_the_pages(
    project: Project, clerk: User, city: User, plan_year: PlanYear
) -> None:
    """A responsible person's phone is shown masked on the records page and in the plan table."""
    records.participant_save(
        project=project,
        role="supervisor",
        user=clerk,
        data={"organisation": "天中监理", "person": "赵磊", "phone": PHONE},
    )
    for client in (as_client(clerk), as_client(city)):
        for url in (
            reverse("project_records", args=[project.pk]),
            reverse("paperwork:plan_table", args=[project.unit_id]),
        ):
            html = client.get(url).content.decode()
            assert "139****5678" in html and "赵磊" in html, url
            assert PHONE not in html, url


def test_responsible_phone_is_masked_on_the_pages(
    unit_a: Unit, clerk: User, city: User, plan_year: PlanYear
) -> None:
    """The supervising unit's responsible person's phone is masked on the project page and in the
    plan table, for the unit's clerk as for the city office, like every phone the pages show."""
    project = ProjectFactory(unit=unit_a, responsible_person="王建国", responsible_phone=PHONE)
    for client in (as_client(clerk), as_client(city)):
        for url in (
            reverse("project_detail", args=[project.pk]),
            reverse("paperwork:plan_table", args=[project.unit_id]),
        ):
            html = client.get(url).content.decode()
            assert "王建国" in html and "139****5678" in html, url
            assert PHONE not in html, url
    edit = as_client(clerk).get(reverse("project_edit", args=[project.pk])).content.decode()
    assert PHONE in edit  # the form that edits it shows it whole


def test_construction_and_builder_names_stay_the_projects(project: Project, clerk: User) -> None:
    """The construction unit's and builder's names are the project's fields, never a second copy."""
    project.contractor = "华宇建设"
    project.save()
    saved = records.participant_save(
        project=project,
        role="builder",
        user=clerk,
        data={"organisation": "别的公司", "person": "王五", "phone": ""},
    )
    assert saved.organisation == ""
    builder = next(r for r in records.project_records(project).participants if r.role == "builder")
    assert (builder.organisation, builder.person) == ("华宇建设", "王五")


# --- acceptance and hand-over ----------------------------------------------------------------------


def test_acceptance_record_sets_the_projects_date(project: Project, clerk: User) -> None:
    """The acceptance record's date is the project's accepted_on, written by its service with
    history and a new version."""
    Project.objects.filter(pk=project.pk).update(completed_on=date(2022, 8, 1))
    version = Project.objects.get(pk=project.pk).version
    records.acceptance_save(
        project=project,
        user=clerk,
        accepted_on=date(2022, 8, 20),
        data={"participants": "建设、施工、监理单位", "handed_to": "owners_committee"},
        today=date(2022, 9, 1),
    )
    project.refresh_from_db()
    assert project.accepted_on == date(2022, 8, 20)
    assert project.version == version + 1
    assert project.history.first().history_change_reason == "验收移交记录"  # type: ignore[union-attr]
    assert AcceptanceRecord.objects.get(project=project).get_handed_to_display() == "业主委员会"


@pytest.mark.parametrize(
    ("completed_on", "accepted_on", "message"),
    [
        (None, date(2022, 8, 20), "未填完工日期"),
        (date(2022, 8, 1), date(2022, 7, 31), "早于完工日期"),
        (date(2022, 8, 1), date(2022, 9, 2), "晚于今天"),
    ],
)
def test_acceptance_out_of_order_is_refused(
    project: Project, clerk: User, completed_on: date | None, accepted_on: date, message: str
) -> None:
    """No acceptance before completion, without one, or after today; nothing is written."""
    Project.objects.filter(pk=project.pk).update(completed_on=completed_on)
    with pytest.raises(ValidationError, match=message):
        records.acceptance_save(
            project=project,
            user=clerk,
            accepted_on=accepted_on,
            data={"participants": "监理", "handed_to": "community"},
            today=date(2022, 9, 1),
        )
    assert Project.objects.get(pk=project.pk).accepted_on is None
    assert not AcceptanceRecord.objects.exists()


def test_acceptance_form_uploads_the_documents(project: Project, clerk: User) -> None:
    """The acceptance page saves the record with its document, validated as evidence is."""
    Project.objects.filter(pk=project.pk).update(completed_on=date(2022, 8, 1))
    response = as_client(clerk).post(
        reverse("acceptance_edit", args=[project.pk]),
        {
            "accepted_on": "2022-08-20",
            "handed_to": "property_company",
            "handed_to_name": "天中物业",
            "participants": "建设、施工、监理单位",
            "document": png_upload(),
        },
    )
    assert response.status_code == 302
    record = AcceptanceRecord.objects.get(project=project)
    assert record.document.name.startswith("evidence/") and record.document.name.endswith(".png")
    bad = as_client(clerk).post(
        reverse("acceptance_edit", args=[project.pk]),
        {
            "accepted_on": "2022-08-20",
            "handed_to": "community",
            "participants": "x",
            "document": SimpleUploadedFile("a.pdf", b"not a pdf"),
        },
    )
    assert bad.status_code == 200 and "只接受" in bad.content.decode()


# --- contact points ---------------------------------------------------------------------------------


def test_city_marks_a_contact_point_and_filters_by_it(
    project: Project, city: User, clerk: User, unit_a: Unit
) -> None:
    """The city office marks a contact point; the list's filter shows only those; a clerk can't."""
    other = ProjectFactory(unit=unit_a, name="人民路2号院")
    with pytest.raises(PermissionDenied):
        records.project_contact_point_set(project=project, user=clerk, value=True)
    as_client(city).post(reverse("contact_point_set", args=[project.pk]), {"value": "1"})
    assert Project.objects.get(pk=project.pk).contact_point
    html = as_client(city).get(reverse("project_list") + "?contact_point=on").content.decode()
    assert project.name in html and other.name not in html


# --- residents' wishes ------------------------------------------------------------------------------


def test_strong_wish_missing_from_contents_is_warned(project: Project, clerk: User) -> None:
    """5 of 10 households asking for a lift the contents leave out is a warning; 4 is not."""
    plan = RenovationPlan.objects.create(project=project)
    ResidentWish.objects.create(plan=plan, facility="加装电梯", households=5)
    ResidentWish.objects.create(plan=plan, facility="停车位", households=4)
    html = as_client(clerk).get(reverse("project_detail", args=[project.pk])).content.decode()
    assert "居民意愿：50％以上住户提出的加装电梯未列入改造内容" in html
    assert "停车位未列入" not in html


# --- work information -------------------------------------------------------------------------------


def test_work_info_submitted_adopted_and_counted(
    clerk: User, city: User, plan_year: PlanYear, unit_a: Unit
) -> None:
    """A clerk submits an item with a photo; the city adopts it; the counts say 1 submitted, 1
    adopted for 驿城区, and a clerk can't adopt."""
    response = as_client(clerk).post(
        reverse("paperwork:work_info_create"),
        {"title": "驿城区改造进展", "text": "本周完成 3 个小区管网改造。", "photo_1": png_upload()},
    )
    assert response.status_code == 302
    item = WorkInfo.objects.get()
    assert item.photos.count() == 1 and item.unit == unit_a
    with pytest.raises(PermissionDenied):
        work_info.work_info_adopt(item=item, user=clerk, adopted=True)
    as_client(city).post(reverse("paperwork:work_info_adopt", args=[item.pk]), {"adopted": "1"})
    item.refresh_from_db()
    assert item.adopted_on is not None and item.adopted_by == city
    counts = work_info_counts(plan_year=plan_year, units=[unit_a])
    assert (counts[0].submitted, counts[0].adopted) == (1, 1)


def test_work_info_naming_another_units_project_is_refused(
    clerk: User, plan_year: PlanYear, unit_a: Unit
) -> None:
    """An item can only name a project of the submitting unit."""
    other = ProjectFactory(unit=Unit.objects.get(name="西平县"))
    with pytest.raises(ValidationError, match="本区县"):
        work_info.work_info_submit(
            plan_year=plan_year,
            unit=unit_a,
            user=clerk,
            data={"title": "t", "text": "x", "project": other},
        )


def test_work_info_list_in_constant_queries(
    city: User, plan_year: PlanYear, unit_a: Unit, django_assert_max_num_queries: Any
) -> None:
    """The city's list with counts costs the same queries for 1 item or 15."""
    for n in range(15):
        WorkInfo.objects.create(plan_year=plan_year, unit=unit_a, title=f"信息{n}", text="x")
    client = as_client(city)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("paperwork:work_info_list"))
    assert response.content.decode().count("work-info-row") == 15


def _post_receipt(client: Client, project: Project, amount: str, source: str = "central") -> Any:
    return client.post(
        reverse("fund_receipt_create", args=[project.pk]),
        {"source": source, "received_on": "2022-04-02", "amount": amount, "note": ""},
    )


def test_receipt_beyond_the_sources_estimate_is_refused_with_the_figures(
    project: Project, clerk: User
) -> None:
    """With 35.8 of a 100 万元 central estimate in place, 10000 more is refused naming both;
    64.2 (reaching the estimate exactly) is recorded."""
    client = as_client(clerk)
    assert _post_receipt(client, project, "35.8").status_code == 302
    page = _post_receipt(client, project, "10000")
    assert page.status_code == 200
    assert (
        "中央补助概算 100.00 万元，已到位 35.80 万元，本次 10000.00 万元将超出概算；"
        "如概算有变化，请先修改项目的资金概算"
    ) in page.content.decode()
    assert _post_receipt(client, project, "64.2").status_code == 302
    assert FundReceipt.objects.count() == 2
    refused = _post_receipt(client, project, "0.0001")
    assert "已到位 100.00 万元" in refused.content.decode()
    # no provincial estimate on this project: nothing of it may arrive
    assert (
        "省级补助概算 0.00 万元"
        in _post_receipt(client, project, "1", "provincial").content.decode()
    )
    assert FundReceipt.objects.count() == 2


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("99999999999999999999", "到位金额不能超过 9999999999.9999 万元"),
        ("1e30", "到位金额不能超过 9999999999.9999 万元"),
        ("1.00001", "到位金额最多保留 4 位小数（精确到元）"),
    ],
)
def test_huge_or_too_precise_amounts_get_a_chinese_message(
    project: Project, clerk: User, amount: str, message: str
) -> None:
    """An amount beyond the model's digits is a message on the form, not a server error."""
    page = _post_receipt(as_client(clerk), project, amount)
    assert page.status_code == 200
    assert message in page.content.decode()
    assert not FundReceipt.objects.exists()


def test_amounts_in_place_show_two_decimals_on_the_pages(
    project: Project, clerk: User, city: User
) -> None:
    """A receipt of 12.3456 万元 reads 12.35 on the project's records and on /funds/, next to the
    estimate's 100.00 (storage keeps the four decimals)."""
    _post_receipt(as_client(clerk), project, "12.3456")
    assert FundReceipt.objects.get().amount == Decimal("12.3456")
    records_page = as_client(clerk).get(reverse("project_records", args=[project.pk]))
    assert "12.35" in records_page.content.decode()
    assert "12.3456" not in records_page.content.decode()
    funds_page = as_client(city).get(reverse("funds")).content.decode()
    assert "12.35" in funds_page and "12.3456" not in funds_page


def test_participants_names_and_phones_keep_one_line(project: Project, clerk: User) -> None:
    """On the records page the person and phone cells do not wrap (a phone scrolls the table)."""
    records.participant_save(
        project=project,
        role="supervisor",
        user=clerk,
        data={"organisation": "天中监理", "person": "赵磊", "phone": PHONE},
    )
    html = as_client(clerk).get(reverse("project_records", args=[project.pk])).content.decode()
    assert '<td class="text-nowrap">赵磊</td><td class="text-nowrap">139****5678</td>' in html
    assert 'class="table-responsive"' in html.split('id="participants"')[1][:400]
