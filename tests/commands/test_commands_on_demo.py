"""check_targets and check_start_criteria on the demo programme, against sums worked out directly."""

import json
from collections import defaultdict
from datetime import date

import pytest
from django.core.management import call_command

from projects import selectors
from projects.choices import ProjectKind
from projects.models import PlanYear, Project, Unit, UnitTarget

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(programme: None) -> None:
    call_command("seed_demo", verbosity=0)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> dict:  # type: ignore[type-arg]
    call_command(*args, "--json")
    return json.loads(capsys.readouterr().out)


def expected_actuals(day: date) -> dict[str, dict[str, int]]:
    """Per unit, the households counted on ``day``, summed straight from the project rows."""
    sums: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for p in Project.objects.select_related("unit"):
        row = sums[p.unit.name]
        if p.kind == ProjectKind.CARRYOVER:
            done = p.completed_on is not None and p.completed_on <= day
            row["carryover_completed"] += p.households if done else 0
            row["carryover_projects_completed"] += done
            row["carryover_projects"] += 1
            continue
        started = p.started_on is not None and p.started_on <= day
        row["new_started"] += p.households if started else 0
        row["projects_started"] += started
        row["projects_total"] += 1
        row["new_completed"] += p.households if p.completed_on and p.completed_on <= day else 0
    return sums


def test_check_targets_on_demo(demo: None, capsys: pytest.CaptureFixture[str]) -> None:
    """On and after each due date, every unit's figure and met/missed verdict match direct sums."""
    for as_of in ("2022-06-30", "2022-10-31", "2022-12-31", "2023-02-01"):
        check_one_date(run(capsys, "check_targets", "--year", "2022", "--as-of", as_of), as_of)


def check_one_date(data: dict, as_of: str) -> None:  # type: ignore[type-arg]
    day = date.fromisoformat(as_of)
    targets = {t.unit.name: t for t in UnitTarget.objects.select_related("unit")}
    measures = {
        "carryover_completed": ("carryover_completed", "carryover", 100),
        "new_started_half": ("new_started", "new_starts", 50),
        "new_all_started": ("new_started", "new_starts", 100),
        "new_completed_70": ("new_completed", "completions", 100),
    }
    checked = 0
    for unit in data["units"]:
        for key, result in unit["milestones"].items():
            due = date.fromisoformat(result["due"])
            if due > day:
                assert result["status"] in ("met", "on_track", "at_risk", "no_target")
                continue
            measure, basis, percent = measures[key]
            sums = expected_actuals(due)[unit["unit"]]
            assert result["actual"] == sums[measure], (unit["unit"], key)
            target = getattr(targets[unit["unit"]], basis)
            if target is None:
                assert result["status"] == "no_target"
                continue
            ok = sums[measure] * 100 >= percent * target
            if key == "new_all_started":
                ok = ok and sums["projects_started"] == sums["projects_total"]
                assert result["projects_started"] == sums["projects_started"]
            if key == "carryover_completed":
                ok = ok and sums["carryover_projects_completed"] == sums["carryover_projects"]
                assert result["projects_completed"] == sums["carryover_projects_completed"]
                assert result["projects_total"] == sums["carryover_projects"]
            assert result["status"] == ("met" if ok else "missed"), (unit["unit"], key)
            checked += 1
    assert checked > 0
    city = data["city"]["milestones"]["new_started_half"]
    june = expected_actuals(date(2022, 6, 30))
    if day >= date(2022, 6, 30):
        assert city["actual"] == sum(u["new_started"] for u in june.values())


def test_check_start_criteria_on_demo(demo: None, capsys: pytest.CaptureFixture[str]) -> None:
    """Every demo project's start date is the latest of its five criteria dates, and only when all
    five are met; the stored start date agrees."""
    data = run(capsys, "check_start_criteria", "--year", "2022")
    stored = {(p.unit.name, p.name): p.started_on for p in Project.objects.select_related("unit")}
    assert len(data["projects"]) == Project.objects.filter(kind=ProjectKind.NEW).count()
    started = 0
    for row in data["projects"]:
        criteria = row["criteria"].values()
        if all(c["met"] for c in criteria):
            assert row["start_date"] == max(c["date"] for c in criteria)
            started += 1
        else:
            assert row["start_date"] is None and not row["started"]
        consent_met = row["consent_agreed"] * 100 >= 80 * row["households"]
        assert row["criteria"]["consent"]["met"] is consent_met
        expected = stored[(row["unit"], row["project"])]
        assert row["start_date"] == (expected.isoformat() if expected else None)
    assert 0 < started < len(data["projects"])


def test_stored_consent_judges_like_every_agreement_on_demo(demo: None) -> None:
    """On the demo programme (one community in eight short of consent, agreements spread over
    months), the status judged from the stored consent date and a count of agreements equals the
    one judged from every agreeing household's date, on every month's end, in fewer rows read."""
    projects = list(Project.objects.filter(kind=ProjectKind.NEW).select_related("plan_year"))
    assert any(p.consent_met_on is None for p in projects)
    assert any(p.consent_met_on is not None for p in projects)
    consent_by_month = []
    for month in range(1, 13):
        as_of = date(2022, month, 28)
        exact = selectors.start_statuses(projects=projects, as_of=as_of)
        stored = selectors.start_statuses(projects=projects, as_of=as_of, stored_consent=True)
        assert stored == exact
        consent_by_month.append({p.id for p in projects if exact[p.id].criterion("consent").met})
    # The months judged cover projects reaching consent during the year, not only before or never.
    assert consent_by_month[0] < consent_by_month[-1]


def figures_summed_in_python(
    dates: list[date],
) -> tuple[dict[int, dict[date, selectors.Figures]], dict[int, int]]:
    """Per unit, the cumulative figures on each date and the count of new projects, from each
    project row in turn."""
    sums: dict[int, dict[date, dict[str, int]]] = defaultdict(
        lambda: {day: defaultdict(int) for day in dates}
    )
    totals: dict[int, int] = defaultdict(int)
    for p in Project.objects.all():
        new = p.kind == ProjectKind.NEW
        totals[p.unit_id] += new
        for day in dates:
            row = sums[p.unit_id][day]
            done = p.completed_on is not None and p.completed_on <= day
            started = new and p.started_on is not None and p.started_on <= day
            row["carryover_completed"] += p.households if done and not new else 0
            row["new_completed"] += p.households if done and new else 0
            row["new_started"] += p.households if started else 0
            row["projects_started"] += started
            row["carryover_projects_completed"] += done and not new
    figures = {
        unit_id: {day: selectors.Figures(**values) for day, values in by_day.items()}
        for unit_id, by_day in sums.items()
    }
    return figures, dict(totals)


def test_one_statement_gives_the_grouped_figures_and_targets_on_demo(demo: None) -> None:
    """units_with_figures (what the milestone table reads) returns every unit in order with exactly
    the targets of unit_targets and the figures summed straight from the project rows, on dates
    before, during and after the year, and a unit without a target row or projects has unknown
    targets and zeros."""
    plan_year = PlanYear.objects.get(year=2022)
    extra = Unit.objects.create(name="测试新区", sort_order=5)
    dates = [date(2021, 12, 31), date(2022, 6, 30), date(2022, 10, 31), date(2023, 1, 1)]
    # Days on which a carry-over project completed and a new one started: the sums are inclusive.
    carryover = Project.objects.filter(kind=ProjectKind.CARRYOVER, completed_on__isnull=False)
    started = Project.objects.filter(kind=ProjectKind.NEW, started_on__isnull=False)
    first_done = carryover.earliest("completed_on").completed_on
    last_started = started.latest("started_on").started_on
    assert first_done is not None and last_started is not None
    dates += [first_done, last_started]
    rows = selectors.units_with_figures(plan_year=plan_year, dates=dates)
    figures, totals = figures_summed_in_python(dates)
    targets = selectors.unit_targets(plan_year=plan_year)
    assert [r.unit for r in rows] == [unit for unit, _ in targets]
    assert [r.targets for r in rows] == [t for _, t in targets]
    zeros = {day: selectors.Figures() for day in dates}
    assert [r.figures for r in rows] == [figures.get(r.unit.id, zeros) for r in rows]
    assert [r.projects_total for r in rows] == [totals.get(r.unit.id, 0) for r in rows]
    carried = Project.objects.filter(kind=ProjectKind.CARRYOVER)
    assert [r.carryover_projects_total for r in rows] == [
        carried.filter(unit=r.unit).count() for r in rows
    ]
    added = next(r for r in rows if r.unit == extra)
    assert added.targets == selectors.Targets(None, None, None) and added.figures == zeros
    assert sum(r.figures[date(2022, 10, 31)].new_started for r in rows) > 0
