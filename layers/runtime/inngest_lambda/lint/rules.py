"""Rule codes and the diagnostic record every check produces.

Codes are part of the user interface (people write them in `# noqa` comments and CI logs), so they
live in one table and never change meaning; a retired rule keeps its number unused.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path


@dataclasses.dataclass(frozen=True)
class Rule:
    """One check: its stable code, a short name and what it protects against."""

    code: str
    name: str
    summary: str


RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in (
        Rule("DUR001", "blocking-wait", "blocking or timer-based wait outside a step"),
        Rule("DUR002", "effect-outside-step", "side effect or non-determinism outside a step"),
        Rule("DUR003", "unstable-step-id", "step id that is not stable or not unique"),
        Rule("DUR004", "step-mutation", "data leaves a step by mutation instead of return"),
        Rule("DUR005", "unregistered-function", "function missing from the `functions` registry"),
        Rule("DUR006", "unresolved-registry", "registry that cannot be resolved statically"),
    )
}


@dataclasses.dataclass(frozen=True, order=True)
class Diagnostic:
    """One finding. Field order is the sort order of the report: path, line, column, code."""

    display: str
    line: int
    col: int
    code: str
    message: str
    path: Path = dataclasses.field(compare=False)

    def format(self) -> str:
        """Render as `path:line:col: CODE message`, the format editors and CI annotators parse."""
        return f"{self.display}:{self.line}:{self.col}: {self.code} {self.message}"
