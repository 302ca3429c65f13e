"""Templates ask the permission door's flags (``perms_portal.is_city``, ``may_write`` …), never
compare role strings: who may do what is decided once, in projects.permissions."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
# `user.role == "city"`, `role in ...`, `== 'leader'`, `user.is_superuser` in a template tag.
ROLE_COMPARISON = re.compile(
    r"\{%[^%]*(\brole\s*(==|!=|\bin\b)|(==|!=)\s*[\"'](clerk|leader|city|admin)[\"']"
    r"|\bis_superuser\b)[^%]*%\}"
)


def templates() -> list[Path]:
    return sorted(
        path
        for path in ROOT.glob("**/templates/**/*.html")
        if ".venv" not in path.parts and "node_modules" not in path.parts
    )


def test_the_pattern_finds_what_the_navigation_bar_used_to_say() -> None:
    """The check would catch the comparisons base.html made before the door's flags."""
    assert ROLE_COMPARISON.search('{% if user.role == "city" or user.is_superuser %}')
    assert ROLE_COMPARISON.search("{% if role == 'leader' %}")
    assert not ROLE_COMPARISON.search('<tr data-role="{{ row.role }}">')
    assert not ROLE_COMPARISON.search("{% if perms_portal.is_city %}")


def test_no_template_compares_role_strings() -> None:
    """Every page and e-mail template under the apps and templates/ is free of role comparisons."""
    found = templates()
    assert len(found) > 50  # the glob really reached the templates
    offenders = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in found
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if ROLE_COMPARISON.search(line)
    ]
    assert offenders == []
