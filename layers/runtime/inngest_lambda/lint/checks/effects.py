"""DUR002: side effects and non-determinism outside a step.

The body runs again on every replay, so `uuid4()` there yields a new id each time (and the run
diverges from what earlier steps saw), and an HTTP request, AWS call, file write or event send is
repeated. Inside `step.run` the result is memoized and runs once per success.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from ..catalog import (
    CATEGORY_HINTS,
    CLIENT_SEND_METHODS,
    FILE_WRITE_METHODS,
    FILESYSTEM,
    OPEN_FUNCTIONS,
    WRITE_MODE_CHARS,
    side_effect_category,
)
from ..discovery import ModuleInfo
from ..names import qualified_name, snippet
from ..walker import FunctionFacts
from .base import Finding, at, via

CODE = "DUR002"
_MODE_CHARS = frozenset("rwxabt+U")
_SEND_HINT = "sends events again on every replay; use step.send_event"


def check(facts: FunctionFacts, module: ModuleInfo) -> Iterator[Finding]:
    """Flag each side-effecting call made from the body (or a helper it calls)."""
    for call in facts.body_calls:
        found = classify(call.node, module)
        if found is not None:
            label, hint = found
            yield at(
                call.site, CODE, f"`{label}` outside a step{via(call.helper, call.node)} {hint}"
            )


def classify(call: ast.Call, module: ModuleInfo) -> tuple[str, str] | None:
    """(what to show, why it matters) when `call` is a side effect, else None."""
    func = call.func
    qualified = qualified_name(func, module.imports)
    if qualified in OPEN_FUNCTIONS:
        return _open(call, qualified, 1)
    if qualified is not None:
        category = side_effect_category(qualified)
        if category is not None:
            return f"{qualified}()", CATEGORY_HINTS[category]
    if not isinstance(func, ast.Attribute):
        return None
    if func.attr in FILE_WRITE_METHODS:
        return f"{snippet(func)}()", CATEGORY_HINTS[FILESYSTEM]
    if func.attr == "open":
        return _open(call, snippet(func), 0)
    receiver = func.value
    if isinstance(receiver, ast.Name):
        if receiver.id in module.client_vars:
            return f"{receiver.id}.{func.attr}()", CATEGORY_HINTS[module.client_vars[receiver.id]]
        if receiver.id in module.inngest_clients and func.attr in CLIENT_SEND_METHODS:
            return f"{receiver.id}.{func.attr}()", _SEND_HINT
    return None


def _open(call: ast.Call, name: str, position: int) -> tuple[str, str] | None:
    """`open`-like calls count only with a literal write mode: reading is deterministic enough."""
    mode = call.args[position] if len(call.args) > position else None
    for kw in call.keywords:
        if kw.arg == "mode":
            mode = kw.value
    if not (isinstance(mode, ast.Constant) and isinstance(mode.value, str)):
        return None
    text = mode.value
    if len(text) > 4 or not set(text) <= _MODE_CHARS or not set(text) & WRITE_MODE_CHARS:
        return None
    return f"{name}(..., {text!r})", CATEGORY_HINTS[FILESYSTEM]
