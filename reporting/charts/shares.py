"""The share bars: a group of horizontal bars per unit, one bar per measure (开工率, 完工率…), met or
short against the measure's threshold, the thresholds as dashed lines, and the figures in words."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.safestring import SafeString

from projects.rules.arithmetic import share_reached

from . import draw
from .draw import PHONE_SMALL_SIZE, PHONE_TEXT_SIZE, VIEW_WIDTH

_BAR_HEIGHT = 16.0
_BAR_PITCH = 20.0
_GROUP_GAP = 14.0


@dataclass(frozen=True)
class ShareMeasure:
    """One bar per category: a share in tenths of a percent (503 = 50.3 %), None where there is no target.

    Met or short is decided on these tenths, so pass them rounded down: rounded half up, 2401 of
    4804 households shows as 500 and would be drawn as met though share_reached says it is not.
    """

    label: str
    threshold_percent: int
    values_tenths: tuple[int | None, ...]


@dataclass(frozen=True)
class _Plot:
    """Where the bars go: the room for the categories' and measures' names on the left, the plot
    area, and the axis's top in percent (shares map onto x)."""

    category_room: float
    measure_room: float
    left: float
    right: float
    top: float
    bottom: float
    axis_max: int
    group_height: float

    def x_of(self, tenths: int) -> float:
        """The x of a share in tenths of a percent."""
        return self.left + (self.right - self.left) * tenths / (self.axis_max * 10)


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
    _check(categories, measures)
    body, below_title = draw.title_block(title)
    legend = _legend(below_title + 20, measures)
    body.append(legend.markup())
    plot = _plot(categories, measures, legend.y)
    body.extend(_x_axis(plot))
    # Bars first, then the threshold lines over them, then the figures over the lines.
    bars: list[str] = []
    figures: list[str] = []
    y = plot.top + _GROUP_GAP
    for index, category in enumerate(categories):
        values = [m.values_tenths[index] for m in measures]
        group_bars, group_figures, y = _group(plot, category, values, measures, y)
        bars.extend(group_bars)
        figures.extend(group_figures)
    body.extend(bars)
    body.extend(_thresholds(plot, measures))
    body.append('<g class="figures">' + "".join(figures) + "</g>")
    return draw.document(
        chart_id=draw.chart_id("shares", (title, tuple(categories), tuple(measures))),
        kind="share-bars",
        height=plot.bottom + 30,
        title=title,
        desc=_description(categories, measures),
        body=body,
    )


def _check(categories: Sequence[str], measures: Sequence[ShareMeasure]) -> None:
    """Refuse a measure without one value per category, and shares that are not whole and positive."""
    for measure in measures:
        if len(measure.values_tenths) != len(categories):
            raise ValueError(
                f"{measure.label}: {len(measure.values_tenths)} values for {len(categories)} categories"
            )
        draw.check_count(measure.threshold_percent, f"{measure.label} threshold")
        for value in measure.values_tenths:
            if value is not None:
                draw.check_count(value, f"{measure.label} value")


def _legend(top: float, measures: Sequence[ShareMeasure]) -> draw.Legend:
    """The met and short swatches, then each measure with its threshold."""
    legend = draw.Legend(top)
    for state, caption in (("bar-met", draw.MET_LEGEND), ("bar-short", draw.SHORT_LEGEND)):
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
    return legend


def _axis_max(measures: Sequence[ShareMeasure]) -> int:
    """The axis's top in percent: 120, or the next multiple of 20 above the largest share."""
    largest = max(
        [v for m in measures for v in m.values_tenths if v is not None]
        + [m.threshold_percent * 10 for m in measures]
        + [0]
    )
    return max(120, -(-largest // 200) * 20)


def _plot(
    categories: Sequence[str], measures: Sequence[ShareMeasure], legend_bottom: float
) -> _Plot:
    """The plot below the legend, as tall as its groups, with room on the left for the names
    (shortened past 150 and 70 user units) and on the right for the figure "100.0%"."""
    category_room = min(
        max((draw.text_width(c, PHONE_TEXT_SIZE) for c in categories), default=0.0), 150.0
    )
    measure_room = 0.0
    if len(measures) > 1:
        measure_room = 8 + min(
            max(draw.text_width(m.label, PHONE_SMALL_SIZE) for m in measures), 70.0
        )
    group_height = max(len(measures), 1) * _BAR_PITCH - (_BAR_PITCH - _BAR_HEIGHT)
    top = legend_bottom + 34  # room for the threshold labels
    return _Plot(
        category_room=category_room,
        measure_room=measure_room,
        left=8 + category_room + 10 + measure_room,
        right=VIEW_WIDTH - 8 - draw.text_width("100.0%", PHONE_SMALL_SIZE) - 6,
        top=top,
        bottom=top + _GROUP_GAP + len(categories) * (group_height + _GROUP_GAP) - _GROUP_GAP,
        axis_max=_axis_max(measures),
        group_height=group_height,
    )


def _x_axis(plot: _Plot) -> list[str]:
    """Gridlines every 20 %; labels every 40 % when 20 % is too narrow for "100%"."""
    label_every = (
        20 if plot.x_of(200) - plot.left > draw.text_width("100%", PHONE_SMALL_SIZE) + 6 else 40
    )
    axis = ['<g class="axis x-axis">']
    for percent in range(0, plot.axis_max + 1, 20):
        x = plot.x_of(percent * 10)
        label = ""
        if percent % label_every == 0:
            label = draw.text_el(
                x, plot.bottom + 18, f"{percent}%", css="chart-small", anchor="middle"
            )
        axis.append(
            f'<g class="x-tick" data-percent="{percent}">'
            + draw.line_el(x, plot.top, x, plot.bottom, "grid")
            + label
            + "</g>"
        )
    axis.append(draw.line_el(plot.left, plot.top, plot.left, plot.bottom, "axis-line"))
    axis.append("</g>")
    return axis


def _group(
    plot: _Plot,
    category: str,
    values: list[int | None],
    measures: Sequence[ShareMeasure],
    y: float,
) -> tuple[list[str], list[str], float]:
    """One category's group from ``y`` down: its name and a bar per measure, the bars' figures,
    and the y where the next group starts."""
    figures: list[str] = []
    shown = draw.fit(category, PHONE_TEXT_SIZE, plot.category_room)
    tooltip = f"<title>{draw.text(category)}</title>" if shown != category else ""
    bars = [
        f'<g class="group"><text class="category" x="8" y="{draw.num(y + plot.group_height / 2)}" '
        f'dominant-baseline="central">{tooltip}{draw.text(shown)}</text>'
    ]
    for number, (measure, value) in enumerate(zip(measures, values, strict=True), start=1):
        mid = y + _BAR_HEIGHT / 2
        if len(measures) > 1:
            bars.append(_measure_name(plot, measure, mid))
        if value is None:
            figures.append(
                draw.text_el(
                    plot.left + 6,
                    mid,
                    draw.NO_TARGET_CAPTION,
                    css="no-target chart-small halo",
                    central=True,
                )
            )
        else:
            bars.append(_bar(plot, measure, number, value, y))
            figures.append(
                draw.text_el(
                    plot.x_of(value) + 5,
                    mid,
                    draw.percent(value),
                    css="bar-value chart-small halo",
                    central=True,
                )
            )
        y += _BAR_PITCH
    bars.append("</g>")
    return bars, figures, y + _GROUP_GAP - (_BAR_PITCH - _BAR_HEIGHT)


def _measure_name(plot: _Plot, measure: ShareMeasure, mid: float) -> str:
    """A bar's measure named on its left (when a group has several bars)."""
    return draw.text_el(
        plot.left - 6,
        mid,
        draw.fit(measure.label, PHONE_SMALL_SIZE, plot.measure_room - 8),
        css="measure-label chart-small",
        anchor="end",
        central=True,
    )


def _bar(plot: _Plot, measure: ShareMeasure, number: int, value: int, y: float) -> str:
    """One bar from the axis to the share, met or short against the measure's threshold."""
    met = share_met(value_tenths=value, threshold_percent=measure.threshold_percent)
    state = "bar-met" if met else "bar-short"
    return (
        f'<rect class="bar {state} measure-{number}" x="{draw.num(plot.left)}" '
        f'y="{draw.num(y)}" width="{draw.num(plot.x_of(value) - plot.left)}" '
        f'height="{draw.num(_BAR_HEIGHT)}" data-tenths="{value}"/>'
    )


def _thresholds(plot: _Plot, measures: Sequence[ShareMeasure]) -> list[str]:
    """One dashed line per distinct threshold, labelled above the plot, the labels kept apart."""
    thresholds = sorted({m.threshold_percent for m in measures})
    label_width = draw.text_width("100%", PHONE_SMALL_SIZE) + 4
    label_xs = draw.spread(
        [plot.x_of(t * 10) for t in thresholds], label_width, 0, VIEW_WIDTH - label_width / 2
    )
    lines = []
    for percent, label_x in zip(thresholds, label_xs, strict=True):
        x = plot.x_of(percent * 10)
        lines.append(
            f'<g class="threshold" data-percent="{percent}">'
            + draw.line_el(x, plot.top - 8, x, plot.bottom)
            + draw.text_el(
                label_x, plot.top - 13, f"{percent}%", css="chart-small", anchor="middle"
            )
            + "</g>"
        )
    return lines


def _description(categories: Sequence[str], measures: Sequence[ShareMeasure]) -> str:
    """What the share bars show, in words, for screen readers."""
    parts = []
    for index, category in enumerate(categories):
        figures = []
        for measure in measures:
            value = measure.values_tenths[index]
            if value is None:
                figures.append(f"{measure.label}{draw.NO_TARGET_CAPTION}")
            else:
                met = share_met(value_tenths=value, threshold_percent=measure.threshold_percent)
                verdict = "已达到" if met else "未达到"
                figures.append(
                    f"{measure.label}{draw.percent(value)}（{verdict}{measure.threshold_percent}%）"
                )
        parts.append(f"{category}：{'，'.join(figures)}")
    return "；".join(parts) + "。" if parts else f"{draw.NO_DATA_CAPTION}。"
