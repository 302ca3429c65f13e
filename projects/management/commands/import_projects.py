"""python manage.py import_projects FILE.xlsx: the projects template, all rows or none."""

from projects.services import projects_import

from ._importing import ImportCommand


class Command(ImportCommand):
    help = "导入项目（模板表头：区县、项目类型、小区名称……）；任一行有错则全部不导入"
    noun = "项目"
    service = projects_import
