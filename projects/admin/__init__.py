"""The admin (管理后台): every model of the programme, the city check page and the Excel imports.

One module per entity; ``base`` holds what they share (the acting user, the unit scope, the one
write path, the Excel import and export). Django autodiscovers ``projects.admin``: importing the
modules here registers their model admins, in the order the admin's URL patterns have always had
(units, users, targets, projects, households, records), hence not sorted.
"""

from . import base, units, users, targets, projects, households, records  # noqa: F401, I001
