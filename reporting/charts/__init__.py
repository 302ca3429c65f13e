"""Charts drawn by the portal itself as SVG markup: plain values in, a safe SVG string out.

No JavaScript, no chart library and nothing fetched from the internet, so the charts render the
same in the browser, in print and in a saved page. One module per chart (cumulative, shares), the
drawing they share in draw.
"""

from .cumulative import Goal, Series, cumulative_chart_svg, nice_axis_max
from .draw import SVG_NS
from .shares import ShareMeasure, share_bars_svg, share_met

__all__ = [
    "SVG_NS",
    "Goal",
    "Series",
    "ShareMeasure",
    "cumulative_chart_svg",
    "nice_axis_max",
    "share_bars_svg",
    "share_met",
]
