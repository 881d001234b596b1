"""Registration-time checks of flow-control options, so a bad config fails at deploy, not per event.

Inngest's own server rejects these at sync (`pkg/inngest/function.go`, `batch.go`,
`concurrency.go`); doing the same here means an in-process function fails the Lambda's cold
start with a message naming the function, and a remote app's `/fn/register` gets a 400.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from inngest_lambda import expressions
from inngest_lambda.flow.config import FlowConfig, FlowConfigError

MAX_CONCURRENCY_LIMITS = 2
MAX_RATE_LIMIT_PERIOD = 24 * 3600.0
MIN_PERIOD = 1.0
MAX_THROTTLE_PERIOD = 7 * 86400.0
MAX_DEBOUNCE_PERIOD = 7 * 86400.0
MIN_BATCH_TIMEOUT, MAX_BATCH_TIMEOUT = 1.0, 60.0
MIN_BATCH_SIZE, MAX_BATCH_SIZE = 2, 100
# Options batching cannot be combined with, as Inngest documents and enforces.
BATCH_EXCLUSIVE = {
    "debounce": "debounce",
    "cancel": "cancel",
    "priority": "priority",
    "idempotency": "idempotency",
    "rateLimit": "rate_limit",
}


class RegistrationError(ValueError):
    """One or more functions have options Inngest would refuse; the message lists them all."""


def problems(config: dict[str, Any]) -> list[str]:
    """Everything wrong with one function's wire config, as readable sentences."""
    try:
        flow = FlowConfig.from_wire(config)
    except FlowConfigError as err:
        return [str(err)]
    found: list[str] = []
    found.extend(_combinations(config, flow))
    found.extend(_ranges(flow))
    found.extend(_expressions(flow))
    found.extend(_trigger_and_cancel_expressions(config))
    found.extend(_crons(config))
    return found


def check_entries(entries: Iterable[Any]) -> None:
    """Raise RegistrationError listing `function <id>: <problem>` for every bad function."""
    lines = [
        f"function {entry.id}: {problem}" for entry in entries for problem in problems(entry.config)
    ]
    if lines:
        raise RegistrationError("invalid function configuration:\n  " + "\n  ".join(lines))


def sync_problem(functions: list[dict[str, Any]]) -> str | None:
    """The first problem of a `/fn/register` body's functions, for a 400 answer."""
    for fn in functions:
        found = problems(fn)
        if found:
            return f"function {fn.get('id')}: {'; '.join(found)}"
    return None


def _combinations(config: dict[str, Any], flow: FlowConfig) -> list[str]:
    if flow.batch is None:
        return []
    return [
        f"batch_events cannot be combined with {name} (Inngest does not support it)"
        for wire, name in BATCH_EXCLUSIVE.items()
        if config.get(wire)
    ]


def _ranges(flow: FlowConfig) -> list[str]:
    out: list[str] = []
    if len(flow.concurrency) > MAX_CONCURRENCY_LIMITS:
        out.append(
            f"concurrency: {len(flow.concurrency)} limits, at most {MAX_CONCURRENCY_LIMITS} allowed"
        )
    if flow.rate_limit and flow.rate_limit.period > MAX_RATE_LIMIT_PERIOD:
        out.append("rate_limit.period must be at most 24h")
    if flow.rate_limit and flow.rate_limit.period < MIN_PERIOD:
        out.append("rate_limit.period must be at least 1s")
    if flow.throttle and not MIN_PERIOD <= flow.throttle.period <= MAX_THROTTLE_PERIOD:
        out.append("throttle.period must be between 1s and 7d")
    if flow.debounce:
        if not MIN_PERIOD <= flow.debounce.period <= MAX_DEBOUNCE_PERIOD:
            out.append("debounce.period must be between 1s and 7d")
        if flow.debounce.timeout is not None and flow.debounce.timeout < MIN_PERIOD:
            out.append("debounce.timeout must be at least 1s")
    if flow.batch:
        if not MIN_BATCH_TIMEOUT <= flow.batch.timeout <= MAX_BATCH_TIMEOUT:
            out.append("batch_events.timeout must be between 1s and 60s")
        if not MIN_BATCH_SIZE <= flow.batch.max_size <= MAX_BATCH_SIZE:
            out.append(
                f"batch_events.max_size must be between {MIN_BATCH_SIZE} and {MAX_BATCH_SIZE}"
            )
    if flow.timeouts:
        for name in ("start", "finish"):
            value = getattr(flow.timeouts, name)
            if value is not None and value < MIN_PERIOD:
                out.append(f"timeouts.{name} must be at least 1s")
    return out


def _expressions(flow: FlowConfig) -> list[str]:
    sources: list[tuple[str, str | None]] = [
        *((f"concurrency[{c.index}].key", c.key) for c in flow.concurrency),
        ("throttle.key", flow.throttle.key if flow.throttle else None),
        ("rate_limit.key", flow.rate_limit.key if flow.rate_limit else None),
        ("debounce.key", flow.debounce.key if flow.debounce else None),
        ("batch_events.key", flow.batch.key if flow.batch else None),
        ("batch_events.if", flow.batch.if_exp if flow.batch else None),
        ("priority.run", flow.priority),
        ("idempotency", flow.idempotency),
        ("singleton.key", flow.singleton.key if flow.singleton else None),
    ]
    out = []
    for what, source in sources:
        if source is None:
            continue
        try:
            expressions.validate(source, {"event"})
        except expressions.ExpressionError as err:
            out.append(f"{what}: invalid expression: {err}")
    return out


MAX_TRIGGERS = 10
MAX_CANCELS = 5


def _trigger_and_cancel_expressions(config: dict[str, Any]) -> list[str]:
    """Trigger filters see `event`; cancel conditions see `event` and `async` (Inngest's limits:
    10 triggers, 5 cancels)."""
    out = []
    triggers = config.get("triggers") or []
    cancels = config.get("cancel") or []
    if len(triggers) > MAX_TRIGGERS:
        out.append(f"at most {MAX_TRIGGERS} triggers, got {len(triggers)}")
    if len(cancels) > MAX_CANCELS:
        out.append(f"at most {MAX_CANCELS} cancel options, got {len(cancels)}")
    checks = [
        (f"triggers[{i}].expression", t.get("expression"), {"event"})
        for i, t in enumerate(triggers)
        if isinstance(t, dict)
    ] + [
        (f"cancel[{i}].if", c.get("if"), {"event", "async"})
        for i, c in enumerate(cancels)
        if isinstance(c, dict)
    ]
    for what, source, variables in checks:
        if not source:
            continue
        try:
            expressions.validate(source, variables)
        except expressions.ExpressionError as err:
            out.append(f"{what}: invalid expression: {err}")
    return out


def _crons(config: dict[str, Any]) -> list[str]:
    from inngest_lambda.flow import cron, crontime

    out = []
    for trigger in config.get("triggers") or []:
        if isinstance(trigger, dict) and trigger.get("cron"):
            try:
                cron.CronSchedule.from_trigger(config["id"], trigger["cron"], trigger.get("jitter"))
                crontime.parse(trigger["cron"])
            except cron.CronConversionError as err:
                out.append(f"cron {trigger['cron']!r}: {err}")
    return out


__all__ = ["RegistrationError", "check_entries", "problems", "sync_problem"]
