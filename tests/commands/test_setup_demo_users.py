"""setup_demo_users: the administrator, the city office and every unit's clerk and leader."""

import io
import stat
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from projects.choices import Role
from projects.models import Unit, User

pytestmark = pytest.mark.django_db

STRONG = "Tianzhong-Demo-2022"


def setup_users(password_file: Path) -> str:
    out = io.StringIO()
    call_command("setup_demo_users", "--password-file", str(password_file), stdout=out)
    return out.getvalue()


def test_creates_admin_city_and_two_users_per_unit(
    programme: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """admin (superuser), city (staff) and <division code>-clerk / -leader bound to each of the 11
    units: 2 + 2 × 11 users."""
    monkeypatch.setenv("DEMO_PASSWORD", STRONG)
    setup_users(tmp_path / "pw")
    units = list(Unit.objects.all())
    assert len(units) == 11
    assert User.objects.count() == 2 + 2 * len(units)

    admin = User.objects.get(username="admin")
    assert (admin.role, admin.is_superuser, admin.is_staff, admin.unit) == (
        Role.ADMIN,
        True,
        True,
        None,
    )
    city = User.objects.get(username="city")
    assert (city.role, city.is_superuser, city.is_staff, city.unit) == (
        Role.CITY,
        False,
        True,
        None,
    )
    for unit in units:
        clerk = User.objects.get(username=f"{unit.division_code}-clerk")
        leader = User.objects.get(username=f"{unit.division_code}-leader")
        assert (clerk.role, clerk.unit, clerk.is_staff) == (Role.CLERK, unit, False)
        assert (leader.role, leader.unit, leader.is_staff) == (Role.LEADER, unit, False)
    assert User.objects.get(username="411702-clerk").unit.name == "驿城区"


def test_demo_password_from_the_environment(
    programme: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With DEMO_PASSWORD set every demo user gets that password, and it is neither printed nor
    written to a file."""
    monkeypatch.setenv("DEMO_PASSWORD", STRONG)
    output = setup_users(tmp_path / "pw")
    assert all(user.check_password(STRONG) for user in User.objects.all())
    assert STRONG not in output
    assert not (tmp_path / "pw").exists()


def test_generated_password_is_printed_and_saved_privately(
    programme: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without DEMO_PASSWORD a strong password is generated, printed once and written to the
    password file readable by its owner only."""
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    password_file = tmp_path / "pw"
    output = setup_users(password_file)
    password = password_file.read_text(encoding="utf-8").strip()
    assert len(password) >= 16
    assert any(c.isupper() for c in password) and any(c.isdigit() for c in password)
    assert output.count(password) == 1
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
    assert all(user.check_password(password) for user in User.objects.all())


def test_rerun_updates_passwords_without_duplicating_users(
    programme: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Running it again keeps one account per name and replaces every demo user's password."""
    monkeypatch.setenv("DEMO_PASSWORD", STRONG)
    setup_users(tmp_path / "pw")
    count = User.objects.count()
    monkeypatch.setenv("DEMO_PASSWORD", STRONG + "-new")
    setup_users(tmp_path / "pw")
    assert User.objects.count() == count
    for user in User.objects.all():
        assert user.check_password(STRONG + "-new")
        assert not user.check_password(STRONG)


def test_weak_demo_password_is_refused(
    programme: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A DEMO_PASSWORD that Django's password validators reject stops the command before any user
    is written."""
    monkeypatch.setenv("DEMO_PASSWORD", "12345678")
    with pytest.raises(CommandError, match="DEMO_PASSWORD"):
        setup_users(tmp_path / "pw")
    assert not User.objects.exists()


def test_unit_without_division_code_gets_no_users(
    programme: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A unit the city office added without a division code is reported and skipped, not given a
    made-up user name."""
    monkeypatch.setenv("DEMO_PASSWORD", STRONG)
    Unit.objects.create(name="城乡一体化示范区", sort_order=120)
    output = setup_users(tmp_path / "pw")
    assert "城乡一体化示范区" in output
    assert not User.objects.filter(unit__name="城乡一体化示范区").exists()
    assert User.objects.count() == 2 + 2 * 11
