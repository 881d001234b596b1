"""Static resolution of the `functions` registry list, across modules, without importing them.

The runtime serves exactly the functions in `functions/__init__.py`'s `functions` list; a function
defined but missing there never runs, and nothing else would notice. We evaluate the list the way
Python would for the forms people write: literals, names defined or imported (`from .orders import
process_order`, `from functions.orders import ...`, re-exports), module attributes
(`orders.process_order`), `*other.functions`, `a + b`, `list(...)`, and module-level `+=`,
`.append`, `.extend`. Anything else becomes an `Unknown` carrying where it is, so the report can
say exactly what could not be resolved instead of guessing.
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

from .discovery import create_function_call
from .module_files import ModuleFiles
from .names import snippet, walk
from .sources import Project

REGISTRY_NAME = "functions"
_LIST_METHODS = frozenset({"append", "extend", "insert"})


@dataclasses.dataclass(frozen=True)
class FunctionRef:
    """A name defined by a def or assignment in a module (the identity of a function)."""

    path: Path
    name: str


@dataclasses.dataclass(frozen=True)
class ModuleRef:
    """A module (a `.py` file or a package's `__init__.py`)."""

    path: Path


@dataclasses.dataclass(frozen=True)
class Unknown:
    """Something the resolver cannot evaluate statically, and where it is."""

    path: Path
    node: ast.AST
    text: str
    why: str = ""


@dataclasses.dataclass(frozen=True)
class ListValue:
    """A resolved list: the functions found, plus the parts that could not be resolved."""

    items: frozenset[FunctionRef] = frozenset()
    unknowns: tuple[Unknown, ...] = ()

    def __add__(self, other: ListValue) -> ListValue:
        return ListValue(self.items | other.items, self.unknowns + other.unknowns)


Value = FunctionRef | ModuleRef | ListValue | Unknown


class Resolver:
    """Evaluates module-level names across the package, memoizing per (module, name)."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._values: dict[tuple[Path, str], Value] = {}
        self._active: set[tuple[Path, str]] = set()
        self._indexes: dict[Path, dict[str, list[ast.stmt]]] = {}
        self.files = ModuleFiles(project)

    def statements(self, path: Path, name: str) -> list[ast.stmt]:
        """Top-level statements of the module that bind or grow `name`, in order."""
        if path not in self._indexes:
            module = self.project.module(path)
            self._indexes[path] = _index(module.tree) if module is not None else {}
        return self._indexes[path].get(name, [])

    def binds(self, path: Path, name: str) -> bool:
        """Whether the module binds `name` at top level."""
        return bool(self.statements(path, name))

    def registry_for(self, path: Path) -> Path | None:
        """The module whose `functions` list serves `path`: the outermost package that has one.

        Outermost because the runtime imports the top package; a subpackage's own list only
        counts if the top list includes it. Falls back to the outermost `__init__.py` (which then
        lacks the list) or to the file itself when it is not in a package.
        """
        inits = [self.project.resolve(init) for init in self.files.package_inits(path)]
        for init in reversed(inits):
            if self.binds(init, REGISTRY_NAME):
                return init
        if inits:
            return inits[-1]
        resolved = self.project.resolve(path)
        return resolved if self.binds(resolved, REGISTRY_NAME) else None

    def registry(self, path: Path) -> ListValue:
        """The resolved `functions` list of the registry module at `path`."""
        return as_list(self.name(self.project.resolve(path), REGISTRY_NAME), path)

    # -- evaluation --------------------------------------------------------------------------

    def name(self, path: Path, name: str) -> Value:
        """Value of a top-level `name` in the module at `path`."""
        key = (path, name)
        if key in self._values:
            return self._values[key]
        if key in self._active:
            return Unknown(path, ast.Name(name, lineno=1, col_offset=0), name, "circular import")
        self._active.add(key)
        try:
            value = self._evaluate_name(path, name)
        finally:
            self._active.discard(key)
        self._values[key] = value
        return value

    def _evaluate_name(self, path: Path, name: str) -> Value:
        module = self.project.module(path)
        if module is None:
            return Unknown(path, ast.Module([], []), name, "module does not parse")
        value: Value | None = None
        for stmt in self.statements(path, name):
            value = self._apply(path, name, stmt, value)
        if value is not None:
            return value
        submodule = self.files.submodule(path, name)
        if submodule is not None:
            return ModuleRef(submodule)
        return Unknown(path, ast.Module([], []), name, f"not defined in {path.name}")

    def _apply(self, path: Path, name: str, stmt: ast.stmt, value: Value | None) -> Value:
        """Update the value of `name` with one top-level statement that touches it."""
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            return FunctionRef(path, name)
        if isinstance(stmt, ast.Assign | ast.AnnAssign) and stmt.value is not None:
            value_expr = stmt.value
            if isinstance(value_expr, ast.Call) and create_function_call(value_expr.func):
                return FunctionRef(path, name)
            return self.expr(path, value_expr)
        if isinstance(stmt, ast.ImportFrom | ast.Import):
            return self._import(path, name, stmt)
        if isinstance(stmt, ast.AnnAssign):  # a bare annotation binds nothing
            return value if value is not None else ListValue()
        current = as_list(value, path) if value is not None else ListValue()
        if isinstance(stmt, ast.AugAssign) and isinstance(stmt.op, ast.Add):
            return current + as_list(self.expr(path, stmt.value), path)
        call = stmt.value if isinstance(stmt, ast.Expr) else None
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.args:
            if call.func.attr == "extend":
                return current + as_list(self.expr(path, call.args[0]), path)
            if call.func.attr in ("append", "insert"):
                return current + _one(self.expr(path, call.args[-1]), path, call.args[-1])
        return current + ListValue(unknowns=(Unknown(path, stmt, _first_line(stmt)),))

    def expr(self, path: Path, expr: ast.expr) -> Value:
        """Value of an expression in the module at `path`."""
        if isinstance(expr, ast.Name):
            return self.name(path, expr.id)
        if isinstance(expr, ast.Attribute):
            base = self.expr(path, expr.value)
            if isinstance(base, ModuleRef):
                return self.name(base.path, expr.attr)
            return base if isinstance(base, Unknown) else Unknown(path, expr, snippet(expr))
        if isinstance(expr, ast.List | ast.Tuple | ast.Set):
            result = ListValue()
            for elt in expr.elts:
                if isinstance(elt, ast.Starred):
                    result = result + as_list(self.expr(path, elt.value), path, elt)
                else:
                    result = result + _one(self.expr(path, elt), path, elt)
            return result
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
            left = as_list(self.expr(path, expr.left), path, expr.left)
            return left + as_list(self.expr(path, expr.right), path, expr.right)
        if (
            isinstance(expr, ast.Call)
            and isinstance(expr.func, ast.Name)
            and expr.func.id in ("list", "tuple")
            and len(expr.args) == 1
        ):
            return as_list(self.expr(path, expr.args[0]), path, expr.args[0])
        return Unknown(path, expr, snippet(expr))

    def _import(self, path: Path, name: str, stmt: ast.Import | ast.ImportFrom) -> Value:
        for alias in stmt.names:
            bound = alias.asname or alias.name.split(".")[0]
            if bound != name:
                continue
            if isinstance(stmt, ast.Import):
                dotted = alias.name if alias.asname else alias.name.split(".")[0]
                target = self.files.find_module(path, dotted, 0)
                return ModuleRef(target) if target else Unknown(path, stmt, _first_line(stmt))
            target = self.files.find_module(path, stmt.module, stmt.level)
            if target is None:
                return Unknown(path, stmt, _first_line(stmt), "imports from outside the package")
            submodule = self.files.submodule(target, alias.name)
            if self.binds(target, alias.name) and not (target == path and submodule):
                return self.name(target, alias.name)
            return ModuleRef(submodule) if submodule else Unknown(path, stmt, _first_line(stmt))
        return Unknown(path, stmt, _first_line(stmt))


def as_list(value: Value, path: Path, node: ast.AST | None = None) -> ListValue:
    """Coerce a value used where a list is expected (a lone function counts as one item)."""
    if isinstance(value, ListValue):
        return value
    if isinstance(value, FunctionRef):
        return ListValue(frozenset({value}))
    if isinstance(value, Unknown):
        return ListValue(unknowns=(value,))
    where = node if node is not None else ast.Module([], [])
    return ListValue(unknowns=(Unknown(path, where, snippet(where), "a module, not a list"),))


def _one(value: Value, path: Path, node: ast.expr) -> ListValue:
    """A single list element: must be a function (or unknown), not a list or module."""
    if isinstance(value, FunctionRef | Unknown):
        return as_list(value, path)
    return ListValue(unknowns=(Unknown(path, node, snippet(node)),))


def _index(tree: ast.Module) -> dict[str, list[ast.stmt]]:
    """Name -> top-level statements binding or growing it (compound statements touching it too).

    Built with one walk per module: resolving a 100-entry registry looks names up 100+ times.
    """
    index: dict[str, list[ast.stmt]] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names = {stmt.name}
        elif isinstance(stmt, ast.Import | ast.ImportFrom):
            names = {alias.asname or alias.name.split(".")[0] for alias in stmt.names}
        else:
            names = {name for node in walk(stmt) if (name := _touched(node)) is not None}
        for name in names:
            index.setdefault(name, []).append(stmt)
    return index


def _touched(node: ast.AST) -> str | None:
    """The name a node binds (`x = ...`, `del x`) or grows (`x.append(...)`), if any."""
    if isinstance(node, ast.Name):
        return node.id if isinstance(node.ctx, ast.Store | ast.Del) else None
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in _LIST_METHODS
        and isinstance(node.func.value, ast.Name)
    ):
        return node.func.value.id
    return None


def _first_line(stmt: ast.AST) -> str:
    return snippet(stmt).split("\n")[0]
