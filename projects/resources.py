"""The admin's Excel import and export (django-import-export) for projects and households.

The admin offers the standard upload → preview → confirm screens, but the rows are checked and written
by the same services as the import commands (``services.projects_import`` / ``households_import``):
all or nothing, every problem in Chinese, history recorded with the user. A resource here only turns
our ``ImportResult`` into import-export's ``Result`` so the standard screens can show it.
"""

import io
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any, ClassVar

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from import_export.fields import Field
from import_export.formats.base_formats import XLSX
from import_export.resources import ModelResource, Resource
from import_export.results import Error, InvalidRow, Result, RowResult
from import_export.widgets import DateWidget, DecimalWidget, IntegerWidget
from openpyxl import load_workbook
from tablib import Dataset
from tablib.formats._xlsx import XLSXFormat

from . import selectors, services
from .consequences import StatusChangesNeedConfirmation
from .importing import HOUSEHOLD_HEADERS, PROJECT_HEADERS, RowError, Source
from .models import Household, PlanYear, Project, User
from .presenters import mask_name, mask_phone

# --- the file format ------------------------------------------------------------------------------


class WorkbookXLSX(XLSX):
    """xlsx that keeps the uploaded bytes with the dataset.

    The services read the workbook themselves (headers, Excel dates, formula cells refused), so they
    get the file as uploaded rather than tablib's reading of it, which keeps only formula results.
    A file tablib cannot read is passed on too: the service says in Chinese what is wrong with it.
    """

    def create_dataset(self, in_stream: bytes) -> Dataset:
        try:
            dataset = first_sheet(in_stream)
        except Exception:  # the service explains in Chinese what is wrong with the file
            dataset = Dataset(["—"], headers=["文件"])
        dataset.workbook_bytes = bytes(in_stream)
        return dataset


def first_sheet(data: bytes) -> Dataset:
    """The workbook's first sheet, the data sheet, as a dataset: never the templates' guide sheet,
    nor whichever sheet was open when the file was last saved (tablib reads that one)."""
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        dataset = Dataset()
        XLSXFormat.import_sheet(dataset, book.worksheets[0])
    finally:
        book.close()
    return dataset


def workbook_bytes(dataset: Dataset) -> bytes:
    """The uploaded workbook, or the dataset written as one when it did not come from an upload."""
    data = getattr(dataset, "workbook_bytes", None)
    return data if data is not None else dataset.export("xlsx")


# --- resources ----------------------------------------------------------------------------------


def _cell_text(value: Any) -> str:
    """A cell as the preview shows it (and as keys are matched): dates in ISO, whole floats as ints."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


class ServiceImportResource(Resource):
    """An import resource whose ``import_data`` hands the workbook to one of our import services."""

    headers: ClassVar[tuple[str, ...]] = ()
    key_columns: ClassVar[tuple[str, ...]] = ()
    display_name: ClassVar[str] = ""
    masked_columns: ClassVar[dict[str, Callable[[str], str]]] = {}

    def __init__(self, *, plan_year: PlanYear | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.plan_year = plan_year

    @classmethod
    def get_display_name(cls) -> str:
        return cls.display_name

    def get_user_visible_fields(self) -> list[Field]:
        return [Field(column_name=header) for header in self.headers]

    # The import service that checks and writes the file (services.projects_import or households_import).
    service: ClassVar[Callable[..., services.ImportResult]]

    def run_service(
        self, *, source: Source, plan_year: PlanYear, user: User | None, dry_run: bool
    ) -> services.ImportResult:
        return type(self).service(source=source, plan_year=plan_year, user=user, dry_run=dry_run)

    def existing_keys(
        self, *, plan_year: PlanYear, rows: Iterable[dict[str, str]]
    ) -> set[tuple[str, ...]]:
        """The keys (``key_columns``) of the rows that name a record already in the database."""
        raise NotImplementedError

    def import_data(
        self,
        dataset: Dataset,
        dry_run: bool = False,
        raise_errors: bool = False,
        use_transactions: bool | None = None,
        collect_failed_rows: bool = False,
        rollback_on_validation_errors: bool = False,
        **kwargs: Any,
    ) -> Result:
        """Check (``dry_run``) or import the workbook through the service; the service is atomic, so
        a file with any error writes nothing."""
        plan_year = self.plan_year or selectors.plan_year_latest()
        if plan_year is None:
            outcome = services.ImportResult(errors=[RowError(0, "", "尚无年度计划，无法导入")])
        else:
            user = kwargs.get("user")
            try:
                outcome = self.run_service(
                    source=io.BytesIO(workbook_bytes(dataset)),
                    plan_year=plan_year,
                    user=user if isinstance(user, User) else None,
                    dry_run=dry_run,
                )
            except StatusChangesNeedConfirmation as refused:
                # The admin's confirm screen has no confirmation checkbox: such a file goes in
                # through the roster page or `--allow-status-changes`, never silently here.
                outcome = services.ImportResult(
                    errors=[
                        RowError(0, "", line + "（后台导入不能确认此类变化，未写入任何数据）")
                        for line in refused.consequences.summary()
                    ]
                )
            else:
                shown = [RowError(0, "", line) for line in outcome.consequences.summary()]
                if outcome.consequences.needs_confirmation:
                    outcome.errors += [
                        RowError(
                            0,
                            "",
                            e.message + "（后台导入不能确认此类变化，请在住户导入页面"
                            "或用命令 --allow-status-changes 导入）",
                        )
                        for e in shown
                    ]
                else:
                    outcome.warnings += shown
                if dry_run:
                    outcome.warnings += [RowError(0, "", str(c)) for c in outcome.changes]
        if raise_errors and outcome.errors:
            raise ValueError("；".join(str(e) for e in outcome.errors))
        return self.as_result(outcome, dataset, plan_year)

    def as_result(
        self, outcome: services.ImportResult, dataset: Dataset, plan_year: PlanYear | None
    ) -> Result:
        """Our ImportResult as import-export's Result: file problems as base errors, row problems as
        invalid rows (by their Excel row number), and on success one preview row per data row with
        the service's counts as totals."""
        result = Result()
        result.diff_headers = list(self.headers)
        result.total_rows = len(dataset)
        result.warnings = [str(w) for w in outcome.warnings]
        result.counts = outcome
        rows = self._rows_by_number(dataset)
        by_row: dict[int, list[RowError]] = defaultdict(list)
        for error in outcome.errors:
            if error.row <= 1:
                result.append_base_error(Error(ValueError(str(error))))
            else:
                by_row[error.row].append(error)
        for number, errors in sorted(by_row.items()):
            messages: dict[str, list[str]] = defaultdict(list)
            for error in errors:
                messages[error.column or NON_FIELD_ERRORS].append(error.message)
            result.invalid_rows.append(
                InvalidRow(
                    number=number,
                    validation_error=ValidationError(dict(messages)),
                    values=self._shown(rows.get(number, {})),
                )
            )
            result.totals[RowResult.IMPORT_TYPE_INVALID] += 1
        if outcome.errors or plan_year is None:
            return result
        existing = self.existing_keys(plan_year=plan_year, rows=rows.values())
        for values in rows.values():
            row_result = RowResult()
            key = tuple(values.get(c, "") for c in self.key_columns)
            row_result.import_type = (
                RowResult.IMPORT_TYPE_UPDATE if key in existing else RowResult.IMPORT_TYPE_NEW
            )
            row_result.diff = list(self._shown(values))
            result.append_row_result(row_result)
        result.totals[RowResult.IMPORT_TYPE_NEW] = outcome.created
        result.totals[RowResult.IMPORT_TYPE_UPDATE] = outcome.updated
        result.totals[RowResult.IMPORT_TYPE_SKIP] = outcome.unchanged
        return result

    def _rows_by_number(self, dataset: Dataset) -> dict[int, dict[str, str]]:
        """The non-blank data rows by their Excel row number (the header is row 1), as text."""
        headers = [_cell_text(h) for h in (dataset.headers or [])]
        rows: dict[int, dict[str, str]] = {}
        for number, row in enumerate(dataset, start=2):
            values = {h: _cell_text(v) for h, v in zip(headers, row, strict=False) if h}
            if any(values.values()):
                rows[number] = values
        return rows

    def _shown(self, values: dict[str, str]) -> tuple[str, ...]:
        shown = []
        for header in self.headers:
            text = values.get(header, "")
            mask = self.masked_columns.get(header)
            shown.append(mask(text) if mask and text else text)
        return tuple(shown)


class ProjectImportResource(ServiceImportResource):
    """The projects template (区县 + 小区名称 identify a project), imported by ``projects_import``."""

    headers = PROJECT_HEADERS
    key_columns = ("区县", "小区名称")
    display_name = "改造项目导入模板"
    service = services.projects_import

    def existing_keys(
        self, *, plan_year: PlanYear, rows: Iterable[dict[str, str]]
    ) -> set[tuple[str, ...]]:
        names = {r.get("小区名称", "") for r in rows}
        return set(
            Project.objects.filter(plan_year=plan_year, name__in=names).values_list(
                "unit__name", "name"
            )
        )


class HouseholdImportResource(ServiceImportResource):
    """The household roster template, imported by ``households_import``; names and phones masked."""

    headers = HOUSEHOLD_HEADERS
    key_columns = ("区县", "小区名称", "楼栋", "单元", "房号")
    display_name = "住户表态导入模板"
    service = services.households_import
    masked_columns: ClassVar[dict[str, Callable[[str], str]]] = {
        "户主姓名": mask_name,
        "联系电话": mask_phone,
    }

    def existing_keys(
        self, *, plan_year: PlanYear, rows: Iterable[dict[str, str]]
    ) -> set[tuple[str, ...]]:
        names = {r.get("小区名称", "") for r in rows}
        return set(
            Household.objects.filter(
                project__plan_year=plan_year, project__name__in=names
            ).values_list("project__unit__name", "project__name", "building", "entrance", "room")
        )


# --- plain data exports (admin) -------------------------------------------------------------------


# Exported values keep their types (the safe format writes numbers as numbers, dates as dates).
DECIMAL = DecimalWidget(coerce_to_string=False)
DATE = DateWidget(coerce_to_string=False)


class ProjectExportResource(ModelResource):
    """Projects as a plain Excel table for the admin's export (written by reporting's safe format)."""

    unit = Field(attribute="unit__name", column_name="区县")
    kind = Field(column_name="项目类型")
    name = Field(attribute="name", column_name="小区名称")
    address = Field(attribute="address", column_name="地址")
    buildings = Field(
        attribute="buildings", column_name="楼栋数", widget=IntegerWidget(coerce_to_string=False)
    )
    households = Field(
        attribute="households", column_name="户数", widget=IntegerWidget(coerce_to_string=False)
    )
    floor_area = Field(attribute="floor_area", column_name="建筑面积(㎡)", widget=DECIMAL)
    investment = Field(attribute="investment", column_name="资金概算(万元)", widget=DECIMAL)
    contractor = Field(attribute="contractor", column_name="施工单位")
    consent_met_on = Field(attribute="consent_met_on", column_name="居民同意达标日期", widget=DATE)
    started_on = Field(attribute="started_on", column_name="开工日期", widget=DATE)
    completed_on = Field(attribute="completed_on", column_name="完工日期", widget=DATE)
    accepted_on = Field(attribute="accepted_on", column_name="验收移交日期", widget=DATE)

    class Meta:
        model = Project
        fields = (
            "unit", "kind", "name", "address", "buildings", "households", "floor_area",
            "investment", "contractor", "consent_met_on", "started_on", "completed_on",
            "accepted_on",
        )  # fmt: skip
        export_order = fields

    def dehydrate_kind(self, project: Project) -> str:
        return str(project.get_kind_display())


class HouseholdExportResource(ModelResource):
    """Household answers for the admin's export; names and phones masked (personal data)."""

    unit = Field(attribute="project__unit__name", column_name="区县")
    project = Field(attribute="project__name", column_name="小区名称")
    building = Field(attribute="building", column_name="楼栋")
    entrance = Field(attribute="entrance", column_name="单元")
    room = Field(attribute="room", column_name="房号")
    head_name = Field(column_name="户主姓名（已打码）")
    phone = Field(column_name="联系电话（已打码）")
    plan_opinion = Field(column_name="改造方案意见")
    management_opinion = Field(column_name="物业管理模式意见")
    answered_on = Field(attribute="answered_on", column_name="表态日期", widget=DATE)

    class Meta:
        model = Household
        fields = (
            "unit", "project", "building", "entrance", "room", "head_name", "phone",
            "plan_opinion", "management_opinion", "answered_on",
        )  # fmt: skip
        export_order = fields

    def dehydrate_head_name(self, household: Household) -> str:
        return mask_name(household.head_name)

    def dehydrate_phone(self, household: Household) -> str:
        return mask_phone(household.phone)

    def dehydrate_plan_opinion(self, household: Household) -> str:
        return str(household.get_plan_opinion_display())

    def dehydrate_management_opinion(self, household: Household) -> str:
        return str(household.get_management_opinion_display())
