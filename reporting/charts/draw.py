"""The drawing both charts share: sizes, the scoped style, escaped text and lines, the outer
``<svg>``, the wrapped title, the legend, and the estimates that keep labels apart.

Every text is escaped before the markup is marked safe. Coordinates are computed with floats but
written with at most one decimal.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from datetime import date

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from projects.rules.dates import cn_date

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


# --- formatting helpers ------------------------------------------------------------------------


def num(value: float) -> str:
    """A coordinate with at most one decimal and no trailing ``.0`` (12.0 → "12", 3.25 → "3.2")."""
    text = f"{value:.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


def text(value: str) -> str:
    """Text made safe for SVG: characters XML cannot hold are dropped, then everything is escaped."""
    # A chart repeats its few texts and classes hundreds of times (a share chart of 160 units):
    # plain strings are escaped once (a lazy translation is not remembered: its text changes with
    # the language).
    if type(value) is str:
        return _escaped(value)
    return str(escape(_NOT_XML.sub("", value)))


@functools.lru_cache(maxsize=4096)
def _escaped(value: str) -> str:
    return str(escape(_NOT_XML.sub("", value)))


def households(value: int) -> str:
    """Households with thousands separators (15948 → "15,948")."""
    return f"{value:,}"


def percent(tenths: int) -> str:
    """A share in tenths of a percent as shown (503 → "50.3%", 1000 → "100.0%")."""
    return f"{tenths // 10}.{tenths % 10}%"


def full_date(day: date) -> str:
    """A date as 2022年6月30日 (STYLE.md), by the portal's one formatter."""
    return cn_date(day)


def text_width(value: str, size: float) -> float:
    """Estimated drawn width, erring wide: CJK, full-width and wide Latin characters one em, the rest 0.62 em."""
    width = 0.0
    for char in value:
        if ord(char) > 0x2E7F or char in "%@MW":
            width += size
        else:
            width += size * 0.62
    return width


def fit(value: str, size: float, room: float) -> str:
    """``value`` shortened with an ellipsis so that it fits in ``room`` user units."""
    if text_width(value, size) <= room:
        return value
    while value and text_width(value + "…", size) > room:
        value = value[:-1]
    return value + "…"


def wrap(value: str, size: float, room: float, max_lines: int = 2) -> list[str]:
    """``value`` broken into at most ``max_lines`` lines of ``room`` width, the last one shortened."""
    lines: list[str] = []
    rest = value
    while rest and len(lines) < max_lines - 1 and text_width(rest, size) > room:
        cut = len(rest)
        while cut > 1 and text_width(rest[:cut], size) > room:
            cut -= 1
        # Prefer to break at a space when the line has one.
        space = rest.rfind(" ", 0, cut)
        if space > cut * 2 // 3:
            cut = space
        lines.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        lines.append(fit(rest, size, room))
    return lines or [""]


def check_count(value: int, what: str) -> None:
    """Households and shares must be whole, non-negative numbers: a float or a bool is a caller's mistake."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int, not {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{what} must not be negative: {value}")


def chart_id(kind: str, payload: object) -> str:
    """An id derived from the chart's content: stable across renders, distinct between charts."""
    digest = hashlib.blake2s(f"{kind}|{payload!r}".encode(), digest_size=5).hexdigest()
    return f"{kind}-{digest}"


def text_el(
    x: float,
    y: float,
    value: str,
    *,
    css: str = "",
    anchor: str = "start",
    central: bool = False,
) -> str:
    """A ``<text>`` element with escaped content; ``central`` centres it vertically on ``y``."""
    attrs = f'x="{num(x)}" y="{num(y)}"'
    if css:
        attrs += f' class="{text(css)}"'
    if anchor != "start":
        attrs += f' text-anchor="{anchor}"'
    if central:
        attrs += ' dominant-baseline="central"'
    return f"<text {attrs}>{text(value)}</text>"


def line_el(x1: float, y1: float, x2: float, y2: float, css: str = "") -> str:
    """A ``<line>`` element."""
    cls = f' class="{text(css)}"' if css else ""
    return f'<line{cls} x1="{num(x1)}" y1="{num(y1)}" x2="{num(x2)}" y2="{num(y2)}"/>'


def document(
    *, chart_id: str, kind: str, height: float, title: str, desc: str, body: list[str]
) -> SafeString:
    """The outer ``<svg>``: accessible name and description, scaling viewBox, scoped style."""
    head = (
        f'<svg xmlns="{SVG_NS}" class="zmd-chart {kind}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'viewBox="0 0 {VIEW_WIDTH} {num(height)}" width="100%" '
        f'preserveAspectRatio="xMidYMid meet">'
        f'<title id="{chart_id}-title">{text(title)}</title>'
        f'<desc id="{chart_id}-desc">{text(desc)}</desc>'
        f"<style>{STYLE.strip()}</style>"
    )
    return mark_safe(head + "".join(body) + "</svg>")  # noqa: S308 - every text above is escaped


def title_block(title: str) -> tuple[list[str], float]:
    """The visible title, wrapped to two lines at most; returns the elements and the y below it."""
    parts = []
    y = 0.0
    for line in wrap(title, PHONE_TITLE_SIZE, VIEW_WIDTH - 16):
        y += PHONE_TITLE_SIZE + 4
        parts.append(text_el(8, y, line, css="chart-title"))
    return parts, y


def spread(wanted: list[float], gap: float, low: float, high: float) -> list[float]:
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
class Box:
    """The space a label takes: left edge, vertical centre, width and height."""

    x: float
    y: float
    width: float
    height: float

    def overlaps(self, other: Box) -> bool:
        """Whether the two boxes share any area."""
        return (
            self.x < other.x + other.width
            and other.x < self.x + self.width
            and abs(self.y - other.y) < (self.height + other.height) / 2
        )


class Legend:
    """Legend entries laid out left to right, wrapping onto a new row when the width runs out."""

    def __init__(self, top: float) -> None:
        """Start the first row with its baseline ``top`` user units down."""
        self.x = 8.0
        self.y = top
        self.parts: list[str] = []

    def add(self, sample: str, label: str, *, sample_width: float, css: str = "") -> None:
        """One entry: ``sample`` (markup drawn at the origin, translated into place) and its label."""
        text_x = sample_width + 6 if sample else 0.0
        shown = fit(label, PHONE_SMALL_SIZE, VIEW_WIDTH - 16 - text_x)
        width = text_x + text_width(shown, PHONE_SMALL_SIZE)
        if self.x > 8 and self.x + width > VIEW_WIDTH - 8:
            self.x, self.y = 8.0, self.y + PHONE_SMALL_SIZE + 8
        cls = f"legend-item {css}".strip()
        self.parts.append(
            f'<g class="{text(cls)}" transform="translate({num(self.x)} {num(self.y)})">'
            + sample
            + text_el(text_x, 0, shown, css="chart-small", central=True)
            + "</g>"
        )
        self.x += width + 18

    def markup(self) -> str:
        """The legend's group."""
        return '<g class="legend">' + "".join(self.parts) + "</g>"
