"""The programme's facts: units, plan years and their targets, projects, households, start evidence."""

import uuid
from datetime import date
from pathlib import PurePath
from typing import TYPE_CHECKING, Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .choices import (
    ApprovalKind,
    Criterion,
    FundSource,
    HandoverParty,
    JobState,
    Measure,
    NotificationKind,
    Opinion,
    ParticipantRole,
    PlanYearState,
    ProjectKind,
    Role,
    TargetBasis,
)
from .milestone_names import milestone_name
from .permissions import RestrictedManager, open_years_for_units, register, target_setters
from .rules.start import agrees
from .rules.text import normalized

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise


def money_field(verbose_name: "StrOrPromise") -> models.DecimalField:
    """An amount in 万元, exact to the yuan (four decimal places), never negative (checked below)."""
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=4, default=0)


class Unit(models.Model):
    """A county-level unit (区县): a district, county or functional zone of the city."""

    name = models.CharField(_("名称"), max_length=50, unique=True)
    division_code = models.CharField(
        _("区划代码"), max_length=6, unique=True, null=True, blank=True
    )
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=100)
    in_annexes = models.BooleanField(_("附表列出"), default=False)

    class Meta:
        verbose_name = _("区县")
        verbose_name_plural = _("区县")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class PortalUserManager(UserManager["User"]):
    """Superusers are administrators, not clerks, so they need no unit."""

    def create_superuser(
        self, username: str, email: str | None = None, password: str | None = None, **extra: Any
    ) -> "User":
        extra.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra)


class User(AbstractUser):
    """A portal user: a unit's clerk or leader, the city office, or an administrator."""

    objects: ClassVar[PortalUserManager] = PortalUserManager()

    role = models.CharField(_("角色"), max_length=10, choices=Role.choices, default=Role.CLERK)
    unit = models.ForeignKey(
        Unit, verbose_name=_("所属区县"), on_delete=models.PROTECT, null=True, blank=True
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.CheckConstraint(
                name="user_unit_role_has_unit",
                condition=~Q(role__in=[Role.CLERK, Role.LEADER]) | Q(unit__isnull=False),
                violation_error_message=_("区县填报员和审核人须指定所属区县"),
            )
        ]


class PlanYear(models.Model):
    """A plan year (年度计划) with its city totals, deadlines and settings, so a new year is data entry."""

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    city_new_starts = models.PositiveIntegerField(_("全市新开工目标（户）"))
    city_completions = models.PositiveIntegerField(_("全市完成改造目标（户）"))
    city_carryover = models.PositiveIntegerField(_("全市续建目标（户）"))
    completion_percent = models.PositiveSmallIntegerField(_("完成改造比例（%）"), default=70)
    consent_percent = models.PositiveSmallIntegerField(_("开工同意比例（%）"), default=80)
    implementation_plan_due = models.DateField(_("年度工作实施方案截止日期"))
    renovation_plans_due = models.DateField(_("改造方案截止日期"))
    adjustment_cutoff = models.DateField(_("计划调整截止日期"))
    report_due_day = models.PositiveSmallIntegerField(
        _("月报报送截止日（次月）"), default=5, help_text=_("每月信息月报须于次月该日前报送")
    )
    # Months whose reports are a trial run (试填报): the whole workflow, but left out of timeliness
    # (迟报/漏报) and the annual assessment (projects.rules.reports.trial_month).
    trial_months = models.JSONField(
        _("试填报月份"), default=list, blank=True, help_text=_("月份数字列表，如 [1, 2]")
    )
    # SPEC §4: 市级补助 is paid only to these units' projects (驿城区 and 经济开发区 in 2022).
    subsidised_units = models.ManyToManyField(
        Unit,
        verbose_name=_("市级补助区县"),
        related_name="subsidised_plan_years",
        blank=True,
        help_text=_("只有这些区县的项目可有市级补助"),
    )
    # Drafted, then opened by the city office (services.plan_year_open); the loaded 2022 year is open.
    state = models.CharField(
        _("状态"),
        max_length=10,
        choices=PlanYearState.choices,
        default=PlanYearState.OPEN,
        db_default=PlanYearState.OPEN,
    )
    opened_at = models.DateTimeField(_("开启时间"), null=True, blank=True, editable=False)
    opened_by = models.ForeignKey(
        "User",
        verbose_name=_("开启人"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    # Each row keeps the subsidised units as they stood, so the plan year's page can say what a
    # change of them was (projects.selectors.plan_years.plan_year_changes).
    history = HistoricalRecords(m2m_fields=[subsidised_units])

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("年度计划")
        verbose_name_plural = _("年度计划")
        ordering = ["year"]
        constraints = [
            models.CheckConstraint(
                name="plan_year_percents_valid",
                condition=Q(completion_percent__lte=100) & Q(consent_percent__lte=100),
            ),
            models.CheckConstraint(
                name="plan_year_report_due_day_valid",
                condition=Q(report_due_day__gte=1) & Q(report_due_day__lte=28),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}年"

    @property
    def year_start(self) -> date:
        return date(self.year, 1, 1)

    @property
    def year_end(self) -> date:
        return date(self.year, 12, 31)


class Milestone(models.Model):
    """A milestone (阶段任务) of a plan year: a measure that must reach a share of a target by a date."""

    plan_year = models.ForeignKey(
        PlanYear, verbose_name=_("年度计划"), on_delete=models.CASCADE, related_name="milestones"
    )
    key = models.CharField(_("代码"), max_length=30)
    # Blank: the wording follows the data (projects.milestone_names), so a changed share or due date
    # is never shown under last year's words; set only for a milestone those words do not fit.
    name = models.CharField(
        _("名称"),
        max_length=60,
        blank=True,
        help_text=_("留空时按统计口径、比例和截止日期生成，如“6月底开工量达50％”"),
    )
    due = models.DateField(_("截止日期"))
    percent = models.PositiveSmallIntegerField(_("比例（%）"))
    basis = models.CharField(_("对照目标"), max_length=20, choices=TargetBasis.choices)
    measure = models.CharField(_("统计口径"), max_length=30, choices=Measure.choices)
    requires_all_projects_started = models.BooleanField(_("要求全部项目开工"), default=False)
    requires_all_projects_completed = models.BooleanField(_("要求全部项目完工"), default=False)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("阶段任务")
        verbose_name_plural = _("阶段任务")
        ordering = ["plan_year", "sort_order", "due"]
        constraints = [
            models.UniqueConstraint(fields=["plan_year", "key"], name="milestone_unique_key"),
            models.CheckConstraint(name="milestone_percent_valid", condition=Q(percent__lte=100)),
        ]

    def __str__(self) -> str:
        name = milestone_name(self, completion_percent=self.plan_year.completion_percent)
        return f"{self.plan_year} {name}"


class UnitTarget(models.Model):
    """A unit's annual targets in households (annex 1 and 2); null where the source does not give one."""

    plan_year = models.ForeignKey(
        PlanYear, verbose_name=_("年度计划"), on_delete=models.CASCADE, related_name="unit_targets"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("区县"), on_delete=models.PROTECT, related_name="targets"
    )
    new_starts = models.PositiveIntegerField(_("新开工目标（户）"), null=True, blank=True)
    completions = models.PositiveIntegerField(_("完成改造目标（户）"), null=True, blank=True)
    carryover = models.PositiveIntegerField(_("续建目标（户）"), null=True, blank=True)
    # Annex 1 says "完成改造 …以上": a completion target above new starts × 70 % needs a reason
    # (projects.rules.targets.completion_target), kept with the figure it explains.
    completions_reason = models.CharField(
        _("完成改造目标高于比例的理由"), max_length=200, blank=True
    )
    history = HistoricalRecords()

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("区县目标")
        verbose_name_plural = _("区县目标")
        ordering = ["plan_year", "unit__sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["plan_year", "unit"], name="unit_target_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_year} {self.unit}"


class UnassignedCarryover(models.Model):
    """A carry-over figure whose unit the source lost (30, 2113): held so the city total reconciles."""

    plan_year = models.ForeignKey(
        PlanYear,
        verbose_name=_("年度计划"),
        on_delete=models.CASCADE,
        related_name="unassigned_carryover",
    )
    households = models.PositiveIntegerField(_("户数"))
    source_note = models.CharField(_("来源说明"), max_length=200, blank=True)
    # Set once, by the assignment service, when the city office names the figure's unit: the figure
    # then counts in that unit's carry-over target and no longer as unassigned. Kept, not deleted,
    # so the row still says who assigned it, when and why (not editable in the admin's form; the
    # labels reuse the catalogue's 所属区县/记录人/记录时间/说明).
    assigned_unit = models.ForeignKey(
        Unit,
        verbose_name=_("所属区县"),
        on_delete=models.PROTECT,
        related_name="assigned_carryover",
        null=True,
        blank=True,
        editable=False,
    )
    assigned_at = models.DateTimeField(_("记录时间"), null=True, blank=True, editable=False)
    assigned_by = models.ForeignKey(
        User,
        verbose_name=_("记录人"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    reason = models.CharField(_("说明"), max_length=100, blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("未列明区县的续建目标")
        verbose_name_plural = _("未列明区县的续建目标")
        ordering = ["plan_year", "id"]
        constraints = [
            models.CheckConstraint(
                name="unassigned_carryover_assignment_complete",
                condition=(Q(assigned_unit__isnull=True) & Q(assigned_at__isnull=True))
                | (Q(assigned_unit__isnull=False) & Q(assigned_at__isnull=False) & ~Q(reason="")),
            ),
        ]

    def __str__(self) -> str:
        if self.assigned_unit_id is not None:
            return f"{self.plan_year} 未列明区县 {self.households} 户（已指定{self.assigned_unit}）"
        return f"{self.plan_year} 未列明区县 {self.households} 户"


class NormalizedNames(models.Model):
    """A model whose ``NORMALIZED_FIELDS`` are written in the one normal form (rules.text) before
    they are validated, compared or stored: every writer cleans the model (forms, admin, services)."""

    NORMALIZED_FIELDS: ClassVar[tuple[str, ...]] = ()

    class Meta:
        abstract = True

    def normalize_names(self) -> None:
        for field in self.NORMALIZED_FIELDS:
            value = getattr(self, field)
            if isinstance(value, str):
                setattr(self, field, normalized(value))

    def clean_fields(self, exclude: Any = None) -> None:
        self.normalize_names()
        super().clean_fields(exclude=exclude)


class Project(NormalizedNames):
    """A renovation project (改造项目): one community of a unit's plan, new in the year or carried over."""

    NORMALIZED_FIELDS = ("name",)

    plan_year = models.ForeignKey(
        PlanYear, verbose_name=_("年度计划"), on_delete=models.PROTECT, related_name="projects"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("区县"), on_delete=models.PROTECT, related_name="projects"
    )
    kind = models.CharField(_("项目类型"), max_length=10, choices=ProjectKind.choices)
    name = models.CharField(_("小区名称"), max_length=200)
    address = models.CharField(_("地址"), max_length=300, blank=True)
    buildings = models.PositiveIntegerField(_("楼栋数"), default=0)
    households = models.PositiveIntegerField(_("户数"))
    floor_area = models.DecimalField(
        _("建筑面积（㎡）"), max_digits=14, decimal_places=2, default=0
    )
    investment = money_field(_("资金概算（万元）"))
    fund_central = money_field(_("中央补助（万元）"))
    fund_provincial = money_field(_("省级补助（万元）"))
    fund_city = money_field(_("市级补助（万元）"))
    fund_county = money_field(_("县级配套（万元）"))
    fund_social = money_field(_("社会资本（万元）"))
    fund_credit = money_field(_("信贷（万元）"))
    fund_residents = money_field(_("居民出资（万元）"))
    contents = models.JSONField(_("改造内容"), default=list, blank=True)
    hazards = models.JSONField(_("摸底排查隐患"), default=list, blank=True)
    linked_tags = models.JSONField(_("联动改造"), default=list, blank=True)
    management_mode = models.CharField(_("物业管理模式"), max_length=100, blank=True)
    construction_unit = models.CharField(_("建设单位"), max_length=200, blank=True)
    supervising_unit = models.CharField(_("日常监管直接责任单位"), max_length=200, blank=True)
    responsible_person = models.CharField(_("责任人"), max_length=50, blank=True)
    responsible_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    contractor = models.CharField(_("施工单位"), max_length=200, blank=True)
    consent_met_on = models.DateField(
        _("居民同意达标日期"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("由住户表态记录计算，不可手工填写"),
    )
    started_on = models.DateField(
        _("开工日期"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("五项开工条件最后一项满足的日期，由系统计算"),
    )
    # The start rule's judgement of the records (rules.start.stored_criteria): the criteria met,
    # each with its date and whether its evidence backs it. Written with the start date by
    # services.projects_refresh_start; the project list filters on it instead of restating the rule.
    criteria_met = models.JSONField(
        _("已满足的开工条件"), default=dict, db_default={}, blank=True, editable=False
    )
    completed_on = models.DateField(_("完工日期"), null=True, blank=True)
    accepted_on = models.DateField(_("验收移交日期"), null=True, blank=True)
    # Set by the city office only (services.project_contact_point_set), never on the unit's form.
    contact_point = models.BooleanField(
        _("省级联系点"), default=False, db_default=False, editable=False
    )
    warning_note = models.TextField(
        _("提示情况说明"),
        blank=True,
        help_text=_("项目存在提示（如资金来源合计与概算不符）时，须书面说明原因"),
    )
    # Year rollover (SPEC: unfinished projects become next year's 续建): the previous year's project
    # this carry-over continues — same community, households, criteria and evidence, reachable from
    # both years; the previous year's row keeps its figures as they were.
    rolled_from = models.OneToOneField(
        "self",
        verbose_name=_("上年项目"),
        on_delete=models.PROTECT,
        related_name="rolled_into",
        null=True,
        blank=True,
        editable=False,
    )
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    # The criteria met are derived from the records, which keep their own history.
    history = HistoricalRecords(excluded_fields=["criteria_met"])

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("改造项目")
        verbose_name_plural = _("改造项目")
        ordering = ["unit__sort_order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan_year", "unit", "name"], name="project_unique_name_in_unit"
            ),
            models.CheckConstraint(
                name="project_households_positive", condition=Q(households__gt=0)
            ),
            models.CheckConstraint(
                name="project_money_non_negative",
                condition=Q(investment__gte=0)
                & Q(fund_central__gte=0)
                & Q(fund_provincial__gte=0)
                & Q(fund_city__gte=0)
                & Q(fund_county__gte=0)
                & Q(fund_social__gte=0)
                & Q(fund_credit__gte=0)
                & Q(fund_residents__gte=0)
                & Q(floor_area__gte=0),
            ),
            models.CheckConstraint(
                name="project_completed_not_before_started",
                condition=Q(completed_on__isnull=True)
                | Q(started_on__isnull=True)
                | Q(completed_on__gte=F("started_on")),
                violation_error_message=_("完工日期不能早于开工日期"),
            ),
            models.CheckConstraint(
                name="project_accepted_after_completed",
                condition=Q(accepted_on__isnull=True)
                | (Q(completed_on__isnull=False) & Q(accepted_on__gte=F("completed_on"))),
                violation_error_message=_("验收移交日期不能早于完工日期"),
            ),
            models.CheckConstraint(
                name="project_carryover_has_no_start",
                condition=Q(kind=ProjectKind.NEW) | Q(started_on__isnull=True),
            ),
            models.CheckConstraint(
                name="project_rolled_from_is_carryover",
                condition=Q(rolled_from__isnull=True) | Q(kind=ProjectKind.CARRYOVER),
            ),
        ]
        indexes = [
            models.Index(fields=["plan_year", "unit", "kind"], name="project_year_unit_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.name}"


class Household(NormalizedNames):
    """A dwelling of a project and its head of household's answer on the renovation plan and the
    property-management mode. Names and phones are personal data: masked wherever listed."""

    NORMALIZED_FIELDS = ("building", "entrance", "room", "head_name")

    project = models.ForeignKey(
        Project,
        verbose_name=_("改造项目"),
        on_delete=models.CASCADE,
        related_name="household_records",
    )
    building = models.CharField(_("楼栋"), max_length=30)
    entrance = models.CharField(_("单元"), max_length=30)
    room = models.CharField(_("房号"), max_length=30)
    head_name = models.CharField(_("户主姓名"), max_length=50)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    plan_opinion = models.CharField(
        _("改造方案意见"), max_length=10, choices=Opinion.choices, default=Opinion.UNDECIDED
    )
    management_opinion = models.CharField(
        _("物业管理模式意见"), max_length=10, choices=Opinion.choices, default=Opinion.UNDECIDED
    )
    answered_on = models.DateField(_("表态日期"), null=True, blank=True)
    history = HistoricalRecords()

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("住户")
        verbose_name_plural = _("住户")
        ordering = ["project", "building", "entrance", "room"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "building", "entrance", "room"], name="household_unique_dwelling"
            ),
            models.CheckConstraint(
                name="household_opinions_valid",
                condition=Q(plan_opinion__in=Opinion.values)
                & Q(management_opinion__in=Opinion.values),
            ),
            models.CheckConstraint(
                name="household_answer_has_date",
                condition=(
                    Q(plan_opinion=Opinion.UNDECIDED) & Q(management_opinion=Opinion.UNDECIDED)
                )
                | Q(answered_on__isnull=False),
                violation_error_message=_("已表态的住户须填写表态日期"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.building}-{self.entrance}-{self.room}"

    @property
    def agrees(self) -> bool:
        """A household agrees when it agreed to both the plan and the management mode."""
        return agrees(plan_opinion=self.plan_opinion, management_opinion=self.management_opinion)


def evidence_upload_to(instance: Any, filename: str) -> str:
    """Evidence is stored under a random name; the name the user gave is never trusted."""
    suffix = PurePath(filename).suffix.lower()[:8]
    return f"evidence/{uuid.uuid4().hex}{suffix}"


class StartCriterion(models.Model):
    """One recorded start criterion of a project (2–5 of annex 3): its date, evidence and recorder."""

    project = models.ForeignKey(
        Project, verbose_name=_("改造项目"), on_delete=models.CASCADE, related_name="criteria"
    )
    criterion = models.CharField(_("开工条件"), max_length=30, choices=Criterion.choices)
    met_on = models.DateField(_("满足日期"), null=True, blank=True)
    no_structures = models.BooleanField(
        _("无违章建筑和临时建筑"), default=False, help_text=_("仅用于违建拆除条件，须具名确认")
    )
    confirmed_by = models.CharField(_("确认人"), max_length=50, blank=True)
    evidence = models.FileField(_("证明材料"), upload_to=evidence_upload_to, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        User, verbose_name=_("记录人"), on_delete=models.PROTECT, null=True, blank=True
    )
    recorded_at = models.DateTimeField(_("记录时间"), auto_now=True)
    history = HistoricalRecords()

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("开工条件记录")
        verbose_name_plural = _("开工条件记录")
        ordering = ["project", "criterion"]
        constraints = [
            models.UniqueConstraint(fields=["project", "criterion"], name="criterion_unique"),
            models.CheckConstraint(
                name="criterion_no_structures_only_for_structures",
                condition=Q(no_structures=False) | Q(criterion=Criterion.STRUCTURES_CLEARED),
            ),
            models.CheckConstraint(
                name="criterion_no_structures_confirmed",
                condition=Q(no_structures=False) | ~Q(confirmed_by=""),
                violation_error_message=_("“无违建”须由具名人员确认"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.get_criterion_display()}"


class PersonalDataAccess(models.Model):
    """Who saw or exported residents' names and phones, when, in which role (SPEC §6: personal data
    shown only to those allowed; the audit shows who used that permission)."""

    class Action(models.TextChoices):
        VIEW = "view", _("查看住户页面")
        EXPORT = "export", _("导出住户完整信息")
        DOWNLOAD = "download", _("下载住户花名册")

    user = models.ForeignKey(
        User, verbose_name=_("用户"), on_delete=models.PROTECT, related_name="personal_data_access"
    )
    role = models.CharField(_("角色"), max_length=10, choices=Role.choices)
    action = models.CharField(_("操作"), max_length=10, choices=Action.choices)
    unit = models.ForeignKey(
        Unit, verbose_name=_("区县"), on_delete=models.PROTECT, null=True, blank=True
    )
    household = models.ForeignKey(
        Household, verbose_name=_("住户"), on_delete=models.SET_NULL, null=True, blank=True
    )
    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.SET_NULL, null=True, blank=True
    )
    households = models.PositiveIntegerField(_("涉及户数"), default=1)
    reason = models.CharField(_("事由"), max_length=200, blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("个人信息访问记录")
        verbose_name_plural = _("个人信息访问记录")
        ordering = ["-at"]
        constraints = [
            models.CheckConstraint(
                name="personal_data_export_has_reason",
                condition=~Q(action="export") | ~Q(reason=""),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.get_action_display()} {self.at:%Y-%m-%d %H:%M}"


# --- records the source document asks for (资金到位, 参建单位, 审批接入, 验收移交) --------------------


class FundReceipt(models.Model):
    """An amount of one funding source that arrived for a project (资金到位), on its date."""

    project = models.ForeignKey(
        Project, verbose_name=_("改造项目"), on_delete=models.CASCADE, related_name="fund_receipts"
    )
    source = models.CharField(_("资金来源"), max_length=20, choices=FundSource.choices)
    received_on = models.DateField(_("到位日期"))
    amount = models.DecimalField(_("到位金额（万元）"), max_digits=14, decimal_places=4)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        User, verbose_name=_("记录人"), on_delete=models.PROTECT, null=True, blank=True
    )
    history = HistoricalRecords()

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("资金到位记录")
        verbose_name_plural = _("资金到位记录")
        ordering = ["project", "received_on", "id"]
        constraints = [
            models.CheckConstraint(name="fund_receipt_amount_positive", condition=Q(amount__gt=0)),
            models.CheckConstraint(
                name="fund_receipt_source_valid", condition=Q(source__in=FundSource.values)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.get_source_display()} {self.amount}"


class Participant(models.Model):
    """A participating unit of a project (建设、设计、施工、监理) with its responsible person, or the
    project's quality-and-safety responsible person. The construction unit's and the builder's names
    are the project's own fields (construction_unit, contractor), so they are not repeated here."""

    project = models.ForeignKey(
        Project, verbose_name=_("改造项目"), on_delete=models.CASCADE, related_name="participants"
    )
    role = models.CharField(_("参建角色"), max_length=20, choices=ParticipantRole.choices)
    organisation = models.CharField(_("单位名称"), max_length=200, blank=True)
    person = models.CharField(_("负责人"), max_length=50)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    history = HistoricalRecords()

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("参建单位")
        verbose_name_plural = _("参建单位")
        ordering = ["project", "role"]
        constraints = [
            models.UniqueConstraint(fields=["project", "role"], name="participant_unique_role"),
            models.CheckConstraint(
                name="participant_name_not_repeated",
                condition=~Q(role__in=[ParticipantRole.CONSTRUCTION, ParticipantRole.BUILDER])
                | Q(organisation=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.get_role_display()}"


class Approval(models.Model):
    """An approval of a project or a utility hook-up (项目审批、市政基础设施接入), with its date."""

    project = models.ForeignKey(
        Project, verbose_name=_("改造项目"), on_delete=models.CASCADE, related_name="approvals"
    )
    kind = models.CharField(_("审批或接入事项"), max_length=30, choices=ApprovalKind.choices)
    approved_on = models.DateField(_("办理日期"))
    document_no = models.CharField(_("文号或编号"), max_length=100, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    history = HistoricalRecords()

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("审批和接入")
        verbose_name_plural = _("审批和接入")
        ordering = ["project", "approved_on", "id"]

    def __str__(self) -> str:
        return f"{self.project} {self.get_kind_display()}"


class CoordinatedConstructionPlan(models.Model):
    """A project's coordinated construction plan for water, power, gas, heat and telecoms
    (统筹施工方案): the document, validated as evidence is."""

    project = models.OneToOneField(
        Project,
        verbose_name=_("改造项目"),
        on_delete=models.CASCADE,
        related_name="coordinated_plan",
    )
    document = models.FileField(_("统筹施工方案"), upload_to=evidence_upload_to)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now=True)
    uploaded_by = models.ForeignKey(
        User, verbose_name=_("上传人"), on_delete=models.PROTECT, null=True, blank=True
    )
    history = HistoricalRecords()

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("统筹施工方案")
        verbose_name_plural = _("统筹施工方案")

    def __str__(self) -> str:
        return f"{self.project} 统筹施工方案"


class AcceptanceRecord(models.Model):
    """A project's acceptance and hand-over (验收移交): who took part, the documents, the party it
    was handed to. Its date is the project's ``accepted_on`` (one date, set by the same service)."""

    project = models.OneToOneField(
        Project, verbose_name=_("改造项目"), on_delete=models.CASCADE, related_name="acceptance"
    )
    participants = models.CharField(_("参加验收单位和人员"), max_length=500)
    handed_to = models.CharField(_("移交对象"), max_length=20, choices=HandoverParty.choices)
    handed_to_name = models.CharField(_("接收单位名称"), max_length=200, blank=True)
    document = models.FileField(_("验收移交文件"), upload_to=evidence_upload_to, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        User, verbose_name=_("记录人"), on_delete=models.PROTECT, null=True, blank=True
    )
    history = HistoricalRecords()

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("验收移交记录")
        verbose_name_plural = _("验收移交记录")
        constraints = [
            models.CheckConstraint(
                name="acceptance_handed_to_valid", condition=Q(handed_to__in=HandoverParty.values)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} 验收移交"


class Notification(models.Model):
    """A message in one user's portal inbox (站内通知), written by ``projects.notifications.notify``:
    a step of the report workflow that needs them, or a due-day reminder. A reminder carries a
    dedupe key, unique per recipient, so it is never written (nor e-mailed) twice."""

    recipient = models.ForeignKey(
        User, verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("类型"), max_length=20, choices=NotificationKind.choices)
    text = models.CharField(_("内容"), max_length=300)
    link = models.CharField(_("链接"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("时间"), db_index=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    # "report-due:2022-06:<unit id>:report_due_soon" for a reminder; empty for workflow messages.
    dedupe_key = models.CharField(_("去重键"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=~Q(dedupe_key=""),
                name="notification_reminder_once",
            ),
            models.CheckConstraint(
                name="notification_kind_valid", condition=Q(kind__in=NotificationKind.values)
            ),
        ]
        indexes = [
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            )
        ]

    def __str__(self) -> str:
        return f"{self.recipient}：{self.text}"


def job_result_upload_to(instance: Any, filename: str) -> str:
    """A job's result is stored under a random name outside the web root; only the job's page
    serves it, to the user who started the job."""
    suffix = PurePath(filename).suffix.lower()[:8]
    return f"jobs/{uuid.uuid4().hex}{suffix}"


class Job(models.Model):
    """A long piece of work run in the background (后台任务): a large import, a city-wide workbook,
    the re-check of all reports. Only the user who started it sees its state and gets its result;
    ``projects.jobs`` starts and runs it, and a failed job wrote nothing."""

    # A kind registered with projects.jobs (an app registers its own in AppConfig.ready()).
    kind = models.CharField(_("类型"), max_length=40)
    user = models.ForeignKey(
        User, verbose_name=_("发起人"), on_delete=models.CASCADE, related_name="jobs"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("区县"), on_delete=models.SET_NULL, null=True, blank=True
    )
    plan_year = models.ForeignKey(
        PlanYear, verbose_name=_("年度计划"), on_delete=models.SET_NULL, null=True, blank=True
    )
    state = models.CharField(
        _("状态"),
        max_length=10,
        choices=JobState.choices,
        default=JobState.QUEUED,
        db_default=JobState.QUEUED,
    )
    # What the kind needs to run (a stored upload's token, a month, a date), as JSON.
    params = models.JSONField(_("参数"), default=dict, blank=True)
    done = models.PositiveIntegerField(_("已完成"), default=0, db_default=0)
    total = models.PositiveIntegerField(_("总量"), default=0, db_default=0)
    # Why it failed, or what it did, in Chinese.
    message = models.CharField(_("说明"), max_length=500, blank=True, default="", db_default="")
    # What the job's page shows of a finished job (an import's counts and errors), as JSON.
    outcome = models.JSONField(_("结果摘要"), default=dict, blank=True)
    result = models.FileField(_("结果文件"), upload_to=job_result_upload_to, blank=True)
    result_name = models.CharField(_("下载文件名"), max_length=200, blank=True, default="")
    created_at = models.DateTimeField(_("发起时间"), default=timezone.now)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    # The job's last sign of life: its creation, its start, then each write of its progress. A job
    # silent for too long was lost with its worker (projects.jobs.jobs_reap).
    heartbeat_at = models.DateTimeField(_("最近活动时间"), default=timezone.now, db_default=Now())

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(name="job_state_valid", condition=Q(state__in=JobState.values)),
            models.CheckConstraint(name="job_done_within_total", condition=Q(done__lte=F("total"))),
            # A job has an end time exactly when it is over (done or failed).
            models.CheckConstraint(
                name="job_finished_when_over",
                condition=(
                    Q(state__in=[JobState.DONE, JobState.FAILED], finished_at__isnull=False)
                    | (~Q(state__in=[JobState.DONE, JobState.FAILED]) & Q(finished_at__isnull=True))
                ),
            ),
            # Only a job that succeeded has a result to download.
            models.CheckConstraint(
                name="job_result_only_when_done", condition=Q(result="") | Q(state=JobState.DONE)
            ),
        ]
        indexes = [models.Index(fields=["user", "-created_at"], name="job_user_recent")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def percent(self) -> int:
        """How far the job is, in whole percent (100 once done, whatever the count)."""
        if self.state == JobState.DONE:
            return 100
        return self.done * 100 // self.total if self.total else 0

    @property
    def over(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED)


class DataVersion(models.Model):
    """The version of the portal's data: one row whose counter every write service raises after its
    transaction commits (projects.data_version), so pages cached under an older version are never
    served again. In the database, so every worker process and server reads the same version."""

    counter = models.BigIntegerField(_("版本"), default=0)

    class Meta:
        verbose_name = _("数据版本")
        verbose_name_plural = _("数据版本")

    def __str__(self) -> str:
        return str(self.counter)


# The door's rules for this app's models (projects.permissions): the path to each row's unit.
register(PlanYear, unit="", change=target_setters, view=open_years_for_units)
register(UnitTarget, unit="unit_id", change=target_setters)
register(Project, unit="unit_id")
register(Household, unit="project__unit_id")
register(StartCriterion, unit="project__unit_id")
for record in (FundReceipt, Participant, Approval, CoordinatedConstructionPlan, AcceptanceRecord):
    register(record, unit="project__unit_id")
