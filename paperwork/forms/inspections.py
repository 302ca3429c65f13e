"""Inspections and aftercare (SPEC §5, issue 6): who may record what, the services that write
inspections, findings and their rectification, complaints, visits and warranties, their forms, and
the selectors that read them (overdue rectifications per unit for the city's and the unit's pages).

The city office runs the city inspections, spot checks and patrols (CITY_KINDS) of any unit; a
unit's clerk or leader records its own self-inspection and self-evaluation, closes the
rectifications of its own unit's findings, and records its projects' complaints, visits and
warranties. Overdue is judged by projects.rules.paperwork, once."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Count, Min, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from projects import permissions
from projects import selectors as facts
from projects.models import PlanYear, Project, Unit, User
from projects.rules.paperwork import (
    inspection_month_problem,
    rectification_overdue,
    warranty_active,
)
from projects.uploads import EvidenceField

from ..models import (
    CITY_INSPECTION_MONTHS,
    CITY_KINDS,
    Complaint,
    Finding,
    FollowUpVisit,
    Inspection,
    InspectionKind,
    Warranty,
)

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
SELF_KINDS: tuple[InspectionKind, ...] = tuple(k for k in InspectionKind if k not in CITY_KINDS)


# --- who may do what ------------------------------------------------------------------------------


def inspection_kinds_for(user: User) -> tuple[InspectionKind, ...]:
    """The kinds of inspection ``user`` may record: the city's kinds for the city office, the
    self-inspection and self-evaluation for a unit's clerk or leader, none for anyone else."""
    if permissions.is_city_office(user):
        return tuple(CITY_KINDS)
    if user.unit_id is not None and permissions.may_change_unit(user, user.unit_id):
        return SELF_KINDS
    return ()


def user_may_author(user: User | None, *, kind: str, unit_id: int) -> bool:
    """An inspection and its findings are recorded by the side that inspected: the city office for
    its kinds (any unit), the unit's own clerk or leader for its self-inspection and
    self-evaluation. ``None`` (commands, demo data) may do anything."""
    if user is None:
        return True
    if kind in CITY_KINDS:
        return permissions.is_city_office(user)
    return permissions.may_change_unit(user, unit_id)


def user_may_close(user: User | None, *, unit_id: int) -> bool:
    """The rectification of a finding is closed by the inspected unit's clerk or leader, whoever
    inspected."""
    return user is None or permissions.may_change_unit(user, unit_id)


AFTERCARE_WRITERS_ONLY = gettext_lazy(
    "只有本区县的填报员和审核人可以记录本区县项目的投诉纠纷、回访和保修"
)


# --- selectors ------------------------------------------------------------------------------------


def _overdue(today: date, prefix: str = "") -> Q:
    """rectification_overdue as a filter: today after the deadline (the deadline day itself is not
    overdue), and not closed by today."""
    return Q(**{f"{prefix}deadline__lt": today}) & (
        Q(**{f"{prefix}closed_on__isnull": True}) | Q(**{f"{prefix}closed_on__gt": today})
    )


def inspections_visible(*, user: User) -> QuerySet[Inspection]:
    """The inspections ``user`` may read: of their unit, or of every unit for the city office and
    administrators."""
    return Inspection.objects.restrict(user, "view").select_related(
        "unit", "plan_year", "created_by"
    )


def findings_visible(*, user: User) -> QuerySet[Finding]:
    """The findings ``user`` may read (those of the inspections they may read)."""
    return Finding.objects.restrict(user, "view").select_related(
        "inspection__unit", "inspection__plan_year", "project__unit"
    )


def complaints_visible(*, user: User) -> QuerySet[Complaint]:
    """The complaints and disputes ``user`` may read (those of the projects they may read)."""
    return Complaint.objects.restrict(user, "view").select_related(
        "project__unit", "project__plan_year"
    )


def finding_projects(inspection: Inspection) -> QuerySet[Project]:
    """The projects a finding of ``inspection`` may name: those it covered, or every project of the
    unit in the plan year when it named none."""
    covered = Project.objects.filter(inspection=inspection)
    if covered.exists():
        return covered
    return Project.objects.filter(unit_id=inspection.unit_id, plan_year_id=inspection.plan_year_id)


def inspection_list(
    *, user: User, plan_year: PlanYear, today: date, kind: str = "", unit: Unit | None = None
) -> QuerySet[Inspection]:
    """The inspections of a plan year ``user`` may read, optionally of one kind and one unit, each
    with its projects and its findings counted (all, open, overdue on ``today``): three queries
    whatever the number of rows (count, page, projects)."""
    qs = inspections_visible(user=user).filter(plan_year=plan_year)
    if kind:
        qs = qs.filter(kind=kind)
    if unit is not None:
        qs = qs.filter(unit=unit)
    return (
        qs.annotate(
            findings_total=Count("findings"),
            findings_open=Count("findings", filter=Q(findings__closed_on__isnull=True)),
            findings_overdue=Count("findings", filter=_overdue(today, "findings__")),
        )
        .prefetch_related(
            Prefetch("projects", queryset=Project.objects.only("id", "name").order_by("name"))
        )
        .order_by("-held_on", "-id")
    )


# The inspections whose coverage of every unit the city's page shows: the two city inspections and
# the province's verification.
COVERAGE_KINDS: tuple[InspectionKind, ...] = (
    InspectionKind.CITY_JUNE,
    InspectionKind.CITY_DECEMBER,
    InspectionKind.PROVINCIAL,
)


@dataclass(frozen=True)
class CoverageRow:
    """One unit and the day of its first inspection of each COVERAGE_KINDS kind (None: not yet)."""

    unit: Unit
    held: tuple[date | None, ...]


def inspection_coverage(*, plan_year: PlanYear, today: date) -> list[CoverageRow]:
    """Which units have had the June and December city inspections and the provincial verification
    by ``today``, and which not: every unit in order, in two queries."""
    rows = (
        Inspection.objects.filter(plan_year=plan_year, kind__in=COVERAGE_KINDS, held_on__lte=today)
        .order_by()
        .values("unit_id", "kind")
        .annotate(first=Min("held_on"))
    )
    first = {(r["unit_id"], r["kind"]): r["first"] for r in rows}
    return [
        CoverageRow(unit, tuple(first.get((unit.id, kind)) for kind in COVERAGE_KINDS))
        for unit in Unit.objects.all()
    ]


def overdue_rectifications(
    *, plan_year: PlanYear, today: date, unit: Unit | None = None
) -> list[Finding]:
    """The findings of a plan year's inspections whose rectification is overdue on ``today`` (the
    rule's definition: deadline before today, not closed by today), of one unit or all, the most overdue
    first, with their inspection, unit and project."""
    qs = (
        Finding.objects.filter(_overdue(today), inspection__plan_year=plan_year)
        .select_related("inspection__unit", "project")
        .order_by("deadline", "inspection__unit__sort_order", "id")
    )
    if unit is not None:
        qs = qs.filter(inspection__unit=unit)
    return list(qs)


def overdue_counts_by_unit(*, plan_year: PlanYear, today: date) -> dict[int, int]:
    """Unit id → number of overdue rectifications on ``today``, in one grouped query; units with
    none are absent."""
    rows = (
        Finding.objects.filter(_overdue(today), inspection__plan_year=plan_year)
        .order_by()
        .values("inspection__unit_id")
        .annotate(n=Count("id"))
    )
    return {row["inspection__unit_id"]: row["n"] for row in rows}


def finding_overdue(finding: Finding, *, today: date) -> bool:
    """Whether one finding's rectification is overdue on ``today`` (the rule, applied)."""
    return rectification_overdue(
        deadline=finding.deadline, closed_on=finding.closed_on, today=today
    )


class WarrantyStatus:
    """Where a day falls against a warranty period."""

    ACTIVE = "active"
    EXPIRED = "expired"
    PENDING = "pending"


def warranty_status(warranty: Warranty | None, *, today: date) -> str | None:
    """active within the period (both ends included, the rule), expired after it, pending before
    it; None without a warranty."""
    if warranty is None:
        return None
    if warranty_active(starts_on=warranty.starts_on, ends_on=warranty.ends_on, today=today):
        return WarrantyStatus.ACTIVE
    return WarrantyStatus.EXPIRED if today > warranty.ends_on else WarrantyStatus.PENDING


@dataclass(frozen=True)
class Aftercare:
    """A project's complaints and disputes, follow-up visits and warranty, as of a day."""

    project: Project
    complaints: list[Complaint]
    visits: list[FollowUpVisit]
    warranty: Warranty | None
    warranty_status: str | None
    open_complaints: int


def aftercare(*, project: Project, today: date) -> Aftercare:
    """Everything after the works for one project (three queries)."""
    complaints = list(Complaint.objects.filter(project=project))
    warranty = Warranty.objects.filter(project=project).first()
    return Aftercare(
        project=project,
        complaints=complaints,
        visits=list(FollowUpVisit.objects.filter(project=project)),
        warranty=warranty,
        warranty_status=warranty_status(warranty, today=today),
        open_complaints=sum(1 for c in complaints if c.closed_on is None),
    )


# --- services: inspections and findings -------------------------------------------------------------


def _refuse(field: str, message: str) -> None:
    raise ValidationError({field: [message]})


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


# --- services: complaints, visits, warranty ---------------------------------------------------------


def _check_complaint_dates(complaint: Complaint) -> None:
    if complaint.closed_on is not None and complaint.closed_on < complaint.received_on:
        _refuse("closed_on", _("办结日期不能早于受理日期"))


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


# --- forms ----------------------------------------------------------------------------------------


def _helper(*fields: Any) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.layout = Layout(*fields, Submit("save", gettext_lazy("保存"), css_class="btn-primary"))
    return helper


class ProjectChoices(forms.ModelMultipleChoiceField):
    """Projects by community name (the unit is chosen already)."""

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class ProjectChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class InspectionFilterForm(forms.Form):
    """The inspection list's filters: kind, unit (the city office's list), and the day overdue is
    judged on."""

    kind = forms.ChoiceField(
        label=gettext_lazy("类型"),
        required=False,
        choices=[("", gettext_lazy("全部类型")), *InspectionKind.choices],
    )
    unit = forms.ModelChoiceField(
        label=gettext_lazy("区县"),
        required=False,
        queryset=Unit.objects.all(),
        empty_label=gettext_lazy("全部区县"),
    )
    as_of = forms.DateField(label=gettext_lazy("截至日期"), required=False, widget=DATE_INPUT)

    def __init__(self, *args: Any, show_unit: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not show_unit:
            del self.fields["unit"]


class UnitPickForm(forms.Form):
    """The unit the city office is about to inspect (its projects are then offered)."""

    unit = forms.ModelChoiceField(label=gettext_lazy("被检查区县"), queryset=Unit.objects.all())


class InspectionForm(forms.ModelForm):
    """A new inspection: its kind (limited to the user's side), date, inspectors, the projects it
    covered, the score and what was found overall."""

    score = forms.DecimalField(
        label=gettext_lazy("得分"),
        required=False,
        min_value=0,
        max_value=100,
        max_digits=4,
        decimal_places=1,
        help_text=gettext_lazy("百分制，可不填"),
    )

    class Meta:
        model = Inspection
        fields = (
            "kind",
            "held_on",
            "inspectors",
            "projects",
            "score",
            "summary",
            "timing_explanation",
        )
        field_classes = {"projects": ProjectChoices}
        widgets = {
            "held_on": DATE_INPUT,
            "projects": forms.CheckboxSelectMultiple,
            "summary": forms.Textarea(attrs={"rows": 4}),
            "timing_explanation": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(
        self,
        *args: Any,
        kinds: Iterable[InspectionKind],
        projects: QuerySet[Project],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        kinds = tuple(kinds)
        kind_field = self.fields["kind"]
        assert isinstance(kind_field, forms.ChoiceField)
        kind_field.choices = [(k.value, k.label) for k in kinds]
        kind_field.initial = kinds[0].value if kinds else None
        projects_field = self.fields["projects"]
        assert isinstance(projects_field, forms.ModelMultipleChoiceField)
        projects_field.queryset = projects.order_by("name")
        self.fields["inspectors"].help_text = _("检查组成员姓名及单位")
        self.fields["timing_explanation"].help_text = _(
            "市级检查验收应分别在6月、12月进行；不在该月进行的，须说明原因"
        )
        self.helper = _helper(
            Row(Column("kind", css_class="col-md-6"), Column("held_on", css_class="col-md-6")),
            "inspectors",
            "projects",
            Row(Column("score", css_class="col-md-4")),
            "summary",
            "timing_explanation",
        )

    def service_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}


class FindingForm(forms.ModelForm):
    """A problem found, the rectification it needs, and the deadline."""

    class Meta:
        model = Finding
        fields = ("project", "description", "rectification", "deadline")
        field_classes = {"project": ProjectChoice}
        widgets = {
            "deadline": DATE_INPUT,
            "description": forms.Textarea(attrs={"rows": 3}),
            "rectification": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, projects: QuerySet[Project], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        project_field = self.fields["project"]
        assert isinstance(project_field, forms.ModelChoiceField)
        project_field.queryset = projects.order_by("name")
        project_field.empty_label = _("（不针对具体项目）")
        self.helper = _helper("project", "description", "rectification", "deadline")

    def service_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}


class FindingCloseForm(forms.Form):
    """The closing of a rectification: the day it was done, what was done, and the evidence."""

    closed_on = forms.DateField(label=gettext_lazy("整改完成日期"), widget=DATE_INPUT)
    note = forms.CharField(
        label=gettext_lazy("整改情况"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    evidence = EvidenceField(
        label=gettext_lazy("整改证明材料"),
        required=False,
        help_text=gettext_lazy("PDF、JPEG 或 PNG 格式的扫描件或照片"),
    )

    def __init__(self, *args: Any, has_evidence: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.has_evidence = has_evidence
        if has_evidence:
            self.fields["evidence"].help_text = _("已上传证明材料；再次上传将替换")
        self.helper = _helper("closed_on", "note", "evidence")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.has_evidence and not data.get("evidence") and "evidence" not in self.errors:
            self.add_error("evidence", _("请上传整改证明材料"))
        return data


class ComplaintForm(forms.ModelForm):
    """A complaint or dispute: when received, what about, and (if done) how it was handled."""

    class Meta:
        model = Complaint
        fields = ("kind", "received_on", "summary", "handling", "closed_on")
        widgets = {
            "received_on": DATE_INPUT,
            "closed_on": DATE_INPUT,
            "summary": forms.Textarea(attrs={"rows": 3}),
            "handling": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Row(Column("kind", css_class="col-md-6"), Column("received_on", css_class="col-md-6")),
            "summary",
            "handling",
            "closed_on",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        received, closed = data.get("received_on"), data.get("closed_on")
        if received and closed and closed < received:
            self.add_error("closed_on", _("办结日期不能早于受理日期"))
        return data

    def service_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}


class ComplaintHandleForm(forms.Form):
    """How a complaint was handled, and the day it was closed (empty while still open)."""

    handling = forms.CharField(
        label=gettext_lazy("处理情况"), widget=forms.Textarea(attrs={"rows": 4})
    )
    closed_on = forms.DateField(
        label=gettext_lazy("办结日期"),
        required=False,
        widget=DATE_INPUT,
        help_text=gettext_lazy("尚未办结的留空"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper("handling", "closed_on")


class VisitForm(forms.ModelForm):
    """A follow-up visit: when, who, and what residents said."""

    class Meta:
        model = FollowUpVisit
        fields = ("visited_on", "visitors", "note")
        widgets = {"visited_on": DATE_INPUT, "note": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper("visited_on", "visitors", "note")

    def service_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}


class WarrantyForm(forms.ModelForm):
    """A project's warranty period and the warrantor."""

    class Meta:
        model = Warranty
        fields = ("starts_on", "ends_on", "warrantor", "note")
        widgets = {"starts_on": DATE_INPUT, "ends_on": DATE_INPUT}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Row(Column("starts_on", css_class="col-md-6"), Column("ends_on", css_class="col-md-6")),
            "warrantor",
            "note",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("保修截止日期不能早于起始日期"))
        return data

    def service_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}
