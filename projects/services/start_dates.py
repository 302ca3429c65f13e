"""The computed start dates: a project's consent date, start date and criteria met, recomputed from
its records by the one start rule, and the date problems a change to them would bring."""

from collections.abc import Iterable, Sequence
from datetime import date

from simple_history.utils import bulk_update_with_history

from .. import selectors
from ..choices import ProjectKind
from ..data_version import writes_data
from ..models import PlanYear, Project, StartCriterion, User
from ..rules.project_checks import date_order_problems
from ..rules.start import start_status, stored_criteria
from ._common import BATCH


@writes_data
def projects_refresh_start(*, project_ids: Iterable[int], user: User | None = None) -> int:
    """Recompute the consent date, the start date and the criteria met stored on each project from
    its records (the one start rule); returns how many projects' dates changed. The criteria met
    are derived from records that keep their own history, so they are written without a history
    row of their own."""
    projects = list(Project.objects.filter(id__in=list(project_ids)).select_related("plan_year"))
    changed = []
    judged = []
    statuses = selectors.start_statuses(projects=projects)
    for project in projects:
        status = statuses[project.id]
        consent_on = status.criterion("consent").date
        started_on = status.started_on
        criteria_met = stored_criteria(status)
        if project.criteria_met != criteria_met:
            project.criteria_met = criteria_met
            judged.append(project)
        if (project.consent_met_on, project.started_on) != (consent_on, started_on):
            project.consent_met_on = consent_on
            project.started_on = started_on
            changed.append(project)
    if changed:
        bulk_update_with_history(
            changed,
            Project,
            ["consent_met_on", "started_on"],
            batch_size=BATCH,
            default_user=user,
            default_change_reason="开工状态重新计算",
        )
    if judged:
        Project.objects.bulk_update(judged, ["criteria_met"], batch_size=BATCH)
    return len(changed)


def project_date_problems(
    project: Project,
    *,
    criteria: dict[str, StartCriterion] | None = None,
    agree_dates: Sequence[date | None] | None = None,
) -> tuple[str, ...]:
    """The date-order problems ``project`` would have once its start date is recomputed from these
    criteria and agreeing households' answer dates (the stored ones where not given)."""
    if project.plan_year_id is None or not project.kind or not project.households:
        return ()
    ids = [project.pk] if project.pk else []
    if criteria is None:
        criteria = selectors.criteria_by_project(project_ids=ids).get(project.pk, {})
    if agree_dates is None:
        agree_dates = selectors.agree_dates_by_project(project_ids=ids).get(project.pk, [])
    status = start_status(
        selectors.start_input(
            project=project,
            consent_percent=project.plan_year.consent_percent,
            agree_dates=agree_dates,
            criteria=criteria,
        )
    )
    return tuple(
        p.message
        for p in date_order_problems(
            started_on=status.started_on,
            completed_on=project.completed_on,
            accepted_on=project.accepted_on,
            criteria_dates=selectors.criteria_dates(criteria),
        )
    )


def plan_year_consent_problems(*, plan_year: PlanYear, consent_percent: int) -> list[str]:
    """What a new consent share would break: completed projects whose start would move after their
    completion. Projects that would simply stop counting as started are named too."""
    projects = list(
        Project.objects.filter(plan_year=plan_year, kind=ProjectKind.NEW).select_related(
            "plan_year", "unit"
        )
    )
    for project in projects:
        project.plan_year.consent_percent = consent_percent
    statuses = selectors.start_statuses(projects=projects)
    problems = []
    for project in projects:
        started_on = statuses[project.id].started_on
        if project.completed_on and (started_on is None or started_on > project.completed_on):
            after = f"开工日期将为 {started_on}" if started_on else "将不再满足开工条件"
            problems.append(f"{project}：{after}，而完工日期为 {project.completed_on}")
    return problems
