"""Finding Inngest functions in a module and the module facts every check shares.

A function is a def decorated with `<anything>.create_function(...)` (any client name, or an inline
`inngest.Inngest(...)`), or a module-level `x = client.create_function(...)(handler)`. A named
`on_failure=` handler defined in the same file is checked as well: it is replayed the same way.
"""

from __future__ import annotations

import ast
import dataclasses
import functools

from .catalog import CLIENT_CONSTRUCTORS
from .names import (
    ImportMap,
    imports_of,
    qualified_name,
    single_assignments,
    walk,
    walk_with_sizes,
)
from .sources import SourceFile

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef

FUNCTION = "function"
ON_FAILURE = "on_failure"


@dataclasses.dataclass(frozen=True)
class InngestFunction:
    """One function to check. `node` is None when the handler is not a def in this file."""

    name: str
    kind: str
    node: FunctionNode | None
    anchor: ast.stmt
    fn_id: str | None
    top_level: bool


@dataclasses.dataclass
class ModuleInfo:
    """Per-module facts computed once: imports, defs, clients and the functions to check."""

    source: SourceFile
    imports: ImportMap
    defs: dict[str, FunctionNode]
    functions: list[InngestFunction] = dataclasses.field(default_factory=list)
    inngest_clients: set[str] = dataclasses.field(default_factory=set)
    client_vars: dict[str, str] = dataclasses.field(default_factory=dict)
    _nodes: list[ast.AST] = dataclasses.field(default_factory=list)
    _sizes: list[int] = dataclasses.field(default_factory=list)
    _positions: dict[int, int] = dataclasses.field(default_factory=dict)

    @functools.cached_property
    def function_nodes(self) -> frozenset[int]:
        """ids of every def that is itself a function or handler (never followed as a helper)."""
        return frozenset(id(fn.node) for fn in self.functions if fn.node is not None)

    @functools.cached_property
    def constants(self) -> dict[str, ast.expr]:
        """Module-level names assigned exactly once, with their values (for step-id checks)."""
        return single_assignments(self.source.tree.body)

    def nodes_of(self, node: ast.AST) -> list[ast.AST]:
        """All nodes under `node` (itself first): a slice of the module's single walk."""
        position = self._positions.get(id(node))
        if position is None:  # not from this module's tree (never happens for real input)
            return walk(node)
        return self._nodes[position : position + self._sizes[position]]


def create_function_call(expr: ast.expr) -> ast.Call | None:
    """The `....create_function(...)` call when `expr` is one."""
    if (
        isinstance(expr, ast.Call)
        and isinstance(expr.func, ast.Attribute)
        and expr.func.attr == "create_function"
    ):
        return expr
    return None


def analyse_module(source: SourceFile) -> ModuleInfo:
    """Collect everything the per-function checks need from one parsed module."""
    tree = source.tree
    nodes, sizes = walk_with_sizes(tree)  # the one full walk; everything below reuses it
    defs = {
        stmt.name: stmt
        for stmt in tree.body
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    info = ModuleInfo(source, imports_of(nodes), defs, _nodes=nodes, _sizes=sizes)
    info._positions = {id(node): index for index, node in enumerate(nodes)}
    info.client_vars = _client_vars(nodes, info.imports)
    info.inngest_clients.update(_inngest_clients(tree, info.imports))
    seen: set[int] = set()
    top = {id(stmt) for stmt in tree.body}
    for node in nodes:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for decorator in node.decorator_list:
                call = create_function_call(decorator)
                if call is not None:
                    _add(info, seen, call, node.name, node, node, id(node) in top)
        elif isinstance(node, ast.Assign) and id(node) in top:
            _assigned_function(info, seen, node)
    return info


def _assigned_function(info: ModuleInfo, seen: set[int], node: ast.Assign) -> None:
    """`name = client.create_function(...)(handler)` at module level."""
    value = node.value
    if not (isinstance(value, ast.Call) and len(node.targets) == 1):
        return
    target = node.targets[0]
    call = create_function_call(value.func)
    if call is None or not isinstance(target, ast.Name):
        return
    handler = value.args[0] if value.args else None
    handler_def = info.defs.get(handler.id) if isinstance(handler, ast.Name) else None
    _add(info, seen, call, target.id, handler_def, node, True)


def _add(
    info: ModuleInfo,
    seen: set[int],
    call: ast.Call,
    name: str,
    node: FunctionNode | None,
    anchor: ast.stmt,
    top_level: bool,
) -> None:
    client = call.func.value if isinstance(call.func, ast.Attribute) else None
    if isinstance(client, ast.Name):
        info.inngest_clients.add(client.id)
    fn_id = None
    for keyword in call.keywords:
        if keyword.arg == "fn_id" and isinstance(keyword.value, ast.Constant):
            fn_id = str(keyword.value.value)
    info.functions.append(InngestFunction(name, FUNCTION, node, anchor, fn_id, top_level))
    if node is not None:
        seen.add(id(node))
    for keyword in call.keywords:
        if keyword.arg == "on_failure" and isinstance(keyword.value, ast.Name):
            handler = info.defs.get(keyword.value.id)
            if handler is not None and id(handler) not in seen:
                seen.add(id(handler))
                info.functions.append(
                    InngestFunction(handler.name, ON_FAILURE, handler, handler, None, True)
                )


def _client_vars(nodes: list[ast.AST], imports: ImportMap) -> dict[str, str]:
    """Names bound anywhere in the module to a network/AWS client, e.g. `s3 = boto3.client(...)`.

    Module-wide rather than per scope: a module-level client (the usual Lambda idiom) used in a
    function body is exactly the case to catch, and name clashes between scopes are rare.
    """
    found: dict[str, str] = {}
    for node in nodes:
        if isinstance(node, ast.Assign):
            category = client_constructor(node.value, imports)
            if category:
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        found[target.id] = category
        elif isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                category = client_constructor(item.context_expr, imports)
                if category and isinstance(item.optional_vars, ast.Name):
                    found[item.optional_vars.id] = category
    return found


def _inngest_clients(tree: ast.Module, imports: ImportMap) -> set[str]:
    """Module-level `name = inngest.Inngest(...)`: its `.send()` outside a step is DUR002 too."""
    return {
        target.id
        for stmt in tree.body
        if isinstance(stmt, ast.Assign)
        and isinstance(stmt.value, ast.Call)
        and qualified_name(stmt.value.func, imports) == "inngest.Inngest"
        for target in stmt.targets
        if isinstance(target, ast.Name)
    }


def client_constructor(expr: ast.expr, imports: ImportMap) -> str | None:
    """Category when `expr` builds a client, also through chains like `resource(...).Table(...)`."""
    while isinstance(expr, ast.Call | ast.Attribute):
        if isinstance(expr, ast.Call):
            qualified = qualified_name(expr.func, imports)
            if qualified in CLIENT_CONSTRUCTORS:
                return CLIENT_CONSTRUCTORS[qualified]
            expr = expr.func
        else:
            expr = expr.value
    return None
