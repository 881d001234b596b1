"""A function's flow-control options, parsed once from its wire config into typed values.

The wire config is what the SDK sends on sync (`concurrency`, `throttle`, `rateLimit`,
`debounce`, `batchEvents`, `priority`, `idempotency`, `singleton`, `timeouts`); in-process and
remote functions both arrive in that shape, so every flow module reads options from here and a
spelling difference between SDKs (a bare int for `concurrency`, a dict instead of a list) is
absorbed in one place. Parsing is strict: `FlowConfigError` names the option and the problem, and
`validation` turns it into a registration error.
"""

from __future__ import annotations

import dataclasses
import json
import re
import threading
from typing import Any

_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
SCOPES = ("fn", "env", "account")
SINGLETON_MODES = ("skip", "cancel")


class FlowConfigError(ValueError):
    """An option that cannot be honoured as written; the message names the option."""


def parse_duration(text: object, what: str) -> float:
    """Seconds in an Inngest duration (`"30s"`, `"2h"`, `"1h30m"`; a number means seconds)."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        return float(text)
    if not isinstance(text, str):
        raise FlowConfigError(f"{what}: expected a duration like '30s', got {text!r}")
    compact = text.replace(" ", "")
    parts = _DURATION.findall(compact)
    if not parts or "".join(n + u for n, u in parts) != compact:
        raise FlowConfigError(f"{what}: {text!r} is not a duration like '30s', '5m' or '1h30m'")
    return sum(float(n) * _UNITS[u] for n, u in parts)


@dataclasses.dataclass(frozen=True)
class Concurrency:
    limit: int
    key: str | None
    scope: str  # "fn", "env" or "account"
    index: int  # position in the function's list: fn-scoped limits are told apart by it


@dataclasses.dataclass(frozen=True)
class Throttle:
    limit: int
    period: float
    burst: int
    key: str | None


@dataclasses.dataclass(frozen=True)
class RateLimit:
    limit: int
    period: float
    key: str | None


@dataclasses.dataclass(frozen=True)
class Debounce:
    period: float
    key: str | None
    timeout: float | None


@dataclasses.dataclass(frozen=True)
class Batch:
    max_size: int
    timeout: float
    key: str | None
    if_exp: str | None


@dataclasses.dataclass(frozen=True)
class Singleton:
    mode: str
    key: str | None


@dataclasses.dataclass(frozen=True)
class Timeouts:
    start: float | None
    finish: float | None


@dataclasses.dataclass(frozen=True)
class FlowConfig:
    concurrency: tuple[Concurrency, ...] = ()
    throttle: Throttle | None = None
    rate_limit: RateLimit | None = None
    debounce: Debounce | None = None
    batch: Batch | None = None
    priority: str | None = None
    idempotency: str | None = None
    singleton: Singleton | None = None
    timeouts: Timeouts | None = None

    @property
    def controls_admission(self) -> bool:
        """Whether run creation goes through `admission` rather than the plain path."""
        return any(
            (
                self.throttle,
                self.rate_limit,
                self.debounce,
                self.batch,
                self.idempotency,
                self.singleton,
                self.timeouts,
            )
        )

    @property
    def gates_execution(self) -> bool:
        """Whether the executor must pass the gate before each SDK call."""
        return bool(self.concurrency) or bool(self.timeouts)

    @classmethod
    def from_wire(cls, config: dict[str, Any]) -> FlowConfig:
        return cls(
            concurrency=_concurrency(config.get("concurrency")),
            throttle=_throttle(config.get("throttle")),
            rate_limit=_rate_limit(config.get("rateLimit")),
            debounce=_debounce(config.get("debounce")),
            batch=_batch(config.get("batchEvents")),
            priority=_priority(config.get("priority")),
            idempotency=_expression(config.get("idempotency"), "idempotency"),
            singleton=_singleton(config.get("singleton")),
            timeouts=_timeouts(config.get("timeouts")),
        )


_cache: dict[str, FlowConfig] = {}
_cache_lock = threading.Lock()
FLOW_KEYS = (
    "concurrency",
    "throttle",
    "rateLimit",
    "debounce",
    "batchEvents",
    "priority",
    "idempotency",
    "singleton",
    "timeouts",
)


def present(config: dict[str, Any], keys: tuple[str, ...] = FLOW_KEYS) -> dict[str, Any]:
    """The options among `keys` that a wire config sets (an empty value counts as unset)."""
    return {k: config[k] for k in keys if config.get(k) not in (None, [], {}, "")}


def of(config: dict[str, Any]) -> FlowConfig:
    """The parsed options of a wire config, cached by content (parsing runs once per config)."""
    subset = present(config)
    if not subset:
        return _EMPTY
    text = json.dumps(subset, sort_keys=True, default=str)
    with _cache_lock:
        found = _cache.get(text)
    if found is None:
        found = FlowConfig.from_wire(config)
        with _cache_lock:
            _cache[text] = found
    return found


_EMPTY = FlowConfig()


# --- parsers ---------------------------------------------------------------------------------


def _obj(value: object, what: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise FlowConfigError(f"{what}: expected an object, got {type(value).__name__}")
    return value


def _int(value: object, what: str, low: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or int(value) != value:
        raise FlowConfigError(f"{what}: expected a whole number, got {value!r}")
    if value < low:
        raise FlowConfigError(f"{what}: must be at least {low}, got {value}")
    return int(value)


def _expression(value: object, what: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise FlowConfigError(f"{what}: expected a CEL expression string, got {value!r}")
    return value


def _concurrency(value: object) -> tuple[Concurrency, ...]:
    if value is None or value == []:
        return ()
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = [{"limit": value}]
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise FlowConfigError("concurrency: expected a list of {limit, key, scope}")
    out = []
    for i, item in enumerate(value):
        what = f"concurrency[{i}]"
        obj = _obj(item, what) or {}
        scope = obj.get("scope") or "fn"
        if scope not in SCOPES:
            raise FlowConfigError(f"{what}.scope: {scope!r} is not one of {', '.join(SCOPES)}")
        key = _expression(obj.get("key"), f"{what}.key")
        if scope != "fn" and key is None:
            raise FlowConfigError(f"{what}: a key is required for {scope}-scoped limits")
        out.append(Concurrency(_int(obj.get("limit"), f"{what}.limit", 0), key, scope, i))
    return tuple(out)


def _throttle(value: object) -> Throttle | None:
    obj = _obj(value, "throttle")
    if obj is None:
        return None
    burst = obj.get("burst")
    return Throttle(
        limit=_int(obj.get("limit"), "throttle.limit"),
        period=parse_duration(obj.get("period"), "throttle.period"),
        burst=1 if burst in (None, 0) else _int(burst, "throttle.burst"),
        key=_expression(obj.get("key"), "throttle.key"),
    )


def _rate_limit(value: object) -> RateLimit | None:
    obj = _obj(value, "rateLimit")
    if obj is None:
        return None
    return RateLimit(
        limit=_int(obj.get("limit"), "rateLimit.limit"),
        period=parse_duration(obj.get("period"), "rateLimit.period"),
        key=_expression(obj.get("key"), "rateLimit.key"),
    )


def _debounce(value: object) -> Debounce | None:
    obj = _obj(value, "debounce")
    if obj is None:
        return None
    timeout = obj.get("timeout")
    return Debounce(
        period=parse_duration(obj.get("period"), "debounce.period"),
        key=_expression(obj.get("key"), "debounce.key"),
        timeout=None if timeout in (None, "") else parse_duration(timeout, "debounce.timeout"),
    )


def _batch(value: object) -> Batch | None:
    obj = _obj(value, "batchEvents")
    if obj is None:
        return None
    return Batch(
        max_size=_int(obj.get("maxSize"), "batchEvents.maxSize"),
        timeout=parse_duration(obj.get("timeout"), "batchEvents.timeout"),
        key=_expression(obj.get("key"), "batchEvents.key"),
        if_exp=_expression(obj.get("if"), "batchEvents.if"),
    )


def _priority(value: object) -> str | None:
    obj = _obj(value, "priority")
    return None if obj is None else _expression(obj.get("run"), "priority.run")


def _singleton(value: object) -> Singleton | None:
    obj = _obj(value, "singleton")
    if obj is None:
        return None
    mode = obj.get("mode")
    if mode not in SINGLETON_MODES:
        raise FlowConfigError(f"singleton.mode: {mode!r} is not one of skip, cancel")
    return Singleton(mode, _expression(obj.get("key"), "singleton.key"))


def _timeouts(value: object) -> Timeouts | None:
    obj = _obj(value, "timeouts")
    if obj is None:
        return None
    start, finish = obj.get("start"), obj.get("finish")
    parsed = Timeouts(
        start=None if start in (None, "") else parse_duration(start, "timeouts.start"),
        finish=None if finish in (None, "") else parse_duration(finish, "timeouts.finish"),
    )
    return parsed if parsed.start is not None or parsed.finish is not None else None
