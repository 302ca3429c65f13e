"""The export jobs' world is the export tests' own: the same people, projects and filed months."""

from tests.reporting.test_export_records import people, projects

__all__ = ["people", "projects"]
