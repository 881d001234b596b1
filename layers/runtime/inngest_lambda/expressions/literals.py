"""CEL literals for JSON-ish values: the source text that evaluates back to an equal value.

Interpolation writes a wait's ``event.*`` values into its expression with these.
"""

from __future__ import annotations

import math
from typing import Any, Final

from inngest_lambda.expressions.paths import MISSING

__all__ = ["to_literal"]

_INT64_MIN: Final = -(2**63)
_INT64_MAX: Final = 2**63 - 1
_UINT64_MAX: Final = 2**64 - 1


def to_literal(value: Any) -> str:
    """CEL source text for a JSON-ish value, evaluating back to an equal value.

    Ints outside int64 become uint (``u``) or, beyond that, a double: the same conversion the
    library applies when the value arrives as a variable, so interpolated and original expressions
    agree. Non-finite doubles have no literal and go through ``double("...")``.
    """
    if value is None or value is MISSING:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if _INT64_MIN <= value <= _INT64_MAX:
            return str(value)
        if 0 <= value <= _UINT64_MAX:
            return f"{value}u"
        return _double_literal(float(value))
    if isinstance(value, float):
        return _double_literal(value)
    if isinstance(value, str):
        return _string_literal(value)
    if isinstance(value, bytes | bytearray):
        return "b" + _string_literal("".join(chr(b) for b in value), bytes_=True)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(to_literal(item) for item in value) + "]"
    if isinstance(value, dict):
        items = (f"{to_literal(k)}: {to_literal(v)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    raise TypeError(f"no CEL literal for {type(value).__name__}")


def _double_literal(value: float) -> str:
    if math.isnan(value):
        return 'double("NaN")'
    if math.isinf(value):
        return 'double("Infinity")' if value > 0 else 'double("-Infinity")'
    return repr(value)  # always has "." or an exponent, so CEL reads it as a double


_ESCAPES: Final = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _string_literal(text: str, *, bytes_: bool = False) -> str:
    out = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif bytes_ and not (0x20 <= ord(char) < 0x7F):
            out.append(f"\\x{ord(char):02x}")
        elif char.isprintable():
            out.append(char)
        elif ord(char) <= 0xFFFF:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    return '"' + "".join(out) + '"'
