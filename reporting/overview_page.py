"""The city overview's body: what the page shows of the programme's data on a date for one page of
units — the figures (reporting.selectors), the paperwork table, the charts, and the large tables
drawn by Jinja2 — kept in Django's cache per plan year, date, page, language and data version
(projects.data_version), so a request after a write builds it again and every other request reads
it whole. The city office's 待办 on the page's date is cached beside it, per user.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.paginator import Paginator
from django.template import engines
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from paperwork.selectors.overview import paperwork_rows, rows_shared
from projects.choices import LINKED_TAGS, Measure
from projects.data_version import cached
from projects.models import PlanYear, User
from projects.rules.dates import cn_month_day
from projects.rules.milestones import MilestoneSpec
from projects.worklist import Worklist, role_for_worklist, worklist

from . import charts, selectors
from .selectors import Cumulative

# A city's eleven units (or a province's 160) are one page; a national programme's thousands are
# paged, the city row and the charts of the whole on every page.
OVERVIEW_UNITS_PER_PAGE = 200
# Raised whenever OverviewBody changes shape, so entries cached in the previous shape are not read.
BODY_FORMAT = 1


def render_rows(template: str, context: dict[str, Any]) -> SafeString:
    """A table body drawn by Jinja2 (reporting/jinja2/…; autoescaped)."""
    return mark_safe(engines["jinja2"].get_template(template).render(context))  # noqa: S308


@dataclass(frozen=True)
class Chart:
    """A cumulative chart (SVG) with its data table's rows, as the page includes it."""

    id: str
    svg: str
    columns: str
    rows_html: SafeString


def cumulative_charts(
    *,
    plan_year: PlanYear,
    specs: Iterable[MilestoneSpec],
    as_of: date,
    series: Cumulative,
    results: dict[str, Any],
    title: str,
) -> tuple[Chart, ...]:
    """The two cumulative charts (new-start projects, carry-over projects) with their data tables;
    each milestone (``specs``, as the report judged them) is a goal line at its due date."""
    specs = list(specs)

    def points(values: tuple[int, ...]) -> tuple[tuple[date, int], ...]:
        return tuple(zip(series.days, values, strict=True))

    def goals(*measures: str) -> list[charts.Goal]:
        return [
            charts.Goal(spec.name, spec.due, results[spec.key].target)
            for spec in specs
            if spec.measure in measures and results[spec.key].target is not None
        ]

    new_chart = charts.cumulative_chart_svg(
        title=_("%(name)s新开工项目：累计开工和完工户数") % {"name": title},
        start=plan_year.year_start,
        end=plan_year.year_end,
        series=[
            charts.Series(_("累计开工户数"), points(series.new_started), "series-a"),
            charts.Series(_("累计完工户数"), points(series.new_completed), "series-b"),
        ],
        goals=goals(Measure.NEW_STARTED, Measure.NEW_COMPLETED),
        as_of=as_of,
    )
    carry_chart = charts.cumulative_chart_svg(
        title=_("%(name)s续建项目：累计完工户数") % {"name": title},
        start=plan_year.year_start,
        end=plan_year.year_end,
        series=[
            charts.Series(_("续建累计完工户数"), points(series.carryover_completed), "series-a")
        ],
        goals=goals(Measure.CARRYOVER_COMPLETED),
        as_of=as_of,
    )
    rows = list(
        zip(
            series.days,
            series.new_started,
            series.new_completed,
            series.carryover_completed,
            strict=True,
        )
    )
    return tuple(
        Chart(
            id=chart_id,
            svg=svg,
            columns=columns,
            rows_html=render_rows("reporting/_chart_rows.html", {"rows": rows, "columns": columns}),
        )
        for chart_id, svg, columns in (
            ("chart-new", new_chart, "new"),
            ("chart-carryover", carry_chart, "carryover"),
        )
    )


def judging(specs: Iterable[MilestoneSpec], measure: str, as_of: date) -> MilestoneSpec | None:
    """The milestone counting ``measure`` that judges the share on ``as_of``: the next one due,
    else the last (2022: 50 % of new starts until 30 June, then all of them)."""
    counting = sorted((s for s in specs if s.measure == measure), key=lambda s: s.due)
    return next((s for s in counting if as_of <= s.due), counting[-1] if counting else None)


@dataclass(frozen=True)
class OverviewBody:
    """Everything the overview shows of the data for one page of units, its tables as HTML."""

    units_total: int
    page_number: int
    specs: tuple[MilestoneSpec, ...]
    problems: tuple[str, ...]
    start_threshold: int
    completion_threshold: int
    carryover_threshold: int
    # The completion milestone whose share the table's 完工率 is, named as the plan year names it.
    completion_name: str
    milestone_rows: SafeString
    paperwork_rows: SafeString
    share_chart: str
    share_rows: SafeString
    charts: tuple[Chart, ...]


def overview_body(
    *, plan_year: PlanYear, as_of: date, page: str | int | None, links: bool
) -> OverviewBody:
    """Every unit of the page and the city on ``as_of``: targets, figures, shares and milestones, the
    unallocated targets as their own rows, the paperwork, and the charts with their numbers."""
    overview = selectors.city_overview(plan_year=plan_year, as_of=as_of)
    report = overview.report
    # Each share is drawn against the line of the milestone that judges it, as the plan year sets it.
    started_spec = judging(report.specs, Measure.NEW_STARTED, as_of)
    completion_spec = judging(report.specs, Measure.NEW_COMPLETED, as_of)
    carryover_spec = judging(report.specs, Measure.CARRYOVER_COMPLETED, as_of)
    start_threshold = started_spec.percent if started_spec is not None else 100
    completion_threshold = completion_spec.percent if completion_spec is not None else 100
    carryover_threshold = carryover_spec.percent if carryover_spec is not None else 100
    paged = Paginator(overview.units, OVERVIEW_UNITS_PER_PAGE).get_page(page)
    rows = list(paged.object_list)
    share_chart = charts.share_bars_svg(
        title=_("各区县完成比例（截至%(day)s）") % {"day": cn_month_day(as_of)},
        categories=[r.row.label for r in rows],
        measures=[
            charts.ShareMeasure(
                _("开工率"), start_threshold, tuple(r.shares.started for r in rows)
            ),
            charts.ShareMeasure(
                _("完工率"), completion_threshold, tuple(r.shares.completed for r in rows)
            ),
            charts.ShareMeasure(
                _("续建完成率"), carryover_threshold, tuple(r.shares.carryover for r in rows)
            ),
        ],
    )
    # Judged on the page's date, like every other panel under its 截至 heading.
    paperwork = paperwork_rows(
        plan_year=plan_year,
        today=as_of,
        units=[r.row.unit for r in rows if r.row.unit is not None],
    )
    return OverviewBody(
        units_total=len(overview.units),
        page_number=paged.number,
        specs=tuple(report.specs),
        problems=tuple(str(p) for p in report.reconciliation.problems),
        start_threshold=start_threshold,
        completion_threshold=completion_threshold,
        carryover_threshold=carryover_threshold,
        completion_name=completion_spec.name if completion_spec is not None else "",
        milestone_rows=render_rows(
            "reporting/_overview_rows.html",
            {
                "rows": [overview.city, *rows],
                "specs": report.specs,
                "links": links,
                # Each unit's link: the address reversed once, not once a row.
                "unit_url": reverse("reporting:unit", args=[987654321])
                .replace("987654321", "{}")
                .format,
                "as_of_iso": as_of.isoformat(),
                "reconciliation": report.reconciliation,
                "unassigned_carryover": report.unassigned_carryover,
            },
        ),
        paperwork_rows=render_rows(
            "reporting/_paperwork_rows.html", {"paperwork": paperwork, "tags": LINKED_TAGS}
        ),
        share_chart=share_chart,
        share_rows=render_rows("reporting/_share_rows.html", {"rows": rows}),
        charts=cumulative_charts(
            plan_year=plan_year,
            specs=report.specs,
            as_of=as_of,
            series=selectors.cumulative(plan_year=plan_year, as_of=as_of),
            results=report.city.milestones,
            title=_("全市"),
        ),
    )


def page_number(value: str | None) -> int | None:
    """The page asked for as the number a cache entry is kept under: 1 when none is asked, None for
    anything but a positive whole number (computed as the paginator reads it, not cached)."""
    if not value:
        return 1
    return int(value) if value.isdigit() and int(value) >= 1 else None


def city_overview_page(
    *, user: User, plan_year: PlanYear, as_of: date, page: str | None, links: bool
) -> tuple[OverviewBody, Worklist | None]:
    """The overview's body for the page asked for and, for the city office, its 待办 on the page's
    date: each read from the cache under the data version when there, else built and stored (one
    version query and one cache read in all)."""
    language = get_language() or ""
    computes: dict[str, Callable[[], Any]] = {}
    number = page_number(page)
    body_key = (
        f"overview:{BODY_FORMAT}:{plan_year.pk}:{as_of.isoformat()}:{number}:{language}:"
        f"{'links' if links else 'plain'}"
    )
    if number is not None:
        computes[body_key] = lambda: overview_body(
            plan_year=plan_year, as_of=as_of, page=number, links=links
        )
    role = role_for_worklist(user)
    worklist_key = f"worklist:{user.pk}:{role}:{plan_year.pk}:{as_of.isoformat()}:{language}"
    if role == "city":
        computes[worklist_key] = lambda: worklist(user=user, plan_year=plan_year, day=as_of)
    with rows_shared():  # the paperwork table and the 待办 read the same day's paperwork once
        found = cached(computes)
    body = found.get(body_key) or overview_body(
        plan_year=plan_year, as_of=as_of, page=page, links=links
    )
    return body, found.get(worklist_key)
