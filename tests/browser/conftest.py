"""Headless Debian Chromium (/usr/bin/chromium) driven by Playwright, against pytest-django's live server.

Never a browser downloaded by ``playwright install``. Without Chromium or the playwright package the
browser tests are skipped with a one-line reason; under CI=true they fail instead, so a CI machine
that lost its browser cannot pass by skipping them. Every main page is photographed at desktop and
phone size into SCREENSHOT_DIR (default: tmp/screenshots/ at the repository root).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.browser import CHROMIUM, browser_missing

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page
    from pytest_django.live_server_helper import LiveServer

REPO_ROOT = Path(__file__).resolve().parents[2]
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
PASSWORD = "Zmd-test-2022!"

# Elements sticking out past the right edge of the phone viewport, described for the failure message.
_OVERFLOW_JS = """() => {
  const width = window.innerWidth;
  const culprits = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width > 0 && box.right > width + 1) {
      const id = el.id ? '#' + el.id : '';
      const cls = typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
      culprits.push(el.tagName.toLowerCase() + id + cls + ' right=' + Math.round(box.right));
    }
  }
  return {scroll: document.documentElement.scrollWidth, inner: width, culprits: culprits.slice(0, 5)};
}"""


def screenshot_dir() -> Path:
    directory = Path(os.environ.get("SCREENSHOT_DIR") or REPO_ROOT / "tmp" / "screenshots")
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium per test module (so per xdist worker), closed before the next module.

    Fails under CI=true when the browser is missing (elsewhere the test module has been skipped)."""
    reason = browser_missing()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true，浏览器测试不得跳过：{reason.split('，')[0]}", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        # Playwright's sync API keeps an asyncio loop running in the test thread, and Django refuses
        # ORM calls from such a thread; the tests never await, so their queries are safe.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
            )
            yield chromium
            chromium.close()


@dataclass
class Visitor:
    """One person at the portal: a desktop tab and a phone tab sharing one session, and a camera."""

    base_url: str
    page: Page
    phone: Page
    prefix: str
    directory: Path
    overflowing: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def submit(self, button: str) -> None:
        """Press a form's submit button and wait for the answer; a form sent back with errors fails
        here with the errors shown, rather than as a timeout further on."""
        with self.page.expect_navigation():
            self.page.get_by_role("button", name=button).click()
        errors = self.page.locator(".invalid-feedback, .alert-danger")
        assert errors.count() == 0, f"{self.page.url}：{errors.all_inner_texts()}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def goto(self, path: str) -> Any:
        return self.page.goto(self.url(path))

    def login(self, username: str, password: str = PASSWORD) -> None:
        """Log in through the login form on the desktop tab; the phone tab gets the same session."""
        self.goto("/accounts/login/")
        self.page.get_by_label("用户名").fill(username)
        self.page.get_by_label("密码").fill(password)
        self.page.get_by_role("button", name="登录").click()
        self.page.wait_for_url(self.url("/"))
        self.phone.context.add_cookies(self.page.context.cookies())

    def shot(self, name: str, page: Page | None = None, *, size: str = "desktop") -> None:
        """A full-page PNG of ``page`` (the desktop tab by default) as <prefix>-<name>-<size>.png."""
        path = self.directory / f"{self.prefix}-{name}-{size}.png"
        (page or self.page).screenshot(path=str(path), full_page=True)

    def phone_shot(self, name: str, *, check_overflow: bool = True) -> None:
        """The phone tab's page, photographed after checking it does not scroll sideways."""
        metrics = self.phone.evaluate(_OVERFLOW_JS)
        wide = metrics["scroll"] > metrics["inner"] or metrics["inner"] != PHONE["width"]
        if check_overflow and wide:
            self.overflowing.append(
                f"{name}（{self.phone.url}）：页面宽 {metrics['scroll']}px，"
                f"屏宽 {metrics['inner']}px；{'；'.join(metrics['culprits'])}"
            )
        self.shot(name, self.phone, size="phone")

    def capture(self, name: str, *, check_overflow: bool = True) -> None:
        """The desktop tab's page at desktop size, and the same address opened on the phone."""
        self.shot(name)
        self.phone.goto(self.page.url)
        self.phone_shot(name, check_overflow=check_overflow)


def _watch(page: Page, errors: list[str]) -> None:
    """Record script errors and failing static files (the pages' own 404s are checked by the tests)."""
    page.on("pageerror", lambda error: errors.append(f"脚本错误：{error}"))
    page.on(
        "response",
        lambda response: (
            errors.append(f"{response.status} {response.url}")
            if response.status >= 400 and "/static/" in response.url
            else None
        ),
    )


@pytest.fixture
def open_browser(live_server: LiveServer, browser: Browser) -> Iterator[Callable[[str], Visitor]]:
    """Open a fresh visitor (no cookies) whose screenshots are named with the given prefix."""
    contexts: list[BrowserContext] = []
    directory = screenshot_dir()

    def open_visitor(prefix: str) -> Visitor:
        common: dict[str, Any] = {"locale": "zh-CN", "timezone_id": "Asia/Shanghai"}
        desktop = browser.new_context(viewport=DESKTOP, **common)
        phone = browser.new_context(
            viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2, **common
        )
        contexts.extend((desktop, phone))
        for context in (desktop, phone):
            context.set_default_timeout(15_000)
        visitor = Visitor(
            base_url=live_server.url,
            page=desktop.new_page(),
            phone=phone.new_page(),
            prefix=re.sub(r"[^\w-]", "_", prefix),
            directory=directory,
        )
        _watch(visitor.page, visitor.errors)
        _watch(visitor.phone, visitor.errors)
        return visitor

    yield open_visitor
    for context in contexts:
        context.close()
