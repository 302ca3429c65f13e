"""One date per page (issue 13): every panel of a page headed 截至 D is judged on D, its links keep D,
and the overview's completion share is the one the completion milestone judges, under one name."""

import re
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from paperwork.models import ImplementationPlan
from paperwork.selectors.overview import unit_paperwork
from projects import services
from projects.choices import Criterion, ProjectKind, Role
from projects.models import PlanYear, Project, StartCriterion, Unit, User
from tests.clock import today_is
from tests.factories import HouseholdFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def yicheng(programme: None) -> Unit:
    return Unit.objects.get(name="驿城区")


@pytest.fixture
def clerk(yicheng: Unit) -> User:
    return UserFactory(role=Role.CLERK, unit=yicheng)


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(client: Client, url: str, **query: str) -> str:
    response = client.get(url, query)
    assert response.status_code == 200, response.status_code
    return str(response.content.decode())


@pytest.fixture
def on_site_in_august(yicheng: Unit) -> Project:
    """甲: every household agreed on 1 March, three criteria met on 2 March, on site on 1 August, so
    started on 2022-08-01 (the last criterion); 乙: a carry-over project completed on 2022-09-15."""
    project = ProjectFactory(name="甲", households=2, contractor="某公司")
    HouseholdFactory.create_batch(2, project=project, answered_on=date(2022, 3, 1))
    for key, day in (
        (Criterion.STRUCTURES_CLEARED, date(2022, 3, 2)),
        (Criterion.DESIGN_POSTED, date(2022, 3, 2)),
        (Criterion.CONTRACT_SIGNED, date(2022, 3, 2)),
        (Criterion.ON_SITE, date(2022, 8, 1)),
    ):
        StartCriterion.objects.create(project=project, criterion=key, met_on=day)
    ProjectFactory(name="乙", kind=ProjectKind.CARRYOVER, completed_on=date(2022, 9, 15))
    services.projects_refresh_start(project_ids=[project.id])
    project.refresh_from_db()
    assert project.started_on == date(2022, 8, 1)
    return project


def test_unit_home_blockers_are_judged_on_the_page_date(
    clerk: User, on_site_in_august: Project
) -> None:
    """On 30 June the project started in August is not started (lacking only 进场施工) and the
    carry-over project completed in September is open; on 30 September neither blocks."""
    client = client_of(clerk)
    june = page(client, reverse("home"), as_of="2022-06-30")
    assert "已开工项目 0/1" in june
    assert "1 个新开工项目尚未开工" in june
    assert "其中 1 个仅缺“进场施工”" in june
    assert "1 个续建项目尚未完工" in june
    september = page(client, reverse("home"), as_of="2022-09-30")
    assert "已开工项目 1/1" in september
    assert "0 个新开工项目尚未开工" in september
    assert "0 个续建项目尚未完工" in september


def test_unit_home_links_keep_the_page_date(clerk: User, on_site_in_august: Project) -> None:
    """The blockers' links carry the page's date, and the list they open shows the same projects
    the count names: 甲 is not started on 30 June, though it is started today."""
    client = client_of(clerk)
    june = page(client, reverse("home"), as_of="2022-06-30")
    link = re.search(r'href="(/projects/\?status=not_started&amp;as_of=2022-06-30)"', june)
    assert link is not None
    listed = page(client, link.group(1).replace("&amp;", "&"))
    assert ">甲</a>" in listed and "进度和开工条件按2022年6月30日当天的记录显示" in listed
    assert ">甲</a>" not in page(client, reverse("project_list"), status="not_started")
    carryover = page(client, reverse("project_list"), status="carryover_open", as_of="2022-06-30")
    assert ">乙</a>" in carryover
    assert ">乙</a>" not in page(client, reverse("project_list"), status="carryover_open")


def test_project_list_missing_criterion_on_a_date(clerk: User, on_site_in_august: Project) -> None:
    """The 'lacking 进场施工' filter on 30 June finds 甲 (on site only in August); today it does not."""
    client = client_of(clerk)
    on_day = page(
        client,
        reverse("project_list"),
        status="not_started",
        missing=Criterion.ON_SITE,
        as_of="2022-06-30",
    )
    assert ">甲</a>" in on_day
    assert ">甲</a>" not in page(client, reverse("project_list"), missing=Criterion.ON_SITE)


def test_paperwork_is_judged_on_the_page_date(
    plan_year: PlanYear, yicheng: Unit, clerk: User
) -> None:
    """The implementation plan (due 2022-02-28) submitted on 2022-03-10: on 5 March it is overdue and
    not submitted; on 30 June it was submitted late."""
    ImplementationPlan.objects.create(
        plan_year=plan_year, unit=yicheng, submitted_on=date(2022, 3, 10), document="plans/x.pdf"
    )
    (march,) = unit_paperwork(plan_year=plan_year, today=date(2022, 3, 5), units=[yicheng])
    assert march.plan_submitted_on is None and march.plan_overdue
    (june,) = unit_paperwork(plan_year=plan_year, today=date(2022, 6, 30), units=[yicheng])
    assert june.plan_submitted_on == date(2022, 3, 10) and not june.plan_in_time
    assert not june.plan_overdue
    home = page(client_of(clerk), reverse("home"), as_of="2022-03-05")
    assert "计划与检查（截至2022年3月5日）" in home and "逾期未报送" in home


def test_overview_paperwork_panel_is_judged_on_the_page_date(
    plan_year: PlanYear, yicheng: Unit
) -> None:
    """The city overview's 计划与检查 table is headed with the page's date and judged on it."""
    ImplementationPlan.objects.create(
        plan_year=plan_year, unit=yicheng, submitted_on=date(2022, 3, 10), document="plans/x.pdf"
    )
    city = client_of(UserFactory(role=Role.CITY, unit=None))
    march = page(city, reverse("reporting:overview"), as_of="2022-03-05")
    assert "计划与检查（截至2022年3月5日）" in march
    row = re.search(r'data-paperwork-unit="驿城区".*?</tr>', march, re.S)
    assert row is not None and "逾期未报" in row.group(0)
    june = page(city, reverse("reporting:overview"), as_of="2022-06-30")
    row = re.search(r'data-paperwork-unit="驿城区".*?</tr>', june, re.S)
    assert row is not None and "2022年3月10日" in row.group(0) and "逾期报送" in row.group(0)


def test_overview_completion_share_is_the_one_the_milestone_judges(
    plan_year: PlanYear, yicheng: Unit
) -> None:
    """驿城区 completes 2361 households (completion target 3363, new-start target 4804): the table
    and the chart both show 2361 ÷ 3363 = 70.2 % (rounded down) as 完工率（占完成改造目标）: the
    chart no longer measures completions against the new-start target (49.1 %)."""
    project = ProjectFactory(name="丙", households=2361)
    Project.objects.filter(pk=project.pk).update(
        started_on=date(2022, 4, 1), completed_on=date(2022, 11, 1)
    )
    city = client_of(UserFactory(role=Role.CITY, unit=None))
    overview = page(city, reverse("reporting:overview"), as_of="2022-12-31")
    assert (
        '完工率<br><small class="fw-normal text-body-secondary">占完成改造目标</small>' in overview
    )
    assert "完工率（占完成改造目标，对照100%）" in overview
    row = re.search(r'<tr[^>]*data-unit="驿城区".*?</tr>', overview, re.S)
    assert row is not None and "70.2%" in row.group(0)
    # The same share sits beside the milestone that judges it: 2361 of the 3363 it needs.
    cell = re.search(r'<td data-milestone="new_completed_70".*?</td>', row.group(0), re.S)
    assert cell is not None and "2361 / 3363" in cell.group(0)
    assert (
        '<small class="figure d-block text-body-secondary" data-share>70.2%</small>'
        in cell.group(0)
    )
    chart_rows = re.search(r'class="table table-sm mb-0 chart-data">.*?</table>', overview, re.S)
    assert chart_rows is not None
    yicheng_row = re.search(r"<tr><td>驿城区</td>.*?</tr>", chart_rows.group(0))
    assert yicheng_row is not None
    # 区县, 开工率 (2361 ÷ 4804 = 49.1 %), 完工率, 续建完成率 (no carry-over completed: 0.0 %).
    cells = re.findall(r"<td[^>]*>(.*?)</td>", yicheng_row.group(0))
    assert cells == ["驿城区", "49.1%", "70.2%", "0.0%"]


def test_assessment_counts_stand_on_today_and_its_milestones_on_the_year_end(
    plan_year: PlanYear, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reports are settled and ruled after the year ends, so the assessment's counts default to
    today (a day asked for is kept), while its milestones are read on the earlier of that day and
    2022-12-31 — the dashboards' default — and the milestone headers say so."""
    from reporting import reports

    today_is(monkeypatch, date(2023, 3, 1))
    assert reports.assessment_day(plan_year=plan_year) == date(2023, 3, 1)
    assert reports.assessment_day(plan_year=plan_year, asked=date(2022, 7, 9)) == date(2022, 7, 9)
    assert reports.milestone_day(plan_year=plan_year, day=date(2023, 3, 1)) == date(2022, 12, 31)
    assert reports.milestone_day(plan_year=plan_year, day=date(2022, 7, 9)) == date(2022, 7, 9)
    city = client_of(UserFactory(role=Role.CITY, unit=None))
    text = page(city, reverse("reporting:assessment"))
    assert "2022年度考核评价（截至2023年3月1日）" in text
    assert "按2022年12月31日判断" in text
    assert "按2022年7月9日判断" not in page(
        city, reverse("reporting:assessment"), as_of="2022-07-09"
    )


def test_lacking_only_one_criterion_lists_the_projects_the_home_counts(
    clerk: User, on_site_in_august: Project
) -> None:
    """On 30 June the home counts 甲 as lacking only 进场施工; 戊 lacks 进场施工 and 设计公示. The
    home's link lists 甲 alone (the count's projects); the plain 进场施工 filter lists both."""
    other = ProjectFactory(name="戊", households=1, contractor="某公司")
    HouseholdFactory(project=other, answered_on=date(2022, 3, 1))
    for key in (Criterion.STRUCTURES_CLEARED, Criterion.CONTRACT_SIGNED):
        StartCriterion.objects.create(project=other, criterion=key, met_on=date(2022, 3, 2))
    services.projects_refresh_start(project_ids=[other.id])
    client = client_of(clerk)
    home = page(client, reverse("home"), as_of="2022-06-30")
    assert "其中 1 个仅缺“进场施工”" in home
    link = re.search(r'href="(/projects/\?status=not_started&amp;missing=on_site[^"]*)"', home)
    assert link is not None and "only=1" in link.group(1)
    listed = page(client, link.group(1).replace("&amp;", "&"))
    assert ">甲</a>" in listed and ">戊</a>" not in listed
    both = page(client, reverse("project_list"), missing=Criterion.ON_SITE, as_of="2022-06-30")
    assert ">甲</a>" in both and ">戊</a>" in both


@pytest.mark.parametrize(
    ("asked", "warning"),
    [
        ("2202-06-30", "日期 2202-06-30 不在 2022 年度内，已按 2022年12月31日 显示"),
        ("2021-06-30", "日期 2021-06-30 不在 2022 年度内，已按 2022年1月1日 显示"),
        ("2022-02-30", "日期 2022-02-30 无效，已按 2022年12月31日 显示"),
    ],
)
def test_a_typed_date_out_of_the_year_or_invalid_is_replaced_visibly(
    clerk: User, plan_year: PlanYear, monkeypatch: pytest.MonkeyPatch, asked: str, warning: str
) -> None:
    """A date outside the plan year or no date at all is not silently replaced: the unit's page and
    the city overview say which day they show instead (today being 2023-03-01, the default is
    2022-12-31)."""
    today_is(monkeypatch, date(2023, 3, 1))
    assert warning in page(client_of(clerk), reverse("home"), as_of=asked)
    city = client_of(UserFactory(role=Role.CITY, unit=None))
    assert warning in page(city, reverse("reporting:overview"), as_of=asked)


def test_a_date_in_the_year_gives_no_warning(clerk: User, plan_year: PlanYear) -> None:
    """A date inside the plan year, or none asked for, is shown with no warning."""
    for query in ({"as_of": "2022-06-30"}, {}, {"as_of": ""}):
        text = page(client_of(clerk), reverse("home"), **query)
        assert "不在 2022 年度内" not in text and "无效" not in text
    city = client_of(UserFactory(role=Role.CITY, unit=None))
    assert "无效" not in page(city, reverse("reporting:overview"))
    assert "无效" not in page(city, reverse("project_list"))


def test_assessment_clips_a_typed_date_like_the_other_pages(
    plan_year: PlanYear, monkeypatch: pytest.MonkeyPatch
) -> None:
    """2202-06-30 on the assessment is clipped to today (its counts may stand after the year ends,
    never on a day to come) with the warning; 2021-06-30 to the year's first day."""
    today_is(monkeypatch, date(2023, 3, 1))
    city = client_of(UserFactory(role=Role.CITY, unit=None))
    text = page(city, reverse("reporting:assessment"), as_of="2202-06-30")
    assert "截至2202年6月30日" not in text
    assert "2022年度考核评价（截至2023年3月1日）" in text
    assert "日期 2202-06-30 不在 2022 年度内，已按 2023年3月1日 显示" in text
    early = page(city, reverse("reporting:assessment"), as_of="2021-06-30")
    assert "2022年度考核评价（截至2022年1月1日）" in early
    assert reports_day(plan_year, date(2023, 1, 15)) == date(2023, 1, 15)


def reports_day(plan_year: PlanYear, asked: date) -> date:
    from reporting import reports

    return reports.assessment_day(plan_year=plan_year, asked=asked)


def test_project_list_says_an_invalid_date_is_ignored(clerk: User, plan_year: PlanYear) -> None:
    """The project list with ?as_of=2022-02-30 shows current progress and says so."""
    text = page(client_of(clerk), reverse("project_list"), as_of="2022-02-30")
    assert "日期 2022-02-30 无效，已按当前进度显示" in text


def test_inspections_keep_the_date_when_the_unit_is_unknown(plan_year: PlanYear) -> None:
    """An unknown unit on the inspection list is named and left out; the date is still honoured."""
    city = client_of(UserFactory(role=Role.CITY, unit=None))
    response = city.get(
        reverse("paperwork:inspection_list"), {"unit": "999", "as_of": "2022-12-31"}
    )
    assert response.status_code == 200
    assert response.context["today"] == date(2022, 12, 31)
    assert "区县 999 不存在，已显示全部区县" in response.content.decode()
