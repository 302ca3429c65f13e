"""Target maintenance (SPEC §1, §6): the city office fills in the targets the source lost and names the
units of the unassigned carry-over figures 30 and 2113, with who/when/why kept; a change that breaks
the city totals is refused with the rule's reason.

Hand-worked figures of the 2022 fixtures: the annex units add up to 10641 new starts and 7450
completions, so 15948 − 10641 = 5307 and 11164 − 7450 = 3714 are unallocated; the carry-over targets
962 + 328 + 1082 + 161 = 2533 and the unassigned 30 + 2113 make the city's 4676.
"""

import io
import re
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects import selectors
from projects.choices import Role
from projects.models import PlanYear, UnassignedCarryover, Unit, UnitTarget, User
from reporting import targets
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REASON = "依据驻旧改〔2022〕2号补录"


@pytest.fixture
def city(programme: None) -> User:
    return UserFactory(username="city", role=Role.CITY, unit=None, first_name="市老旧办张科")


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def html(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return str(response.content.decode())


def unit(name: str) -> Unit:
    return Unit.objects.get(name=name)


def target_of(name: str) -> UnitTarget:
    return UnitTarget.objects.get(plan_year__year=2022, unit__name=name)


def item(households: int) -> UnassignedCarryover:
    return UnassignedCarryover.objects.get(plan_year__year=2022, households=households)


def post_targets(client: Client, name: str, **fields: Any) -> Any:
    data = {"new_starts": "", "completions": "", "carryover": "", "reason": REASON}
    data.update({k: "" if v is None else str(v) for k, v in fields.items()})
    return client.post(reverse("reporting:target_edit", args=[unit(name).pk]), data)


def stored_targets() -> list[tuple[str, int | None, int | None, int | None]]:
    return list(
        UnitTarget.objects.order_by("unit__sort_order").values_list(
            "unit__name", "new_starts", "completions", "carryover"
        )
    )


# --- filling in a lost target ---------------------------------------------------------------------


def test_fixture_remainders_as_worked_out_by_hand(plan_year: PlanYear) -> None:
    """Before any change 5307 new starts and 3714 completions are unallocated and the carry-over
    total reconciles with 30 and 2113 unassigned."""
    check = selectors.target_reconciliation(plan_year=plan_year)
    assert check.problems == ()
    assert (check.unallocated_new_starts, check.unallocated_completions) == (5307, 3714)
    assert check.unallocated_carryover == 0


def test_filling_queshan_fills_completions_and_keeps_history(
    city: User, plan_year: PlanYear
) -> None:
    """确山县 with 1000 new starts and completions left blank: completions become 700, the
    unallocated new starts drop from 5307 to 4307 (completions 3714 → 3014), and the history keeps
    the user and the reason."""
    response = post_targets(logged_in(city), "确山县", new_starts=1000)
    assert response.status_code == 302
    saved = target_of("确山县")
    assert (saved.new_starts, saved.completions, saved.carryover) == (1000, 700, None)
    check = selectors.target_reconciliation(plan_year=plan_year)
    assert (check.unallocated_new_starts, check.unallocated_completions) == (4307, 3014)
    assert check.problems == ()
    record = saved.history.latest()  # type: ignore[attr-defined]
    assert record.history_user == city and record.history_change_reason == REASON
    page = html(logged_in(city).get(reverse("reporting:targets")))
    assert re.search(r'data-remainder="new_starts">4307<', page)
    assert "市老旧办张科" in page and REASON in page and "新开工目标（户）：— → 1000 户" in page


def test_service_fills_completions_by_the_rule(city: User, plan_year: PlanYear) -> None:
    """The service itself fills a blank completion target with 70 % rounded half up (475 → 333)."""
    saved = targets.unit_target_set(
        plan_year=plan_year,
        unit=unit("泌阳县"),
        new_starts=475,
        completions=None,
        carryover=None,
        reason=REASON,
        user=city,
    )
    assert saved.completions == 333


def test_sum_over_the_city_total_is_refused_with_the_rule_message(
    city: User, plan_year: PlanYear
) -> None:
    """5308 for 确山县 pushes the units' new starts to 15949 > 15948: refused with the rule's
    message beside the field, the input kept, nothing saved."""
    before = stored_targets()
    page = html(post_targets(logged_in(city), "确山县", new_starts=5308))
    assert re.search(
        r'id="error_\d+_id_new_starts".*?各区县新开工目标合计 15949 户超过全市目标 15948 户',
        page,
        re.S,
    )
    assert "各区县完成改造目标合计 11166 户超过全市目标 11164 户" in page
    assert 'value="5308"' in page and f'value="{REASON}"' in page
    assert stored_targets() == before
    assert not UnitTarget.history.filter(unit__name="确山县").exists()  # type: ignore[attr-defined]


def test_completions_below_70_percent_are_refused(city: User, plan_year: PlanYear) -> None:
    """699 completions for 1000 new starts are refused beside the completion field (rule: 700),
    even with a reason."""
    before = stored_targets()
    page = html(
        post_targets(
            logged_in(city), "确山县", new_starts=1000, completions=699, completions_reason="承诺"
        )
    )
    assert re.search(
        r'id="error_\d+_id_completions".*?确山县：完成改造目标 699 户低于新开工 1000 户的 70%'
        r"（四舍五入为 700 户），不能少于 700 户",
        page,
        re.S,
    )
    assert stored_targets() == before


def test_completions_above_70_percent_need_a_reason(city: User, plan_year: PlanYear) -> None:
    """701 completions for 1000 new starts ("以上"): refused beside the reason field without one,
    saved with one, the reason kept on the target, shown in the list and in the history."""
    client = logged_in(city)
    before = stored_targets()
    page = html(post_targets(client, "确山县", new_starts=1000, completions=701))
    assert re.search(r'id="error_\d+_id_completions_reason".*?须填写提高目标的理由', page, re.S)
    assert stored_targets() == before
    response = post_targets(
        client, "确山县", new_starts=1000, completions=701, completions_reason="县政府承诺多完成"
    )
    assert response.status_code == 302
    saved = target_of("确山县")
    assert (saved.completions, saved.completions_reason) == (701, "县政府承诺多完成")
    assert saved.history.latest().completions_reason == "县政府承诺多完成"  # type: ignore[attr-defined]
    assert selectors.target_reconciliation(plan_year=plan_year).problems == ()
    listed = html(client.get(reverse("reporting:targets")))
    assert "高于比例：县政府承诺多完成" in listed
    # Back down to the least figure: the reason no longer applies and is cleared.
    assert post_targets(client, "确山县", new_starts=1000, completions=700).status_code == 302
    assert target_of("确山县").completions_reason == ""


def test_check_targets_names_a_higher_target_without_reason(
    city: User, plan_year: PlanYear
) -> None:
    """A higher completion target written without a reason (e.g. loaded by hand) is a problem the
    check names; the same figure with a reason is not."""
    UnitTarget.objects.filter(unit__name="驿城区").update(completions=3364)
    problems = selectors.target_reconciliation(plan_year=plan_year).problems
    assert problems == (
        "驿城区：完成改造目标 3364 户高于新开工 4804 户的 70%（3363 户），须填写提高目标的理由",
    )
    UnitTarget.objects.filter(unit__name="驿城区").update(completions_reason="承诺多完成")
    assert selectors.target_reconciliation(plan_year=plan_year).problems == ()
    UnitTarget.objects.filter(unit__name="驿城区").update(completions=3362)
    assert "不能少于 3363 户" in selectors.target_reconciliation(plan_year=plan_year).problems[0]


def test_completions_without_new_starts_are_refused(city: User, plan_year: PlanYear) -> None:
    """A completion target without a new-start target is refused by the rule's pairing check."""
    with pytest.raises(ValidationError) as refused:
        targets.unit_target_set(
            plan_year=plan_year,
            unit=unit("确山县"),
            new_starts=None,
            completions=500,
            carryover=None,
            reason=REASON,
            user=city,
        )
    assert refused.value.message_dict["completions"] == [
        "确山县：新开工目标与完成改造目标须同时填写或同时空缺"
    ]
    assert target_of("确山县").completions is None


def test_carryover_over_the_city_total_is_refused(city: User) -> None:
    """One more carry-over household for 正阳县 makes 4677 > 4676: refused beside the field."""
    page = html(post_targets(logged_in(city), "正阳县", carryover=1))
    assert re.search(
        r'id="error_\d+_id_carryover".*?各区县续建目标合计 4677 户超过全市目标 4676 户', page, re.S
    )
    assert target_of("正阳县").carryover == 0


def test_a_reason_is_required(city: User, plan_year: PlanYear) -> None:
    """Without a reason the form and the service both refuse and nothing is saved."""
    page = html(post_targets(logged_in(city), "确山县", new_starts=1000, reason=""))
    assert re.search(r'id="error_\d+_id_reason".*?请填写修改原因', page, re.S)
    assert 'value="1000"' in page
    with pytest.raises(ValidationError) as refused:
        targets.unit_target_set(
            plan_year=plan_year,
            unit=unit("确山县"),
            new_starts=1000,
            completions=None,
            carryover=None,
            reason="   ",
            user=city,
        )
    assert "reason" in refused.value.message_dict
    assert target_of("确山县").new_starts is None


def test_an_unchanged_target_is_not_written(city: User, plan_year: PlanYear) -> None:
    """Saving 驿城区's figures as they are writes no history entry."""
    with pytest.raises(ValidationError, match="未作修改"):
        targets.unit_target_set(
            plan_year=plan_year,
            unit=unit("驿城区"),
            new_starts=4804,
            completions=3363,
            carryover=962,
            reason=REASON,
            user=city,
        )
    assert not UnitTarget.history.exists()  # type: ignore[attr-defined]


def test_an_existing_problem_elsewhere_does_not_block_a_change(
    city: User, plan_year: PlanYear
) -> None:
    """A wrong figure already stored for 驿城区 (say, from the admin) is shown on the page but does
    not block filling in 确山县: only problems the change itself would bring are refused."""
    UnitTarget.objects.filter(unit__name="驿城区").update(completions=3000)
    post_targets(logged_in(city), "确山县", new_starts=1000)
    assert target_of("确山县").completions == 700
    page = html(logged_in(city).get(reverse("reporting:targets")))
    assert "驿城区：完成改造目标 3000 户低于新开工 4804 户的 70%" in page


# --- assigning the unassigned carry-over figures ----------------------------------------------------


def test_assigning_30_to_zhengyang(city: User, plan_year: PlanYear) -> None:
    """30 assigned to 正阳县: its carry-over goes 0 → 30, the total still reconciles, 30 is no
    longer unassigned anywhere, and both histories keep who and why."""
    client = logged_in(city)
    response = client.post(
        reverse("reporting:carryover_assign", args=[item(30).pk]),
        {"unit": unit("正阳县").pk, "reason": REASON},
    )
    assert response.status_code == 302
    assert target_of("正阳县").carryover == 30
    check = selectors.target_reconciliation(plan_year=plan_year)
    assert check.problems == () and check.unallocated_carryover == 0
    report = selectors.milestone_report(plan_year=plan_year, as_of=plan_year.year_end)
    assert report.unassigned_carryover == [2113]
    assigned = item(30)
    assert assigned.assigned_unit == unit("正阳县") and assigned.assigned_by == city
    assert assigned.assigned_at is not None and assigned.reason == REASON
    record = assigned.history.latest()  # type: ignore[attr-defined]
    assert record.history_user == city and record.history_change_reason == REASON
    target_record = target_of("正阳县").history.latest()  # type: ignore[attr-defined]
    assert target_record.history_change_reason == REASON
    page = html(client.get(reverse("reporting:targets")))
    assert 'data-unassigned="2113"' in page and 'data-unassigned="30"' not in page
    assert "未列明区县的续建目标 30 户指定给正阳县" in page
    assert "续建目标（户）：0 户 → 30 户" in page


def test_assigning_to_a_unit_without_a_carryover_target_counts_it_as_0(
    city: User, plan_year: PlanYear
) -> None:
    """2113 assigned to 确山县, whose carry-over target is unknown, makes it 2113."""
    targets.carryover_assign(item=item(2113), unit=unit("确山县"), reason=REASON, user=city)
    assert target_of("确山县").carryover == 2113
    assert selectors.target_reconciliation(plan_year=plan_year).problems == ()


def test_a_figure_is_assigned_only_once(city: User) -> None:
    """Assigning 30 again is refused and changes nothing; its page sends the user back."""
    targets.carryover_assign(item=item(30), unit=unit("正阳县"), reason=REASON, user=city)
    with pytest.raises(ValidationError, match="已指定给正阳县"):
        targets.carryover_assign(item=item(30), unit=unit("确山县"), reason=REASON, user=city)
    assert target_of("正阳县").carryover == 30 and target_of("确山县").carryover is None
    response = logged_in(city).get(reverse("reporting:carryover_assign", args=[item(30).pk]))
    assert response.status_code == 302


def test_assigning_needs_a_unit_and_a_reason(city: User) -> None:
    """The assignment form names its missing fields beside them and assigns nothing."""
    page = html(
        logged_in(city).post(
            reverse("reporting:carryover_assign", args=[item(30).pk]), {"unit": "", "reason": ""}
        )
    )
    assert re.search(r'id="error_\d+_id_unit".*?请选择区县', page, re.S)
    assert re.search(r'id="error_\d+_id_reason".*?请填写修改原因', page, re.S)
    assert item(30).assigned_unit is None


def test_assign_page_shows_current_carryover_targets(city: User) -> None:
    """The unit choices show each unit's current carry-over target (未填 when unknown)."""
    page = html(logged_in(city).get(reverse("reporting:carryover_assign", args=[item(30).pk])))
    assert "正阳县（现续建目标 0 户）" in page and "确山县（现续建目标 未填）" in page


# --- who may ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.CLERK, Role.LEADER])
def test_unit_clerks_and_leaders_get_403(programme: None, role: str) -> None:
    """A unit's clerk or leader is refused every target page, GET and POST, and the services."""
    user = UserFactory(role=role, unit=Unit.objects.get(name="驿城区"))
    client = logged_in(user)
    urls = [
        reverse("reporting:targets"),
        reverse("reporting:target_edit", args=[unit("驿城区").pk]),
        reverse("reporting:carryover_assign", args=[item(30).pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 403
        assert client.post(url, {"new_starts": 1, "unit": 1, "reason": REASON}).status_code == 403
    with pytest.raises(PermissionDenied):
        targets.carryover_assign(item=item(30), unit=unit("驿城区"), reason=REASON, user=user)
    with pytest.raises(PermissionDenied):
        targets.unit_target_set(
            plan_year=PlanYear.objects.get(year=2022),
            unit=unit("驿城区"),
            new_starts=4804,
            completions=3363,
            carryover=963,
            reason=REASON,
            user=user,
        )
    assert target_of("驿城区").carryover == 962 and item(30).assigned_unit is None


def test_anonymous_users_are_sent_to_log_in(programme: None) -> None:
    """The target list asks an anonymous visitor to log in."""
    response = Client().get(reverse("reporting:targets"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_administrator_may_set_targets(programme: None, plan_year: PlanYear) -> None:
    """A superuser (administrator) fills in a target like the city office."""
    admin = User.objects.create_superuser("root", password="Zmd-test-2022!")
    assert post_targets(logged_in(admin), "新蔡县", new_starts=100).status_code == 302
    assert target_of("新蔡县").completions == 70


def test_unknown_ids_are_404(city: User) -> None:
    """A unit or carry-over figure that does not exist is a 404 for the city office."""
    client = logged_in(city)
    assert client.get(reverse("reporting:target_edit", args=[9999])).status_code == 404
    assert client.get(reverse("reporting:carryover_assign", args=[9999])).status_code == 404


# --- the list -----------------------------------------------------------------------------------


def test_target_list_shows_unknowns_and_remainders(city: User) -> None:
    """Unknown targets show "—", the remainders 5307/3714/0 and both unassigned figures with a
    指定区县 button each."""
    page = html(logged_in(city).get(reverse("reporting:targets")))
    row = re.search(r'<tr data-unit="确山县">.*?</tr>', page, re.S)
    assert row is not None and row.group(0).count(">—<") == 3
    assert re.search(r'data-remainder="new_starts">5307<', page)
    assert re.search(r'data-remainder="completions">3714<', page)
    assert re.search(r'data-remainder="carryover">0<', page)
    assert page.count("指定区县</a>") == 2
    for figure in (30, 2113):
        assert reverse("reporting:carryover_assign", args=[item(figure).pk]) in page


def test_target_list_query_count_is_constant_in_the_history(
    city: User, plan_year: PlanYear
) -> None:
    """The list runs as many queries with 1 change in the history as with 8 changes by two users."""
    client = logged_in(city)
    other = UserFactory(role=Role.CITY, unit=None)
    targets.unit_target_set(
        plan_year=plan_year,
        unit=unit("确山县"),
        new_starts=100,
        completions=None,
        carryover=None,
        reason=REASON,
        user=city,
    )
    with CaptureQueriesContext(connection) as one:
        html(client.get(reverse("reporting:targets")))
    for n, name in enumerate(["泌阳县", "新蔡县", "确山县", "平舆县", "正阳县"]):
        targets.unit_target_set(
            plan_year=plan_year,
            unit=unit(name),
            new_starts=200 + n,
            completions=None,
            carryover=target_of(name).carryover,
            reason=f"{REASON}（{n}）",
            user=other if n % 2 else city,
        )
    targets.carryover_assign(item=item(30), unit=unit("正阳县"), reason=REASON, user=other)
    targets.carryover_assign(item=item(2113), unit=unit("泌阳县"), reason=REASON, user=city)
    with CaptureQueriesContext(connection) as eight:
        page = html(client.get(reverse("reporting:targets")))
    assert len(eight) == len(one)
    assert page.count(f"{REASON}（") == 5


def test_check_fixtures_refuses_a_higher_target_without_reason(plan_year: PlanYear) -> None:
    """check_fixtures applies the same completion rule: 3364 for 驿城区 without a reason fails with
    the rule's message; with the reason stored it passes."""
    from django.core.management import CommandError, call_command

    UnitTarget.objects.filter(unit__name="驿城区").update(completions=3364)
    with pytest.raises(CommandError):
        call_command("check_fixtures", stdout=io.StringIO(), stderr=io.StringIO())
    UnitTarget.objects.filter(unit__name="驿城区").update(completions_reason="县政府承诺多完成")
    call_command("check_fixtures", stdout=io.StringIO(), stderr=io.StringIO())
