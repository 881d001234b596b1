"""Which functions exist, how they are configured, and which of them an event triggers.

Functions served by this Lambda are read straight from the SDK objects; apps served elsewhere
register through `/fn/register` and are stored in DynamoDB. Both end up as the same wire-format
config (the dict the SDK sends on sync), so the executor treats them alike.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import logging
import threading
from typing import Any

from inngest_lambda.core import clock
from inngest_lambda.settings import SERVE_PATH

LOCAL_APP_URL = f"http://lambda.local{SERVE_PATH}"
REMOTE_REFRESH_SECONDS = 30.0
# Options handled by later milestones: a function using them fails with a clear error.
# Flow-control options are all implemented (see `flow/`); kept as the place to list any new
# option a later SDK adds before this runtime supports it.
UNSUPPORTED_OPTIONS: tuple[str, ...] = ()
DEFAULT_RETRIES = 4
_log = logging.getLogger("inngest_lambda.apps.registry")


@dataclasses.dataclass(frozen=True)
class FunctionEntry:
    id: str
    app_id: str
    config: dict[str, Any]
    url: str | None  # None: served in-process by this Lambda

    @property
    def name(self) -> str:
        return self.config.get("name") or self.id

    @property
    def max_attempts(self) -> int:
        step = next(iter(self.config.get("steps", {}).values()), {})
        retries = (step.get("retries") or {}).get("attempts")
        return (DEFAULT_RETRIES if retries is None else int(retries)) + 1

    @property
    def event_triggers(self) -> list[dict[str, Any]]:
        return [t for t in self.config.get("triggers", []) if "event" in t]

    def unsupported(self) -> list[str]:
        """Options set on this function that this version cannot honour yet."""
        return [opt for opt in UNSUPPORTED_OPTIONS if self.config.get(opt)]


@dataclasses.dataclass
class TriggerError:
    function_id: str
    expression: str
    message: str


class Registry:
    def __init__(self, local: list[FunctionEntry], load_remote: Any = None) -> None:
        self._local = {f.id: f for f in local}
        self._load_remote = load_remote
        self._remote: dict[str, FunctionEntry] = {}
        self._remote_loaded_at = -1e18
        self._lock = threading.Lock()

    @classmethod
    def from_sdk(cls, client: Any, functions: list[Any], load_remote: Any = None) -> Registry:
        entries = []
        for fn in functions:
            config = fn.get_config(LOCAL_APP_URL)
            for part in (config.main, config.on_failure):
                if part is not None:
                    wire = part.to_dict()
                    if isinstance(wire, Exception):
                        raise wire
                    entries.append(FunctionEntry(wire["id"], client.app_id, wire, None))
        return cls(entries, load_remote)

    def _remote_entries(self) -> dict[str, FunctionEntry]:
        if self._load_remote is None:
            return {}
        with self._lock:
            if clock.now() - self._remote_loaded_at > REMOTE_REFRESH_SECONDS:
                self._remote = self._read_remote()
                self._remote_loaded_at = clock.now()
            return self._remote

    def _read_remote(self) -> dict[str, FunctionEntry]:
        """Every stored function that still parses; a bad app or function is logged and
        skipped, so it cannot break ingestion or the runs of other apps."""
        from inngest_lambda.apps import registration

        entries: dict[str, FunctionEntry] = {}
        for app in self._load_remote():
            try:
                app_id, app_url, configs = app["app_id"], app["url"], app["functions"]
                if not isinstance(configs, list):
                    raise ValueError("'functions' is not a list")
            except (KeyError, TypeError, ValueError) as err:
                _log.error(f"skipping stored app {app.get('app_id')!r}: {err}")
                continue
            for cfg in configs:
                try:
                    parsed = registration.check_function(cfg)
                except ValueError as err:
                    _log.error(f"skipping a function of stored app {app_id!r}: {err}")
                    continue
                if parsed.id in self._local:
                    continue  # served in-process; a stored copy must not shadow or double it
                url = parsed.steps["step"].runtime.url
                entries[parsed.id] = FunctionEntry(parsed.id, app_id, cfg, url or app_url)
        return entries

    def local_ids(self) -> set[str]:
        return set(self._local)

    def refresh(self) -> None:
        with self._lock:
            self._remote_loaded_at = -1e18

    def all(self) -> list[FunctionEntry]:
        return [*self._local.values(), *self._remote_entries().values()]

    def get(self, function_id: str) -> FunctionEntry | None:
        return self._local.get(function_id) or self._remote_entries().get(function_id)

    def match(self, event: dict[str, Any]) -> tuple[list[FunctionEntry], list[TriggerError]]:
        """Functions this event starts, and the trigger expressions that failed to evaluate."""
        matched: list[FunctionEntry] = []
        errors: list[TriggerError] = []
        name = event["name"]
        for fn in self.all():
            for trigger in fn.event_triggers:
                if not _name_matches(trigger["event"], name):
                    continue
                expr = trigger.get("expression")
                if expr:
                    from inngest_lambda import expressions

                    try:
                        if not expressions.matches(expr, {"event": event}):
                            continue
                    except expressions.ExpressionError as err:
                        errors.append(TriggerError(fn.id, expr, str(err)))
                        continue
                matched.append(fn)
                break
        return matched, errors


def _name_matches(pattern: str, name: str) -> bool:
    if "*" in pattern:
        return fnmatch.fnmatchcase(name, pattern)
    return pattern == name
