"""Fault drills against the real PostgreSQL server on 127.0.0.1:5432: backup and restore, the
database going away under gunicorn, imports and approvals killed half-way, two imports at once.

Each test works in scratch databases of its own (``zmd_fault_<pid>_<random>``, dropped afterwards),
whatever DATABASE_URL the test run uses, and drives the portal through ``manage.py``, the scripts
and gunicorn as separate processes, as production does.
"""
