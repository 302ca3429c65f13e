"""Implementation plans (年度工作实施方案) and renovation plans (改造方案), the writes: the unit's
signed implementation plan, a renovation plan's survey and consultation, and its final mark (定稿),
refused while 应改尽改 fails. Each is atomic, by the unit's clerk or leader, with history."""

from datetime import date

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction

from projects import permissions
from projects import selectors as facts
from projects.data_version import writes_data
from projects.models import PlanYear, Project, Unit, User

from ..models import ImplementationPlan, RenovationPlan
from ..selectors.plans import pipeline_message, project_missing_pipelines


@writes_data
@transaction.atomic
def implementation_plan_submit(
    *,
    plan_year: PlanYear,
    unit: Unit,
    user: User | None,
    document_date: date | None,
    safeguards: str,
    document: File | None = None,
    note: str = "",
    today: date | None = None,
) -> ImplementationPlan:
    """Record (or re-record) the unit's signed implementation plan: a new scan replaces the old
    one, whose name stays in the history with who submitted it and when. The submission date is
    the day it is first submitted here (``today``), whatever is typed; a later re-submission
    corrects the plan without moving it. ``document_date`` is the signed document's own date."""
    permissions.require_unit_writer(user, unit.id)
    today = today or facts.today_local()
    plan, _created = ImplementationPlan.objects.select_for_update().get_or_create(
        plan_year=plan_year, unit=unit
    )
    errors: dict[str, str] = {}
    if document is None and not plan.document:
        errors["document"] = "请上传签批的实施方案扫描件"
    if document_date is None:
        errors["document_date"] = "请填写实施方案的文件日期"
    elif document_date > today:
        errors["document_date"] = "文件日期不能晚于今天"
    if not safeguards.strip():
        errors["safeguards"] = "请填写保障措施"
    if errors:
        raise ValidationError(errors)
    if document is not None:
        plan.document = document
    plan.document_date = document_date
    plan.submitted_on = plan.submitted_on or today
    plan.safeguards = safeguards.strip()
    plan.note = note.strip()
    plan.submitted_by = user
    plan.full_clean()
    plan._history_user = user  # type: ignore[attr-defined]
    plan.save()
    return plan


def _lock_project(project: Project) -> Project:
    """Hold the project's row so its hazards and contents cannot change while its plan is judged."""
    return (
        Project.objects.select_for_update().select_related("plan_year", "unit").get(pk=project.pk)
    )


@writes_data
@transaction.atomic
def renovation_plan_save(
    *,
    project: Project,
    user: User | None,
    survey_summary: str,
    consultation_on: date | None,
    consultation_record: File | None = None,
    today: date | None = None,
) -> RenovationPlan:
    """Save a renovation plan's survey and the residents' consultation (a new record replaces the
    old one; the history keeps it). A final plan is not edited: reopen it first."""
    project = _lock_project(project)
    permissions.require_unit_writer(user, project.unit_id)
    today = today or facts.today_local()
    plan, _created = RenovationPlan.objects.get_or_create(project=project)
    if plan.final:
        raise ValidationError("改造方案已定稿，如需修改请先撤销定稿")
    errors: dict[str, str] = {}
    if consultation_on is not None and consultation_on > today:
        errors["consultation_on"] = "征求意见日期不能晚于今天"
    if consultation_on is None and (consultation_record is not None or plan.consultation_record):
        errors["consultation_on"] = "已上传征求意见记录，请填写征求居民意见日期"
    if errors:
        raise ValidationError(errors)
    plan.survey_summary = survey_summary.strip()
    plan.consultation_on = consultation_on
    if consultation_record is not None:
        plan.consultation_record = consultation_record
    plan.full_clean()
    plan._history_user = user  # type: ignore[attr-defined]
    plan.save()
    return plan


@writes_data
@transaction.atomic
def renovation_plan_finalize(
    *, project: Project, user: User | None, today: date | None = None
) -> RenovationPlan:
    """Mark the plan final (定稿) today; refused while a pipeline hazard found in the survey is not
    in the renovation contents (应改尽改)."""
    project = _lock_project(project)
    permissions.require_unit_writer(user, project.unit_id)
    plan, _created = RenovationPlan.objects.get_or_create(project=project)
    if plan.final:
        raise ValidationError("改造方案已定稿")
    missing = project_missing_pipelines(project)
    if missing:
        raise ValidationError(pipeline_message(missing) + "，不能定稿")
    plan.final = True
    plan.finalized_on = today or facts.today_local()
    plan.finalized_by = user
    plan.full_clean()
    plan._history_user = user  # type: ignore[attr-defined]
    plan.save()
    return plan


@writes_data
@transaction.atomic
def renovation_plan_reopen(*, project: Project, user: User | None) -> RenovationPlan:
    """Withdraw the final mark so the plan can be corrected; the history keeps the earlier date."""
    project = _lock_project(project)
    permissions.require_unit_writer(user, project.unit_id)
    plan = RenovationPlan.objects.select_for_update().filter(project=project).first()
    if plan is None or not plan.final:
        raise ValidationError("改造方案尚未定稿")
    plan.final = False
    plan.finalized_on = None
    plan.finalized_by = None
    plan._history_user = user  # type: ignore[attr-defined]
    plan.save()
    return plan
