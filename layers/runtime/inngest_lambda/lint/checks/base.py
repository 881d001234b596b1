"""The record a check yields; the engine adds the path and applies `# noqa` and `--select`."""

from __future__ import annotations

import ast
import dataclasses


@dataclasses.dataclass(frozen=True)
class Finding:
    """A finding inside the module being checked (1-based line and column)."""

    line: int
    col: int
    code: str
    message: str


def at(node: ast.AST, code: str, message: str) -> Finding:
    """A finding positioned at `node` (columns are 1-based, as ruff and flake8 print them)."""
    line: int = getattr(node, "lineno", 1)
    col: int = getattr(node, "col_offset", 0)
    return Finding(line, col + 1, code, message)


def via(helper: str | None, node: ast.AST) -> str:
    """Message suffix naming the helper a finding was reached through, with the real line."""
    return "" if helper is None else f" (in helper `{helper}`, line {getattr(node, 'lineno', 0)})"
