"""The consultation of the residents on a renovation plan before their consent (SPEC §4).

The renovation plans and their consultation dates live in paperwork/, which projects/ may not
import: paperwork registers how to read them when it is ready (paperwork.apps), and the checks
here ask through it. Without a provider no plan counts as consulted."""

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date

from django.db.models import Count

from ..choices import ProjectKind
from ..models import Project
from ..rules.consultation import ConsultationCheck, ConsultationInput, consultation_check
from .start import agreeing_households

# How the consultation dates are read, and the one provider registered (paperwork's), if any.
ConsultationDates = Callable[[Sequence[int]], Mapping[int, date | None]]
_consultation_providers: list[ConsultationDates] = []


def consultation_dates_provider_set(provider: ConsultationDates) -> None:
    """Name the function that reads the consultation dates of projects' renovation plans."""
    _consultation_providers[:] = [provider]


def consultation_dates(*, project_ids: Sequence[int]) -> Mapping[int, date | None]:
    """Each project's renovation-plan consultation date (absent or None: never consulted)."""
    if not _consultation_providers or not project_ids:
        return {}
    return _consultation_providers[0](project_ids)


def agreement_counts_by_project(*, project_ids: Iterable[int]) -> dict[int, dict[date, int]]:
    """How many households of each project agreed on each answer date, in one grouped query (a
    row per project and day, not per household)."""
    result: dict[int, dict[date, int]] = defaultdict(dict)
    rows = (
        agreeing_households()
        .filter(project_id__in=list(project_ids), answered_on__isnull=False)
        .order_by()
        .values("project_id", "answered_on")
        .annotate(n=Count("id"))
        .values_list("project_id", "answered_on", "n")
    )
    for project_id, answered_on, n in rows:
        if answered_on is not None:  # filtered out above; says so to the type checker
            result[project_id][answered_on] = n
    return result


def consultation_checks(
    *, projects: Sequence[Project], as_of: date | None = None
) -> dict[int, ConsultationCheck]:
    """Each project judged by the consultation rule on ``as_of`` (the records as they are when
    None), in two queries whatever the number of projects."""
    ids = [p.id for p in projects]
    consulted = consultation_dates(project_ids=ids)
    agreements = agreement_counts_by_project(project_ids=ids)
    return {
        p.id: consultation_check(
            ConsultationInput(
                applies=p.kind == ProjectKind.NEW,
                started_on=p.started_on,
                consultation_on=consulted.get(p.id),
                agreements=agreements.get(p.id, {}),
            ),
            as_of=as_of,
        )
        for p in projects
    }
