"""The programme's paperwork (SPEC §2, §4, §5): implementation plans, renovation plans, plan
adjustments, inspections with their findings and rectifications, complaints, visits, warranties."""

import uuid
from pathlib import PurePath
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from projects.models import PlanYear, Project, Unit, User
from projects.permissions import (
    ChangeRule,
    RestrictedManager,
    is_city_office,
    register,
    unit_writers,
)


def document_upload_to(instance: Any, filename: str) -> str:
    """Documents and scans are stored under random names; the user's file name is never trusted."""
    suffix = PurePath(filename).suffix.lower()[:8]
    return f"documents/{uuid.uuid4().hex}{suffix}"


def _file(label: str) -> models.FileField:
    return models.FileField(_(label), upload_to=document_upload_to, blank=True)


class ImplementationPlan(models.Model):
    """A unit's annual implementation plan (年度工作实施方案, due by the plan year's date): the signed
    document; its project table is generated from the project records."""

    plan_year = models.ForeignKey(PlanYear, verbose_name=_("年度计划"), on_delete=models.PROTECT)
    unit = models.ForeignKey(Unit, verbose_name=_("区县"), on_delete=models.PROTECT)
    # The day it was first submitted in the portal, recorded by the service, never typed; the
    # signed document's own date is kept beside it.
    submitted_on = models.DateField(_("报送日期"), null=True, blank=True)
    document_date = models.DateField(_("文件日期"), null=True, blank=True)
    document = _file("签批的实施方案")
    safeguards = models.TextField(_("保障措施"), blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    submitted_by = models.ForeignKey(
        User, verbose_name=_("报送人"), on_delete=models.PROTECT, null=True, blank=True
    )
    history = HistoricalRecords()

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("年度工作实施方案")
        verbose_name_plural = _("年度工作实施方案")
        constraints = [
            models.UniqueConstraint(
                fields=["plan_year", "unit"], name="implementation_plan_unique"
            ),
            models.CheckConstraint(
                name="implementation_plan_submitted_with_document",
                condition=Q(submitted_on__isnull=True) | ~Q(document=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.plan_year}年度工作实施方案"


class RenovationPlan(models.Model):
    """A community's renovation plan (改造方案, due by the plan year's date): the survey of
    deficiencies and hazards, the contents and management mode (on the project), and the residents'
    consultation. Marked final only when every pipeline hazard is in the contents (应改尽改)."""

    project = models.OneToOneField(
        Project,
        verbose_name=_("改造项目"),
        on_delete=models.CASCADE,
        related_name="renovation_plan",
    )
    survey_summary = models.TextField(_("摸底排查情况"), blank=True)
    consultation_on = models.DateField(_("征求居民意见日期"), null=True, blank=True)
    consultation_record = _file("征求意见记录")
    final = models.BooleanField(_("已定稿"), default=False)
    finalized_on = models.DateField(_("定稿日期"), null=True, blank=True)
    finalized_by = models.ForeignKey(
        User, verbose_name=_("定稿人"), on_delete=models.PROTECT, null=True, blank=True
    )
    history = HistoricalRecords()

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("改造方案")
        verbose_name_plural = _("改造方案")
        constraints = [
            models.CheckConstraint(
                name="renovation_plan_final_has_date",
                condition=Q(final=False) | Q(finalized_on__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.project} 改造方案"


class AdjustmentState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已报送待审核")
    ACCEPTED = "accepted", _("已同意")
    RETURNED = "returned", _("已退回")


class PlanAdjustment(models.Model):
    """A unit's plan adjustment (计划调整): communities swapped out and in, with the county
    government's consent and the joint document of its three departments; the city office accepts
    (the plan changes, the original stays visible) or returns it."""

    plan_year = models.ForeignKey(PlanYear, verbose_name=_("年度计划"), on_delete=models.PROTECT)
    unit = models.ForeignKey(Unit, verbose_name=_("区县"), on_delete=models.PROTECT)
    state = models.CharField(
        _("状态"), max_length=10, choices=AdjustmentState.choices, default=AdjustmentState.DRAFT
    )
    reason = models.TextField(_("调整理由"), blank=True)
    removed = models.ManyToManyField(Project, verbose_name=_("调出的项目"), blank=True)
    county_consent_no = models.CharField(_("县级政府同意文号"), max_length=100, blank=True)
    county_consent_on = models.DateField(_("县级政府同意日期"), null=True, blank=True)
    county_consent_scan = _file("县级政府同意文件扫描件")
    joint_document_no = models.CharField(
        _("住建、发改、财政联合文件文号"), max_length=100, blank=True
    )
    joint_document_on = models.DateField(_("联合文件日期"), null=True, blank=True)
    joint_document_scan = _file("联合文件扫描件")
    submitted_on = models.DateField(_("报送日期"), null=True, blank=True)
    original_totals = models.JSONField(_("原计划合计"), default=dict, blank=True)
    adjusted_totals = models.JSONField(_("调整后合计"), default=dict, blank=True)
    original_projects = models.JSONField(_("原计划项目"), default=list, blank=True)
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        User,
        verbose_name=_("审核人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    return_reason = models.TextField(_("退回原因"), blank=True)
    created_by = models.ForeignKey(
        User,
        verbose_name=_("填报人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords()

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("计划调整")
        verbose_name_plural = _("计划调整")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                name="adjustment_returned_has_reason",
                condition=~Q(state=AdjustmentState.RETURNED) | ~Q(return_reason=""),
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit} 计划调整 #{self.pk}"


class AdjustmentCommunity(models.Model):
    """A community an adjustment brings into the plan."""

    adjustment = models.ForeignKey(
        PlanAdjustment, verbose_name=_("计划调整"), on_delete=models.CASCADE, related_name="added"
    )
    name = models.CharField(_("小区名称"), max_length=200)
    address = models.CharField(_("地址"), max_length=300, blank=True)
    buildings = models.PositiveIntegerField(_("楼栋数"))
    households = models.PositiveIntegerField(_("户数"))
    floor_area = models.DecimalField(_("建筑面积（㎡）"), max_digits=14, decimal_places=2)
    investment = models.DecimalField(_("资金概算（万元）"), max_digits=14, decimal_places=4)
    project = models.ForeignKey(
        Project, verbose_name=_("生成的项目"), on_delete=models.SET_NULL, null=True, blank=True
    )

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("调入小区")
        verbose_name_plural = _("调入小区")
        constraints = [
            models.CheckConstraint(
                name="adjustment_community_positive",
                condition=Q(households__gt=0) & Q(floor_area__gte=0) & Q(investment__gte=0),
            )
        ]

    def __str__(self) -> str:
        return self.name


class InspectionKind(models.TextChoices):
    CITY_JUNE = "city_june", _("市级检查验收（6月）")
    CITY_DECEMBER = "city_december", _("市级检查验收（12月）")
    SELF_INSPECTION = "self_inspection", _("区县自查")
    SELF_EVALUATION = "self_evaluation", _("区县自评")
    SPOT_CHECK = "spot_check", _("质量安全抽检")
    PATROL = "patrol", _("巡检")
    PROVINCIAL = "provincial", _("省级核查验收")


# Recorded by the city office: its own inspections, and the province's verification it received.
CITY_KINDS = (
    InspectionKind.CITY_JUNE,
    InspectionKind.CITY_DECEMBER,
    InspectionKind.SPOT_CHECK,
    InspectionKind.PATROL,
    InspectionKind.PROVINCIAL,
)
# The month each city inspection is held in (the source: "分别于6月和12月组织…市级检查验收").
CITY_INSPECTION_MONTHS: dict[str, int] = {
    InspectionKind.CITY_JUNE: 6,
    InspectionKind.CITY_DECEMBER: 12,
}


class Inspection(models.Model):
    """An inspection of a unit's projects: who, when, which projects, the score and the findings."""

    plan_year = models.ForeignKey(PlanYear, verbose_name=_("年度计划"), on_delete=models.PROTECT)
    unit = models.ForeignKey(Unit, verbose_name=_("区县"), on_delete=models.PROTECT)
    kind = models.CharField(_("类型"), max_length=20, choices=InspectionKind.choices)
    held_on = models.DateField(_("检查日期"))
    inspectors = models.CharField(_("检查人员"), max_length=300)
    projects = models.ManyToManyField(Project, verbose_name=_("检查的项目"), blank=True)
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=1, null=True, blank=True)
    summary = models.TextField(_("检查情况"), blank=True)
    # Why a city inspection was held outside its month (projects.rules.paperwork).
    timing_explanation = models.TextField(_("检查时间说明"), blank=True)
    created_by = models.ForeignKey(
        User, verbose_name=_("记录人"), on_delete=models.PROTECT, null=True, blank=True
    )
    history = HistoricalRecords()

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("检查")
        verbose_name_plural = _("检查")
        ordering = ["-held_on", "-id"]
        constraints = [
            models.CheckConstraint(
                name="inspection_score_range",
                condition=Q(score__isnull=True) | (Q(score__gte=0) & Q(score__lte=100)),
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.get_kind_display()} {self.held_on}"


class Finding(models.Model):
    """A problem an inspection found, the rectification (整改) it needs by a deadline, and the
    closing evidence."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("检查"), on_delete=models.CASCADE, related_name="findings"
    )
    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.CASCADE, null=True, blank=True
    )
    description = models.TextField(_("问题"))
    rectification = models.TextField(_("整改要求"))
    deadline = models.DateField(_("整改期限"))
    closed_on = models.DateField(_("整改完成日期"), null=True, blank=True)
    closing_note = models.TextField(_("整改情况"), blank=True)
    closing_evidence = _file("整改证明材料")
    history = HistoricalRecords()

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("检查发现的问题")
        verbose_name_plural = _("检查发现的问题")
        ordering = ["deadline", "id"]
        constraints = [
            models.CheckConstraint(
                name="finding_closed_with_evidence",
                condition=Q(closed_on__isnull=True) | ~Q(closing_evidence=""),
            )
        ]

    def __str__(self) -> str:
        return self.description[:40]


class ComplaintKind(models.TextChoices):
    COMPLAINT = "complaint", _("投诉")
    DISPUTE = "dispute", _("纠纷")


class Complaint(models.Model):
    """A complaint or dispute about a project, and how it was handled."""

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="complaints"
    )
    kind = models.CharField(_("类型"), max_length=10, choices=ComplaintKind.choices)
    received_on = models.DateField(_("受理日期"))
    summary = models.TextField(_("内容"))
    handling = models.TextField(_("处理情况"), blank=True)
    closed_on = models.DateField(_("办结日期"), null=True, blank=True)
    history = HistoricalRecords()

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("投诉纠纷")
        verbose_name_plural = _("投诉纠纷")
        ordering = ["-received_on", "-id"]
        constraints = [
            models.CheckConstraint(
                name="complaint_closed_after_received",
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=models.F("received_on")),
            )
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.get_kind_display()} {self.received_on}"


class FollowUpVisit(models.Model):
    """A follow-up visit (回访) to a renovated community."""

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="visits"
    )
    visited_on = models.DateField(_("回访日期"))
    visitors = models.CharField(_("回访人员"), max_length=200)
    note = models.TextField(_("回访情况"), blank=True)
    history = HistoricalRecords()

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("回访")
        verbose_name_plural = _("回访")
        ordering = ["-visited_on", "-id"]

    def __str__(self) -> str:
        return f"{self.project} 回访 {self.visited_on}"


class Warranty(models.Model):
    """A project's warranty period (保修)."""

    project = models.OneToOneField(
        Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="warranty"
    )
    starts_on = models.DateField(_("保修起始日期"))
    ends_on = models.DateField(_("保修截止日期"))
    warrantor = models.CharField(_("保修单位"), max_length=200, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    history = HistoricalRecords()

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("保修")
        verbose_name_plural = _("保修")
        constraints = [
            models.CheckConstraint(
                name="warranty_ends_after_start", condition=Q(ends_on__gte=models.F("starts_on"))
            )
        ]

    def __str__(self) -> str:
        return f"{self.project} 保修至 {self.ends_on}"


class ResidentWish(models.Model):
    """A facility the residents most want (居民意愿), with how many households asked for it,
    recorded with the renovation plan's consultation."""

    plan = models.ForeignKey(
        RenovationPlan, verbose_name=_("改造方案"), on_delete=models.CASCADE, related_name="wishes"
    )
    facility = models.CharField(_("设施"), max_length=50)
    households = models.PositiveIntegerField(_("提出户数"))
    history = HistoricalRecords()

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("居民意愿")
        verbose_name_plural = _("居民意愿")
        ordering = ["plan", "-households", "facility"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "facility"], name="resident_wish_unique"),
            models.CheckConstraint(
                name="resident_wish_households_positive", condition=Q(households__gt=0)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan.project} {self.facility}"


class WorkInfo(models.Model):
    """A short item of work information (工作信息) a unit submits to the city office, which may mark
    it adopted (采用)."""

    plan_year = models.ForeignKey(PlanYear, verbose_name=_("年度计划"), on_delete=models.PROTECT)
    unit = models.ForeignKey(Unit, verbose_name=_("区县"), on_delete=models.PROTECT)
    project = models.ForeignKey(
        Project, verbose_name=_("相关项目"), on_delete=models.SET_NULL, null=True, blank=True
    )
    title = models.CharField(_("标题"), max_length=100)
    text = models.TextField(_("内容"))
    submitted_at = models.DateTimeField(_("报送时间"), auto_now_add=True)
    submitted_by = models.ForeignKey(
        User,
        verbose_name=_("报送人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    adopted_on = models.DateField(_("采用日期"), null=True, blank=True)
    adopted_by = models.ForeignKey(
        User,
        verbose_name=_("采用人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords()

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("工作信息")
        verbose_name_plural = _("工作信息")
        ordering = ["-submitted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.unit} {self.title}"


class WorkInfoPhoto(models.Model):
    """A photo of a work information item (JPEG, PNG or PDF, validated as evidence is)."""

    item = models.ForeignKey(
        WorkInfo, verbose_name=_("工作信息"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.FileField(_("照片"), upload_to=document_upload_to)
    history = HistoricalRecords()

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("工作信息照片")
        verbose_name_plural = _("工作信息照片")
        ordering = ["item", "id"]

    def __str__(self) -> str:
        return f"{self.item} 照片"


def inspection_authors(kind_path: str) -> ChangeRule:
    """An inspection and its findings are recorded by the side that inspected: the city office for
    its kinds (any unit), the unit's own clerk or leader for its self-inspection and evaluation."""

    def rule(user: User, unit_path: str) -> Q | None:
        if is_city_office(user):
            return Q(**{f"{kind_path}__in": CITY_KINDS})
        own = unit_writers(user, unit_path)
        return None if own is None else own & ~Q(**{f"{kind_path}__in": CITY_KINDS})

    return rule


# The door's rules (projects.permissions): the path to each row's unit and who changes it.
register(ImplementationPlan, unit="unit_id")
register(RenovationPlan, unit="project__unit_id")
register(PlanAdjustment, unit="unit_id")
register(AdjustmentCommunity, unit="adjustment__unit_id")
register(Inspection, unit="unit_id", change=inspection_authors("kind"))
register(Finding, unit="inspection__unit_id", change=inspection_authors("inspection__kind"))
for model in (Complaint, FollowUpVisit, Warranty):
    register(model, unit="project__unit_id")
register(ResidentWish, unit="plan__project__unit_id")
register(WorkInfo, unit="unit_id")
register(WorkInfoPhoto, unit="item__unit_id")
