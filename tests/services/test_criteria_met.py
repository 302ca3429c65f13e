"""The criteria met stored on each project (Project.criteria_met) are the start rule's judgement, and
the project list's criterion and evidence filters read them: the filters and the rule agree."""

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from projects import selectors, services
from projects.choices import Criterion, Opinion, ProjectKind
from projects.models import Household, Project, StartCriterion
from projects.rules.start import CRITERIA, agrees, start_status, stored_criteria
from tests.factories import HouseholdFactory, ProjectFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("programme")]

FIRST = date(2022, 3, 1)


def missing_by_filter(key: str, as_of: date | None = None) -> set[str]:
    found = selectors.project_search(projects=Project.objects.all(), missing=key, as_of=as_of)
    return {p.name for p in found}


def missing_by_rule(key: str, as_of: date | None = None) -> set[str]:
    projects = list(Project.objects.filter(kind=ProjectKind.NEW).select_related("plan_year"))
    statuses = selectors.start_statuses(projects=projects, as_of=as_of)
    return {p.name for p in projects if key in statuses[p.id].missing}


def test_no_structures_confirmed_by_spaces_is_missing_for_filter_and_rule() -> None:
    """Regression (issue 15, "each rule once"): "无违建" confirmed by a name of only spaces is not
    confirmed; the list's 违建拆除 filter finds the project, as the start rule does, and finds the
    project confirmed by a named person not."""
    spaces, named = ProjectFactory(name="空格"), ProjectFactory(name="具名")
    for project, confirmer in ((spaces, "   "), (named, "张三")):
        StartCriterion.objects.create(
            project=project,
            criterion=Criterion.STRUCTURES_CLEARED,
            met_on=FIRST,
            no_structures=True,
            confirmed_by=confirmer,
        )
    services.projects_refresh_start(project_ids=[spaces.id, named.id])
    key = Criterion.STRUCTURES_CLEARED
    assert missing_by_rule(key) == {"空格"}
    assert missing_by_filter(key) == {"空格"}
    assert missing_by_filter(key, as_of=FIRST) == {"空格"}


def test_contractor_of_only_spaces_is_not_a_contract() -> None:
    """A contract dated with a contractor of only spaces is not met (the rule strips the name): the
    施工合同 filter finds it and the 未核验 filter does not."""
    project = ProjectFactory(name="甲", contractor="  ")
    StartCriterion.objects.create(
        project=project, criterion=Criterion.CONTRACT_SIGNED, met_on=FIRST
    )
    services.projects_refresh_start(project_ids=[project.id])
    assert missing_by_filter(Criterion.CONTRACT_SIGNED) == {"甲"}
    assert not selectors.project_search(projects=Project.objects.all(), evidence="missing")


def test_criterion_record_stores_the_criteria_met() -> None:
    """Recording a criterion through the service stores its date and that no evidence backs it."""
    project = ProjectFactory(name="甲")
    services.criterion_record(
        project=project, criterion=Criterion.ON_SITE, met_on=date(2022, 3, 5), user=None
    )
    project.refresh_from_db()
    assert project.criteria_met == {"on_site": {"on": "2022-03-05", "verified": False}}


# --- the property: for varied projects, stored field = rule, filters = rule on any day -------------

DAYS = st.integers(min_value=0, max_value=6).map(lambda n: FIRST + timedelta(days=n))
MAYBE_DAY = st.one_of(st.none(), DAYS)
OPINION = st.sampled_from([Opinion.AGREE, Opinion.DISAGREE, Opinion.UNDECIDED])
NAME = st.sampled_from(["", " ", "\u3000", "张三"])
RECORD = st.fixed_dictionaries(
    {
        "met_on": MAYBE_DAY,
        "no_structures": st.booleans(),
        "confirmed_by": NAME,
        "evidence": st.sampled_from(["", "evidence/a.pdf"]),
    }
)
PROJECT = st.fixed_dictionaries(
    {
        "kind": st.sampled_from([ProjectKind.NEW, ProjectKind.NEW, ProjectKind.CARRYOVER]),
        "households": st.integers(min_value=1, max_value=4),
        "answers": st.lists(st.tuples(OPINION, OPINION, DAYS), max_size=4),
        "contractor": st.sampled_from(["", "  ", "某建设公司"]),
        "records": st.dictionaries(st.sampled_from(Criterion.values), RECORD),
    }
)


def build(index: int, spec: dict[str, Any]) -> Project:
    project = ProjectFactory(
        name=f"项目{index}",
        kind=spec["kind"],
        households=max(spec["households"], len(spec["answers"])),
        contractor=spec["contractor"],
    )
    for plan, management, answered_on in spec["answers"]:
        HouseholdFactory(
            project=project,
            plan_opinion=plan,
            management_opinion=management,
            answered_on=answered_on,
        )
    for key, record in spec["records"].items():
        if record["no_structures"] and not record["confirmed_by"]:
            record = {**record, "confirmed_by": " "}  # the table's constraint wants some text
        if key != Criterion.STRUCTURES_CLEARED:
            record = {**record, "no_structures": False}
        StartCriterion.objects.create(project=project, criterion=key, **record)
    return project


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=st.lists(PROJECT, min_size=1, max_size=4), as_of=MAYBE_DAY)
def test_stored_criteria_and_filters_are_the_rule(
    specs: list[dict[str, Any]], as_of: date | None
) -> None:
    """For any projects, the stored criteria met equal the start rule's judgement, and on any day
    each criterion filter and the 未核验 filter list exactly the projects the rule names."""
    with transaction.atomic():
        projects = [build(i, spec) for i, spec in enumerate(specs)]
        services.projects_refresh_start(project_ids=[p.id for p in projects])
        stored = dict(Project.objects.values_list("id", "criteria_met"))
        listed = list(Project.objects.select_related("plan_year"))
        inputs = selectors.start_inputs(projects=listed)
        for project in listed:
            assert stored[project.id] == stored_criteria(start_status(inputs[project.id]))
        for key in CRITERIA:
            assert missing_by_filter(key, as_of) == missing_by_rule(key, as_of), key
        unverified = {
            p.name
            for p in listed
            if any(
                c.met and not c.verified for c in start_status(inputs[p.id], as_of=as_of).criteria
            )
        }
        found = selectors.project_search(
            projects=Project.objects.all(), evidence="missing", as_of=as_of
        )
        assert {p.name for p in found} == unverified
        transaction.set_rollback(True)
    assert not Household.objects.exists()


def test_agrees_in_python_and_in_sql_are_one_condition() -> None:
    """ "Household agrees" is one definition: for every pair of answers, rules.start.agrees and
    selectors.AGREES (the Q-expression the lists, counts and consent use) pick the same households."""
    project = ProjectFactory(households=9)
    pairs = [(plan, management) for plan in Opinion.values for management in Opinion.values]
    for plan, management in pairs:
        HouseholdFactory(project=project, plan_opinion=plan, management_opinion=management)
    by_sql = set(
        Household.objects.filter(selectors.AGREES).values_list("plan_opinion", "management_opinion")
    )
    by_rule = {(p, m) for p, m in pairs if agrees(plan_opinion=p, management_opinion=m)}
    assert by_sql == by_rule == {(Opinion.AGREE, Opinion.AGREE)}
