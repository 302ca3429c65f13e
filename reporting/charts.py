"""Charts drawn by the portal itself as SVG markup: plain values in, a safe SVG string out.

No JavaScript, no chart library and nothing fetched from the internet, so the charts render the
same in the browser, in print and in a saved page. Every text is escaped before the markup is
marked safe. Households are integers; coordinates are computed with floats but written with at
most one decimal.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from projects.rules.arithmetic import share_reached
from projects.rules.dates import cn_date, cn_month_day

SVG_NS = "http://www.w3.org/2000/svg"

# Fixed captions drawn inside the charts; the caller supplies every other text.
AS_OF_CAPTION = "截至 {day}"
NO_TARGET_CAPTION = "无目标"
NO_DATA_CAPTION = "暂无数据"
GOAL_LEGEND = "阶段目标"
MET_LEGEND = "达到目标"
SHORT_LEGEND = "未达目标"
HOUSEHOLDS_UNIT = "户"

VIEW_WIDTH = 600
TITLE_SIZE = 16
TEXT_SIZE = 13
SMALL_SIZE = 12
# On a phone the chart shrinks to about 0.6 of its size, so its text is drawn larger there; every
# layout decision (wrapping, label room, overlaps) is taken at these larger sizes so it holds for both.
PHONE_TITLE_SIZE = 19
PHONE_TEXT_SIZE = 16
PHONE_SMALL_SIZE = 15

# Scoped to .zmd-chart because a <style> inside inline SVG applies to the whole page. Colours are
# custom properties so a page can restyle the charts; dash patterns keep the second series, the
# goals and the thresholds apart when printed in black and white.
STYLE = f"""
.zmd-chart{{display:block;max-width:48rem;height:auto;font-family:inherit;font-size:{TEXT_SIZE}px}}
.zmd-chart text{{fill:var(--chart-text,#212529)}}
.zmd-chart .chart-small{{font-size:{SMALL_SIZE}px}}
.zmd-chart .chart-title{{font-size:{TITLE_SIZE}px;font-weight:600}}
.zmd-chart .axis text{{fill:var(--chart-muted,#495057)}}
.zmd-chart .axis-line,.zmd-chart .tick{{stroke:var(--chart-axis,#6c757d);stroke-width:1}}
.zmd-chart .grid{{stroke:var(--chart-grid,#e3e6ea);stroke-width:1}}
.zmd-chart .halo{{paint-order:stroke;stroke:#fff;stroke-width:4px;stroke-linejoin:round}}
.zmd-chart .series .line{{fill:none;stroke:var(--chart-series,#343a40);stroke-width:2.5;stroke-linejoin:round}}
.zmd-chart .series .dot{{fill:var(--chart-series,#343a40);stroke:#fff;stroke-width:1.5}}
.zmd-chart .series .value{{fill:var(--chart-series,#343a40);font-weight:600}}
.zmd-chart .series-a .line{{stroke:var(--chart-series-a,#1c5ea8)}}
.zmd-chart .series-a .dot,.zmd-chart .series-a .value{{fill:var(--chart-series-a,#1c5ea8)}}
.zmd-chart .series-b .line{{stroke:var(--chart-series-b,#c05a00);stroke-dasharray:7 4}}
.zmd-chart .series-b .dot,.zmd-chart .series-b .value{{fill:var(--chart-series-b,#c05a00)}}
.zmd-chart .goal-line{{stroke:var(--chart-goal,#5a3e8c);stroke-width:1.5;stroke-dasharray:2 3}}
.zmd-chart .goal-marker{{fill:#fff;stroke:var(--chart-goal,#5a3e8c);stroke-width:2}}
.zmd-chart .goal text,.zmd-chart .goal-label text{{fill:var(--chart-goal,#5a3e8c)}}
.zmd-chart .as-of line,.zmd-chart .threshold line{{stroke:var(--chart-text,#212529);stroke-width:1.2;stroke-dasharray:5 3}}
.zmd-chart .as-of text,.zmd-chart .threshold text{{font-weight:600}}
.zmd-chart .bar{{stroke-width:1}}
.zmd-chart .bar-met{{fill:var(--chart-met,#2e7d4f);stroke:var(--chart-met,#2e7d4f)}}
.zmd-chart .bar-short{{fill:var(--chart-short-fill,#fbd38d);stroke:var(--chart-short,#b7620b)}}
.zmd-chart .bar-value{{font-variant-numeric:tabular-nums}}
.zmd-chart .no-target,.zmd-chart .no-data,.zmd-chart .measure-label{{fill:var(--chart-muted,#5c636a)}}
.zmd-chart .category{{font-weight:600}}
@media (max-width:575.98px){{
.zmd-chart{{font-size:{PHONE_TEXT_SIZE}px}}
.zmd-chart .chart-small{{font-size:{PHONE_SMALL_SIZE}px}}
.zmd-chart .chart-title{{font-size:{PHONE_TITLE_SIZE}px}}
}}
"""

# Characters XML 1.0 cannot hold at all; dropped so the markup always parses.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


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
class ShareMeasure:
    """One bar per category: a share in tenths of a percent (503 = 50.3 %), None where there is no target.

    Met or short is decided on these tenths, so pass them rounded down: rounded half up, 2401 of
    4804 households shows as 500 and would be drawn as met though share_reached says it is not.
    """

    label: str
    threshold_percent: int
    values_tenths: tuple[int | None, ...]


# --- formatting helpers ------------------------------------------------------------------------


def _num(value: float) -> str:
    """A coordinate with at most one decimal and no trailing ``.0`` (12.0 → "12", 3.25 → "3.2")."""
    text = f"{value:.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


def _text(value: str) -> str:
    """Text made safe for SVG: characters XML cannot hold are dropped, then everything is escaped."""
    return str(escape(_NOT_XML.sub("", value)))


def _households(value: int) -> str:
    """Households with thousands separators (15948 → "15,948")."""
    return f"{value:,}"


def _percent(tenths: int) -> str:
    """A share in tenths of a percent as shown (503 → "50.3%", 1000 → "100.0%")."""
    return f"{tenths // 10}.{tenths % 10}%"


def _text_width(value: str, size: float) -> float:
    """Estimated drawn width, erring wide: CJK, full-width and wide Latin characters one em, the rest 0.62 em."""
    width = 0.0
    for char in value:
        if ord(char) > 0x2E7F or char in "%@MW":
            width += size
        else:
            width += size * 0.62
    return width


def _fit(value: str, size: float, room: float) -> str:
    """``value`` shortened with an ellipsis so that it fits in ``room`` user units."""
    if _text_width(value, size) <= room:
        return value
    while value and _text_width(value + "…", size) > room:
        value = value[:-1]
    return value + "…"


def _wrap(value: str, size: float, room: float, max_lines: int = 2) -> list[str]:
    """``value`` broken into at most ``max_lines`` lines of ``room`` width, the last one shortened."""
    lines: list[str] = []
    rest = value
    while rest and len(lines) < max_lines - 1 and _text_width(rest, size) > room:
        cut = len(rest)
        while cut > 1 and _text_width(rest[:cut], size) > room:
            cut -= 1
        # Prefer to break at a space when the line has one.
        space = rest.rfind(" ", 0, cut)
        if space > cut * 2 // 3:
            cut = space
        lines.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        lines.append(_fit(rest, size, room))
    return lines or [""]


def _check_count(value: int, what: str) -> None:
    """Households and shares must be whole, non-negative numbers: a float or a bool is a caller's mistake."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int, not {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{what} must not be negative: {value}")


def _chart_id(kind: str, payload: object) -> str:
    """An id derived from the chart's content: stable across renders, distinct between charts."""
    digest = hashlib.blake2s(f"{kind}|{payload!r}".encode(), digest_size=5).hexdigest()
    return f"{kind}-{digest}"


def _text_el(
    x: float,
    y: float,
    value: str,
    *,
    css: str = "",
    anchor: str = "start",
    central: bool = False,
) -> str:
    """A ``<text>`` element with escaped content; ``central`` centres it vertically on ``y``."""
    attrs = f'x="{_num(x)}" y="{_num(y)}"'
    if css:
        attrs += f' class="{_text(css)}"'
    if anchor != "start":
        attrs += f' text-anchor="{anchor}"'
    if central:
        attrs += ' dominant-baseline="central"'
    return f"<text {attrs}>{_text(value)}</text>"


def _line_el(x1: float, y1: float, x2: float, y2: float, css: str = "") -> str:
    """A ``<line>`` element."""
    cls = f' class="{_text(css)}"' if css else ""
    return f'<line{cls} x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2)}" y2="{_num(y2)}"/>'


def _svg(
    *, chart_id: str, kind: str, height: float, title: str, desc: str, body: list[str]
) -> SafeString:
    """The outer ``<svg>``: accessible name and description, scaling viewBox, scoped style."""
    head = (
        f'<svg xmlns="{SVG_NS}" class="zmd-chart {kind}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'viewBox="0 0 {VIEW_WIDTH} {_num(height)}" width="100%" '
        f'preserveAspectRatio="xMidYMid meet">'
        f'<title id="{chart_id}-title">{_text(title)}</title>'
        f'<desc id="{chart_id}-desc">{_text(desc)}</desc>'
        f"<style>{STYLE.strip()}</style>"
    )
    return mark_safe(head + "".join(body) + "</svg>")  # noqa: S308 - every text above is escaped


def _title_block(title: str) -> tuple[list[str], float]:
    """The visible title, wrapped to two lines at most; returns the elements and the y below it."""
    parts = []
    y = 0.0
    for line in _wrap(title, PHONE_TITLE_SIZE, VIEW_WIDTH - 16):
        y += PHONE_TITLE_SIZE + 4
        parts.append(_text_el(8, y, line, css="chart-title"))
    return parts, y


def _spread(wanted: list[float], gap: float, low: float, high: float) -> list[float]:
    """Positions as close to ``wanted`` (sorted ascending) as possible, at least ``gap`` apart."""
    placed: list[float] = []
    for value in wanted:
        position = max(value, low)
        if placed and position < placed[-1] + gap:
            position = placed[-1] + gap
        placed.append(position)
    # Pushed past the far end: shift back, keeping the gaps.
    overflow = (placed[-1] - high) if placed else 0
    if overflow > 0:
        placed = [p - overflow for p in placed]
        for i in range(len(placed) - 2, -1, -1):
            placed[i] = min(placed[i], placed[i + 1] - gap)
    return placed


@dataclass(frozen=True)
class _Box:
    """The space a label takes: left edge, vertical centre, width and height."""

    x: float
    y: float
    width: float
    height: float

    def overlaps(self, other: _Box) -> bool:
        """Whether the two boxes share any area."""
        return (
            self.x < other.x + other.width
            and other.x < self.x + self.width
            and abs(self.y - other.y) < (self.height + other.height) / 2
        )


class _Legend:
    """Legend entries laid out left to right, wrapping onto a new row when the width runs out."""

    def __init__(self, top: float) -> None:
        """Start the first row with its baseline ``top`` user units down."""
        self.x = 8.0
        self.y = top
        self.parts: list[str] = []

    def add(self, sample: str, label: str, *, sample_width: float, css: str = "") -> None:
        """One entry: ``sample`` (markup drawn at the origin, translated into place) and its label."""
        text_x = sample_width + 6 if sample else 0.0
        shown = _fit(label, PHONE_SMALL_SIZE, VIEW_WIDTH - 16 - text_x)
        width = text_x + _text_width(shown, PHONE_SMALL_SIZE)
        if self.x > 8 and self.x + width > VIEW_WIDTH - 8:
            self.x, self.y = 8.0, self.y + PHONE_SMALL_SIZE + 8
        cls = f"legend-item {css}".strip()
        self.parts.append(
            f'<g class="{_text(cls)}" transform="translate({_num(self.x)} {_num(self.y)})">'
            + sample
            + _text_el(text_x, 0, shown, css="chart-small", central=True)
            + "</g>"
        )
        self.x += width + 18

    def markup(self) -> str:
        """The legend's group."""
        return '<g class="legend">' + "".join(self.parts) + "</g>"


# --- cumulative chart --------------------------------------------------------------------------


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
        f"M{_num(x)} {_num(y - r)}L{_num(x + r)} {_num(y)}"
        f"L{_num(x)} {_num(y + r)}L{_num(x - r)} {_num(y)}Z"
    )


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
    if end <= start:
        raise ValueError(f"end ({end}) must be after start ({start})")
    for one in series:
        previous: date | None = None
        for day, households in one.points:
            _check_count(households, f"{one.label} on {day}")
            if previous is not None and day < previous:
                raise ValueError(f"{one.label}: dates must be ascending ({previous} > {day})")
            previous = day
    for goal in goals:
        _check_count(goal.households, goal.label)

    chart_id = _chart_id("cumulative", (title, start, end, tuple(series), tuple(goals), as_of))
    steps_by_series = [_visible_steps(one.points, start, end) for one in series]
    top_value = max(
        [h for steps in steps_by_series for _, h in steps] + [g.households for g in goals] + [0]
    )
    y_max, y_step = nice_axis_max(top_value)

    body, below_title = _title_block(title)

    legend = _Legend(below_title + 20)
    for one in series:
        legend.add(
            _line_el(0, 0, 26, 0, "line"),
            one.label,
            sample_width=26,
            css=f"series {one.css_class}",
        )
    if goals:
        legend.add(
            _line_el(0, 0, 20, 0, "goal-line")
            + f'<path class="goal-marker" d="{_diamond(24, 0, 4.5)}"/>',
            GOAL_LEGEND,
            sample_width=30,
            css="goal",
        )
    body.append(legend.markup())

    widest_tick = _text_width(_households(y_max), PHONE_SMALL_SIZE)
    left, right = 8 + widest_tick + 8, VIEW_WIDTH - 8 - _text_width("00,000", PHONE_SMALL_SIZE)
    plot_top = legend.y + 46  # room for the 截至 label and the unit above the plot
    plot_bottom = plot_top + 240
    height = plot_bottom + 30
    span = (end - start).days

    def x_of(day: date) -> float:
        """The x of a date, clamped to the axis."""
        days = min(max((day - start).days, 0), span)
        return left + (right - left) * days / span

    def y_of(households: int) -> float:
        """The y of a number of households."""
        return plot_bottom - (plot_bottom - plot_top) * households / y_max

    # Y axis: gridlines and labels at every step, the unit above them.
    axis = ['<g class="axis y-axis">']
    for value in range(0, y_max + 1, y_step):
        y = y_of(value)
        axis.append(
            f'<g class="y-tick" data-value="{value}">'
            + _line_el(left, y, right, y, "grid")
            + _text_el(
                left - 6, y, _households(value), css="chart-small", anchor="end", central=True
            )
            + "</g>"
        )
    axis.append(
        _text_el(left - 6, plot_top - 16, HOUSEHOLDS_UNIT, css="chart-small unit", anchor="end")
    )
    # X axis: a tick at the start of each month, the month's name centred in its span.
    bounds = [start, *_month_starts(start, end)]
    for i, month_start in enumerate(bounds):
        x0 = x_of(month_start)
        x1 = x_of(bounds[i + 1]) if i + 1 < len(bounds) else right
        name = f"{month_start.month}月"
        label = ""
        if x1 - x0 >= _text_width(name, PHONE_SMALL_SIZE) + 2:
            label = _text_el(
                (x0 + x1) / 2, plot_bottom + 18, name, css="chart-small", anchor="middle"
            )
        axis.append(
            f'<g class="month" data-month="{month_start:%Y-%m}">'
            + _line_el(x0, plot_bottom, x0, plot_bottom + 5, "tick")
            + label
            + "</g>"
        )
    axis.append(_line_el(right, plot_bottom, right, plot_bottom + 5, "tick"))
    axis.append(_line_el(left, plot_bottom, right, plot_bottom, "axis-line"))
    axis.append("</g>")
    body.extend(axis)

    hold_until = as_of if as_of is not None and start <= as_of <= end else None
    lines: list[str] = []  # drawn first
    labels: list[str] = []  # drawn last, over every line, each with a white halo
    taken: list[_Box] = []  # where labels already are

    # Goals: a dotted line from the y axis to the due date and a diamond (labelled further down).
    for goal in goals:
        x, y = x_of(goal.due), y_of(goal.households)
        lines.append(
            f'<g class="goal" data-households="{goal.households}" data-due="{goal.due.isoformat()}">'
            + _line_el(left, y, x, y, "goal-line")
            + f'<path class="goal-marker" d="{_diamond(x, y, 5.5)}"/></g>'
        )

    if hold_until is not None:
        x = x_of(hold_until)
        caption = AS_OF_CAPTION.format(day=cn_month_day(hold_until))
        half = _text_width(caption, PHONE_SMALL_SIZE) / 2
        label_x = min(max(x, left + half), VIEW_WIDTH - 4 - half)
        lines.append(
            f'<g class="as-of" data-date="{hold_until.isoformat()}">'
            + _line_el(x, plot_top - 10, x, plot_bottom)
            + _text_el(label_x, plot_top - 16, caption, css="chart-small", anchor="middle")
            + "</g>"
        )

    # Series: step lines with a dot and the figure at the end of each.
    ends: list[tuple[float, float, str, str]] = []
    for one, steps in zip(series, steps_by_series, strict=True):
        css = _text(f"series {one.css_class}")
        if not steps:
            lines.append(f'<g class="{css}"></g>')
            continue
        last_day, last_value = steps[-1]
        path = f"M{_num(x_of(steps[0][0]))} {_num(y_of(steps[0][1]))}"
        for (_, held), (day, households) in itertools.pairwise(steps):
            path += f"H{_num(x_of(day))}"
            if households != held:
                path += f"V{_num(y_of(households))}"
        end_day = max(last_day, hold_until) if hold_until else last_day
        if any(day > end for day, _ in one.points):
            end_day = end  # the next figure comes after the axis: this one holds to its end
        if end_day > last_day:
            path += f"H{_num(x_of(end_day))}"
        ex, ey = x_of(end_day), y_of(last_value)
        lines.append(
            f'<g class="{css}"><path class="line" d="{path}"/>'
            f'<circle class="dot" cx="{_num(ex)}" cy="{_num(ey)}" r="3.5"/></g>'
        )
        ends.append((ex, ey, css, _households(last_value)))

    # The end figures, kept apart vertically when two series end close together.
    line_height = PHONE_SMALL_SIZE + 2
    order = sorted(range(len(ends)), key=lambda i: ends[i][1])
    placed = _spread([ends[i][1] for i in order], line_height, plot_top, plot_bottom)
    for i, y in zip(order, placed, strict=True):
        ex, _, css, caption = ends[i]
        labels.append(
            f'<g class="{css}">'
            + _text_el(ex + 7, y, caption, css="value chart-small halo", central=True)
            + "</g>"
        )
        taken.append(_Box(ex + 7, y, _text_width(caption, PHONE_SMALL_SIZE), line_height))

    # Goal labels: above or below the line, left of the diamond where there is room, else right;
    # the first place that does not cover another label.
    for goal in sorted(goals, key=lambda g: -g.households):
        x, y = x_of(goal.due), y_of(goal.households)
        caption = f"{goal.label} {_households(goal.households)}{HOUSEHOLDS_UNIT}"
        room_left, room_right = x - left - 10, VIEW_WIDTH - 8 - x - 10
        width = _text_width(caption, PHONE_SMALL_SIZE)
        sides = ["end", "start"] if room_left >= min(width, room_right) else ["start", "end"]
        candidates = [
            (side, label_y)
            for side in sides
            for label_y in (y - 10, y + 10)
            if plot_top - 4 <= label_y <= plot_bottom - 6
        ] or [(sides[0], y - 10)]
        chosen: tuple[str, float, str, _Box] | None = None
        for side, label_y in candidates:
            shown = _fit(caption, PHONE_SMALL_SIZE, room_left if side == "end" else room_right)
            shown_width = _text_width(shown, PHONE_SMALL_SIZE)
            label_x = x - 10 if side == "end" else x + 10
            box = _Box(
                label_x - shown_width if side == "end" else label_x,
                label_y,
                shown_width,
                line_height,
            )
            if chosen is None or not any(box.overlaps(other) for other in taken):
                chosen = (side, label_y, shown, box)
                if not any(box.overlaps(other) for other in taken):
                    break
        assert chosen is not None
        side, label_y, shown, box = chosen
        taken.append(box)
        labels.append(
            f'<g class="goal-label" data-households="{goal.households}">'
            + _text_el(
                x - 10 if side == "end" else x + 10,
                label_y,
                shown,
                css="chart-small halo",
                anchor=side,
                central=True,
            )
            + "</g>"
        )

    if not ends:
        labels.append(
            _text_el(
                (left + right) / 2,
                (plot_top + plot_bottom) / 2,
                NO_DATA_CAPTION,
                css="no-data",
                anchor="middle",
                central=True,
            )
        )
    body.extend(lines)
    body.append('<g class="labels">' + "".join(labels) + "</g>")

    desc = _cumulative_desc(start, end, series, steps_by_series, goals, hold_until)
    return _svg(
        chart_id=chart_id, kind="cumulative-chart", height=height, title=title, desc=desc, body=body
    )


def _cumulative_desc(
    start: date,
    end: date,
    series: Sequence[Series],
    steps_by_series: list[list[tuple[date, int]]],
    goals: Sequence[Goal],
    as_of: date | None,
) -> str:
    """What the cumulative chart shows, in words, for screen readers."""
    sentences = [f"横轴为{cn_date(start)}至{cn_date(end)}，纵轴为累计户数。"]
    for one, steps in zip(series, steps_by_series, strict=True):
        if steps:
            day, households = steps[-1]
            shown = as_of if as_of and as_of > day else day
            sentences.append(f"{one.label}截至{cn_date(shown)}为{_households(households)}户。")
        else:
            sentences.append(f"{one.label}{NO_DATA_CAPTION}。")
    if goals:
        listed = "；".join(
            f"{g.label}，{cn_date(g.due)}前{_households(g.households)}户" for g in goals
        )
        sentences.append(f"阶段目标：{listed}。")
    return "".join(sentences)


# --- share bars --------------------------------------------------------------------------------


def share_met(*, value_tenths: int, threshold_percent: int) -> bool:
    """Whether a share in tenths of a percent reaches the threshold (inclusive: 500 reaches 50 %)."""
    return share_reached(actual=value_tenths, target=1000, percent=threshold_percent)


def share_bars_svg(
    *, title: str, categories: Sequence[str], measures: Sequence[ShareMeasure]
) -> SafeString:
    """Horizontal grouped bars: one group per category (unit names), one bar per measure, value label at the bar end ("50.3%"), x axis 0–max(120 %, largest value), bars reaching the measure's threshold get class "bar-met" else "bar-short" (plus the measure's own class).

    The measure's own class is ``measure-1``, ``measure-2``… in the order given; with more than
    one measure each bar is named on its left. A value of None draws the text 无目标 and no bar.
    The chart grows taller with the number of categories.
    """
    for measure in measures:
        if len(measure.values_tenths) != len(categories):
            raise ValueError(
                f"{measure.label}: {len(measure.values_tenths)} values for {len(categories)} categories"
            )
        _check_count(measure.threshold_percent, f"{measure.label} threshold")
        for value in measure.values_tenths:
            if value is not None:
                _check_count(value, f"{measure.label} value")

    chart_id = _chart_id("shares", (title, tuple(categories), tuple(measures)))
    largest = max(
        [v for m in measures for v in m.values_tenths if v is not None]
        + [m.threshold_percent * 10 for m in measures]
        + [0]
    )
    axis_max = max(120, -(-largest // 200) * 20)  # percent, a multiple of 20

    body, below_title = _title_block(title)

    legend = _Legend(below_title + 20)
    for state, caption in (("bar-met", MET_LEGEND), ("bar-short", SHORT_LEGEND)):
        legend.add(
            f'<rect class="swatch {state}" x="0.5" y="-6" width="18" height="12"/>',
            caption,
            sample_width=19,
        )
    for number, measure in enumerate(measures, start=1):
        legend.add(
            "",
            f"{measure.label} 目标≥{measure.threshold_percent}%",
            sample_width=0,
            css=f"measure-legend measure-{number}",
        )
    body.append(legend.markup())

    many = len(measures) > 1
    category_room = min(
        max((_text_width(c, PHONE_TEXT_SIZE) for c in categories), default=0.0), 150.0
    )
    measure_room = 0.0
    if many:
        measure_room = 8 + min(max(_text_width(m.label, PHONE_SMALL_SIZE) for m in measures), 70.0)
    left = 8 + category_room + 10 + measure_room
    right = VIEW_WIDTH - 8 - _text_width("100.0%", PHONE_SMALL_SIZE) - 6
    bar_height, bar_pitch, group_gap = 16.0, 20.0, 14.0
    group_height = max(len(measures), 1) * bar_pitch - (bar_pitch - bar_height)
    plot_top = legend.y + 34  # room for the threshold labels
    plot_bottom = plot_top + group_gap + len(categories) * (group_height + group_gap) - group_gap
    height = plot_bottom + 30

    def x_of(tenths: int) -> float:
        """The x of a share in tenths of a percent."""
        return left + (right - left) * tenths / (axis_max * 10)

    # Gridlines every 20 %; labels every 40 % when 20 % is too narrow for "100%".
    label_every = 20 if x_of(200) - left > _text_width("100%", PHONE_SMALL_SIZE) + 6 else 40
    axis = ['<g class="axis x-axis">']
    for percent in range(0, axis_max + 1, 20):
        x = x_of(percent * 10)
        label = ""
        if percent % label_every == 0:
            label = _text_el(x, plot_bottom + 18, f"{percent}%", css="chart-small", anchor="middle")
        axis.append(
            f'<g class="x-tick" data-percent="{percent}">'
            + _line_el(x, plot_top, x, plot_bottom, "grid")
            + label
            + "</g>"
        )
    axis.append(_line_el(left, plot_top, left, plot_bottom, "axis-line"))
    axis.append("</g>")
    body.extend(axis)

    # Bars first, then the threshold lines over them, then the figures over the lines.
    bars: list[str] = []
    figures: list[str] = []
    y = plot_top + group_gap
    for index, category in enumerate(categories):
        shown = _fit(category, PHONE_TEXT_SIZE, category_room)
        tooltip = f"<title>{_text(category)}</title>" if shown != category else ""
        bars.append(
            f'<g class="group"><text class="category" x="8" y="{_num(y + group_height / 2)}" '
            f'dominant-baseline="central">{tooltip}{_text(shown)}</text>'
        )
        for number, measure in enumerate(measures, start=1):
            value = measure.values_tenths[index]
            mid = y + bar_height / 2
            if many:
                name = _fit(measure.label, PHONE_SMALL_SIZE, measure_room - 8)
                bars.append(
                    _text_el(
                        left - 6,
                        mid,
                        name,
                        css="measure-label chart-small",
                        anchor="end",
                        central=True,
                    )
                )
            if value is None:
                figures.append(
                    _text_el(
                        left + 6,
                        mid,
                        NO_TARGET_CAPTION,
                        css="no-target chart-small halo",
                        central=True,
                    )
                )
            else:
                met = share_met(value_tenths=value, threshold_percent=measure.threshold_percent)
                state = "bar-met" if met else "bar-short"
                end_x = x_of(value)
                bars.append(
                    f'<rect class="bar {state} measure-{number}" x="{_num(left)}" '
                    f'y="{_num(y)}" width="{_num(end_x - left)}" height="{_num(bar_height)}" '
                    f'data-tenths="{value}"/>'
                )
                figures.append(
                    _text_el(
                        end_x + 5,
                        mid,
                        _percent(value),
                        css="bar-value chart-small halo",
                        central=True,
                    )
                )
            y += bar_pitch
        y += group_gap - (bar_pitch - bar_height)
        bars.append("</g>")
    body.extend(bars)

    # Thresholds: one dashed line per distinct threshold, labelled above the plot.
    thresholds = sorted({m.threshold_percent for m in measures})
    label_width = _text_width("100%", PHONE_SMALL_SIZE) + 4
    label_xs = _spread(
        [x_of(t * 10) for t in thresholds], label_width, 0, VIEW_WIDTH - label_width / 2
    )
    for percent, label_x in zip(thresholds, label_xs, strict=True):
        x = x_of(percent * 10)
        body.append(
            f'<g class="threshold" data-percent="{percent}">'
            + _line_el(x, plot_top - 8, x, plot_bottom)
            + _text_el(label_x, plot_top - 13, f"{percent}%", css="chart-small", anchor="middle")
            + "</g>"
        )
    body.append('<g class="figures">' + "".join(figures) + "</g>")

    desc = _share_desc(categories, measures)
    return _svg(
        chart_id=chart_id, kind="share-bars", height=height, title=title, desc=desc, body=body
    )


def _share_desc(categories: Sequence[str], measures: Sequence[ShareMeasure]) -> str:
    """What the share bars show, in words, for screen readers."""
    parts = []
    for index, category in enumerate(categories):
        figures = []
        for measure in measures:
            value = measure.values_tenths[index]
            if value is None:
                figures.append(f"{measure.label}{NO_TARGET_CAPTION}")
            else:
                met = share_met(value_tenths=value, threshold_percent=measure.threshold_percent)
                verdict = "已达到" if met else "未达到"
                figures.append(
                    f"{measure.label}{_percent(value)}（{verdict}{measure.threshold_percent}%）"
                )
        parts.append(f"{category}：{'，'.join(figures)}")
    return "；".join(parts) + "。" if parts else f"{NO_DATA_CAPTION}。"


__all__ = [
    "Goal",
    "Series",
    "ShareMeasure",
    "cumulative_chart_svg",
    "nice_axis_max",
    "share_bars_svg",
    "share_met",
]
