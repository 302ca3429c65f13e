"""Views of the programme's facts: the home pages, and the county clerks' and leaders' data entry.

Every object is looked up through the user's scope (selectors.projects_visible /
households_visible), so an object of another unit is a 404 whatever id the URL names; writing needs
the clerk or leader role of the project's unit (403 for the city office, who reads).
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import import_jobs, permissions, previews, selectors, services
from .choices import Criterion, ProjectKind
from .consequences import Consequences, StatusChangesNeedConfirmation
from .forms import CriterionForm, HouseholdForm, ProjectFilterForm, ProjectForm, RosterImportForm
from .importing import TEMPLATES
from .jobs import job_start
from .models import Household, PersonalDataAccess, PlanYear, Project, StartCriterion
from .presenters import mask_name, mask_phone, project_as_of
from .records import project_records, record_warnings_by_project
from .rules.dwellings import dwelling_order
from .rules.start import CRITERION_LABELS, CRITERION_SHORT_LABELS
from .template_files import XLSX_CONTENT_TYPE, template_workbook_bytes
from .uploads import stored_file_response
from .view_helpers import (
    apply_errors,
    asked_date,
    error_messages,
    page_date_of,
    plan_year_for,
    portal_user,
)

PAGE_SIZE = 25


def _project_or_404(request: HttpRequest, pk: int) -> Project:
    return get_object_or_404(selectors.projects_visible(user=portal_user(request)), pk=pk)


def _writable_project_or_404(request: HttpRequest, pk: int) -> Project:
    project = _project_or_404(request, pk)
    if not permissions.may_change_unit(portal_user(request), project.unit_id):
        raise PermissionDenied(_("只有本区县的填报员和审核人可以修改本区县的数据"))
    return project


def _household_or_404(request: HttpRequest, pk: int) -> Household:
    return get_object_or_404(selectors.households_visible(user=portal_user(request)), pk=pk)


# The checkbox with which a user confirms a change's consequences (projects/_status_changes.html).
CONFIRM_STATUS_CHANGES = "confirm_status_changes"


def _status_changes_confirmed(request: HttpRequest) -> bool:
    return request.POST.get(CONFIRM_STATUS_CHANGES) == "1"


# --- downloads -----------------------------------------------------------------------------------


@login_required
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    """An empty import template (headers and one example row) as an Excel download."""
    if kind not in TEMPLATES:
        raise Http404
    response = HttpResponse(template_workbook_bytes(kind), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{kind}-template.xlsx"'
    return response


# --- projects -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListedProjects:
    """The project list's selection as its query string asks: the filters, the page's date and the
    projects (the page shows them 25 at a time, the download all of them)."""

    filters: ProjectFilterForm
    criteria: dict[str, Any]
    as_of: date | None
    projects: QuerySet[Project]


def listed_projects(request: HttpRequest, plan_year: PlanYear) -> ListedProjects:
    """The projects the user may see, filtered and searched as the request's query string says."""
    filters = ProjectFilterForm(request.GET or None)
    criteria = filters.cleaned_data if filters.is_valid() else {}
    # A dashboard's link carries its date: progress and criteria are then those of that day.
    asked, unreadable = asked_date(request)
    as_of = None if asked is None else page_date_of(request, plan_year=plan_year)
    if unreadable is not None:
        messages.warning(
            request, _("日期 %(asked)s 无效，已按当前进度显示") % {"asked": unreadable}
        )
    projects = selectors.project_search(
        projects=selectors.projects_visible(user=portal_user(request)).filter(plan_year=plan_year),
        q=(criteria.get("q") or "").strip(),
        kind=criteria.get("kind") or "",
        status=criteria.get("status") or "",
        missing=criteria.get("missing") or "",
        only=request.GET.get("only") == "1",
        evidence=criteria.get("evidence") or "",
        as_of=as_of,
    )
    if criteria.get("contact_point"):
        projects = projects.filter(contact_point=True)
    return ListedProjects(filters, criteria, as_of, projects)


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    """The projects the user may see, filtered and searched, 25 to a page."""
    user = portal_user(request)
    plan_year = plan_year_for(request)
    listed = listed_projects(request, plan_year)
    filters, criteria, as_of, projects = (
        listed.filters,
        listed.criteria,
        listed.as_of,
        listed.projects,
    )
    page = Paginator(projects, PAGE_SIZE).get_page(request.GET.get("page"))
    statuses = selectors.start_statuses(projects=list(page.object_list), as_of=as_of)
    warnings = record_warnings_by_project(list(page.object_list))
    rows = [(project_as_of(p, as_of), statuses[p.id], warnings[p.id]) for p in page.object_list]
    consultation = selectors.consultation_checks(projects=list(page.object_list), as_of=as_of)
    query = {k: str(v) for k, v in request.GET.items() if k != "page" and v}
    return render(
        request,
        "projects/project_list.html",
        {
            "filters": filters,
            "page": page,
            "rows": rows,
            "query": urlencode(query),
            "plan_year": plan_year,
            "as_of": as_of,
            "only": request.GET.get("only") == "1" and bool(criteria.get("missing")),
            "evidence_missing": criteria.get("evidence") == "missing",
            "query_today": urlencode({k: v for k, v in query.items() if k != "as_of"}),
            "may_create": permissions.own_unit(user) is not None,
            "short_labels": CRITERION_SHORT_LABELS,
            "consultation": consultation,
        },
    )


@login_required
def project_create(request: HttpRequest) -> HttpResponse:
    """A new project of the clerk's or leader's own unit (the unit is never taken from the form)."""
    user = portal_user(request)
    if user.unit is None or not permissions.may_change_unit(user, user.unit.id):
        raise PermissionDenied(_("只有区县填报员和审核人可以新建项目"))
    plan_year = plan_year_for(request)
    form = ProjectForm(request.POST or None, instance=Project(plan_year=plan_year, unit=user.unit))
    warnings: tuple[str, ...] = ()
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_create(
                plan_year=plan_year, unit=user.unit, user=user, data=form.service_data()
            )
        except ValidationError as error:
            apply_errors(form, error)
            warnings = _pending_warnings(form)
        else:
            messages.success(request, _("已新建项目“%(name)s”") % {"name": project.name})
            return redirect("project_detail", pk=project.pk)
    return render(
        request,
        "projects/project_form.html",
        {"form": form, "warnings": warnings, "title": _("新建改造项目"), "project": None},
    )


def _pending_warnings(form: ProjectForm) -> tuple[str, ...]:
    """The warnings of the project as the form would save it (shown beside the explanation)."""
    instance: Project = form.instance
    for name, value in form.cleaned_data.items():
        if hasattr(instance, name) and name != "version":
            setattr(instance, name, value)
    return services.project_check(instance).warnings


@login_required
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A project at a glance: the five criteria (which are open and why), consent, warnings."""
    project = _project_or_404(request, pk)
    check = services.project_check(project)
    # A project carried on from an earlier year shows that year's criteria, evidence and roster
    # (the same rows, read from the project it continues); the earlier one shows where it went.
    origin = selectors.roster_project(project)
    start = check if origin is project else services.project_check(origin)
    criteria = selectors.criteria_by_project(project_ids=[origin.id]).get(origin.id, {})
    counts = Household.objects.filter(project=origin).aggregate(
        records=Count("id"),
        agreed=Count("id", filter=selectors.AGREES),
    )
    rows = [
        {
            "key": state.key,
            "label": CRITERION_LABELS[state.key],
            "short": CRITERION_SHORT_LABELS[state.key],
            "state": state,
            "record": criteria.get(state.key),
        }
        for state in start.status.criteria
    ]
    needed = start.status.consent_needed
    user = portal_user(request)
    return render(
        request,
        "projects/project_detail.html",
        {
            "project": project,
            "check": check,
            "site_records": project_records(project),
            "may_mark_contact_point": permissions.is_city_office(user),
            "rows": rows,
            "records": counts["records"],
            "agreed": counts["agreed"],
            "consent_percent_tenths": (counts["agreed"] * 1000 // project.households)
            if project.households
            else 0,
            "consent_bar": min(100, counts["agreed"] * 100 // needed) if needed else 100,
            "may_write": permissions.may_change_unit(user, project.unit_id),
            "start_applies": origin.kind == ProjectKind.NEW,
            "consultation": selectors.consultation_checks(projects=[project])[project.id],
            "origin": origin if origin is not project else None,
            "start_project": origin,
            "status": start.status,
            "continuation": selectors.continuation(project),
        },
    )


@login_required
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a project. A save over someone else's newer save is refused and shows what they changed;
    the form then holds both people's changes, and saving again writes only this person's (asking,
    field by field, whose value to keep where both changed the same field)."""
    project = _writable_project_or_404(request, pk)
    form = ProjectForm(request.POST or None, instance=project)
    conflict = None
    consequences: Consequences | None = None
    clashes: tuple[services.FieldClash, ...] = ()
    keep = form.keep_choices()
    warnings = services.project_check(project).warnings
    if request.method == "POST" and form.is_valid():
        expected = form.cleaned_data.get("version") or 0
        base = form.cleaned_data.get("base_version") or expected
        try:
            saved = services.project_update(
                project_id=project.pk,
                expected_version=expected,
                base_version=base,
                keep=keep,
                user=portal_user(request),
                data=form.service_data(),
                allow_status_changes=_status_changes_confirmed(request),
            )
        except StatusChangesNeedConfirmation as refused:
            consequences = refused.consequences
        except services.StaleEdit as stale:
            conflict = stale.conflict
            form, clashes = _merged_form(
                project.pk, base_version=base, version=conflict.version, mine=form.service_data()
            )
            warnings = services.project_check(form.instance).warnings
        except services.MergeChoiceNeeded as asked:
            clashes = asked.clashes
            form.add_error(None, _("您和对方修改了同一字段，请逐项选择保留哪个值后再保存"))
        except ValidationError as error:
            apply_errors(form, error)
            warnings = _pending_warnings(form)
        else:
            messages.success(request, _("已保存项目“%(name)s”") % {"name": saved.name})
            return redirect("project_detail", pk=saved.pk)
    return render(
        request,
        "projects/project_form.html",
        {
            "form": form,
            "warnings": warnings,
            "conflict": conflict,
            "clashes": [(clash, keep.get(clash.name)) for clash in clashes],
            "title": _("编辑改造项目"),
            "project": project,
            "consequences": consequences,
        },
    )


def _merged_form(
    pk: int, *, base_version: int, version: int, mine: dict[str, Any]
) -> tuple[ProjectForm, tuple[services.FieldClash, ...]]:
    """The edit form after a conflict: the project as stored now with this person's changes laid
    over it (their value shown where both changed a field, until they choose), to be saved from
    ``version`` with the original ``base_version``."""
    current = Project.objects.select_related("plan_year", "unit").get(pk=pk)
    merge = services.project_merge(project=current, base_version=base_version, mine=mine)
    for name, value in merge.values.items():
        setattr(current, name, value)
    current.version = version
    return ProjectForm(instance=current, initial={"base_version": base_version}), merge.clashes


@login_required
def project_history(request: HttpRequest, pk: int) -> HttpResponse:
    """Who changed what on the project and its criteria, and when (django-simple-history)."""
    project = _project_or_404(request, pk)
    entries: list[dict[str, Any]] = []
    records = list(
        Project.history.filter(id=project.id)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    previous = None
    for record in records:
        changes: list[tuple[Any, Any, Any]] = []
        if previous is not None:
            delta = record.diff_against(previous)
            for change in delta.changes:
                field = Project._meta.get_field(change.field)
                old, new = change.old, change.new
                if isinstance(old, list) or isinstance(new, list):
                    if services.same_value(old, new):
                        continue  # the same terms in another order: not a change
                    old, new = "、".join(old or []), "、".join(new or [])
                changes.append((getattr(field, "verbose_name", change.field), old, new))
        previous = record
        if record.history_type == "~" and not changes:
            continue  # a save that changed nothing
        entries.append({"record": record, "what": _("项目"), "changes": changes})
    criterion_records = (
        StartCriterion.history.filter(project_id=project.id)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    for record in criterion_records:
        changes = [
            (_("满足日期"), None, record.met_on),
            (_("证明材料"), None, _("已上传") if record.evidence else _("无")),
        ]
        entries.append(
            {
                "record": record,
                "what": Criterion(record.criterion).label,
                "changes": changes,
            }
        )
    roster = (
        Household.history.filter(project_id=project.id)
        .values("history_user__username", "history_user__first_name", "history_type")
        .annotate(n=Count("history_id"))
        .order_by()
    )
    entries.sort(key=lambda e: (e["record"].history_date, e["record"].history_id), reverse=True)
    return render(
        request,
        "projects/project_history.html",
        {"project": project, "entries": entries[:200], "roster": list(roster)},
    )


# --- start criteria -----------------------------------------------------------------------------


def _criterion_or_404(criterion: str) -> Criterion:
    if criterion not in Criterion.values:
        raise Http404
    return Criterion(criterion)


def _criterion_values(
    request: HttpRequest, project: Project, key: Criterion, data: dict[str, Any]
) -> dict[str, Any]:
    """What the criterion form records, as criterion_record (and its dry run) take it."""
    return {
        "project": project,
        "criterion": key,
        "met_on": data.get("met_on"),
        "user": portal_user(request),
        "no_structures": bool(data.get("no_structures")),
        "confirmed_by": (data.get("confirmed_by") or "").strip(),
        "note": data.get("note") or "",
    }


@login_required
def criterion_edit(request: HttpRequest, pk: int, criterion: str) -> HttpResponse:
    """Record one of criteria 2–5 with its evidence."""
    project = _writable_project_or_404(request, pk)
    key = _criterion_or_404(criterion)
    origin = selectors.roster_project(project)
    if origin is not project:
        return redirect("criterion_edit", pk=origin.pk, criterion=key.value)
    if project.kind != ProjectKind.NEW:
        messages.info(request, _("续建项目已于上年开工，不适用开工认定条件"))
        return redirect("project_detail", pk=project.pk)
    record = StartCriterion.objects.filter(project=project, criterion=key).first()
    initial: dict[str, Any] = {"contractor": project.contractor}
    if record is not None:
        initial.update(
            met_on=record.met_on,
            no_structures=record.no_structures,
            confirmed_by=record.confirmed_by,
            note=record.note,
        )
    form = CriterionForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        criterion=key,
        has_evidence=bool(record and record.evidence),
    )
    consequences: Consequences | None = None
    if request.method == "POST" and not form.is_valid():
        # A confirmed save refused only for its evidence (the browser drops the file chosen before
        # the confirmation): keep showing what the save would change, so it can be confirmed again.
        if _status_changes_confirmed(request) and set(form.errors) == {"evidence"}:
            consequences = services.criterion_record_consequences(
                **_criterion_values(request, project, key, form.cleaned_data)
            )
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.criterion_record(
                **_criterion_values(request, project, key, data),
                evidence=data.get("evidence") or None,
                contractor=(data["contractor"] or "").strip() if "contractor" in data else None,
                allow_status_changes=_status_changes_confirmed(request),
            )
        except StatusChangesNeedConfirmation as refused:
            consequences = refused.consequences
            if data.get("evidence"):
                form.add_error("evidence", _("请重新选择证明材料文件后再勾选确认保存"))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已保存“%(label)s”") % {"label": key.label})
            return redirect("project_detail", pk=project.pk)
    return render(
        request,
        "projects/criterion_form.html",
        {
            "project": project,
            "form": form,
            "criterion": key,
            "label": CRITERION_LABELS[key.value],
            "record": record,
            "consequences": consequences,
        },
    )


@login_required
def evidence_download(request: HttpRequest, pk: int, criterion: str) -> FileResponse:
    """A criterion's evidence, only to users who may see the project, typed by its content."""
    project = selectors.roster_project(_project_or_404(request, pk))
    key = _criterion_or_404(criterion)
    record = StartCriterion.objects.filter(project=project, criterion=key).first()
    if record is None:
        raise Http404
    return stored_file_response(request, record.evidence, f"{project.name}-{key.label}")


# --- households ---------------------------------------------------------------------------------


@never_cache
@login_required
def household_list(request: HttpRequest, pk: int) -> HttpResponse:
    """A project's roster, names and phones masked, with the consent share (a project carried on
    from an earlier year: that year's roster, the same rows)."""
    project = _project_or_404(request, pk)
    roster = selectors.roster_project(project)
    q = (request.GET.get("q") or "").strip()
    households = Household.objects.filter(project=roster)
    if q:
        households = households.filter(
            Q(building__icontains=q) | Q(entrance__icontains=q) | Q(room__icontains=q)
        )
    # 楼栋 1, 2, …, 10 as people number them (a text sort gives 1, 10, 11, 2): the dwellings are
    # ordered in Python, then only the page's households are read.
    ordered = sorted(
        households.values_list("id", "building", "entrance", "room"),
        key=lambda r: (dwelling_order(r[1], r[2], r[3]), r[0]),
    )
    page = Paginator([r[0] for r in ordered], 50).get_page(request.GET.get("page"))
    by_id = Household.objects.in_bulk(list(page.object_list))
    listed = [by_id[i] for i in page.object_list]
    rows = [(h, mask_name(h.head_name), mask_phone(h.phone)) for h in listed]
    check = services.project_check(roster)
    return render(
        request,
        "projects/household_list.html",
        {
            "project": project,
            "origin": roster if roster is not project else None,
            "page": page,
            "rows": rows,
            "q": q,
            "status": check.status,
            "records": Household.objects.filter(project=roster).count(),
            "may_write": permissions.may_change_unit(portal_user(request), project.unit_id),
            "in_full": permissions.sees_residents_in_full(portal_user(request), project.unit_id),
        },
    )


@never_cache
@login_required
def household_create(request: HttpRequest, pk: int) -> HttpResponse:
    project = _writable_project_or_404(request, pk)
    roster = selectors.roster_project(project)
    form = HouseholdForm(request.POST or None, instance=Household(project=roster))
    consequences: Consequences | None = None
    if request.method == "POST" and form.is_valid():
        try:
            services.household_create(
                project=roster,
                user=portal_user(request),
                data=form.service_data(),
                allow_status_changes=_status_changes_confirmed(request),
            )
        except StatusChangesNeedConfirmation as refused:
            consequences = refused.consequences
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已添加住户"))
            if "save_add" in request.POST:
                return redirect("household_create", pk=project.pk)
            return redirect("household_list", pk=project.pk)
    return render(
        request,
        "projects/household_form.html",
        {
            "project": project,
            "form": form,
            "title": _("添加住户"),
            "creating": True,
            "consequences": consequences,
        },
    )


def _record_household_view(request: HttpRequest, household: Household) -> None:
    """Every page showing a household's name and phone in full leaves an access record."""
    services.personal_data_access_record(
        user=portal_user(request),
        action=PersonalDataAccess.Action.VIEW,
        unit=household.project.unit,
        household=household,
    )


@never_cache
@login_required
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The one page where a household's name and phone are shown in full."""
    household = _household_or_404(request, pk)
    _record_household_view(request, household)
    return render(
        request,
        "projects/household_detail.html",
        {
            "household": household,
            "project": household.project,
            "may_write": permissions.may_change_unit(
                portal_user(request), household.project.unit_id
            ),
        },
    )


def _writable_household_or_404(request: HttpRequest, pk: int) -> Household:
    household = _household_or_404(request, pk)
    if not permissions.may_change_unit(portal_user(request), household.project.unit_id):
        raise PermissionDenied(_("只有本区县的填报员和审核人可以修改住户记录"))
    return household


@never_cache
@login_required
def household_edit(request: HttpRequest, pk: int) -> HttpResponse:
    household = _writable_household_or_404(request, pk)
    form = HouseholdForm(request.POST or None, instance=household)
    consequences: Consequences | None = None
    if request.method == "POST" and form.is_valid():
        try:
            services.household_update(
                household=household,
                user=portal_user(request),
                data=form.service_data(),
                allow_status_changes=_status_changes_confirmed(request),
            )
        except StatusChangesNeedConfirmation as refused:
            consequences = refused.consequences
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已保存住户记录"))
            return redirect("household_detail", pk=household.pk)
    # The form shows the recorded name and phone in full, as the household's page does.
    _record_household_view(request, household)
    return render(
        request,
        "projects/household_form.html",
        {
            "project": household.project,
            "form": form,
            "title": _("编辑住户"),
            "creating": False,
            "consequences": consequences,
        },
    )


@never_cache
@login_required
def household_delete(request: HttpRequest, pk: int) -> HttpResponse:
    household = _writable_household_or_404(request, pk)
    project = household.project
    consequences: Consequences | None = None
    if request.method == "POST":
        try:
            services.household_delete(
                household=household,
                user=portal_user(request),
                allow_status_changes=_status_changes_confirmed(request),
            )
        except StatusChangesNeedConfirmation as refused:
            consequences = refused.consequences
            household = _writable_household_or_404(request, pk)  # the deletion was rolled back
            return render(
                request,
                "projects/household_confirm_delete.html",
                {"household": household, "project": project, "consequences": consequences},
            )
        except ValidationError as error:
            error_messages(request, error)
            return redirect("household_detail", pk=household.pk)
        messages.success(request, _("已删除住户 %(dwelling)s") % {"dwelling": household})
        return redirect("household_list", pk=project.pk)
    return render(
        request,
        "projects/household_confirm_delete.html",
        {"household": household, "project": project, "consequences": consequences},
    )


def _import_key(project: Project) -> str:
    return f"roster-import-{project.pk}"


def _roster_job(
    request: HttpRequest, *, project: Project, roster: Project, token: str, **params: Any
) -> HttpResponse:
    """The roster file stored under ``token`` previewed or imported by a worker (``params``: its
    dry run or confirmed status changes) for ``roster``'s households, from ``project``'s page; the
    user is sent to the job's page, which shows the progress, then the preview or the counts."""
    job = job_start(
        kind=import_jobs.HOUSEHOLDS,
        user=portal_user(request),
        unit=project.unit,
        plan_year=roster.plan_year,
        params={"token": token, "project": roster.pk, "page": project.pk, **params},
    )
    return redirect("job_detail", pk=job.pk)


@never_cache
@login_required
def household_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Import a project's roster: upload, see what would change (nothing written: the rows added,
    the values changed, the projects whose status changes and the valid reports affected), then
    confirm; a file that changes a project's status needs the confirmation checkbox too."""
    project = _writable_project_or_404(request, pk)
    roster = selectors.roster_project(project)
    form = RosterImportForm()
    result = None
    token = ""
    refused = False
    if request.method == "POST" and "confirm" in request.POST:
        token = request.POST.get("token", "")
        path = previews.preview_path(token)
        if (
            not previews.TOKEN_RE.match(token)
            or request.session.get(_import_key(project)) != token
            or not default_storage.exists(path)  # deleted by cleanup_previews
        ):
            messages.error(request, _("导入预览已过期，请重新上传文件"))
            return redirect("household_import", pk=project.pk)
        with default_storage.open(path, "rb") as handle:
            large = import_jobs.runs_as_job(handle.read())
        if large:
            # Imported by a worker: the job's page shows the progress, then the counts.
            return _roster_job(
                request,
                project=project,
                roster=roster,
                token=token,
                allow_status_changes=_status_changes_confirmed(request),
            )
        try:
            with default_storage.open(path, "rb") as handle:
                result = services.households_import(
                    source=handle,
                    plan_year=roster.plan_year,
                    user=portal_user(request),
                    project=roster,
                    allow_status_changes=_status_changes_confirmed(request),
                )
        except StatusChangesNeedConfirmation:
            # Nothing was written: the preview is shown again with the reason and the checkbox.
            refused = True
            with default_storage.open(path, "rb") as handle:
                result = services.households_import(
                    source=handle,
                    plan_year=roster.plan_year,
                    user=portal_user(request),
                    project=roster,
                    dry_run=True,
                )
        if not refused:
            # Imported, or refused for errors found at confirmation: either way the preview is done.
            previews.preview_delete(request.session.pop(_import_key(project), None))
        if result.ok and not refused:
            messages.success(
                request,
                _("导入完成：新增 %(created)d 户，更新 %(updated)d 户，未变 %(unchanged)d 户")
                % {
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                },
            )
            return redirect("household_list", pk=project.pk)
    elif request.method == "POST":
        form = RosterImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > settings.IMPORT_MAX_FILE_BYTES:
                form.add_error("file", _("文件过大"))
            else:
                # A new upload abandons the preview before it: its file goes now.
                previews.preview_delete(request.session.pop(_import_key(project), None))
                content = upload.read()
                if import_jobs.runs_as_job(content):
                    # Previewed by a worker: the job's page shows the progress, then the preview
                    # with the same confirm form.
                    token = previews.preview_save(content)
                    request.session[_import_key(project)] = token
                    return _roster_job(
                        request, project=project, roster=roster, token=token, dry_run=True
                    )
                result = services.households_import(
                    source=ContentFile(content),
                    plan_year=roster.plan_year,
                    user=portal_user(request),
                    project=roster,
                    dry_run=True,
                )
                if result.ok:
                    token = previews.preview_save(content)
                    request.session[_import_key(project)] = token
    return render(
        request,
        "projects/household_import.html",
        {
            "project": project,
            "form": form,
            "result": result,
            "token": token,
            "refused": refused,
            "consequences": result.consequences if result is not None else None,
        },
    )


@require_POST
@login_required
def household_import_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    project = _writable_project_or_404(request, pk)
    previews.preview_delete(request.session.pop(_import_key(project), None))
    return redirect(reverse("household_list", kwargs={"pk": project.pk}))
