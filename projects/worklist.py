"""The 待办 panel at the top of every home page: what the person has to do next, each item a link to the
page that settles it, with its due date and how overdue it is on the page's date.

Each app lists the items of the facts it owns, by the same selectors and rules as the pages the items
link to, and registers its provider in its AppConfig.ready() (``register_worklist_provider``): the
core app does not import ``reporting`` or ``paperwork``, as with the consequences hook. A provider
costs a fixed number of queries whatever the data size, so the panel does too.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from . import permissions
from .choices import Role
from .models import PlanYear, Project, Unit, User


@dataclass(frozen=True)
class WorkContext:
    """Whose panel, on which day: the user's role as the worklists name it ("clerk", "leader",
    "city"; "admin" has none), their unit for a clerk or leader, the plan year and the page's date."""

    user: User
    role: str
    unit: Unit | None
    plan_year: PlanYear
    day: date


@dataclass(frozen=True)
class WorkItem:
    """One thing to do: a line of text, the page that settles it, its due date (None: none set) and
    the page's date it is judged on; ``note`` adds a reason or a date."""

    text: str
    url: str
    day: date
    due: date | None = None
    note: str = ""

    @property
    def overdue_days(self) -> int:
        """Days past the due date on the page's date (0 on the due day itself and before)."""
        return max(0, (self.day - self.due).days) if self.due is not None else 0

    @property
    def days_left(self) -> int | None:
        """Days until the due date on the page's date (0: due today), None once it has passed."""
        if self.due is None or self.day > self.due:
            return None
        return (self.due - self.day).days


@dataclass(frozen=True)
class WorkGroup:
    """Items of one kind (reports to approve, open flags, …), the most overdue first, with the page
    that lists them all; ``order`` places the group in the panel."""

    key: str
    title: str
    url: str
    items: tuple[WorkItem, ...]
    order: int = 50

    @property
    def overdue(self) -> int:
        return sum(1 for item in self.items if item.overdue_days > 0)


WorklistProvider = Callable[[WorkContext], Iterable[WorkGroup]]
_providers: list[WorklistProvider] = []


def register_worklist_provider(provider: WorklistProvider) -> None:
    """Called once by each app in AppConfig.ready(): ``provider(context)`` gives its groups of items
    for the context's role (none for roles it has nothing for), in a fixed number of queries."""
    if provider not in _providers:
        _providers.append(provider)


def role_for_worklist(user: User) -> str:
    """The user's role as the worklists name it: administrators have no worklist ("admin")."""
    return permissions.role_of(user)


def by_due(items: Iterable[WorkItem]) -> tuple[WorkItem, ...]:
    """The most overdue first, then the nearest due date, the undated last (stable otherwise)."""
    return tuple(sorted(items, key=lambda i: (i.due is None, i.due or date.max)))


@dataclass(frozen=True)
class Worklist:
    """A person's 待办 on the page's date: the non-empty groups in panel order."""

    day: date
    groups: tuple[WorkGroup, ...]

    @property
    def total(self) -> int:
        return sum(len(g.items) for g in self.groups)

    @property
    def overdue(self) -> int:
        return sum(g.overdue for g in self.groups)


def work_context(*, user: User, plan_year: PlanYear, day: date) -> WorkContext | None:
    """Whose worklist on ``day``; None for those who have none (administrators, a clerk or leader
    without a unit)."""
    role = role_for_worklist(user)
    unit = user.unit if role in (Role.CLERK, Role.LEADER) else None
    if role == "admin" or (role in (Role.CLERK, Role.LEADER) and unit is None):
        return None
    return WorkContext(user=user, role=role, unit=unit, plan_year=plan_year, day=day)


def worklist(
    *,
    user: User,
    plan_year: PlanYear,
    day: date,
    providers: Sequence[WorklistProvider] | None = None,
) -> Worklist:
    """The user's 待办 on ``day``: every registered provider's (or only ``providers``') non-empty
    groups, in panel order."""
    context = work_context(user=user, plan_year=plan_year, day=day)
    if context is None:
        return Worklist(day, ())
    chosen = _providers if providers is None else providers
    groups = [g for provider in chosen for g in provider(context) if g.items]
    return Worklist(day, tuple(sorted(groups, key=lambda g: g.order)))


# --- the core app's own items -------------------------------------------------------------------


def evidence_missing_url() -> str:
    """The project list filtered to the projects whose criteria lack evidence (未核验)."""
    return f"{reverse('project_list')}?{urlencode({'evidence': 'missing'})}"


def project_worklist(context: WorkContext) -> Sequence[WorkGroup]:
    """A unit's projects with a start criterion dated but not backed by its photo or scan (未核验):
    the count of the project list's 未核验 filter, one query."""
    from .selectors import project_search

    if context.unit is None:
        return []
    n = project_search(
        projects=Project.objects.filter(plan_year=context.plan_year, unit=context.unit),
        evidence="missing",
    ).count()
    if not n:
        return []
    text = _("%(n)d 个项目的开工条件已填日期但未上传证明材料（未核验）") % {"n": n}
    item = WorkItem(text=text, url=evidence_missing_url(), day=context.day)
    return [WorkGroup("evidence", _("证明材料"), evidence_missing_url(), (item,), order=40)]
