"""Interpolation: a wait or cancel expression with the run's own ``event.*`` values written in.

Inngest does this when a wait (or cancellation) is created, so only ``async.*`` is left to
evaluate per incoming event.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from inngest_lambda.expressions.compiler import compile_expression
from inngest_lambda.expressions.errors import ExpressionError
from inngest_lambda.expressions.lexer import is_punct, tokenize
from inngest_lambda.expressions.literals import to_literal
from inngest_lambda.expressions.paths import MISSING, value_at
from inngest_lambda.expressions.references import references

__all__ = ["interpolate"]


def interpolate(source: str, event: Mapping[str, Any], *, variable: str = "event") -> str:
    """``source`` with every ``event.<path>`` replaced by the literal of its value in ``event``.

    Inngest does this when a wait (or cancellation) is created, so only ``async.*`` is left to
    evaluate per incoming event, and the remaining ``async.path == literal`` is indexable (see
    :func:`match_key`). Absent paths become ``null`` (absent attributes are null), and
    ``has(event.path)`` becomes ``true`` or ``false``. String literals, ``async.*`` and fields
    named ``event`` (``async.event.x``) are left alone.
    """
    compile_expression(source)  # report a malformed expression against what the user wrote
    tokens = tokenize(source)
    refs, bound = references(tokens)
    if variable in bound:
        raise ExpressionError(source, f"cannot interpolate: a comprehension rebinds {variable!r}")
    out: list[str] = []
    pos = 0
    for ref in refs:
        if ref.root != variable:
            continue
        start, end = tokens[ref.first].start, tokens[ref.last].end
        value = value_at(event, ref.fields)
        if ref.in_has:
            literal = "false" if value is MISSING else "true"
        else:
            try:
                literal = to_literal(value)
            except TypeError as exc:
                path = ".".join((variable, *ref.fields))
                raise ExpressionError(source, f"cannot interpolate {path}: {exc}") from exc
            follower = ref.last + 1
            if is_punct(tokens, follower, ".") or is_punct(tokens, follower, "["):
                literal = f"({literal})"  # 5.size() would lex as a float; (5).size() is clear
        out.append(source[pos:start])
        out.append(literal)
        pos = end
    out.append(source[pos:])
    return "".join(out)
