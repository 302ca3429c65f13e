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
}


def reason_text(code: str, params: Mapping[str, Any]) -> str:
    """The wording of ``code`` with its parameters, in the active language."""
    text = str(REASONS[code])
    return text % params if params else text


def register() -> None:
    """Word the rules' messages with this table (called once the apps are ready)."""
    wording_register(reason_text)
