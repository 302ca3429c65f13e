"""The reporting app's background jobs (projects.jobs): the city's monthly workbook, the annual
assessment workbook, a unit's residents in full, and the re-check of every valid report.

Each workbook is made by one function here, called alike by the job and by the download in the
request (GET on the export URL), so the two give the same file. Registered in ReportingConfig.ready().
"""

import logging
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from tablib import Dataset

from projects import permissions, services
from projects import selectors as facts
from projects.jobs import JobFailed, JobKind, JobOutcome, Progress, job_kind_register
from projects.models import Household, Job, PersonalDataAccess, PlanYear, Unit, User
from projects.xlsx import SafeXLSX

from . import reports
from .exports import build, workbooks
from .exports.workflow import assessment_counts, timeliness_table

logger = logging.getLogger("zmd.personal_data")

RESIDENT_HEADERS = (
    "区县", "小区名称", "楼栋", "单元", "房号", "户主姓名", "联系电话", "改造方案意见",
    "物业管理模式意见", "表态日期",
)  # fmt: skip


# --- the workbooks, as the job and the request both make them -------------------------------------


def city_month_file(*, plan_year: PlanYear, month: int) -> tuple[bytes, str]:
    """The city's monthly report for ``month``: the workbook and its file name."""
    data = build.build_city_monthly(
        plan_year=plan_year,
        month=month,
        timeliness=timeliness_table(
            plan_year=plan_year,
            month=month,
            as_of=facts.today_local(),
            units=list(Unit.objects.all()),
        ),
    )
    return (
        workbooks.city_monthly_workbook(data),
        f"驻马店市城镇老旧小区改造进展情况月报（{plan_year.year}年{month}月）.xlsx",
    )


def assessment_file(*, plan_year: PlanYear, as_of: date) -> tuple[bytes, str]:
    """The annual assessment table judged on ``as_of``: the workbook and its file name."""
    # Headed with the day the counts are judged on; the milestones are clipped to the plan year.
    data = build.build_assessment(
        plan_year=plan_year,
        as_of=as_of,
        reports=assessment_counts(plan_year=plan_year, today=as_of),
    )
    return workbooks.assessment_workbook(data), f"{plan_year.year}年度考核评价表.xlsx"


def residents_file(
    *, user: User, unit: Unit, reason: str, progress: Progress | None = None
) -> tuple[bytes, str]:
    """A unit's residents in full (names and phones), recorded in the personal-data audit and the
    log (never the names themselves): the workbook and its file name."""
    permissions.require_city_office(user, _("只有市老旧办可以导出住户完整信息"))
    households = list(
        Household.objects.filter(project__unit=unit)
        .select_related("project")
        .order_by("project__name", "building", "entrance", "room")
    )
    services.personal_data_access_record(
        user=user,
        action=PersonalDataAccess.Action.EXPORT,
        unit=unit,
        households=len(households),
        reason=reason,
    )
    logger.info(
        "personal_data_export",
        extra={"user_id": user.pk, "unit_id": unit.pk, "households": len(households)},
    )
    dataset = Dataset(headers=list(RESIDENT_HEADERS), title="住户信息")
    step = max(1, len(households) // 100)
    for number, h in enumerate(households, start=1):
        dataset.append(
            [
                unit.name,
                h.project.name,
                h.building,
                h.entrance,
                h.room,
                h.head_name,
                h.phone,
                str(h.get_plan_opinion_display()),
                str(h.get_management_opinion_display()),
                h.answered_on,
            ]
        )
        if progress is not None and number % step == 0:
            progress(number, len(households) + 1)
    return SafeXLSX().export_data(dataset), f"{unit.name}住户信息.xlsx"


# --- the jobs ------------------------------------------------------------------------------------


def _plan_year(job: Job) -> PlanYear:
    if job.plan_year is None:
        raise JobFailed(_("年度计划已不存在，未执行"))
    return job.plan_year


def _run_city_month_export(job: Job, progress: Progress) -> JobOutcome:
    progress(0, 1)
    content, name = city_month_file(plan_year=_plan_year(job), month=int(job.params["month"]))
    return JobOutcome(content=content, filename=name)


def _run_assessment_export(job: Job, progress: Progress) -> JobOutcome:
    progress(0, 1)
    as_of = date.fromisoformat(str(job.params["as_of"]))
    content, name = assessment_file(plan_year=_plan_year(job), as_of=as_of)
    return JobOutcome(content=content, filename=name)


def _run_residents_export(job: Job, progress: Progress) -> JobOutcome:
    if job.unit is None:
        raise JobFailed(_("区县已不存在，未导出"))
    # The audit record and the file together: a failed export leaves no record of an export.
    with transaction.atomic():
        content, name = residents_file(
            user=job.user, unit=job.unit, reason=str(job.params["reason"]), progress=progress
        )
    return JobOutcome(content=content, filename=name)


def _run_flags_check(job: Job, progress: Progress) -> JobOutcome:
    permissions.require_city_office(job.user)
    check = reports.flags_check(plan_year=_plan_year(job), progress=progress)
    counts = {
        "raised": len(check.raised),
        "updated": len(check.updated),
        "lapsed": len(check.lapsed),
    }
    return JobOutcome(
        message=_("发现 %(raised)d 个新疑点，更新 %(updated)d 个，失效 %(lapsed)d 个") % counts,
        data=counts,
    )


def register() -> None:
    """The reporting app's kinds of job (called from ReportingConfig.ready())."""
    job_kind_register(
        JobKind("city_month_export", gettext_lazy("全市信息月报导出"), _run_city_month_export)
    )
    job_kind_register(
        JobKind("assessment_export", gettext_lazy("年度考核评价表导出"), _run_assessment_export)
    )
    job_kind_register(
        JobKind("residents_export", gettext_lazy("住户信息导出"), _run_residents_export)
    )
    job_kind_register(
        JobKind(
            "flags_check",
            gettext_lazy("月报疑点检查"),
            _run_flags_check,
            template="reporting/_flags_check_outcome.html",
        )
    )
