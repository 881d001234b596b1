"""`debounce=Debounce(period, key, timeout)`: one run per burst, with the burst's last event.

State `F#<fn>#debounce#<key digest>` / `D`: `run_id` (the run the burst will start), the last
`event_id`, `first_at`, `due_at` and a version `ver`. Each matching event moves `due_at` to
`now + period` (capped at `first_at + timeout`) with a conditional update on `ver`.

Each event also claims its place (`FE#<fn>#<event id>` / `D`, in the same transaction as the
state write, condition: no claim yet), so an event the client sends again (its answer was
lost) folds into nothing: not into a later burst after its own fired, and not over a later
event of its own pending burst.

One `debounce` message is armed when a burst opens, sent *before* the state is written (a crash
in between leaves only a message that finds nothing). A message that arrives before `due_at`
re-arms itself for `due_at`, so extending a burst costs no message. A message at or after
`due_at` fires: the run is created and the state deleted (condition: `ver` unchanged) in one
transaction, so an event racing with the fire either made it into the run or opens a new burst,
never neither. Duplicate and late messages find the state gone and do nothing.

The state is in the sweep index at `due_at` plus the grace (same write, no extra cost): if the
invocation handling the message dies, the sweeper sends the message again within about a
minute instead of SQS returning it 6 Lambda timeouts later (`sweeper.py`).

DynamoDB per event: 1 GetItem + 1 two-item transaction (+1 SQS message when a burst opens). Per run
start: 1 GetItem of the state + 1 GetItem of the last event + the creation transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from inngest_lambda.core import clock, ids
from inngest_lambda.flow import admission, state
from inngest_lambda.flow.config import Debounce
from inngest_lambda.scheduling import timers
from inngest_lambda.settings import (
    SWEEP_AT_ATTRIBUTE,
    SWEEP_GRACE_SECONDS,
    SWEEP_SHARD_ATTRIBUTE,
    SWEEPS_ATTRIBUTE,
)
from inngest_lambda.storage import flow_items
from inngest_lambda.storage.store import Conflict, sweep_shard

if TYPE_CHECKING:
    from inngest_lambda.apps.registry import FunctionEntry
    from inngest_lambda.flow.seams import Executor
    from inngest_lambda.storage.store import Store


KIND = "debounce"
SK = "D"
MAX_TRIES = 20
EARLY_SECONDS = 0.5


def add(store: Store, fn: FunctionEntry, cfg: Debounce, event: dict[str, Any]) -> None:
    """Fold one matching event into its key's burst (opening one if none is pending)."""
    pk = state.pk(fn.id, "debounce", state.key_value(cfg.key, event))
    for _ in range(MAX_TRIES):
        now = clock.now()
        item = state.get(store, pk, SK)
        if item is not None and item.get("event_id") == event["id"]:
            return  # a duplicate delivery of the event already folded in
        first_at = float(item["first_at"]) if item else now
        due = now + cfg.period
        if cfg.timeout is not None:
            due = min(due, first_at + cfg.timeout)
        if item is None:
            run_id = ids.new_id()
            timers.send_at(fire_message(fn.id, pk, run_id), due, f"{pk}:{run_id}")
        else:
            run_id = item["run_id"]
        if _write(store, fn.id, pk, item, run_id, event["id"], first_at, due):
            return  # folded in now, or by an earlier delivery of the event
    raise Conflict(f"debounce state {pk} kept changing")


def _write(
    store: Store,
    fn_id: str,
    pk: str,
    item: dict[str, Any] | None,
    run_id: str,
    event_id: str,
    first_at: float,
    due: float,
) -> bool:
    """True when the event is in a burst (now, or by an earlier delivery); False when the
    state changed meanwhile (read it again)."""
    ttl = state.enc(int(due + 7 * 86400))
    values = {
        ":run": state.enc(run_id),
        ":ev": state.enc(event_id),
        ":first": state.enc(first_at),
        ":due": state.enc(due),
        ":ttl": ttl,
        ":fn": state.enc(fn_id),
        ":shard": state.enc(sweep_shard(run_id)),
        ":sweep": state.enc(due + SWEEP_GRACE_SECONDS),
    }
    names = {
        "#ttl": state.TABLE_TTL_ATTRIBUTE,
        "#shard": SWEEP_SHARD_ATTRIBUTE,
        "#sweep": SWEEP_AT_ATTRIBUTE,
        "#sweeps": SWEEPS_ATTRIBUTE,
    }
    if item is None:
        condition = "attribute_not_exists(#pk)"
        values[":ver"] = state.enc(1)
    else:
        condition = "ver = :old"
        values[":old"] = state.enc(int(item["ver"]))
        values[":ver"] = state.enc(int(item["ver"]) + 1)
    update = {
        "TableName": store.table,
        "Key": state.key(pk, SK),
        "UpdateExpression": (
            "SET run_id = :run, event_id = :ev, first_at = :first, due_at = :due, "
            "ver = :ver, #ttl = :ttl, function_id = :fn, #shard = :shard, #sweep = :sweep "
            "REMOVE #sweeps"
        ),
        "ConditionExpression": condition,
        "ExpressionAttributeNames": {**names, "#pk": state.TABLE_PK} if item is None else names,
        "ExpressionAttributeValues": values,
    }
    claim = {
        "TableName": store.table,
        "Item": {
            **state.claim_key(fn_id, event_id, SK),
            "run_id": state.enc(run_id),
            state.TABLE_TTL_ATTRIBUTE: ttl,
        },
        "ConditionExpression": "attribute_not_exists(#pk)",
        "ExpressionAttributeNames": {"#pk": state.TABLE_PK},
    }
    try:
        flow_items.transact(store, [{"Update": update}, {"Put": claim}])
        return True
    except Exception as err:
        if not state.is_conflict(err):
            raise
        reasons = getattr(err, "response", {}).get("CancellationReasons") or []
        # Claimed already: an earlier delivery of this event is in a burst.
        return len(reasons) > 1 and reasons[1].get("Code") == "ConditionalCheckFailed"


def fire_message(fn_id: str, pk: str, run_id: str) -> dict[str, Any]:
    """The message that fires a burst (also sent by the sweeper for an overdue one)."""
    return {"kind": KIND, "function_id": fn_id, "pk": pk, "run_id": run_id}


def handle(executor: Executor, message: dict[str, Any]) -> float | None:
    """A `debounce` message: fire the burst if it is due, else re-arm for when it is."""
    fn = executor.registry.get(message.get("function_id") or "")
    pk = message.get("pk")
    if fn is None or not isinstance(pk, str):
        return None
    store = executor.store
    for _ in range(MAX_TRIES):
        item = state.get(store, pk, SK)
        burst = message.get("run_id")
        if item is None or (isinstance(burst, str) and item["run_id"] != burst):
            # This burst fired already (a newer one, if any, has its own message). If the
            # invocation that fired it died before queueing its run, this redelivery does.
            if isinstance(burst, str):
                admission.resume(executor.ingestor, burst)
            return None
        due = float(item["due_at"])
        if due > clock.now() + EARLY_SECONDS:
            timers.send_at(
                fire_message(fn.id, pk, item["run_id"]), due, f"{pk}:{item['run_id']}:{due}"
            )
            return None
        if _fire(executor, fn, pk, item):
            return None
    return 1.0


def _fire(executor: Executor, fn: FunctionEntry, pk: str, item: dict[str, Any]) -> bool:
    """Create the burst's run and close the burst; False if an event moved it meanwhile."""
    store = executor.store
    event = store.get_event(item["event_id"])
    if event is None:  # the event outlived its retention: nothing to run with
        _close(store, pk, int(item["ver"]))
        return True
    close = {
        "Delete": {
            "TableName": store.table,
            "Key": state.key(pk, SK),
            "ConditionExpression": "ver = :ver",
            "ExpressionAttributeValues": {":ver": state.enc(int(item["ver"]))},
        }
    }
    run_id = item["run_id"]
    dedupe = admission.dedupe_key(fn, event, f"{fn.id}#debounce#{run_id}")
    try:
        created = admission.create(
            executor.ingestor, fn, [event], dedupe=dedupe, run_id=run_id, extra=[close]
        )
    except Conflict:
        return False
    if created != run_id:  # an idempotency key had started a run already: just close
        _close(store, pk, int(item["ver"]))
    return True


def _close(store: Store, pk: str, ver: int) -> None:
    state.delete_if(store, pk, SK, "ver", ver)
