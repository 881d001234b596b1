"""Swap module attributes for a while and put them back, failing loudly if one is missing.

The virtual clock replaces how third-party modules (the inngest SDK, moto) read time. Those
are pinned dependencies; if a new version moves the attribute, a silent no-op would let real
time leak into a virtual test, so a missing target is an error that names it.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def attributes(replacements: dict[tuple[str, str], Any], why: str) -> Iterator[None]:
    """Set `module.attr = value` for each `(module, attr): value`, restore on exit."""
    saved: list[tuple[Any, str, Any]] = []
    try:
        for (module_name, attr), value in replacements.items():
            module = importlib.import_module(module_name)
            if not hasattr(module, attr):
                raise RuntimeError(
                    f"cannot {why}: {module_name} has no attribute {attr!r} "
                    "(an unsupported version of that package?)"
                )
            saved.append((module, attr, getattr(module, attr)))
            setattr(module, attr, value)
        yield
    finally:
        for module, attr, original in reversed(saved):
            setattr(module, attr, original)
