"""Who is waiting for which event: the pause index behind `step.wait_for_event` and `cancel=`.

A pause is written when a run reaches `step.wait_for_event` (kind "wait") or starts with
`cancel=` options (kind "cancel"). Its expression has `event.*` already interpolated, so only
`async.*` (the incoming event) is left to evaluate. Layout:

    PP#<event name> / PP                      the attribute paths pauses on this name are keyed by
    P#<event name>#<path>#<value> / <pause>   pauses whose expression is `async.<path> == <value>`
    P#<event name>#* / <pause>                every other pause on this name (evaluated one by one)
    EN#<event name> / <received ms>#<event id>  recent events by name (1 h), for the race below
                                              (written by store.put_events: index_keys.py)

An incoming event therefore costs one read for the path list, one query per distinct path and
one for the unkeyed pauses, however many runs wait: 100,000 runs waiting on different order ids
cost the same lookup as one.

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

from inngest_lambda import clock
from inngest_lambda.attributes import encode_attr, item_key
from inngest_lambda.index_keys import recent_event_bound, recent_event_pk
from inngest_lambda.settings import TABLE_PK, TABLE_SK, TABLE_TTL_ATTRIBUTE
from inngest_lambda.store import Store

UNKEYED = "*"
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

    @property
    def pk(self) -> str:
        if self.path is None:
            return f"P#{self.event_name}#{UNKEYED}"
        return f"P#{self.event_name}#{self.path}#{self.value_key}"

    @property
    def sk(self) -> str:
        return f"{self.run_id}#{self.step_id}"


class PauseIndex:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.ddb = store.ddb
        self.table = store.table

    def put(self, pause: Pause) -> None:
        if pause.path is not None:
            self.ddb.update_item(
                TableName=self.table,
                Key=item_key(f"PP#{pause.event_name}", "PP"),
                UpdateExpression="ADD paths :p",
                ExpressionAttributeValues={":p": {"SS": [pause.path]}},
            )
        self.ddb.put_item(TableName=self.table, Item=pause_item(pause))

    def delete(self, pause: Pause) -> None:
        self.ddb.delete_item(TableName=self.table, Key=item_key(pause.pk, pause.sk))

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
        partitions = [f"P#{name}#{UNKEYED}"]
        for path in paths:
            value = expressions.value_at(event, path)
            if value is not expressions.MISSING:
                partitions.append(f"P#{name}#{path}#{expressions.canonical(value)}")
        now = clock.now()
        found = []
        for pk in partitions:
            if len(pk.encode()) > MAX_PARTITION_KEY_BYTES:
                continue  # no pause can be stored under such a key, so none waits there
            if cache is None or pk not in cache:
                pauses = [Pause(**json.loads(it["pause"]["S"])) for it in self.store.query(pk)]
                if cache is None:
                    found.extend(p for p in pauses if _open_at(p, now))
                    continue
                cache[pk] = pauses
            found.extend(p for p in cache[pk] if _open_at(p, now))
        return found

    def paths_by_name(self, names: Iterable[str]) -> dict[str, list[str]]:
        """The keyed paths for each event name, one BatchGetItem per 100 names."""
        unique = sorted(set(names))
        out: dict[str, list[str]] = {n: [] for n in unique}
        for i in range(0, len(unique), 100):
            keys = [item_key(f"PP#{n}", "PP") for n in unique[i : i + 100]]
            pending: dict[str, Any] = {self.table: {"Keys": keys, "ConsistentRead": True}}
            while pending:
                res = self.ddb.batch_get_item(RequestItems=pending)
                for item in res["Responses"].get(self.table, []):
                    out[item[TABLE_PK]["S"][3:]] = sorted(item.get("paths", {}).get("SS", []))
                pending = res.get("UnprocessedKeys") or {}
        return out

    def recent_event_ids(self, name: str, since: float) -> list[str]:
        """Ids of events of this name received at or after `since` (server time)."""
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "#pk = :pk AND #sk >= :since",
            "ExpressionAttributeNames": {"#pk": TABLE_PK, "#sk": TABLE_SK},
            "ExpressionAttributeValues": {
                ":pk": {"S": recent_event_pk(name)},
                ":since": {"S": recent_event_bound(since)},
            },
            "ConsistentRead": True,
        }
        out = []
        while True:
            res = self.ddb.query(**kwargs)
            out.extend(it[TABLE_SK]["S"].split("#", 1)[1] for it in res.get("Items", []))
            if "LastEvaluatedKey" not in res:
                return out
            kwargs["ExclusiveStartKey"] = res["LastEvaluatedKey"]


def _open_at(pause: Pause, now: float) -> bool:
    return pause.expires_at is None or pause.expires_at >= now


def pause_item(pause: Pause) -> dict[str, Any]:
    item = {
        **item_key(pause.pk, pause.sk),
        "pause": encode_attr(json.dumps(dataclasses.asdict(pause))),
    }
    if pause.expires_at is not None:
        item[TABLE_TTL_ATTRIBUTE] = encode_attr(int(pause.expires_at) + 3600)
    return item
