"""`concurrency=[Concurrency(limit, key, scope)]`: at most `limit` runs executing per key.

Layout per limit and key (`<slot>` is `F#<fn>#conc<i>#<key digest>` for `scope="fn"`, or
`F#~<scope>#conc#<key digest>` for `env`/`account`, shared by every function using that key):

    <slot> / C              holders: {run_id: lease_until}, ver, waiting (count of waiters)
    <slot>#W / <score>#<run_id>   one waiting run; score = created ms - priority ms

A run holds a slot while an invocation executes its steps (from before its first SDK request
until the drive parks, hands over or finishes), never while it sleeps or waits: the executor
gives its slots back before it parks the run and before it records the run's end. Holding is a
lease (the invocation's deadline), so a slot held by a crashed invocation frees itself; taking
and giving back are conditional writes on `ver`, so any number of concurrent invocations see at
most `limit` live holders.

Queued work waits in the `#W` list, ordered by score (FIFO by creation, moved up by priority).
A run may take a free slot only when no waiter has a better score; whoever gives a slot back
(or finds capacity free on the way out) wakes the head waiter (`Store.wake` + a queue message).
After enqueueing, a blocked run tries once more before parking, so a release in between is
never missed (a wake that lands while it parks makes the park fail and it tries again).
Waiters park without timers: every way a slot frees is followed by a wake. A holder that
crashed is driven again when SQS redelivers its message, and gives the slot back then; a run
that finds capacity free but a better waiter parked and not woken wakes that waiter, and drops
waiters whose run has ended. Between steps a holder yields to a better-scored waiter (priority
preempts at step boundaries). Parallel steps of one run share its slot.

DynamoDB per run start, uncontended: 1 GetItem + 1 UpdateItem to take a slot, 1 UpdateItem to
give it back; +1 GetItem per later step (the yield check). Waiting adds a 2-item transaction to
enqueue and one to dequeue, and one Query for the head on each release; a run that ends while
others wait reads its own entry (one GetItem) to leave the list if it is still on it.

Waiting-list entries carry no TTL: a run may wait longer than any fixed TTL (a backlog, a low
priority), and an entry that expired under a parked waiter would leave it asleep for good.
An entry goes when its run is admitted (in the transaction that takes the slot) or ends
(`release(leaving=True)`, before the run's end is recorded, so a crash repeats it); an entry
whose run ended some other way is dropped when it reaches the head of the list.

Sharding (limits over PER_SHARD): one item holding every holder would be one hot
partition key (1,000 write units/s, and 40 bytes per holder: 40 write units per write at a limit
of 1,000). The holders are split over `shard_count(limit)` items instead, `<slot>` (shard 0) and
`<slot>#s<i>`, shard i admitting `shard_limit(i)` runs; the shard limits add up to the limit, and
each shard is taken with the same conditional write, so the sum of live holders never exceeds
the limit. A run tries the shard it chose last (or a random one), then reads the others in one
BatchGetItem and takes one with room; it records its choice on the run (`Run.conc_shards`)
before writing the shard, so a drive after a crash renews its own entry rather than taking a
second one, and gives back the shard it holds. The waiting list and its count stay on shard 0
(written only when runs wait), so ordering among waiters is unchanged. Changing a function's
limit across a shard-count boundary re-splits it: holders of shards that no longer exist keep
their slot until they give it back, so for that while the old and new limits overlap.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from inngest_lambda.core import clock
from inngest_lambda.flow import state
from inngest_lambda.flow.config import FlowConfig
from inngest_lambda.scheduling import queue
from inngest_lambda.storage import flow_items

if TYPE_CHECKING:
    from inngest_lambda.storage.store import Store


SK = "C"
MAX_TRIES = 25
EARLY_SECONDS = 0.5
# Holders per shard item: about 100 + 40 x 20 bytes, under the 1 KB of one write unit.
PER_SHARD = 20
MAX_SHARDS = 50  # a full fallback read is one BatchGetItem (at most 100 keys)


def shard_count(limit: int) -> int:
    """1 up to PER_SHARD (the layout of an unsharded key), else enough shards of at most
    PER_SHARD holders each, up to MAX_SHARDS."""
    return max(1, min(MAX_SHARDS, -(-limit // PER_SHARD)))


@dataclasses.dataclass(frozen=True)
class Slot:
    pk: str
    limit: int

    @property
    def waiters_pk(self) -> str:
        return f"{self.pk}#W"

    @property
    def shards(self) -> int:
        return shard_count(self.limit)

    def shard_pk(self, shard: int) -> str:
        return self.pk if shard == 0 else f"{self.pk}#s{shard}"

    def shard_limit(self, shard: int) -> int:
        """The shard's part of the limit; the parts add up to the limit exactly."""
        count = self.shards
        if shard >= count:
            return 0  # a shard of an earlier, larger split: admits nobody new
        return self.limit // count + (1 if shard < self.limit % count else 0)


@dataclasses.dataclass(frozen=True)
class Blocked:
    slot: Slot  # the slot to wait for


@dataclasses.dataclass(frozen=True)
class Waiter:
    sk: str
    run_id: str


def slots_for(fn_id: str, flow: FlowConfig, event: dict[str, Any]) -> list[Slot]:
    """The slots a run of this function needs, in a fixed order (no lock-order inversions)."""
    out = []
    for limit in flow.concurrency:
        if limit.limit <= 0:  # 0 means "no limit" in Inngest
            continue
        value = state.key_value(limit.key, event)
        if limit.scope == "fn":
            pk = state.pk(fn_id, f"conc{limit.index}", value)
        else:
            pk = f"F#~{limit.scope}#conc#{state.digest(value)}"
        out.append(Slot(pk, limit.limit))
    return sorted(out, key=lambda s: s.pk)


def waiter_sk(score_ms: int, run_id: str) -> str:
    return f"{max(score_ms, 0):016d}#{run_id}"


class Slots:
    """Slot operations on the table; every state change is a conditional write."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.table = store.table

    # --- taking -------------------------------------------------------------------------
    def try_acquire(self, slot: Slot, run_id: str, sk: str, lease_until: float) -> Blocked | None:
        """Take (or renew) a slot; None when held now, else Blocked (join the waiting list)."""
        taken = self.take(slot, run_id, sk, lease_until)
        return taken if isinstance(taken, Blocked) else None

    def take(
        self,
        slot: Slot,
        run_id: str,
        sk: str,
        lease_until: float,
        prefer: int | None = None,
        choose: Callable[[int], None] | None = None,
    ) -> Blocked | int:
        """Take (or renew) a shard of the slot: its index when held, else Blocked (join the
        waiting list). `prefer`: the shard the run chose last; `choose(shard)` is called before
        a different shard is written (the caller records it on the run)."""
        for _ in range(MAX_TRIES):
            now = clock.now()
            base = state.get(self.store, slot.pk, SK) or {}
            room = self._room(slot, base, run_id, now, prefer)
            if room is None:
                return Blocked(slot)
            shard, item, live = room
            head_is_me = False
            if run_id not in live and int(base.get("waiting", 0)) > 0:
                head = self.head(slot)
                if head is not None and head.sk < sk:
                    if self._head_is_gone(slot, head, now):
                        continue  # dropped a dead waiter: look again
                    return Blocked(slot)
                head_is_me = head is not None and head.sk == sk
            if shard != prefer and choose is not None:
                choose(shard)
                prefer = shard
            live[run_id] = lease_until
            if self._write_holders(slot, shard, item, live, sk if head_is_me else None):
                return shard
        return Blocked(slot)

    def _room(
        self, slot: Slot, base: dict[str, Any], run_id: str, now: float, prefer: int | None
    ) -> tuple[int, dict[str, Any], dict[str, float]] | None:
        """A shard that holds the run already or has room: (index, item, live holders)."""
        count = slot.shards
        first = prefer if prefer is not None and 0 <= prefer < count else random.randrange(count)
        item = base if first == 0 else (state.get(self.store, slot.shard_pk(first), SK) or {})
        live = _live(item, now)
        if run_id in live or len(live) < slot.shard_limit(first):
            return first, item, live
        if count == 1:
            return None
        others = self._get_shards(slot, [i for i in range(count) if i not in (0, first)])
        if first != 0:
            others[0] = base
        open_shards = []
        for shard, other in others.items():
            holders = _live(other, now)
            if run_id in holders:
                return shard, other, holders
            if len(holders) < slot.shard_limit(shard):
                open_shards.append((shard, other, holders))
        return random.choice(open_shards) if open_shards else None

    def _get_shards(self, slot: Slot, shards: list[int]) -> dict[int, dict[str, Any]]:
        """The shard items, read in one BatchGetItem (strongly consistent)."""
        by_pk = {slot.shard_pk(i): i for i in shards}
        out: dict[int, dict[str, Any]] = dict.fromkeys(shards, {})
        for raw in flow_items.batch_get(self.store, [(pk, SK) for pk in by_pk]):
            out[by_pk[raw[state.TABLE_PK]["S"]]] = state.plain(raw)
        return out

    def _head_is_gone(self, slot: Slot, head: Waiter, now: float) -> bool:
        """There is room but a better run waits: make sure it is coming.

        True when the head's run has ended (its waiter is dropped); a head parked and not woken
        (its waker crashed) is woken. A head already woken or running is left alone.
        """
        run = self.store.get_run(head.run_id)
        if run is None or run.status not in ("Queued", "Running"):
            self.dequeue(slot, head.sk)
            return True
        leased = bool(run.lease_owner) and run.lease_until > now
        if not leased and run.next_at > now + EARLY_SECONDS and self.store.wake(head.run_id):
            queue.send({"kind": "run", "run_id": head.run_id})
        return False

    def _write_holders(
        self,
        slot: Slot,
        shard: int,
        item: dict[str, Any],
        holders: dict[str, float],
        dequeue_sk: str | None,
    ) -> bool:
        values: dict[str, Any] = {
            ":h": {"M": {h: state.enc(t) for h, t in holders.items()}},
            ":one": state.enc(1),
        }
        if "ver" in item:
            condition = "ver = :ver"
            values[":ver"] = state.enc(int(item["ver"]))
        else:
            condition = "attribute_not_exists(ver)"
        expr = "SET holders = :h ADD ver :one"
        if dequeue_sk is not None and shard == 0:
            expr += ", waiting :minus"
            values[":minus"] = state.enc(-1)
        update = {
            "TableName": self.table,
            "Key": state.key(slot.shard_pk(shard), SK),
            "UpdateExpression": expr,
            "ConditionExpression": condition,
            "ExpressionAttributeValues": values,
        }
        also = [] if dequeue_sk is None else [self._delete_waiter(slot, dequeue_sk)]
        if dequeue_sk is not None and shard != 0:
            also.append(self._count_waiting(slot, -1))
        return flow_items.write(self.store, update, also)

    # --- giving back --------------------------------------------------------------------
    def release(
        self, slot: Slot, run_id: str, sk: str, *, shard: int = 0, leaving: bool = False
    ) -> None:
        """Stop holding the slot's `shard` (if held) and, if that leaves room, wake the head
        waiter.

        Also called by runs that may not hold it (a drive ending after an earlier one crashed
        holding it, a waiter that was cancelled): it then only makes sure nobody is left asleep
        next to free capacity. `leaving`: the run is ending, so its own waiting-list entry (if
        any) goes too.
        """
        try:
            res = flow_items.update(
                self.store,
                TableName=self.table,
                Key=state.key(slot.shard_pk(shard), SK),
                UpdateExpression="REMOVE holders.#run ADD ver :one",
                ConditionExpression="attribute_exists(holders.#run)",
                ExpressionAttributeNames={"#run": run_id},
                ExpressionAttributeValues={":one": state.enc(1)},
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
            item = state.plain(res["Attributes"])
        except Exception as err:
            if not state.is_conflict(err):
                raise
            old = getattr(err, "response", {}).get("Item")
            item = state.plain(old) if old else {}
        full = len(_live(item, clock.now())) >= slot.shard_limit(shard)
        if full and not leaving:
            return
        if full and shard != 0:  # nobody to wake: read the run's own entry, not the count
            self.leave(slot, sk)
            return
        if shard != 0:  # the waiting count lives on shard 0
            item = state.get(self.store, slot.pk, SK) or {}
        if int(item.get("waiting", 0)) <= 0:
            return
        if leaving:
            self.leave(slot, sk)
        if not full:
            self.wake_head(slot, own_sk=sk)

    def should_yield(self, slot: Slot, sk: str) -> bool:
        """Between steps: is a better-scored run waiting for this slot?"""
        item = state.get(self.store, slot.pk, SK) or {}
        if int(item.get("waiting", 0)) <= 0:
            return False
        head = self.head(slot)
        return head is not None and head.sk < sk

    # --- the waiting list ---------------------------------------------------------------
    def enqueue(self, slot: Slot, run_id: str, sk: str) -> None:
        """Join the waiting list (a no-op when already in it)."""
        try:
            flow_items.transact(
                self.store,
                [
                    {
                        "Put": {
                            "TableName": self.table,
                            "Item": {
                                **state.key(slot.waiters_pk, sk),
                                "run_id": state.enc(run_id),
                                # No TTL: a run may wait longer than any TTL would allow. The
                                # entry goes when the run is admitted (`take`) or ends (`leave`).
                            },
                            "ConditionExpression": "attribute_not_exists(#pk)",
                            "ExpressionAttributeNames": {"#pk": state.TABLE_PK},
                        }
                    },
                    self._count_waiting(slot, 1),
                ],
            )
        except Exception as err:
            if not state.is_conflict(err):
                raise

    def leave(self, slot: Slot, sk: str) -> None:
        """An ending run's own entry, if it has one, leaves the list (wherever it stands: a
        run cancelled while it waits is not the head). A read first: most ending runs never
        waited, and a write that finds nothing still costs one."""
        if flow_items.exists(self.store, slot.waiters_pk, sk):
            self.dequeue(slot, sk)

    def head(self, slot: Slot) -> Waiter | None:
        item = flow_items.first(self.store, slot.waiters_pk)
        if item is None:
            return None
        return Waiter(item[state.TABLE_SK]["S"], item["run_id"]["S"])

    def wake_head(self, slot: Slot, own_sk: str | None = None) -> None:
        """Wake the best waiter; waiters whose run has ended are dropped on the way. `own_sk`
        is the caller's own entry: never woken (it is awake)."""
        for _ in range(MAX_TRIES):
            head = self.head(slot)
            if head is None or head.sk == own_sk:
                return
            if self.store.wake(head.run_id):
                queue.send({"kind": "run", "run_id": head.run_id})
                return
            self.dequeue(slot, head.sk)

    def dequeue(self, slot: Slot, sk: str) -> None:
        try:
            flow_items.transact(
                self.store, [self._delete_waiter(slot, sk), self._count_waiting(slot, -1)]
            )
        except Exception as err:
            if not state.is_conflict(err):
                raise

    def _count_waiting(self, slot: Slot, by: int) -> dict[str, Any]:
        """The waiting count (on shard 0) moved by `by`, as a transaction item."""
        return {
            "Update": {
                "TableName": self.table,
                "Key": state.key(slot.pk, SK),
                "UpdateExpression": "ADD waiting :by",
                "ExpressionAttributeValues": {":by": state.enc(by)},
            }
        }

    def _delete_waiter(self, slot: Slot, sk: str) -> dict[str, Any]:
        return {
            "Delete": {
                "TableName": self.table,
                "Key": state.key(slot.waiters_pk, sk),
                "ConditionExpression": "attribute_exists(#pk)",
                "ExpressionAttributeNames": {"#pk": state.TABLE_PK},
            }
        }


def _live(item: dict[str, Any], now: float) -> dict[str, float]:
    """Holders whose lease has not run out (a crashed invocation's entry ages out)."""
    return {h: float(t) for h, t in (item.get("holders") or {}).items() if float(t) > now}
