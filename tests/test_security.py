"""Security of the portal (issue 8): headers, CSRF, no inline script, deploy checks, and the audit of
residents' personal data — viewed on a household's page, exported in full by the city office only."""

import io
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import resolve, reverse
from openpyxl import load_workbook

from projects.choices import Role
from projects.models import PersonalDataAccess, Unit, User
from tests.factories import HouseholdFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)


@pytest.fixture
def clerk(programme: None) -> User:
    return UserFactory(role=Role.CLERK, unit=Unit.objects.get(name="驿城区"))


@pytest.fixture
def city(programme: None) -> User:
    return UserFactory(role=Role.CITY, unit=None)


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_security_headers(clerk: User) -> None:
    """Pages carry a content security policy allowing scripts only from the portal, refuse framing,
    and do not let browsers guess content types."""
    response = client_of(clerk).get(reverse("home"))
    policy = response["Content-Security-Policy"]
    script = re.search(r"script-src ([^;]*)", policy)
    assert script and script.group(1).split() == ["'self'"]
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_every_form_needs_its_csrf_token(clerk: User) -> None:
    """A POST without the CSRF token is refused (403) and writes nothing."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(clerk)
    response = client.post(reverse("project_create"), {"name": "无令牌小区", "households": 5})
    assert response.status_code == 403
    from projects.models import Project

    assert not Project.objects.exists()


def test_no_template_has_inline_script() -> None:
    """No template holds an inline <script> or an on…= event handler: the policy can forbid them."""
    templates = [*ROOT.glob("templates/**/*.html"), *ROOT.glob("*/templates/**/*.html")]
    assert len(templates) > 20
    for path in templates:
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text, re.I):
            assert "src=" in tag, (path, tag)
        assert not re.search(r"\son[a-z]+\s*=", text, re.I), path


def test_sessions_and_passwords() -> None:
    """Sessions end after at most a working day or when the browser closes; passwords need at least
    ten characters and are checked against common and numeric ones."""
    assert settings.SESSION_COOKIE_AGE <= 8 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    validators = {v["NAME"].rsplit(".", 1)[1]: v for v in settings.AUTH_PASSWORD_VALIDATORS}
    assert validators["MinimumLengthValidator"]["OPTIONS"]["min_length"] >= 10
    assert {"CommonPasswordValidator", "NumericPasswordValidator"} <= set(validators)


def test_production_settings_pass_the_deploy_check(tmp_path: Path) -> None:
    """`manage.py check --deploy` under the production settings reports no issue at all, and the
    static files collect into hashed, compressed names for whitenoise."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "zmd_renovation.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "portal.example.gov.cn",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "DJANGO_MEDIA_ROOT": str(tmp_path / "media"),
    }
    check = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "System check identified no issues (0 silenced)." in check.stdout
    collect = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert collect.returncode == 0, collect.stderr
    manifest = (tmp_path / "static" / "staticfiles.json").read_text()
    assert re.search(r'"css/portal\.css": "css/portal\.[0-9a-f]{12}\.css"', manifest)
    assert list((tmp_path / "static" / "css").glob("portal.*.css.gz"))


# --- personal data --------------------------------------------------------------------------------


def test_household_page_view_is_audited(clerk: User) -> None:
    """Opening a household's own page (full name and phone) is recorded with the viewer's role; the
    masked roster is not."""
    household = HouseholdFactory(head_name="张三丰")
    client = client_of(clerk)
    client.get(reverse("household_list", args=[household.project_id]))
    assert not PersonalDataAccess.objects.exists()
    client.get(reverse("household_detail", args=[household.pk]))
    access = PersonalDataAccess.objects.get()
    assert (access.user, access.role, access.action, access.household) == (
        clerk,
        Role.CLERK,
        "view",
        household,
    )


def test_full_residents_export_is_the_city_offices_logged_action(
    clerk: User, city: User, caplog: pytest.LogCaptureFixture
) -> None:
    """Clerks and administrators are refused; the city office must give a reason and confirm; the
    export holds full names (formula-looking ones as text) and is kept in the audit and the log,
    whose record carries no name."""
    project = ProjectFactory(name="幸福里")
    HouseholdFactory(project=project, head_name="=cmd|' /C calc'!A0", phone="13812341234")
    url = reverse("reporting:residents_export")
    unit = Unit.objects.get(name="驿城区")
    admin = User.objects.create_superuser("root", password="Zmd-test-2022!")
    assert client_of(clerk).get(url).status_code == 403
    assert client_of(admin).get(url).status_code == 403
    office = client_of(city)
    refused = office.post(url, {"unit": unit.pk, "reason": "", "confirm": "on"})
    assert refused.status_code == 200 and not PersonalDataAccess.objects.exists()
    with caplog.at_level("INFO", logger="zmd.personal_data"):
        started = office.post(url, {"unit": unit.pk, "reason": "入户回访", "confirm": "on"})
    # Made in a background job (run at once without a broker), downloaded from its page.
    job = resolve(started["Location"]).kwargs["pk"]
    response = office.get(reverse("job_download", args=[job]))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    row = list(next(sheet.iter_rows(min_row=2, max_row=2)))
    assert row[5].value == "=cmd|' /C calc'!A0" and row[5].data_type == "s"
    assert row[5].quotePrefix and row[6].value == "13812341234"
    access = PersonalDataAccess.objects.get()
    assert (access.action, access.unit, access.households, access.reason) == (
        "export",
        unit,
        1,
        "入户回访",
    )
    assert "personal_data_export" in caplog.text and "calc" not in caplog.text


@pytest.mark.parametrize(
    ("meta", "address"),
    [
        # The documented nginx replaces X-Forwarded-For with the one address it saw.
        ({"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}, "203.0.113.9"),
        # A probe on the local host straight to gunicorn sends none.
        ({"REMOTE_ADDR": "127.0.0.1"}, "127.0.0.1"),
    ],
)
def test_login_throttle_reads_the_client_address_behind_the_proxy(
    meta: dict[str, str], address: str
) -> None:
    """Under the production settings the throttle's address is the client's from the one-entry
    X-Forwarded-For the documented proxy sends (not the proxy's), or the connection's without it."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "zmd_renovation.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "portal.example.gov.cn",
        "DATABASE_URL": "sqlite:///:memory:",
    }
    script = (
        "import django; django.setup();"
        "from django.test import RequestFactory; from axes.helpers import get_client_ip_address;"
        f"r = RequestFactory().get('/', **{meta!r});"
        "print(get_client_ip_address(r))"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == address
