"""Inspections and aftercare (SPEC §5, issue 6), the writes: inspections, findings and the closing of
their rectification, complaints, visits and warranties. Each is atomic, recorded with its author in
the history, and refused to anyone paperwork.selectors.inspections says may not record it."""

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from projects import permissions
from projects import selectors as facts
from projects.data_version import writes_data
from projects.models import PlanYear, Project, Unit, User
from projects.rules.paperwork import inspection_month_problem

from ..models import (
    CITY_INSPECTION_MONTHS,
    Complaint,
    Finding,
    FollowUpVisit,
    Inspection,
    Warranty,
)
from ..selectors.inspections import finding_projects, user_may_author, user_may_close

AFTERCARE_WRITERS_ONLY = gettext_lazy(
    "只有本区县的填报员和审核人可以记录本区县项目的投诉纠纷、回访和保修"
)


# --- inspections and findings ---------------------------------------------------------------------


def _refuse(field: str, message: str) -> None:
    raise ValidationError({field: [message]})


@writes_data
@transaction.atomic
def inspection_create(
    *, plan_year: PlanYear, unit: Unit, user: User | None, data: dict[str, Any]
) -> Inspection:
    """Record an inspection of ``unit``'s projects by the side that held it (see user_may_author);
    every project named must be the unit's, of the plan year."""
    kind = data["kind"]
    permissions.require(
        user_may_author(user, kind=kind, unit_id=unit.id),
        _("市级检查验收、抽检和巡检由市老旧办记录；区县自查自评由本区县记录"),
    )
    projects: list[Project] = list(data.get("projects") or [])
    if any(p.unit_id != unit.id or p.plan_year_id != plan_year.id for p in projects):
        _refuse("projects", _("只能选择%(unit)s本年度的项目") % {"unit": unit.name})
    explanation = (data.get("timing_explanation") or "").strip()
    timing = inspection_month_problem(
        year=plan_year.year,
        month=CITY_INSPECTION_MONTHS.get(kind),
        held_on=data["held_on"],
        explanation=explanation,
    )
    if timing:
        _refuse("timing_explanation", timing)
    inspection = Inspection(
        plan_year=plan_year,
        unit=unit,
        kind=kind,
        held_on=data["held_on"],
        inspectors=data["inspectors"],
        score=data.get("score"),
        summary=data.get("summary") or "",
        timing_explanation=explanation,
        created_by=user,
    )
    inspection.full_clean()
    inspection._history_user = user  # type: ignore[attr-defined]
    inspection.save()
    inspection.projects.set(projects)
    return inspection


@writes_data
@transaction.atomic
def finding_create(*, inspection: Inspection, user: User | None, data: dict[str, Any]) -> Finding:
    """Add a finding and the rectification it needs by its deadline (not before the inspection);
    recorded by the side that inspected. Its project, if named, is one the inspection covered (or
    any of the unit's when it named none)."""
    permissions.require(
        user_may_author(user, kind=inspection.kind, unit_id=inspection.unit_id),
        _("检查发现的问题由组织检查的一方记录"),
    )
    project: Project | None = data.get("project")
    if project is not None and not finding_projects(inspection).filter(pk=project.pk).exists():
        _refuse("project", _("该项目不在本次检查的范围内"))
    if data["deadline"] < inspection.held_on:
        _refuse("deadline", _("整改期限不能早于检查日期"))
    finding = Finding(
        inspection=inspection,
        project=project,
        description=data["description"],
        rectification=data["rectification"],
        deadline=data["deadline"],
    )
    finding.full_clean()
    finding._history_user = user  # type: ignore[attr-defined]
    finding.save()
    return finding


@writes_data
@transaction.atomic
def finding_close(
    *,
    finding: Finding,
    user: User | None,
    closed_on: date,
    note: str = "",
    evidence: File | None = None,
    today: date | None = None,
) -> Finding:
    """Close (or correct the closing of) a finding's rectification: the date it was done (not
    before the inspection, not after today), what was done, and the evidence (required; a new
    upload replaces the old, which the history keeps)."""
    finding = (
        Finding.objects.select_for_update().select_related("inspection__unit").get(pk=finding.pk)
    )
    permissions.require(
        user_may_close(user, unit_id=finding.inspection.unit_id),
        _("只有被检查区县的填报员和审核人可以填报整改情况"),
    )
    today = today or facts.today_local()
    if closed_on < finding.inspection.held_on:
        _refuse("closed_on", _("整改完成日期不能早于检查日期"))
    if closed_on > today:
        _refuse("closed_on", _("整改完成日期不能晚于今天"))
    if evidence is None and not finding.closing_evidence:
        _refuse("evidence", _("请上传整改证明材料"))
    finding.closed_on = closed_on
    finding.closing_note = note
    if evidence is not None:
        finding.closing_evidence = evidence
    finding.full_clean()
    finding._history_user = user  # type: ignore[attr-defined]
    finding.save()
    return finding


# --- complaints, visits, warranty -----------------------------------------------------------------


def _check_complaint_dates(complaint: Complaint) -> None:
    if complaint.closed_on is not None and complaint.closed_on < complaint.received_on:
        _refuse("closed_on", _("办结日期不能早于受理日期"))


@writes_data
@transaction.atomic
def complaint_create(*, project: Project, user: User | None, data: dict[str, Any]) -> Complaint:
    """Record a complaint or dispute about one of the unit's projects (handled and closed at once,
    or later)."""
    permissions.require_unit_writer(user, project.unit_id, AFTERCARE_WRITERS_ONLY)
    complaint = Complaint(
        project=project,
        kind=data["kind"],
        received_on=data["received_on"],
        summary=data["summary"],
        handling=data.get("handling") or "",
        closed_on=data.get("closed_on"),
    )
    _check_complaint_dates(complaint)
    complaint.full_clean()
    complaint._history_user = user  # type: ignore[attr-defined]
    complaint.save()
    return complaint


@writes_data
@transaction.atomic
def complaint_handle(
    *, complaint: Complaint, user: User | None, handling: str, closed_on: date | None
) -> Complaint:
    """Record how a complaint or dispute was handled and, when done, the day it was closed (not
    before it was received)."""
    complaint = Complaint.objects.select_for_update().select_related("project").get(pk=complaint.pk)
    permissions.require_unit_writer(user, complaint.project.unit_id, AFTERCARE_WRITERS_ONLY)
    complaint.handling = handling
    complaint.closed_on = closed_on
    _check_complaint_dates(complaint)
    complaint.full_clean()
    complaint._history_user = user  # type: ignore[attr-defined]
    complaint.save(update_fields=["handling", "closed_on"])
    return complaint


@writes_data
@transaction.atomic
def visit_create(*, project: Project, user: User | None, data: dict[str, Any]) -> FollowUpVisit:
    """Record a follow-up visit (回访) to one of the unit's projects."""
    permissions.require_unit_writer(user, project.unit_id, AFTERCARE_WRITERS_ONLY)
    visit = FollowUpVisit(
        project=project,
        visited_on=data["visited_on"],
        visitors=data["visitors"],
        note=data.get("note") or "",
    )
    visit.full_clean()
    visit._history_user = user  # type: ignore[attr-defined]
    visit.save()
    return visit


@writes_data
@transaction.atomic
def warranty_save(*, project: Project, user: User | None, data: dict[str, Any]) -> Warranty:
    """Set (or change) a project's warranty period: its end not before its start."""
    permissions.require_unit_writer(user, project.unit_id, AFTERCARE_WRITERS_ONLY)
    warranty = Warranty.objects.select_for_update().filter(project=project).first() or Warranty(
        project=project
    )
    warranty.starts_on = data["starts_on"]
    warranty.ends_on = data["ends_on"]
    warranty.warrantor = data.get("warrantor") or ""
    warranty.note = data.get("note") or ""
    if warranty.ends_on < warranty.starts_on:
        _refuse("ends_on", _("保修截止日期不能早于起始日期"))
    warranty.full_clean()
    warranty._history_user = user  # type: ignore[attr-defined]
    warranty.save()
    return warranty
