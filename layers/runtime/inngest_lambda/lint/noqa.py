"""`# noqa` comments, with the same syntax ruff and flake8 accept.

A bare `# noqa` silences every code on its line; `# noqa: DUR001,DUR002` only those codes. Codes of
other tools on the same comment (`# noqa: E501, DUR002`) are fine: we only look for ours.
"""

from __future__ import annotations

import re

_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.I)
_CODE = re.compile(r"[A-Z]+[0-9]+", re.I)

# Per line: None means "every code"; otherwise the upper-cased codes listed.
NoqaMap = dict[int, frozenset[str] | None]


def parse_noqa(lines: list[str]) -> NoqaMap:
    """Map 1-based line numbers to the codes silenced there.

    A regex over physical lines (not tokenize) keeps this cheap; a `# noqa` inside a string literal
    would also count, which flake8 tolerates too and nobody writes on purpose.
    """
    found: NoqaMap = {}
    for number, text in enumerate(lines, start=1):
        if "#" not in text:
            continue
        match = _NOQA.search(text)
        if match is None:
            continue
        codes = match.group("codes")
        found[number] = (
            None if codes is None else frozenset(code.upper() for code in _CODE.findall(codes))
        )
    return found


def is_silenced(noqa: NoqaMap, line: int, code: str) -> bool:
    """Whether a `# noqa` on `line` covers `code`."""
    if line not in noqa:
        return False
    codes = noqa[line]
    return codes is None or code in codes
