"""The per-function checks (DUR001-DUR004); registration (DUR005/6) is cross-file.

Each check is a generator over one function's facts, so adding a rule is one module plus one line
in PER_FUNCTION.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ..discovery import ModuleInfo
from ..walker import FunctionFacts, FunctionWalker
from . import effects, mutation, step_ids, waits
from .base import Finding

Check = Callable[[FunctionFacts, ModuleInfo], Iterator[Finding]]

PER_FUNCTION: tuple[Check, ...] = (waits.check, effects.check, step_ids.check, mutation.check)


def check_module(module: ModuleInfo) -> Iterator[Finding]:
    """Run every per-function check on every function of the module."""
    for function in module.functions:
        if function.node is None:
            continue
        facts = FunctionWalker(module, function, function.node).run()
        for check in PER_FUNCTION:
            yield from check(facts, module)


__all__ = ["Finding", "check_module"]
