"""DUR003: step ids must be stable and unique.

Inngest matches a replayed step to its memoized result by id. An id built from a UUID, the clock
or a call result differs between replays, so the step runs again (and everything after it); two
steps with the same literal id are told apart only by call order, so reordering code silently
swaps their results. Ids may be built from literals and loop variables (`f"charge-{i}"`), which
are the same on every replay; a loop variable's fields (`item["id"]`, `item.id`) count too.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from ..discovery import ModuleInfo
from ..names import snippet
from ..walker import Branches, FunctionFacts, StepCall
from .base import Finding, at

CODE = "DUR003"
_MAX_DEPTH = 5


def check(facts: FunctionFacts, module: ModuleInfo) -> Iterator[Finding]:
    """Flag unstable ids, then literal ids used twice outside loops and exclusive branches."""
    local, bound = _function_bindings(facts)
    module_level = module.constants
    bindings = {**{k: v for k, v in module_level.items() if k not in bound}, **local}
    first_use: dict[str, list[StepCall]] = {}
    for call in facts.step_calls:
        if call.step_id is None:
            continue
        bad = first_unstable(call.step_id, call.loop_vars, bindings)
        if bad is not None:
            yield at(
                call.step_id,
                CODE,
                f"step id uses `{snippet(bad)}`, which can change between replays; "
                "build ids from literals and loop variables",
            )
            continue
        value = call.step_id.value if isinstance(call.step_id, ast.Constant) else None
        if not isinstance(value, str) or call.in_loop:
            continue
        earlier = [c for c in first_use.get(value, []) if not exclusive(c.branches, call.branches)]
        if earlier:
            yield at(
                call.step_id,
                CODE,
                f"step id {value!r} is already used at line {earlier[0].node.lineno}; "
                "give each step its own id",
            )
        first_use.setdefault(value, []).append(call)


def exclusive(a: Branches, b: Branches) -> bool:
    """True when the two positions are in different arms of the same if/match: never both run."""
    arms = dict(a)
    return any(node in arms and arms[node] != arm for node, arm in b)


def first_unstable(
    expr: ast.expr, loop_vars: frozenset[str], bindings: dict[str, ast.expr], depth: int = 0
) -> ast.expr | None:
    """The first part of an id expression that is not a literal or loop variable, else None."""

    def sub(node: ast.expr) -> ast.expr | None:
        return first_unstable(node, loop_vars, bindings, depth)

    if isinstance(expr, ast.Constant):
        return None
    if isinstance(expr, ast.JoinedStr | ast.Tuple | ast.List):
        parts = expr.values if isinstance(expr, ast.JoinedStr) else expr.elts
        return next((bad for part in parts if (bad := sub(part)) is not None), None)
    if isinstance(expr, ast.FormattedValue):
        return sub(expr.value) or (sub(expr.format_spec) if expr.format_spec else None)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add | ast.Mod):
        return sub(expr.left) or sub(expr.right)
    if isinstance(expr, ast.Call) and _is_literal_format(expr):
        args = [*expr.args, *(kw.value for kw in expr.keywords)]
        return next((bad for arg in args if (bad := sub(arg)) is not None), None)
    if isinstance(expr, ast.Name):
        if expr.id in loop_vars:
            return None
        if expr.id in bindings and depth < _MAX_DEPTH:
            return first_unstable(bindings[expr.id], loop_vars, bindings, depth + 1)
        return expr
    if isinstance(expr, ast.Attribute | ast.Subscript) and _loop_field(expr, loop_vars):
        return None
    return expr


def _is_literal_format(call: ast.Call) -> bool:
    """`"x-{}".format(...)` or `"-".join([...])`: literal templates filled with checked parts."""
    func = call.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr in ("format", "join")
        and isinstance(func.value, ast.Constant)
        and isinstance(func.value.value, str)
    )


def _loop_field(expr: ast.expr, loop_vars: frozenset[str]) -> bool:
    """`item["id"]`, `item.id`, `row[0]` where `item`/`row` is a loop variable."""
    while isinstance(expr, ast.Attribute | ast.Subscript):
        if isinstance(expr, ast.Subscript) and not isinstance(expr.slice, ast.Constant):
            return False
        expr = expr.value
    return isinstance(expr, ast.Name) and expr.id in loop_vars


def _function_bindings(facts: FunctionFacts) -> tuple[dict[str, ast.expr], set[str]]:
    """Names assigned once anywhere in the function (`sid = f"charge-{i}"` in a loop), and every
    name the function binds at all (those hide module-level constants of the same name)."""
    counts: dict[str, int] = {}
    values: dict[str, ast.expr] = {}
    for node in facts.nodes:
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            counts[node.id] = counts.get(node.id, 0) + 1
        elif isinstance(node, ast.arg):
            counts[node.arg] = counts.get(node.arg, 0) + 2  # parameters are never constants
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                values[target.id] = node.value
    once = {name: value for name, value in values.items() if counts.get(name) == 1}
    return once, set(counts)
