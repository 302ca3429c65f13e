"""Benchmarks of the portal at city, province and national scale, each figure against its floor.

``python -m bench --scale city|province|national [--db URL] [--repeat N] [--smoke]``; see
BENCHMARKS.md for what is measured, the floors, the goals and the latest results.
"""

import zmd_renovation  # noqa: F401  (keeps openpyxl on its standard writer, as the portal runs)
