"""The server-side SVG charts, parsed back as XML (no database, no browser)."""

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import date

import pytest
from django.utils.safestring import SafeString

from reporting.charts import (
    SVG_NS,
    Goal,
    Series,
    ShareMeasure,
    cumulative_chart_svg,
    nice_axis_max,
    share_bars_svg,
    share_met,
)

NS = {"s": SVG_NS}
JAN1 = date(2022, 1, 1)
DEC31 = date(2022, 12, 31)
STARTED = Series(
    "累计开工户数",
    ((date(2022, 3, 1), 100), (date(2022, 5, 1), 2500), (date(2022, 6, 15), 4100)),
)
COMPLETED = Series("累计竣工户数", ((date(2022, 4, 10), 30), (date(2022, 6, 1), 900)), "series-b")
HALF = Goal("6月底开工过半", date(2022, 6, 30), 2402)


def parse(svg: str) -> ET.Element:
    """Parse a chart; raises if the markup is not well-formed XML."""
    return ET.fromstring(svg)  # noqa: S314 - our own output, not untrusted input


def cumulative(**kwargs: object) -> ET.Element:
    """The cumulative chart for the 2022 axis, parsed; keyword arguments override the defaults."""
    arguments: dict[str, object] = {
        "title": "累计开工与竣工户数",
        "start": JAN1,
        "end": DEC31,
        "series": [STARTED, COMPLETED],
        "goals": [HALF],
        "as_of": date(2022, 6, 30),
    }
    arguments.update(kwargs)
    return parse(cumulative_chart_svg(**arguments))  # type: ignore[arg-type]


def bars(*measures: ShareMeasure, categories: tuple[str, ...] = ("驿城区",)) -> ET.Element:
    """The share bars for ``categories``, parsed."""
    return parse(share_bars_svg(title="完成率", categories=categories, measures=measures))


def find_all(root: ET.Element, path: str) -> list[ET.Element]:
    """Elements under ``root`` matching an ElementTree path written with the ``s:`` prefix."""
    return root.findall(path, NS)


def by_class(root: ET.Element, css: str, tag: str = "*") -> list[ET.Element]:
    """Every ``tag`` element under ``root`` whose class list contains ``css``."""
    return [
        el for el in root.iter(f"{{{SVG_NS}}}{tag}" if tag != "*" else tag) if css in classes(el)
    ]


def classes(element: ET.Element) -> list[str]:
    """The class list of an element."""
    return element.get("class", "").split()


def texts(root: ET.Element) -> list[str]:
    """All drawn text (not the title or desc), in document order."""
    return ["".join(el.itertext()) for el in root.iter(f"{{{SVG_NS}}}text")]


def month_tick_x(root: ET.Element, month: str) -> float:
    """The x of the tick at the start of ``month`` ("2022-06")."""
    (group,) = [g for g in by_class(root, "month", "g") if g.get("data-month") == month]
    line = group.find("s:line", NS)
    assert line is not None
    return float(line.get("x1", "nan"))


def y_tick_y(root: ET.Element, value: int) -> float:
    """The y of the y-axis gridline for ``value`` households."""
    (group,) = [g for g in by_class(root, "y-tick", "g") if g.get("data-value") == str(value)]
    line = group.find("s:line", NS)
    assert line is not None
    return float(line.get("y1", "nan"))


def goal_line(root: ET.Element, households: int) -> ET.Element:
    """The dotted line of the goal of ``households``."""
    (group,) = [
        g for g in by_class(root, "goal", "g") if g.get("data-households") == str(households)
    ]
    line = group.find("s:line", NS)
    assert line is not None
    return line


def only_bar(root: ET.Element) -> ET.Element:
    """The single bar of a chart that should have exactly one."""
    (bar,) = by_class(root, "bar", "rect")
    return bar


# --- both charts -------------------------------------------------------------------------------

BUILDERS: list[Callable[[str], SafeString]] = [
    lambda text: cumulative_chart_svg(
        title=text,
        start=JAN1,
        end=DEC31,
        series=[Series(text, ((date(2022, 3, 1), 5),))],
        goals=[Goal(text, date(2022, 6, 30), 3)],
        as_of=date(2022, 4, 1),
    ),
    lambda text: share_bars_svg(
        title=text, categories=[text, "西平县"], measures=[ShareMeasure(text, 50, (503, None))]
    ),
]


@pytest.mark.parametrize("build", BUILDERS, ids=["cumulative", "shares"])
def test_svg_is_accessible_and_scales(build: Callable[[str], SafeString]) -> None:
    """role=img names the title and desc by id; a viewBox with width 100% lets it scale to a phone."""
    svg = build("驿城区开工情况")
    root = parse(svg)
    assert isinstance(svg, SafeString)
    assert root.tag == f"{{{SVG_NS}}}svg"
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert root.get("preserveAspectRatio") == "xMidYMid meet"
    assert re.fullmatch(r"0 0 \d+ \d+(\.\d)?", root.get("viewBox", ""))
    title_id, desc_id = root.get("aria-labelledby", "").split()
    title = root.find("s:title", NS)
    desc = root.find("s:desc", NS)
    assert title is not None and desc is not None
    assert (title.get("id"), title.text) == (title_id, "驿城区开工情况")
    assert desc.get("id") == desc_id and desc.text


@pytest.mark.parametrize("build", BUILDERS, ids=["cumulative", "shares"])
@pytest.mark.parametrize(
    "label",
    [
        "<script>alert(1)</script>",
        "a & b \"c\" 'd' <e>",
        "]]><!-- -->",
        "控制\x00字符\x1f\x0b",
        "",
        "😀 emoji 与中文",
    ],
)
def test_every_text_is_escaped_and_xml_stays_valid(
    build: Callable[[str], SafeString], label: str
) -> None:
    """Labels with markup or odd characters come out as text, never as elements, in valid XML."""
    svg = build(label)
    assert "<script" not in svg
    root = parse(svg)  # raises if the markup is not well-formed
    tags = {el.tag.split("}")[1] for el in root.iter()}
    assert tags <= {"svg", "title", "desc", "style", "g", "line", "path", "circle", "rect", "text"}
    cleaned = re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f]", "", label)
    title = root.find("s:title", NS)
    assert title is not None
    assert (title.text or "") == cleaned
    if cleaned:
        assert any(cleaned in text or text.endswith("…") for text in texts(root))


@pytest.mark.parametrize("build", BUILDERS, ids=["cumulative", "shares"])
def test_coordinates_have_at_most_one_decimal(build: Callable[[str], SafeString]) -> None:
    """Every number in the markup is written with one decimal at most."""
    svg = str(build("驿城区"))
    assert not re.search(r"\d\.\d\d", svg.split("</style>")[1])


def test_charts_get_distinct_but_stable_ids() -> None:
    """The same chart drawn twice has the same ids; a different chart has others."""
    first = cumulative()
    again = cumulative()
    other = cumulative(title="另一张图")
    assert first.get("aria-labelledby") == again.get("aria-labelledby")
    assert first.get("aria-labelledby") != other.get("aria-labelledby")


# --- cumulative chart --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "top", "step"),
    [
        (0, 10, 2),  # an empty chart still has an axis
        (7, 10, 2),
        (10, 10, 2),
        (11, 15, 5),
        (101, 150, 50),
        (2500, 2500, 500),
        (4804, 5000, 1000),
        (15948, 20000, 5000),
    ],
)
def test_nice_axis_max(value: int, top: int, step: int) -> None:
    """The y axis ends on a round number at or above the largest value, in at most five steps."""
    assert nice_axis_max(value) == (top, step)
    assert top >= value and top % step == 0 and top // step <= 5


@pytest.mark.parametrize(
    ("series", "goals", "top"),
    [
        ([], [], 10),
        ([Series("累计开工户数", ())], [], 10),
        ([Series("累计开工户数", ((date(2022, 3, 1), 0),))], [], 10),
        ([STARTED], [], 5000),  # 4,100 households
        ([STARTED], [Goal("全部开工", date(2022, 10, 31), 15948)], 20000),  # the goal is higher
        ([Series("a", ((date(2022, 3, 1), 40), (date(2023, 1, 5), 9000)))], [], 40),  # after end
    ],
)
def test_y_axis_covers_every_value_and_goal(
    series: list[Series], goals: list[Goal], top: int
) -> None:
    """The top gridline is the nice maximum of the drawn values and the goals, at least 10."""
    root = cumulative(series=series, goals=goals)
    values = [int(g.get("data-value", "-1")) for g in by_class(root, "y-tick", "g")]
    assert values[0] == 0 and max(values) == top
    assert y_tick_y(root, top) < y_tick_y(root, 0)


def test_month_ticks_run_from_january_to_december() -> None:
    """The x axis has a tick and a label for each month of the plan year, left to right."""
    root = cumulative()
    months = by_class(root, "month", "g")
    assert [g.get("data-month") for g in months] == [f"2022-{m:02d}" for m in range(1, 13)]
    assert [t for g in months for t in texts(g)] == [f"{m}月" for m in range(1, 13)]
    xs = [month_tick_x(root, f"2022-{m:02d}") for m in range(1, 13)]
    assert xs == sorted(xs) and len(set(xs)) == 12


@pytest.mark.parametrize(
    ("as_of", "month", "next_month", "caption"),
    [
        (date(2022, 6, 30), "2022-06", "2022-07", "截至 6月30日"),
        (date(2022, 7, 1), "2022-07", "2022-08", "截至 7月1日"),
        (date(2022, 1, 1), "2022-01", "2022-02", "截至 1月1日"),
        (date(2022, 2, 28), "2022-02", "2022-03", "截至 2月28日"),
        (date(2022, 11, 30), "2022-11", "2022-12", "截至 11月30日"),
    ],
)
def test_as_of_line_sits_in_its_month(
    as_of: date, month: str, next_month: str, caption: str
) -> None:
    """The 截至 line falls on or after its month's tick and before the next month's."""
    root = cumulative(as_of=as_of)
    (group,) = by_class(root, "as-of", "g")
    line = group.find("s:line", NS)
    assert line is not None
    x = float(line.get("x1", "nan"))
    assert line.get("x1") == line.get("x2")
    assert month_tick_x(root, month) <= x < month_tick_x(root, next_month)
    assert texts(group) == [caption]


def test_as_of_at_year_end_is_right_of_december_tick() -> None:
    """On 31 December the line is at the right end of the axis, past the December tick."""
    root = cumulative(as_of=DEC31)
    (group,) = by_class(root, "as-of", "g")
    line = group.find("s:line", NS)
    assert line is not None
    assert float(line.get("x1", "nan")) > month_tick_x(root, "2022-12")


@pytest.mark.parametrize("as_of", [None, date(2021, 12, 31), date(2023, 1, 1)])
def test_no_as_of_line_outside_the_axis(as_of: date | None) -> None:
    """Without a date, or with one outside the axis, no 截至 line is drawn."""
    assert by_class(cumulative(as_of=as_of), "as-of") == []


@pytest.mark.parametrize("households", [0, 1000, 2000, 5000])
def test_goal_sits_at_its_households_on_the_y_axis(households: int) -> None:
    """A goal's line is at the same height as the axis gridline for the same households."""
    goal = Goal("目标", date(2022, 6, 30), households)
    root = cumulative(series=[STARTED], goals=[goal])  # axis 0-5,000 in steps of 1,000
    line = goal_line(root, households)
    assert float(line.get("y1", "nan")) == pytest.approx(y_tick_y(root, households), abs=0.1)
    assert line.get("y1") == line.get("y2")


def test_goal_between_gridlines_is_interpolated() -> None:
    """2,402 households lie 40.2 % of the way from the 2,000 gridline to the 3,000 one."""
    root = cumulative(series=[STARTED], goals=[HALF])
    low, high = y_tick_y(root, 2000), y_tick_y(root, 3000)
    y = float(goal_line(root, 2402).get("y1", "nan"))
    assert y == pytest.approx(low + (high - low) * 0.402, abs=0.1)


def test_goal_line_runs_from_the_axis_to_its_due_date() -> None:
    """The goal's dotted line ends at its due date (30 June: in June, before the July tick)."""
    root = cumulative()
    line = goal_line(root, 2402)
    assert float(line.get("x1", "nan")) == pytest.approx(month_tick_x(root, "2022-01"), abs=0.1)
    assert (
        month_tick_x(root, "2022-06") < float(line.get("x2", "nan")) < month_tick_x(root, "2022-07")
    )
    assert any(text == "6月底开工过半 2,402户" for text in texts(root))


@pytest.mark.parametrize(
    ("due", "end_of_axis"),
    [(date(2023, 3, 31), "right"), (date(2021, 6, 30), "left")],
)
def test_goal_outside_the_axis_is_clamped(due: date, end_of_axis: str) -> None:
    """A goal due after the axis is drawn at its right end; one due before it at its left end."""
    root = cumulative(goals=[Goal("目标", due, 100)])
    x = float(goal_line(root, 100).get("x2", "nan"))
    axis = by_class(root, "axis-line", "line")[0]
    expected = axis.get("x2") if end_of_axis == "right" else axis.get("x1")
    assert x == pytest.approx(float(expected or "nan"), abs=0.1)


def path_steps(d: str) -> list[tuple[str, float]]:
    """A path's commands as (command, coordinate), the M split into its x and y."""
    commands = re.findall(r"([MHV])([\d.]+)(?: ([\d.]+))?", d)
    steps: list[tuple[str, float]] = []
    for command, first, second in commands:
        if command == "M":
            steps += [("Mx", float(first)), ("My", float(second))]
        else:
            steps.append((command, float(first)))
    return steps


def test_step_line_holds_each_figure_until_the_next_point() -> None:
    """Only horizontal and vertical moves: each figure holds until the next date, then to 截至."""
    root = cumulative(series=[STARTED], goals=[], as_of=date(2022, 6, 30))
    (path,) = by_class(root, "line", "path")
    d = path.get("d", "")
    assert re.fullmatch(r"M[\d.]+ [\d.]+([HV][\d.]+)+", d)
    kinds = [kind for kind, _ in path_steps(d)]
    assert kinds == ["Mx", "My", "H", "V", "H", "V", "H"]
    _, _, (_, h1), (_, v1), (_, h2), (_, v2), (_, h3) = path_steps(d)
    assert month_tick_x(root, "2022-05") == pytest.approx(h1, abs=0.1)  # 1 May: 100 → 2,500
    assert v1 == pytest.approx(
        y_tick_y(root, 0) + (y_tick_y(root, 1000) - y_tick_y(root, 0)) * 2.5, abs=0.1
    )
    assert month_tick_x(root, "2022-06") < h2 < h3 < month_tick_x(root, "2022-07")
    assert v2 < v1  # 4,100 is higher up than 2,500


def test_single_point_draws_a_dot() -> None:
    """One point and no 截至 date: the figure is drawn as a dot at its date and its value labelled."""
    series = Series("累计开工户数", ((date(2022, 5, 1), 7),))
    root = cumulative(series=[series], goals=[], as_of=None)
    (dot,) = by_class(root, "dot", "circle")
    assert float(dot.get("cx", "nan")) == pytest.approx(month_tick_x(root, "2022-05"), abs=0.1)
    assert "7" in texts(root)


def test_points_after_the_end_are_ignored() -> None:
    """A figure dated after the axis neither draws nor scales; the last one inside holds to the end."""
    series = Series("累计开工户数", ((date(2022, 11, 1), 40), (date(2023, 2, 1), 9000)))
    root = cumulative(series=[series], goals=[], as_of=None)
    (path,) = by_class(root, "line", "path")
    *_, (kind, x) = path_steps(path.get("d", ""))
    axis = by_class(root, "axis-line", "line")[0]
    assert (kind, x) == ("H", pytest.approx(float(axis.get("x2", "nan")), abs=0.1))
    assert "9,000" not in texts(root)
    assert "40" in texts(root)


def test_points_before_the_start_set_the_first_figure() -> None:
    """A figure from before 1 January is where the line starts, at the left end of the axis."""
    series = Series("累计竣工户数", ((date(2021, 11, 1), 20), (date(2021, 12, 1), 30)))
    root = cumulative(series=[series], goals=[], as_of=date(2022, 3, 1))
    (path,) = by_class(root, "line", "path")
    (_, x), (_, y), *_ = path_steps(path.get("d", ""))
    assert x == pytest.approx(month_tick_x(root, "2022-01"), abs=0.1)
    assert y == pytest.approx(y_tick_y(root, 30), abs=0.1)


@pytest.mark.parametrize("series", [[], [Series("累计开工户数", ())]])
def test_empty_chart_says_no_data(series: list[Series]) -> None:
    """With nothing to draw the plot says 暂无数据 and draws no line."""
    root = cumulative(series=series, goals=[])
    assert "暂无数据" in texts(root)
    assert by_class(root, "line", "path") == []


def test_legend_names_each_series_and_the_goals() -> None:
    """The legend shows each series with its class, then 阶段目标 when there are goals."""
    root = cumulative()
    items = by_class(root, "legend-item", "g")
    assert [texts(item) for item in items] == [["累计开工户数"], ["累计竣工户数"], ["阶段目标"]]
    assert "series-a" in classes(items[0]) and "series-b" in classes(items[1])


def test_second_series_and_goals_are_dashed_for_print() -> None:
    """In black and white the second series, the goals and the 截至 line differ by their dashes."""
    style = cumulative().find("s:style", NS)
    assert style is not None and style.text
    for selector in (".series-b .line", ".goal-line", ".as-of line"):
        rule = re.search(re.escape(selector) + r"[^{]*\{([^}]*)\}", style.text)
        assert rule and "stroke-dasharray" in rule.group(1), selector


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"series": [Series("a", ((date(2022, 3, 1), 1.5),))]}, TypeError),  # type: ignore[arg-type]
        ({"series": [Series("a", ((date(2022, 3, 1), True),))]}, TypeError),
        ({"series": [Series("a", ((date(2022, 3, 1), -1),))]}, ValueError),
        ({"goals": [Goal("g", date(2022, 6, 30), 2402.0)]}, TypeError),  # type: ignore[arg-type]
        ({"series": [Series("a", ((date(2022, 5, 1), 1), (date(2022, 3, 1), 2)))]}, ValueError),
        ({"end": JAN1}, ValueError),
    ],
)
def test_cumulative_rejects_bad_input(kwargs: dict[str, object], error: type[Exception]) -> None:
    """Floats, negative households, dates out of order and an empty axis are refused."""
    with pytest.raises(error):
        cumulative(**kwargs)


# --- share bars --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tenths", "threshold", "state"),
    [
        (503, 50, "bar-met"),
        (500, 50, "bar-met"),  # inclusive: exactly 50 % reaches 50 %
        (499, 50, "bar-short"),
        (1000, 100, "bar-met"),
        (999, 100, "bar-short"),
        (1210, 100, "bar-met"),
        (700, 70, "bar-met"),
        (699, 70, "bar-short"),
        (0, 50, "bar-short"),
        (0, 0, "bar-met"),
    ],
)
def test_bar_is_met_or_short_against_its_threshold(tenths: int, threshold: int, state: str) -> None:
    """A bar reaching its measure's threshold is bar-met, otherwise bar-short, with its measure class."""
    bar = only_bar(bars(ShareMeasure("开工率", threshold, (tenths,))))
    other = "bar-short" if state == "bar-met" else "bar-met"
    assert state in classes(bar) and other not in classes(bar)
    assert "measure-1" in classes(bar)
    assert share_met(value_tenths=tenths, threshold_percent=threshold) is (state == "bar-met")


@pytest.mark.parametrize(
    ("tenths", "label"),
    [(503, "50.3%"), (500, "50.0%"), (7, "0.7%"), (0, "0.0%"), (1000, "100.0%"), (1215, "121.5%")],
)
def test_value_label_at_the_bar_end(tenths: int, label: str) -> None:
    """Each bar carries its share with one decimal just past its end."""
    root = bars(ShareMeasure("开工率", 50, (tenths,)))
    bar = only_bar(root)
    end = float(bar.get("x", "nan")) + float(bar.get("width", "nan"))
    (value,) = by_class(root, "bar-value", "text")
    assert value.text == label
    assert end < float(value.get("x", "nan")) <= end + 8


def test_groups_have_one_bar_per_measure_and_none_draws_no_target() -> None:
    """Three units by two measures: a bar for each value, 无目标 text and no bar for each None."""
    root = bars(
        ShareMeasure("开工率", 50, (503, None, 499)),
        ShareMeasure("竣工率", 70, (None, None, 800)),
        categories=("驿城区", "西平县", "上蔡县"),
    )
    groups = by_class(root, "group", "g")
    assert [len(by_class(group, "bar", "rect")) for group in groups] == [1, 0, 2]
    assert [len(by_class(group, "measure-2", "rect")) for group in groups] == [0, 0, 1]
    assert [text for text in texts(root) if text == "无目标"] == ["无目标"] * 3
    assert [b.get("data-tenths") for b in by_class(root, "bar", "rect")] == ["503", "499", "800"]
    assert [t for g in groups for t in texts(g) if t in ("驿城区", "西平县", "上蔡县")] == [
        "驿城区",
        "西平县",
        "上蔡县",
    ]


def test_bar_lengths_are_proportional_to_the_axis() -> None:
    """A bar of 60.0 % ends on the 60 % gridline; 0 % has no length."""
    root = bars(ShareMeasure("开工率", 50, (600, 0)), categories=("驿城区", "西平县"))
    tick = next(g for g in by_class(root, "x-tick", "g") if g.get("data-percent") == "60")
    grid = tick.find("s:line", NS)
    assert grid is not None
    long, empty = by_class(root, "bar", "rect")
    assert float(long.get("x", "nan")) + float(long.get("width", "nan")) == pytest.approx(
        float(grid.get("x1", "nan")), abs=0.2
    )
    assert float(empty.get("width", "nan")) == 0


@pytest.mark.parametrize(
    ("values", "top"),
    [
        ((503,), 120),
        ((1200,), 120),
        ((1201,), 140),
        ((1210, 300), 140),
        ((2534,), 260),
        ((None,), 120),
    ],
)
def test_x_axis_reaches_120_percent_or_the_largest_value(
    values: tuple[int | None, ...], top: int
) -> None:
    """The share axis runs to 120 %, or further in steps of 20 % to hold the largest value."""
    root = bars(ShareMeasure("开工率", 50, values), categories=tuple(f"单位{i}" for i in values))
    percents = [int(g.get("data-percent", "-1")) for g in by_class(root, "x-tick", "g")]
    assert percents == list(range(0, top + 1, 20))


def test_threshold_lines_are_dashed_and_labelled() -> None:
    """Each distinct threshold is one dashed vertical line at its share, labelled like 50%."""
    root = bars(
        ShareMeasure("开工率", 60, (503,)),
        ShareMeasure("竣工率", 100, (800,)),
        ShareMeasure("完成率", 60, (700,)),
    )
    groups = by_class(root, "threshold", "g")
    assert [g.get("data-percent") for g in groups] == ["60", "100"]
    assert [texts(g) for g in groups] == [["60%"], ["100%"]]
    tick = next(g for g in by_class(root, "x-tick", "g") if g.get("data-percent") == "60")
    grid, line = tick.find("s:line", NS), groups[0].find("s:line", NS)
    assert grid is not None and line is not None
    assert line.get("x1") == line.get("x2") == grid.get("x1")
    style = root.find("s:style", NS)
    assert style is not None and re.search(
        r"\.threshold line\{[^}]*stroke-dasharray", style.text or ""
    )


@pytest.mark.parametrize("count", [1, 10, 11, 12, 25])
def test_height_grows_with_the_categories(count: int) -> None:
    """More units make a taller chart, never squeezed bars; every unit keeps its name."""
    names = tuple(f"单位{i}" for i in range(count))
    measure = ShareMeasure("开工率", 50, tuple(range(count)))
    height = float(bars(measure, categories=names).get("viewBox", "").split()[3])
    taller = float(
        bars(
            ShareMeasure("开工率", 50, tuple(range(count + 1))),
            categories=(*names, "再一个"),
        )
        .get("viewBox", "")
        .split()[3]
    )
    assert taller > height
    root = bars(measure, categories=names)
    heights = {b.get("height") for b in by_class(root, "bar", "rect")}
    assert len(heights) == 1
    assert set(names) <= set(texts(root))


def test_long_unit_names_are_shortened_but_kept_in_a_tooltip() -> None:
    """A unit name too long for the label column ends in … and keeps its full name as a <title>."""
    name = "驻马店市城乡一体化示范区老旧小区改造领导小组办公室"
    root = bars(ShareMeasure("开工率", 50, (503,)), categories=(name,))
    (label,) = by_class(root, "category", "text")
    tooltip = label.find("s:title", NS)
    assert tooltip is not None and tooltip.text == name
    assert "".join(label.itertext()).endswith("…")


@pytest.mark.parametrize(
    ("measures", "error"),
    [
        ([ShareMeasure("开工率", 50, (503, 499))], ValueError),  # two values for one unit
        ([ShareMeasure("开工率", 50, (50.3,))], TypeError),  # type: ignore[arg-type]
        ([ShareMeasure("开工率", 50, (-1,))], ValueError),
    ],
)
def test_share_bars_reject_bad_input(measures: list[ShareMeasure], error: type[Exception]) -> None:
    """A value count that does not match the units, a float or a negative share is refused."""
    with pytest.raises(error):
        share_bars_svg(title="完成率", categories=["驿城区"], measures=measures)


def test_description_reads_the_figures_for_screen_readers() -> None:
    """The <desc> gives each unit's shares, whether they reach the threshold, and 无目标."""
    root = bars(ShareMeasure("开工率", 50, (503, None)), categories=("驿城区", "西平县"))
    desc = root.find("s:desc", NS)
    assert desc is not None
    assert desc.text == "驿城区：开工率50.3%（已达到50%）；西平县：开工率无目标。"
