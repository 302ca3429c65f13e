"""The county clerk's journey in a real browser (SPEC §3): log in, create a project, import its
roster, record criteria 2–5 with evidence, and see the project start; another unit's clerk sees none
of it. Desktop and phone screenshots of every main page go to SCREENSHOT_DIR (tmp/screenshots/)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.core.files.base import ContentFile
from PIL import Image, ImageDraw

from projects import services
from projects.choices import Criterion
from projects.importing import HOUSEHOLD_HEADERS
from projects.models import Household, Project, StartCriterion, Unit
from tests.browser import skip_module_without_browser
from tests.factories import HouseholdFactory, ProjectFactory, UserFactory
from tests.pdf import minimal_pdf
from tests.xlsx import write_xlsx

if TYPE_CHECKING:
    from pytest_django.live_server_helper import LiveServer

    from .conftest import Visitor

skip_module_without_browser()

PROJECT = "幸福里小区"
# (楼栋, 单元, 房号, 户主, 电话, 改造方案意见, 物业管理模式意见, 表态日期), deliberately out of date order.
# Eight households agree to both; sorted, their dates are 3/1 3/2 3/2 3/3 3/5 3/6 3/7 3/8, so the 8th
# agreement (ceil(80 % × 10) = 8 needed) came on 2022-03-08. 周杰 agreed to the plan only (3/4): were
# that counted, the share would have been reached on 3/7 instead.
ROSTER = [
    ("1", "1", "101", "张伟", "13812341234", "同意", "同意", "2022-03-08"),
    ("1", "1", "102", "李娜", "13900005678", "同意", "同意", "2022-03-01"),
    ("1", "1", "201", "王芳", "13700001111", "同意", "同意", "2022-03-02"),
    ("1", "1", "202", "刘洋", "13600002222", "同意", "同意", "2022-03-02"),
    ("1", "2", "101", "陈静", "13500003333", "同意", "同意", "2022-03-03"),
    ("1", "2", "102", "杨磊", "13400004444", "同意", "同意", "2022-03-05"),
    ("1", "2", "201", "赵敏", "13300005555", "同意", "同意", "2022-03-07"),
    ("1", "2", "202", "黄强", "13200006666", "同意", "同意", "2022-03-06"),
    ("2", "1", "101", "周杰", "13100007777", "同意", "不同意", "2022-03-04"),
    ("2", "1", "102", "吴刚", "13000008888", "未表态", "未表态", None),
]
CONSENT_ON = date(2022, 3, 8)
STRUCTURES_ON = date(2022, 3, 10)
DESIGN_ON = date(2022, 3, 15)
CONTRACT_ON = date(2022, 4, 1)
ON_SITE_ON = date(2022, 4, 12)
# The start date is the date the last of the five was met (SPEC §3): the latest of the five dates.
STARTED_ON = max(CONSENT_ON, STRUCTURES_ON, DESIGN_ON, CONTRACT_ON, ON_SITE_ON)
CONTRACTOR = "驻马店市安居建设工程有限公司"


def cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def image_bytes(kind: str, caption: str) -> bytes:
    """A small real photo-like image (Pillow), PNG or JPEG."""
    image = Image.new("RGB", (480, 320), (220, 232, 245))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 60, 440, 280), outline=(30, 60, 120), width=6)
    draw.text((60, 90), caption, fill=(30, 60, 120))
    buffer = io.BytesIO()
    image.save(buffer, format=kind)
    return buffer.getvalue()


def record_criterion(
    v: Visitor, key: str, met_on: date, *, evidence: Path | None = None, **fields: str
) -> None:
    """Open a criterion's form from the project page, fill it in, save, and land back on the project."""
    project_url = v.page.url
    v.page.locator(f'.criterion-row[data-criterion="{key}"]').get_by_role(
        "link", name="填报"
    ).click()
    v.page.wait_for_url(re.compile(rf"/criteria/{key}/$"))
    v.page.fill("#id_met_on", met_on.isoformat())
    if "confirmed_by" in fields:
        v.page.check("#id_no_structures")
        v.page.fill("#id_confirmed_by", fields["confirmed_by"])
    if "contractor" in fields:
        v.page.fill("#id_contractor", fields["contractor"])
    if evidence is not None:
        v.page.set_input_files("#id_evidence", str(evidence))
    v.capture(f"07-criterion-{key}")
    v.submit("保存")
    assert v.page.url == project_url
    assert v.page.locator(".alert-success").count() == 1, v.page.content()


def badge(v: Visitor) -> str:
    return v.page.locator("#start-criteria .card-header .badge").inner_text()


def test_clerk_creates_imports_records_and_the_project_starts(
    live_server: LiveServer,
    transactional_db: None,
    programme: None,
    open_browser: Callable[[str], Visitor],
    tmp_path: Path,
) -> None:
    """A 驿城区 clerk does the whole start-of-work journey in the browser; the project becomes 已开工 on
    the date the last of the five criteria was met (consent from the roster: the 8th agreement)."""
    UserFactory(username="411702-clerk", first_name="驿城区填报员")
    v = open_browser("clerk")

    v.goto("/accounts/login/")
    v.capture("01-login")
    v.login("411702-clerk")
    assert v.page.locator("h1").inner_text() == "驿城区 2022年度改造任务"
    v.capture("02-unit-home")
    v.phone.get_by_role("button", name="展开导航").click()
    v.phone.locator("#portal-nav.show").get_by_role("link", name="改造项目").wait_for()
    v.shot("02-unit-home-menu", v.phone, size="phone")

    # A new project through the form: sources add up to the estimate, the gas hazard is in the works.
    v.page.locator("#portal-nav").get_by_role("link", name="改造项目").click()
    v.page.get_by_role("link", name="新建项目").click()
    v.page.wait_for_url(v.url("/projects/new/"))
    v.page.select_option("#id_kind", label="新开工")
    v.page.fill("#id_name", PROJECT)
    v.page.fill("#id_address", "驿城区幸福路8号")
    v.page.fill("#id_buildings", "2")
    v.page.fill("#id_households", "10")
    v.page.fill("#id_floor_area", "860.50")
    for name, amount in (
        ("investment", "100"),
        ("fund_central", "50"),
        ("fund_provincial", "20"),
        ("fund_city", "10"),
        ("fund_county", "20"),
    ):
        v.page.fill(f"#id_{name}", amount)
    v.page.locator("#div_id_hazards").get_by_label("燃气").check()
    v.page.locator("#div_id_contents").get_by_label("燃气").check()
    v.page.locator("#div_id_contents").get_by_label("屋面防水").check()
    v.page.fill("#id_management_mode", "专业化物业服务")
    v.page.fill("#id_responsible_person", "王建国")
    v.page.fill("#id_responsible_phone", "13800001234")
    v.capture("03-project-new")
    v.submit("保存")
    assert re.search(r"/projects/\d+/$", v.page.url), v.page.url
    project_url = v.page.url
    assert f"已新建项目“{PROJECT}”" in v.page.locator(".alert-success").inner_text()
    assert v.page.locator("#project-warnings").count() == 0  # nothing to explain
    assert badge(v) == "未开工 · 尚缺 5 项"
    v.capture("04-project-detail-new")

    # The roster: the phone previews it and cancels, then the desktop previews and confirms.
    roster = write_xlsx(
        tmp_path / "roster.xlsx",
        HOUSEHOLD_HEADERS,
        [("驿城区", PROJECT, *row) for row in ROSTER],
    )
    v.page.get_by_role("link", name="导入花名册").click()
    v.page.wait_for_url(re.compile(r"/households/import/$"))
    v.phone.goto(v.page.url)
    v.phone.set_input_files("#id_file", str(roster))
    v.phone.get_by_role("button", name="上传并预览").click()
    assert "将新增 10 户" in v.phone.locator("#import-preview").inner_text()
    v.phone_shot("05-roster-preview")
    v.phone.get_by_role("button", name="取消").click()
    v.phone.wait_for_url(re.compile(r"/households/$"))
    assert Household.objects.count() == 0
    v.page.set_input_files("#id_file", str(roster))
    v.submit("上传并预览")
    preview = v.page.locator("#import-preview").inner_text()
    assert "将新增 10 户，更新 0 户，0 户不变" in preview, preview
    v.shot("05-roster-preview")
    v.submit("确认导入")
    assert v.page.url.endswith("/households/"), v.page.url
    assert "导入完成：新增 10 户" in v.page.locator(".alert-success").inner_text()
    table = v.page.locator("#household-table").inner_text()
    assert "张*" in table and "138****1234" in table, table
    assert "张伟" not in table and "13812341234" not in table
    assert f"已于{cn_date(CONSENT_ON)}达到同意比例" in v.page.locator("#consent").inner_text()
    v.capture("06-roster")

    # Criteria 2–5, each with its date and evidence; not started until the last one.
    pictures = {
        "png": tmp_path / "design.png",
        "jpeg": tmp_path / "site.jpg",
        "pdf": tmp_path / "contract.pdf",
    }
    pictures["png"].write_bytes(image_bytes("PNG", "design posted 2022-03-15"))
    pictures["jpeg"].write_bytes(image_bytes("JPEG", "on site 2022-04-12"))
    pictures["pdf"].write_bytes(minimal_pdf())
    v.page.goto(project_url)
    record_criterion(v, "structures_cleared", STRUCTURES_ON, confirmed_by="李建华（西园街道）")
    # A design posting without its photo is sent back, the reason beside the file field.
    v.page.locator('.criterion-row[data-criterion="design_posted"]').get_by_role("link").click()
    v.page.fill("#id_met_on", DESIGN_ON.isoformat())
    with pytest.raises(AssertionError, match="请上传证明材料"):
        v.submit("保存")
    v.shot("07-criterion-design_posted-refused")
    v.page.goto(project_url)
    record_criterion(v, "design_posted", DESIGN_ON, evidence=pictures["png"])
    record_criterion(
        v, "contract_signed", CONTRACT_ON, evidence=pictures["pdf"], contractor=CONTRACTOR
    )
    assert badge(v) == "未开工 · 尚缺 1 项"
    record_criterion(v, "on_site", ON_SITE_ON, evidence=pictures["jpeg"])

    assert badge(v) == f"已开工 · {cn_date(STARTED_ON)}"
    heading = v.page.locator("h1").inner_text()
    assert "已开工" in heading and cn_date(STARTED_ON) in heading, heading
    criteria = v.page.locator("#start-criteria").inner_text()
    for day in (CONSENT_ON, STRUCTURES_ON, DESIGN_ON, CONTRACT_ON, ON_SITE_ON):
        assert cn_date(day) in criteria, (day, criteria)
    assert "无违建，确认人：李建华（西园街道）" in criteria
    assert f"施工单位：{CONTRACTOR}" in criteria
    for key in ("design_posted", "contract_signed", "on_site"):
        row = v.page.locator(f'.criterion-row[data-criterion="{key}"]').inner_text()
        assert "未上传证明材料" not in row and "查看证明材料" in row, row
    v.capture("08-project-detail-started")
    evidence = v.page.request.get(v.page.url + "criteria/design_posted/evidence/")
    assert evidence.status == 200 and evidence.headers["content-type"] == "image/png"

    # The project list shows the status and the date.
    v.page.locator("#portal-nav").get_by_role("link", name="改造项目").click()
    v.page.wait_for_url(v.url("/projects/"))
    row = v.page.locator("#project-table tbody tr", has_text=PROJECT)
    assert "已开工" in row.inner_text() and cn_date(STARTED_ON) in row.inner_text()
    v.capture("09-project-list")
    v.goto("/projects/?status=started")
    assert PROJECT in v.page.locator("#project-table").inner_text()

    project = Project.objects.get(name=PROJECT)
    assert project.unit.name == "驿城区"
    assert project.consent_met_on == CONSENT_ON
    assert project.started_on == date(2022, 4, 12) == STARTED_ON
    assert (project.hazards, project.contents) == (["燃气"], ["燃气", "屋面防水"])
    assert project.contractor == CONTRACTOR
    assert Household.objects.filter(project=project).count() == 10
    assert v.errors == []
    assert v.overflowing == [], "手机屏幕上页面横向溢出：\n" + "\n".join(v.overflowing)


def test_clerk_of_another_unit_gets_nothing(
    live_server: LiveServer,
    transactional_db: None,
    programme: None,
    open_browser: Callable[[str], Visitor],
) -> None:
    """A 西平县 clerk gets a 404 for a 驿城区 project, its roster, a household, its evidence and its
    forms, and does not see it in the list or a search; the 驿城区 clerk opens the same addresses."""
    owner = UserFactory(username="411702-clerk")
    UserFactory(username="411721-clerk", unit=Unit.objects.get(name="西平县"))
    project = ProjectFactory(name=PROJECT)
    household = HouseholdFactory(project=project, head_name="张伟")
    services.criterion_record(
        project=project,
        criterion=Criterion.DESIGN_POSTED,
        met_on=DESIGN_ON,
        user=owner,
        evidence=ContentFile(image_bytes("PNG", "design"), name="design.png"),
    )
    assert StartCriterion.objects.get(project=project).evidence
    addresses = [
        f"/projects/{project.pk}/",
        f"/projects/{project.pk}/households/",
        f"/households/{household.pk}/",
        f"/projects/{project.pk}/criteria/design_posted/evidence/",
        f"/projects/{project.pk}/criteria/on_site/",
        f"/projects/{project.pk}/households/import/",
    ]

    own = open_browser("owner")
    own.login("411702-clerk")
    for address in addresses:
        assert own.goto(address).status == 200, address

    other = open_browser("other-unit")
    other.login("411721-clerk")
    assert other.page.locator("h1").inner_text() == "西平县 2022年度改造任务"
    for address in addresses:
        response = other.goto(address)
        assert response.status == 404, address
        body = other.page.locator("body").inner_text()
        assert PROJECT not in body and "张" not in body, (address, body)
    # Django's bare 404 page (no template of the portal's, no viewport tag) is not a main page.
    other.capture("10-not-found", check_overflow=False)
    other.goto("/projects/")
    assert other.page.locator("#project-table tbody").inner_text().strip() == "没有符合条件的项目"
    other.capture("11-project-list-empty")
    other.goto(f"/projects/?q={PROJECT}")
    assert PROJECT not in other.page.locator("body").inner_text()
    assert own.errors == [] and other.errors == []
    assert other.overflowing == [], "手机屏幕上页面横向溢出：\n" + "\n".join(other.overflowing)
