"""The admin (管理后台), one module per entity; importing them registers every model admin (Django
autodiscovers ``projects.admin``)."""

from . import base  # noqa: F401
