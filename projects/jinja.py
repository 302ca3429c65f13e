"""The Jinja2 environment of the templates Jinja2 renders (the city overview's tables, a row per
unit): the same filters, URLs and translations as the Django templates, so a cell reads the same
whichever engine draws it. Autoescape stays on; Django's safe strings (``share``'s muted dash) pass
through unescaped, as they do in Django templates."""

from typing import Any

from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.formats import localize
from django.utils.translation import get_language
from jinja2 import Environment

from .templatetags import portal


def url(name: str, *args: Any, **kwargs: Any) -> str:
    """``{% url name arg … %}`` of the Django templates."""
    return reverse(name, args=args or None, kwargs=kwargs or None)


def number(value: Any) -> str:
    """A value as a Django template prints it: localized, an integer as its digits unless the
    settings ask for thousand separators (the common case costs no locale lookup)."""
    if isinstance(value, int) and not settings.USE_THOUSAND_SEPARATOR:
        return str(value)
    return str(localize(value))


def default_if_none(value: Any, default: Any) -> Any:
    """Django's ``default_if_none`` filter."""
    return default if value is None else value


# A milestone table draws thousands of status cells: each status's label and badge class are
# looked up once per language rather than once a cell (the Django filters build enums and a lazy
# translation each time).
_STATUS_LABELS: dict[tuple[str, str], str] = {}
_STATUS_BADGES = {str(status): badge for status, badge in portal.STATUS_BADGES.items()}


def status_label(status: str) -> str:
    """``portal.status_label``, remembered per language."""
    key = (get_language() or "", str(status))
    label = _STATUS_LABELS.get(key)
    if label is None:
        label = _STATUS_LABELS[key] = portal.status_label(status)
    return label


def status_badge(status: str) -> str:
    """``portal.status_badge`` by a dictionary lookup."""
    return _STATUS_BADGES[str(status)]


def environment(**options: Any) -> Environment:
    """The environment Django's Jinja2 backend builds (settings.TEMPLATES, "jinja2"): gettext as
    ``_``/``gettext``/``ngettext``/``pgettext`` in the active language (new-style: always
    %-formatted, the variables escaped), and the portal's filters."""
    # Escaping is always on, whatever the settings pass.
    options.pop("autoescape", None)
    env = Environment(autoescape=True, extensions=["jinja2.ext.i18n"], **options)
    env.install_gettext_translations(translation, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(url=url, static=static)
    env.filters.update(
        cn_date=portal.cn_date,
        status_label=status_label,
        status_badge=status_badge,
        milestone_reached=portal.milestone_reached,
        milestone_projects=portal.milestone_projects,
        share=portal.share,
        tenths=portal.tenths,
        money=portal.money,
        number=number,
        default_if_none=default_if_none,
    )
    return env
