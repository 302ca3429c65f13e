"""django-import-export's default row-by-row import of the projects template: the baseline the
portal's project import must beat by 3×.

A plain ``ModelResource`` (not the portal's service-backed one): each row looked up by 区县 +
小区名称, its fields cleaned by the stock widgets and saved one by one (with django-simple-history's
per-save history row, as any save of the model writes). The start criteria columns are not
project fields and are left out: the baseline does less than the portal's import.
"""

from pathlib import Path
from typing import Any

from import_export import fields, resources, widgets
from import_export.formats.base_formats import XLSX
from import_export.results import Result

from projects.importing import KIND_BY_LABEL
from projects.models import PlanYear, Project, Unit


class KindWidget(widgets.Widget):
    """项目类型 as the template writes it (新开工 / 续建)."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str:
        return KIND_BY_LABEL[str(value).strip()]


def _text(column: str, attribute: str) -> fields.Field:
    return fields.Field(attribute=attribute, column_name=column, widget=widgets.CharWidget())


def _decimal(column: str, attribute: str) -> fields.Field:
    return fields.Field(attribute=attribute, column_name=column, widget=widgets.DecimalWidget())


def _day(column: str, attribute: str) -> fields.Field:
    return fields.Field(attribute=attribute, column_name=column, widget=widgets.DateWidget())


class ProjectRowResource(resources.ModelResource):
    """The project columns of the template mapped onto Project, imported row by row."""

    unit = fields.Field(
        attribute="unit", column_name="区县", widget=widgets.ForeignKeyWidget(Unit, field="name")
    )
    kind = fields.Field(attribute="kind", column_name="项目类型", widget=KindWidget())
    name = _text("小区名称", "name")
    address = _text("地址", "address")
    buildings = fields.Field(
        attribute="buildings", column_name="楼栋数", widget=widgets.IntegerWidget()
    )
    households = fields.Field(
        attribute="households", column_name="户数", widget=widgets.IntegerWidget()
    )
    floor_area = _decimal("建筑面积(㎡)", "floor_area")
    investment = _decimal("总投资(万元)", "investment")
    fund_central = _decimal("中央补助(万元)", "fund_central")
    fund_provincial = _decimal("省级补助(万元)", "fund_provincial")
    fund_city = _decimal("市级补助(万元)", "fund_city")
    fund_county = _decimal("县级配套(万元)", "fund_county")
    fund_social = _decimal("社会资本(万元)", "fund_social")
    fund_credit = _decimal("信贷(万元)", "fund_credit")
    fund_residents = _decimal("居民出资(万元)", "fund_residents")
    construction_unit = _text("建设单位", "construction_unit")
    supervising_unit = _text("监管责任单位", "supervising_unit")
    responsible_person = _text("责任人", "responsible_person")
    responsible_phone = _text("联系电话", "responsible_phone")
    contractor = _text("施工单位", "contractor")
    completed_on = _day("完工日期", "completed_on")
    accepted_on = _day("验收日期", "accepted_on")

    class Meta:
        model = Project
        fields = (
            "unit", "kind", "name", "address", "buildings", "households", "floor_area",
            "investment", "fund_central", "fund_provincial", "fund_city", "fund_county",
            "fund_social", "fund_credit", "fund_residents", "construction_unit",
            "supervising_unit", "responsible_person", "responsible_phone", "contractor",
            "completed_on", "accepted_on",
        )  # fmt: skip
        import_id_fields = ("unit", "name")

    def __init__(self, *, plan_year: PlanYear, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.plan_year = plan_year

    def get_queryset(self) -> Any:
        return Project.objects.filter(plan_year=self.plan_year)

    def init_instance(self, row: Any = None) -> Project:
        return Project(plan_year=self.plan_year)


def baseline_import(*, source: Path, plan_year: PlanYear) -> Result:
    """Read the file as the admin's import does (import-export's XLSX format) and import it row by
    row, in one transaction, for real (not a dry run)."""
    dataset = XLSX().create_dataset(source.read_bytes())
    result = ProjectRowResource(plan_year=plan_year).import_data(
        dataset, dry_run=False, use_transactions=True, raise_errors=True
    )
    if result.has_errors() or result.has_validation_errors():
        raise RuntimeError(f"django-import-export refused the file: {result.invalid_rows[:3]}")
    return result
