"""The one digest of the portal: SHA-256 over canonical JSON. A monthly report's digest
(``reports.report_digest``) and a workbook's digest are both taken with ``digest_of``, so the same
figures always give the same digest, whichever database or page they came from."""

import hashlib
import json
from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

_AS_IS = frozenset({str, int, float, bool, type(None)})
# Each dataclass's field names, found once per class (a table digests thousands of rows).
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def plain(obj: Any) -> Any:
    """``obj`` as JSON values: dataclasses as objects, Decimals as exact strings without trailing
    zeros (so 1.5 and 1.5000 agree across databases), dates in ISO form. JSON values (a report's
    stored figures) come back unchanged, so reports approved before this function existed keep
    their digests."""
    kind = type(obj)
    # JSON's own values first, by exact type (the bulk of a report's figures): the same results as
    # the general cases below, without their checks.
    if kind in _AS_IS:
        return obj
    if kind is dict:
        return {k if type(k) is str else str(k): plain(v) for k, v in obj.items()}
    if kind is list or kind is tuple:
        return [plain(v) for v in obj]
    names = _FIELD_NAMES.get(kind)
    if names is None and is_dataclass(obj) and not isinstance(obj, type):
        names = _FIELD_NAMES[kind] = tuple(f.name for f in fields(obj))
    if names is not None:
        return {name: plain(getattr(obj, name)) for name in names}
    if isinstance(obj, Decimal):
        return format(obj.normalize(), "f")
    if isinstance(obj, datetime | date):
        return obj.isoformat()
    if isinstance(obj, Mapping):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [plain(v) for v in obj]
    return obj


def canonical_json(obj: Any) -> str:
    """One text for the same content: sorted keys, no spaces, Chinese kept as is."""
    return json.dumps(plain(obj), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def digest_of(obj: Any) -> str:
    """SHA-256 (hex) of the canonical JSON of ``obj``."""
    return hashlib.sha256(canonical_json(obj).encode("utf-8")).hexdigest()
