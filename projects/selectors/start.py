"""What the start rule reads of projects and their records (agreeing households, recorded criteria),
in a fixed number of queries, and the start statuses and warnings judged from them."""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, QuerySet

from ..choices import Criterion, ProjectKind
from ..models import Household, Project, StartCriterion, Unit
from ..rules.message import Message
from ..rules.project_checks import (
    Funding,
    completion_warnings,
    funding_problems,
    missing_pipeline_contents,
)
from ..rules.start import AGREEING_ANSWERS, StartInput, StartStatus, start_status

# The households that agree (rules.start.agrees), as a condition on Household: built from the
# rule's own answers, and a test checks the two agree on every pair of answers.
AGREES = Q(**AGREEING_ANSWERS)


def agreeing_households() -> QuerySet[Household]:
    """Households that agreed to both the plan and the management mode (rules.start.agrees)."""
    return Household.objects.filter(AGREES)


def criteria_dates(criteria: dict[str, StartCriterion]) -> dict[str, date | None]:
    """The recorded criteria's dates by their Chinese label, for the date-order check."""
    return {str(Criterion(k).label): row.met_on for k, row in criteria.items()}


def project_funding(project: Project) -> Funding:
    return Funding(
        total=project.investment,
        central=project.fund_central,
        provincial=project.fund_provincial,
        city=project.fund_city,
        county=project.fund_county,
        social=project.fund_social,
        credit=project.fund_credit,
        residents=project.fund_residents,
    )


def subsidised_unit_names(*, plan_year_id: int) -> tuple[str, ...]:
    """The units whose projects may have 市级补助 in the plan year, in unit order (one query)."""
    return tuple(
        Unit.objects.filter(subsidised_plan_years=plan_year_id)
        .order_by("sort_order", "id")
        .values_list("name", flat=True)
    )


def project_warnings(
    *, project: Project, status: StartStatus, subsidised_units: Sequence[str] | None = None
) -> list[str]:
    """The checks of SPEC §4 shown on a project without blocking it: funding, 应改尽改 and a
    completion recorded before the project meets the start criteria. ``subsidised_units`` (from
    ``subsidised_unit_names``) is read here when the caller, checking one project, has not."""
    if subsidised_units is None:
        subsidised_units = subsidised_unit_names(plan_year_id=project.plan_year_id)
    warnings = list(
        funding_problems(
            unit=project.unit.name,
            funding=project_funding(project),
            subsidised_units=subsidised_units,
        )
    )
    missing = missing_pipeline_contents(
        hazards=frozenset(project.hazards or ()), contents=frozenset(project.contents or ())
    )
    if missing:
        warnings.append(Message("checks.pipelines_left_out", pipelines="、".join(missing)))
    warnings += completion_warnings(
        start_applies=project.kind == ProjectKind.NEW,
        started_on=status.started_on,
        completed_on=project.completed_on,
    )
    return warnings


def agree_dates_by_project(*, project_ids: Iterable[int]) -> dict[int, list[date | None]]:
    """The answer dates of the households that agreed to both plan and management mode, per project."""
    result: dict[int, list[date | None]] = defaultdict(list)
    rows = (
        agreeing_households()
        .filter(project_id__in=list(project_ids))
        .order_by()  # not the households' default order: it joins and sorts by project and unit
        .values_list("project_id", "answered_on")
    )
    for project_id, answered_on in rows:
        result[project_id].append(answered_on)
    return result


def agreements_by_project(*, project_ids: Iterable[int], as_of: date | None) -> dict[int, int]:
    """How many households of each project had agreed, with a date, by ``as_of`` (ever when None):
    what the start rule counts, in one grouped query."""
    rows = agreeing_households().filter(project_id__in=list(project_ids), answered_on__isnull=False)
    if as_of is not None:
        rows = rows.filter(answered_on__lte=as_of)
    grouped = rows.order_by().values("project_id").annotate(n=Count("id"))
    return dict(grouped.values_list("project_id", "n"))


def criteria_by_project(*, project_ids: Iterable[int]) -> dict[int, dict[str, StartCriterion]]:
    result: dict[int, dict[str, StartCriterion]] = defaultdict(dict)
    for row in StartCriterion.objects.filter(project_id__in=list(project_ids)):
        result[row.project_id][row.criterion] = row
    return result


@dataclass(frozen=True)
class CriterionRecord:
    """What the start rule reads of a recorded criterion (a StartCriterion without the model: many
    projects' criteria are read as plain values)."""

    met_on: date | None
    no_structures: bool
    confirmed_by: str
    evidence: str


def criterion_records_by_project(
    *, project_ids: Iterable[int]
) -> dict[int, dict[str, CriterionRecord]]:
    """Each project's recorded criteria as plain values, in one query."""
    result: dict[int, dict[str, CriterionRecord]] = defaultdict(dict)
    rows = (
        StartCriterion.objects.filter(project_id__in=list(project_ids))
        .order_by()
        .values_list(
            "project_id", "criterion", "met_on", "no_structures", "confirmed_by", "evidence"
        )
    )
    for project_id, criterion, met_on, no_structures, confirmed_by, evidence in rows:
        result[project_id][criterion] = CriterionRecord(
            met_on, no_structures, confirmed_by, evidence or ""
        )
    return result


def start_input(
    *,
    project: Project,
    consent_percent: int,
    agree_dates: Sequence[date | None],
    criteria: Mapping[str, StartCriterion | CriterionRecord],
    agreed_as_of: int | None = None,
) -> StartInput:
    """The plain values the start rule reads, built from a project and its records; with
    ``agreed_as_of`` (the agreements counted up to the day judged) the consent date is the stored
    one instead of being recomputed from ``agree_dates``."""

    def met_on(key: str) -> date | None:
        row = criteria.get(key)
        return row.met_on if row else None

    structures = criteria.get(Criterion.STRUCTURES_CLEARED)
    return StartInput(
        applies=project.kind == ProjectKind.NEW,
        households=project.households,
        agree_dates=tuple(agree_dates),
        consent_percent=consent_percent,
        structures_cleared_on=met_on(Criterion.STRUCTURES_CLEARED),
        no_structures=bool(structures and structures.no_structures),
        structures_confirmed_by=structures.confirmed_by if structures else "",
        design_posted_on=met_on(Criterion.DESIGN_POSTED),
        contractor=project.contractor,
        contract_signed_on=met_on(Criterion.CONTRACT_SIGNED),
        on_site_on=met_on(Criterion.ON_SITE),
        evidenced=frozenset(k for k, row in criteria.items() if row.evidence),
        agreed_as_of=agreed_as_of,
        consent_reached_on=project.consent_met_on if agreed_as_of is not None else None,
    )


def start_statuses(
    *, projects: Sequence[Project], as_of: date | None = None, stored_consent: bool = False
) -> dict[int, StartStatus]:
    """The start status of each project (its ``plan_year`` selected), in two queries whatever the
    number of projects.

    With ``stored_consent`` the households are counted in SQL and the consent date is the one the
    start rule stored (``consent_met_on``), instead of every agreeing household's date being read:
    the same status, for pages and reports that judge many projects as of a day. Whatever writes
    the records recomputes the stored dates without it."""
    inputs = start_inputs(projects=projects, as_of=as_of, stored_consent=stored_consent)
    return {p.id: start_status(inputs[p.id], as_of=as_of) for p in projects}


def start_inputs(
    *, projects: Sequence[Project], as_of: date | None = None, stored_consent: bool = False
) -> dict[int, StartInput]:
    """What the start rule reads of each project, in two queries (see start_statuses); without
    ``stored_consent`` the same inputs judge the project on any day."""
    ids = [p.id for p in projects]
    agree = {} if stored_consent else agree_dates_by_project(project_ids=ids)
    counts = agreements_by_project(project_ids=ids, as_of=as_of) if stored_consent else {}
    criteria = criterion_records_by_project(project_ids=ids)
    return {
        p.id: start_input(
            project=p,
            consent_percent=p.plan_year.consent_percent,
            agree_dates=agree.get(p.id, []),
            criteria=criteria.get(p.id, {}),
            agreed_as_of=counts.get(p.id, 0) if stored_consent else None,
        )
        for p in projects
    }
