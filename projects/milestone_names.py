"""A milestone's name as its plan year's data words it (阶段任务名称): which figure, what share, by
when — "6月底开工量达50%" for 2022 — so a plan year with other shares or dates never shows 2022's
words. Written once here; every page, export, chart, notice and command reads it."""

from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .choices import Measure, TargetBasis

if TYPE_CHECKING:
    from .models import Milestone


def _month(day: date) -> str:
    """The month as the active language names it in a phrase: 6 in Chinese (6月), June in English."""
    if (get_language() or "zh").startswith("zh"):
        return str(day.month)
    return date_format(day, "F")


def due_phrase(due: date) -> str:
    """By when: 6月底 for the last day of a month, else 7月15日前."""
    if (due + timedelta(days=1)).day == 1:
        return _("%(month)s月底") % {"month": _month(due)}
    return _("%(month)s月%(day)s日前") % {"month": _month(due), "day": due.day}


def composed_name(
    *, measure: str, basis: str, percent: int, due: date, completion_percent: int
) -> str:
    """The name the data gives: the figure counted (``measure``), the share of the target
    (``basis``) it must reach, and the due date. A completion milestone measured against the
    completion target names the share of new starts that target is (``completion_percent``, 70 % in
    2022), as the source document does ("12月底完成改造70%")."""
    when = due_phrase(due)
    if measure == Measure.CARRYOVER_COMPLETED:
        if percent == 100:
            return _("续建项目%(when)s全部完工") % {"when": when}
        return _("续建项目%(when)s完工%(percent)s%%") % {"when": when, "percent": percent}
    if measure == Measure.NEW_STARTED:
        if percent == 100:
            return _("%(when)s全部开工") % {"when": when}
        return _("%(when)s开工量达%(percent)s%%") % {"when": when, "percent": percent}
    if basis == TargetBasis.COMPLETIONS and percent != 100:
        return _("%(when)s完成改造目标的%(percent)s%%") % {"when": when, "percent": percent}
    share = completion_percent if basis == TargetBasis.COMPLETIONS else percent
    return _("%(when)s完成改造%(percent)s%%") % {"when": when, "percent": share}


def milestone_name(milestone: "Milestone", *, completion_percent: int) -> str:
    """The milestone's name: the one its plan year sets, else the one its figures compose."""
    if milestone.name:
        return milestone.name
    return composed_name(
        measure=milestone.measure,
        basis=milestone.basis,
        percent=milestone.percent,
        due=milestone.due,
        completion_percent=completion_percent,
    )
