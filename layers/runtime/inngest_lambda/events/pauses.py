"""Who is waiting for which event: the pause index behind `step.wait_for_event` and `cancel=`.

A pause is written when a run reaches `step.wait_for_event` (kind "wait") or is created with
`cancel=` options (kind "cancel"). Its expression has `event.*` already interpolated, so only
`async.*` (the incoming event) is left to evaluate. Layout:

    PP#<event name> / PP                      the attribute paths pauses on this name are keyed by,
                                              and `*` once an unkeyed pause was written
    P#<event name>#<path>#<value> / <pause>   pauses whose expression is `async.<path> == <value>`
    P#<event name>#*#<s> / <pause>            every other pause on this name (evaluated one by one)
    P#<event name>#* / <pause>                unkeyed pauses written before the sharding (LEGACY)
    EN#<event name>#<s> / <received ms>#<event id>  events by name, of which the race below
                                              reads the last hour (written by store.put_events,
                                              kept as long as the event: index_keys.py)

An incoming event therefore costs one read for the path list, one query per distinct path, one
for the legacy unkeyed partition and, if an unkeyed pause was ever written for its name since
the sharding, PAUSE_SHARDS for the unkeyed shards, however many runs wait: 100,000 runs waiting
on different order ids cost the same lookup as one.

Hot partitions: the unkeyed pauses of one name and the recent events of one name would each sit
on one partition key (1,000 writes/s at most), written per wait and per event received. They are
sharded (`<s>`: a hash of the run id, of the event id, over PAUSE_SHARDS and RECENT_SHARDS), so a
wait or an event still costs one write, and the side that reads (an incoming event, a new wait)
queries every shard. The path list is written only when a wait adds a path (or the first `*`)
it does not list yet (read first), so waits on one name do not all write one item. Like a keyed
path, `*` is listed before the pause is written, so the race below covers it.

Upgrade: pauses written before the sharding sit under `P#<event name>#*`, and the old code never
listed `*` (it wrote the path list for keyed waits only), so no marker can tell which names have
some. That partition is therefore always queried (one query, what every event cost before); it
stays empty for new data. Likewise a new wait also reads the legacy `EN#<event name>` (events
received by the old code, for their hour). Both reads can go once no pre-sharding pause is left.

The race Inngest loses (inngest/inngest#1433): an event accepted while a pause is being written.
Ingestion stores the event (and its `EN#` entry) before it looks for pauses, and the executor,
after writing a pause, looks through `EN#` for events received since the SDK request that
reached the wait. Whichever of the two happens second sees the other, so the event is never
missed; both may see it, and resolving the step is a conditional write, so only one wins.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from typing import Any

from inngest_lambda.core import clock
from inngest_lambda.storage import pauses as stored_pauses
from inngest_lambda.storage import stored_events
from inngest_lambda.storage.index_keys import (
    RECENT_EVENTS_SECONDS,
    RECENT_SHARDS,
    legacy_recent_event_pk,
    recent_event_bound,
    recent_event_pk,
    shard_of,
)
from inngest_lambda.storage.store import Store

UNKEYED = "*"
# Shards of the unkeyed pauses of one event name (queried, all of them, per incoming event name
# that has the `*` marker).
PAUSE_SHARDS = 8
MAX_PARTITION_KEY_BYTES = 2048  # DynamoDB's limit


@dataclasses.dataclass(frozen=True)
class Pause:
    kind: str  # "wait" or "cancel"
    event_name: str
    run_id: str
    step_id: str  # the waiting step, or "cancel-<n>" for a cancel option
    expression: str | None  # interpolated; None matches every event of that name
    path: str | None  # the keyed attribute path, when the expression is `async.<path> == v`
    value_key: str | None
    # None: until the run ends (a `cancel=` without timeout), when the end deletes it
    # (`Store.end_items`); a dated pause also expires by TTL an hour after its date.
    expires_at: float | None
    # True for an unkeyed pause found under the pre-sharding key (set by `candidates`), so that
    # closing it deletes the item where it is.
    legacy: bool = False

    @property
    def pk(self) -> str:
        if self.path is None:
            if self.legacy:
                return legacy_unkeyed_pk(self.event_name)
            return unkeyed_pk(self.event_name, shard_of(self.run_id, PAUSE_SHARDS))
        return f"P#{self.event_name}#{self.path}#{self.value_key}"

    @property
    def sk(self) -> str:
        return f"{self.run_id}#{self.step_id}"


class PauseIndex:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.table = store.table

    def put(self, pause: Pause) -> None:
        self.list_paths([pause])
        stored_pauses.put(self.store, pause_item(pause))

    def list_paths(self, pauses: Iterable[Pause]) -> None:
        """List the path each pause is keyed by (or `*`) under its event name, which must come
        before the pause is written (see the race above): one read per event name, and one
        write for a name only when it gains a path."""
        wanted: dict[str, set[str]] = {}
        for pause in pauses:
            wanted.setdefault(pause.event_name, set()).add(pause.path or UNKEYED)
        for name, paths in sorted(wanted.items()):
            # A stale read of the listed paths can only miss one: then it is added again.
            missing = paths - stored_pauses.listed_paths(self.store, name)
            if missing:
                stored_pauses.add_paths(self.store, name, missing)

    def delete(self, pause: Pause) -> None:
        stored_pauses.delete(self.store, pause.pk, pause.sk)

    def candidates(
        self,
        event: dict[str, Any],
        paths: list[str],
        cache: dict[str, list[Pause]] | None = None,
    ) -> list[Pause]:
        """Pauses that may match this event: exact key hits plus the unkeyed ones.

        `cache` (one per batch of events) makes a batch cost one query per distinct partition
        (per event name, plus one per distinct keyed value) instead of one per event.
        """
        from inngest_lambda import expressions

        name = event["name"]
        partitions = [legacy_unkeyed_pk(name)]
        for path in paths:
            if path == UNKEYED:
                partitions.extend(unkeyed_pk(name, shard) for shard in range(PAUSE_SHARDS))
                continue
            value = expressions.value_at(event, path)
            if value is not expressions.MISSING:
                partitions.append(f"P#{name}#{path}#{expressions.canonical(value)}")
        now = clock.now()
        found = []
        for pk in partitions:
            if len(pk.encode()) > MAX_PARTITION_KEY_BYTES:
                continue  # no pause can be stored under such a key, so none waits there
            if cache is None or pk not in cache:
                pauses = [_pause_at(pk, text) for text in stored_pauses.pauses_at(self.store, pk)]
                if cache is None:
                    found.extend(p for p in pauses if _open_at(p, now))
                    continue
                cache[pk] = pauses
            found.extend(p for p in cache[pk] if _open_at(p, now))
        return found

    def paths_by_name(self, names: Iterable[str]) -> dict[str, list[str]]:
        """The keyed paths for each event name (and `*` if it has unkeyed pauses), one
        BatchGetItem per 100 names."""
        return stored_pauses.paths_by_name(self.store, names)

    def recent_event_ids(self, name: str, since: float, until: float | None = None) -> list[str]:
        """Ids of events of this name received at or after `since` (and, given `until`, not
        after it; server time), oldest first, from every shard and the legacy key.

        Never more than the last RECENT_EVENTS_SECONDS: the entries now live as long as their
        events (the by-name listing reads them), and this look-back's cost stays an hour's."""
        since = max(since, clock.now() - RECENT_EVENTS_SECONDS)
        entries: list[str] = []
        for shard in range(RECENT_SHARDS):
            entries.extend(self._recent_entries(recent_event_pk(name, shard), since))
        entries.extend(self._recent_entries(legacy_recent_event_pk(name), since))
        if until is not None:
            bound = recent_event_bound(until)
            entries = [e for e in entries if e.split("#", 1)[0] <= bound]
        return [entry.split("#", 1)[1] for entry in sorted(entries)]

    def _recent_entries(self, pk: str, since: float) -> list[str]:
        return stored_events.name_entries_since(self.store, pk, recent_event_bound(since))


def _pause_at(pk: str, text: str) -> Pause:
    pause = Pause(**json.loads(text))
    if pause.path is None and pk == legacy_unkeyed_pk(pause.event_name):
        return dataclasses.replace(pause, legacy=True)
    return pause


def _open_at(pause: Pause, now: float) -> bool:
    return pause.expires_at is None or pause.expires_at >= now


def unkeyed_pk(event_name: str, shard: int) -> str:
    return f"P#{event_name}#{UNKEYED}#{shard}"


def legacy_unkeyed_pk(event_name: str) -> str:
    """Where unkeyed pauses went before the sharding (still read: see Upgrade above)."""
    return f"P#{event_name}#{UNKEYED}"


def pause_item(pause: Pause) -> dict[str, Any]:
    """The pause's item, as written alone (`PauseIndex.put`) or in a run's creation."""
    return stored_pauses.item(
        pause.pk, pause.sk, json.dumps(dataclasses.asdict(pause)), pause.expires_at
    )
