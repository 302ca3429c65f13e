"""The failed-login throttle (django-axes: five failures per username and address) and password rules."""

import re
from datetime import timedelta
from typing import Any, cast

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import (
    password_validators_help_texts,
    validate_password,
)
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from projects.models import User
from tests.factories import UserFactory
from tests.production import production_settings

pytestmark = pytest.mark.django_db

PASSWORD = "Zmd-test-2022!"
WRONG = "Zmd-wrong-2022!"
LOCKED_STATUS = 429  # what django-axes answers (AXES_HTTP_RESPONSE_CODE's default)


@pytest.fixture
def user(programme: None) -> User:
    return cast(User, UserFactory())


@pytest.fixture
def behind_the_proxy(settings) -> None:  # type: ignore[no-untyped-def]
    """The client-address settings of production behind its documented nginx (the throttle's own
    settings, ipware's if any, and the number of trusted proxies)."""
    production = production_settings()
    settings.TRUSTED_PROXY_COUNT = production.get("TRUSTED_PROXY_COUNT", 0)
    for name, value in production.items():
        if name.startswith(("AXES_", "IPWARE_")):
            setattr(settings, name, value)


# nginx on the portal's own host: every request reaches gunicorn from the loopback address.
PROXY = {"REMOTE_ADDR": "127.0.0.1"}


def via_proxy(forwarded_for: str) -> dict[str, str]:
    return {**PROXY, "HTTP_X_FORWARDED_FOR": forwarded_for}


def log_in(client: Client, username: str, password: str, **extra: Any):  # type: ignore[no-untyped-def]
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def fail(client: Client, username: str, times: int, **extra: Any) -> None:
    """Post a wrong password `times` times; each is refused on the login form itself."""
    for _ in range(times):
        response = log_in(client, username, WRONG, **extra)
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session


def assert_logged_in(client: Client, response, user: User) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.session["_auth_user_id"] == str(user.pk)


def assert_locked_out(client: Client, response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == LOCKED_STATUS
    assert "_auth_user_id" not in client.session
    html = response.content.decode()
    assert "登录失败次数过多" in html
    assert "请 15 分钟后再试" in html
    assert 'name="password"' not in html


def test_five_wrong_passwords_lock_the_username_out(client: Client, user: User) -> None:
    """Four failures show the login form again; the fifth already answers 429 with the Chinese
    lockout page, and a sixth attempt with the right password neither logs in nor leaves the page."""
    fail(client, user.username, 4)
    assert_locked_out(client, log_in(client, user.username, WRONG))
    assert_locked_out(client, log_in(client, user.username, PASSWORD))
    assert client.get(reverse("home")).status_code == 302  # still anonymous


def test_lockout_page_is_chinese_and_names_the_cool_off(client: Client, user: User) -> None:
    """The lockout page extends the layout (title, language switcher) and links back to the login."""
    fail(client, user.username, 4)
    html = log_in(client, user.username, WRONG).content.decode()
    assert '<html lang="zh-hans">' in html
    assert "<title>登录已被暂时锁定 · 驻马店市城镇老旧小区改造信息平台</title>" in html
    assert f'href="{reverse("login")}"' in html
    assert 'id="language-switcher"' in html


def test_lockout_page_shows_the_configured_minutes(client: Client, user: User, settings) -> None:  # type: ignore[no-untyped-def]
    """The minutes on the page come from AXES_COOLOFF_TIME, not from the template."""
    settings.AXES_COOLOFF_TIME = timedelta(minutes=30)
    fail(client, user.username, 4)
    html = log_in(client, user.username, WRONG).content.decode()
    assert "请 30 分钟后再试" in html
    assert "15 分钟" not in html


def test_other_username_from_the_same_address_is_not_locked(
    client: Client, programme: None
) -> None:
    """The lock is per username and address: another user at the same address still logs in."""
    locked, other = cast(User, UserFactory()), cast(User, UserFactory())
    fail(client, locked.username, 4)
    assert_locked_out(client, log_in(client, locked.username, WRONG))
    assert_logged_in(client, log_in(client, other.username, PASSWORD), other)


def test_same_username_from_another_address_is_not_locked(client: Client, user: User) -> None:
    """Locking by username *and* address means the user can still log in from another office."""
    fail(client, user.username, 4, REMOTE_ADDR="10.1.1.1")
    assert_locked_out(client, log_in(client, user.username, WRONG, REMOTE_ADDR="10.1.1.1"))
    assert_logged_in(client, log_in(client, user.username, PASSWORD, REMOTE_ADDR="10.2.2.2"), user)


def test_changing_the_browser_does_not_reset_the_count(client: Client, user: User) -> None:
    """Failures from one address add up across User-Agents, so switching browsers does not help."""
    for number in range(4):
        fail(client, user.username, 1, HTTP_USER_AGENT=f"agent-{number}")
    response = log_in(client, user.username, WRONG, HTTP_USER_AGENT="agent-4")
    assert_locked_out(client, response)
    assert_locked_out(client, log_in(client, user.username, PASSWORD, HTTP_USER_AGENT="agent-5"))


def test_lockout_ends_after_the_cool_off(client: Client, user: User) -> None:
    """Once the last failure is older than AXES_COOLOFF_TIME, the right password logs in again."""
    fail(client, user.username, 4)
    assert_locked_out(client, log_in(client, user.username, WRONG))
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert_logged_in(client, log_in(client, user.username, PASSWORD), user)


def test_success_resets_the_failure_count(client: Client, user: User) -> None:
    """4 failures, a successful login, logout, 4 more failures: the right password still logs in."""
    fail(client, user.username, 4)
    assert_logged_in(client, log_in(client, user.username, PASSWORD), user)
    assert client.post(reverse("logout")).status_code == 302
    assert "_auth_user_id" not in client.session
    fail(client, user.username, 4)
    assert_logged_in(client, log_in(client, user.username, PASSWORD), user)


def test_failed_attempts_do_not_store_the_password(client: Client, user: User) -> None:
    """Axes records failed attempts in the database with the password masked, never in clear."""
    fail(client, user.username, 2)
    attempt = AccessAttempt.objects.get(username=user.username)
    assert attempt.failures_since_start == 2
    assert WRONG not in attempt.post_data


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("Zmd-2022!", "password_too_short"),  # 9 characters
        ("2022063015", "password_entirely_numeric"),
        ("20220630", "password_too_short"),
    ],
)
def test_password_validators_refuse_weak_passwords(password: str, code: str) -> None:
    """Passwords need at least 10 characters and may not be all digits."""
    with pytest.raises(ValidationError) as caught:
        validate_password(password)
    assert code in [error.code for error in caught.value.error_list]


@pytest.mark.parametrize("password", [PASSWORD, "Zmd-2022!x"])
def test_password_validators_accept_a_ten_character_mixed_password(password: str) -> None:
    """A password of 10 or more characters, not all digits and not common, passes."""
    validate_password(password)  # raises ValidationError if any validator refuses it


# --- behind the documented reverse proxy (issue 19) -----------------------------------------------


@pytest.mark.parametrize(
    ("forwarded_for", "address"),
    [
        # nginx as documented: `proxy_set_header X-Forwarded-For $remote_addr`, one entry, whatever
        # the client sent.
        ("203.0.113.9", "203.0.113.9"),
        ("2001:db8::9", "2001:db8::9"),
        # A proxy that appends instead ($proxy_add_x_forwarded_for): the client's own entries come
        # first and are ignored; the proxy's is the right-most.
        ("10.9.9.9, 203.0.113.9", "203.0.113.9"),
    ],
)
def test_behind_the_proxy_the_throttle_keys_on_the_forwarded_address(
    client: Client, user: User, behind_the_proxy: None, forwarded_for: str, address: str
) -> None:
    """Each header shape the proxy sends: five failures lock the user at the address the proxy
    saw (recorded on the attempts, not the proxy's 127.0.0.1); at another address they log in."""
    fail(client, user.username, 4, **via_proxy(forwarded_for))
    assert_locked_out(client, log_in(client, user.username, WRONG, **via_proxy(forwarded_for)))
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [address]
    elsewhere = Client()
    response = log_in(elsewhere, user.username, PASSWORD, **via_proxy("198.51.100.20"))
    assert_logged_in(elsewhere, response, user)


def test_a_strangers_failures_behind_the_proxy_do_not_lock_the_owner_out(
    user: User, behind_the_proxy: None
) -> None:
    """Ten wrong passwords for one account from a stranger's address (through the same nginx) lock
    only the stranger; the owner at his own address logs in with his password."""
    stranger, owner = Client(), Client()
    fail(stranger, user.username, 4, **via_proxy("198.51.100.66"))
    for _ in range(6):
        assert_locked_out(
            stranger, log_in(stranger, user.username, WRONG, **via_proxy("198.51.100.66"))
        )
    response = log_in(owner, user.username, PASSWORD, **via_proxy("203.0.113.9"))
    assert_logged_in(owner, response, user)


def test_forged_entries_do_not_reset_a_strangers_count(
    client: Client, user: User, behind_the_proxy: None
) -> None:
    """A stranger changing the X-Forwarded-For he sends (an appending proxy keeps his entries on
    the left) still adds up failures at the address the proxy saw, and stays locked out."""
    for number in range(4):
        fail(client, user.username, 1, **via_proxy(f"10.0.0.{number}, 198.51.100.66"))
    forged = via_proxy("10.0.0.99, 198.51.100.66")
    assert_locked_out(client, log_in(client, user.username, WRONG, **forged))
    assert_locked_out(client, log_in(client, user.username, PASSWORD, **via_proxy("198.51.100.66")))


def test_without_the_proxy_header_the_connection_address_is_the_key(
    client: Client, user: User, behind_the_proxy: None
) -> None:
    """A request straight to gunicorn (no X-Forwarded-For) is keyed on its own address, never on
    the user name alone: failures there leave the user free at a forwarded address."""
    fail(client, user.username, 4, **PROXY)
    assert_locked_out(client, log_in(client, user.username, WRONG, **PROXY))
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["127.0.0.1"]
    other = Client()
    assert_logged_in(
        other, log_in(other, user.username, PASSWORD, **via_proxy("203.0.113.9")), user
    )


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Zmd-2022!", "密码太短，至少需要 10 个字符。"),
        ("2022063015", "密码只包含数字。"),
        ("password123", "这个密码太常见了。"),
        ("zhaoliu2022", "密码跟 用户名 太相似了。"),
    ],
)
def test_every_password_message_is_chinese(password: str, message: str) -> None:
    """Each refusal the password rules give reads in Chinese, the short-password one included."""
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        validate_password(password, User(username="zhaoliu2022"))
    assert message in caught.value.messages
    for text in caught.value.messages:
        assert not re.search(r"[A-Za-z]{3}", text), text


def test_every_password_help_text_is_chinese() -> None:
    """The rules' help texts (shown on the change-password form) read in Chinese too."""
    with translation.override("zh-hans"):
        texts = password_validators_help_texts()
    assert "密码至少需要 10 个字符。" in texts
    for text in texts:
        assert not re.search(r"[A-Za-z]{3}", text), text
