"""Canonical strings for values: keys that agree with how the evaluator compares values.

Used for flow-control and idempotency keys and for the waiter index, where the key computed from
an incoming event must equal the key computed from a wait's literal whenever CEL calls the two
values equal.
"""

from __future__ import annotations

import base64
import datetime
import json
import math
from typing import Any, Final

from inngest_lambda.expressions.paths import MISSING

__all__ = ["canonical"]

# Beyond 2**53 an int compared with a double is compared as a double (the library converts it),
# so two such numbers that CEL calls equal can only share a key if both go through float.
_EXACT_FLOAT_INT: Final = 2**53


def canonical(value: Any) -> str:
    """A deterministic string for a value, used for keys and for the waiter index.

    Strings are returned as-is (a key ``event.data.customer_id`` is the id itself). Everything else
    is compact JSON with sorted keys, after normalising numbers the way the evaluator compares
    them: integral doubles become ints (``1.0`` -> ``"1"``, since ``1 == 1.0`` holds), and ints
    beyond 2**53 go through float (the library compares int with double as doubles). Bools stay
    bools (``true == 1`` is false). :data:`MISSING` is ``"null"`` because absent attributes
    evaluate as null. Distinct values can share a string (``"1"`` and ``1``, ``"null"`` and
    ``null``): a shared key is a candidate, never a proof of equality.
    """
    if isinstance(value, str):
        return value
    return json.dumps(_normalise(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _normalise(value: Any) -> Any:
    if value is None or value is MISSING:
        return None
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int | float):
        return _normalise_number(value)
    if isinstance(value, list | tuple):
        return [_normalise(item) for item in value]
    if isinstance(value, dict):
        return {_map_key(key): _normalise(item) for key, item in value.items()}
    if isinstance(value, datetime.datetime):  # CEL timestamp
        return value.isoformat()
    if isinstance(value, datetime.timedelta):  # CEL duration, in CEL's own notation
        return f"{_normalise_number(value.total_seconds())}s"
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    raise TypeError(f"cannot make a key from {type(value).__name__}")


def _normalise_number(value: float) -> int | float:
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            return value
        value = int(value)
    if abs(value) > _EXACT_FLOAT_INT:
        as_float = float(value)
        return int(as_float) if math.isfinite(as_float) else as_float
    return value


def _map_key(key: Any) -> str:
    return key if isinstance(key, str) else canonical(key)
