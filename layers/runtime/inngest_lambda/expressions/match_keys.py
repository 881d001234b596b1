"""Match keys: the equality in a wait expression that the pause index looks waits up by.

An interpolated wait expression such as ``async.data.orderId == "o-1"`` yields the key
(``data.orderId``, ``o-1``); an incoming event is matched against the waits stored under
``canonical(value_at(event, "data.orderId"))`` instead of against every wait of its name.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Final

from inngest_lambda.expressions.canonical_keys import canonical
from inngest_lambda.expressions.errors import ExpressionError
from inngest_lambda.expressions.lexer import Token, is_punct, tokenize
from inngest_lambda.expressions.library import load_cel
from inngest_lambda.expressions.paths import MISSING, Missing

__all__ = ["MatchKey", "match_key"]


@dataclasses.dataclass(frozen=True, slots=True)
class MatchKey:
    """An equality ``async.<path> == <literal>`` found in a (interpolated) wait expression.

    ``path`` is relative to the incoming event (``"data.orderId"``); ``value_key`` is
    ``canonical(literal)``, so the waiter index can look up ``canonical(value_at(incoming, path))``.
    ``exact`` says the equality is the whole expression; when False it is one side of a top-level
    ``&&`` and the rest must still be evaluated. Either way a hit is a candidate: confirm with
    :func:`matches` (``"1"`` and ``1`` share a key; absent and ``null`` share ``"null"``).
    """

    path: str
    value_key: str
    exact: bool


_LITERAL_IDENTS: Final = frozenset({"true", "false", "null"})
_LITERAL_PUNCT: Final = frozenset("[]{}(),:-")


def match_key(source: str, variable: str = "async") -> MatchKey | None:
    """The indexable equality in an interpolated wait expression, or None.

    Accepts ``async.a.b == <literal>`` or ``<literal> == async.a.b`` (parentheses and whitespace
    tolerated), alone or as one operand of a top-level ``&&`` chain (nested parenthesised ``&&``
    chains are flattened; the first equality wins). Anything else (``>``, ``||`` or a ternary at
    the top, two ``async`` sides, indexing, method calls) returns None and the caller evaluates
    the expression against every candidate.
    """
    try:
        tokens = tokenize(source)
    except ExpressionError:
        return None
    conjuncts = _conjuncts(tokens)
    if conjuncts is None:
        return None
    exact = len(conjuncts) == 1
    for conjunct in conjuncts:
        found = _equality_key(_strip_parens(conjunct), variable)
        if found is not None:
            path, value_key = found
            return MatchKey(path, value_key, exact)
    return None


def _conjuncts(tokens: list[Token]) -> list[list[Token]] | None:
    """The operands of the expression's ``&&`` chain, flattened through parentheses.

    None when the expression itself is a disjunction or ternary: no single equality is necessary.
    An operand that is a parenthesised ``||`` stays one opaque operand.
    """
    parts = _split_and(_strip_parens(tokens))
    if parts is None or len(parts) == 1:
        return parts
    flat: list[list[Token]] = []
    for part in parts:
        inner = _conjuncts(part)
        flat.extend(inner if inner is not None else [part])
    return flat


def _strip_parens(tokens: list[Token]) -> list[Token]:
    while len(tokens) >= 2 and is_punct(tokens, 0, "(") and is_punct(tokens, len(tokens) - 1, ")"):
        depth = 0
        for index, token in enumerate(tokens):
            depth += _depth_change(token)
            if depth == 0 and index < len(tokens) - 1:
                return tokens  # "(a) == (b)": the first paren closes early
        tokens = tokens[1:-1]
    return tokens


def _depth_change(token: Token) -> int:
    if token.kind != "punct":
        return 0
    return 1 if token.text in "([{" else -1 if token.text in ")]}" else 0


def _split_and(tokens: list[Token]) -> list[list[Token]] | None:
    """Top-level ``&&`` operands, or None if ``||`` or a ternary sits at the top level."""
    parts: list[list[Token]] = [[]]
    depth = 0
    for token in tokens:
        if depth == 0 and token.kind == "punct":
            if token.text in ("||", "?"):
                return None
            if token.text == "&&":
                parts.append([])
                continue
        depth += _depth_change(token)
        parts[-1].append(token)
    return parts if all(parts) else None


def _equality_key(tokens: list[Token], variable: str) -> tuple[str, str] | None:
    depth = 0
    split = None
    for index, token in enumerate(tokens):
        if depth == 0 and token.kind == "punct" and token.text == "==":
            if split is not None:
                return None
            split = index
        depth += _depth_change(token)
    if split is None:
        return None
    left, right = tokens[:split], tokens[split + 1 :]
    for side, other in ((left, right), (right, left)):
        path = _variable_path(side, variable)
        if path is not None and _is_literal(other):
            value = _literal_value(other)
            if value is MISSING:
                return None
            try:
                return path, canonical(value)
            except TypeError:
                return None
    return None


def _variable_path(tokens: list[Token], variable: str) -> str | None:
    tokens = _strip_parens(tokens)
    if len(tokens) < 3 or len(tokens) % 2 == 0:
        return None
    if tokens[0].kind != "ident" or tokens[0].text != variable:
        return None
    fields = []
    for index in range(1, len(tokens), 2):
        dot, name = tokens[index], tokens[index + 1]
        if not (dot.kind == "punct" and dot.text == ".") or name.kind != "ident":
            return None
        fields.append(name.text)
    return ".".join(fields)


def _is_literal(tokens: list[Token]) -> bool:
    if not tokens:
        return False
    for token in tokens:
        if token.kind == "number":
            continue
        if token.kind == "string" and "b" not in _string_prefix(token.text):
            continue  # bytes never equal a JSON value
        if token.kind == "ident" and token.text in _LITERAL_IDENTS:
            continue
        if token.kind == "punct" and token.text in _LITERAL_PUNCT:
            continue
        return False
    return True


def _string_prefix(text: str) -> str:
    """The lower-cased r/b prefix of a string token."""
    return text[: len(text) - len(text.lstrip("rRbB"))].lower()


def _literal_value(tokens: list[Token]) -> Any | Missing:
    source = " ".join(token.text for token in tokens)
    try:
        return load_cel().evaluate(source, {})
    except Exception:
        return MISSING
