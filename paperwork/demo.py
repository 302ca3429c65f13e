"""The demo's paperwork, so every paperwork screen shows something: implementation plans (one late,
one missing), renovation plans (a few not final after the due date), two plan adjustments, city
inspections and spot checks with findings (one rectification overdue), complaints, visits and
warranties. Deterministic; written directly with history, after seed_demo."""

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.db import transaction

from projects.choices import ApprovalKind, FundSource, HandoverParty, ParticipantRole, ProjectKind
from projects.data_version import writes_data
from projects.models import (
    AcceptanceRecord,
    Approval,
    CoordinatedConstructionPlan,
    FundReceipt,
    Participant,
    PlanYear,
    Project,
    Unit,
)
from projects.selectors import agreement_counts_by_project

from .models import (
    AdjustmentCommunity,
    AdjustmentState,
    Complaint,
    ComplaintKind,
    Finding,
    FollowUpVisit,
    ImplementationPlan,
    Inspection,
    InspectionKind,
    PlanAdjustment,
    RenovationPlan,
    ResidentWish,
    Warranty,
    WorkInfo,
    WorkInfoPhoto,
)
from .selectors.adjustments import adjustment_totals, snapshot_rows, totals_json

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
# Departures from "submitted on February 25th".
PLAN_SUBMITTED: dict[str, date | None] = {"经济开发区": date(2022, 3, 5), "正阳县": None}


def _pdf(name: str) -> ContentFile:
    return ContentFile(PDF, name=f"{name}.pdf")


@writes_data
def seed_demo_paperwork(*, plan_year: PlanYear) -> bool:
    """Write the demo's paperwork once; False when the plan year already has some."""
    if ImplementationPlan.objects.filter(plan_year=plan_year).exists():
        return False
    with transaction.atomic():
        _plans(plan_year)
        _adjustments(plan_year)
        _inspections(plan_year)
        _aftercare(plan_year)
        _records(plan_year)
        _work_info(plan_year)
    return True


def _plans(plan_year: PlanYear) -> None:
    for unit in Unit.objects.all():
        submitted = PLAN_SUBMITTED.get(unit.name, date(2022, 2, 25))
        ImplementationPlan.objects.create(
            plan_year=plan_year,
            unit=unit,
            submitted_on=submitted,
            document_date=submitted - timedelta(days=3) if submitted else None,
            document=_pdf("plan") if submitted else "",
            safeguards="成立改造工作专班，实行周调度、月通报；资金专户管理，专款专用。"
            if submitted
            else "",
        )
    projects = list(
        Project.objects.filter(plan_year=plan_year, kind=ProjectKind.NEW).order_by("id")
    )
    unconsulted, early = consultation_departures(projects)
    first_agreed = {
        pid: min(days)
        for pid, days in agreement_counts_by_project(project_ids=[p.id for p in projects]).items()
    }
    for index, project in enumerate(projects):
        final = index % 9 != 4  # about one community in nine has no final plan by the due date
        agreed = first_agreed.get(project.id)
        if project.id in unconsulted:
            consulted = None  # started, its plan never put to the residents
        elif agreed is None:
            consulted = date(2022, 3, 1) + timedelta(days=index % 20)
        elif project.id in early:
            consulted = agreed + timedelta(days=3)  # some residents agreed before it
        else:
            consulted = agreed - timedelta(days=2 + index % 10)
        plan = RenovationPlan.objects.create(
            project=project,
            survey_summary="摸底排查发现：" + ("、".join(project.hazards) or "无重大隐患"),
            consultation_on=consulted,
            consultation_record=_pdf("consultation") if consulted else "",
            final=final,
            finalized_on=date(2022, 3, 21) + timedelta(days=index % 10) if final else None,
        )
        _wishes(plan, project, index)


# Facilities residents ask for; the first is wanted by more than half the households in one
# community in six (a warning where the contents leave it out).
WISHES = ("加装电梯", "停车位", "充电桩", "文体活动场地")


def _wishes(plan: RenovationPlan, project: Project, index: int) -> None:
    strong = index % 6 == 0
    for rank, facility in enumerate(WISHES[: 2 + index % 3]):
        share = (60 if strong else 35) if rank == 0 else 30 - rank * 5
        asked = max(1, project.households * share // 100)
        ResidentWish.objects.create(plan=plan, facility=facility, households=asked)


# The demo counts for the consultation warnings (SPEC §4).
DEMO_STARTED_UNCONSULTED = 6
DEMO_AGREED_BEFORE_CONSULTATION = 13


def consultation_departures(projects: Sequence[Project]) -> tuple[set[int], set[int]]:
    """Which new projects (ordered by id) the demo leaves with a consultation warning: every tenth
    started project from the fourth has a plan never put to the residents (6), and every fourth
    of the others from the second has residents agreeing before its consultation (13)."""
    started = [p for p in projects if p.started_on is not None]
    unconsulted = {p.id for p in started[3::10][:DEMO_STARTED_UNCONSULTED]}
    others = [p for p in projects if p.id not in unconsulted]
    early = {p.id for p in others[1::4][:DEMO_AGREED_BEFORE_CONSULTATION]}
    return unconsulted, early


def _adjustments(plan_year: PlanYear) -> None:
    for name, state, submitted in (
        ("驿城区", AdjustmentState.RETURNED, date(2022, 3, 25)),
        ("遂平县", AdjustmentState.DRAFT, None),
    ):
        unit = Unit.objects.get(name=name)
        plan = list(
            Project.objects.filter(plan_year=plan_year, unit=unit, kind=ProjectKind.NEW).order_by(
                "id"
            )
        )
        if not plan:
            continue
        out = plan[-1]
        adjustment = PlanAdjustment.objects.create(
            plan_year=plan_year,
            unit=unit,
            state=state,
            reason=f"{out.name}产权单位无法配合，调整为相邻小区",
            county_consent_no=f"{unit.name[:2]}政文〔2022〕18号" if submitted else "",
            county_consent_on=date(2022, 3, 20) if submitted else None,
            county_consent_scan=_pdf("consent") if submitted else "",
            joint_document_no=f"{unit.name[:2]}建〔2022〕7号" if submitted else "",
            joint_document_on=date(2022, 3, 22) if submitted else None,
            joint_document_scan=_pdf("joint") if submitted else "",
            submitted_on=submitted,
            original_projects=snapshot_rows(plan, {out.id}) if submitted else [],
            return_reason="联合文件缺财政部门盖章，请补充后重新报送"
            if state == AdjustmentState.RETURNED
            else "",
        )
        adjustment.removed.add(out)
        AdjustmentCommunity.objects.create(
            adjustment=adjustment,
            name=f"{out.name.rstrip('院小区')}东院",
            buildings=out.buildings + 1,
            households=out.households + 12,
            floor_area=out.floor_area + 900,
            investment=out.investment + 40,
        )
        if submitted:
            original, adjusted = adjustment_totals(adjustment)
            adjustment.original_totals = totals_json(original)
            adjustment.adjusted_totals = totals_json(adjusted)
            adjustment.save(update_fields=["original_totals", "adjusted_totals"])


def _inspections(plan_year: PlanYear) -> None:
    cases = (
        ("驿城区", InspectionKind.SELF_INSPECTION, date(2022, 5, 20), None),
        ("驿城区", InspectionKind.CITY_JUNE, date(2022, 6, 22), date(2022, 7, 20)),
        ("西平县", InspectionKind.CITY_JUNE, date(2022, 6, 24), None),  # still open: overdue
        ("汝南县", InspectionKind.SELF_EVALUATION, date(2022, 6, 15), date(2022, 7, 1)),
        ("经济开发区", InspectionKind.SPOT_CHECK, date(2022, 9, 8), date(2022, 10, 8)),
        ("驿城区", InspectionKind.CITY_DECEMBER, date(2022, 12, 20), None),  # due in January
        # June's inspection of 遂平县 held in July, with the explanation it then needs.
        ("遂平县", InspectionKind.CITY_JUNE, date(2022, 7, 5), date(2022, 7, 20)),
        ("驿城区", InspectionKind.PROVINCIAL, date(2022, 11, 15), date(2022, 12, 1)),
    )
    explanations = {
        ("遂平县", InspectionKind.CITY_JUNE): "6月下旬连续强降雨，检查组推迟至7月初进场"
    }
    for name, kind, held_on, closed_on in cases:
        unit = Unit.objects.get(name=name)
        projects = list(Project.objects.filter(plan_year=plan_year, unit=unit).order_by("id")[:3])
        inspection = Inspection.objects.create(
            plan_year=plan_year,
            unit=unit,
            kind=kind,
            held_on=held_on,
            inspectors="市老旧办 王强、李敏"
            if kind in ("city_june", "city_december", "spot_check", "provincial")
            else f"{name}住建局 赵磊",
            score=88 if kind != InspectionKind.SPOT_CHECK else None,
            summary="现场查看施工进度、安全文明施工和资料台账。",
            timing_explanation=explanations.get((name, kind), ""),
        )
        inspection.projects.set(projects)
        if not projects:
            continue
        deadline = held_on + timedelta(days=23)
        Finding.objects.create(
            inspection=inspection,
            project=projects[0],
            description="部分楼道管线敷设不规范，施工现场围挡不连续",
            rectification="规范管线敷设，完善围挡和安全警示标识",
            deadline=deadline,
            closed_on=closed_on,
            closing_note="已整改到位，附整改前后照片" if closed_on else "",
            closing_evidence=_pdf("rectified") if closed_on else "",
        )


def _aftercare(plan_year: PlanYear) -> None:
    done = list(
        Project.objects.filter(plan_year=plan_year, completed_on__isnull=False).order_by("id")
    )
    for project in done:
        assert project.completed_on is not None
        Warranty.objects.create(
            project=project,
            starts_on=project.completed_on,
            ends_on=project.completed_on.replace(year=project.completed_on.year + 2)
            - timedelta(days=1),
            warrantor=project.contractor or "施工单位",
        )
    for index, project in enumerate(done[:3]):
        Complaint.objects.create(
            project=project,
            kind=ComplaintKind.DISPUTE if index == 1 else ComplaintKind.COMPLAINT,
            received_on=date(2022, 9, 5) + timedelta(days=index * 7),
            summary=("施工噪声影响夜间休息", "停车位划分有争议", "雨水管出口积水")[index],
            handling="已约谈施工单位调整作业时间" if index != 1 else "",
            closed_on=date(2022, 9, 12) + timedelta(days=index * 7) if index != 1 else None,
        )
        FollowUpVisit.objects.create(
            project=project,
            visited_on=date(2022, 12, 10) + timedelta(days=index),
            visitors="社区网格员",
            note="居民对改造效果总体满意，提出增设休闲座椅。",
        )


HOOKUPS = {
    "供水": ApprovalKind.WATER,
    "电力": ApprovalKind.POWER,
    "燃气": ApprovalKind.GAS,
    "供热": ApprovalKind.HEAT,
    "通信": ApprovalKind.TELECOM,
}
QUARTER = Decimal("0.0001")


def _phone(seed: int) -> str:
    return f"139{(seed * 7919 + 1234567) % 100000000:08d}"


def _records(plan_year: PlanYear) -> None:
    """Funds in place (one started project in five has none), participants (one project in four
    lacks its designer and supervisor), approvals and hook-ups, coordinated plans, acceptance
    records of the accepted projects, and a provincial contact point in three units."""
    projects = list(Project.objects.filter(plan_year=plan_year).order_by("id"))
    for index, project in enumerate(projects):
        _funds(project, index)
        _participants(project, index)
        if project.kind == ProjectKind.NEW and index % 3 != 2:
            _approvals(project, index)
        if project.accepted_on is not None:
            AcceptanceRecord.objects.create(
                project=project,
                participants="建设、设计、施工、监理单位，街道办事处，社区居委会，居民代表",
                handed_to=tuple(HandoverParty)[index % 3],
                handed_to_name=("天中物业服务有限公司", "所在社区居委会", "小区业主委员会")[
                    index % 3
                ],
                document=_pdf("acceptance"),
            )
    for name in ("驿城区", "西平县", "遂平县"):
        first = (
            Project.objects.filter(plan_year=plan_year, unit__name=name, kind=ProjectKind.NEW)
            .order_by("id")
            .first()
        )
        if first is not None:
            Project.objects.filter(pk=first.pk).update(contact_point=True)


def _funds(project: Project, index: int) -> None:
    if index % 5 == 0:
        return
    for number, source in enumerate(FundSource):
        planned: Decimal = getattr(project, f"fund_{source.value}")
        share = Decimal(100 if number % 2 else 60 + index % 4 * 10) / 100
        amount = (planned * share).quantize(QUARTER)
        if amount > 0:
            FundReceipt.objects.create(
                project=project,
                source=source,
                received_on=date(2022, 3, 10) + timedelta(days=(index + number * 11) % 120),
                amount=amount,
            )


def _participants(project: Project, index: int) -> None:
    people = ("王建国", "李明", "张伟", "刘洋", "陈静")
    for number, role in enumerate(ParticipantRole):
        if index % 4 == 3 and role in (ParticipantRole.DESIGN, ParticipantRole.SUPERVISOR):
            continue
        organisation = {
            ParticipantRole.DESIGN: "驻马店市建筑设计研究院有限公司",
            ParticipantRole.SUPERVISOR: "河南天中工程监理有限公司",
            ParticipantRole.QUALITY_SAFETY: f"{project.unit.name}住房和城乡建设局",
        }.get(role, "")
        Participant.objects.create(
            project=project,
            role=role,
            organisation=organisation,
            person=people[(index + number) % len(people)],
            phone=_phone(index * 5 + number),
        )


def _approvals(project: Project, index: int) -> None:
    Approval.objects.create(
        project=project,
        kind=ApprovalKind.PROJECT_APPROVAL,
        approved_on=date(2022, 2, 15) + timedelta(days=index % 20),
        document_no=f"{project.unit.name[:2]}发改〔2022〕{10 + index % 80}号",
    )
    pipelines = [HOOKUPS[p] for p in project.contents if p in HOOKUPS]
    for number, kind in enumerate(pipelines[: 1 + index % 3]):
        Approval.objects.create(
            project=project,
            kind=kind,
            approved_on=date(2022, 4, 1) + timedelta(days=(index + number * 9) % 60),
        )
    if pipelines and index % 2 == 0:
        CoordinatedConstructionPlan.objects.create(
            project=project,
            document=_pdf("coordinated"),
            note="水、电、气、暖、信管线同步设计、同步施工",
        )


WORK_INFO = (
    ("驿城区", "驿城区老旧小区改造“一院一策”稳步推进", True),
    ("驿城区", "驿城区开展改造项目质量安全大检查", False),
    ("西平县", "西平县召开老旧小区改造居民议事会", True),
    ("遂平县", "遂平县改造小区加装电梯首台投用", False),
    ("经济开发区", "开发区“红色物业”进小区", True),
    ("汝南县", "汝南县完成改造小区雨污分流", False),
)


def _work_info(plan_year: PlanYear) -> None:
    for index, (name, title, adopted) in enumerate(WORK_INFO):
        unit = Unit.objects.filter(name=name).first()
        if unit is None:
            continue
        project = (
            Project.objects.filter(plan_year=plan_year, unit=unit).order_by("id").first()
            if index % 2 == 0
            else None
        )
        item = WorkInfo.objects.create(
            plan_year=plan_year,
            unit=unit,
            project=project,
            title=title,
            text=f"{title}。各街道、社区按照“应改尽改”要求，逐户摸底、逐项销号，居民满意度持续提升。",
            adopted_on=date(2022, 6, 10) + timedelta(days=index * 9) if adopted else None,
        )
        # Submitted in the plan year, before it was adopted (the field stamps the day it is written).
        submitted = datetime(2022, 5, 20 + index, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
        WorkInfo.objects.filter(pk=item.pk).update(submitted_at=submitted)
        if index % 3 == 0:
            WorkInfoPhoto.objects.create(item=item, image=_pdf("photo"))
