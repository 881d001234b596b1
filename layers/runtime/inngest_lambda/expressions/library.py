"""Loading the ``cel`` library's native extension, lazily and without its CLI.

Importing the ``cel`` package costs ~0.27 s because its ``__init__`` loads the REPL (typer, rich,
prompt_toolkit); the native extension alone loads in a few milliseconds. The Lambda's cold start
pays for every import, so :func:`load_cel` loads the extension lazily, directly, and only falls
back to ``import cel`` when that is not possible. Nothing else in the package imports ``cel``.
"""

from __future__ import annotations

import functools
import sys
import threading
from typing import Any, Final

__all__ = ["load_cel"]


_CEL_LOCK: Final = threading.Lock()


@functools.cache
def load_cel() -> Any:
    """The ``cel`` extension module, loaded on first use.

    ``import cel`` runs the package ``__init__``, which imports the interactive CLI (typer, rich,
    prompt_toolkit: ~0.27 s). We only need the native ``cel.cel`` module, so we load it directly
    and register it under its real name; a later ``import cel`` elsewhere then reuses it (the
    extension must not be initialised twice: it panics). If the package is already imported, or
    anything about the direct load fails, we use the ordinary import.
    """
    with _CEL_LOCK:  # two threads must not both initialise the extension
        return _load_cel()


def _load_cel() -> Any:
    if "cel" in sys.modules:
        import cel

        return cel
    if "cel.cel" in sys.modules:
        return sys.modules["cel.cel"]
    try:
        import importlib.machinery
        import importlib.util

        package = importlib.util.find_spec("cel")
        if package is None or not package.submodule_search_locations:
            raise ImportError("cel is not a package")
        spec = importlib.machinery.PathFinder.find_spec(
            "cel.cel", list(package.submodule_search_locations)
        )
        if spec is None or spec.loader is None:
            raise ImportError("cel.cel extension not found")
        module = importlib.util.module_from_spec(spec)
        sys.modules["cel.cel"] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop("cel.cel", None)
            raise
        return module
    except ImportError:
        import cel

        return cel
