"""DUR001: blocking or timer-based waits outside a step.

A `time.sleep` in a function body holds the Lambda (and its bill) for the whole wait and runs again
on every replay; `step.sleep` returns immediately and the orchestrator resumes the run later.
Sleeps inside a step's callable are not flagged: they delay that one step (say, a polling backoff)
and `step.sleep` cannot be used there.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from ..catalog import BLOCKING_WAIT_METHODS, BLOCKING_WAITS
from ..discovery import ModuleInfo
from ..names import qualified_name, snippet
from ..walker import FunctionFacts
from .base import Finding, at, via

CODE = "DUR001"


def check(facts: FunctionFacts, module: ModuleInfo) -> Iterator[Finding]:
    """Flag each blocking wait called from the body (or a helper it calls)."""
    for call in facts.body_calls:
        name = wait_name(call.node, module)
        if name is not None:
            yield at(
                call.site,
                CODE,
                f"`{name}()` blocks outside a step{via(call.helper, call.node)}; "
                "use step.sleep(id, duration)",
            )


def wait_name(call: ast.Call, module: ModuleInfo) -> str | None:
    """The name to show when `call` is a blocking wait."""
    qualified = qualified_name(call.func, module.imports)
    if qualified in BLOCKING_WAITS:
        return qualified
    if isinstance(call.func, ast.Attribute) and call.func.attr in BLOCKING_WAIT_METHODS:
        return snippet(call.func)
    return None
