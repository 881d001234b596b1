"""Just enough lexing of CEL source to find identifiers and dotted paths outside string literals.

Parsing and evaluation stay with the ``cel`` library; these tokens serve the static analysis
(:mod:`.references`), interpolation and match keys, which must not mistake text inside a string
literal (``"event.data.x"``) for a reference.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal, NamedTuple

from inngest_lambda.expressions.errors import ExpressionError

__all__ = ["Token", "TokenKind", "is_punct", "tokenize"]

TokenKind = Literal["ident", "number", "string", "punct", "other"]


class Token(NamedTuple):
    kind: TokenKind
    text: str
    start: int
    end: int


_WS = re.compile(r"[ \t\n\r\f]+|//[^\n]*")
_IDENT = re.compile(r"[_a-zA-Z][_a-zA-Z0-9]*")
_NUMBER = re.compile(
    r"0[xX][0-9a-fA-F]+[uU]?"
    r"|(?:[0-9]+\.[0-9]+|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
    r"|[0-9]+[eE][+-]?[0-9]+"
    r"|[0-9]+[uU]?"
)
_STRING_PREFIX = re.compile(r"(?:[rR][bB]?|[bB][rR]?)?(?:'''|\"\"\"|'|\")")
_PUNCT2 = frozenset({"==", "!=", "<=", ">=", "&&", "||"})
_PUNCT1 = frozenset("<>!+-*/%?:.,()[]{}")


def tokenize(source: str) -> list[Token]:
    """Split CEL source into tokens, skipping whitespace and ``//`` comments.

    Raises ExpressionError for an unterminated string: nothing after it could be trusted.
    """
    tokens: list[Token] = []
    pos, size = 0, len(source)
    while pos < size:
        if m := _WS.match(source, pos):
            pos = m.end()
            continue
        if m := _STRING_PREFIX.match(source, pos):
            end = _string_end(source, m)
            tokens.append(Token("string", source[pos:end], pos, end))
            pos = end
            continue
        if m := _IDENT.match(source, pos):
            tokens.append(Token("ident", m.group(), pos, m.end()))
            pos = m.end()
            continue
        if m := _NUMBER.match(source, pos):
            tokens.append(Token("number", m.group(), pos, m.end()))
            pos = m.end()
            continue
        two = source[pos : pos + 2]
        if two in _PUNCT2:
            tokens.append(Token("punct", two, pos, pos + 2))
            pos += 2
            continue
        kind: TokenKind = "punct" if source[pos] in _PUNCT1 else "other"
        tokens.append(Token(kind, source[pos], pos, pos + 1))
        pos += 1
    return tokens


def _string_end(source: str, prefix: re.Match[str]) -> int:
    """Index just past the string literal whose prefix and opening quote ``prefix`` matched."""
    opener = prefix.group()
    quote = opener.lstrip("rRbB")
    raw = "r" in opener[: len(opener) - len(quote)].lower()
    pos = prefix.end()
    while pos < len(source):
        if source.startswith(quote, pos):
            return pos + len(quote)
        char = source[pos]
        if char == "\\" and not raw:
            pos += 2
            continue
        if char in "\r\n" and len(quote) == 1:
            break
        pos += 1
    raise ExpressionError(source, f"unterminated string literal at offset {prefix.start()}")


def is_punct(tokens: Sequence[Token], index: int, text: str) -> bool:
    return 0 <= index < len(tokens) and tokens[index].kind == "punct" and tokens[index].text == text
