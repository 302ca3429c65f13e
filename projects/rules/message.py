"""What a rule found, said as a code with parameters: the rules name codes and never hold wording;
projects/reasons.py words every code, through gettext, in one place."""

from collections.abc import Callable, Mapping
from typing import Any

Wording = Callable[[str, Mapping[str, Any]], str]


def _unworded(code: str, params: Mapping[str, Any]) -> str:
    """Until the portal registers its wording (projects.apps): the code and its parameters."""
    return f"{code} {dict(params)}" if params else code


_wording: Wording = _unworded


def wording_register(wording: Wording) -> None:
    """Set the function that words a code (the portal's projects/reasons.py, at start-up)."""
    global _wording
    _wording = wording


class Message(str):
    """A rule's finding: ``code`` and ``params`` (plain values), and — being a string — its wording
    in the language active when the rule ran, so whatever shows, joins or compares texts takes it
    as it is, and an English page shows an English reason."""

    code: str
    params: Mapping[str, Any]

    def __new__(cls, code: str, **params: Any) -> "Message":
        text = super().__new__(cls, _wording(code, params))
        text.code = code
        text.params = params
        return text

    def __reduce__(self) -> tuple[Any, ...]:
        # Kept (pickled, cached) as the text it was worded in.
        return (str, (str(self),))
