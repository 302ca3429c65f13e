"""Browser tests: the clerks' journeys in headless Debian Chromium, driven by Playwright for Python."""

import importlib.util
import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, in one line, or None when they can."""
    if not os.access(CHROMIUM, os.X_OK):
        return "Chromium 未安装（/usr/bin/chromium），跳过浏览器测试"
    if importlib.util.find_spec("playwright") is None:
        return "Playwright for Python 未安装（requirements-dev.txt），跳过浏览器测试"
    return None


def skip_module_without_browser() -> None:
    """Skip the calling test module, with one line saying why, when the browser is missing; not
    under CI=true, where the ``browser`` fixture fails each test instead."""
    reason = browser_missing()
    if reason is not None and os.environ.get("CI") != "true":
        pytest.skip(reason, allow_module_level=True)
