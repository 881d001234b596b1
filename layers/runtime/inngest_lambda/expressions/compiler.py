"""Compiling an expression once per process: the library's program plus our projection plan.

A failed compile is cached too (as its reason), so a bad trigger filter costs one parse, not one
per event.
"""

from __future__ import annotations

import functools
from typing import Any, Final, NamedTuple

from inngest_lambda.expressions.errors import ExpressionError
from inngest_lambda.expressions.lexer import tokenize
from inngest_lambda.expressions.library import load_cel
from inngest_lambda.expressions.projection import Node, plan
from inngest_lambda.expressions.references import Ref, references

__all__ = ["CACHE_SIZE", "Compiled", "compile_cached", "compile_expression"]

# Compiled programs are small; interpolated wait expressions are unique per run, so the cache must
# be bounded. One process sees the function registry's expressions plus the waits it is matching.
CACHE_SIZE: Final = 4096


class Compiled(NamedTuple):
    """An expression ready to evaluate: the library's program and what our analysis found."""

    source: str
    program: Any  # cel.Program
    refs: tuple[Ref, ...]
    plans: dict[str, Node]
    variables: frozenset[str]  # free variables, as the library reports them
    bound: frozenset[str]  # names bound by comprehensions
    null_literal: bool  # the source has a null literal (interpolation writes absent data as null)


@functools.lru_cache(maxsize=CACHE_SIZE)
def compile_cached(source: str) -> Compiled | str:
    """Compile once per process; a failure is cached too (as its reason) so a bad trigger filter
    costs one parse, not one per event."""
    cel = load_cel()
    try:
        program = cel.compile(source)
    except Exception as exc:  # the library raises ValueError; anything else is also "invalid"
        return _parse_reason(source, exc)
    try:
        tokens = tokenize(source)
    except ExpressionError as exc:
        return exc.reason
    refs, bound = references(tokens)
    free = frozenset(program.variables()) - bound
    # Paths rooted at a comprehension variable are not ours to project. If a comprehension
    # rebinds a real variable name (exists(event, ...)), that variable is passed whole, unfilled.
    refs = [ref for ref in refs if ref.root not in bound]
    # A variable the library sees but the analysis found no dotted path for is passed whole.
    opaque = free - {ref.root for ref in refs}
    plans = plan(refs, opaque)
    null_literal = any(token.kind == "ident" and token.text == "null" for token in tokens)
    return Compiled(source, program, tuple(refs), plans, free, frozenset(bound), null_literal)


def _parse_reason(source: str, exc: Exception) -> str:
    message = str(exc)
    prefix = f"Failed to parse expression '{source}': "
    return message[len(prefix) :] if message.startswith(prefix) else message


def compile_expression(source: str) -> Compiled:
    """The compiled ``source``; raises ExpressionError (naming it) when it does not compile."""
    if not isinstance(source, str):
        raise ExpressionError(repr(source), f"expected a string, got {type(source).__name__}")
    compiled = compile_cached(source)
    if isinstance(compiled, str):
        raise ExpressionError(source, compiled)
    return compiled
