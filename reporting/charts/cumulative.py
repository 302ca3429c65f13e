"""The cumulative chart: households over the plan year as a step line per series, the milestones
as goals, the page's date as a vertical line, and every figure said again in words."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.utils.safestring import SafeString

from projects.rules.dates import cn_month_day

from . import draw
from .draw import HOUSEHOLDS_UNIT, PHONE_SMALL_SIZE, VIEW_WIDTH

# A label's height, and the least vertical distance between two end figures.
_LABEL_HEIGHT = PHONE_SMALL_SIZE + 2


@dataclass(frozen=True)
class Series:
    """One cumulative figure over time (e.g. 累计开工户数): households per date, dates ascending."""

    label: str
    points: tuple[tuple[date, int], ...]
    css_class: str = "series-a"


@dataclass(frozen=True)
class Goal:
    """A milestone drawn on the cumulative chart: the households needed by ``due``."""

    label: str
    due: date
    households: int


@dataclass(frozen=True)
class _Plot:
    """Where the plot area sits and how dates (x) and households (y) map onto it."""

    start: date
    end: date
    left: float
    right: float
    top: float
    bottom: float
    y_max: int

    def x_of(self, day: date) -> float:
        """The x of a date, clamped to the axis."""
        span = (self.end - self.start).days
        days = min(max((day - self.start).days, 0), span)
        return self.left + (self.right - self.left) * days / span

    def y_of(self, households: int) -> float:
        """The y of a number of households."""
        return self.bottom - (self.bottom - self.top) * households / self.y_max


@dataclass(frozen=True)
class _End:
    """Where a series ends, and the figure written there."""

    x: float
    y: float
    css: str
    caption: str


def nice_axis_max(value: int, *, floor: int = 10, intervals: int = 5) -> tuple[int, int]:
    """The axis top and step: a 1/2/5 × 10ⁿ step, at most ``intervals`` steps, top ≥ ``value`` and ≥ ``floor``."""
    value = max(value, floor)
    raw = -(-value // intervals)
    magnitude = 10 ** (len(str(raw)) - 1)
    step = magnitude
    for multiple in (1, 2, 5, 10):
        step = multiple * magnitude
        if step * intervals >= value:
            break
    return -(-value // step) * step, step


def cumulative_chart_svg(
    *,
    title: str,
    start: date,
    end: date,
    series: Sequence[Series],
    goals: Sequence[Goal],
    as_of: date | None = None,
) -> SafeString:
    """Cumulative households over the year (step line per series), milestone goals as markers with labels, a vertical line at as_of (labelled 截至 M月D日), y axis from 0 to a nice rounded max ≥ every value and goal, month ticks on x (1月…12月), a legend.

    A series is drawn from its first point (nothing is invented before it) and each figure holds
    until the next point; after the last point it holds until ``as_of``. Points after ``end`` are
    ignored, points before ``start`` set the figure at ``start``. A goal due outside the axis is
    drawn at the nearer end; an ``as_of`` outside the axis draws no line.
    """
    _check(start=start, end=end, series=series, goals=goals)
    steps_by_series = [_visible_steps(one.points, start, end) for one in series]
    top_value = max(
        [h for steps in steps_by_series for _, h in steps] + [g.households for g in goals] + [0]
    )
    y_max, y_step = nice_axis_max(top_value)

    body, below_title = draw.title_block(title)
    legend = _legend(below_title + 20, series, goals)
    body.append(legend.markup())
    plot = _plot(start, end, legend.y, y_max)
    body.extend(_axes(plot, y_step))

    hold_until = as_of if as_of is not None and start <= as_of <= end else None
    # Lines first; the labels last, over every line, each with a white halo.
    lines = [_goal_line(plot, goal) for goal in goals]
    if hold_until is not None:
        lines.append(_as_of_line(plot, hold_until))
    ends: list[_End] = []
    for one, steps in zip(series, steps_by_series, strict=True):
        markup, series_end = _series_line(plot, one, steps, hold_until)
        lines.append(markup)
        if series_end is not None:
            ends.append(series_end)
    labels, taken = _end_labels(plot, ends)
    for goal in sorted(goals, key=lambda g: -g.households):
        labels.append(_goal_label(plot, goal, taken))
    if not ends:
        labels.append(_no_data(plot))
    body.extend(lines)
    body.append('<g class="labels">' + "".join(labels) + "</g>")

    return draw.document(
        chart_id=draw.chart_id(
            "cumulative", (title, start, end, tuple(series), tuple(goals), as_of)
        ),
        kind="cumulative-chart",
        height=plot.bottom + 30,
        title=title,
        desc=_description(start, end, series, steps_by_series, goals, hold_until),
        body=body,
    )


def _check(*, start: date, end: date, series: Sequence[Series], goals: Sequence[Goal]) -> None:
    """Refuse an empty axis, dates out of order and households that are not whole and positive."""
    if end <= start:
        raise ValueError(f"end ({end}) must be after start ({start})")
    for one in series:
        previous: date | None = None
        for day, households in one.points:
            draw.check_count(households, f"{one.label} on {day}")
            if previous is not None and day < previous:
                raise ValueError(f"{one.label}: dates must be ascending ({previous} > {day})")
            previous = day
    for goal in goals:
        draw.check_count(goal.households, goal.label)


def _visible_steps(
    points: tuple[tuple[date, int], ...], start: date, end: date
) -> list[tuple[date, int]]:
    """The points drawn between ``start`` and ``end``: later ones dropped, earlier ones folded into ``start``."""
    steps: list[tuple[date, int]] = []
    for day, households in points:
        if day > end:
            break
        if day < start:
            steps = [(start, households)]
        elif steps and steps[-1][0] == day:
            steps[-1] = (day, households)
        else:
            steps.append((day, households))
    return steps


def _legend(top: float, series: Sequence[Series], goals: Sequence[Goal]) -> draw.Legend:
    """A sample line per series, and the goal's marker when there are goals."""
    legend = draw.Legend(top)
    for one in series:
        legend.add(
            draw.line_el(0, 0, 26, 0, "line"),
            one.label,
            sample_width=26,
            css=f"series {one.css_class}",
        )
    if goals:
        legend.add(
            draw.line_el(0, 0, 20, 0, "goal-line")
            + f'<path class="goal-marker" d="{_diamond(24, 0, 4.5)}"/>',
            draw.GOAL_LEGEND,
            sample_width=30,
            css="goal",
        )
    return legend


def _plot(start: date, end: date, legend_bottom: float, y_max: int) -> _Plot:
    """The plot area below the legend: left of it the y labels, right of it room for the figures."""
    widest_tick = draw.text_width(draw.households(y_max), PHONE_SMALL_SIZE)
    top = legend_bottom + 46  # room for the 截至 label and the unit above the plot
    return _Plot(
        start=start,
        end=end,
        left=8 + widest_tick + 8,
        right=VIEW_WIDTH - 8 - draw.text_width("00,000", PHONE_SMALL_SIZE),
        top=top,
        bottom=top + 240,
        y_max=y_max,
    )


def _axes(plot: _Plot, y_step: int) -> list[str]:
    """Both axes in one group: the households' gridlines and unit, the months' ticks and names."""
    return [
        '<g class="axis y-axis">',
        *_y_ticks(plot, y_step),
        *_month_ticks(plot),
        draw.line_el(plot.right, plot.bottom, plot.right, plot.bottom + 5, "tick"),
        draw.line_el(plot.left, plot.bottom, plot.right, plot.bottom, "axis-line"),
        "</g>",
    ]


def _y_ticks(plot: _Plot, y_step: int) -> list[str]:
    """Gridlines and labels at every step, the unit above them."""
    ticks = []
    for value in range(0, plot.y_max + 1, y_step):
        y = plot.y_of(value)
        ticks.append(
            f'<g class="y-tick" data-value="{value}">'
            + draw.line_el(plot.left, y, plot.right, y, "grid")
            + draw.text_el(
                plot.left - 6,
                y,
                draw.households(value),
                css="chart-small",
                anchor="end",
                central=True,
            )
            + "</g>"
        )
    ticks.append(
        draw.text_el(
            plot.left - 6, plot.top - 16, HOUSEHOLDS_UNIT, css="chart-small unit", anchor="end"
        )
    )
    return ticks


def _month_ticks(plot: _Plot) -> list[str]:
    """A tick at the start of each month, the month's name centred in its span where it fits."""
    ticks = []
    bounds = [plot.start, *_month_starts(plot.start, plot.end)]
    for i, month_start in enumerate(bounds):
        x0 = plot.x_of(month_start)
        x1 = plot.x_of(bounds[i + 1]) if i + 1 < len(bounds) else plot.right
        name = f"{month_start.month}月"
        label = ""
        if x1 - x0 >= draw.text_width(name, PHONE_SMALL_SIZE) + 2:
            label = draw.text_el(
                (x0 + x1) / 2, plot.bottom + 18, name, css="chart-small", anchor="middle"
            )
        ticks.append(
            f'<g class="month" data-month="{month_start:%Y-%m}">'
            + draw.line_el(x0, plot.bottom, x0, plot.bottom + 5, "tick")
            + label
            + "</g>"
        )
    return ticks


def _next_month(day: date) -> date:
    """The first day of the month after ``day``'s."""
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _month_starts(start: date, end: date) -> list[date]:
    """The first day of every month after ``start`` up to ``end``."""
    days = []
    day = _next_month(start)
    while day <= end:
        days.append(day)
        day = _next_month(day)
    return days


def _diamond(x: float, y: float, r: float) -> str:
    """Path data of a diamond centred on (x, y)."""
    return (
        f"M{draw.num(x)} {draw.num(y - r)}L{draw.num(x + r)} {draw.num(y)}"
        f"L{draw.num(x)} {draw.num(y + r)}L{draw.num(x - r)} {draw.num(y)}Z"
    )


def _goal_line(plot: _Plot, goal: Goal) -> str:
    """A dotted line from the y axis to the due date and a diamond (labelled by _goal_label)."""
    x, y = plot.x_of(goal.due), plot.y_of(goal.households)
    return (
        f'<g class="goal" data-households="{goal.households}" data-due="{goal.due.isoformat()}">'
        + draw.line_el(plot.left, y, x, y, "goal-line")
        + f'<path class="goal-marker" d="{_diamond(x, y, 5.5)}"/></g>'
    )


def _as_of_line(plot: _Plot, day: date) -> str:
    """The page's date: a dashed vertical line, its caption above the plot, kept inside the chart."""
    x = plot.x_of(day)
    caption = draw.AS_OF_CAPTION.format(day=cn_month_day(day))
    half = draw.text_width(caption, PHONE_SMALL_SIZE) / 2
    label_x = min(max(x, plot.left + half), VIEW_WIDTH - 4 - half)
    return (
        f'<g class="as-of" data-date="{day.isoformat()}">'
        + draw.line_el(x, plot.top - 10, x, plot.bottom)
        + draw.text_el(label_x, plot.top - 16, caption, css="chart-small", anchor="middle")
        + "</g>"
    )


def _series_line(
    plot: _Plot, one: Series, steps: list[tuple[date, int]], hold_until: date | None
) -> tuple[str, _End | None]:
    """A series' step line with a dot at its end, and where that end is (None: nothing drawn)."""
    css = draw.text(f"series {one.css_class}")
    if not steps:
        return f'<g class="{css}"></g>', None
    last_day, last_value = steps[-1]
    path = f"M{draw.num(plot.x_of(steps[0][0]))} {draw.num(plot.y_of(steps[0][1]))}"
    for (_, held), (day, households) in itertools.pairwise(steps):
        path += f"H{draw.num(plot.x_of(day))}"
        if households != held:
            path += f"V{draw.num(plot.y_of(households))}"
    end_day = max(last_day, hold_until) if hold_until else last_day
    if any(day > plot.end for day, _ in one.points):
        end_day = plot.end  # the next figure comes after the axis: this one holds to its end
    if end_day > last_day:
        path += f"H{draw.num(plot.x_of(end_day))}"
    ex, ey = plot.x_of(end_day), plot.y_of(last_value)
    markup = (
        f'<g class="{css}"><path class="line" d="{path}"/>'
        f'<circle class="dot" cx="{draw.num(ex)}" cy="{draw.num(ey)}" r="3.5"/></g>'
    )
    return markup, _End(ex, ey, css, draw.households(last_value))


def _end_labels(plot: _Plot, ends: list[_End]) -> tuple[list[str], list[draw.Box]]:
    """The end figures, kept apart vertically when two series end close together; returns the
    labels and the boxes they take."""
    labels: list[str] = []
    taken: list[draw.Box] = []
    order = sorted(range(len(ends)), key=lambda i: ends[i].y)
    placed = draw.spread([ends[i].y for i in order], _LABEL_HEIGHT, plot.top, plot.bottom)
    for i, y in zip(order, placed, strict=True):
        one = ends[i]
        labels.append(
            f'<g class="{one.css}">'
            + draw.text_el(one.x + 7, y, one.caption, css="value chart-small halo", central=True)
            + "</g>"
        )
        taken.append(
            draw.Box(one.x + 7, y, draw.text_width(one.caption, PHONE_SMALL_SIZE), _LABEL_HEIGHT)
        )
    return labels, taken


@dataclass(frozen=True)
class _Place:
    """Where a goal's label may go: its anchor ("end": left of the diamond, "start": right of it),
    its point, its text (shortened to the room on that side) and the box it takes."""

    anchor: str
    x: float
    y: float
    shown: str
    box: draw.Box


def _goal_label(plot: _Plot, goal: Goal, taken: list[draw.Box]) -> str:
    """A goal's label at the first place that covers no label in ``taken`` (else at the first
    place); the box it takes is added to ``taken``."""
    places = _goal_label_places(plot, goal)
    place = next(
        (p for p in places if not any(p.box.overlaps(other) for other in taken)), places[0]
    )
    taken.append(place.box)
    return (
        f'<g class="goal-label" data-households="{goal.households}">'
        + draw.text_el(
            place.x, place.y, place.shown, css="chart-small halo", anchor=place.anchor, central=True
        )
        + "</g>"
    )


def _goal_label_places(plot: _Plot, goal: Goal) -> list[_Place]:
    """The places a goal's label may take, best first: above or below the line, left of the
    diamond where the label fits there (or has more room than on the right), else right; a place
    outside the plot only when no other is left."""
    x, y = plot.x_of(goal.due), plot.y_of(goal.households)
    caption = f"{goal.label} {draw.households(goal.households)}{HOUSEHOLDS_UNIT}"
    room_left, room_right = x - plot.left - 10, VIEW_WIDTH - 8 - x - 10
    width = draw.text_width(caption, PHONE_SMALL_SIZE)
    sides = ["end", "start"] if room_left >= min(width, room_right) else ["start", "end"]
    candidates = [
        (side, label_y)
        for side in sides
        for label_y in (y - 10, y + 10)
        if plot.top - 4 <= label_y <= plot.bottom - 6
    ] or [(sides[0], y - 10)]
    places = []
    for side, label_y in candidates:
        shown = draw.fit(caption, PHONE_SMALL_SIZE, room_left if side == "end" else room_right)
        shown_width = draw.text_width(shown, PHONE_SMALL_SIZE)
        label_x = x - 10 if side == "end" else x + 10
        left_edge = label_x - shown_width if side == "end" else label_x
        box = draw.Box(left_edge, label_y, shown_width, _LABEL_HEIGHT)
        places.append(_Place(side, label_x, label_y, shown, box))
    return places


def _no_data(plot: _Plot) -> str:
    """暂无数据 in the middle of an empty plot."""
    return draw.text_el(
        (plot.left + plot.right) / 2,
        (plot.top + plot.bottom) / 2,
        draw.NO_DATA_CAPTION,
        css="no-data",
        anchor="middle",
        central=True,
    )


def _description(
    start: date,
    end: date,
    series: Sequence[Series],
    steps_by_series: list[list[tuple[date, int]]],
    goals: Sequence[Goal],
    as_of: date | None,
) -> str:
    """What the cumulative chart shows, in words, for screen readers."""
    sentences = [f"横轴为{draw.full_date(start)}至{draw.full_date(end)}，纵轴为累计户数。"]
    for one, steps in zip(series, steps_by_series, strict=True):
        if steps:
            day, households = steps[-1]
            shown = as_of if as_of and as_of > day else day
            sentences.append(
                f"{one.label}截至{draw.full_date(shown)}为{draw.households(households)}户。"
            )
        else:
            sentences.append(f"{one.label}{draw.NO_DATA_CAPTION}。")
    if goals:
        listed = "；".join(
            f"{g.label}，{draw.full_date(g.due)}前{draw.households(g.households)}户" for g in goals
        )
        sentences.append(f"阶段目标：{listed}。")
    return "".join(sentences)
