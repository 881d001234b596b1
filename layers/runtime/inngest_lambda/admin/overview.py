"""The Functions page's facts: triggers (with a cron's next fire), flow control, recent runs."""

from __future__ import annotations

import dataclasses
import datetime
from typing import TYPE_CHECKING, Any

from inngest_lambda.apps.registry import FunctionEntry
from inngest_lambda.core import clock
from inngest_lambda.flow import config as flowconfig
from inngest_lambda.storage import function_pauses, listing

if TYPE_CHECKING:
    from inngest_lambda.storage.store import Store

RECENT_SECONDS = 24 * 3600
# What the Functions page shows: the flow-control options, and cancel-on-event.
SHOWN_KEYS = (*flowconfig.FLOW_KEYS, "cancel")
MAX_LOOKAHEAD_DAYS = 4 * 366 + 1


@dataclasses.dataclass
class Trigger:
    event: str | None
    expression: str | None
    cron: str | None
    next_fire: float | None


@dataclasses.dataclass
class FunctionOverview:
    id: str
    name: str
    app_id: str
    triggers: list[Trigger]
    flow: dict[str, Any]
    retries: int
    counts: dict[str, int]  # status -> runs created in the last RECENT_SECONDS
    # Statuses whose count is a lower bound (listing.COUNT_CAP entries read): shown as "1000+".
    counts_at_least: list[str] = dataclasses.field(default_factory=list)
    is_paused: bool = False  # paused (`admin/pausing.py`): its runs are skipped or parked


def describe(fn: FunctionEntry, store: Store | None, now: float | None = None) -> FunctionOverview:
    """One function's facts; run counts and the pause only when a store is given
    (`listing.count_runs`: five Queries, at most COUNT_CAP entries read each; the pause: one
    GetItem)."""
    at = clock.now() if now is None else now
    triggers = []
    for t in fn.config.get("triggers", []):
        cron = t.get("cron")
        triggers.append(
            Trigger(
                t.get("event"), t.get("expression"), cron, next_fire(cron, at) if cron else None
            )
        )
    counts: dict[str, int] = {}
    at_least: list[str] = []
    paused = False
    if store is not None:
        found = listing.count_runs(store, fn.id, at - RECENT_SECONDS)
        counts, at_least = found.counts, found.at_least
        paused = function_pauses.get_pause(store, fn.id) is not None
    return FunctionOverview(
        id=fn.id,
        name=fn.name,
        app_id=fn.app_id,
        triggers=triggers,
        flow=flowconfig.present(fn.config, SHOWN_KEYS),
        retries=fn.max_attempts - 1,
        counts=counts,
        counts_at_least=at_least,
        is_paused=paused,
    )


def next_fire(cron: str, after: float) -> float | None:
    """Epoch seconds of the first fire strictly after `after` (None if invalid or none ahead)."""
    from inngest_lambda.flow import cron as conv
    from inngest_lambda.flow import crontime

    try:
        spec = crontime.parse(cron)
    except conv.CronConversionError:
        return None
    start = datetime.datetime.fromtimestamp(after, spec.tz).date()
    hours = sorted(spec.hours)
    minutes = sorted(spec.minutes)
    for ahead in range(MAX_LOOKAHEAD_DAYS):
        day = start + datetime.timedelta(days=ahead)
        if not spec.day_matches(day):
            continue
        for hour in hours:
            for minute in minutes:
                local = datetime.datetime(day.year, day.month, day.day, hour, minute)
                ts = local.replace(tzinfo=spec.tz).timestamp()
                if ts > after and crontime.exists(local, ts, spec.tz):
                    return ts
    return None
