"""Residents' wishes (居民意愿) of a renovation plan: entered, corrected and removed by the unit's
clerk or leader through paperwork/services/wishes.py, with history; shown with the strong-wish
warning on the renovation plan page and the project page."""

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from paperwork.models import RenovationPlan, ResidentWish
from paperwork.selectors.wishes import wish_rows, wishes_warning
from paperwork.services import plans, wishes
from projects.choices import Role
from projects.models import Project, Unit, User
from tests.factories import ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

LIFT_WARNING = "居民意愿：50％以上住户提出的加装电梯未列入改造内容"


@pytest.fixture(autouse=True)
def chinese() -> Iterator[None]:
    """The services' messages in Chinese, whatever language an earlier test left active."""
    with translation.override("zh-hans"):
        yield


def as_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def unit_a(programme: None) -> Unit:
    return Unit.objects.get(name="驿城区")


@pytest.fixture
def clerk(unit_a: Unit) -> User:
    return UserFactory(role=Role.CLERK, unit=unit_a)


@pytest.fixture
def city(programme: None) -> User:
    return UserFactory(role=Role.CITY, unit=None)


@pytest.fixture
def project(unit_a: Unit) -> Project:
    return ProjectFactory(unit=unit_a, name="建设路1号院", households=10, contents=["供水"])


# --- services -------------------------------------------------------------------------------------


def test_add_creates_the_plan_and_keeps_history(project: Project, clerk: User) -> None:
    """The first wish creates the renovation plan; the wish's history names the clerk."""
    wish = wishes.resident_wish_add(
        project=project, user=clerk, facility=" 加装电梯 ", households=5
    )
    assert wish.facility == "加装电梯" and wish.plan.project_id == project.pk
    assert RenovationPlan.objects.filter(project=project).count() == 1
    assert wish.history.get().history_user == clerk


@pytest.mark.parametrize(
    ("facility", "households", "field"),
    [
        ("加装电梯", 11, "households"),  # 11 of a 10-household project
        ("加装电梯", 0, "households"),
        ("  ", 3, "facility"),
        ("停车位", 3, "facility"),  # already recorded
    ],
)
def test_add_refuses_bad_wishes(
    project: Project, clerk: User, facility: str, households: int, field: str
) -> None:
    """Over the project's households, none, no facility, or a facility twice: refused, nothing kept."""
    wishes.resident_wish_add(project=project, user=clerk, facility="停车位", households=2)
    with pytest.raises(ValidationError) as refused:
        wishes.resident_wish_add(
            project=project, user=clerk, facility=facility, households=households
        )
    assert field in refused.value.error_dict
    assert ResidentWish.objects.count() == 1


def test_update_and_delete_keep_history(project: Project, clerk: User) -> None:
    """A correction and a removal are each a history record; the update may keep its own name."""
    wish = wishes.resident_wish_add(project=project, user=clerk, facility="加装电梯", households=5)
    wish = wishes.resident_wish_update(wish=wish, user=clerk, facility="加装电梯", households=4)
    assert wish.households == 4
    wishes.resident_wish_delete(wish=wish, user=clerk)
    assert not ResidentWish.objects.exists()
    kinds = list(ResidentWish.history.order_by("history_id").values_list("history_type", flat=True))
    assert kinds == ["+", "~", "-"]


def test_city_and_other_units_cannot_write(project: Project, city: User) -> None:
    """The city office reads wishes but may not enter them."""
    other = UserFactory(role=Role.CLERK, unit=Unit.objects.get(name="西平县"))
    for user in (city, other):
        with pytest.raises(PermissionDenied):
            wishes.resident_wish_add(project=project, user=user, facility="停车位", households=1)
    assert not ResidentWish.objects.exists()


def test_final_plan_refuses_changes(project: Project, clerk: User) -> None:
    """A final plan's wishes are not changed until the final mark is withdrawn."""
    wish = wishes.resident_wish_add(project=project, user=clerk, facility="停车位", households=2)
    plans.renovation_plan_finalize(project=project, user=clerk, today=date(2022, 3, 20))
    with pytest.raises(ValidationError, match="撤销定稿"):
        wishes.resident_wish_add(project=project, user=clerk, facility="充电桩", households=1)
    with pytest.raises(ValidationError, match="撤销定稿"):
        wishes.resident_wish_delete(wish=wish, user=clerk)
    plans.renovation_plan_reopen(project=project, user=clerk)
    wishes.resident_wish_add(project=project, user=clerk, facility="充电桩", households=1)
    assert ResidentWish.objects.count() == 2


def test_wish_rows_share_strength_and_contents(project: Project, clerk: User) -> None:
    """5 of 10 households is 50.0 % and strong; 4 is 40.0 % and not; 供水 is in the contents."""
    for facility, asked in (("停车位", 4), ("加装电梯", 5), ("供水", 9)):
        wishes.resident_wish_add(project=project, user=clerk, facility=facility, households=asked)
    rows = wish_rows(project)
    assert [(r.wish.facility, r.share, r.strong, r.in_contents, r.unmet) for r in rows] == [
        ("供水", 900, True, True, False),
        ("加装电梯", 500, True, False, True),
        ("停车位", 400, False, False, False),
    ]
    assert wishes_warning(project, rows) == LIFT_WARNING


# --- pages ----------------------------------------------------------------------------------------


def post_wish(client: Client, project: Project, **data: Any) -> Any:
    return client.post(reverse("paperwork:wish_create", args=[project.pk]), data)


def test_clerk_enters_a_wish_on_the_plan_page(project: Project, clerk: User) -> None:
    """The plan page's form records a wish and returns to the page, which warns of the strong wish
    left out of the contents; the project page lists it with the same warning."""
    client = as_client(clerk)
    plan_url = reverse("paperwork:renovation_plan", args=[project.pk])
    html = client.get(plan_url).content.decode()
    assert 'id="wish-add-form"' in html and 'id="facility-suggestions"' in html
    response = post_wish(client, project, facility="加装电梯", households="5")
    assert response.status_code == 302
    assert response["Location"] == plan_url + "#resident-wishes"
    html = client.get(plan_url).content.decode()
    assert 'id="wish-check"' in html and LIFT_WARNING in html
    assert 'data-facility="加装电梯" class="table-warning"' in html
    html = client.get(reverse("project_detail", args=[project.pk])).content.decode()
    assert "加装电梯 5 户" in html and LIFT_WARNING in html


def test_a_refused_wish_shows_its_error_on_the_form(project: Project, clerk: User) -> None:
    """Asking households beyond the project's is shown beside the field and nothing is kept."""
    response = post_wish(as_client(clerk), project, facility="加装电梯", households="11")
    assert response.status_code == 200
    assert "提出户数 11 超过项目户数 10" in response.content.decode()
    assert not ResidentWish.objects.exists()


def test_clerk_edits_and_deletes_after_confirming(project: Project, clerk: User) -> None:
    """The edit page corrects the count; the delete link opens a confirmation page first, and only
    its POST removes the wish."""
    wish = wishes.resident_wish_add(project=project, user=clerk, facility="加装电梯", households=5)
    client = as_client(clerk)
    edit = reverse("paperwork:wish_edit", args=[wish.pk])
    assert client.post(edit, {"facility": "加装电梯", "households": "4"}).status_code == 302
    wish.refresh_from_db()
    assert wish.households == 4
    delete = reverse("paperwork:wish_delete", args=[wish.pk])
    html = client.get(delete).content.decode()
    assert "确认删除" in html and "加装电梯" in html
    assert ResidentWish.objects.filter(pk=wish.pk).exists()
    assert client.post(delete).status_code == 302
    assert not ResidentWish.objects.filter(pk=wish.pk).exists()


def test_city_reads_wishes_without_the_form(project: Project, clerk: User, city: User) -> None:
    """The city office sees the wishes and the warning but no form, edit or delete link."""
    wish = wishes.resident_wish_add(project=project, user=clerk, facility="加装电梯", households=5)
    html = as_client(city).get(reverse("paperwork:renovation_plan", args=[project.pk]))
    page = html.content.decode()
    assert LIFT_WARNING in page and 'data-facility="加装电梯"' in page
    assert 'id="wish-add-form"' not in page
    assert reverse("paperwork:wish_edit", args=[wish.pk]) not in page


def test_a_final_plans_wish_pages_send_back_to_the_plan(project: Project, clerk: User) -> None:
    """On a final plan the edit and delete pages return to the plan page with the reason."""
    wish = wishes.resident_wish_add(project=project, user=clerk, facility="停车位", households=2)
    plans.renovation_plan_finalize(project=project, user=clerk, today=date(2022, 3, 20))
    client = as_client(clerk)
    plan_url = reverse("paperwork:renovation_plan", args=[project.pk]) + "#resident-wishes"
    for name in ("paperwork:wish_edit", "paperwork:wish_delete"):
        response = client.get(reverse(name, args=[wish.pk]), follow=False)
        assert response.status_code == 302 and response["Location"] == plan_url, name
    assert ResidentWish.objects.filter(pk=wish.pk).exists()
