"""Event field paths: the value at ``data.orderId`` in an event, or "no value at all".

:data:`MISSING` is distinct from JSON ``null`` so callers can tell an absent field from a null
one; an expression itself reads both as null (see the package docstring).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

__all__ = ["MISSING", "Missing", "value_at"]


class Missing:
    """Type of :data:`MISSING`: "no value at this path", distinct from a JSON ``null``."""

    __slots__ = ()
    _instance: Missing | None = None

    def __new__(cls) -> Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "MISSING"


MISSING: Final = Missing()


def value_at(value: Any, path: str | Sequence[str]) -> Any | Missing:
    """The value at a dotted ``path`` (``"data.orderId"``) inside ``value``, or :data:`MISSING`.

    Only dict keys are followed: that is all a dotted CEL select can reach in a JSON event. Used by
    the waiter index to compute, for an incoming event, the key that
    :func:`~inngest_lambda.expressions.match_key` produced.
    """
    fields = (path.split(".") if path else ()) if isinstance(path, str) else path
    current = value
    for field in fields:
        if not isinstance(current, dict) or field not in current:
            return MISSING
        current = current[field]
    return current
