"""Log formatting (placeholder until the structured logging lands)."""

import logging


class JsonFormatter(logging.Formatter):
    pass
