"""Pages of the monthly report workflow: the list of months, one month's report with its versions
and the actions the user may take, the stamped scan, the flags and the annual assessment."""

import hashlib
from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Prefetch, When
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from projects import permissions
from projects import selectors as facts
from projects.data_version import cached
from projects.jobs import job_start
from projects.models import PlanYear, Unit, User
from projects.rules.reports import (
    TIMELINESS_LABELS,
    Action,
    ReportState,
    Timeliness,
    allowed_actions,
    report_due,
    trial_month,
)
from projects.rules.start import CRITERION_SHORT_LABELS
from projects.uploads import EvidenceField, stored_file_response
from projects.view_helpers import (
    error_messages,
    page_date_of,
    plan_year_for,
    portal_user,
    xlsx_response,
)
from projects.worklist import role_for_worklist, worklist

from . import jobs, notices, reports
from .exports import build, workbooks
from .exports.workflow import timeliness_table
from .models import CITY_RULINGS, MonthlyReport, ReportFlag, Ruling
from .overview_page import OVERVIEW_UNITS_PER_PAGE, render_rows
from .worklist import report_worklist


def _units(user: User) -> Any:
    scope = permissions.unit_scope(user)
    return Unit.objects.all() if scope is None else Unit.objects.filter(id=scope)


class NotesForm(forms.Form):
    problems = forms.CharField(
        label=gettext_lazy("存在问题"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    next_plan = forms.CharField(
        label=gettext_lazy("下月工作计划"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ApproveForm(forms.Form):
    stamp = EvidenceField(
        label=gettext_lazy("加盖单位印章的月报扫描件（PDF、JPEG 或 PNG）"), required=True
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("原因"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": gettext_lazy("请填写原因")},
    )


class WithdrawForm(ReasonForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = gettext_lazy("撤回审核的原因")
        self.fields["reason"].error_messages["required"] = gettext_lazy("请填写撤回审核的原因")


class SendBackForm(ReasonForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = gettext_lazy("退回修改的原因（填报员将看到）")
        self.fields["reason"].error_messages["required"] = gettext_lazy("请填写退回修改的原因")


class ReturnForm(ReasonForm):
    wrong_figures = forms.BooleanField(label=gettext_lazy("数据错误（计为错报）"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = gettext_lazy("退回原因")
        self.fields["reason"].error_messages["required"] = gettext_lazy("退回须填写原因")


# The months table's colours, as reporting/_state_badge.html gives them.
STATE_BADGE_CLASSES = {
    ReportState.RECEIVED: "text-bg-success",
    ReportState.APPROVED: "text-bg-primary",
    ReportState.RETURNED: "text-bg-danger",
    ReportState.SUBMITTED: "text-bg-info",
    ReportState.DRAFT: "text-bg-secondary",
}
TIMELINESS_CLASSES = {
    Timeliness.MISSING: "text-danger fw-semibold",
    Timeliness.LATE: "text-warning-emphasis",
    Timeliness.ON_TIME: "text-body-secondary",
    Timeliness.NOT_DUE: "text-body-secondary",
    Timeliness.TRIAL: "text-body-secondary",
}


def _month_url() -> str:
    """The month page's address with ``{unit}`` and ``{month}`` to fill in, reversed once: every
    cell of the months table links to one (2,400 on a page of 200 units)."""
    sample = reverse("reporting:report_month", args=[987654321, 12])
    return sample.replace("/987654321/12/", "/{unit}/{month}/")


def _matrix_rows(
    *,
    plan_year: PlanYear,
    units: list[Unit],
    today: date,
    latest: dict[tuple[int, int], MonthlyReport],
    intact: dict[int, bool],
    valid_on: dict[tuple[int, int], date],
) -> SafeString:
    """The months table's body for ``units``: each month's latest version (its state, version and
    digest check) and its timeliness on ``today``."""
    month_url = _month_url()
    rows = []
    for unit in units:
        cells = []
        for status in reports.unit_timeliness(
            plan_year=plan_year, unit=unit, today=today, valid_on=valid_on
        ):
            report = latest.get((unit.id, status.month))
            cells.append(
                (
                    status.month,
                    month_url.format(unit=unit.pk, month=status.month),
                    report.state if report is not None else "",
                    report.version if report is not None else 0,
                    report is None or intact[report.pk],
                    status.timeliness.value,
                )
            )
        rows.append((unit.name, cells))
    return render_rows(
        "reporting/_report_rows.html",
        {
            "rows": rows,
            "state_labels": dict(MonthlyReport._meta.get_field("state").flatchoices),
            "badge_classes": STATE_BADGE_CLASSES,
            # The rules name them in Chinese; each shown in the active language.
            "timeliness_labels": {t.value: _(label) for t, label in TIMELINESS_LABELS.items()},
            "timeliness_classes": TIMELINESS_CLASSES,
        },
    )


@login_required
def report_index(request: HttpRequest) -> HttpResponse:
    """Units × months: each month's latest version and whether it arrived on time, a page of units
    at a time as the city overview pages them (a national programme's thousands)."""
    user = portal_user(request)
    plan_year = plan_year_for(request)
    today = facts.today_local()
    page = Paginator(_units(user), OVERVIEW_UNITS_PER_PAGE).get_page(request.GET.get("page"))
    units = list(page.object_list)
    latest = reports.latest_versions(plan_year=plan_year, units=units, hashed=True)
    by_id = {unit.id: unit for unit in units}
    for version in latest.values():
        # The digest names both: no query.
        version.unit, version.plan_year = by_id[version.unit_id], plan_year
    intact = reports.digests_intact(latest.values())
    valid_on = reports.valid_on_by_month(plan_year=plan_year, units=units)
    # The matrix is drawn from these inputs alone, so it is kept in the cache under a hash of them:
    # a change to any (a report's state, version or content behind the workflow's back included)
    # is a new key, the same inputs under the same data version are the same HTML.
    inputs = (
        plan_year.pk, plan_year.year, plan_year.report_due_day, tuple(plan_year.trial_months or ()),
        today.isoformat(), get_language(), [(u.pk, u.name) for u in units],
        sorted((k, v.pk, v.state, v.version, intact[v.pk]) for k, v in latest.items()),
        sorted((k, d.isoformat()) for k, d in valid_on.items()),
    )  # fmt: skip
    matrix_key = "report_matrix:" + hashlib.sha256(repr(inputs).encode("utf-8")).hexdigest()
    # On a phone the table shows two or three months: the months that need the user's action are
    # listed above it, by the 待办's rules on the table's own date (kept under the data version).
    worklist_key = (
        f"report_worklist:{user.pk}:{role_for_worklist(user)}:{user.unit_id}:{plan_year.pk}:"
        f"{today}:{get_language()}"
    )
    found = cached(
        {
            matrix_key: lambda: _matrix_rows(
                plan_year=plan_year,
                units=units,
                today=today,
                latest=latest,
                intact=intact,
                valid_on=valid_on,
            ),
            worklist_key: lambda: worklist(
                user=user, plan_year=plan_year, day=today, providers=[report_worklist]
            ),
        }
    )
    return render(
        request,
        "reporting/report_index.html",
        {
            "actionable": found[worklist_key],
            # The matrix of a page of units (2,400 cells at most), drawn by Jinja2.
            "matrix_rows": found[matrix_key],
            "page": page,
            "plan_year": plan_year,
            "months": range(1, 13),
            "city": permissions.unit_scope(user) is None,
            # A unit sees the notices naming it under its months; the city office has their page.
            "notices": None
            if permissions.unit_scope(user) is None
            else notices.notices_for(user=user),
        },
    )


def _forms_for(actions: tuple[Action, ...], data: Any = None, files: Any = None) -> dict[str, Any]:
    return {
        "notes": NotesForm(data) if Action.SUBMIT in actions else None,
        "approve": ApproveForm(data, files) if Action.APPROVE in actions else None,
        "send_back": SendBackForm(data, prefix="send_back")
        if Action.SEND_BACK in actions
        else None,
        "withdraw": WithdrawForm(data, prefix="withdraw") if Action.WITHDRAW in actions else None,
        "return": ReturnForm(data, prefix="return") if Action.RETURN in actions else None,
    }


@login_required
def report_month(request: HttpRequest, unit_id: int, month: int) -> HttpResponse:
    """One unit's report for one month: the latest version's figures, digest and notes, the actions
    the user may take, and every version with its returns and reasons."""
    user = portal_user(request)
    unit = get_object_or_404(_units(user), pk=unit_id)
    if not 1 <= month <= 12:
        raise Http404
    plan_year = plan_year_for(request)
    versions = list(
        MonthlyReport.objects.filter(plan_year=plan_year, unit=unit, month=month)
        .select_related("approved_by", "submitted_by", "received_by", "returned_by")
        .prefetch_related(Prefetch("flags", queryset=ReportFlag.objects.order_by("raised_at")))
        .order_by("-version")
    )
    if request.method == "POST" and not versions:
        try:
            reports.report_open(plan_year=plan_year, unit=unit, month=month, user=user)
        except PermissionDenied as denied:
            raise PermissionDenied(str(denied)) from denied
        return redirect("reporting:report_month", unit_id=unit.id, month=month)
    report = versions[0] if versions else None
    actions = allowed_actions(state=report.state, role=permissions.role_of(user)) if report else ()
    if report is not None and permissions.is_unit_user(user) and user.unit_id != unit.id:
        actions = ()
    forms_ = _forms_for(actions)
    if forms_["notes"] is not None and report is not None:
        forms_["notes"] = NotesForm(
            initial={"problems": report.problems, "next_plan": report.next_plan}
        )
    due = report_due(year=plan_year.year, month=month, due_day=plan_year.report_due_day)
    return _render_month(request, unit, month, plan_year, versions, report, actions, forms_, due)


def _render_month(
    request: HttpRequest,
    unit: Unit,
    month: int,
    plan_year: PlanYear,
    versions: list[MonthlyReport],
    report: MonthlyReport | None,
    actions: tuple[Action, ...],
    forms_: dict[str, Any],
    due: Any,
) -> HttpResponse:
    user = portal_user(request)
    altered = []
    for version in versions:
        version.unit, version.plan_year = unit, plan_year  # the digest names both: no query
        intact = reports.report_digest_intact(version)
        version.digest_intact = intact  # type: ignore[attr-defined]
        if not intact:
            altered.append(version.version)
    may_prepare = not versions and permissions.may_change_unit(user, unit.id)
    return render(
        request,
        "reporting/report_month.html",
        {
            "unit": unit,
            "month": month,
            "plan_year": plan_year,
            "versions": versions,
            "report": report,
            "altered_versions": altered,
            "actions": [a.value for a in actions],
            "forms": forms_,
            "due": due,
            "may_prepare": may_prepare,
            "criterion_labels": CRITERION_SHORT_LABELS,
            "trial": trial_month(month=month, trial_months=plan_year.trial_months or []),
            # Frozen with the figures; a report frozen before the warnings were kept has none.
            "consultation_rows": [
                p
                for p in (report.figures.get("projects") or [] if report else [])
                if p.get("warnings")
            ],
        },
    )


@require_POST
@login_required
def report_act(request: HttpRequest, pk: int) -> HttpResponse:
    """Take one action on a report version; a refusal comes back on the month's page."""
    user = portal_user(request)
    report = get_object_or_404(
        MonthlyReport.objects.filter(unit__in=_units(user)).select_related("plan_year", "unit"),
        pk=pk,
    )
    try:
        action = Action(request.POST.get("action", ""))
    except ValueError:
        messages.error(request, _("未知的操作"))
        return _back(report)
    forms_ = _forms_for((action,), request.POST, request.FILES)
    try:
        if action == Action.SUBMIT:
            notes = forms_["notes"]
            if notes.is_valid():
                report = reports.report_save_draft(report=report, user=user, **notes.cleaned_data)
                if "save_only" in request.POST:
                    messages.success(request, _("已保存草稿"))
                    return _back(report)
                reports.report_submit(report=report, user=user)
        elif action == Action.APPROVE:
            form = forms_["approve"]
            if not form.is_valid():
                return _refused(request, report, form)
            reports.report_approve(report=report, stamp=form.cleaned_data["stamp"], user=user)
        elif action == Action.SEND_BACK:
            form = forms_["send_back"]
            if not form.is_valid():
                return _refused(request, report, form)
            reports.report_send_back(report=report, reason=form.cleaned_data["reason"], user=user)
        elif action == Action.WITHDRAW:
            form = forms_["withdraw"]
            if not form.is_valid():
                return _refused(request, report, form)
            reports.report_withdraw(report=report, reason=form.cleaned_data["reason"], user=user)
        elif action == Action.RECEIVE:
            reports.report_receive(report=report, user=user)
        elif action == Action.RETURN:
            form = forms_["return"]
            if not form.is_valid():
                return _refused(request, report, form)
            reports.report_return(report=report, user=user, **form.cleaned_data)
        elif action == Action.CORRECT:
            reports.report_correct(report=report, user=user)
    except reports.ReportConflict as conflict:
        messages.error(request, str(conflict))
    except ValidationError as error:
        error_messages(request, error)
    else:
        messages.success(request, _("已完成：%(action)s") % {"action": ACTION_LABELS[action]})
    return _back(report)


ACTION_LABELS = {
    Action.SUBMIT: gettext_lazy("提交审核"),
    Action.APPROVE: gettext_lazy("审核通过并上传盖章件"),
    Action.WITHDRAW: gettext_lazy("撤回审核"),
    Action.RECEIVE: gettext_lazy("接收"),
    Action.RETURN: gettext_lazy("退回"),
    Action.CORRECT: gettext_lazy("更正（新建版本）"),
    Action.SEND_BACK: gettext_lazy("退回填报员修改"),
}


def _back(report: MonthlyReport) -> HttpResponse:
    return redirect("reporting:report_month", unit_id=report.unit_id, month=report.month)


def _refused(request: HttpRequest, report: MonthlyReport, form: forms.Form) -> HttpResponse:
    for errors in form.errors.values():
        for message in errors:
            messages.error(request, str(message))
    return _back(report)


@login_required
def report_stamp(request: HttpRequest, pk: int) -> FileResponse:
    """A version's stamped scan, to the unit and the city office, typed by its content."""
    report = get_object_or_404(
        MonthlyReport.objects.filter(unit__in=_units(portal_user(request))), pk=pk
    )
    return stored_file_response(
        request,
        report.stamp,
        f"{report.unit.name}-{report.plan_year.year}-{report.month}-v{report.version}",
    )


@login_required
def flag_list(request: HttpRequest) -> HttpResponse:
    """Suspected 瞒报/错报 of the user's units, open ones first; the city office rules on them."""
    user = portal_user(request)
    plan_year = plan_year_for(request)
    flags = (
        ReportFlag.objects.filter(report__plan_year=plan_year, report__unit__in=_units(user))
        .select_related("report__unit", "report__plan_year", "ruled_by")
        .order_by(Case(When(ruling=Ruling.OPEN, then=0), default=1), "-raised_at", "-id")
    )
    return render(
        request,
        "reporting/flags.html",
        {
            "flags": flags,
            "may_rule": permissions.is_city_office(user),
            "open": Ruling.OPEN,
            "lapsed": Ruling.LAPSED,
        },
    )


RULING_DONE = {
    Ruling.CONCEALED: gettext_lazy("已认定瞒报"),
    Ruling.WRONG: gettext_lazy("已认定错报"),
    Ruling.DISMISSED: gettext_lazy("已不予认定"),
}


@require_POST
@login_required
def flag_rule(request: HttpRequest, pk: int) -> HttpResponse:
    """The city office's ruling on one flag (认定瞒报, 认定错报 or 不予认定, with a reason)."""
    user = portal_user(request)
    permissions.require_city_office(user, _("只有市老旧办可以认定疑点"))
    flag = get_object_or_404(ReportFlag, pk=pk)
    ruling = request.POST.get("ruling", "")
    if ruling not in CITY_RULINGS:
        messages.error(request, _("请选择认定结果"))
        return redirect("reporting:flags")
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写认定理由"))
        return redirect("reporting:flags")
    try:
        reports.flag_rule(flag=flag, ruling=ruling, reason=form.cleaned_data["reason"], user=user)
    except reports.ReportConflict as conflict:
        messages.error(request, str(conflict))
    else:
        messages.success(request, RULING_DONE[Ruling(ruling)])
    return redirect("reporting:flags")


@require_POST
@login_required
def flags_check(request: HttpRequest) -> HttpResponse:
    """The city office checks every month's valid report against the records now: a background
    job, whose page shows the progress and then what the check found."""
    user = portal_user(request)
    permissions.require_city_office(user)
    job = job_start(kind="flags_check", user=user, plan_year=plan_year_for(request))
    return redirect("job_detail", pk=job.pk)


@login_required
def assessment(request: HttpRequest) -> HttpResponse:
    """The annual assessment (年度考核评价) as of the date asked for, else today; its milestones
    are judged within the plan year, and the headers say on which day."""
    user = portal_user(request)
    if permissions.unit_scope(user) is not None:
        raise PermissionDenied
    plan_year = plan_year_for(request)
    latest = reports.assessment_latest(plan_year)
    today = page_date_of(request, plan_year=plan_year, latest=latest)
    rows = reports.assessment(plan_year=plan_year, today=today)
    specs = facts.milestone_specs(plan_year=plan_year)
    return render(
        request,
        "reporting/assessment.html",
        {
            "rows": rows,
            "plan_year": plan_year,
            "as_of": today,
            "latest": latest,
            "milestone_day": reports.milestone_day(plan_year=plan_year, day=today),
            "specs": [s for s, _ in specs],
        },
    )


@login_required
def unit_month_export(request: HttpRequest, unit_id: int, month: int) -> HttpResponse:
    """A unit's monthly report for ``month`` as a workbook (the unit and the city office)."""
    unit = get_object_or_404(_units(portal_user(request)), pk=unit_id)
    if not 1 <= month <= 12:
        raise Http404
    plan_year = plan_year_for(request)
    data = build.build_unit_monthly(
        plan_year=plan_year,
        month=month,
        unit=unit,
        timeliness=timeliness_table(
            plan_year=plan_year, month=month, as_of=facts.today_local(), units=[unit]
        ),
    )
    name = f"{unit.name}{plan_year.year}年{month}月信息月报"
    if data.record is None:
        name += f"-{workbooks.WORKING_COPY}"
    return xlsx_response(workbooks.unit_monthly_workbook(data), f"{name}.xlsx")


@login_required
def city_month_export(request: HttpRequest, month: int) -> HttpResponse:
    """The city's monthly report for ``month`` as a workbook (the city office and administrators):
    GET makes it in the request; POST (the page's button) makes it in a background job."""
    user = portal_user(request)
    if permissions.unit_scope(user) is not None:
        raise PermissionDenied
    if not 1 <= month <= 12:
        raise Http404
    plan_year = plan_year_for(request)
    if request.method == "POST":
        job = job_start(
            kind="city_month_export", user=user, plan_year=plan_year, params={"month": month}
        )
        return redirect("job_detail", pk=job.pk)
    return xlsx_response(*jobs.city_month_file(plan_year=plan_year, month=month))


@login_required
def assessment_export(request: HttpRequest) -> HttpResponse:
    """The annual assessment table as a workbook, on the same day as the page: GET makes it in the
    request; POST (the page's button) makes it in a background job."""
    user = portal_user(request)
    if permissions.unit_scope(user) is not None:
        raise PermissionDenied
    plan_year = plan_year_for(request)
    today = page_date_of(request, plan_year=plan_year, latest=reports.assessment_latest(plan_year))
    if request.method == "POST":
        job = job_start(
            kind="assessment_export",
            user=user,
            plan_year=plan_year,
            params={"as_of": today.isoformat()},
        )
        return redirect("job_detail", pk=job.pk)
    return xlsx_response(*jobs.assessment_file(plan_year=plan_year, as_of=today))
