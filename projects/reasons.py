"""The wording of the rules' message codes (projects/rules/message.py), in one place: each code's
text through gettext, with %(name)s placeholders for its parameters, so an English page shows the
rules' reasons in English."""

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from .rules.message import wording_register

REASONS: dict[str, Any] = {
    # rules/start.py: why a start criterion does not hold
    "start.households_zero": _("项目户数为0"),
    "start.consent_short": _("同意户数 %(agreed)d 户，未达 %(percent)d%%（需 %(need)d 户）"),
    "start.structures_undated": _("未填写违建拆除（或确认无违建）日期"),
    "start.no_structures_unconfirmed": _("“无违建”须由具名人员确认"),
    "start.design_undated": _("未填写设计公示日期"),
    "start.contract_undated": _("未填写施工合同日期"),
    "start.contractor_missing": _("未填写施工单位"),
    "start.on_site_undated": _("未填写进场日期"),
    # rules/project_checks.py: the checks of every project
    "checks.city_subsidy_outside": _("市级补助只拨付%(units)s项目，%(unit)s项目不应有市级补助"),
    "checks.city_subsidy_none": _("本年度不拨付市级补助，%(unit)s项目不应有市级补助"),
    "checks.sources_sum": _("各资金来源合计 %(sources)s 万元与资金概算 %(total)s 万元不一致"),
    "checks.completed_before_started": _("完工日期 %(completed)s 早于开工日期 %(started)s"),
    "checks.completed_before_criterion": _("完工日期 %(completed)s 早于%(label)s日期 %(met_on)s"),
    "checks.accepted_without_completed": _("已填验收移交日期但未填完工日期"),
    "checks.accepted_before_completed": _("验收移交日期 %(accepted)s 早于完工日期 %(completed)s"),
    "checks.completed_not_started": _("已填写完工日期，但项目尚未满足五项开工条件"),
    "checks.too_many_households": _("住户记录 %(records)d 户超过项目户数 %(households)d 户"),
    "checks.future_date": _("%(label)s日期 %(day)s 晚于今天（%(today)s）：只能填写已经发生的日期"),
    "checks.pipelines_left_out": _("应改尽改：摸底排查发现的%(pipelines)s管线隐患未列入改造内容"),
    # rules/consultation.py: consent dated before the residents were consulted (SPEC §4)
    "consultation.agreed_before": _(
        "%(households)d 户同意意见的日期（最早 %(earliest)s）早于改造方案征求居民意见日期"
        "（%(consulted)s）"
    ),
    "consultation.started_unconsulted": _(
        "已计为开工，但改造方案未记录征求居民意见（未填写征求意见日期）"
    ),
    # rules/dwellings.py: what a 楼栋, 单元 and 房号 may be
    "dwellings.building_invalid": _(
        "楼栋应为正整数或简短编号（如3号楼、A座），只含字母、数字或汉字，不超过%(most)d个字"
    ),
    "dwellings.building_zero": _("楼栋不能为0"),
    "dwellings.entrance_invalid": _(
        "单元应为正整数或简短编号（如3号楼、A座），只含字母、数字或汉字，不超过%(most)d个字"
    ),
    "dwellings.entrance_zero": _("单元不能为0"),
    "dwellings.building_over": _("楼栋号%(building)d超过项目楼栋数%(buildings)d"),
    "dwellings.room_invalid": _("房号应为数字或简短编号（如502、1-502），只含数字、字母和连字符"),
    "dwellings.room_zero": _("房号不能为0"),
    # rules/targets.py: the annual targets against the city totals and the completion share
    "targets.completions_below_share": _(
        "完成改造目标 %(completions)d 户低于新开工 %(new_starts)d 户的 %(percent)d%%"
        "（四舍五入为 %(least)d 户），不能少于 %(least)d 户"
    ),
    "targets.completions_above_share_unexplained": _(
        "完成改造目标 %(completions)d 户高于新开工 %(new_starts)d 户的 %(percent)d%%"
        "（%(least)d 户），须填写提高目标的理由"
    ),
    "targets.city_completions_below_share": _(
        "全市完成改造目标 %(completions)d 户低于新开工 %(new_starts)d 户的"
        " %(percent)d%%（四舍五入为 %(least)d 户）"
    ),
    "targets.unit_problem": _("%(unit)s：%(problem)s"),
    "targets.unit_half_filled": _("%(unit)s：新开工目标与完成改造目标须同时填写或同时空缺"),
    "targets.new_starts_over_city": _("各区县新开工目标合计 %(known)d 户超过全市目标 %(total)d 户"),
    "targets.completions_over_city": _(
        "各区县完成改造目标合计 %(known)d 户超过全市目标 %(total)d 户"
    ),
    "targets.carryover_over_city": _("各区县续建目标合计 %(known)d 户超过全市目标 %(total)d 户"),
    # rules/paperwork.py: plan adjustments, inspections and plan coverage
    "paperwork.adjustment_after_cutoff": _("计划调整须于%(cutoff)s前提出，已截止"),
    "paperwork.adjustment_total_lower": _(
        "调整后%(label)s %(after)s%(unit)s 低于原计划 %(before)s%(unit)s"
    ),
    "paperwork.inspection_outside_month": _(
        "检查日期%(held_on)s不在%(year)d年%(month)d月，须填写检查时间说明"
    ),
    "paperwork.plan_short": _(
        "%(label)s项目户数合计 %(households)d 户，少于%(label)s目标 %(target)d 户，"
        "差 %(shortfall)d 户"
    ),
    # rules/records.py: funds in place and residents' wishes
    "records.started_without_funds": _("资金到位：项目已开工，但尚无资金到位记录"),
    "records.funds_over_estimate": _(
        "资金到位：到位资金 %(received)s 万元超过资金概算 %(estimate)s 万元"
    ),
    "records.amount_invalid": _("到位金额无效"),
    "records.amount_not_positive": _("到位金额须大于 0"),
    "records.amount_too_large": _("到位金额不能超过 %(most)s 万元"),
    "records.amount_too_precise": _("到位金额最多保留 %(decimals)d 位小数（精确到元）"),
    "records.receipt_over_estimate": _(
        "%(source)s概算 %(estimate)s 万元，已到位 %(received)s 万元，"
        "本次 %(amount)s 万元将超出概算；如概算有变化，请先修改项目的资金概算"
    ),
    "records.wishes_left_out": _(
        "居民意愿：%(percent)d％以上住户提出的%(facilities)s未列入改造内容"
    ),
    "records.wish_households_none": _("提出户数至少为 1"),
    "records.wish_households_over": _("提出户数 %(asked)d 超过项目户数 %(households)d"),
    # rules/rollover.py: carrying a year's unfinished projects into the next year
    "rollover.not_next_year": _(
        "续建项目只能转入下一年度：%(target)s年度不是%(source)s年度的下一年度"
    ),
    "rollover.source_draft": _("%(year)s年度计划尚未开启，没有可转入下一年度的项目"),
    "rollover.target_open": _("%(year)s年度计划已开启，续建项目须在开启前转入"),
    "rollover.carried_on": _(
        "该项目已转入%(year)s年度续建（%(name)s），完工和验收移交请在%(year)s年度的项目中填报"
    ),
    # rules/plan_years.py and services/plan_years.py: a plan year the city office enters
    "plan_year.year_range": _("年度须在 %(low)d 至 %(high)d 之间"),
    "plan_year.date_outside_year": _("日期须在%(year)d年内"),
    "plan_year.percent_range": _("比例须在 1 至 100 之间"),
    "plan_year.due_day_range": _("月报报送截止日须在 1 至 %(high)d 日之间"),
    "plan_year.trial_months": _("试填报月份须为 1 至 12 月，每月只能选一次"),
    "plan_year.no_milestones": _("尚未设置阶段任务：至少须有一项"),
    "plan_year.key_format": _(
        "代码须以小写英文字母开头，只含小写英文字母、数字和下划线，不超过 %(most)d 个字符"
    ),
    "plan_year.key_repeated": _("代码“%(key)s”重复：每项阶段任务的代码须不同"),
    "plan_year.name_length": _("名称不能超过 %(most)d 个字"),
    "plan_year.measure_unknown": _("请选择统计口径"),
    "plan_year.basis_mismatch": _(
        "对照目标与统计口径不符：续建项目完工户数对照续建目标，新开工项目开工户数对照新开工目标，"
        "新开工项目完工户数对照新开工目标或完成改造目标"
    ),
    "plan_year.all_started_only": _("“要求全部项目开工”只适用于新开工项目开工户数"),
    "plan_year.all_completed_only": _("“要求全部项目完工”只适用于续建项目完工户数"),
    "plan_year.exists": _("%(year)d年度计划已存在，不能重复新建"),
    "plan_year.source_not_earlier": _("只能从更早的年度计划复制（所选为%(source)d年）"),
    "plan_year.date_needed": _("不从往年复制时须填写此日期"),
    "plan_year.not_draft": _("%(year)d年度计划已开启：设置和阶段任务不能再修改"),
    "plan_year.targets_not_draft": _(
        "%(year)d年度计划已开启：目标只能在“目标维护”页面逐个区县修改（须填写原因）"
    ),
    "plan_year.already_open": _("%(year)d年度计划已开启，不能重复开启"),
    "plan_year.settings_unchanged": _("设置与现有数值相同，未作修改"),
    "plan_year.milestones_unchanged": _("阶段任务与现有设置相同，未作修改"),
    "plan_year.targets_unchanged": _("目标与现有数值相同，未作修改"),
    "plan_year.milestone_row": _("第 %(n)d 项阶段任务：%(problem)s"),
    "plan_year.consent_breaks": _("改变开工同意比例会使已完工项目的开工日期出错：%(projects)s"),
}


def reason_text(code: str, params: Mapping[str, Any]) -> str:
    """The wording of ``code`` with its parameters, in the active language."""
    text = str(REASONS[code])
    return text % params if params else text


def register() -> None:
    """Word the rules' messages with this table (called once the apps are ready)."""
    wording_register(reason_text)
