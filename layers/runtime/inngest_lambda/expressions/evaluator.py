"""Evaluating compiled expressions: the entry points every caller goes through.

Filters, waits, cancels and batch ``if`` use :func:`matches`; flow-control and idempotency keys
:func:`evaluate_key`; priority :func:`evaluate_int`; registration :func:`validate`. The semantics
(absent attributes are null, numbers compare by value, no truthiness) are stated in the package
docstring (:mod:`inngest_lambda.expressions`); the error classification that implements
"absent data is no match" is :func:`_evaluation_error`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping
from typing import Any

from inngest_lambda.expressions.canonical_keys import canonical
from inngest_lambda.expressions.compiler import Compiled, compile_expression
from inngest_lambda.expressions.errors import ExpressionError, MissingFieldError
from inngest_lambda.expressions.projection import project

__all__ = ["evaluate", "evaluate_int", "evaluate_key", "matches", "validate"]


def validate(source: str, variables: Collection[str] | None = None) -> None:
    """Raise ExpressionError unless ``source`` compiles (and uses only ``variables``, if given).

    For registration time: a trigger filter must only use ``event``; a wait or cancel expression
    may use ``event`` and ``async``. Catching that at registration beats failing on every event.
    """
    compiled = compile_expression(source)
    if variables is not None:
        unknown = sorted(compiled.variables - set(variables))
        if unknown:
            allowed = ", ".join(sorted(variables)) or "none"
            raise ExpressionError(
                source, f"unknown variable(s) {', '.join(unknown)} (available: {allowed})"
            )


def evaluate(source: str, variables: Mapping[str, Any]) -> Any:
    """Evaluate ``source`` with ``variables`` (e.g. ``{"event": e, "async": a}``).

    Absent attributes read as null (see the package docstring). Raises MissingFieldError when the
    result still depends on absent or null data, ExpressionError for anything else.
    """
    compiled = compile_expression(source)
    context = {
        name: project(variables[name], plan)
        for name, plan in compiled.plans.items()
        if name in variables
    }
    for name in compiled.bound:
        if name in variables and name not in context:
            context[name] = variables[name]
    try:
        return compiled.program.execute(context)
    except Exception as exc:  # the library maps CEL errors onto builtin exception types
        raise _evaluation_error(compiled, variables, exc) from exc


def matches(source: str, variables: Mapping[str, Any]) -> bool:
    """Whether a boolean expression (filter, wait, cancel, batch ``if``) holds.

    Data that is absent or null where a value is needed means "no match", as in Inngest. A result
    that is not a bool is an error: silently coercing it would hide a broken filter.
    """
    try:
        result = evaluate(source, variables)
    except MissingFieldError:
        return False
    if not isinstance(result, bool):
        raise ExpressionError(
            source,
            f"expected a bool, got {type(result).__name__} {_short_repr(result)}",
            phase="evaluate",
        )
    return result


def evaluate_key(source: str, event: Mapping[str, Any]) -> str:
    """A flow-control or idempotency key: ``source`` evaluated on ``event``, as :func:`canonical`.

    An absent attribute reads as null, so ``event.data.customer_id`` on an event without one gives
    ``"null"``: such events share one key, as they would in Inngest.
    """
    result = evaluate(source, {"event": event})
    try:
        return canonical(result)
    except TypeError as exc:
        raise ExpressionError(source, str(exc), phase="evaluate") from exc


def evaluate_int(source: str, event: Mapping[str, Any]) -> int:
    """An integer expression evaluated on ``event`` (run priority).

    Integral doubles are accepted (``100.0`` from JSON); fractions and bools are errors rather than
    silently truncated. Range checks (priority is -600..600) belong to the caller.
    """
    result = evaluate(source, {"event": event})
    if isinstance(result, int) and not isinstance(result, bool):
        return result
    if isinstance(result, float) and math.isfinite(result) and result.is_integer():
        return int(result)
    raise ExpressionError(
        source,
        f"expected an int, got {type(result).__name__} {_short_repr(result)}",
        phase="evaluate",
    )


_UNDEFINED = re.compile(r"Undefined variable or function: '([^']*)'")


def _evaluation_error(
    compiled: Compiled, variables: Mapping[str, Any], exc: Exception
) -> ExpressionError:
    """Classify a library error: data problems become MissingFieldError, the rest ExpressionError.

    KeyError/IndexError only reach us for keys read dynamically (``m[k]``, ``l[5]``): static paths
    were filled with null. A type error ("no such overload"), or the library's report of a
    function with no overload for its arguments (``size(null)`` says "Undefined variable or
    function: 'size'"), counts as a data problem when a path the expression reads is absent or null
    in the input, or the source has a null literal; otherwise it is a bug in the expression. An
    undefined *variable* (``async`` in a trigger filter) is always a bug.
    """
    detail = _first_sentence(exc)
    if isinstance(exc, KeyError | IndexError):
        if isinstance(exc, KeyError) and exc.args:
            detail = f"no such key {exc.args[0]!r}"
        absent = _absent_reference(compiled, variables)
        reason = f"{absent} is missing or null ({detail})" if absent else detail
        return MissingFieldError(compiled.source, reason, phase="evaluate")
    undefined = _UNDEFINED.search(str(exc)) if isinstance(exc, RuntimeError) else None
    if isinstance(exc, TypeError) or (
        undefined is not None and undefined.group(1) not in compiled.variables
    ):
        absent = _absent_reference(compiled, variables)
        if absent is not None:
            reason = f"{absent} is missing or null ({detail})"
            return MissingFieldError(compiled.source, reason, phase="evaluate")
        if compiled.null_literal:
            # After interpolation an absent event field is a null literal: "null > async.x"
            # must fail the way "event.data.missing > async.x" does.
            reason = f"an operand is null ({detail})"
            return MissingFieldError(compiled.source, reason, phase="evaluate")
    return ExpressionError(compiled.source, detail, phase="evaluate")


def _absent_reference(compiled: Compiled, variables: Mapping[str, Any]) -> str | None:
    """The first referenced path that is absent or null in ``variables``, as dotted text.

    Used only after a failure, to tell data problems (MissingFieldError) from expression bugs.
    """
    for ref in compiled.refs:
        if ref.in_has or ref.root not in variables:
            continue
        current: Any = variables[ref.root]
        for depth, field in enumerate(ref.fields):
            if not isinstance(current, dict) or field not in current:
                return ".".join((ref.root, *ref.fields[: depth + 1]))
            current = current[field]
        if current is None:
            return ".".join((ref.root, *ref.fields))
    return None


def _first_sentence(exc: BaseException) -> str:
    """The library's message up to its first full stop: the rest is generic advice."""
    text = (str(exc).strip() or type(exc).__name__).splitlines()[0]
    head, dot, _ = text.partition(". ")
    return head + dot.strip() if dot else text


def _short_repr(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
