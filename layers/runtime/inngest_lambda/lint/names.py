"""Turning call expressions into the dotted names the rule tables use.

`from datetime import datetime as dt; dt.now()` and `import datetime; datetime.datetime.now()` must
both read as `datetime.datetime.now`, or every table would need every spelling. Local shadowing
(a variable named `time`) is ignored: it is rare in function modules and costs a scope analysis.
"""

from __future__ import annotations

import ast

ImportMap = dict[str, str]


def children(node: ast.AST) -> list[ast.AST]:
    """Direct child nodes in source order, without `ctx` markers (Load/Store): a leaner
    `ast.iter_child_nodes`, as this is the hot loop and no check needs those nodes."""
    found: list[ast.AST] = []
    for field in node._fields:
        value = getattr(node, field, None)
        if value.__class__ is list:
            for item in value:
                if isinstance(item, ast.AST):
                    found.append(item)
        elif isinstance(value, ast.AST) and field != "ctx":
            found.append(value)
    return found


def walk_with_sizes(node: ast.AST) -> tuple[list[ast.AST], list[int]]:
    """Pre-order nodes plus each node's subtree size: `nodes[i : i + sizes[i]]` is the subtree.

    Pre-order keeps every subtree contiguous, so one walk of the module serves every later
    "all nodes under this def" question as a slice instead of another walk. Iterative, so a
    deeply nested expression cannot hit the recursion limit.
    """
    found: list[ast.AST] = []
    parents: list[int] = []
    todo: list[ast.AST] = [node]
    todo_parents: list[int] = [-1]
    while todo:
        current = todo.pop()
        parents.append(todo_parents.pop())
        index = len(found)
        found.append(current)
        kids = children(current)
        if kids:
            kids.reverse()
            todo.extend(kids)
            todo_parents.extend([index] * len(kids))
    sizes = [1] * len(found)
    for index in range(len(found) - 1, 0, -1):
        sizes[parents[index]] += sizes[index]
    return found, sizes


def walk(node: ast.AST) -> list[ast.AST]:
    """Every node under `node` (itself included), pre-order; a faster `list(ast.walk(node))`."""
    return walk_with_sizes(node)[0]


def imports_of(nodes: list[ast.AST]) -> ImportMap:
    """Alias -> fully qualified name for every import among `nodes` (function-local ones too)."""
    imports: ImportMap = {}
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    imports[alias.asname] = alias.name
                else:
                    root = alias.name.split(".")[0]
                    imports[root] = root
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                imports[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return imports


def qualified_name(expr: ast.expr, imports: ImportMap) -> str | None:
    """`a.b.c` with its root resolved through the imports; None unless names and attributes."""
    parts: list[str] = []
    while isinstance(expr, ast.Attribute):
        parts.append(expr.attr)
        expr = expr.value
    if not isinstance(expr, ast.Name):
        return None
    parts.append(imports.get(expr.id, expr.id))
    return ".".join(reversed(parts))


def root_name(expr: ast.expr) -> ast.Name | None:
    """The variable at the bottom of `x.a[0].b`, or None when it is a call or literal."""
    while isinstance(expr, ast.Attribute | ast.Subscript):
        expr = expr.value
    return expr if isinstance(expr, ast.Name) else None


def snippet(node: ast.AST, limit: int = 40) -> str:
    """Source-like text of a node, shortened so a message stays on one readable line."""
    text = " ".join(ast.unparse(node).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def single_assignments(statements: list[ast.stmt]) -> dict[str, ast.expr]:
    """Top-level `NAME = value` bound exactly once (so `STEP = "charge"` counts as a literal)."""
    counts: dict[str, int] = {}
    values: dict[str, ast.expr] = {}
    for stmt in statements:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            counts[stmt.name] = counts.get(stmt.name, 0) + 1
            continue  # names bound inside defs are theirs, not the module's
        for node in walk(stmt):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                counts[node.id] = counts.get(node.id, 0) + 1
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target = stmt.targets[0]
            if isinstance(target, ast.Name):
                values[target.id] = stmt.value
    return {name: value for name, value in values.items() if counts.get(name) == 1}
