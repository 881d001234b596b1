"""Static analysis: which variable paths (``event.data.user.id``) an expression references.

A root is an identifier not after "." and not called as a function; its path extends over
``.ident`` pairs that are not method calls. Names bound by comprehension macros
(``items.exists(i, ...)``) are reported apart, since they are not the caller's variables.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from inngest_lambda.expressions.lexer import Token, is_punct

__all__ = ["Ref", "references"]

# Identifiers that are literals or operators, never variables.
_KEYWORDS = frozenset({"true", "false", "null", "in"})
_MACROS = frozenset({"all", "exists", "exists_one", "map", "filter"})


class Ref(NamedTuple):
    """A reference ``root.f1.f2`` (method calls and indexing end the path)."""

    root: str
    fields: tuple[str, ...]
    in_has: bool  # the whole reference is the argument of has(...)
    first: int  # token index of the root (or of "has" when in_has)
    last: int  # token index of the last token replaced (the path end, or ")" when in_has)


def references(tokens: Sequence[Token]) -> tuple[list[Ref], set[str]]:
    """Dotted references to variables, and names bound by comprehension macros.

    A root is an identifier not after "." and not called as a function; its path extends over
    ``.ident`` pairs that are not method calls.
    """
    refs: list[Ref] = []
    bound: set[str] = set()
    count = len(tokens)
    for i, token in enumerate(tokens):
        if token.kind != "ident" or token.text in _KEYWORDS or is_punct(tokens, i - 1, "."):
            continue
        if is_punct(tokens, i + 1, "("):
            continue  # a function call, not a variable
        # Comprehension macros bind their first one or two arguments: x.exists(v, ...).
        if (
            is_punct(tokens, i - 1, "(")
            and is_punct(tokens, i + 1, ",")
            and _macro_binding(tokens, i - 1)
        ):
            bound.add(token.text)
            continue
        if (
            is_punct(tokens, i - 1, ",")
            and is_punct(tokens, i + 1, ",")
            and i >= 3
            and tokens[i - 2].kind == "ident"
            and _macro_binding(tokens, i - 3)
        ):
            bound.add(token.text)  # second variable of a two-variable comprehension
            continue
        fields: list[str] = []
        j = i + 1
        while (
            is_punct(tokens, j, ".")
            and j + 1 < count
            and tokens[j + 1].kind == "ident"
            and not is_punct(tokens, j + 2, "(")
        ):
            fields.append(tokens[j + 1].text)
            j += 2
        last = j - 1
        in_has = (
            i >= 2
            and is_punct(tokens, i - 1, "(")
            and tokens[i - 2].kind == "ident"
            and tokens[i - 2].text == "has"
            and not is_punct(tokens, i - 3, ".")
            and is_punct(tokens, j, ")")
            and bool(fields)
        )
        if in_has:
            refs.append(Ref(token.text, tuple(fields), True, i - 2, j))
        else:
            refs.append(Ref(token.text, tuple(fields), False, i, last))
    return refs, bound


def _macro_binding(tokens: Sequence[Token], paren: int) -> bool:
    """Whether the "(" at ``paren`` opens a comprehension macro call (``.exists(``)."""
    return (
        paren >= 2
        and tokens[paren - 1].kind == "ident"
        and tokens[paren - 1].text in _MACROS
        and is_punct(tokens, paren - 2, ".")
    )
