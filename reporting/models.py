"""Monthly information reports (信息月报) and the flags raised on them (SPEC §5)."""

import uuid
from pathlib import PurePath
from typing import Any

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from projects.models import PlanYear, Unit, User
from projects.permissions import RestrictedManager, city_office, either, register, unit_writers
from projects.rules.periods import PeriodKind, ReportPeriod
from projects.rules.reports import ReportState


class ReportStateChoice(models.TextChoices):
    DRAFT = ReportState.DRAFT.value, _("草稿")
    SUBMITTED = ReportState.SUBMITTED.value, _("已提交待审核")
    APPROVED = ReportState.APPROVED.value, _("已审核盖章")
    RECEIVED = ReportState.RECEIVED.value, _("市老旧办已接收")
    RETURNED = ReportState.RETURNED.value, _("已退回")


def stamp_upload_to(instance: Any, filename: str) -> str:
    """Stamped scans are stored under a random name; the name the user gave is never trusted."""
    suffix = PurePath(filename).suffix.lower()[:8]
    return f"stamps/{uuid.uuid4().hex}{suffix}"


class MonthlyReport(models.Model):
    """One version of a unit's monthly report: figures prepared from the project records at month
    end, frozen with a SHA-256 digest once the unit's leader approves it with the stamped scan."""

    plan_year = models.ForeignKey(
        PlanYear, verbose_name=_("年度计划"), on_delete=models.PROTECT, related_name="reports"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("区县"), on_delete=models.PROTECT, related_name="reports"
    )
    month = models.PositiveSmallIntegerField(_("月份"))
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    state = models.CharField(
        _("状态"), max_length=12, choices=ReportStateChoice.choices, default=ReportState.DRAFT
    )
    figures = models.JSONField(_("报告数据"), default=dict, blank=True)
    digest = models.CharField(_("SHA-256 摘要"), max_length=64, blank=True)
    problems = models.TextField(_("存在问题"), blank=True)
    next_plan = models.TextField(_("下月工作计划"), blank=True)
    stamp = models.FileField(_("盖章扫描件"), upload_to=stamp_upload_to, blank=True)
    created_by = models.ForeignKey(
        User,
        verbose_name=_("填报人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        User,
        verbose_name=_("提交人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    approved_by = models.ForeignKey(
        User,
        verbose_name=_("审核人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    received_at = models.DateTimeField(_("接收时间"), null=True, blank=True)
    received_by = models.ForeignKey(
        User,
        verbose_name=_("接收人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    returned_at = models.DateTimeField(_("退回时间"), null=True, blank=True)
    returned_by = models.ForeignKey(
        User,
        verbose_name=_("退回人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    return_reason = models.TextField(_("退回原因"), blank=True)
    wrong_figures = models.BooleanField(_("数据错误（错报）"), default=False)
    withdraw_reason = models.TextField(_("撤回审核原因"), blank=True)
    send_back_reason = models.TextField(_("退回修改原因"), blank=True)
    history = HistoricalRecords()

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("信息月报")
        verbose_name_plural = _("信息月报")
        ordering = ["plan_year", "month", "unit__sort_order", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan_year", "unit", "month", "version"], name="report_unique_version"
            ),
            models.CheckConstraint(
                name="report_month_valid", condition=Q(month__gte=1) & Q(month__lte=12)
            ),
            models.CheckConstraint(
                name="report_state_valid", condition=Q(state__in=ReportStateChoice.values)
            ),
            # Approved, received and returned versions are valid reports: stamped, digested.
            models.CheckConstraint(
                name="report_valid_is_stamped",
                condition=Q(state__in=[ReportState.DRAFT, ReportState.SUBMITTED])
                | (~Q(stamp="") & ~Q(digest="") & Q(approved_at__isnull=False)),
            ),
            models.CheckConstraint(
                name="report_returned_has_reason",
                condition=~Q(state=ReportState.RETURNED) | ~Q(return_reason=""),
            ),
        ]
        indexes = [models.Index(fields=["plan_year", "month", "unit"], name="report_year_month")]

    def __str__(self) -> str:
        return f"{self.unit} {self.plan_year.year}年{self.month}月信息月报（第{self.version}版）"


class FlagKind(models.TextChoices):
    # Raised before a fall was named inside the discrepancy of the report that differs from the
    # records (projects.rules.reports.report_discrepancies); kept for those flags.
    FELL = "fell", _("累计数低于此前报告")
    DIFFERS = "differs", _("与项目记录不符")


class Ruling(models.TextChoices):
    OPEN = "open", _("待认定")
    CONCEALED = "concealed", _("认定瞒报")
    WRONG = "wrong", _("认定错报")
    DISMISSED = "dismissed", _("不予认定")
    # Set by the check, not by a person: the version is no longer the valid one (returned, its
    # approval withdrawn), or the records agree with the report again.
    LAPSED = "lapsed", _("已失效")


# The rulings the city office makes on an open flag.
CITY_RULINGS = (Ruling.CONCEALED, Ruling.WRONG, Ruling.DISMISSED)


class ReportFlag(models.Model):
    """A suspected 瞒报/错报 raised automatically on the valid version of a month, for the city office
    to rule on. One discrepancy is one flag: a report that differs from the records has one open
    flag naming every figure and project that differs (``figure`` empty; flags raised before carry
    one figure each), and a later check updates it instead of raising another."""

    report = models.ForeignKey(
        MonthlyReport, verbose_name=_("信息月报"), on_delete=models.CASCADE, related_name="flags"
    )
    kind = models.CharField(_("疑点类型"), max_length=10, choices=FlagKind.choices)
    figure = models.CharField(_("数据项"), max_length=32, blank=True)
    detail = models.TextField(_("疑点说明"))
    # The projects whose records differ from the report: [{"project_id", "name", "reported",
    # "records", "text"}]; None when the report froze no project list (approved before it did).
    projects = models.JSONField(_("涉及项目"), null=True, blank=True, default=list)
    raised_at = models.DateTimeField(_("发现时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("最近更新"), null=True, blank=True)
    ruling = models.CharField(
        _("认定结果"), max_length=10, choices=Ruling.choices, default=Ruling.OPEN
    )
    ruling_reason = models.TextField(_("认定理由"), blank=True)
    ruled_by = models.ForeignKey(
        User, verbose_name=_("认定人"), on_delete=models.PROTECT, null=True, blank=True
    )
    ruled_at = models.DateTimeField(_("认定时间"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("月报疑点")
        verbose_name_plural = _("月报疑点")
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "kind", "figure"],
                condition=Q(ruling="open"),
                name="flag_one_open_per_figure",
            ),
            models.CheckConstraint(
                name="flag_ruling_has_reason",
                condition=Q(ruling=Ruling.OPEN)
                | (~Q(ruling_reason="") & Q(ruled_at__isnull=False)),
            ),
            models.CheckConstraint(name="flag_ruling_valid", condition=Q(ruling__in=Ruling.values)),
        ]

    def __str__(self) -> str:
        return f"{self.report}：{self.get_kind_display()}"


class PeriodKindChoice(models.TextChoices):
    MONTH = PeriodKind.MONTH.value, _("月度")
    QUARTER = PeriodKind.QUARTER.value, _("季度")
    YEAR_TO_DATE = PeriodKind.YEAR_TO_DATE.value, _("年初至今")


def notice_upload_to(instance: Any, filename: str) -> str:
    """Signed notices are stored under a random name with the suffix of the detected kind."""
    suffix = PurePath(filename).suffix.lower()[:8]
    return f"notices/{uuid.uuid4().hex}{suffix}"


class Notice(models.Model):
    """A notice (通报) the city office issued on the report record of a period: its number (文号),
    issue date, the scan of the signed copy, and the units it names."""

    plan_year = models.ForeignKey(
        PlanYear, verbose_name=_("年度计划"), on_delete=models.PROTECT, related_name="notices"
    )
    period_kind = models.CharField(_("通报期间"), max_length=8, choices=PeriodKindChoice.choices)
    period_start = models.DateField(_("期间起始日"))
    period_end = models.DateField(_("期间截止日"))
    number = models.CharField(_("文号"), max_length=60)
    issued_on = models.DateField(_("印发日期"))
    scan = models.FileField(_("签发件扫描件"), upload_to=notice_upload_to)
    units = models.ManyToManyField(Unit, verbose_name=_("通报单位"), related_name="notices")
    recorded_by = models.ForeignKey(
        User, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[units])

    class Meta:
        verbose_name = _("通报")
        verbose_name_plural = _("通报")
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["plan_year", "number"], name="notice_unique_number"),
            models.CheckConstraint(
                name="notice_period_in_order", condition=Q(period_start__lte=F("period_end"))
            ),
            models.CheckConstraint(
                name="notice_issued_after_period",
                condition=Q(issued_on__gt=F("period_end")),
            ),
            models.CheckConstraint(
                name="notice_period_kind_valid",
                condition=Q(period_kind__in=PeriodKindChoice.values),
            ),
            models.CheckConstraint(name="notice_has_number", condition=~Q(number="")),
        ]

    def __str__(self) -> str:
        return f"{self.number}（{self.issued_on:%Y年%-m月%-d日}）"

    @property
    def period(self) -> ReportPeriod:
        return ReportPeriod(
            PeriodKind(self.period_kind),
            self.period_start.year,
            self.period_start.month,
            self.period_end.month,
        )


# The door's rule (projects.permissions): a report is written by its unit's clerk and leader and
# received or returned by the city office; which of them may take which step is the workflow's table.
register(MonthlyReport, unit="unit_id", change=either(unit_writers, city_office))
