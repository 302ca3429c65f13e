"""The floors each figure is compared with: the least work that produces the same result.

- The overview and ``check_targets``: one hand-written SQL statement returning every unit's targets
  and its cumulative figures on each date the milestone table judges.
- The monthly workbook: the same cell values written with no formatting (no styles, number formats,
  merges, widths, print setup) by the portal's own writer library in its streaming mode: XlsxWriter
  in constant memory, each row given whole to ``write_row`` (``city_monthly_floor``). openpyxl's
  write-only mode, the floor until the reports moved to XlsxWriter, is kept beside it for comparison
  (``city_monthly_openpyxl_floor``).
- The monthly workbook's download: one hand-written SQL statement reading every row the workbook
  is compiled from (``city_monthly_read_floor``), then the same plain write.
- The imports: openpyxl's read-only mode and ``bulk_create`` of the same rows, no validation and no
  history.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.db import connection
from openpyxl import Workbook, load_workbook
from xlsxwriter.workbook import Workbook as XlsxWorkbook

from projects.choices import Criterion, Opinion, ProjectKind
from projects.importing import HOUSEHOLD_HEADERS, KIND_BY_LABEL, OPINION_BY_LABEL, PROJECT_HEADERS
from projects.models import Household, PlanYear, Project, StartCriterion, Unit
from projects.selectors import Figures
from reporting.exports.rows import (
    CityMonthly,
    MilestoneColumn,
    NotStartedRow,
    ProgressRow,
    TimelinessTable,
    UnallocatedRow,
    UnreportedRow,
)
from reporting.exports.workbooks import CITY_NOTES, UNREPORTED_TEXT, unlisted_units
from reporting.reports import RECORD_STATES

# --- the overview's figures ---------------------------------------------------------------------


@dataclass(frozen=True)
class UnitFigures:
    """What the floor returns for one unit: its targets, its new and carry-over projects and its
    figures by date."""

    unit_id: int
    new_starts: int | None
    completions: int | None
    carryover: int | None
    projects_total: int
    carryover_projects_total: int
    figures: dict[date, Figures]


def _sum(condition: str) -> str:
    if connection.vendor == "postgresql":
        return f"SUM(households) FILTER (WHERE {condition})"
    return f"SUM(CASE WHEN {condition} THEN households ELSE 0 END)"


def _count(condition: str) -> str:
    if connection.vendor == "postgresql":
        return f"COUNT(*) FILTER (WHERE {condition})"
    return f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"


def overview_floor_sql(*, dates: Sequence[date]) -> str:
    """The statement: units left-joined with their targets and the grouped conditional sums over the
    projects' stored dates (``%s`` placeholders: the plan year, then each date five times, then the
    plan year again)."""
    new, carry = f"kind = '{ProjectKind.NEW.value}'", f"kind = '{ProjectKind.CARRYOVER.value}'"
    columns = [f"{_count(new)} AS projects_total", f"{_count(carry)} AS carryover_total"]
    for i, _ in enumerate(dates):
        columns += [
            f"{_sum(f'{carry} AND completed_on <= %s')} AS cc_{i}",
            f"{_sum(f'{new} AND started_on <= %s')} AS ns_{i}",
            f"{_sum(f'{new} AND completed_on <= %s')} AS nc_{i}",
            f"{_count(f'{new} AND started_on <= %s')} AS ps_{i}",
            f"{_count(f'{carry} AND completed_on <= %s')} AS cp_{i}",
        ]
    outer = ", ".join(
        f"COALESCE(f.{name}, 0)"
        for name in ["projects_total", "carryover_total"]
        + [f"{k}_{i}" for i, _ in enumerate(dates) for k in ("cc", "ns", "nc", "ps", "cp")]
    )
    # Only constants and generated aliases go into the text; the values are parameters.
    return (
        f"SELECT u.id, t.new_starts, t.completions, t.carryover, {outer} "  # noqa: S608
        "FROM projects_unit u "
        "LEFT JOIN projects_unittarget t ON t.unit_id = u.id AND t.plan_year_id = %s "
        f"LEFT JOIN (SELECT unit_id, {', '.join(columns)} FROM projects_project "
        "WHERE plan_year_id = %s GROUP BY unit_id) f ON f.unit_id = u.id "
        "ORDER BY u.sort_order, u.id"
    )


def overview_floor(*, plan_year_id: int, dates: Sequence[date]) -> list[UnitFigures]:
    """Every unit's targets and figures on ``dates``, in the overview's order, in one statement."""
    params: list[Any] = [plan_year_id]
    for day in dates:
        params += [day, day, day, day, day]
    params.append(plan_year_id)
    with connection.cursor() as cursor:
        cursor.execute(overview_floor_sql(dates=dates), params)
        rows = cursor.fetchall()
    result = []
    for row in rows:
        unit_id, new_starts, completions, carryover, projects_total, carryover_total, *sums = row
        figures = {
            day: Figures(
                carryover_completed=int(sums[5 * i]),
                new_started=int(sums[5 * i + 1]),
                new_completed=int(sums[5 * i + 2]),
                projects_started=int(sums[5 * i + 3]),
                carryover_projects_completed=int(sums[5 * i + 4]),
            )
            for i, day in enumerate(dates)
        }
        result.append(
            UnitFigures(
                unit_id,
                new_starts,
                completions,
                carryover,
                int(projects_total),
                int(carryover_total),
                figures,
            )
        )
    return result


# --- the whole overview page's data -------------------------------------------------------------

# The per-unit paperwork tables' statements, for one plan year and one day.
_PLANS_SQL = (
    "SELECT unit_id, submitted_on FROM paperwork_implementationplan "
    "WHERE plan_year_id = %s AND submitted_on <= %s"
)
_MISSING_SQL = (
    "SELECT p.unit_id, COUNT(*) FROM projects_project p "
    "LEFT JOIN paperwork_renovationplan r ON r.project_id = p.id "
    "WHERE p.plan_year_id = %s AND p.kind = %s "
    "AND (r.id IS NULL OR NOT r.final OR r.finalized_on > %s) GROUP BY p.unit_id"
)
_OVERDUE_SQL = (
    "SELECT i.unit_id, COUNT(*) FROM paperwork_finding f "
    "JOIN paperwork_inspection i ON i.id = f.inspection_id "
    "WHERE i.plan_year_id = %s AND f.deadline < %s AND (f.closed_on IS NULL OR f.closed_on > %s) "
    "GROUP BY i.unit_id"
)
_TAGS_SQL = {
    "postgresql": "SELECT p.unit_id, tag, COUNT(DISTINCT p.id) FROM projects_project p, "
    "jsonb_array_elements_text(CASE WHEN jsonb_typeof(p.linked_tags) = 'array' "
    "THEN p.linked_tags ELSE '[]'::jsonb END) AS tag WHERE p.plan_year_id = %s "
    "GROUP BY p.unit_id, tag",
    "sqlite": "SELECT p.unit_id, t.value, COUNT(DISTINCT p.id) FROM projects_project p, "
    "json_each(CASE WHEN json_type(p.linked_tags) = 'array' THEN p.linked_tags ELSE '[]' END) t "
    "WHERE p.plan_year_id = %s GROUP BY p.unit_id, t.value",
}
# The city's cumulative series: each day's households started or completed, by measure.
_DAILY_SQL = (
    "SELECT 'new_started', started_on, SUM(households) FROM projects_project "
    "WHERE plan_year_id = %s AND kind = %s AND started_on IS NOT NULL "
    "GROUP BY started_on UNION ALL "
    "SELECT 'new_completed', completed_on, SUM(households) FROM projects_project "
    "WHERE plan_year_id = %s AND kind = %s AND completed_on IS NOT NULL "
    "GROUP BY completed_on UNION ALL "
    "SELECT 'carryover_completed', completed_on, SUM(households) FROM projects_project "
    "WHERE plan_year_id = %s AND kind = %s AND completed_on IS NOT NULL GROUP BY completed_on"
)
# The city office's worklist: the latest version of each unit's month when it awaits receipt, the
# flags not yet ruled on, the adjustments awaiting a decision.
_AWAITING_SQL = {
    "postgresql": "SELECT unit_id, month, version, approved_at FROM (SELECT DISTINCT ON "
    "(unit_id, month) unit_id, month, version, state, approved_at FROM reporting_monthlyreport "
    "WHERE plan_year_id = %s ORDER BY unit_id, month, version DESC) latest "
    "WHERE state = 'approved'",
    "sqlite": "SELECT r.unit_id, r.month, r.version, r.approved_at FROM reporting_monthlyreport r "
    "WHERE r.plan_year_id = %s AND r.state = 'approved' AND r.version = (SELECT MAX(x.version) "
    "FROM reporting_monthlyreport x WHERE x.plan_year_id = r.plan_year_id "
    "AND x.unit_id = r.unit_id AND x.month = r.month)",
}
_FLAGS_SQL = (
    "SELECT f.id, f.detail, r.unit_id, r.month FROM reporting_reportflag f "
    "JOIN reporting_monthlyreport r ON r.id = f.report_id WHERE r.plan_year_id = %s "
    "AND r.state IN ('approved', 'received') AND f.ruling = 'open' ORDER BY f.raised_at, f.id"
)
_ADJUSTMENTS_SQL = (
    "SELECT id, unit_id, submitted_on FROM paperwork_planadjustment "
    "WHERE plan_year_id = %s AND state = 'submitted' ORDER BY submitted_on, id"
)


@dataclass(frozen=True)
class PageData:
    """Everything the city overview page reads from the database, as the floor returns it: the
    session and user, the plan year and its milestones, each unit's targets and figures, the
    unassigned carry-over, the city's daily households, each unit's paperwork, the city office's
    worklist and the unread notifications."""

    session: bool
    user: tuple[Any, ...] | None
    plan_year: tuple[Any, ...]
    milestones: list[tuple[Any, ...]]
    units: list[UnitFigures]
    unassigned: list[int]
    daily: dict[str, dict[date, int]]
    plans: dict[int, date]
    missing: dict[int, int]
    overdue: dict[int, int]
    tags: dict[int, dict[str, int]]
    awaiting: list[tuple[Any, ...]]
    flags: list[tuple[Any, ...]]
    adjustments: list[tuple[Any, ...]]
    unread: int


PAGE_STATEMENTS = 15


def overview_page_floor(
    *, session_key: str, user_id: int, dates: Sequence[date], as_of: date, now: datetime
) -> PageData:
    """The overview page's data in the fewest plain statements (PAGE_STATEMENTS), with no ORM, no
    model objects and no judging: what any implementation of the page has to read."""
    vendor = connection.vendor
    with connection.cursor() as cursor:

        def rows(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
            cursor.execute(sql, params)
            return list(cursor.fetchall())

        session = rows(
            "SELECT session_data FROM django_session WHERE session_key = %s AND expire_date > %s",
            [session_key, now],
        )
        user = rows(
            "SELECT id, username, role, unit_id, is_active, is_superuser FROM projects_user "
            "WHERE id = %s",
            [user_id],
        )
        plan_year = rows("SELECT * FROM projects_planyear ORDER BY year DESC LIMIT 1", [])[0]
        year_id = plan_year[0]
        milestones = rows(
            "SELECT key, name, due, percent, basis, measure, requires_all_projects_started, "
            "requires_all_projects_completed FROM projects_milestone WHERE plan_year_id = %s "
            "ORDER BY sort_order, due",
            [year_id],
        )
        unassigned = [
            households
            for (households,) in rows(
                "SELECT households FROM projects_unassignedcarryover WHERE plan_year_id = %s "
                "AND assigned_unit_id IS NULL ORDER BY id",
                [year_id],
            )
        ]
        daily: dict[str, dict[date, int]] = {
            "new_started": {},
            "new_completed": {},
            "carryover_completed": {},
        }
        new, carryover = ProjectKind.NEW.value, ProjectKind.CARRYOVER.value
        daily_params = [year_id, new, year_id, new, year_id, carryover]
        for measure, day, households in rows(_DAILY_SQL, daily_params):
            daily[measure][_day(day) or date.min] = int(households)
        plans = {u: _day(d) for u, d in rows(_PLANS_SQL, [year_id, as_of])}
        missing = {u: int(n) for u, n in rows(_MISSING_SQL, [year_id, new, as_of])}
        overdue = {u: int(n) for u, n in rows(_OVERDUE_SQL, [year_id, as_of, as_of])}
        tags: dict[int, dict[str, int]] = {}
        for unit_id, tag, n in rows(_TAGS_SQL[vendor], [year_id]):
            tags.setdefault(unit_id, {})[tag] = int(n)
        awaiting = rows(_AWAITING_SQL[vendor], [year_id])
        flags = rows(_FLAGS_SQL, [year_id])
        adjustments = rows(_ADJUSTMENTS_SQL, [year_id])
        (unread,) = rows(
            "SELECT COUNT(*) FROM projects_notification WHERE recipient_id = %s "
            "AND read_at IS NULL",
            [user_id],
        )[0]
    # The units' targets and figures: the figures floor's one statement.
    units = overview_floor(plan_year_id=year_id, dates=dates)
    return PageData(
        session=bool(session),
        user=user[0] if user else None,
        plan_year=plan_year,
        milestones=milestones,
        units=units,
        unassigned=unassigned,
        daily=daily,
        plans={u: d for u, d in plans.items() if d is not None},
        missing=missing,
        overdue=overdue,
        tags=tags,
        awaiting=awaiting,
        flags=flags,
        adjustments=adjustments,
        unread=int(unread),
    )


# --- the monthly workbook -----------------------------------------------------------------------

NONE = "—"


def _n(value: int | Decimal | None) -> int | Decimal | str:
    return NONE if value is None else value


def _pct(tenths: int | None) -> Decimal | str:
    return NONE if tenths is None else Decimal(tenths) / 1000


def _cn(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _local(moment: datetime | None) -> datetime | None:
    return moment


def _title(subject: str, table: str, year: int, month: int) -> str:
    return f"{subject}城镇老旧小区改造{table}（{year}年{month}月）"


def _heads(columns: Sequence[tuple[str, str]]) -> tuple[list[str], list[str | None]]:
    """The two header rows: the group (or the header) above, the header below a group."""
    return [g or h for h, g in columns], [h if g else None for h, g in columns]


def _head_rows(
    ws: Any, title: str, as_of: date, columns: Sequence[tuple[str, str]], note: str
) -> None:
    width = len(columns)
    left = max(1, width - max(2, width // 3))
    ws.append([title])
    ws.append([f"截至{_cn(as_of)}", *([None] * (left - 1)), note or None])
    top, bottom = _heads(columns)
    ws.append(top)
    ws.append(bottom)


def _progress(number: int | None, row: ProgressRow | UnreportedRow) -> list[Any]:
    if isinstance(row, UnreportedRow):
        return [number, row.label, UNREPORTED_TEXT]
    return [
        number,
        row.label,
        _n(row.new_target),
        row.new_started,
        _pct(row.started_share_tenths),
        _n(row.completion_target),
        row.new_completed,
        _pct(row.completed_share_tenths),
        _n(row.carryover_target),
        row.carryover_completed,
        _pct(row.carryover_share_tenths),
        row.projects_total,
        row.projects_started,
        row.investment_completed,
        *(m.status for m in row.milestones),
    ]


def _unallocated(item: UnallocatedRow) -> list[Any]:
    return [
        None,
        item.label,
        _n(item.new_target),
        NONE,
        NONE,
        _n(item.completion_target),
        NONE,
        NONE,
        _n(item.carryover_target),
        NONE,
        NONE,
        item.note,
    ]


PROGRESS_HEADERS = (
    ("序号", ""), ("区县", ""), ("年度目标\n（户）", "新开工"), ("已开工\n（户）", "新开工"),
    ("开工率", "新开工"), ("目标\n（户）", "完成改造"), ("已完工\n（户）", "完成改造"),
    ("完工率", "完成改造"), ("目标\n（户）", "2021年续建"), ("已完工\n（户）", "2021年续建"),
    ("续建\n完成率", "2021年续建"), ("计划\n（个）", "新开工项目"), ("已开工\n（个）", "新开工项目"),
    ("已完工项目\n投资（万元）", ""),
)  # fmt: skip
PROGRESS_NOTES = (
    "注：1.开工率、完工率、续建完成率按户数计算，向下取整到0.1%，显示达到某一比例即确已达到；"
    "完工率为已完工户数占完成改造目标，即“12月底完成改造70%”阶段任务判断的比例，达到100%即完成；"
    "“—”表示来源文件未列明该项目标或目标为0。",
    "2.阶段任务：截止日前按1月1日起的直线进度判断“进度正常”或“进度滞后”，截止日起按截止日当天的"
    "数据判断“已完成”或“未完成”；目标未知显示“无目标”。",
    "3.已完工项目投资为截至统计日已完工的新开工和续建项目资金概算之和。",
)
MILESTONE_NOTE = (
    "注：“达标所需”为达到阶段任务比例的最少户数（以上含本数）；“实际”为截止日与统计日中较早一日的"
    "累计户数（截止日在本月之前的，取截止日所在月份的有效月报数据，无有效月报的显示“—”）；"
    "“—”表示目标未知或无数据。"
)
NOT_STARTED_NOTE = (
    "注：开工认定须五项条件全部满足（附件3）：居民同意、违建拆除、设计公示、施工合同、进场施工；"
    "条件按截至统计日的记录判断。"
)
TIMELINESS_NOTE = (
    "信息月报须经单位领导审核并加盖单位印章方为有效；次月报送截止日前未有效报送的为迟报，"
    "仍未报送的为漏报，因数据错误被退回的为错报。"
)


def _milestone_headers(columns: Sequence[MilestoneColumn]) -> list[tuple[str, str]]:
    heads = [("序号", ""), ("区县", "")]
    for m in columns:
        group = f"{m.label}\n（截止{_cn(m.due)}）"
        heads += [("达标所需\n（户）", group), ("实际\n（户）", group), ("完成情况", group)]
    return heads


class _PlainBook:
    """An XlsxWriter workbook in constant memory whose sheets take whole rows of plain values, as
    openpyxl's ``append`` does: the least the portal's writer library can do to write them. Text is
    text (no formula, number or link is made of it); a date or time is one (a number with a date
    format, as openpyxl gives a date value by itself)."""

    def __init__(self, out: IO[bytes]) -> None:
        self.book = XlsxWorkbook(
            out,
            {
                "constant_memory": True,
                "default_date_format": "yyyy-mm-dd h:mm:ss",
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
            },
        )

    def create_sheet(self, title: str) -> "_PlainSheet":
        return _PlainSheet(self.book.add_worksheet(title))

    def save(self, out: IO[bytes]) -> None:
        self.book.close()


class _PlainSheet:
    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.row = 0

    def append(self, values: Sequence[Any]) -> None:
        self.ws.write_row(self.row, 0, values)
        self.row += 1


def city_monthly_floor(data: CityMonthly, out: IO[bytes]) -> None:
    """The city's monthly workbook's cells, written plainly by XlsxWriter: the floor of the
    workbook figure."""
    _city_monthly_cells(_PlainBook(out), data, out)


def city_monthly_openpyxl_floor(data: CityMonthly, out: IO[bytes]) -> None:
    """The same cells written plainly by openpyxl's write-only mode (the floor before issue 17)."""
    _city_monthly_cells(Workbook(write_only=True), data, out)


def _city_monthly_cells(wb: Any, data: CityMonthly, out: IO[bytes]) -> None:
    title = "驻马店市"
    digest_note = f"本表数据摘要（SHA-256）：{data.digest}"
    ws = wb.create_sheet("进展情况")
    columns = [*PROGRESS_HEADERS, *((m.label, "阶段任务") for m in data.milestone_columns)]
    _head_rows(
        ws,
        _title(title, "进展情况月报", data.year, data.month),
        data.as_of,
        columns,
        "单位：户、万元",
    )
    ws.append(_progress(None, data.city_row))
    for number, row in enumerate(data.rows, 1):
        ws.append(_progress(number, row))
    for item in data.unallocated:
        ws.append(_unallocated(item))
    for text in (*PROGRESS_NOTES, *CITY_NOTES):
        ws.append([text])
    ws.append([digest_note])
    ws = wb.create_sheet("阶段任务")
    heads = _milestone_headers(data.milestone_columns)
    _head_rows(
        ws,
        _title(title, "阶段任务完成情况", data.year, data.month),
        data.as_of,
        heads,
        "单位：户、万元",
    )
    for number, row in enumerate(data.rows, 1):
        if isinstance(row, UnreportedRow):
            ws.append([number, row.label, UNREPORTED_TEXT])
            continue
        cells: list[Any] = [number, row.label]
        for m in row.milestones:
            cells += [_n(m.needed), _n(m.actual), m.status]
        ws.append(cells)
    ws.append([MILESTONE_NOTE])
    ws.append([digest_note])
    _not_started_floor(wb, data, data.not_started, digest_note)
    _timeliness_floor(wb, data, data.timeliness, digest_note)
    wb.save(out)


def _not_started_floor(
    wb: Any, data: CityMonthly, rows: Sequence[NotStartedRow], digest_note: str
) -> None:
    ws = wb.create_sheet("未开工项目")
    heads = [
        ("序号", ""),
        ("区县", ""),
        ("小区名称", ""),
        ("户数", ""),
        ("尚未满足的开工条件（附件3）", ""),
    ]
    _head_rows(
        ws,
        _title("驻马店市", "未开工项目清单", data.year, data.month),
        data.as_of,
        heads,
        "单位：户",
    )
    for number, row in enumerate(rows, 1):
        ws.append([number, row.unit, row.project, row.households, row.missing or None])
    missing = unlisted_units(data)
    if missing:
        ws.append([missing])
    elif not rows:
        ws.append(["截至统计日，新开工项目均已开工。"])
    ws.append([NOT_STARTED_NOTE])
    ws.append([digest_note])


def _timeliness_floor(wb: Any, data: CityMonthly, table: TimelinessTable, digest_note: str) -> None:
    rows = table.rows
    ws = wb.create_sheet("报送情况")
    heads = [
        ("序号", ""), ("区县", ""), ("版本", ""), ("状态", ""), ("报送时间", ""), ("审核时间", ""),
        ("及时性", ""), ("月报摘要（SHA-256）", ""),
    ]  # fmt: skip
    _head_rows(
        ws, _title("驻马店市", "信息月报报送情况", data.year, data.month), table.as_of, heads, ""
    )
    for number, row in enumerate(rows, 1):
        ws.append(
            [
                number,
                row.unit,
                row.version,
                row.state_label,
                _local(row.submitted_at),
                _local(row.approved_at),
                row.timeliness_label,
                row.digest or None,
            ]
        )
    if not rows:
        ws.append(["暂无本月信息月报报送记录。"])
    ws.append(
        [f"注：及时性按{_cn(table.as_of)}判断（版本、状态和时间为导出时的记录）。{TIMELINESS_NOTE}"]
    )
    ws.append([digest_note])


# --- the monthly workbook's rows -----------------------------------------------------------------

# Every unit with its targets and every version of its reports of the plan year: the valid version
# of each month (the frozen figures, projects and notes the city's table compiles, and the months a
# milestone looks back to) and the month's latest version (the 报送情况 sheet).
READ_REPORTS_SQL = (
    "SELECT u.id, u.name, t.new_starts, t.completions, t.carryover, r.month, r.version, r.state, "
    "r.figures, r.digest, r.problems, r.next_plan, r.submitted_at, r.approved_at, r.received_at "
    "FROM projects_unit u "
    "LEFT JOIN projects_unittarget t ON t.unit_id = u.id AND t.plan_year_id = %s "
    "LEFT JOIN reporting_monthlyreport r ON r.unit_id = u.id AND r.plan_year_id = %s "
    "ORDER BY u.sort_order, u.id, r.month, r.version"
)
# The plan year's city targets with its milestones, and the carry-over whose unit is unknown.
READ_PLAN_SQL = (
    "SELECT p.city_new_starts, p.city_completions, p.city_carryover, p.completion_percent, "
    "m.key, m.name, m.due, m.percent, m.basis, m.measure, NULL "
    "FROM projects_planyear p JOIN projects_milestone m ON m.plan_year_id = p.id "
    "WHERE p.id = %s "
    "UNION ALL "
    "SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, c.households "
    "FROM projects_unassignedcarryover c "
    "WHERE c.plan_year_id = %s AND c.assigned_unit_id IS NULL"
)


_RECORD_STATES = frozenset(s.value for s in RECORD_STATES)


@dataclass(frozen=True)
class MonthlyRows:
    """What the floor reads for a city workbook: each unit's row with its reports' versions, and
    the plan year's rows."""

    reports: list[tuple[Any, ...]]
    plan: list[tuple[Any, ...]]


def city_monthly_read_floor(*, plan_year_id: int) -> MonthlyRows:
    """The rows a city workbook is compiled from, in two hand-written statements, each report's
    figures decoded: the floor of the build (the download's floor adds the plain write)."""
    with connection.cursor() as cursor:
        cursor.execute(READ_REPORTS_SQL, [plan_year_id, plan_year_id])
        reports = cursor.fetchall()
        cursor.execute(READ_PLAN_SQL, [plan_year_id, plan_year_id])
        plan = cursor.fetchall()
    # Django leaves a JSON column's text to the field to decode (on PostgreSQL too).
    reports = [(*r[:8], json.loads(r[8]) if r[8] is not None else None, *r[9:]) for r in reports]
    return MonthlyRows(reports=reports, plan=plan)


def valid_not_started(rows: MonthlyRows, *, month: int) -> list[tuple[str, str]]:
    """From the floor's rows, the (unit, project) pairs the city's not-started sheet lists for
    ``month``: each unit's latest approved or received version's new projects without a start."""
    valid: dict[int, tuple[str, Any]] = {}
    for unit_id, name, *_, row_month, _version, state, figures in (r[:9] for r in rows.reports):
        if row_month == month and state in _RECORD_STATES:
            valid[unit_id] = (name, figures)  # in version order: the latest stays
    return [
        (name, p["name"])
        for name, figures in valid.values()
        for p in figures.get("projects", [])
        if p["kind"] == ProjectKind.NEW and not p["started_on"]
    ]


# --- the imports --------------------------------------------------------------------------------


def _day(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _decimal(value: Any) -> Decimal:
    return Decimal(0) if value in (None, "") else Decimal(str(value))


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def projects_import_floor(*, source: Path, plan_year: PlanYear) -> int:
    """Read the projects template read-only and bulk_create its projects and their recorded
    criteria, trusting every cell. Returns the projects written."""
    units = {u.name: u.id for u in Unit.objects.all()}
    workbook = load_workbook(source, read_only=True)
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        next(rows)
        projects: list[Project] = []
        criteria: list[tuple[int, list[tuple[str, date, bool, str]]]] = []
        width = len(PROJECT_HEADERS)
        for cells in rows:
            r = (*cells, *([None] * (width - len(cells))))
            projects.append(
                Project(
                    plan_year_id=plan_year.id,
                    unit_id=units[r[0]],
                    kind=KIND_BY_LABEL[r[1]],
                    name=r[2],
                    address=_text(r[3]),
                    buildings=int(r[4]),
                    households=int(r[5]),
                    floor_area=_decimal(r[6]),
                    investment=_decimal(r[7]),
                    fund_central=_decimal(r[8]),
                    fund_provincial=_decimal(r[9]),
                    fund_city=_decimal(r[10]),
                    fund_county=_decimal(r[11]),
                    fund_social=_decimal(r[12]),
                    fund_credit=_decimal(r[13]),
                    fund_residents=_decimal(r[14]),
                    construction_unit=_text(r[15]),
                    supervising_unit=_text(r[16]),
                    responsible_person=_text(r[17]),
                    responsible_phone=_text(r[18]),
                    contractor=_text(r[22]),
                    completed_on=_day(r[25]),
                    accepted_on=_day(r[26]),
                )
            )
            dated = [
                (Criterion.STRUCTURES_CLEARED.value, _day(r[19]), r[20] == "是", _text(r[17])),
                (Criterion.DESIGN_POSTED.value, _day(r[21]), False, ""),
                (Criterion.CONTRACT_SIGNED.value, _day(r[23]), False, ""),
                (Criterion.ON_SITE.value, _day(r[24]), False, ""),
            ]
            criteria.append(
                (
                    len(projects) - 1,
                    [(k, d, none, by if none else "") for k, d, none, by in dated if d],
                )
            )
    finally:
        workbook.close()
    Project.objects.bulk_create(projects, batch_size=2_000)
    StartCriterion.objects.bulk_create(
        (
            StartCriterion(
                project_id=projects[i].id,
                criterion=key,
                met_on=met_on,
                no_structures=none,
                confirmed_by=by,
            )
            for i, rows_ in criteria
            for key, met_on, none, by in rows_
        ),
        batch_size=2_000,
    )
    return len(projects)


def households_import_floor(*, source: Path, plan_year: PlanYear) -> int:
    """Read the households template read-only and bulk_create every household of it, trusting every
    cell. Returns the households written."""
    project_ids = {
        (unit, name): pid
        for pid, unit, name in Project.objects.filter(plan_year=plan_year).values_list(
            "id", "unit__name", "name"
        )
    }
    workbook = load_workbook(source, read_only=True)
    written = 0
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        next(rows)
        batch: list[Household] = []
        width = len(HOUSEHOLD_HEADERS)
        for cells in rows:
            r = (*cells, *([None] * (width - len(cells))))
            batch.append(
                Household(
                    project_id=project_ids[(r[0], r[1])],
                    building=_text(r[2]),
                    entrance=_text(r[3]),
                    room=_text(r[4]),
                    head_name=_text(r[5]),
                    phone=_text(r[6]),
                    plan_opinion=OPINION_BY_LABEL.get(_text(r[7]), Opinion.UNDECIDED),
                    management_opinion=OPINION_BY_LABEL.get(_text(r[8]), Opinion.UNDECIDED),
                    answered_on=_day(r[9]),
                )
            )
            if len(batch) >= 2_000:
                Household.objects.bulk_create(batch)
                written += len(batch)
                batch = []
        Household.objects.bulk_create(batch)
        written += len(batch)
    finally:
        workbook.close()
    return written


def kind_label(kind: str) -> str:
    return next(label for label, value in KIND_BY_LABEL.items() if value == kind)
