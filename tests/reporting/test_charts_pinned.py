"""The charts' SVG, byte for byte, for a fixed set of inputs: pinned from the code before
reporting/charts was split into small functions, so the split changed no output."""

from datetime import date
from pathlib import Path

import pytest

from reporting.charts import Goal, Series, ShareMeasure, cumulative_chart_svg, share_bars_svg

EXPECTED = Path(__file__).parent / "charts_expected"
JAN1 = date(2022, 1, 1)
DEC31 = date(2022, 12, 31)
STARTED = Series(
    "累计开工户数",
    (
        (date(2021, 12, 1), 40),
        (date(2022, 3, 1), 100),
        (date(2022, 5, 1), 2500),
        (date(2022, 6, 15), 4100),
        (date(2023, 2, 1), 9000),
    ),
)
COMPLETED = Series("累计竣工户数", ((date(2022, 4, 10), 30), (date(2022, 6, 1), 900)), "series-b")
ONE_POINT = Series('<单点> & "引号"', ((date(2022, 8, 8), 7),), "series-b")
GOALS = (
    Goal("6月底开工过半", date(2022, 6, 30), 2402),
    Goal("9月底全部开工", date(2022, 9, 30), 4804),
    Goal("年底前完成70％", date(2023, 3, 1), 3363),
    Goal("早于坐标轴的目标", date(2021, 11, 1), 10),
)
LONG_NAMES = (
    "驿城区",
    "西平县",
    "一个名字非常非常长的区县用来测试省略和提示框",
    "遂平县",
    "经济开发区",
)

CUMULATIVE: dict[str, dict[str, object]] = {
    "cumulative_full": {
        "title": "驿城区新开工项目：累计开工和完工户数",
        "series": [STARTED, COMPLETED],
        "goals": list(GOALS),
        "as_of": date(2022, 6, 30),
    },
    "cumulative_one_point": {
        "title": "一个很长很长的标题，长到需要换行才能在手机上读完，再加一些字让它更长更长更长",
        "series": [ONE_POINT],
        "goals": [GOALS[0]],
        "as_of": DEC31,
    },
    "cumulative_empty": {"title": "续建项目", "series": [], "goals": [], "as_of": None},
    "cumulative_big": {
        "title": "全市",
        "series": [Series("累计完工户数", ((date(2022, 2, 2), 123456),), "series-a")],
        "goals": [Goal("目标", date(2022, 12, 31), 200000)],
        "as_of": date(2023, 5, 1),
    },
}

BARS: dict[str, tuple[tuple[str, ...], list[ShareMeasure]]] = {
    "bars_one": (("驿城区",), [ShareMeasure("开工率", 50, (503,))]),
    "bars_many": (
        LONG_NAMES,
        [
            ShareMeasure("开工率", 50, (503, 499, None, 1000, 0)),
            ShareMeasure("完工率", 70, (700, 1, 1500, None, 699)),
            ShareMeasure("<资金> & 到位", 100, (1000, 999, 1200, 0, None)),
        ],
    ),
    "bars_none": (("西平县", "遂平县"), [ShareMeasure("开工率", 50, (None, None))]),
}


def _render(name: str) -> str:
    if name in CUMULATIVE:
        return str(cumulative_chart_svg(start=JAN1, end=DEC31, **CUMULATIVE[name]))  # type: ignore[arg-type]
    categories, measures = BARS[name]
    return str(share_bars_svg(title="完成率", categories=categories, measures=measures))


@pytest.mark.parametrize("name", [*CUMULATIVE, *BARS])
def test_chart_svg_is_unchanged(name: str) -> None:
    """Each chart's markup equals the one stored from the code before the split."""
    expected = (EXPECTED / f"{name}.svg").read_text(encoding="utf-8")
    assert _render(name) == expected


if __name__ == "__main__":  # regenerate: python -m tests.reporting.test_charts_pinned
    import django

    django.setup()
    for chart in [*CUMULATIVE, *BARS]:
        (EXPECTED / f"{chart}.svg").write_text(_render(chart), encoding="utf-8")
