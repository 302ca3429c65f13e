"""Periods of the report record (SPEC §5): the months a notice (通报) or the assessment covers —
one month, a quarter, or the year to date within one plan year (the date written as official
documents write it is rules.dates.chinese_date)."""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from .reports import report_period_end


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR_TO_DATE = "ytd"


PERIOD_KIND_LABELS: dict[PeriodKind, str] = {
    PeriodKind.MONTH: "月度",
    PeriodKind.QUARTER: "季度",
    PeriodKind.YEAR_TO_DATE: "年初至今",
}

QUARTER_NAMES = ("一", "二", "三", "四")


@dataclass(frozen=True)
class ReportPeriod:
    """The report months ``first_month``..``last_month`` of plan year ``year``.

    >>> ReportPeriod(PeriodKind.QUARTER, 2022, 4, 6).label
    '2022年第二季度'
    """

    kind: PeriodKind
    year: int
    first_month: int
    last_month: int

    def __post_init__(self) -> None:
        if not 1 <= self.first_month <= self.last_month <= 12:
            raise ValueError(f"月份范围无效：{self.first_month}—{self.last_month}月")

    @property
    def start(self) -> date:
        return date(self.year, self.first_month, 1)

    @property
    def end(self) -> date:
        """The last day of the period's last month: the day its milestone results are read on."""
        return report_period_end(year=self.year, month=self.last_month)

    @property
    def months(self) -> range:
        return range(self.first_month, self.last_month + 1)

    @property
    def label(self) -> str:
        """2022年6月, 2022年第二季度, 2022年1—6月."""
        if self.kind == PeriodKind.MONTH:
            return f"{self.year}年{self.last_month}月"
        if self.kind == PeriodKind.QUARTER:
            return f"{self.year}年第{QUARTER_NAMES[self.last_month // 3 - 1]}季度"
        if self.last_month == 1:
            return f"{self.year}年1月"
        return f"{self.year}年1—{self.last_month}月"


def whole_year(year: int) -> ReportPeriod:
    """Every month of the plan year: the annual assessment's period."""
    return ReportPeriod(PeriodKind.YEAR_TO_DATE, year, 1, 12)


def report_period(*, kind: str, year: int, number: int) -> ReportPeriod:
    """The period of ``kind`` numbered ``number``: month ``number`` (1—12), quarter ``number``
    (1—4), or the year from January to month ``number``. ValueError, in Chinese, otherwise.

    >>> report_period(kind="quarter", year=2022, number=3).months
    range(7, 10)
    >>> report_period(kind="ytd", year=2022, number=6).months
    range(1, 7)
    """
    try:
        period_kind = PeriodKind(kind)
    except ValueError as error:
        raise ValueError(f"通报期间类型无效：{kind}") from error
    if period_kind == PeriodKind.QUARTER:
        if not 1 <= number <= 4:
            raise ValueError(f"季度须为 1—4，不是 {number}")
        return ReportPeriod(period_kind, year, 3 * number - 2, 3 * number)
    if not 1 <= number <= 12:
        raise ValueError(f"月份须为 1—12，不是 {number}")
    first = number if period_kind == PeriodKind.MONTH else 1
    return ReportPeriod(period_kind, year, first, number)
