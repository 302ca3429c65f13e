"""JSON log lines: one object per record, so the logs of several app servers can be searched and
counted by field (request path, status, report state) instead of parsed from prose."""

import json
import logging
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.http import HttpRequest

# Times in the portal's own zone (settings.TIME_ZONE), written with their offset so they are never
# ambiguous; fixed here so the formatter also works before or without Django's settings.
SHANGHAI = ZoneInfo("Asia/Shanghai")

# The attributes every LogRecord has; anything else on a record came from ``extra``.
_STANDARD_ATTRS = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "taskName",  # Python 3.12+
}
_RESERVED = frozenset({"time", "level", "logger", "message", "exc", "stack"})


def _text(value: object) -> str:
    """``str(value)``, or a placeholder when even that fails: a log line must never be lost."""
    try:
        return str(value)
    except Exception:
        return f"<unprintable {type(value).__name__}>"


def _field(value: object) -> object:
    # Django's own loggers pass the request in ``extra``; its text would carry the query string
    # (search terms may be residents' names), so only the method and path are written.
    if isinstance(value, HttpRequest):
        return f"{value.method} {value.path}"
    return value


class JsonFormatter(logging.Formatter):
    """Formats a record as one line of JSON: time, level, logger, message, every ``extra`` field,
    and the exception as text under "exc". Values JSON cannot hold are written as their text."""

    def format(self, record: logging.LogRecord) -> str:
        try:
            message = record.getMessage()
        except Exception:  # a bad %-format must not lose the line
            message = _text(record.msg)
        payload: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=SHANGHAI).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": message,
        }
        for key, value in record.__dict__.items():
            if key in _STANDARD_ATTRS:
                continue
            payload[f"extra_{key}" if key in _RESERVED else key] = _field(value)
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            payload["exc"] = record.exc_text
        if record.stack_info:
            payload["stack"] = self.formatStack(record.stack_info)
        try:
            return json.dumps(payload, ensure_ascii=False, allow_nan=False, default=_text)
        except (TypeError, ValueError):
            # Dict keys JSON refuses, circular references, NaN: fall back to text for every field.
            safe = {
                key: value if value is None or isinstance(value, str | int) else _text(value)
                for key, value in payload.items()
            }
            return json.dumps(safe, ensure_ascii=False)
