"""DUR005/DUR006: every function must be in the registry's `functions` list.

Cross-file, unlike the other checks: the functions come from every linted module, the list from
the registry module (see registry.py for how it is found and evaluated). When the list cannot be
fully resolved and some function is not among the parts that could be, we report the unresolved
part (DUR006) instead of claiming the function is unregistered: it may well be in there.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..discovery import FUNCTION, InngestFunction, ModuleInfo
from ..registry import REGISTRY_NAME, FunctionRef, Resolver
from ..sources import display_path
from .base import Finding, at

UNREGISTERED = "DUR005"
UNRESOLVED = "DUR006"
_SHOWN = 3


def check_registration(
    modules: list[ModuleInfo], resolver: Resolver
) -> Iterator[tuple[Path, Finding]]:
    """(path, finding) pairs: the path may be a registry module that was not itself linted."""
    by_registry: dict[Path, list[tuple[Path, InngestFunction]]] = {}
    for module in modules:
        path = module.source.path
        functions = [f for f in module.functions if f.kind == FUNCTION and f.top_level]
        registry = resolver.registry_for(path) if functions else None
        if registry is not None:
            by_registry.setdefault(registry, []).extend((path, f) for f in functions)
    for registry, entries in by_registry.items():
        yield from _check_registry(registry, entries, resolver)


def _check_registry(
    registry: Path, entries: list[tuple[Path, InngestFunction]], resolver: Resolver
) -> Iterator[tuple[Path, Finding]]:
    where = display_path(registry)
    if not resolver.binds(registry, REGISTRY_NAME):
        for path, function in entries:
            message = f"{_label(function)} is not registered: {where} has no `functions` list"
            yield path, at(function.anchor, UNREGISTERED, message)
        return
    value = resolver.registry(registry)
    missing = [(p, f) for p, f in entries if FunctionRef(p, f.name) not in value.items]
    if not missing:
        return
    if not value.unknowns:
        for path, function in missing:
            message = f"{_label(function)} is not in the `functions` list in {where}; it never runs"
            yield path, at(function.anchor, UNREGISTERED, message)
        return
    names = ", ".join(f"`{f.name}`" for _, f in missing[:_SHOWN])
    if len(missing) > _SHOWN:
        names += f" and {len(missing) - _SHOWN} more"
    seen: set[tuple[Path, int, str]] = set()
    for unknown in value.unknowns:
        key = (unknown.path, id(unknown.node), unknown.text)
        if key in seen:
            continue
        seen.add(key)
        why = f" ({unknown.why})" if unknown.why else ""
        message = (
            f"cannot resolve `{unknown.text}`{why} in the `functions` registry statically; "
            f"registration of {names} is unchecked"
        )
        yield unknown.path, at(unknown.node, UNRESOLVED, message)


def _label(function: InngestFunction) -> str:
    return f"`{function.name}`" + (f" (fn_id {function.fn_id!r})" if function.fn_id else "")
