"""The portal's Django project: settings, URLs and the WSGI entry point."""

import os

# python-docx (the 通报 notices) installs lxml, and openpyxl switches its writer to lxml when lxml is
# importable. lxml refuses characters the standard writer accepts (U+FFFE in a resident's name would
# make an export fail), and the benchmarks were measured on the standard writer: keep openpyxl on it,
# whatever else is installed. Set before openpyxl is first imported, which is after Django's settings.
os.environ.setdefault("OPENPYXL_LXML", "False")

# The Celery app is loaded with Django, so the tasks' shared_task binds to it (projects.tasks).
from .celery import app as celery_app

__all__ = ["celery_app"]
