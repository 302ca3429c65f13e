"""The programme's paperwork (SPEC §2, §4, §5): document deadlines, the implementation plan's
project table, plan adjustments, and rectification deadlines. Plain values in, reasons out."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .dates import cn_date
from .message import Message


def submitted_in_time(*, submitted_on: date | None, due: date) -> bool:
    """A document is in time when submitted on or before its due date (the due day counts)."""
    return submitted_on is not None and submitted_on <= due


def document_overdue(*, submitted_on: date | None, due: date, today: date) -> bool:
    """Overdue from the day after the due date until it is submitted."""
    return submitted_on is None and today > due


# What the implementation plan's project table must show for every project (SPEC §2, issue 6):
# contents, budget, funding sources, construction unit, supervising unit and responsible person.
PLAN_TABLE_FIELDS: dict[str, str] = {
    "contents": "改造内容",
    "investment": "资金概算",
    "funding": "资金来源",
    "construction_unit": "建设单位",
    "supervising_unit": "日常监管直接责任单位",
    "responsible_person": "监管责任人",
}


def plan_table_gaps(values: Mapping[str, object]) -> tuple[str, ...]:
    """The labels of the implementation plan's columns a project leaves empty (zero investment or
    no funding source counts as empty)."""
    gaps = []
    for key, label in PLAN_TABLE_FIELDS.items():
        value = values.get(key)
        if value in (None, "", [], (), 0) or (isinstance(value, Decimal) and value == 0):
            gaps.append(label)
    return tuple(gaps)


@dataclass(frozen=True)
class PlanTotals:
    """The five totals a plan adjustment may not lower (SPEC §5)."""

    communities: int
    buildings: int
    households: int
    floor_area: Decimal
    investment: Decimal

    @classmethod
    def of(cls, items: Iterable["PlanItem"]) -> "PlanTotals":
        items = list(items)
        return cls(
            communities=len(items),
            buildings=sum(i.buildings for i in items),
            households=sum(i.households for i in items),
            floor_area=sum((i.floor_area for i in items), Decimal(0)),
            investment=sum((i.investment for i in items), Decimal(0)),
        )


@dataclass(frozen=True)
class PlanItem:
    """One community of a plan: its buildings, households, floor area (㎡) and investment (万元)."""

    buildings: int
    households: int
    floor_area: Decimal
    investment: Decimal


TOTAL_LABELS: dict[str, tuple[str, str]] = {
    "communities": ("小区数", "个"),
    "buildings": ("楼栋数", "栋"),
    "households": ("户数", "户"),
    "floor_area": ("建筑面积", "㎡"),
    "investment": ("投资", "万元"),
}


def adjustment_problems(
    *, original: PlanTotals, adjusted: PlanTotals, submitted_on: date, cutoff: date
) -> tuple[str, ...]:
    """Why an adjustment is refused: it arrives after the cut-off (the cut-off day itself is
    allowed), or any of the five totals falls below the original plan's (equal is allowed)."""
    problems = []
    if submitted_on > cutoff:
        problems.append(Message("paperwork.adjustment_after_cutoff", cutoff=cn_date(cutoff)))
    for key, (label, unit) in TOTAL_LABELS.items():
        before, after = getattr(original, key), getattr(adjusted, key)
        if after < before:
            problems.append(
                Message(
                    "paperwork.adjustment_total_lower",
                    label=label,
                    after=after,
                    before=before,
                    unit=unit,
                )
            )
    return tuple(problems)


def rectification_overdue(*, deadline: date, closed_on: date | None, today: date) -> bool:
    """A finding's rectification is overdue from the day after its deadline until the day it is
    closed (a closing after ``today`` had not happened yet on ``today``)."""
    return today > deadline and (closed_on is None or closed_on > today)


def warranty_active(*, starts_on: date | None, ends_on: date | None, today: date) -> bool:
    """Within the warranty period (both ends included)."""
    return starts_on is not None and ends_on is not None and starts_on <= today <= ends_on


def inspection_month_problem(
    *, year: int, month: int | None, held_on: date, explanation: str
) -> str:
    """A city inspection held in June or December (``month``) of the plan ``year``: dated outside
    that month it needs a written explanation. "" when in order (or the kind has no month).

    >>> inspection_month_problem(year=2022, month=6, held_on=date(2022, 7, 1), explanation="")
    '检查日期2022年7月1日不在2022年6月，须填写检查时间说明'
    """
    if month is None or (held_on.year, held_on.month) == (year, month):
        return ""
    if explanation.strip():
        return ""
    return Message(
        "paperwork.inspection_outside_month", held_on=cn_date(held_on), year=year, month=month
    )


@dataclass(frozen=True)
class PlanCoverage:
    """The households of a unit's projects of one kind against its target (None: unknown)."""

    label: str
    households: int
    target: int | None

    @property
    def shortfall(self) -> int:
        """How many households the projects lack to cover the target (0 when covered or unknown)."""
        return 0 if self.target is None else max(0, self.target - self.households)

    @property
    def problem(self) -> str:
        """新开工项目户数合计 4700 户，少于新开工目标 4804 户，差 104 户 ("" when covered)."""
        if not self.shortfall:
            return ""
        return Message(
            "paperwork.plan_short",
            label=self.label,
            households=self.households,
            target=self.target,
            shortfall=self.shortfall,
        )


def plan_coverage(
    *,
    new_households: int,
    new_target: int | None,
    carryover_households: int,
    carryover_target: int | None,
) -> tuple[PlanCoverage, PlanCoverage]:
    """The implementation plan covers the whole task: its new projects' households against the
    new-start target and its carry-over projects' against the carry-over target (equal covers)."""
    return (
        PlanCoverage("新开工", new_households, new_target),
        PlanCoverage("续建", carryover_households, carryover_target),
    )
