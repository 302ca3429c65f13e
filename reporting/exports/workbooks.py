"""Pure workbook writers: the dataclasses of ``rows`` in, an .xlsx out, each table laid out like
the official ones by ``sheets.SheetWriter`` (title, date line, merged headers, A4 printing, a footer
saying what the figures are). A unit's valid report carries its own digest on every sheet; a working
copy is marked 按当前项目记录（未报送） on every sheet; the city's compilation and the assessment carry
their own table digest. Written with XlsxWriter in constant memory (``sheets.ReportWorkbook``): memory
stays flat and time grows linearly with the rows, at near the cost of writing the bare values."""

from collections.abc import Collection, Iterable, Sequence
from datetime import date
from typing import IO, Any

from projects.choices import Measure
from projects.xlsx import (
    EMPTY,
    NONE_MARK,
    CellValue,
    count,
    households,
    percent_from_tenths,
    safe_text,
    wan_yuan,
    when,
)

from .rows import (
    Assessment,
    CityMonthly,
    MilestoneColumn,
    NotStartedRow,
    ProgressRow,
    TimelinessTable,
    UnallocatedRow,
    UnitMonthly,
    UnreportedRow,
)
from .sheets import (
    ASIDE,
    CITY,
    DIGEST_MISMATCH,
    TOTAL,
    WORKING_COPY,
    WORKING_COPY_PROVENANCE,
    Column,
    Provenance,
    ReportWorkbook,
    SheetWriter,
    city_provenance,
    cn_date,
    month_title,
    report_provenance,
    table_provenance,
    units_digest_mismatch,
)

# --- the tables ---------------------------------------------------------------------------------


def _progress_columns(milestones: Sequence[MilestoneColumn], *, year: int) -> list[Column]:
    # The carry-over is the previous year's unfinished work (2022's is 2021's).
    carried = f"{year - 1}年续建"
    return [
        Column("序号", 5, center=True),
        Column("区县", 13, center=True),
        Column("年度目标\n（户）", 9, "新开工"),
        Column("已开工\n（户）", 9, "新开工"),
        Column("开工率", 8, "新开工"),
        Column("目标\n（户）", 9, "完成改造"),
        Column("已完工\n（户）", 9, "完成改造"),
        Column("完工率", 8, "完成改造"),
        Column("目标\n（户）", 9, carried),
        Column("已完工\n（户）", 9, carried),
        Column("续建\n完成率", 8, carried),
        Column("计划\n（个）", 7, "新开工项目"),
        Column("已开工\n（个）", 7, "新开工项目"),
        Column("已完工项目\n投资（万元）", 13),
        *(Column(m.label, 11, "阶段任务", center=True) for m in milestones),
    ]


DIGEST_MARK = "\n（摘要不符！）"


def _label(row: ProgressRow, altered: Collection[str]) -> CellValue:
    """A unit's name, marked when its report no longer matches its digest."""
    return safe_text(row.label + DIGEST_MARK if row.label in altered else row.label)


def _progress_values(
    number: int | None, row: ProgressRow, altered: Collection[str] = ()
) -> list[CellValue]:
    return [
        count(number) if number is not None else EMPTY,
        _label(row, altered),
        households(row.new_target),
        households(row.new_started),
        percent_from_tenths(row.started_share_tenths),
        households(row.completion_target),
        households(row.new_completed),
        percent_from_tenths(row.completed_share_tenths),
        households(row.carryover_target),
        households(row.carryover_completed),
        percent_from_tenths(row.carryover_share_tenths),
        count(row.projects_total),
        count(row.projects_started),
        wan_yuan(row.investment_completed),
        *(safe_text(m.status) for m in row.milestones),
    ]


UNREPORTED_TEXT = "未报送：本月无经审核盖章的有效月报，不列数据"


def _progress_notes(columns: Sequence[MilestoneColumn]) -> tuple[str, ...]:
    """The notes under the progress table; the 完工率 is the share the plan year's completion
    milestone judges, named as the plan year names it."""
    completion = next((c for c in reversed(columns) if c.measure == Measure.NEW_COMPLETED), None)
    judged = f"即“{completion.label}”阶段任务判断的比例，" if completion is not None else ""
    return (
        "注：1.开工率、完工率、续建完成率按户数计算，向下取整到0.1%，显示达到某一比例即确已达到；"
        f"完工率为已完工户数占完成改造目标，{judged}达到100%即完成；"
        "“—”表示来源文件未列明该项目标或目标为0。",
        *PROGRESS_NOTES,
    )


PROGRESS_NOTES = (
    "2.阶段任务：截止日前按1月1日起的直线进度判断“进度正常”或“进度滞后”，截止日起按截止日当天的"
    "数据判断“已完成”或“未完成”；目标未知显示“无目标”。",
    "3.已完工项目投资为截至统计日已完工的新开工和续建项目资金概算之和。",
)

CITY_NOTES = (
    "4.各区县数据取自其本月有效月报（经单位领导审核盖章、未被退回的最新版本）审核时冻结的数据，"
    "不按当前项目记录重新计算；未报送的区县只列名称，其当前项目记录见该区县的工作底稿导出。",
    "5.合计行为本表所列已报送区县数据之和（目标亦只合计这些区县），不是全市目标完成情况，"
    "不判断阶段任务。",
)


def _progress_sheet(
    wb: ReportWorkbook,
    *,
    subject: str,
    year: int,
    month: int,
    as_of: date,
    columns: Sequence[MilestoneColumn],
    total: ProgressRow | None,
    rows: Sequence[ProgressRow | UnreportedRow],
    unallocated: Sequence[UnallocatedRow],
    provenance: Provenance,
    altered: Sequence[str] = (),
) -> None:
    sheet = SheetWriter(
        wb,
        name="进展情况",
        title=month_title(subject, "进展情况月报", year, month),
        as_of=as_of,
        columns=_progress_columns(columns, year=year),
        provenance=provenance,
    )
    if total is not None:
        # Two lines: the total's label says whose figures it adds up.
        sheet.row(_progress_values(None, total), TOTAL, height=30)
    for number, row in enumerate(rows, 1):
        if isinstance(row, UnreportedRow):
            sheet.spanning_row([count(number), safe_text(row.label)], UNREPORTED_TEXT, ASIDE)
        elif row.label in altered:
            sheet.row(_progress_values(number, row, altered), height=30)
        else:
            sheet.row(_progress_values(number, row))
    if altered:
        sheet.spanning_row([], units_digest_mismatch(altered), ASIDE, height=30)
    for item in unallocated:
        sheet.spanning_row(
            [
                EMPTY,
                safe_text(item.label),
                households(item.new_target),
                safe_text(NONE_MARK),
                safe_text(NONE_MARK),
                households(item.completion_target),
                safe_text(NONE_MARK),
                safe_text(NONE_MARK),
                households(item.carryover_target),
                safe_text(NONE_MARK),
                safe_text(NONE_MARK),
            ],
            item.note,
            ASIDE,
            height=30,
        )
    for text in _progress_notes(columns):
        sheet.note(text)
    if total is not None:
        for text in CITY_NOTES:
            sheet.note(text, height=30)
    sheet.close()


def _milestone_sheet(
    wb: ReportWorkbook,
    *,
    subject: str,
    year: int,
    month: int,
    as_of: date,
    columns: Sequence[MilestoneColumn],
    rows: Sequence[ProgressRow | UnreportedRow],
    provenance: Provenance,
    altered: Sequence[str] = (),
) -> None:
    table = [Column("序号", 5, center=True), Column("区县", 13, center=True)]
    for m in columns:
        group = f"{m.label}\n（截止{cn_date(m.due)}）"
        table += [
            Column("达标所需\n（户）", 9, group),
            Column("实际\n（户）", 9, group),
            Column("完成情况", 9, group, center=True),
        ]
    sheet = SheetWriter(
        wb,
        name="阶段任务",
        title=month_title(subject, "阶段任务完成情况", year, month),
        as_of=as_of,
        columns=table,
        provenance=provenance,
    )
    for number, row in enumerate(rows, 1):
        if isinstance(row, UnreportedRow):
            sheet.spanning_row([count(number), safe_text(row.label)], UNREPORTED_TEXT, ASIDE)
            continue
        cells = [count(number), _label(row, altered)]
        for cell in row.milestones:
            cells += [households(cell.needed), households(cell.actual), safe_text(cell.status)]
        sheet.row(cells, height=30 if row.label in altered else None)
    if altered:
        sheet.spanning_row([], units_digest_mismatch(altered), ASIDE, height=30)
    sheet.note(
        "注：“达标所需”为达到阶段任务比例的最少户数（以上含本数）；“实际”为截止日与统计日中较早一日的"
        "累计户数（截止日在本月之前的，取截止日所在月份的有效月报数据，无有效月报的显示“—”）；"
        "“—”表示目标未知或无数据。",
        height=42,
    )
    sheet.close()


def _not_started_sheet(
    wb: ReportWorkbook,
    *,
    subject: str,
    year: int,
    month: int,
    as_of: date,
    rows: Iterable[NotStartedRow],
    provenance: Provenance,
    missing_lists: str = "",
) -> None:
    sheet = SheetWriter(
        wb,
        name="未开工项目",
        title=month_title(subject, "未开工项目清单", year, month),
        as_of=as_of,
        columns=[
            Column("序号", 6, center=True),
            Column("区县", 13, center=True),
            Column("小区名称", 28),
            Column("户数", 9),
            Column("尚未满足的开工条件（附件3）", 48),
        ],
        provenance=provenance,
        units_note="单位：户",
        frozen_columns=3,
    )
    empty = True
    # A list of thousands of rows names a few units and a few sets of criteria: each made once.
    texts: dict[str, CellValue] = {}
    for number, row in enumerate(rows, 1):
        empty = False
        unit = texts.get(row.unit) or texts.setdefault(row.unit, safe_text(row.unit))
        missing = texts.get(row.missing) or texts.setdefault(row.missing, safe_text(row.missing))
        sheet.row(
            [count(number), unit, safe_text(row.project), households(row.households), missing]
        )
    if missing_lists:
        sheet.spanning_row([], missing_lists, ASIDE, height=30)
    elif empty:
        sheet.spanning_row([], "截至统计日，新开工项目均已开工。")
    sheet.note(
        "注：开工认定须五项条件全部满足（附件3）：居民同意、违建拆除、设计公示、施工合同、进场施工；"
        "条件按截至统计日的记录判断。"
    )
    sheet.close()


def _timeliness_sheet(
    wb: ReportWorkbook,
    *,
    subject: str,
    year: int,
    month: int,
    table: TimelinessTable,
    provenance: Provenance,
) -> None:
    sheet = SheetWriter(
        wb,
        name="报送情况",
        title=month_title(subject, "信息月报报送情况", year, month),
        as_of=table.as_of,
        columns=[
            Column("序号", 6, center=True),
            Column("区县", 13, center=True),
            Column("版本", 6),
            Column("状态", 14, center=True),
            Column("报送时间", 18),
            Column("审核时间", 18),
            Column("及时性", 9, center=True),
            Column("月报摘要（SHA-256）", 66),
        ],
        provenance=provenance,
        units_note="",
    )
    empty = True
    for number, row in enumerate(table.rows, 1):
        empty = False
        sheet.row(
            [
                count(number),
                safe_text(row.unit),
                count(row.version) if row.version is not None else EMPTY,
                safe_text(row.state_label),
                when(row.submitted_at),
                when(row.approved_at),
                safe_text(row.timeliness_label),
                safe_text(row.digest),
            ]
        )
    if empty:
        sheet.spanning_row([], "暂无本月信息月报报送记录。")
    sheet.note(
        f"注：及时性按{cn_date(table.as_of)}判断（版本、状态和时间为导出时的记录）。"
        "信息月报须经单位领导审核并加盖单位印章方为有效；次月报送截止日前未有效报送的为迟报，"
        "仍未报送的为漏报，因数据错误被退回的为错报。",
        height=30,
    )
    sheet.close()


NOT_FROZEN = (
    "本月报审核时未冻结项目清单（早于项目清单冻结功能的月报），不列项目；不按当前项目记录重新计算。"
)


def _projects_sheet(wb: ReportWorkbook, *, data: UnitMonthly, provenance: Provenance) -> None:
    sheet = SheetWriter(
        wb,
        name="项目明细",
        title=month_title(data.unit, "项目进展明细", data.year, data.month),
        as_of=data.as_of,
        columns=[
            Column("序号", 6, center=True),
            Column("小区名称", 28),
            Column("项目类型", 9, center=True),
            Column("户数", 9),
            Column("资金概算（万元）", 13),
            Column("居民同意达标日期", 14, "进展"),
            Column("开工日期", 14, "进展"),
            Column("完工日期", 14, "进展"),
            Column("验收移交日期", 14, "进展"),
            Column("征求意见提示", 36),
        ],
        provenance=provenance,
    )
    for number, row in enumerate(data.projects, 1):
        sheet.row(
            [
                count(number),
                safe_text(row.name),
                safe_text(row.kind_label),
                households(row.households),
                wan_yuan(row.investment),
                when(row.consent_met_on),
                when(row.started_on),
                when(row.completed_on),
                when(row.accepted_on),
                safe_text(row.warnings),
            ]
        )
    if not data.projects_frozen:
        sheet.spanning_row([], NOT_FROZEN, ASIDE)
    sheet.note(
        f"注：只列截至统计日已记录的日期；续建项目于{data.year - 1}年开工，"
        f"不适用{data.year}年开工认定。"
    )
    sheet.close()


def _long_text_height(text: str, per_line: int = 60) -> float:
    lines = sum(max(1, -(-len(part) // per_line)) for part in (text or "—").split("\n"))
    return max(20.0, 16.0 * lines)


def _record_sheet(wb: ReportWorkbook, *, data: UnitMonthly, provenance: Provenance) -> None:
    """The report itself: who approved it and when, its notes and its digest; for a working copy,
    that there is no valid report."""
    sheet = SheetWriter(
        wb,
        name="月报信息",
        title=month_title(data.unit, "信息月报", data.year, data.month),
        as_of=data.as_of,
        columns=[Column("项目", 16, center=True), Column("内容", 90)],
        provenance=provenance,
        units_note="",
        frozen_columns=1,
    )
    record = data.record

    def line(label: str, value: CellValue, height: float | None = None) -> None:
        sheet.row([safe_text(label), value], height=height)

    line("区县", safe_text(data.unit))
    line("报告期", safe_text(f"{data.year}年{data.month}月（数据截至{cn_date(data.as_of)}）"))
    if record is None:
        line(
            "状态",
            safe_text(f"{WORKING_COPY}：本月尚无经单位领导审核盖章的有效月报，本表不是月报"),
        )
        sheet.close()
        return
    line("版本", safe_text(f"第{record.version}版"))
    line("状态", safe_text(record.state_label))
    line("审核人", safe_text(record.approved_by))
    line("审核时间", when(record.approved_at))
    if record.received_at is not None:
        line("接收人（市老旧办）", safe_text(record.received_by))
        line("接收时间", when(record.received_at))
    line("存在问题", safe_text(record.problems or "无"), _long_text_height(record.problems))
    line("下月工作计划", safe_text(record.next_plan or "无"), _long_text_height(record.next_plan))
    line("月报摘要（SHA-256）", safe_text(record.digest))
    line(
        "摘要核验",
        safe_text("与数据一致" if record.digest_intact else f"不符！{DIGEST_MISMATCH}"),
    )
    sheet.note(
        "注：本表各页数据为该版本经单位领导审核盖章时冻结的数据，此后项目记录的变化不改变本月报。"
    )
    sheet.close()


# --- the workbooks ------------------------------------------------------------------------------


def unlisted_units(data: CityMonthly) -> str:
    """The units whose projects the city's not-started list cannot show: not reported, or reported
    before reports froze their project list ("" when there are none)."""
    missing = []
    if data.unreported:
        missing.append(f"未报送、不列项目的区县：{'、'.join(data.unreported)}")
    if data.without_project_list:
        missing.append(
            f"月报审核时未冻结项目清单、不列项目的区县：{'、'.join(data.without_project_list)}"
        )
    return "；".join(missing)


def city_monthly_workbook(data: CityMonthly, out: IO[bytes] | None = None) -> bytes:
    """The city's monthly report compiled from the units' valid reports: progress, milestones,
    projects not started, reports' timeliness. Returns the .xlsx bytes, or writes them to ``out``
    (and returns b"")."""
    with ReportWorkbook(out) as wb:
        provenance = city_provenance(data.digest, data.digest_mismatch)
        common: dict[str, Any] = {
            "subject": CITY,
            "year": data.year,
            "month": data.month,
            "provenance": provenance,
        }
        _progress_sheet(
            wb,
            as_of=data.as_of,
            columns=data.milestone_columns,
            total=data.city_row,
            rows=data.rows,
            unallocated=data.unallocated,
            altered=data.digest_mismatch,
            **common,
        )
        _milestone_sheet(
            wb,
            as_of=data.as_of,
            columns=data.milestone_columns,
            rows=data.rows,
            altered=data.digest_mismatch,
            **common,
        )
        _not_started_sheet(
            wb,
            as_of=data.as_of,
            rows=data.not_started,
            missing_lists=unlisted_units(data),
            **common,
        )
        _timeliness_sheet(wb, table=data.timeliness, **common)
    return wb.content


def unit_provenance(data: UnitMonthly) -> Provenance:
    """A unit's valid report carries its own digest; a working copy says what it is on every sheet."""
    if data.record is None:
        return WORKING_COPY_PROVENANCE
    return report_provenance(data.record.digest, data.record.digest_intact)


def unit_monthly_workbook(data: UnitMonthly, out: IO[bytes] | None = None) -> bytes:
    """A unit's own monthly report in the city's style: the report's approval and notes, its
    progress row, milestones, projects, projects not started and its reports' timeliness. From the
    valid version's frozen figures, or marked on every sheet as a working copy."""
    with ReportWorkbook(out) as wb:
        provenance = unit_provenance(data)
        common: dict[str, Any] = {
            "subject": data.unit,
            "year": data.year,
            "month": data.month,
            "provenance": provenance,
        }
        _record_sheet(wb, data=data, provenance=provenance)
        _progress_sheet(
            wb,
            as_of=data.as_of,
            columns=data.milestone_columns,
            total=None,
            rows=(data.row,),
            unallocated=(),
            **common,
        )
        _milestone_sheet(
            wb, as_of=data.as_of, columns=data.milestone_columns, rows=(data.row,), **common
        )
        _projects_sheet(wb, data=data, provenance=provenance)
        _not_started_sheet(
            wb,
            as_of=data.as_of,
            rows=data.not_started,
            missing_lists="" if data.projects_frozen else NOT_FROZEN,
            **common,
        )
        _timeliness_sheet(wb, table=data.timeliness, **common)
    return wb.content


def assessment_workbook(data: Assessment, out: IO[bytes] | None = None) -> bytes:
    """The annual assessment table: each unit's monthly reports by how they arrived (迟报, 漏报,
    错报, 瞒报) and its milestones' statuses."""
    with ReportWorkbook(out) as wb:
        columns = [
            Column("序号", 5, center=True),
            Column("区县", 13, center=True),
            Column("应报", 8, "信息月报报送"),
            Column("按时", 8, "信息月报报送"),
            Column("迟报", 8, "信息月报报送"),
            Column("漏报", 8, "信息月报报送"),
            Column("错报", 8, "信息月报报送"),
            Column("瞒报", 8, "信息月报报送"),
            *(Column(m.label, 11, "阶段任务", center=True) for m in data.milestone_columns),
        ]
        sheet = SheetWriter(
            wb,
            name="年度考核评价",
            title=f"{CITY}城镇老旧小区改造年度考核评价表（{data.year}年度）",
            as_of=data.as_of,
            columns=columns,
            provenance=table_provenance(data.digest),
            units_note="单位：次",
        )
        for number, row in enumerate(data.rows, 1):
            r = row.reports
            reports = (
                [count(n) for n in (r.due, r.on_time, r.late, r.missing, r.wrong, r.concealed)]
                if r is not None
                else [safe_text(NONE_MARK)] * 6
            )
            sheet.row(
                [
                    count(number),
                    safe_text(row.unit),
                    *reports,
                    *(safe_text(m.status) for m in row.milestones),
                ]
            )
        sheet.note(
            "注：迟报、漏报、瞒报、错报等情况纳入年度考核评价内容（驻旧改〔2022〕1号）；"
            "“—”表示尚无报送记录。报送情况按表头所示日期判断，阶段任务按该日（不晚于年度末）的数据判断。",
            height=30,
        )
        sheet.close()
    return wb.content
