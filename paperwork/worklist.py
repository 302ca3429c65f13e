"""The paperwork's part of the 待办 panel (projects.worklist): for a unit's clerk and leader the
implementation plan and renovation plans still to submit, plan adjustments drafted and not submitted
before the cut-off, and the rectifications overdue; for the city office the adjustments awaiting its
decision and the units with overdue documents or rectifications.

Read by the selectors of the pages the items link to (``paperwork_rows``, ``overdue_rectifications``,
``adjustments_visible``) on the page's date: a fixed number of queries whatever the data size.
"""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from projects.choices import Role
from projects.templatetags.portal import cn_date
from projects.worklist import WorkContext, WorkGroup, WorkItem, by_due

from .models import AdjustmentState
from .selectors.adjustments import adjustments_visible
from .selectors.inspections import overdue_rectifications
from .selectors.overview import paperwork_rows


def _unit_groups(context: WorkContext) -> list[WorkGroup]:
    assert context.unit is not None
    plan_year, day, unit = context.plan_year, context.day, context.unit
    row = paperwork_rows(plan_year=plan_year, today=day, units=[unit])[0]
    plans_url = reverse("paperwork:plans")
    documents = []
    if row.plan_submitted_on is None:
        documents.append(
            WorkItem(_("年度工作实施方案待报送"), plans_url, day, plan_year.implementation_plan_due)
        )
    if row.renovation_plans_missing:
        documents.append(
            WorkItem(
                _("%(n)d 个项目的改造方案未定稿") % {"n": row.renovation_plans_missing},
                plans_url,
                day,
                plan_year.renovation_plans_due,
            )
        )
    # A draft may be submitted until the cut-off day (included); after it the draft cannot be.
    if day <= plan_year.adjustment_cutoff:
        drafts = adjustments_visible(user=context.user).filter(
            plan_year=plan_year, state=AdjustmentState.DRAFT
        )
        documents.extend(
            WorkItem(
                _("计划调整 #%(pk)d 草稿待报送") % {"pk": a.pk},
                reverse("paperwork:adjustment_detail", args=[a.pk]),
                day,
                plan_year.adjustment_cutoff,
            )
            for a in drafts.order_by("id")
        )
    findings = [
        WorkItem(
            (f"{f.project.name} · " if f.project else "") + f.description[:40],
            reverse("paperwork:finding_close", args=[f.pk]),
            day,
            f.deadline,
            f.inspection.get_kind_display(),
        )
        for f in overdue_rectifications(plan_year=plan_year, today=day, unit=unit)
    ]
    return [
        WorkGroup("documents", _("待报送的计划与方案"), plans_url, by_due(documents), order=20),
        WorkGroup(
            "rectifications",
            _("逾期未完成的整改"),
            reverse("paperwork:inspection_list"),
            by_due(findings),
            order=21,
        ),
    ]


def _city_groups(context: WorkContext) -> list[WorkGroup]:
    plan_year, day = context.plan_year, context.day
    submitted = adjustments_visible(user=context.user).filter(
        plan_year=plan_year, state=AdjustmentState.SUBMITTED
    )
    decide = tuple(
        WorkItem(
            _("%(unit)s计划调整 #%(pk)d 待审核") % {"unit": a.unit.name, "pk": a.pk},
            reverse("paperwork:adjustment_detail", args=[a.pk]),
            day,
            note=_("%(day)s报送") % {"day": cn_date(a.submitted_on)}
            if a.submitted_on is not None
            else "",
        )
        for a in submitted.order_by("submitted_on", "id")
    )
    inspections_url = reverse("paperwork:inspection_list")
    overdue = []
    for row in paperwork_rows(plan_year=plan_year, today=day, tags=False):
        if not row.overdue_total:
            continue
        parts = []
        if row.plan_overdue:
            parts.append(_("实施方案逾期未报送"))
        if row.renovation_plans_overdue:
            parts.append(_("%(n)d 个改造方案逾期未定稿") % {"n": row.renovation_plans_overdue})
        if row.overdue_rectifications:
            parts.append(_("%(n)d 项整改逾期") % {"n": row.overdue_rectifications})
        url = (
            f"{inspections_url}?{urlencode({'unit': str(row.unit.pk), 'as_of': day.isoformat()})}"
            if row.overdue_rectifications
            else f"{reverse('paperwork:plans')}?{urlencode({'unit': str(row.unit.pk)})}"
        )
        text = _("%(unit)s：逾期 %(n)d 项") % {"unit": row.unit.name, "n": row.overdue_total}
        overdue.append(WorkItem(text, url, day, note="；".join(parts)))
    return [
        WorkGroup(
            "adjustments_decide",
            _("待审核的计划调整"),
            reverse("paperwork:adjustment_list"),
            decide,
            order=20,
        ),
        WorkGroup(
            "units_overdue",
            _("材料或整改逾期的区县"),
            reverse("paperwork:plans"),
            tuple(overdue),
            order=21,
        ),
    ]


def paperwork_worklist(context: WorkContext) -> list[WorkGroup]:
    """The paperwork items of ``context``'s role (none for administrators)."""
    if context.role in (Role.CLERK, Role.LEADER) and context.unit is not None:
        return _unit_groups(context)
    if context.role == Role.CITY:
        return _city_groups(context)
    return []
