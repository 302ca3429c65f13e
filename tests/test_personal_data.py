"""Residents' names and phones beyond the household page (issue 19): every page showing them in full
leaves an access record, the admin's history masks them, personal-data pages are never cached, and
roster previews do not outlive their use."""

import os
import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import Client
from django.urls import resolve, reverse

from projects import previews, services
from projects.choices import Opinion, Role
from projects.importing import HOUSEHOLD_HEADERS
from projects.models import Household, PersonalDataAccess, Unit, User
from tests.factories import HouseholdFactory, ProjectFactory, UserFactory
from tests.xlsx import household_row, write_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(programme: None) -> User:
    return UserFactory(role=Role.CLERK, unit=Unit.objects.get(name="驿城区"))


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form_data(household: Household, **changes: str) -> dict[str, str]:
    data = {
        "building": household.building,
        "entrance": household.entrance,
        "room": household.room,
        "head_name": household.head_name,
        "phone": household.phone,
        "plan_opinion": Opinion.AGREE,
        "management_opinion": Opinion.AGREE,
        "answered_on": "2022-03-01",
    }
    data.update(changes)
    return data


# --- the access record ---------------------------------------------------------------------------


def test_household_edit_page_is_audited(clerk: User) -> None:
    """The edit form shows the name and phone in full: opening it, and seeing it again after a
    refused save, each leave a view record for that household, as its own page does."""
    household = HouseholdFactory(head_name="张三丰", phone="13812345678")
    client = client_of(clerk)
    url = reverse("household_edit", args=[household.pk])
    page = client.get(url).content.decode()
    assert "张三丰" in page and "13812345678" in page
    refused = client.post(url, form_data(household, answered_on="2022-02-30"))
    assert refused.status_code == 200 and "张三丰" in refused.content.decode()
    records = list(PersonalDataAccess.objects.values_list("user", "role", "action", "household"))
    assert records == [(clerk.pk, Role.CLERK, "view", household.pk)] * 2


def test_admin_history_masks_names_and_phones(clerk: User) -> None:
    """The admin's history of a household lists what changed with names and phones masked, so it
    shows nobody's in full (the admin's change page masks them too)."""
    household = HouseholdFactory(head_name="张三丰", phone="13812345678")
    admin = User.objects.create_superuser("root", password="Zmd-test-2022!")
    services.household_update(
        household=household, user=clerk, data={"head_name": "李四光", "phone": "13987654321"}
    )
    page = (
        client_of(admin)
        .get(reverse("admin:projects_household_history", args=[household.pk]))
        .content.decode()
    )
    assert "张**" in page and "李**" in page and "138****5678" in page and "139****4321" in page
    for full in ("张三丰", "李四光", "13812345678", "13987654321"):
        assert full not in page
    assert not PersonalDataAccess.objects.exists()


# --- never cached --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "household_list",
        "household_create",
        "household_import",
        "household_detail",
        "household_edit",
        "household_delete",
    ],
)
def test_household_pages_are_never_cached(clerk: User, name: str) -> None:
    """Every roster and household page answers Cache-Control: no-store (names, phones)."""
    household = HouseholdFactory()
    on_project = name in ("household_list", "household_create", "household_import")
    url = reverse(name, args=[household.project_id if on_project else household.pk])
    response = client_of(clerk).get(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_residents_export_is_never_cached(programme: None) -> None:
    """The full export's form, its job's page and its file all answer Cache-Control: no-store."""
    city = UserFactory(role=Role.CITY, unit=None)
    HouseholdFactory(head_name="张三丰")
    client = client_of(city)
    url = reverse("reporting:residents_export")
    assert "no-store" in client.get(url)["Cache-Control"]
    unit = Unit.objects.get(name="驿城区")
    started = client.post(url, {"unit": unit.pk, "reason": "入户回访", "confirm": "on"})
    # Made in a background job (run at once without a broker): its page and its file.
    assert "no-store" in client.get(started["Location"])["Cache-Control"]
    export = client.get(reverse("job_download", args=[resolve(started["Location"]).kwargs["pk"]]))
    assert export["Content-Disposition"].startswith("attachment")
    assert "no-store" in export["Cache-Control"]


# --- roster previews -----------------------------------------------------------------------------


def stored_previews() -> list[str]:
    try:
        return sorted(default_storage.listdir(previews.FOLDER)[1])
    except FileNotFoundError:
        return []


@pytest.fixture
def no_previews() -> None:
    for name in stored_previews():
        default_storage.delete(f"{previews.FOLDER}/{name}")


def preview(client: Client, project_id: int, path: Path) -> str:
    with path.open("rb") as handle:
        page = client.post(
            reverse("household_import", args=[project_id]), {"file": handle, "preview": "1"}
        ).content.decode()
    token = re.search(r'name="token" value="([0-9a-f]{32})"', page)
    assert token, page
    return token.group(1)


@pytest.fixture
def roster(tmp_path: Path) -> Path:
    rows = [household_row(**{"房号": str(101 + i)}) for i in range(3)]
    return write_xlsx(tmp_path / "roster.xlsx", HOUSEHOLD_HEADERS, rows)


def test_confirmed_preview_is_deleted(clerk: User, roster: Path, no_previews: None) -> None:
    """The preview file exists between upload and confirmation, and is gone once imported."""
    project = ProjectFactory(name="建设路1号院", households=3)
    client = client_of(clerk)
    token = preview(client, project.pk, roster)
    assert stored_previews() == [f"{token}.xlsx"]
    confirm = client.post(
        reverse("household_import", args=[project.pk]), {"token": token, "confirm": "1"}
    )
    assert confirm.status_code == 302 and Household.objects.count() == 3
    assert stored_previews() == []


def test_abandoned_previews_are_deleted(clerk: User, roster: Path, no_previews: None) -> None:
    """A second upload replaces the first preview's file; cancelling deletes the second."""
    project = ProjectFactory(name="建设路1号院", households=3)
    client = client_of(clerk)
    first = preview(client, project.pk, roster)
    second = preview(client, project.pk, roster)
    assert stored_previews() == [f"{second}.xlsx"] and first != second
    client.post(reverse("household_import_cancel", args=[project.pk]))
    assert stored_previews() == []


def test_cleanup_command_deletes_only_expired_previews(
    clerk: User, roster: Path, no_previews: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """cleanup_previews deletes previews older than the session (8 hours by default) or than
    --older-than-hours, leaves newer ones and other files, and can run twice; confirming a
    preview it deleted says the preview expired."""
    project = ProjectFactory(name="建设路1号院", households=3)
    client = client_of(clerk)
    old = preview(client, project.pk, roster)
    other_client = client_of(UserFactory(role=Role.CLERK, unit=clerk.unit))
    recent = preview(other_client, project.pk, roster)
    nine_hours_ago = time.time() - 9 * 3600
    os.utime(default_storage.path(previews.preview_path(old)), (nine_hours_ago, nine_hours_ago))
    default_storage.save(f"{previews.FOLDER}/notes.txt", ContentFile(b"not a preview"))
    call_command("cleanup_previews")
    assert "已删除 1 个超过 8 小时未确认的导入预览文件" in capsys.readouterr().out
    assert stored_previews() == sorted([f"{recent}.xlsx", "notes.txt"])
    call_command("cleanup_previews")
    assert "已删除 0 个" in capsys.readouterr().out
    expired = client.post(
        reverse("household_import", args=[project.pk]), {"token": old, "confirm": "1"}, follow=True
    )
    assert "导入预览已过期，请重新上传文件" in expired.content.decode()
    assert not Household.objects.exists()
    call_command("cleanup_previews", "--older-than-hours", "0")
    assert stored_previews() == ["notes.txt"]
    assert previews.preview_max_age() == timedelta(hours=8)
