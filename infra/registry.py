"""Read the user's function registry at synth time to find cron triggers.

The stack creates one EventBridge Scheduler schedule per cron trigger, so the schedules live in
CloudFormation and follow the code on each deploy. The registry module (settings.ENV_FUNCTIONS,
default `functions`) exports `functions`, a list of `inngest.Function`; each one's SDK config
lists its triggers. Duck typing keeps this module free of an `inngest` import of its own.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

from infra.cron import CronConversionError, CronSchedule, unique_by_name

# get_config() wants the URL the functions are served at; it only ends up in step URLs, which
# the schedules do not use.
_PLACEHOLDER_APP_URL = "https://synth.invalid/api/inngest"


class RegistryError(RuntimeError):
    """The registry module cannot be imported or a trigger cannot be scheduled."""


class _SdkFunction(Protocol):
    @property
    def id(self) -> str: ...

    def get_config(self, app_url: str) -> Any: ...


def import_registry(module_name: str, search_path: Path | None = None) -> Any:
    """Import the registry module, with `search_path` (the repo root) importable first."""
    if search_path is not None and str(search_path) not in sys.path:
        sys.path.insert(0, str(search_path))
    try:
        return importlib.import_module(module_name)
    except ImportError as exc:
        raise RegistryError(
            f"cannot import the function registry {module_name!r}: {exc}. Set the module with"
            " the INNGEST_LAMBDA_FUNCTIONS environment variable (default: functions)."
        ) from exc


def registered_functions(module: Any) -> list[_SdkFunction]:
    functions = getattr(module, "functions", None)
    if functions is None:
        raise RegistryError(f"{module.__name__} has no `functions` list")
    return list(functions)


def cron_schedules(functions: Iterable[_SdkFunction]) -> list[CronSchedule]:
    """One CronSchedule per cron trigger of each function, in registry order."""
    out = []
    for fn in functions:
        config = fn.get_config(_PLACEHOLDER_APP_URL)
        triggers: Sequence[Any] = config.main.triggers or []
        for trigger in triggers:
            cron = getattr(trigger, "cron", None)
            if not cron:
                continue
            try:
                out.append(CronSchedule.from_trigger(fn.id, cron, getattr(trigger, "jitter", None)))
            except CronConversionError as exc:
                raise RegistryError(f"function {fn.id!r}, cron {cron!r}: {exc}") from exc
    return unique_by_name(out)


def load_cron_schedules(module_name: str, search_path: Path | None = None) -> list[CronSchedule]:
    """The cron schedules of every function in the registry module."""
    return cron_schedules(registered_functions(import_registry(module_name, search_path)))
