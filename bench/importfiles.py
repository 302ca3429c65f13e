"""The import files the harness measures: the portal's own templates (PROJECT_HEADERS,
HOUSEHOLD_HEADERS) filled with valid, deterministic rows, written once and kept in bench/.cache."""

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook

from projects.importing import HOUSEHOLD_HEADERS, PROJECT_HEADERS

CACHE = Path(__file__).resolve().parent / ".cache"
FILES_VERSION = 2
HOUSEHOLDS_PER_PROJECT = 100
# The 2022 plan year's subsidised units (fixtures/plan_year_2022.json), for the generated files.
CITY_SUBSIDY_UNITS = frozenset({"驿城区", "经济开发区"})
STREETS = ("雪松路", "文明大道", "健康路", "铜山大道", "前进大道", "新华路", "光明路", "团结路")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞"
OPINIONS = ("同意", "同意", "同意", "同意", "同意", "同意", "同意", "同意", "不同意", "未表态")


@dataclass(frozen=True)
class RosterProject:
    """A project the household file's rows belong to (created before the household import)."""

    unit: str
    name: str
    households: int


def _cached(directory: Path, name: str) -> Path:
    directory.mkdir(exist_ok=True)
    return directory / name


def projects_file(*, rows: int, units: list[str], seed: int, directory: Path = CACHE) -> Path:
    """A projects template of ``rows`` new communities spread over ``units``, every row valid:
    funding adds up, the city subsidy only where it is paid, criteria dates in order, carry-over
    rows completed without criteria."""
    path = _cached(directory, f"projects-{rows}-{len(units)}-{seed}-v{FILES_VERSION}.xlsx")
    if path.exists():
        return path
    rng = random.Random(seed)  # noqa: S311 (synthetic data, not security)
    # A normal (not write-only) workbook, so the sheet records its dimension as Excel's files do:
    # django-import-export's reader relies on it to give every row all its columns.
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "项目"
    sheet.append(list(PROJECT_HEADERS))
    step = Decimal("0.0001")
    for n in range(rows):
        unit = units[n % len(units)]
        street = STREETS[n % len(STREETS)]
        households = 30 + int(rng.random() * 170)
        new = rng.random() < 0.8
        investment = (Decimal(households) * Decimal(2 + 2.5 * rng.random())).quantize(step)
        central = (investment * Decimal("0.5")).quantize(step)
        city = (investment * Decimal("0.1")).quantize(step) if unit in CITY_SUBSIDY_UNITS else 0
        county = investment - central - city
        survey = date(2022, 1, 5) + timedelta(days=int(rng.random() * 100))
        person = SURNAMES[n % len(SURNAMES)] + GIVEN[(n // 20) % len(GIVEN)]
        no_structures = new and rng.random() < 0.3
        contract = survey + timedelta(days=20 + int(rng.random() * 40)) if new else None
        sheet.append(
            [
                unit,
                "新开工" if new else "续建",
                f"导入{street}{n + 1}号院",
                f"{unit}{street}{n + 1}号",
                households // 24 + 1,
                households,
                Decimal(households * 85),
                investment,
                central,
                Decimal(0),
                city,
                county,
                Decimal(0),
                Decimal(0),
                Decimal(0),
                f"{unit}住房和城乡建设局",
                f"{unit}{street}街道办事处",
                person,
                f"13{int(rng.random() * 1e9):09d}",
                survey + timedelta(days=10) if new else None,
                "是" if no_structures else "否",
                survey + timedelta(days=15) if new else None,
                f"驻马店{street}建设工程有限公司" if new else "",
                contract,
                contract + timedelta(days=10) if contract else None,
                None if new else date(2022, 5, 1) + timedelta(days=int(rng.random() * 60)),
                None,
            ]
        )
    partial = path.with_suffix(".partial")
    workbook.save(partial)
    partial.rename(path)
    return path


def roster_projects(*, rows: int, units: list[str]) -> list[RosterProject]:
    """The projects a household file of ``rows`` rows fills: 100 households each, spread over
    ``units``."""
    count = -(-rows // HOUSEHOLDS_PER_PROJECT)
    return [
        RosterProject(
            unit=units[n % len(units)],
            name=f"住户导入{STREETS[n % len(STREETS)]}{n + 1}号院",
            households=min(HOUSEHOLDS_PER_PROJECT, rows - n * HOUSEHOLDS_PER_PROJECT),
        )
        for n in range(count)
    ]


def households_file(*, rows: int, units: list[str], seed: int, directory: Path = CACHE) -> Path:
    """A households template of ``rows`` residents of ``roster_projects(rows, units)``."""
    path = _cached(directory, f"households-{rows}-{len(units)}-{seed}-v{FILES_VERSION}.xlsx")
    if path.exists():
        return path
    rng = random.Random(seed)  # noqa: S311 (synthetic data, not security)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("住户")
    sheet.append(list(HOUSEHOLD_HEADERS))
    first = date(2022, 2, 1)
    for project in roster_projects(rows=rows, units=units):
        survey = first + timedelta(days=int(rng.random() * 60))
        for i in range(project.households):
            plan = OPINIONS[int(rng.random() * len(OPINIONS))]
            management = "同意" if plan == "同意" else plan
            sheet.append(
                [
                    project.unit,
                    project.name,
                    str(i // 24 + 1),
                    str((i // 8) % 3 + 1),
                    f"{(i % 8) // 2 + 1}0{i % 2 + 1}",
                    SURNAMES[int(rng.random() * len(SURNAMES))]
                    + GIVEN[int(rng.random() * len(GIVEN))],
                    f"13{int(rng.random() * 1e9):09d}",
                    plan,
                    management,
                    None if plan == "未表态" else survey + timedelta(days=int(rng.random() * 30)),
                ]
            )
    partial = path.with_suffix(".partial")
    workbook.save(partial)
    partial.rename(path)
    return path
