"""Root pytest configuration: the 2022 fixtures are available to every database test."""

from collections.abc import Iterator

import pytest
from django.core.management import call_command

from projects.management.commands.load_programme import FIXTURES


@pytest.fixture
def programme(db: None) -> None:
    """The units, the 2022 plan year with its milestones, and the annex targets, as loaddata loads them."""
    call_command("loaddata", *FIXTURES, verbosity=0)


@pytest.fixture
def plan_year(programme: None):  # type: ignore[no-untyped-def]
    from projects.models import PlanYear

    return PlanYear.objects.get(year=2022)


@pytest.fixture(autouse=True)
def default_language() -> Iterator[None]:
    """Every test starts in the portal's language (zh-hans): a request sent with Accept-Language: en
    leaves English active in its thread, which would otherwise change the messages of later tests."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
