"""The project list: a plan year's projects in list order, filtered by kind, progress, a criterion
still open or evidence missing, and searched by name, address and contractor."""

from collections.abc import Iterable
from datetime import date

from django.db.models import Count, Q, QuerySet

from ..choices import ProjectKind
from ..models import Household, PlanYear, Project, Unit
from ..rules.start import CRITERIA, EVIDENCED_CRITERIA


def project_list(
    *, plan_year: PlanYear, unit: Unit | None = None, kind: str | None = None
) -> QuerySet[Project]:
    qs = Project.objects.filter(plan_year=plan_year).select_related("unit", "plan_year")
    if unit is not None:
        qs = qs.filter(unit=unit)
    if kind is not None:
        qs = qs.filter(kind=kind)
    return qs.order_by("unit__sort_order", "name", "id")


PROJECT_STATUSES: dict[str, str] = {
    "not_started": "未开工",
    "started": "已开工未完工",
    "completed": "已完工未验收",
    "accepted": "已验收移交",
    "not_completed": "未完工",
    "carryover_open": "续建未完工",
}


def reached(day: date | None, as_of: date | None) -> bool:
    """A recorded date has been reached on ``as_of`` (on any day when ``as_of`` is None)."""
    return day is not None and (as_of is None or day <= as_of)


def _not_reached(field: str, as_of: date | None) -> Q:
    """``field`` (a date) not reached on ``as_of``: empty, or later than that day."""
    empty = Q(**{f"{field}__isnull": True})
    return empty if as_of is None else empty | Q(**{f"{field}__gt": as_of})


def _criterion_missing(key: str, as_of: date | None = None) -> Q:
    """Projects where criterion ``key`` does not hold (on ``as_of`` when given), read from the
    criteria met the start rule stored (``Project.criteria_met``, rules.start.stored_criteria): not
    met on the records, or met on a later day. A criterion holds on a day exactly when it holds on
    the records and its date is not later, so the stored dates serve any day."""
    missing = ~Q(criteria_met__has_key=key)
    if as_of is not None:
        # ISO dates compare as their text does.
        missing |= Q(**{f"criteria_met__{key}__on__gt": as_of.isoformat()})
    return missing


def _evidence_missing(as_of: date | None = None) -> Q:
    """Projects with a start criterion met (on ``as_of`` when given) but not backed by its photo or
    scan (未核验), read from the start rule's stored judgement (``Project.criteria_met``)."""
    unbacked = Q(pk__in=[])
    for key in sorted(EVIDENCED_CRITERIA):
        one = Q(**{f"criteria_met__{key}__verified": False})
        if as_of is not None:
            one &= Q(**{f"criteria_met__{key}__on__lte": as_of.isoformat()})
        unbacked |= one
    return unbacked


EVIDENCE_FILTERS: dict[str, str] = {"missing": "未核验（已填日期未上传证明材料）"}


def project_search(
    *,
    projects: QuerySet[Project],
    q: str = "",
    kind: str = "",
    status: str = "",
    missing: str = "",
    only: bool = False,
    evidence: str = "",
    as_of: date | None = None,
) -> QuerySet[Project]:
    """The project list filtered by kind, progress, a criterion still open, and a search of the
    name, address and contractor, in the list's order; progress and criteria as they stood on
    ``as_of`` when given (a dashboard's date), else as recorded; with ``only``, the projects lacking
    ``missing`` and no other criterion; with ``evidence="missing"``, the projects with a criterion
    dated but not backed by its evidence (未核验). Nothing is counted per row here: a
    city's list of tens of thousands of projects is paged, and a page counts its own
    (start_statuses)."""
    if q:
        projects = projects.filter(
            Q(name__icontains=q) | Q(address__icontains=q) | Q(contractor__icontains=q)
        )
    if kind:
        projects = projects.filter(kind=kind)
    started, completed, accepted = (
        ~_not_reached(f, as_of) for f in ("started_on", "completed_on", "accepted_on")
    )
    if status == "not_started":
        projects = projects.filter(Q(kind=ProjectKind.NEW) & ~started)
    elif status == "started":
        projects = projects.filter(started & ~completed)
    elif status == "completed":
        projects = projects.filter(completed & ~accepted)
    elif status == "accepted":
        projects = projects.filter(accepted)
    elif status == "not_completed":
        projects = projects.filter(~completed)
    elif status == "carryover_open":
        projects = projects.filter(Q(kind=ProjectKind.CARRYOVER) & ~completed)
    if missing:
        projects = projects.filter(Q(kind=ProjectKind.NEW) & _criterion_missing(missing, as_of))
        if only:  # lacking that criterion alone: every other one holds
            for other in CRITERIA:
                if other != missing:
                    projects = projects.exclude(_criterion_missing(other, as_of))
    if evidence == "missing":
        projects = projects.filter(_evidence_missing(as_of))
    return projects.order_by("unit__sort_order", "name", "id")


def household_records_by_project(*, project_ids: Iterable[int]) -> dict[int, int]:
    """How many household records each project has, in one grouped query."""
    rows = (
        Household.objects.filter(project_id__in=list(project_ids)).order_by().values("project_id")
    )
    return dict(rows.annotate(n=Count("id")).values_list("project_id", "n"))
