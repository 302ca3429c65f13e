"""Trial reporting (试填报): a plan year's trial months run the whole report workflow but are left out
of timeliness (迟报/漏报) and the annual assessment; the city office sets them with a reason."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from projects.choices import Role
from projects.models import PlanYear, Unit, User
from projects.rules.reports import Timeliness
from reporting import reports, targets
from reporting.models import MonthlyReport, ReportFlag
from tests.factories import UserFactory
from tests.reporting.test_reports import at, stamp

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(programme: None) -> dict[str, User]:
    yicheng = Unit.objects.get(name="驿城区")
    return {
        "clerk": UserFactory(role=Role.CLERK, unit=yicheng),
        "leader": UserFactory(role=Role.LEADER, unit=yicheng),
        "city": UserFactory(role=Role.CITY, unit=None),
    }


def plan_year() -> PlanYear:
    return PlanYear.objects.get(year=2022)


def approve(people: dict[str, User], month: int, day: date) -> MonthlyReport:
    report = reports.report_open(
        plan_year=plan_year(), unit=people["clerk"].unit, month=month, user=people["clerk"]
    )
    report = reports.report_submit(report=report, user=people["clerk"], at=at(day, 9))
    return reports.report_approve(
        report=report, stamp=stamp(), user=people["leader"], at=at(day, 23)
    )


def yicheng_row(day: date) -> reports.AssessmentRow:
    return next(
        r for r in reports.assessment(plan_year=plan_year(), today=day) if r.unit.name == "驿城区"
    )


def test_trial_months_are_left_out_of_the_assessment(people: dict[str, User]) -> None:
    """As of May 20th with January and February trial months: January approved late (Feb 10th),
    February never, with a flag on January ruled 认定瞒报 and January returned for wrong figures
    first; March approved on time, April never. Only March and April are due: on time 1, 漏报 1,
    no 迟报, no 错报, no 瞒报. Without trial months the same records give 4 due, 迟报 1, 漏报 2."""
    city = people["city"]
    january = approve(people, 1, date(2022, 2, 10))
    returned = reports.report_return(
        report=january, reason="数据有误", wrong_figures=True, user=city, at=at(date(2022, 2, 11))
    )
    corrected = reports.report_submit(
        report=reports.report_correct(report=returned, user=people["clerk"]), user=people["clerk"]
    )
    corrected = reports.report_approve(report=corrected, stamp=stamp(), user=people["leader"])
    flag = ReportFlag.objects.create(report=corrected, kind="differs", figure="f", detail="1月")
    reports.flag_rule(flag=flag, ruling="concealed", reason="核实", user=city)
    ReportFlag.objects.filter(pk=flag.pk).update(ruled_at=at(date(2022, 2, 12)))
    approve(people, 3, date(2022, 4, 5))
    row = yicheng_row(date(2022, 5, 20))
    assert (row.due, row.on_time, row.late, row.missing) == (4, 1, 1, 2)
    assert (row.wrong, row.concealed) == (1, 1)
    targets.plan_year_trial_months_set(
        plan_year=plan_year(), months=[2, 1], reason="全市试运行", user=city
    )
    row = yicheng_row(date(2022, 5, 20))
    assert (row.due, row.on_time, row.late, row.missing) == (2, 1, 0, 1)
    assert (row.wrong, row.concealed) == (0, 0)
    statuses = reports.unit_timeliness(
        plan_year=plan_year(), unit=people["clerk"].unit, today=date(2022, 5, 20), valid_on={}
    )
    assert [s.timeliness for s in statuses[:3]] == [
        Timeliness.TRIAL,
        Timeliness.TRIAL,
        Timeliness.MISSING,
    ]


def test_only_the_city_office_sets_trial_months_with_a_reason(people: dict[str, User]) -> None:
    """Units may not set trial months; a reason is needed; months are 1–12; the history keeps who
    and why; the months are stored in order."""
    with pytest.raises(PermissionDenied):
        targets.plan_year_trial_months_set(
            plan_year=plan_year(), months=[1], reason="试", user=people["leader"]
        )
    with pytest.raises(ValidationError):
        targets.plan_year_trial_months_set(
            plan_year=plan_year(), months=[1], reason=" ", user=people["city"]
        )
    with pytest.raises(ValidationError) as refused:
        targets.plan_year_trial_months_set(
            plan_year=plan_year(), months=[13], reason="试", user=people["city"]
        )
    assert refused.value.message_dict["months"] == ["试填报月份须为 1 至 12 的整数"]
    saved = targets.plan_year_trial_months_set(
        plan_year=plan_year(), months=[3, 1], reason="全市试运行", user=people["city"]
    )
    assert saved.trial_months == [1, 3]
    record = saved.history.latest()  # type: ignore[attr-defined]
    assert (record.history_user, record.history_change_reason) == (people["city"], "全市试运行")


def test_pages_say_trial(people: dict[str, User]) -> None:
    """The city ticks January on its page; the report matrix heads January 试填报 and its cells say
    试填报 (not 漏报); January's report page carries the 试填报 badge, February's does not."""
    city = Client()
    city.force_login(people["city"])
    response = city.post(
        reverse("reporting:trial_months"), {"months": ["1"], "reason": "全市试运行"}
    )
    assert response.status_code == 302
    assert plan_year().trial_months == [1]
    assert "试填报月份：1月" in city.get(reverse("reporting:targets")).content.decode()
    clerk = Client()
    clerk.force_login(people["clerk"])
    page = clerk.get(reverse("reporting:reports")).content.decode()
    assert 'data-trial="1"' in page and 'data-trial="2"' not in page
    assert 'data-month="1" data-timeliness="trial"' in page
    unit = people["clerk"].unit
    january = clerk.get(reverse("reporting:report_month", args=[unit.pk, 1])).content.decode()
    february = clerk.get(reverse("reporting:report_month", args=[unit.pk, 2])).content.decode()
    assert 'id="trial-badge"' in january and 'id="trial-badge"' not in february
