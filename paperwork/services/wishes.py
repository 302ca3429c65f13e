"""The facilities residents most want (居民意愿), recorded with a community's renovation plan: each
facility once, with the number of households asking for it.

Services write (atomic, with history, the unit's clerk or leader, not on a final plan); the strong
wish check is projects/rules/records.py's, the same one the project page and lists warn with."""

from dataclasses import dataclass
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from projects import permissions
from projects.choices import LIST_FIELDS
from projects.models import Project, User
from projects.rules.arithmetic import percent_tenths_down
from projects.rules.records import (
    strongly_wanted,
    unmet_wishes,
    wish_households_problem,
    wish_warning,
)

from ..models import RenovationPlan, ResidentWish
from ..selectors.plans import _lock_project

# The facilities offered as suggestions: the renovation contents, so a wish and the contents that
# meet it are spelled alike (the check compares the names).
FACILITY_SUGGESTIONS: tuple[str, ...] = LIST_FIELDS["contents"]


# --- reads ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WishRow:
    """A wish as the renovation plan page lists it: its share of the project's households (tenths
    of a percent), whether it is strongly wanted, and whether the contents include it."""

    wish: ResidentWish
    share: int | None
    strong: bool
    in_contents: bool

    @property
    def unmet(self) -> bool:
        return self.strong and not self.in_contents


def wish_rows(project: Project) -> tuple[WishRow, ...]:
    """The project's wishes, most asked first, in one query."""
    contents = frozenset(project.contents or ())
    wishes = ResidentWish.objects.filter(plan__project=project).order_by("-households", "facility")
    return tuple(
        WishRow(
            wish,
            percent_tenths_down(actual=wish.households, target=project.households),
            strongly_wanted(asked=wish.households, households=project.households),
            wish.facility in contents,
        )
        for wish in wishes
    )


def wishes_warning(project: Project, rows: tuple[WishRow, ...]) -> str | None:
    """The strong-wish warning of the project (the project page's wording), None when all are met."""
    missing = unmet_wishes(
        wishes={row.wish.facility: row.wish.households for row in rows},
        contents=frozenset(project.contents or ()),
        households=project.households,
    )
    return wish_warning(missing)


# --- writes -----------------------------------------------------------------------------------------


def _writable_plan(project: Project, user: User | None) -> tuple[Project, RenovationPlan]:
    """The project held and its renovation plan (created if none yet), refused on a final plan."""
    project = _lock_project(project)
    permissions.require_unit_writer(user, project.unit_id)
    plan, _created = RenovationPlan.objects.get_or_create(project=project)
    if plan.final:
        raise ValidationError(_("改造方案已定稿，如需修改居民意愿请先撤销定稿"))
    return project, plan


def _checked(
    *, project: Project, plan: RenovationPlan, facility: str, households: int, wish_id: int | None
) -> str:
    facility = facility.strip()
    errors: dict[str, str] = {}
    if not facility:
        errors["facility"] = _("请填写设施")
    elif (
        ResidentWish.objects.filter(plan=plan, facility=facility)
        .exclude(id__in=[wish_id] if wish_id is not None else [])
        .exists()
    ):
        errors["facility"] = _("已登记“%(facility)s”，请修改原记录") % {"facility": facility}
    problem = wish_households_problem(asked=households, households=project.households)
    if problem:
        errors["households"] = problem
    if errors:
        raise ValidationError(errors)
    return facility


@transaction.atomic
def resident_wish_add(
    *, project: Project, user: User | None, facility: str, households: int
) -> ResidentWish:
    """Record a facility the residents asked for and how many households asked."""
    project, plan = _writable_plan(project, user)
    facility = _checked(
        project=project, plan=plan, facility=facility, households=households, wish_id=None
    )
    wish = ResidentWish(plan=plan, facility=facility, households=households)
    wish.full_clean()
    wish._history_user = user  # type: ignore[attr-defined]
    wish.save()
    return wish


@transaction.atomic
def resident_wish_update(
    *, wish: ResidentWish, user: User | None, facility: str, households: int
) -> ResidentWish:
    """Correct a wish's facility or count; the history keeps the earlier figures."""
    project, plan = _writable_plan(wish.plan.project, user)
    wish = ResidentWish.objects.select_for_update().get(pk=wish.pk, plan=plan)
    wish.facility = _checked(
        project=project, plan=plan, facility=facility, households=households, wish_id=wish.pk
    )
    wish.households = households
    wish.full_clean()
    wish._history_user = user  # type: ignore[attr-defined]
    wish.save()
    return wish


@transaction.atomic
def resident_wish_delete(*, wish: ResidentWish, user: User | None) -> None:
    """Remove a wish entered in error (its history keeps it)."""
    _writable_plan(wish.plan.project, user)
    wish._history_user = user  # type: ignore[attr-defined]
    wish.delete()


# --- form -------------------------------------------------------------------------------------------


class ResidentWishForm(forms.Form):
    """A facility residents asked for (typed, or picked from the renovation contents) and the
    number of households asking."""

    facility = forms.CharField(
        label=gettext_lazy("设施"),
        max_length=50,
        widget=forms.TextInput(attrs={"list": "facility-suggestions", "autocomplete": "off"}),
        help_text=gettext_lazy("与改造内容的名称一致，才能判断是否已列入"),
    )
    households = forms.IntegerField(label=gettext_lazy("提出户数"), min_value=1)

    def __init__(self, *args: Any, submit: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(
                Column("facility", css_class="col-sm-7"),
                Column("households", css_class="col-sm-5"),
            ),
            Submit("save_wish", submit or gettext_lazy("保存"), css_class="btn-primary"),
        )
