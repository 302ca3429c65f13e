"""Fixing the portal's "today" in a test."""

from datetime import date

import pytest

# projects.selectors.today_local under both of its names: the package's, which the apps call, and
# that of its own module, which page_date (beside it) calls.
TODAY_LOCAL = ("projects.selectors.today_local", "projects.selectors.plan_years.today_local")


def today_is(monkeypatch: pytest.MonkeyPatch, day: date) -> None:
    """Make the portal's today ``day`` for the rest of the test."""
    for name in TODAY_LOCAL:
        monkeypatch.setattr(name, lambda: day)
