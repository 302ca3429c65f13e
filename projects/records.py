"""Records of a project the source document asks for besides the start criteria: funds in place
(资金到位), the participating units answerable on site (参建单位), approvals and utility hook-ups
(项目审批、市政基础设施接入) with the coordinated construction plan (统筹施工方案), acceptance and
hand-over (验收移交), and the provincial contact-point flag (省级联系点).

Services write (atomic, with history, a unit's clerk or leader for its own projects; the city office
for the contact-point flag); selectors read in a constant number of queries; the checks are
rules/records.py's. Forms only collect input."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Count, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import permissions, selectors
from .choices import FundSource, ParticipantRole
from .data_version import writes_data
from .models import (
    AcceptanceRecord,
    Approval,
    CoordinatedConstructionPlan,
    FundReceipt,
    Participant,
    PlanYear,
    Project,
    Unit,
    User,
)
from .presenters import mask_phone
from .rules.project_checks import date_order_problems, future_date_problem
from .rules.records import (
    fund_warnings,
    funds_share_tenths,
    missing_participants,
    receipt_amount_problem,
    receipt_over_estimate,
    unmet_wishes,
    wish_warning,
)
from .uploads import EvidenceField

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
ZERO = Decimal(0)


# --- selectors --------------------------------------------------------------------------------------


def funds_received_by_project(*, project_ids: Iterable[int]) -> dict[int, Decimal]:
    """The funds in place of each project (every source), in one grouped query."""
    rows = (
        FundReceipt.objects.filter(project_id__in=list(project_ids))
        .order_by()
        .values("project_id")
        .annotate(total=Sum("amount"))
    )
    return {row["project_id"]: row["total"] for row in rows}


def wishes_by_project(*, project_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """The facilities residents asked for (facility → households) from each project's renovation
    plan, in one query (through the plan's reverse relations: projects imports no paperwork)."""
    rows = (
        Project.objects.filter(id__in=list(project_ids), renovation_plan__wishes__isnull=False)
        .order_by()
        .values_list(
            "id", "renovation_plan__wishes__facility", "renovation_plan__wishes__households"
        )
    )
    result: dict[int, dict[str, int]] = defaultdict(dict)
    for project_id, facility, households in rows:
        result[project_id][facility] = households
    return result


@dataclass(frozen=True)
class RecordWarning:
    """A warning of a project's records: the rule's message, and a short label for lists."""

    short: str
    message: str

    def __str__(self) -> str:
        return self.message


def record_warnings(
    *,
    project: Project,
    received: Decimal,
    wishes: dict[str, int],
) -> tuple[RecordWarning, ...]:
    """The warnings of a project's records: started with no funds in place (or more in place than
    the estimate), and strongly wanted facilities left out of the contents."""
    funds = fund_warnings(
        started=project.started_on is not None, received=received, estimate=project.investment
    )
    warnings = [
        RecordWarning(_("资金未到位") if received <= 0 else _("资金超概算"), m) for m in funds
    ]
    missing = unmet_wishes(
        wishes=wishes, contents=frozenset(project.contents or ()), households=project.households
    )
    message = wish_warning(missing)
    if message:
        warnings.append(RecordWarning(_("居民意愿未列入"), message))
    return tuple(warnings)


def record_warnings_by_project(projects: Sequence[Project]) -> dict[int, tuple[RecordWarning, ...]]:
    """record_warnings for a page of projects, in two queries whatever the page's size."""
    ids = [p.id for p in projects]
    received = funds_received_by_project(project_ids=ids)
    wishes = wishes_by_project(project_ids=ids)
    return {
        p.id: record_warnings(
            project=p, received=received.get(p.id, ZERO), wishes=wishes.get(p.id, {})
        )
        for p in projects
    }


@dataclass(frozen=True)
class FundLine:
    """One funding source of a project, a unit or the city: planned (the estimate's split), in
    place, and the share in place in tenths of a percent."""

    source: str
    label: str
    planned: Decimal
    received: Decimal

    @property
    def share(self) -> int | None:
        return funds_share_tenths(received=self.received, estimate=self.planned)


@dataclass(frozen=True)
class FundTable:
    """The seven sources and their total."""

    lines: tuple[FundLine, ...]

    @property
    def planned(self) -> Decimal:
        return sum((line.planned for line in self.lines), ZERO)

    @property
    def received(self) -> Decimal:
        return sum((line.received for line in self.lines), ZERO)

    @property
    def share(self) -> int | None:
        return funds_share_tenths(received=self.received, estimate=self.planned)


def _table(planned: dict[str, Decimal], received: dict[str, Decimal]) -> FundTable:
    return FundTable(
        tuple(
            FundLine(
                source.value,
                str(source.label),
                planned.get(source.value) or ZERO,
                received.get(source.value) or ZERO,
            )
            for source in FundSource
        )
    )


def project_funds(project: Project) -> FundTable:
    """A project's sources as estimated and as in place (one query)."""
    received = dict(
        FundReceipt.objects.filter(project=project)
        .order_by()
        .values("source")
        .annotate(total=Sum("amount"))
        .values_list("source", "total")
    )
    planned = {s.value: getattr(project, f"fund_{s.value}") for s in FundSource}
    return _table(planned, received)


@dataclass(frozen=True)
class UnitFunds:
    """A unit's funds: the estimate of its projects by source and what is in place."""

    unit: Unit
    projects: int
    started_without_funds: int
    table: FundTable


def funds_by_unit(
    *, plan_year: PlanYear, units: Sequence[Unit]
) -> tuple[list[UnitFunds], FundTable]:
    """Each unit's funds and the city's, in three queries whatever the number of projects."""
    unit_ids = [u.id for u in units]
    projects = Project.objects.filter(plan_year=plan_year, unit_id__in=unit_ids).order_by()
    sums = {f"fund_{s.value}": Sum(f"fund_{s.value}") for s in FundSource}
    planned_rows: dict[int, dict[str, Any]] = {
        row["unit_id"]: dict(row)
        for row in projects.values("unit_id").annotate(n=Count("id"), **sums)
    }
    received: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for unit_id, source, total in (
        FundReceipt.objects.filter(project__in=projects)
        .order_by()
        .values_list("project__unit_id", "source")
        .annotate(total=Sum("amount"))
    ):
        received[unit_id][source] = total
    without = dict(
        projects.filter(started_on__isnull=False, fund_receipts__isnull=True)
        .values("unit_id")
        .annotate(n=Count("id"))
        .values_list("unit_id", "n")
    )
    rows = []
    city_planned: dict[str, Decimal] = defaultdict(Decimal)
    city_received: dict[str, Decimal] = defaultdict(Decimal)
    for unit in units:
        row = planned_rows.get(unit.id, {})
        planned: dict[str, Decimal] = {
            s.value: row.get(f"fund_{s.value}") or ZERO for s in FundSource
        }
        for key, value in planned.items():
            city_planned[key] += value
        for key, value in received[unit.id].items():
            city_received[key] += value
        rows.append(
            UnitFunds(
                unit, row.get("n") or 0, without.get(unit.id, 0), _table(planned, received[unit.id])
            )
        )
    return rows, _table(city_planned, city_received)


@dataclass(frozen=True)
class ParticipantRow:
    """A participating role of a project as the pages show it: the unit's name (the project's own
    field for the construction unit and the builder), the person, the phone masked."""

    role: str
    label: str
    organisation: str
    person: str
    phone_masked: str
    recorded: bool


def participant_rows(
    project: Project, recorded: Sequence[Participant]
) -> tuple[ParticipantRow, ...]:
    """The five roles of a project, recorded or not, in their order."""
    by_role = {p.role: p for p in recorded}
    own_name = {
        ParticipantRole.CONSTRUCTION.value: project.construction_unit,
        ParticipantRole.BUILDER.value: project.contractor,
    }
    rows = []
    for role in ParticipantRole:
        record = by_role.get(role.value)
        rows.append(
            ParticipantRow(
                role.value,
                str(role.label),
                own_name.get(role.value, record.organisation if record else ""),
                record.person if record else "",
                mask_phone(record.phone) if record and record.phone else "",
                record is not None,
            )
        )
    return tuple(rows)


def participants_by_project(
    projects: Sequence[Project],
) -> dict[int, tuple[ParticipantRow, ...]]:
    """participant_rows for many projects, in one query."""
    recorded: dict[int, list[Participant]] = defaultdict(list)
    for participant in Participant.objects.filter(project__in=[p.id for p in projects]):
        recorded[participant.project_id].append(participant)
    return {p.id: participant_rows(p, recorded[p.id]) for p in projects}


@dataclass(frozen=True)
class ProjectRecords:
    """Everything the records page and the project page show of a project's records."""

    funds: FundTable
    receipts: tuple[FundReceipt, ...]
    participants: tuple[ParticipantRow, ...]
    missing_participants: tuple[str, ...]
    approvals: tuple[Approval, ...]
    coordinated_plan: CoordinatedConstructionPlan | None
    acceptance: AcceptanceRecord | None
    warnings: tuple[RecordWarning, ...]
    # The renovation plan's wishes (facility, households asking), most asked first.
    wishes: tuple[tuple[str, int], ...] = ()


def project_records(project: Project) -> ProjectRecords:
    """A project's records, in a fixed handful of queries."""
    recorded = list(Participant.objects.filter(project=project))
    funds = project_funds(project)
    wishes = wishes_by_project(project_ids=[project.id]).get(project.id, {})
    return ProjectRecords(
        funds=funds,
        receipts=tuple(FundReceipt.objects.filter(project=project).order_by("received_on", "id")),
        participants=participant_rows(project, recorded),
        missing_participants=tuple(
            str(ParticipantRole(r).label) for r in missing_participants({p.role for p in recorded})
        ),
        approvals=tuple(Approval.objects.filter(project=project)),
        coordinated_plan=CoordinatedConstructionPlan.objects.filter(project=project).first(),
        acceptance=AcceptanceRecord.objects.filter(project=project).first(),
        warnings=record_warnings(project=project, received=funds.received, wishes=wishes),
        wishes=tuple(sorted(wishes.items(), key=lambda item: (-item[1], item[0]))),
    )


WRITERS_ONLY = gettext_lazy("只有本区县的填报员和审核人可以填报本区县项目的记录")


# --- services ---------------------------------------------------------------------------------------


def _refuse_future(field: str, label: str, on: date | None, today: date | None) -> None:
    problem = future_date_problem(label=label, on=on, today=today or selectors.today_local())
    if problem:
        raise ValidationError({field: [problem]})


@writes_data
@transaction.atomic
def fund_receipt_add(
    *, project: Project, user: User | None, data: dict[str, Any], today: date | None = None
) -> FundReceipt:
    """Record an amount of one source that arrived for the project, on a day that has happened."""
    permissions.require_unit_writer(user, project.unit_id, WRITERS_ONLY)
    _refuse_future("received_on", "资金到位", data.get("received_on"), today)
    amount: Decimal = data["amount"]
    problem = receipt_amount_problem(amount)
    if problem is None and data["source"] in FundSource.values:
        # The project's row is locked so two receipts entered at once cannot pass the estimate.
        locked = Project.objects.select_for_update().get(pk=project.pk)
        source = FundSource(data["source"])
        received = FundReceipt.objects.filter(project=locked, source=source).aggregate(
            total=Sum("amount")
        )["total"]
        problem = receipt_over_estimate(
            source=str(source.label),
            estimate=getattr(locked, f"fund_{source.value}"),
            received=received or ZERO,
            amount=amount,
        )
    if problem:
        raise ValidationError({"amount": [problem]})
    receipt = FundReceipt(
        project=project,
        source=data["source"],
        received_on=data["received_on"],
        amount=data["amount"],
        note=data.get("note") or "",
        recorded_by=user,
    )
    receipt.full_clean()
    receipt._history_user = user  # type: ignore[attr-defined]
    receipt.save()
    return receipt


@writes_data
@transaction.atomic
def fund_receipt_delete(*, receipt: FundReceipt, user: User | None) -> None:
    """Remove a receipt entered in error (its history keeps it)."""
    permissions.require_unit_writer(user, receipt.project.unit_id, WRITERS_ONLY)
    receipt._history_user = user  # type: ignore[attr-defined]
    receipt.delete()


@writes_data
@transaction.atomic
def participant_save(
    *, project: Project, role: str, user: User | None, data: dict[str, Any]
) -> Participant:
    """Name (or rename) who answers for one role of the project on site. The construction unit's and
    the builder's names stay the project's fields, so they are not taken here."""
    permissions.require_unit_writer(user, project.unit_id, WRITERS_ONLY)
    role = ParticipantRole(role).value
    participant = Participant.objects.select_for_update().filter(
        project=project, role=role
    ).first() or Participant(project=project, role=role)
    named_on_project = role in (ParticipantRole.CONSTRUCTION, ParticipantRole.BUILDER)
    participant.organisation = "" if named_on_project else (data.get("organisation") or "").strip()
    participant.person = (data.get("person") or "").strip()
    participant.phone = (data.get("phone") or "").strip()
    participant.full_clean()
    participant._history_user = user  # type: ignore[attr-defined]
    participant.save()
    return participant


@writes_data
@transaction.atomic
def approval_add(
    *, project: Project, user: User | None, data: dict[str, Any], today: date | None = None
) -> Approval:
    """Record an approval or a utility hook-up of the project, on a day that has happened."""
    permissions.require_unit_writer(user, project.unit_id, WRITERS_ONLY)
    _refuse_future("approved_on", "办理", data.get("approved_on"), today)
    approval = Approval(
        project=project,
        kind=data["kind"],
        approved_on=data["approved_on"],
        document_no=data.get("document_no") or "",
        note=data.get("note") or "",
    )
    approval.full_clean()
    approval._history_user = user  # type: ignore[attr-defined]
    approval.save()
    return approval


@writes_data
@transaction.atomic
def coordinated_plan_save(
    *, project: Project, user: User | None, document: File | None, note: str
) -> CoordinatedConstructionPlan:
    """Upload (or replace) the project's coordinated construction plan; the history keeps the old."""
    permissions.require_unit_writer(user, project.unit_id, WRITERS_ONLY)
    plan = CoordinatedConstructionPlan.objects.select_for_update().filter(
        project=project
    ).first() or CoordinatedConstructionPlan(project=project)
    if document is None and not plan.document:
        raise ValidationError({"document": [_("请上传统筹施工方案")]})
    if document is not None:
        plan.document = document
    plan.note = note
    plan.uploaded_by = user
    plan.full_clean()
    plan._history_user = user  # type: ignore[attr-defined]
    plan.save()
    return plan


@writes_data
@transaction.atomic
def acceptance_save(
    *,
    project: Project,
    user: User | None,
    accepted_on: date,
    data: dict[str, Any],
    document: File | None = None,
    today: date | None = None,
) -> AcceptanceRecord:
    """Record the acceptance and hand-over. Its date is the project's accepted_on, written here with
    the project's own date rules (after completion, not in the future), so the two never differ."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    permissions.require_unit_writer(user, project.unit_id, WRITERS_ONLY)
    carried_on = selectors.carried_on_problems(project, fields=["accepted_on"])
    if carried_on:
        raise ValidationError(carried_on)
    _refuse_future("accepted_on", "验收移交", accepted_on, today)
    problems = date_order_problems(
        started_on=project.started_on, completed_on=project.completed_on, accepted_on=accepted_on
    )
    if problems:
        raise ValidationError({"accepted_on": [p.message for p in problems]})
    if project.accepted_on != accepted_on:
        project.accepted_on = accepted_on
        project.version += 1
        project._history_user = user  # type: ignore[attr-defined]
        project._change_reason = "验收移交记录"  # type: ignore[attr-defined]
        project.save(update_fields=["accepted_on", "version", "updated_at"])
    record = AcceptanceRecord.objects.select_for_update().filter(
        project=project
    ).first() or AcceptanceRecord(project=project)
    record.participants = (data.get("participants") or "").strip()
    record.handed_to = data["handed_to"]
    record.handed_to_name = (data.get("handed_to_name") or "").strip()
    record.note = (data.get("note") or "").strip()
    if document is not None:
        record.document = document
    record.recorded_by = user
    record.full_clean()
    record._history_user = user  # type: ignore[attr-defined]
    record.save()
    return record


@writes_data
@transaction.atomic
def project_contact_point_set(*, project: Project, user: User | None, value: bool) -> Project:
    """Mark (or unmark) a project as a provincial contact point (省级联系点): the city office's call."""
    permissions.require_city_office(user, _("省级联系点由市老旧办设定"))
    project = Project.objects.select_for_update().get(pk=project.pk)
    if project.contact_point != value:
        project.contact_point = value
        project._history_user = user  # type: ignore[attr-defined]
        project._change_reason = "省级联系点"  # type: ignore[attr-defined]
        project.save(update_fields=["contact_point", "updated_at"])
    return project


# --- forms ------------------------------------------------------------------------------------------


def _helper(*fields: Any) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.layout = Layout(*fields, Submit("save", gettext_lazy("保存"), css_class="btn-primary"))
    return helper


class FundReceiptForm(forms.ModelForm):
    """An amount of one source in place: source, date, amount in 万元."""

    class Meta:
        model = FundReceipt
        fields = ("source", "received_on", "amount", "note")
        widgets = {"received_on": DATE_INPUT}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        amount = self.fields["amount"]
        assert isinstance(amount, forms.DecimalField)
        # The rule checks the size and the decimals with messages of its own (Django's would say
        # "digits"); the database never sees an amount it cannot hold.
        amount.validators = []
        amount.widget.attrs["min"] = "0.0001"
        self.helper = _helper(
            Row(
                Column("source", css_class="col-md-4"),
                Column("received_on", css_class="col-md-4"),
                Column("amount", css_class="col-md-4"),
            ),
            "note",
        )

    def clean_amount(self) -> Decimal:
        amount: Decimal = self.cleaned_data["amount"]
        problem = receipt_amount_problem(amount)
        if problem:
            raise ValidationError(problem)
        return amount

    def service_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}


class ParticipantForm(forms.Form):
    """Who answers for one role on site; the unit's name only where the project does not hold it."""

    organisation = forms.CharField(label=gettext_lazy("单位名称"), max_length=200, required=False)
    person = forms.CharField(label=gettext_lazy("负责人"), max_length=50)
    phone = forms.RegexField(
        label=gettext_lazy("联系电话"),
        regex=r"^[0-9\-+ ]{7,20}$",
        required=False,
        error_messages={"invalid": gettext_lazy("请填写正确的电话号码")},
    )

    def __init__(self, *args: Any, named_on_project: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if named_on_project:
            del self.fields["organisation"]
        self.helper = _helper(*self.fields)


class ApprovalForm(forms.ModelForm):
    """An approval or hook-up: its kind, date and document number."""

    class Meta:
        model = Approval
        fields = ("kind", "approved_on", "document_no", "note")
        widgets = {"approved_on": DATE_INPUT}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Row(Column("kind", css_class="col-md-6"), Column("approved_on", css_class="col-md-6")),
            "document_no",
            "note",
        )

    def service_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}


class CoordinatedPlanForm(forms.Form):
    """The coordinated construction plan's document (PDF, JPEG or PNG) and a note."""

    document = EvidenceField(
        label=gettext_lazy("统筹施工方案"),
        required=False,
        help_text=gettext_lazy("供水、供电、燃气、供热、通信统筹施工方案，PDF、JPEG 或 PNG 格式"),
    )
    note = forms.CharField(label=gettext_lazy("说明"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper("document", "note")


class AcceptanceForm(forms.ModelForm):
    """The acceptance and hand-over: the date (the project's), who took part, to whom, documents."""

    accepted_on = forms.DateField(label=gettext_lazy("验收移交日期"), widget=DATE_INPUT)
    document = EvidenceField(
        label=gettext_lazy("验收移交文件"),
        required=False,
        help_text=gettext_lazy("验收报告、移交协议等，PDF、JPEG 或 PNG 格式"),
    )

    class Meta:
        model = AcceptanceRecord
        fields = ("participants", "handed_to", "handed_to_name", "note")
        widgets = {"participants": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Row(
                Column("accepted_on", css_class="col-md-4"),
                Column("handed_to", css_class="col-md-4"),
                Column("handed_to_name", css_class="col-md-4"),
            ),
            "participants",
            "document",
            "note",
        )

    def service_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}
