"""python manage.py import_households FILE.xlsx: the household roster template, all rows or none."""

from projects.services import households_import

from ._importing import ImportCommand


class Command(ImportCommand):
    help = "导入住户名册（模板表头：区县、小区名称、楼栋、单元、房号……）；任一行有错则全部不导入"
    noun = "住户"
    service = households_import
