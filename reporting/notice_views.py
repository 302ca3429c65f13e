"""Notices (通报): the city office drafts one for a period and downloads it as a Word document,
then records the notice it issued (number, date, signed scan); every user sees the issued notices
they may (a unit: those naming it)."""

from datetime import date
from typing import Any
from urllib.parse import quote, urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from projects import permissions
from projects import selectors as facts
from projects.models import PlanYear, Unit, User
from projects.rules.dates import cn_date
from projects.rules.periods import PeriodKind, ReportPeriod, report_period
from projects.rules.reports import report_due
from projects.uploads import EvidenceField, stored_file_response
from projects.view_helpers import plan_year_for, portal_user

from . import notices
from .exports.notice import notice_docx
from .models import Notice, PeriodKindChoice

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class PeriodForm(forms.Form):
    """The period a notice covers within one plan year: a month, a quarter, or January to a month."""

    kind = forms.ChoiceField(label=gettext_lazy("通报期间"), choices=PeriodKindChoice.choices)
    year = forms.IntegerField(
        label=gettext_lazy("年度"),
        error_messages={"invalid": gettext_lazy("年度须为四位数字，例如 2022")},
    )
    month = forms.TypedChoiceField(
        label=gettext_lazy("月份（月度：该月；年初至今：1月至该月）"),
        choices=[(m, f"{m}月") for m in range(1, 13)],
        coerce=int,
        required=False,
    )
    quarter = forms.TypedChoiceField(
        label=gettext_lazy("季度"),
        choices=[
            (1, gettext_lazy("一季度")),
            (2, gettext_lazy("二季度")),
            (3, gettext_lazy("三季度")),
            (4, gettext_lazy("四季度")),
        ],
        coerce=int,
        required=False,
    )

    def clean_year(self) -> PlanYear:
        year = self.cleaned_data["year"]
        plan_year = PlanYear.objects.filter(year=year).first()
        if plan_year is None:
            known = "、".join(str(y) for y in PlanYear.objects.values_list("year", flat=True))
            raise ValidationError(
                _("没有 %(year)s 年的年度计划，请检查年份（已有：%(known)s）"),
                params={"year": year, "known": known},
            )
        return plan_year

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        plan_year = data.get("year")
        kind = data.get("kind")
        if plan_year is None or kind is None:
            return data
        field = "quarter" if kind == PeriodKind.QUARTER else "month"
        if data.get(field) in (None, ""):
            self.add_error(field, _("请选择季度") if field == "quarter" else _("请选择月份"))
            return data
        data["period"] = report_period(kind=kind, year=plan_year.year, number=data[field])
        return data


class DraftForm(PeriodForm):
    """A period and the notice's date: the day its counts are judged on and printed in Chinese."""

    day = forms.DateField(
        label=gettext_lazy("通报日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        period: ReportPeriod | None = data.get("period")
        day = data.get("day")
        if period is not None and day is not None:
            if day <= period.end:
                self.add_error(
                    "day",
                    _("通报日期须晚于通报期间的最后一天（%(end)s）") % {"end": cn_date(period.end)},
                )
            elif day > facts.today_local():
                self.add_error("day", _("通报日期不能晚于今天"))
        return data


class RecordForm(PeriodForm):
    """An issued notice: its period, number (文号), issue date, signed scan and the units it names."""

    number = forms.CharField(label=gettext_lazy("文号"), max_length=60)
    issued_on = forms.DateField(
        label=gettext_lazy("印发日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    scan = EvidenceField(label=gettext_lazy("签发件扫描件（PDF、JPEG 或 PNG）"))
    units = forms.ModelMultipleChoiceField(
        label=gettext_lazy("通报涉及的县区"),
        queryset=Unit.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("请选择通报涉及的县区")},
    )


def default_period(plan_year: PlanYear, today: date) -> dict[str, Any]:
    """The form's starting point: the latest month of the plan year whose report was due before
    today (its outcome settled), dated today."""
    month = 1
    for m in range(1, 13):
        if report_due(year=plan_year.year, month=m, due_day=plan_year.report_due_day) < today:
            month = m
    return {
        "kind": PeriodKind.MONTH.value,
        "year": plan_year.year,
        "month": month,
        "quarter": (month + 2) // 3,
        "day": today,
    }


def _is_city(user: User) -> bool:
    return permissions.is_city_office(user)


def _page(
    request: HttpRequest,
    *,
    draft_form: DraftForm | None,
    record_form: RecordForm | None,
    status: int = 200,
) -> HttpResponse:
    user = portal_user(request)
    context: dict[str, Any] = {
        "notices": notices.notices_for(user=user),
        "draft_form": draft_form,
        "record_form": record_form,
        "may_record": _is_city(user),
    }
    if draft_form is not None and draft_form.is_valid():
        data = draft_form.cleaned_data
        draft = notices.notice_draft(plan_year=data["year"], period=data["period"], day=data["day"])
        context["document"] = notices.notice_document(draft)
        context["named_units"] = draft.named_units
        context["query"] = urlencode(
            {
                "kind": data["kind"],
                "year": data["year"].year,
                "month": data.get("month") or "",
                "quarter": data.get("quarter") or "",
                "day": data["day"].isoformat(),
            }
        )
        if record_form is None and _is_city(user):
            context["record_form"] = RecordForm(
                initial={
                    "kind": data["kind"],
                    "month": data.get("month"),
                    "quarter": data.get("quarter"),
                    "year": data["year"].year,
                    "issued_on": data["day"],
                    "units": [u.pk for u in draft.named_units],
                }
            )
    return render(request, "reporting/notices.html", context, status=status)


def _draft_form(request: HttpRequest) -> DraftForm | None:
    """The draft form for the city office and administrators: bound to the query when it names a
    period, else filled with the default period."""
    if permissions.unit_scope(portal_user(request)) is not None:
        return None
    if "kind" in request.GET:
        return DraftForm(request.GET)
    plan_year = plan_year_for(request)
    return DraftForm(default_period(plan_year, facts.today_local()))


@login_required
def notice_list(request: HttpRequest) -> HttpResponse:
    """The issued notices the user may see; for the city office, the draft of a notice for the
    period asked (default: the latest month settled) with its download and the record form."""
    return _page(request, draft_form=_draft_form(request), record_form=None)


@login_required
def notice_docx_download(request: HttpRequest) -> HttpResponse:
    """The drafted notice as a Word document, for the office to edit and issue."""
    form = _draft_form(request)
    if form is None:
        raise PermissionDenied
    if not form.is_valid():
        return _page(request, draft_form=form, record_form=None, status=400)
    data = form.cleaned_data
    period: ReportPeriod = data["period"]
    draft = notices.notice_draft(plan_year=data["year"], period=period, day=data["day"])
    document = notices.notice_document(draft)
    response = HttpResponse(notice_docx(document), content_type=DOCX)
    filename = f"{document.title}（{data['day']:%Y%m%d}）.docx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@login_required
def notice_record(request: HttpRequest) -> HttpResponse:
    """The city office records a notice it issued."""
    user = portal_user(request)
    if not _is_city(user):
        raise PermissionDenied(_("只有市老旧办可以登记通报"))
    form = RecordForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            notice = notices.notice_record(
                plan_year=data["year"],
                period=data["period"],
                number=data["number"],
                issued_on=data["issued_on"],
                scan=data["scan"],
                units=list(data["units"]),
                user=user,
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("已登记通报 %(number)s") % {"number": notice.number})
            return redirect("reporting:notices")
    return _page(request, draft_form=_draft_form(request), record_form=form)


@login_required
def notice_scan(request: HttpRequest, pk: int) -> FileResponse:
    """The signed copy of an issued notice, to the units it names and the city office."""
    notice = get_object_or_404(notices.notices_for(user=portal_user(request)), pk=pk)
    return stored_file_response(request, notice.scan, notice_filename(notice))


def notice_filename(notice: Notice) -> str:
    return f"{notice.number}-{notice.period.label}"
