"""Building small import files for tests."""

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from projects.importing import HOUSEHOLD_HEADERS, PROJECT_HEADERS


def write_xlsx(path: Path, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def project_row(**values: Any) -> list[Any]:
    """A valid projects-template row for 驿城区, with any column overridden by header name."""
    base: dict[str, Any] = {
        "区县": "驿城区",
        "项目类型": "新开工",
        "小区名称": "建设路1号院",
        "地址": "驿城区建设路1号",
        "楼栋数": 2,
        "户数": 10,
        "建筑面积(㎡)": "1200.50",
        "总投资(万元)": "100",
        "中央补助(万元)": "50",
        "省级补助(万元)": "20",
        "市级补助(万元)": "10",
        "县级配套(万元)": "20",
        "社会资本(万元)": None,
        "信贷(万元)": None,
        "居民出资(万元)": None,
        "建设单位": "驿城区住建局",
        "监管责任单位": "西园街道办事处",
        "责任人": "张三",
        "联系电话": "13800001234",
        "违建拆除日期": "2022-03-10",
        "无违建": "否",
        "设计公示日期": "2022-03-20",
        "施工单位": "驻马店某建设公司",
        "施工合同日期": "2022-04-01",
        "进场日期": "2022-04-15",
        "完工日期": None,
        "验收日期": None,
    }
    base.update(values)
    return [base[h] for h in PROJECT_HEADERS]


def household_row(**values: Any) -> list[Any]:
    """A valid households-template row for 驿城区 建设路1号院, with any column overridden."""
    base: dict[str, Any] = {
        "区县": "驿城区",
        "小区名称": "建设路1号院",
        "楼栋": "1",
        "单元": "1",
        "房号": "101",
        "户主姓名": "李四",
        "联系电话": "13900005678",
        "改造方案意见": "同意",
        "物业管理模式意见": "同意",
        "表态日期": "2022-03-01",
    }
    base.update(values)
    return [base[h] for h in HOUSEHOLD_HEADERS]
