"""DUR004: data leaving a step by mutation instead of by `return`.

Only a step's return value is memoized. When the callable stores its result in an enclosing
variable (`nonlocal`, `global`, `results.append(...)`, `cache[k] = v`), that works on the run
that executes the step and silently yields the empty/old value on every later replay, where the
step is skipped and only its return value comes back.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterator

from ..discovery import ModuleInfo
from ..names import children, root_name
from ..walker import FunctionFacts, StepCallable
from .base import Finding, at

CODE = "DUR004"
MUTATING_METHODS = frozenset(
    {
        "__setitem__",
        "add",
        "append",
        "appendleft",
        "clear",
        "discard",
        "extend",
        "extendleft",
        "insert",
        "pop",
        "popitem",
        "remove",
        "reverse",
        "setdefault",
        "sort",
        "update",
    }
)
_FIX = "return the value from the step instead"
_BUILTINS = frozenset(dir(builtins))


def check(facts: FunctionFacts, module: ModuleInfo) -> Iterator[Finding]:
    """Flag every way each step callable writes to a variable it does not own."""
    for callable_node in facts.callables:
        yield from _check_callable(callable_node, module)


def _check_callable(node: StepCallable, module: ModuleInfo) -> Iterator[Finding]:
    nodes = module.nodes_of(node)
    own = local_names(node, nodes)
    outer_ok = own | set(module.imports) | _BUILTINS

    def outer(expr: ast.expr) -> str | None:
        name = root_name(expr)
        return name.id if name is not None and name.id not in outer_ok else None

    for child in nodes:
        if isinstance(child, ast.Global | ast.Nonlocal):
            kind = "global" if isinstance(child, ast.Global) else "nonlocal"
            for name in child.names:
                if kind == "global" or name not in own:
                    yield at(child, CODE, f"step assigns `{name}` via {kind}; {_FIX}")
        elif isinstance(child, ast.NamedExpr) and isinstance(node, ast.Lambda):
            name = child.target.id
            yield at(child, CODE, f"step lambda assigns `{name}` with := in the caller; {_FIX}")
        elif isinstance(child, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.Delete):
            targets = _targets(child)
            for target in targets:
                name = outer(target) if isinstance(target, ast.Subscript | ast.Attribute) else None
                if name is not None:
                    yield at(child, CODE, f"step writes to outer `{name}`; {_FIX}")
        elif (
            isinstance(child, ast.Call)
            and isinstance(child.func, ast.Attribute)
            and child.func.attr in MUTATING_METHODS
        ):
            name = outer(child.func.value)
            if name is not None:
                method = child.func.attr
                yield at(child, CODE, f"step mutates outer `{name}` with .{method}(); {_FIX}")


def _targets(stmt: ast.Assign | ast.AugAssign | ast.AnnAssign | ast.Delete) -> list[ast.expr]:
    if isinstance(stmt, ast.Assign):
        found: list[ast.expr] = []
        for target in stmt.targets:
            found.extend(_unpack(target))
        return found
    if isinstance(stmt, ast.Delete):
        return list(stmt.targets)
    return [stmt.target]


def _unpack(target: ast.expr) -> list[ast.expr]:
    if isinstance(target, ast.Tuple | ast.List):
        return [leaf for elt in target.elts for leaf in _unpack(elt)]
    if isinstance(target, ast.Starred):
        return _unpack(target.value)
    return [target]


def local_names(node: StepCallable, nodes: list[ast.AST]) -> set[str]:
    """Names the callable owns: its parameters and what it binds, minus nonlocal/global names.

    Nested scopes inside the callable are folded in (their variables are not "outer" either);
    that over-approximates locals, which can only hide findings, never invent them.
    """
    names: set[str] = set()
    declared: list[ast.Global | ast.Nonlocal] = []
    for child in nodes:
        if isinstance(child, ast.arg):
            names.add(child.arg)
        elif isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store | ast.Del):
            names.add(child.id)
        elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(child.name)
        elif isinstance(child, ast.alias):
            names.add((child.asname or child.name).split(".")[0])
        elif isinstance(child, ast.Global | ast.Nonlocal):
            declared.append(child)
    if isinstance(node, ast.Lambda):
        # `(x := ...)` in a lambda binds in the enclosing function, so it is not the lambda's.
        names -= {c.target.id for c in nodes if isinstance(c, ast.NamedExpr)}
    if declared:
        direct = {id(stmt) for stmt in _direct(node)}
        names -= {name for stmt in declared if id(stmt) in direct for name in stmt.names}
    return names


def _direct(node: StepCallable) -> list[ast.stmt]:
    """Statements of the callable itself, not of functions nested inside it."""
    if isinstance(node, ast.Lambda):
        return []
    found: list[ast.stmt] = []
    todo: list[ast.stmt] = list(node.body)
    while todo:
        stmt = todo.pop()
        found.append(stmt)
        if not isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            todo.extend(c for c in children(stmt) if isinstance(c, ast.stmt))
    return found
