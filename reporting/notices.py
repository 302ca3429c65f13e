"""Notices (通报) on the report record (SPEC §5: 迟报、漏报、瞒报、错报 纳入通报事项予以通报).

The draft is the assessment (``reports.assessment``) asked for the notice's period on the notice's
date: the same counts, with the months behind them, and the milestone results at the period's end.
It becomes an official document (``exports.notice``) the office edits and issues; the issued
notice is recorded with its number, date and signed scan, and listed to the units it names.
"""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import QuerySet

from projects import permissions
from projects import selectors as facts
from projects.data_version import writes_data
from projects.models import PlanYear, Unit, User
from projects.presenters import milestone_cell
from projects.rules.dates import chinese_date, cn_date
from projects.rules.milestones import MilestoneSpec
from projects.rules.periods import ReportPeriod

from . import reports
from .exports.notice import NoticeDocument, NoticeTable
from .models import Notice

ISSUER = "驻马店市老旧小区改造提质工作领导小组办公室"
SOURCE_DOCUMENT = "《2022年重点民生实事驻马店市城镇老旧小区改造工作实施方案》（驻旧改〔2022〕1号）"
ADDRESSEE = "各县、区，经济开发区城镇老旧小区改造主管部门："
# The number is the office's to give: a placeholder with the year and room for the serial.
NUMBER_PLACEHOLDER = "驻旧改办〔{year}〕　　号"


@dataclass(frozen=True)
class NoticeDraft:
    """A notice's facts: each unit's line of the assessment for ``period`` judged on ``day``."""

    plan_year: PlanYear
    period: ReportPeriod
    day: date
    milestone_day: date
    specs: tuple[MilestoneSpec, ...]
    rows: tuple[reports.AssessmentRow, ...]

    @property
    def named_units(self) -> list[Unit]:
        """The units with a 迟报, 漏报, 错报 or 瞒报 in the period: the ones the notice names."""
        return [r.unit for r in self.rows if r.late or r.missing or r.wrong or r.concealed]


def notice_draft(*, plan_year: PlanYear, period: ReportPeriod, day: date) -> NoticeDraft:
    """The facts of a notice on ``period`` dated ``day``, from the assessment itself (no second
    count). A fixed number of queries."""
    rows = reports.assessment(plan_year=plan_year, today=day, period=period)
    return NoticeDraft(
        plan_year=plan_year,
        period=period,
        day=day,
        milestone_day=reports.milestone_day(plan_year=plan_year, day=day, period=period),
        specs=tuple(spec for spec, _m in facts.milestone_specs(plan_year=plan_year)),
        rows=tuple(rows),
    )


def months_text(months: Iterable[int]) -> str:
    """Months as a notice names them, each once, a repeated one with its count: 5月、6月（2次）."""
    counts = Counter(months)
    return "、".join(f"{m}月" if n == 1 else f"{m}月（{n}次）" for m, n in sorted(counts.items()))


# (key of AssessmentRow's months, what the category is called, what a unit did)
CATEGORIES: tuple[tuple[str, str, str], ...] = (
    ("late_months", "迟报", "信息月报在报送截止日后才经审核盖章报送"),
    ("missing_months", "漏报", "截至通报日仍未报送经审核盖章的信息月报"),
    ("wrong_months", "错报", "信息月报因数据错误被退回，或疑点经认定为错报"),
    ("concealed_months", "瞒报", "信息月报疑点经认定为瞒报"),
)
CHINESE_ORDINALS = "一二三四五六七八九十"


def _category_table(
    draft: NoticeDraft, n: int, attribute: str, name: str, what: str
) -> NoticeTable:
    rows = [(r.unit.name, tuple(getattr(r, attribute))) for r in draft.rows]
    named = [(unit, months) for unit, months in rows if months]
    total = sum(len(months) for _unit, months in named)
    summary = (
        f"{draft.period.label}，共有{len(named)}个县区{name}{total}次（{what}）。"
        if named
        else f"{draft.period.label}，各县区均无{name}。"
    )
    return NoticeTable(
        heading=f"{CHINESE_ORDINALS[n]}、{name}情况",
        summary=summary,
        columns=("序号", "县区", f"{name}月份", "次数"),
        rows=tuple(
            (str(i), unit, months_text(months), str(len(months)))
            for i, (unit, months) in enumerate(named, start=1)
        ),
    )


def _milestone_table(draft: NoticeDraft, n: int) -> NoticeTable:
    day = draft.milestone_day
    return NoticeTable(
        heading=f"{CHINESE_ORDINALS[n]}、阶段任务完成情况",
        summary=(f"截至{cn_date(day)}，各县区阶段任务完成情况如下（完成户数/目标户数及状态）。"),
        columns=(
            "序号",
            "县区",
            *(s.name for s in draft.specs),
        ),
        rows=tuple(
            (
                str(i),
                r.unit.name,
                *(milestone_cell(r.results[s.key]) for s in draft.specs),
            )
            for i, r in enumerate(draft.rows, start=1)
        ),
        small=True,
    )


def notice_document(draft: NoticeDraft) -> NoticeDocument:
    """The notice as the office will issue it, in the official document's words."""
    period = draft.period
    due_day = draft.plan_year.report_due_day
    tables = [
        _category_table(draft, n, attribute, name, what)
        for n, (attribute, name, what) in enumerate(CATEGORIES)
    ]
    tables.append(_milestone_table(draft, len(tables)))
    return NoticeDocument(
        issuer=ISSUER,
        number=NUMBER_PLACEHOLDER.format(year=draft.day.year),
        title=f"关于{period.label}城镇老旧小区改造信息报送情况的通报",
        addressee=ADDRESSEE,
        intro=(
            f"按照{SOURCE_DOCUMENT}要求，各县区信息月报须经单位领导审核同意并加盖单位印章方为有效，"
            f"于次月{due_day}日前报送；对迟报、漏报、瞒报、错报等情况纳入年度考核评价内容，"
            f"并纳入通报事项予以通报。现将{period.label}各县区信息月报报送情况"
            f"（截至{cn_date(draft.day)}）通报如下："
        ),
        tables=tuple(tables),
        closing=(
            "请被通报的县区认真查找原因，立即整改，明确专人专责，严格按照要求按时、准确、"
            "如实报送信息月报。市老旧小区改造提质工作领导小组办公室将持续跟踪，"
            "并将通报情况纳入年度考核评价。"
        ),
        date_text=chinese_date(draft.day),
    )


# --- issued notices -----------------------------------------------------------------------------


@writes_data
@transaction.atomic
def notice_record(
    *,
    plan_year: PlanYear,
    period: ReportPeriod,
    number: str,
    issued_on: date,
    scan: File,
    units: Sequence[Unit],
    user: User,
) -> Notice:
    """The city office records a notice it issued: its number (文号), issue date, the scan of the
    signed copy, and the units it names; kept with its history."""
    permissions.require_city_office(user, "只有市老旧办可以登记通报")
    errors: dict[str, str] = {}
    number = (number or "").strip()
    if not number:
        errors["number"] = "请填写文号"
    elif Notice.objects.filter(plan_year=plan_year, number=number).exists():
        errors["number"] = f"文号“{number}”已登记过"
    if period.year != plan_year.year:
        errors["year"] = f"通报期间须在{plan_year.year}年度计划内"
    if issued_on <= period.end:
        errors["issued_on"] = f"印发日期须晚于通报期间的最后一天（{period.end:%Y年%-m月%-d日}）"
    elif issued_on > facts.today_local():
        errors["issued_on"] = "印发日期不能晚于今天"
    if not scan:
        errors["scan"] = "须上传签发件的扫描件"
    if not units:
        errors["units"] = "请选择通报涉及的县区"
    if errors:
        raise ValidationError(errors)
    notice = Notice(
        plan_year=plan_year,
        period_kind=period.kind.value,
        period_start=period.start,
        period_end=period.end,
        number=number,
        issued_on=issued_on,
        scan=scan,
        recorded_by=user,
    )
    notice._history_user = user  # type: ignore[attr-defined]
    notice._change_reason = f"登记通报 {number}"[:100]  # type: ignore[attr-defined]
    notice.full_clean()
    notice.save()
    notice.units.set(units)
    return notice


def notices_for(*, user: User, unit: Unit | None = None) -> QuerySet[Notice]:
    """The issued notices ``user`` may see (a clerk or leader: those naming their unit; the city
    office and administrators: all), optionally only those naming ``unit``; newest first, with
    their units. Two queries."""
    notices = Notice.objects.select_related("plan_year").prefetch_related("units")
    scope = permissions.unit_scope(user)
    if scope is not None:
        notices = notices.filter(units__id=scope)
    if unit is not None:
        notices = notices.filter(units=unit)
    return notices.distinct().order_by("-issued_on", "-id")
