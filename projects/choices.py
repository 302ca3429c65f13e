"""Enumerations of the programme, with their Chinese labels."""

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _

from .rules.project_checks import PIPELINES


class ProjectKind(models.TextChoices):
    NEW = "new", _("新开工")
    CARRYOVER = "carryover", _("续建")


class PlanYearState(models.TextChoices):
    """A plan year is drafted by the city office, then opened; once open its targets change only
    through the recorded target maintenance."""

    DRAFT = "draft", _("草拟中")
    OPEN = "open", _("已开启")


class Opinion(models.TextChoices):
    AGREE = "agree", _("同意")
    DISAGREE = "disagree", _("不同意")
    UNDECIDED = "undecided", _("未表态")


class Role(models.TextChoices):
    CLERK = "clerk", _("区县填报员")
    LEADER = "leader", _("区县审核人")
    CITY = "city", _("市老旧办")
    ADMIN = "admin", _("系统管理员")


class Criterion(models.TextChoices):
    """The four start criteria recorded by people; the first (consent) is computed from households."""

    STRUCTURES_CLEARED = "structures_cleared", _("违建拆除")
    DESIGN_POSTED = "design_posted", _("设计公示")
    CONTRACT_SIGNED = "contract_signed", _("施工合同")
    ON_SITE = "on_site", _("进场施工")


class MilestoneKey(StrEnum):
    """The codes of 2022's milestones. A code only names a milestone: its wording, share, due date
    and basis are the plan year's data (models.Milestone), so another year may have other codes."""

    CARRYOVER_COMPLETED = "carryover_completed"
    NEW_STARTED_HALF = "new_started_half"
    NEW_ALL_STARTED = "new_all_started"
    NEW_COMPLETED_70 = "new_completed_70"


class TargetBasis(models.TextChoices):
    """Which annual target a milestone is measured against."""

    CARRYOVER = "carryover", _("续建目标")
    NEW_STARTS = "new_starts", _("新开工目标")
    COMPLETIONS = "completions", _("完成改造目标")


class Measure(models.TextChoices):
    """Which cumulative household figure a milestone counts."""

    CARRYOVER_COMPLETED = "carryover_completed", _("续建项目完工户数")
    NEW_STARTED = "new_started", _("新开工项目开工户数")
    NEW_COMPLETED = "new_completed", _("新开工项目完工户数")


class MilestoneStatusChoice(models.TextChoices):
    """The statuses of rules.milestones.MilestoneStatus with translatable labels, for pages."""

    MET = "met", _("已完成")
    MISSED = "missed", _("未完成")
    ON_TRACK = "on_track", _("进度正常")
    AT_RISK = "at_risk", _("进度滞后")
    NO_TARGET = "no_target", _("无目标")


# Vocabularies offered on the project form (the demo data draws from them too). The renovation
# contents start with the six pipelines (rules.project_checks.PIPELINES), as SPEC §4 orders them.
OTHER_CONTENTS: tuple[str, ...] = (
    "屋面防水", "外墙保温", "楼道照明", "道路硬化", "绿化提升", "雨污分流", "安防监控", "停车位",
    "充电桩", "加装电梯", "无障碍设施", "文体活动场地", "垃圾分类设施", "消防设施",
)  # fmt: skip
OTHER_HAZARDS: tuple[str, ...] = ("消防通道占用", "外墙空鼓脱落", "楼道堆物", "防盗窗锈蚀")
LINKED_TAGS: tuple[str, ...] = (
    "适老化", "适儿化", "无障碍", "海绵城市", "绿色社区", "完整社区", "红色物业",
)  # fmt: skip
MANAGEMENT_MODES: tuple[str, ...] = (
    "专业化物业服务", "社区托管", "业主自治管理", "国有物业企业兜底服务", "“红色物业”党建引领",
)  # fmt: skip
# The project's multi-choice lists, each in the order its choices are offered.
LIST_FIELDS: dict[str, tuple[str, ...]] = {
    "contents": (*PIPELINES, *OTHER_CONTENTS),
    "hazards": (*PIPELINES, *OTHER_HAZARDS),
    "linked_tags": LINKED_TAGS,
}


def in_choice_order(terms: list[str], choices: tuple[str, ...]) -> list[str]:
    """``terms`` once each, the offered ``choices`` first in their order, then free text as given:
    the one stored order, so a list saved in another order is not a change."""
    extra = [t for t in dict.fromkeys(terms) if t not in choices]
    return [c for c in choices if c in terms] + extra


class FundSource(models.TextChoices):
    """The seven funding sources of SPEC §4, in their order (a project's ``fund_<value>`` field)."""

    CENTRAL = "central", _("中央补助")
    PROVINCIAL = "provincial", _("省级补助")
    CITY = "city", _("市级补助")
    COUNTY = "county", _("县级配套")
    SOCIAL = "social", _("社会资本")
    CREDIT = "credit", _("信贷")
    RESIDENTS = "residents", _("居民出资")


class ParticipantRole(models.TextChoices):
    """The participating units answerable for quality and safety on site (压实各参建单位质量安全责任),
    and the project's own quality-and-safety responsible person."""

    CONSTRUCTION = "construction", _("建设单位")
    DESIGN = "design", _("设计单位")
    BUILDER = "builder", _("施工单位")
    SUPERVISOR = "supervisor", _("监理单位")
    QUALITY_SAFETY = "quality_safety", _("质量安全责任人")


class ApprovalKind(models.TextChoices):
    """A project's approvals (项目审批) and utility hook-ups (市政基础设施接入)."""

    PROJECT_APPROVAL = "project_approval", _("立项批复")
    DESIGN_REVIEW = "design_review", _("初步设计（施工图）审查")
    CONSTRUCTION_PERMIT = "construction_permit", _("施工许可")
    WATER = "water", _("供水接入")
    POWER = "power", _("供电接入")
    GAS = "gas", _("燃气接入")
    HEAT = "heat", _("供热接入")
    TELECOM = "telecom", _("通信接入")
    OTHER = "other", _("其他审批")


class HandoverParty(models.TextChoices):
    """Who a completed project is handed over to (验收移交)."""

    PROPERTY_COMPANY = "property_company", _("物业公司")
    COMMUNITY = "community", _("社区")
    OWNERS_COMMITTEE = "owners_committee", _("业主委员会")


class NotificationKind(models.TextChoices):
    """What a portal notification (站内通知) tells its recipient about."""

    REPORT_SUBMITTED = "report_submitted", _("月报待审核")
    REPORT_APPROVED = "report_approved", _("月报待接收")
    REPORT_SENT_BACK = "report_sent_back", _("月报退回修改")
    REPORT_RETURNED = "report_returned", _("月报被退回")
    REPORT_RECEIVED = "report_received", _("月报已接收")
    FLAG_RULED = "flag_ruled", _("疑点已认定")
    REPORT_DUE_SOON = "report_due_soon", _("月报即将到期")
    REPORT_OVERDUE = "report_overdue", _("月报已逾期")


class JobState(models.TextChoices):
    """A background job (后台任务): queued until a worker takes it, then running, then done or
    failed; a failed job wrote nothing."""

    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("进行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")
