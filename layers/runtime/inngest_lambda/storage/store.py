"""Run, step and event state in the one DynamoDB table.

Layout (all strings; `pk`/`sk` from settings):
    E#<event_id> / E            the event as received
    E#<event_id> / R#<run_id>   which runs the event started (for GET /v1/events/{id}/runs);
                                no TTL until the run ends (`end_items`)
    I#<fn_id>#<event_id> / I    "this event already started this function" (24 h TTL)
    R#<run_id> / R              the run: status, lease, output, timers
    R#<run_id> / S#<step_id>    one step: status, attempt, memo (or an S3 pointer)
    R#<run_id> / X#<run_id>     a replay of this run (the new run has `replay_of`); no TTL
                                while this run lives (`replay_link`, `end_items`)
    APPS / A#<app_id>           an app registered from a URL through /fn/register

Run and event items also carry the `lst_*` attributes of the listing indexes (`listing.py`
reads them, `index_keys.py` shapes them), written when the item is created and when a run's
status changes, never per step; each event also gets an `EN#` entry, kept as long as the event:
the events of a name by time, for the pause index and `GET /v1/events?name=`.
    LAYOUT / events-by-name     since when every event has its lasting `EN#` entry

Every state change is a conditional write, so two Lambda invocations racing on one run (a
duplicate SQS delivery, a timer and an event at once, a lease that expired mid-step) cannot
both win: the loser sees `ConditionalCheckFailedException` and backs off.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from typing import Any

from inngest_lambda.core import aws, clock
from inngest_lambda.settings import (
    INLINE_VALUE_LIMIT_BYTES,
    LIST_FUNCTION_STATUS,
    RUN_ITEM_INLINE_BUDGET_BYTES,
    SWEEP_AT_ATTRIBUTE,
    SWEEP_GRACE_SECONDS,
    SWEEP_SHARD_ATTRIBUTE,
    SWEEP_SHARDS,
    TABLE_PK,
    TABLE_SK,
    TABLE_TTL_ATTRIBUTE,
    get_settings,
)
from inngest_lambda.storage import blobs, data_format, index_keys
from inngest_lambda.storage.codec import decode_attr, encode_attr, item_key

# Run statuses: one definition, with the index keys that file runs by them.
RUNNING_STATES = index_keys.ACTIVE_STATES
TERMINAL_STATES = index_keys.ENDED_STATES
# Step statuses.
PLANNED, SCHEDULED, WAITING, COMPLETED, FAILED = (
    "Planned",
    "Scheduled",
    "Waiting",
    "Completed",
    "Failed",
)
DONE_STEP_STATES = (COMPLETED, FAILED)
NEVER = 2**52  # `next_at` of a run that waits for something other than a timer
IDEMPOTENCY_SECONDS = 24 * 3600
# A stored event outlives every flow-control item that may still read it: a debounce burst
# fires at most 7 days (Inngest's longest period) after its last event and is kept 7 days past
# that (flow/debounce.py); a batch entry a day. Only a retention under 14 days is raised.
EVENT_MIN_KEEP_SECONDS = 14 * 86400
MISSING: Any = object()
PUT_EVENTS_PARALLEL = 8


class Conflict(Exception):
    """A conditional write lost: somebody else changed the item first."""


class Stale(Exception):
    """A deferred step write found the step changed: the drive gives the run back and retries
    (not a Conflict: this invocation still holds the lease)."""


class CancelRequested(Conflict):
    """A write of the driving invocation was refused because the run was cancelled meanwhile:
    what it was about to record (a late SDK response) is discarded and the run ends Cancelled."""

    def __init__(self, run_id: str, reason: str) -> None:
        super().__init__(f"run {run_id} was cancelled: {reason}")
        self.reason = reason


def sweep_shard(run_id: str) -> str:
    """The sweep-index partition of a run (a stable spread over SWEEP_SHARDS partitions)."""
    return str(int.from_bytes(run_id[-4:].encode(), "big") % SWEEP_SHARDS)


def sweep_fields(run_id: str, at: float) -> dict[str, object]:
    """Put the run in the sweep index: if nothing has happened to it by `at` (plus the grace),
    the sweeper re-drives it."""
    return {
        SWEEP_SHARD_ATTRIBUTE: sweep_shard(run_id),
        SWEEP_AT_ATTRIBUTE: at + SWEEP_GRACE_SECONDS,
    }


_SWEEP_NAMES = {"#shard": SWEEP_SHARD_ATTRIBUTE, "#sweep": SWEEP_AT_ATTRIBUTE}


def _sweep_values(run_id: str, at: float) -> dict[str, Any]:
    fields = sweep_fields(run_id, at)
    return {
        ":shard": encode_attr(fields[SWEEP_SHARD_ATTRIBUTE]),
        ":sweep": encode_attr(fields[SWEEP_AT_ATTRIBUTE]),
    }


def _item(**fields: object) -> dict[str, Any]:
    return {k: encode_attr(v) for k, v in fields.items() if v is not None}


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    return {k: decode_attr(v) for k, v in item.items()}


def is_conflict(err: Exception) -> bool:
    code = getattr(err, "response", {}).get("Error", {}).get("Code", "")
    return code in ("ConditionalCheckFailedException", "TransactionCanceledException")


@dataclasses.dataclass
class Run:
    run_id: str
    function_id: str
    status: str
    event_id: str
    event: dict[str, Any]
    events: list[dict[str, Any]]
    created_at: float
    started_at: float | None = None
    ended_at: float | None = None
    output: object = None
    error: dict[str, Any] | None = None
    lease_owner: str | None = None
    lease_until: float = 0.0
    fn_attempt: int = 0
    next_at: float = 0.0
    wake_seq: int = 0
    parent: dict[str, Any] | None = None
    finishing: dict[str, Any] | None = None
    cancel: str | None = None  # why cancellation was requested, once it was
    cancel_at: float | None = None  # when it was requested: the run counts as ended from then
    cancels_opened: bool = False
    cancel_pauses: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    replay_of: str | None = None  # the run this one replays (a new run from the same event)
    replays: list[str] = dataclasses.field(default_factory=list)  # replays made while it lived
    blobs: list[str] = dataclasses.field(default_factory=list)  # its values' S3 keys
    inline_bytes: int = 0  # bytes of the event(s) held inline: the rest of the item budget is
    # what the run's outcome may use inline (RUN_ITEM_INLINE_BUDGET_BYTES)
    # Sharded concurrency keys: slot key -> the shard this run last chose (flow/concurrency.py).
    conc_shards: dict[str, int] = dataclasses.field(default_factory=dict)

    @property
    def visible_status(self) -> str:
        """The status users see: a run is Cancelled from the moment the cancel is recorded,
        although the invocation driving it (mid-request, say) records the end a little later."""
        if self.cancel and self.status in RUNNING_STATES:
            return "Cancelled"
        return self.status

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Run:
        p = _plain(item)
        events: list[dict[str, Any]] = _load_value(p, "events")  # type: ignore[assignment]
        return cls(
            run_id=p[TABLE_PK][2:],
            function_id=p["function_id"],
            status=p["status"],
            event_id=p["event_id"],
            event=events[0],
            events=events,
            created_at=float(p["created_at"]),
            started_at=p.get("started_at"),
            ended_at=p.get("ended_at"),
            output=_load_value(p, "output"),
            error=_load_value(p, "error"),  # type: ignore[arg-type]
            lease_owner=p.get("lease_owner"),
            lease_until=float(p.get("lease_until", 0)),
            fn_attempt=int(p.get("fn_attempt", 0)),
            next_at=float(p.get("next_at", 0)),
            wake_seq=int(p.get("wake_seq", 0)),
            parent=json.loads(p["parent"]) if "parent" in p else None,
            finishing=json.loads(p["finishing"]) if "finishing" in p else None,
            cancel=p.get("cancel"),
            cancel_at=p.get("cancel_at"),
            cancels_opened=bool(p.get("cancels_opened", False)),
            cancel_pauses=[tuple(k) for k in json.loads(p.get("cancel_pauses", "[]"))],
            replay_of=p.get("replay_of"),
            replays=sorted(p.get("replays", [])),
            inline_bytes=len(p["events"].encode()) if "events" in p else 0,
            blobs=list(p.get("blobs", [])),
            conc_shards=json.loads(p["conc_shards"]) if "conc_shards" in p else {},
        )


@dataclasses.dataclass
class Step:
    step_id: str
    name: str
    op: str
    status: str
    seq: int
    attempt: int = 0
    due_at: float | None = None
    memo: object = MISSING  # the exact value the SDK receives under `steps`
    error: dict[str, Any] | None = None
    started_at: float | None = None
    ended_at: float | None = None
    info: dict[str, Any] = dataclasses.field(default_factory=dict)
    # The memo as JSON text, as stored: encoded once, reused by every later SDK request.
    memo_text: str | None = dataclasses.field(default=None, compare=False, repr=False)

    @property
    def done(self) -> bool:
        return self.status in DONE_STEP_STATES

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Step:
        p = _plain(item)
        memo_text = _load_text(p, "memo")
        memo = json.loads(memo_text) if memo_text is not None else MISSING
        return cls(
            step_id=p[TABLE_SK][2:],
            name=p["name"],
            op=p["op"],
            status=p["status"],
            seq=int(p["seq"]),
            attempt=int(p.get("attempt", 0)),
            due_at=p.get("due_at"),
            memo=memo,
            error=json.loads(p["error"]) if "error" in p else None,
            started_at=p.get("started_at"),
            ended_at=p.get("ended_at"),
            info=json.loads(p.get("info", "{}")),
            memo_text=memo_text,
        )


def _first_sweep(run: Run) -> float:
    """When a new run is due to the sweeper (plus the grace): when it starts, or at once while
    the look-back of its cancel pauses is still to do (`run_cancels`), which must not wait for
    a start hours away."""
    if run.cancel_pauses and not run.cancels_opened:
        return run.created_at
    return max(run.created_at, run.next_at)


def _refusal(run_id: str, owner: str, run_item: dict[str, Any] | None) -> Conflict:
    """Why a write conditioned on the run was refused: a cancel, or a lost lease."""
    item = _plain(run_item) if run_item else {}
    if item.get("cancel") and item.get("lease_owner") == owner:
        return CancelRequested(run_id, str(item["cancel"]))
    return Conflict(f"lease on run {run_id} lost")


def _dump_value(
    run_id: str,
    name: str,
    attr: str,
    value: object,
    limit: int = INLINE_VALUE_LIMIT_BYTES,
    *,
    ended: bool = False,
) -> dict[str, Any]:
    """JSON-encode a value; one over `limit` bytes goes to S3, leaving a pointer. Values of a
    run are written `live` (never expired) unless `ended`; events are ended from the start."""
    return _dump_text(
        run_id, name, attr, json.dumps(value, separators=(",", ":")), limit, ended=ended
    )


def _dump_text(
    run_id: str,
    name: str,
    attr: str,
    text: str,
    limit: int = INLINE_VALUE_LIMIT_BYTES,
    *,
    ended: bool = False,
) -> dict[str, Any]:
    if len(text.encode()) <= limit:
        return {attr: text}
    key = f"{run_id}/{name}.json" if "/" in run_id else f"runs/{run_id}/{name}.json"
    blobs.put(key, text.encode(), ended=ended or "/" in run_id)
    return {f"{attr}_ref": key}


def _outcome_budget(run: Run) -> int:
    """What the run item has left for its outcome once its event(s) are counted, halved: the
    final write lands the output while the pending record still holds it."""
    return max(0, RUN_ITEM_INLINE_BUDGET_BYTES - run.inline_bytes) // 2


def _load_value(p: dict[str, Any], attr: str) -> object:
    text = _load_text(p, attr)
    return json.loads(text) if text is not None else None


def _load_text(p: dict[str, Any], attr: str) -> str | None:
    if f"{attr}_ref" in p:
        return blobs.get(p[f"{attr}_ref"]).decode()
    if attr in p:
        return str(p[attr])
    return None


class Store:
    def __init__(self) -> None:
        self.table = get_settings().table
        self._ddb: Any = None
        self._written: dict[str, set[str]] = {}  # run -> S3 keys written by this process

    @property
    def ddb(self) -> Any:
        """Made on first use: a cold start that makes no DynamoDB call (the SDK's introspection,
        a dashboard asset, a dropped message) skips the client's ~0.1 s of model loading."""
        if self._ddb is None:
            ddb = aws.client("dynamodb")
            # Once per process: never on data of a newer format (data_format.py).
            data_format.ensure(ddb, self.table)
            self._ddb = ddb
        return self._ddb

    def _track_blob(self, run_id: str, value: dict[str, Any]) -> None:
        """Record on the run item the S3 key a value of the run went to, so the run's end can
        start its retention clock (blobs.mark_ended)."""
        key = next((v for k, v in value.items() if k.endswith("_ref")), None)
        if key is None:
            return
        self._written.setdefault(run_id, set()).add(key)
        try:
            self.ddb.update_item(
                TableName=self.table,
                Key=item_key(f"R#{run_id}", "R"),
                UpdateExpression="ADD blobs :k",
                ConditionExpression="attribute_exists(#pk)",
                ExpressionAttributeNames={"#pk": TABLE_PK},
                ExpressionAttributeValues={":k": {"SS": [key]}},
            )
        except Exception as err:
            if not is_conflict(err):
                raise

    def end_blobs(self, run: Run) -> None:
        """Re-tag the run's S3 values as ended (before its final write: a crash in between
        re-tags them on the retry, a copy in place being harmless)."""
        keys = sorted(set(run.blobs) | self._written.pop(run.run_id, set()))
        if keys:
            blobs.mark_ended(keys)

    def _ttl(self, seconds: float | None = None) -> int:
        return int(clock.now() + (seconds if seconds is not None else self._retention()))

    def _retention(self) -> float:
        return get_settings().retention_days * 86400.0

    # --- events ---------------------------------------------------------------------------
    def put_events(self, events: list[dict[str, Any]]) -> None:
        """Store accepted events; rewriting one with the same id is harmless (same content)."""
        now = clock.now()
        expires_at = self._ttl(max(self._retention(), EVENT_MIN_KEEP_SECONDS))
        requests = []
        for ev in events:
            value = _dump_value(f"events/{ev['id']}", "event", "event", ev)
            item = {
                **item_key(f"E#{ev['id']}", "E"),
                **_item(
                    received_at=now,
                    **value,
                    **index_keys.event_fields(ev, now),
                    **{TABLE_TTL_ATTRIBUTE: expires_at},
                ),
            }
            requests.append({"PutRequest": {"Item": item}})
            # Beside it, its by-name entry, kept as long as the event (listing.py, pauses.py).
            entry = index_keys.recent_event_item(ev, now, expires_at)
            requests.append({"PutRequest": {"Item": entry}})
        chunks = [requests[i : i + 25] for i in range(0, len(requests), 25)]
        if len(chunks) <= 2:
            for chunk in chunks:
                self._write_batch(chunk)
            return
        # A large batch of events (up to 5,000: 400 BatchWriteItem calls) is bound by round
        # trips, not by DynamoDB: a few in flight at once keep it well inside API Gateway's
        # 30 s. boto3 clients are thread-safe.
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=PUT_EVENTS_PARALLEL) as pool:
            list(pool.map(self._write_batch, chunks))

    def _write_batch(self, chunk: list[dict[str, Any]]) -> None:
        pending: dict[str, Any] = {self.table: chunk}
        while pending:
            res = self.ddb.batch_write_item(RequestItems=pending)
            pending = res.get("UnprocessedItems") or {}

    def get_event(self, event_id: str) -> dict[str, Any] | None:
        found = self.get_event_received(event_id)
        return found[0] if found else None

    def get_event_received(self, event_id: str) -> tuple[dict[str, Any], float] | None:
        """The event and when it was received (server time)."""
        res = self.ddb.get_item(
            TableName=self.table, Key=item_key(f"E#{event_id}", "E"), ConsistentRead=True
        )
        item = res.get("Item")
        if not item:
            return None
        plain = _plain(item)
        return _load_value(plain, "event"), float(plain["received_at"])  # type: ignore[return-value]

    def get_event_or_copy(self, event_id: str) -> dict[str, Any] | None:
        """The stored event or, once it has expired, the copy a run it started holds: the
        links that list its runs last as long as those runs (`end_items`), so a live run's
        event stays viewable (the run's dashboard page links to it)."""
        event = self.get_event(event_id)
        if event is not None:
            return event
        run_ids = self.run_ids_for_event(event_id)
        for run in self.get_runs(run_ids[:1]):
            return next((ev for ev in run.events if ev.get("id") == event_id), None)
        return None

    def run_ids_for_event(self, event_id: str) -> list[str]:
        ids = []
        for item in self.query(f"E#{event_id}", "R#"):
            ids.append(item[TABLE_SK]["S"][2:])
        return ids

    # --- runs -------------------------------------------------------------------------------
    def create_run(
        self, run: Run, idempotency_key: str, extra: list[dict[str, Any]] | None = None
    ) -> tuple[str, bool]:
        """Create a run unless `idempotency_key` already started one; returns (run_id, created).

        `extra` transaction items (flow-control state, see `flow/`) commit with the run or not
        at all; when one of their conditions fails, Conflict is raised and nothing was written.
        """
        now = clock.now()
        events_value = _dump_value(
            run.run_id, "events", "events", run.events, ended=run.status in TERMINAL_STATES
        )
        run.inline_bytes = len(events_value.get("events", "").encode())
        run_item = {
            **item_key(f"R#{run.run_id}", "R"),
            **_item(
                function_id=run.function_id,
                status=run.status,
                event_id=run.event_id,
                **events_value,
                created_at=run.created_at,
                next_at=run.next_at,
                parent=json.dumps(run.parent) if run.parent else None,
                output=json.dumps(run.output) if run.output is not None else None,
                ended_at=run.ended_at,
                replay_of=run.replay_of,
                cancel_pauses=json.dumps(run.cancel_pauses) if run.cancel_pauses else None,
                **index_keys.run_fields(run.run_id, run.function_id, run.status, run.created_at),
                **(
                    {TABLE_TTL_ATTRIBUTE: self._ttl()}
                    if run.status in TERMINAL_STATES
                    else sweep_fields(run.run_id, _first_sweep(run))
                ),
            ),
        }
        if "events_ref" in events_value and run.status not in TERMINAL_STATES:
            run_item["blobs"] = {"SS": [events_value["events_ref"]]}
        try:
            self.ddb.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self.table,
                            "Item": {
                                **item_key(f"I#{idempotency_key}", "I"),
                                **_item(
                                    run_id=run.run_id,
                                    **{TABLE_TTL_ATTRIBUTE: int(now + IDEMPOTENCY_SECONDS)},
                                ),
                            },
                            "ConditionExpression": "attribute_not_exists(#pk) OR #ttl < :now",
                            "ExpressionAttributeNames": {
                                "#pk": TABLE_PK,
                                "#ttl": TABLE_TTL_ATTRIBUTE,
                            },
                            "ExpressionAttributeValues": {":now": encode_attr(int(now))},
                        }
                    },
                    {"Put": {"TableName": self.table, "Item": run_item}},
                    {
                        "Put": {
                            "TableName": self.table,
                            "Item": {
                                **item_key(f"E#{run.event_id}", f"R#{run.run_id}"),
                                **_item(
                                    function_id=run.function_id,
                                    # No TTL while the run lives: its end starts the clock.
                                    **(
                                        {TABLE_TTL_ATTRIBUTE: self._ttl()}
                                        if run.status in TERMINAL_STATES
                                        else {}
                                    ),
                                ),
                            },
                        }
                    },
                    *(extra or []),
                ]
            )
            return run.run_id, True
        except Exception as err:
            if not is_conflict(err):
                raise
            reasons = getattr(err, "response", {}).get("CancellationReasons") or []
            if len(reasons) > 3 and reasons[0].get("Code") != "ConditionalCheckFailed":
                raise Conflict("flow-control state changed while creating the run") from err
        res = self.ddb.get_item(
            TableName=self.table, Key=item_key(f"I#{idempotency_key}", "I"), ConsistentRead=True
        )
        return res["Item"]["run_id"]["S"], False

    def get_run(self, run_id: str) -> Run | None:
        res = self.ddb.get_item(
            TableName=self.table, Key=item_key(f"R#{run_id}", "R"), ConsistentRead=True
        )
        return Run.from_item(res["Item"]) if "Item" in res else None

    def get_runs(self, run_ids: list[str]) -> list[Run]:
        runs: list[Run] = []
        for i in range(0, len(run_ids), 100):
            keys = [item_key(f"R#{rid}", "R") for rid in run_ids[i : i + 100]]
            pending: dict[str, Any] = {self.table: {"Keys": keys, "ConsistentRead": True}}
            while pending:
                res = self.ddb.batch_get_item(RequestItems=pending)
                runs.extend(Run.from_item(it) for it in res["Responses"].get(self.table, []))
                pending = res.get("UnprocessedKeys") or {}
        return sorted(runs, key=lambda r: r.run_id)

    def replay_link(self, original: Run, replay_id: str, *, live: bool) -> list[dict[str, Any]]:
        """The transaction items that record a replay on the original run (`create_run` extra).

        The link is listed with the original, so it lives as long as the original: `live` (the
        original has not begun to end), it has no TTL and the original's item lists the replay,
        on condition that it still has not begun to end (else Conflict: try again with `live`
        False); its end gives the link its TTL (`end_items`). Once the original is ending or
        has ended, the link expires the retention from now, after the original."""
        link = {
            **item_key(f"R#{original.run_id}", f"X#{replay_id}"),
            **_item(created_at=clock.now(), **({} if live else {TABLE_TTL_ATTRIBUTE: self._ttl()})),
        }
        items: list[dict[str, Any]] = [{"Put": {"TableName": self.table, "Item": link}}]
        if live:
            items.append(
                {
                    "Update": {
                        "TableName": self.table,
                        "Key": item_key(f"R#{original.run_id}", "R"),
                        "UpdateExpression": "ADD replays :r",
                        "ConditionExpression": "#st IN (:q, :run) "
                        "AND attribute_not_exists(finishing)",
                        "ExpressionAttributeNames": {"#st": "status"},
                        "ExpressionAttributeValues": {
                            ":r": {"SS": [replay_id]},
                            ":q": encode_attr("Queued"),
                            ":run": encode_attr("Running"),
                        },
                    }
                }
            )
        return items

    def replays_of(self, run_id: str) -> list[str]:
        """Ids of the runs that replay this one, oldest first."""
        return sorted(item[TABLE_SK]["S"][2:] for item in self.query(f"R#{run_id}", "X#"))

    def load_steps(self, run_id: str) -> dict[str, Step]:
        return {
            step.step_id: step
            for step in (Step.from_item(it) for it in self.query(f"R#{run_id}", "S#"))
        }

    def query(self, pk: str, sk_prefix: str | None = None) -> Iterable[dict[str, Any]]:
        """Every item of a partition (optionally those whose sort key starts with a prefix)."""
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": {"#pk": TABLE_PK},
            "ExpressionAttributeValues": {":pk": {"S": pk}},
            "ConsistentRead": True,
        }
        if sk_prefix:
            kwargs["KeyConditionExpression"] += " AND begins_with(#sk, :sk)"
            kwargs["ExpressionAttributeNames"]["#sk"] = TABLE_SK
            kwargs["ExpressionAttributeValues"][":sk"] = {"S": sk_prefix}
        while True:
            res = self.ddb.query(**kwargs)
            yield from res.get("Items", [])
            if "LastEvaluatedKey" not in res:
                return
            kwargs["ExclusiveStartKey"] = res["LastEvaluatedKey"]

    def acquire_lease(self, run_id: str, owner: str, until: float) -> tuple[Run | None, Run | None]:
        """Take the run for this invocation; returns (run if acquired, run as it was if refused).

        Refused when another live invocation holds the lease, when the run has ended, or when
        the run is parked until later (`next_at`): a message that arrives early is a duplicate
        and must not drive the run.
        """
        now = clock.now()
        try:
            res = self.ddb.update_item(
                TableName=self.table,
                Key=item_key(f"R#{run_id}", "R"),
                UpdateExpression=(
                    "SET lease_owner = :owner, lease_until = :until, #st = :running, "
                    "started_at = if_not_exists(started_at, :now), "
                    "#shard = :shard, #sweep = :sweep"
                ),
                ConditionExpression=(
                    "attribute_exists(#pk) AND #st IN (:queued, :running) "
                    "AND (attribute_not_exists(lease_owner) OR lease_until < :now) "
                    "AND (attribute_not_exists(next_at) OR next_at <= :soon "
                    "OR attribute_exists(finishing))"
                ),
                ExpressionAttributeNames={"#pk": TABLE_PK, "#st": "status", **_SWEEP_NAMES},
                ExpressionAttributeValues={
                    ":owner": encode_attr(owner),
                    ":until": encode_attr(until),
                    ":running": encode_attr("Running"),
                    ":queued": encode_attr("Queued"),
                    ":now": encode_attr(now),
                    ":soon": encode_attr(now + 0.5),
                    **_sweep_values(run_id, until),
                },
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
            return Run.from_item(res["Attributes"]), None
        except Exception as err:
            if not is_conflict(err):
                raise
            old = getattr(err, "response", {}).get("Item")
            return None, Run.from_item(old) if old else self.get_run(run_id)

    def park(
        self,
        run: Run,
        owner: str,
        next_at: float,
        deferred: list[dict[str, Any]] | None = None,
    ) -> bool:
        """Release the lease until `next_at`; refused if somebody resumed the run meanwhile.

        `deferred` step puts are written in the same transaction (a sleep's wake-up: the sleep
        that ended and the next one are recorded with the park, one write).

        A run parked until a time stays in the sweep index (due then); one that waits for
        something else (NEVER: an invoke, a concurrency slot) leaves it: whatever it waits for
        wakes it, and the wake puts it back."""
        timed = next_at < NEVER
        update = {
            "TableName": self.table,
            "Key": item_key(f"R#{run.run_id}", "R"),
            "UpdateExpression": (
                "SET next_at = :next, fn_attempt = :fa"
                + (", #shard = :shard, #sweep = :sweep" if timed else "")
                + " REMOVE lease_owner, lease_until, sweeps"
                + ("" if timed else ", #shard, #sweep")
            ),
            "ConditionExpression": (
                "lease_owner = :owner AND (attribute_not_exists(wake_seq) OR wake_seq = :seq)"
            ),
            "ExpressionAttributeNames": _SWEEP_NAMES,
            "ExpressionAttributeValues": {
                **(_sweep_values(run.run_id, max(next_at, clock.now())) if timed else {}),
                ":next": encode_attr(next_at),
                ":fa": encode_attr(run.fn_attempt),
                ":owner": encode_attr(owner),
                ":seq": encode_attr(run.wake_seq),
            },
        }
        try:
            if deferred:
                self.ddb.transact_write_items(
                    TransactItems=[*({"Put": put} for put in deferred), {"Update": update}]
                )
            else:
                self.ddb.update_item(**update)
            return True
        except Exception as err:
            if is_conflict(err):
                return False
            raise

    def renew_lease(self, run_id: str, owner: str, until: float) -> bool:
        """Extend a lease this invocation holds (the drive's heartbeat); False if it was lost."""
        try:
            self.ddb.update_item(
                TableName=self.table,
                Key=item_key(f"R#{run_id}", "R"),
                UpdateExpression="SET lease_until = :until, #shard = :shard, #sweep = :sweep",
                ConditionExpression="lease_owner = :owner",
                ExpressionAttributeNames=_SWEEP_NAMES,
                ExpressionAttributeValues={
                    ":owner": encode_attr(owner),
                    ":until": encode_attr(until),
                    **_sweep_values(run_id, until),
                },
            )
            return True
        except Exception as err:
            if is_conflict(err):
                return False
            raise

    def request_cancel(self, run_id: str, reason: str) -> bool:
        """Flag a running run for cancellation and wake it; False if it has ended already.

        From this write on the run is Cancelled for every reader: `visible_status` for those
        that load the run, and for the listings (dashboard, CLI, `GET /v1/runs`, counts) the
        same write moves its status-index entry to Cancelled and sets `ended_at`, which the
        index projects (see listing). No write of the invocation driving it can succeed
        (`put_step(owner=...)`, `set_finishing`), so a response that arrives later is
        discarded. A run already recording its end (`finishing`) has ended."""
        found = self.ddb.get_item(
            TableName=self.table,
            Key=item_key(f"R#{run_id}", "R"),
            ProjectionExpression="function_id",
            ConsistentRead=True,
        ).get("Item")
        if not found:
            return False
        function_id = str(decode_attr(found["function_id"]))
        now = clock.now()
        try:
            self.ddb.update_item(
                TableName=self.table,
                Key=item_key(f"R#{run_id}", "R"),
                UpdateExpression="SET cancel = if_not_exists(cancel, :why), "
                "cancel_at = if_not_exists(cancel_at, :now), "
                "ended_at = if_not_exists(ended_at, :now), #lst = :lst, next_at = :zero, "
                "#shard = :shard, #sweep = :sweep ADD wake_seq :one",
                ConditionExpression="attribute_exists(#pk) AND #st IN (:q, :r) "
                "AND attribute_not_exists(finishing) AND function_id = :fn",
                ExpressionAttributeNames={
                    "#pk": TABLE_PK,
                    "#st": "status",
                    "#lst": LIST_FUNCTION_STATUS,
                    **_SWEEP_NAMES,
                },
                ExpressionAttributeValues={
                    **_sweep_values(run_id, now),
                    ":why": encode_attr(reason),
                    ":now": encode_attr(now),
                    ":zero": encode_attr(0),
                    ":one": encode_attr(1),
                    ":q": encode_attr("Queued"),
                    ":r": encode_attr("Running"),
                    ":fn": encode_attr(function_id),
                    ":lst": encode_attr(index_keys.status_key(function_id, "Cancelled")),
                },
            )
            return True
        except Exception as err:
            if is_conflict(err):
                return False
            raise

    def release(self, run_id: str, owner: str, retry_in: float = 0.0) -> None:
        """Give the lease back after an error, so the retried message need not wait it out;
        the sweeper steps in if that message does not come back `retry_in` from now."""
        try:
            self.ddb.update_item(
                TableName=self.table,
                Key=item_key(f"R#{run_id}", "R"),
                UpdateExpression="SET #shard = :shard, #sweep = :sweep "
                "REMOVE lease_owner, lease_until",
                ConditionExpression="lease_owner = :owner",
                ExpressionAttributeNames=_SWEEP_NAMES,
                ExpressionAttributeValues={
                    ":owner": encode_attr(owner),
                    **_sweep_values(run_id, clock.now() + retry_in),
                },
            )
        except Exception as err:
            if not is_conflict(err):
                raise

    def wake(self, run_id: str) -> bool:
        """Mark a run runnable now (a waited-for thing happened); parking after this is refused."""
        try:
            self.ddb.update_item(
                TableName=self.table,
                Key=item_key(f"R#{run_id}", "R"),
                UpdateExpression="SET next_at = :zero, #shard = :shard, #sweep = :sweep "
                "ADD wake_seq :one",
                ConditionExpression="attribute_exists(#pk) AND #st IN (:q, :r)",
                ExpressionAttributeNames={"#pk": TABLE_PK, "#st": "status", **_SWEEP_NAMES},
                ExpressionAttributeValues={
                    **_sweep_values(run_id, clock.now()),
                    ":zero": encode_attr(0),
                    ":one": encode_attr(1),
                    ":q": encode_attr("Queued"),
                    ":r": encode_attr("Running"),
                },
            )
            return True
        except Exception as err:
            if is_conflict(err):
                return False  # gone or finished: nothing to wake
            raise

    def set_finishing(self, run: Run, owner: str, finishing: dict[str, Any]) -> None:
        """Record the outcome before emitting its events, so a crash in between can resume.

        Any outcome but Cancelled is refused once a cancel was requested (CancelRequested)."""
        values = _dump_value(run.run_id, "finishing", "finishing", finishing, _outcome_budget(run))
        self._track_blob(run.run_id, values)
        if "finishing_ref" in values:  # large outputs live in S3; keep the pointer inline
            values = {"finishing": json.dumps({"ref": values["finishing_ref"]})}
        item = self._update_owned(
            run.run_id,
            owner,
            {"finishing": values["finishing"]},
            unless_cancelled=finishing.get("status") != "Cancelled",
            returns=True,
        )
        # From this write on no replay is listed on the run any more (`replay_link`): the item
        # as written names every replay whose link waits for the end to get its TTL.
        run.replays = sorted((item or {}).get("replays", {}).get("SS", []))

    def record_conc_shards(self, run: Run, owner: str, shards: dict[str, int]) -> None:
        """Which shard of each sharded concurrency key the run is about to take: written before
        the slot, so a drive after a crash renews that entry instead of taking a second one."""
        self._update_owned(run.run_id, owner, {"conc_shards": json.dumps(shards, sort_keys=True)})
        run.conc_shards = dict(shards)

    def mark_cancels_checked(self, run_id: str, next_at: float) -> bool:
        """A run not started yet whose cancel pauses were written with it has had their
        look-back (`run_cancels`): flag it, and let the sweep index wait for its start time.
        False (nothing written) when it was cancelled or started meanwhile."""
        try:
            self.ddb.update_item(
                TableName=self.table,
                Key=item_key(f"R#{run_id}", "R"),
                UpdateExpression="SET cancels_opened = :yes, #shard = :shard, #sweep = :sweep",
                ConditionExpression="#st = :queued AND attribute_not_exists(cancel) "
                "AND attribute_not_exists(lease_owner)",
                ExpressionAttributeNames={"#st": "status", **_SWEEP_NAMES},
                ExpressionAttributeValues={
                    ":yes": encode_attr(True),
                    ":queued": encode_attr("Queued"),
                    **_sweep_values(run_id, next_at),
                },
            )
            return True
        except Exception as err:
            if is_conflict(err):
                return False
            raise

    def mark_cancels_opened(self, run: Run, owner: str, keys: list[tuple[str, str]]) -> None:
        """`keys`: the pauses written, for the run's end to delete (they carry no TTL)."""
        pauses = json.dumps(keys)
        self._update_owned(run.run_id, owner, {"cancels_opened": True, "cancel_pauses": pauses})
        run.cancels_opened = True
        run.cancel_pauses = [tuple(k) for k in keys]

    def load_finishing(self, run: Run) -> dict[str, Any] | None:
        if run.finishing and set(run.finishing) == {"ref"}:
            return json.loads(blobs.get(run.finishing["ref"]))
        return run.finishing

    def finish(self, run: Run, owner: str, status: str, output: object, error: object) -> None:
        fields: dict[str, Any] = {
            "status": status,
            "ended_at": clock.now(),
            **index_keys.status_fields(run.function_id, status),
        }
        # A cancelled run ended when the cancel was recorded (request_cancel set `ended_at`).
        keep = ("ended_at",) if status == "Cancelled" else ()
        # The pending record goes as the outcome lands: the item never holds the output twice.
        if error is not None:
            fields.update(
                _dump_value(run.run_id, "error", "error", error, _outcome_budget(run), ended=True)
            )
        else:
            fields.update(
                _dump_value(
                    run.run_id, "output", "output", output, _outcome_budget(run), ended=True
                )
            )
        fields[TABLE_TTL_ATTRIBUTE] = self._ttl()  # retention counts from the end of the run
        self._update_owned(
            run.run_id,
            owner,
            fields,
            remove=(
                "lease_owner",
                "lease_until",
                "next_at",
                "sweeps",
                "finishing",
                SWEEP_SHARD_ATTRIBUTE,
                SWEEP_AT_ATTRIBUTE,
            ),
            keep=keep,
        )

    def end_items(
        self, run: Run, step_ids: Iterable[str], pause_keys: Iterable[tuple[str, str]] = ()
    ) -> None:
        """Start the retention clock of everything an ended run owns, which carries no TTL
        while the run may still need it: its steps, the links from its events and to the
        replays made while it lived (TTL from now), its `cancel=` pauses (deleted). Before the
        run's final write, so a crash in between repeats this on the retry; 100 items per
        TransactWriteItems call."""
        ttl = encode_attr(self._ttl())
        owned = [f"S#{step_id}" for step_id in sorted(set(step_ids))]
        owned += [f"X#{replay_id}" for replay_id in sorted(set(run.replays))]
        writes: list[dict[str, Any]] = [
            {
                "Update": {
                    "TableName": self.table,
                    "Key": item_key(f"R#{run.run_id}", sk),
                    "UpdateExpression": "SET #ttl = :ttl",
                    "ExpressionAttributeNames": {"#ttl": TABLE_TTL_ATTRIBUTE},
                    "ExpressionAttributeValues": {":ttl": ttl},
                }
            }
            for sk in owned
        ]
        event_ids = {run.event_id, *(ev.get("id") for ev in run.events)} - {None, ""}
        writes += [
            {
                "Put": {
                    "TableName": self.table,
                    "Item": {
                        **item_key(f"E#{event_id}", f"R#{run.run_id}"),
                        "function_id": encode_attr(run.function_id),
                        TABLE_TTL_ATTRIBUTE: ttl,
                    },
                }
            }
            for event_id in sorted(event_ids)  # type: ignore[type-var]
        ]
        writes += [
            {"Delete": {"TableName": self.table, "Key": item_key(pk, sk)}}
            for pk, sk in sorted(set(pause_keys))
        ]
        for i in range(0, len(writes), 100):
            self.ddb.transact_write_items(TransactItems=writes[i : i + 100])

    def _update_owned(
        self,
        run_id: str,
        owner: str,
        fields: dict[str, Any],
        remove: tuple[str, ...] = (),
        *,
        unless_cancelled: bool = False,
        keep: tuple[str, ...] = (),
        returns: bool = False,
    ) -> dict[str, Any] | None:
        """`fields` set on the run item by its lease holder; those named in `keep` only where
        the item has none yet. `returns`: the item as written (raw attributes)."""
        names = {f"#f{i}": k for i, k in enumerate(fields)}
        values = {f":v{i}": encode_attr(v) for i, v in enumerate(fields.values())}
        expr = "SET " + ", ".join(
            f"#f{i} = if_not_exists(#f{i}, :v{i})" if k in keep else f"#f{i} = :v{i}"
            for i, k in enumerate(fields)
        )
        if remove:
            expr += " REMOVE " + ", ".join(remove)
        condition = "lease_owner = :owner"
        if unless_cancelled:
            condition += " AND attribute_not_exists(cancel)"
        try:
            res = self.ddb.update_item(
                TableName=self.table,
                Key=item_key(f"R#{run_id}", "R"),
                UpdateExpression=expr,
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues={**values, ":owner": encode_attr(owner)},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
                **({"ReturnValues": "ALL_NEW"} if returns else {}),
            )
        except Exception as err:
            if is_conflict(err):
                raise _refusal(run_id, owner, getattr(err, "response", {}).get("Item")) from err
            raise
        return res.get("Attributes") if returns else None

    # --- steps ------------------------------------------------------------------------------
    def put_step(
        self,
        run_id: str,
        step: Step,
        *,
        only_if_absent: bool,
        owner: str | None = None,
        deferred: list[dict[str, Any]] | None = None,
    ) -> Step | None:
        """Write a new step; with only_if_absent returns the existing one instead of replacing.

        With `owner` (the driving invocation) the write is one transaction with a check that
        the invocation still holds the run's lease and no cancel was requested: the step
        boundary sees a cancel without a read of its own. Refused: Conflict / CancelRequested.
        `deferred` step puts (see `step_put`) are written in the same transaction.
        """
        kwargs = self.step_put(run_id, step, only_if_absent=only_if_absent)
        deferred = deferred or []
        try:
            if owner is None:
                self.ddb.put_item(**kwargs)
            else:
                self._write_fenced(run_id, owner, [*deferred, kwargs])
            return None
        except Exception as err:
            if not is_conflict(err):
                raise
            response = getattr(err, "response", {})
            reasons = response.get("CancellationReasons") or []
            if reasons and reasons[-1].get("Code") == "ConditionalCheckFailed":
                raise _refusal(run_id, owner or "", reasons[-1].get("Item")) from err
            if any(r.get("Code") == "ConditionalCheckFailed" for r in reasons[: len(deferred)]):
                raise Stale(f"run {run_id}: a step changed under its driving invocation") from err
            old = reasons[-2].get("Item") if reasons else response.get("Item")
            if old:
                return Step.from_item(old)
            existing = self.load_steps(run_id).get(step.step_id)
            if existing is None:
                raise
            return existing

    def write_steps(self, run_id: str, owner: str, deferred: list[dict[str, Any]]) -> None:
        """Write deferred step puts now, fenced like `put_step`."""
        try:
            self._write_fenced(run_id, owner, deferred)
        except Exception as err:
            if not is_conflict(err):
                raise
            reasons = getattr(err, "response", {}).get("CancellationReasons") or []
            if reasons and reasons[-1].get("Code") == "ConditionalCheckFailed":
                raise _refusal(run_id, owner, reasons[-1].get("Item")) from err
            raise Stale(f"run {run_id}: a step changed under its driving invocation") from err

    def step_put(self, run_id: str, step: Step, *, only_if_absent: bool) -> dict[str, Any]:
        """The PutItem request that records `step` (written now, or deferred into the run's
        next write: see the executor's sleeps)."""
        item = {
            **item_key(f"R#{run_id}", f"S#{step.step_id}"),
            **_item(
                name=step.name,
                op=step.op,
                status=step.status,
                seq=step.seq,
                attempt=step.attempt,
                due_at=step.due_at,
                error=json.dumps(step.error) if step.error else None,
                started_at=step.started_at,
                ended_at=step.ended_at,
                info=json.dumps(step.info) if step.info else None,
            ),
        }
        if step.memo is not MISSING:
            if step.memo_text is None:  # serialized once, here; requests reuse the text
                step.memo_text = json.dumps(step.memo, separators=(",", ":"))
            memo = _dump_text(run_id, step.step_id, "memo", step.memo_text)
            self._track_blob(run_id, memo)
            for k, v in memo.items():
                item[k] = encode_attr(v)
        kwargs: dict[str, Any] = {"TableName": self.table, "Item": item}
        if only_if_absent:
            kwargs["ConditionExpression"] = "attribute_not_exists(#pk)"
            kwargs["ExpressionAttributeNames"] = {"#pk": TABLE_PK}
            kwargs["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        else:
            # Never overwrite a finished step: its memo is what every later replay relies on.
            kwargs["ConditionExpression"] = "attribute_not_exists(#pk) OR NOT #st IN (:c, :f)"
            kwargs["ExpressionAttributeNames"] = {"#pk": TABLE_PK, "#st": "status"}
            kwargs["ExpressionAttributeValues"] = {
                ":c": encode_attr(COMPLETED),
                ":f": encode_attr(FAILED),
            }
        return kwargs

    def _write_fenced(self, run_id: str, owner: str, puts: list[dict[str, Any]]) -> None:
        self.ddb.transact_write_items(
            TransactItems=[
                *({"Put": put} for put in puts),
                {
                    "ConditionCheck": {
                        "TableName": self.table,
                        "Key": item_key(f"R#{run_id}", "R"),
                        "ConditionExpression": "lease_owner = :owner AND "
                        "attribute_not_exists(cancel)",
                        "ExpressionAttributeValues": {":owner": encode_attr(owner)},
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    }
                },
            ]
        )

    def resolve_waiting(
        self, run_id: str, step_id: str, status: str, memo: object, error: object = None
    ) -> bool:
        """Finish a step that waits on something outside the run; only the first resolver wins."""
        fields: dict[str, Any] = {"status": status, "ended_at": clock.now()}
        stored = _dump_value(run_id, step_id, "memo", memo)
        self._track_blob(run_id, stored)
        fields.update(stored)
        if error is not None:
            fields["error"] = json.dumps(error)
        names = {f"#f{i}": k for i, k in enumerate(fields)}
        values = {f":v{i}": encode_attr(v) for i, v in enumerate(fields.values())}
        try:
            self.ddb.update_item(
                TableName=self.table,
                Key=item_key(f"R#{run_id}", f"S#{step_id}"),
                UpdateExpression="SET " + ", ".join(f"#f{i} = :v{i}" for i in range(len(fields))),
                ConditionExpression="#st = :waiting",
                ExpressionAttributeNames={**names, "#st": "status"},
                ExpressionAttributeValues={**values, ":waiting": encode_attr(WAITING)},
            )
            return True
        except Exception as err:
            if is_conflict(err):
                return False
            raise

    # --- apps registered from a URL --------------------------------------------------------
    def put_app(self, app_id: str, url: str, functions: list[dict[str, Any]]) -> None:
        self.ddb.put_item(
            TableName=self.table,
            Item={
                **item_key("APPS", f"A#{app_id}"),
                **_item(url=url, functions=json.dumps(functions), updated_at=clock.now()),
            },
        )

    def list_apps(self) -> list[dict[str, Any]]:
        """Stored apps; one whose item cannot be decoded comes back with `functions: None`
        (the registry skips it) rather than failing the read of every app."""
        out = []
        for it in self.query("APPS", "A#"):
            try:
                functions = json.loads(it["functions"]["S"])
            except (KeyError, ValueError):
                functions = None
            url = it.get("url", {}).get("S")
            out.append({"app_id": it[TABLE_SK]["S"][2:], "url": url, "functions": functions})
        return out
