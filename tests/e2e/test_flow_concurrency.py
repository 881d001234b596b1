"""Concurrency limits and priority, through the Lambda handler on moto."""

from __future__ import annotations

import concurrent.futures
import json
import threading

from inngest_lambda.core import aws, clock
from inngest_lambda.flow import concurrency
from inngest_lambda.flow import config as flowconfig
from inngest_lambda.handler import handler
from inngest_lambda.local.invoke import LambdaContext
from inngest_lambda.runtime import get_runtime
from tests.e2e.flow_support import overlaps, tag, wait_runs
from tests.support.waiting import wait_for


def _log(name):
    from tests.support.apps import workflows

    return workflows.FLOW_LOG[name]


def test_limit_of_one_serialises_steps_per_key(api):
    t = tag()
    ids = [
        api.send("flow/conc", {"tag": t, "tenant": f"a-{t}", "name": f"a{i}", "hold": 0.4})
        for i in range(3)
    ]
    other = api.send("flow/conc", {"tag": t, "tenant": f"b-{t}", "name": "b", "hold": 0.4})
    runs = wait_runs(api, [*ids, other], expect=len(ids) + 1)
    assert [r["status"] for r in runs] == ["Completed"] * 4
    same_key = [iv for iv in _log(t) if iv[0].startswith("a")]
    assert len(same_key) == 3
    assert overlaps(same_key) == []
    # Another key is not held back by tenant a's queue.
    b = next(iv for iv in _log(t) if iv[0] == "b")
    assert b[1] < max(iv[2] for iv in same_key)


def test_a_sleeping_run_does_not_hold_its_slot(api):
    t = tag()
    first = api.send("flow/conc-sleep", {"tag": t, "name": "x", "nap": 2})
    wait_for(lambda: any(iv[0] == "x:before" for iv in _log(t)), what="x started")
    second = api.send("flow/conc-sleep", {"tag": t, "name": "y", "nap": 0})
    runs = wait_runs(api, [first, second], timeout=40, expect=2)
    assert [r["status"] for r in runs] == ["Completed", "Completed"]
    log = {label: (start, end) for label, start, end in _log(t)}
    # y ran both its steps while x slept, yet no two steps ever executed at once.
    assert log["y:after"][1] <= log["x:after"][0]
    assert overlaps(_log(t)) == []


def test_priority_starts_ahead_of_work_queued_earlier(api):
    from tests.support.apps import workflows

    t = tag()
    # `first` holds the one slot until both later runs wait for it (however slow the machine).
    release = workflows.GATES.setdefault(t, threading.Event())
    try:
        first = api.send("flow/priority", {"tag": t, "name": "first", "plan": "free", "gate": t})
        wait_for(lambda: get_runtime().store.run_ids_for_event(first), what="first run")
        wait_for(lambda: _slot_busy(first), what="first run holds the slot")
        free = api.send("flow/priority", {"tag": t, "name": "free", "plan": "free"})
        wait_for(lambda: _waiting(first) >= 1, what="free run queued")
        vip = api.send("flow/priority", {"tag": t, "name": "vip", "plan": "enterprise"})
        wait_for(lambda: _waiting(first) >= 2, what="vip run queued")
    finally:
        release.set()
    runs = wait_runs(api, [first, free, vip], timeout=40, expect=3)
    assert all(r["status"] == "Completed" for r in runs)
    order = [label for label, _, _ in sorted(_log(t), key=lambda iv: iv[1])]
    assert order == ["first", "vip", "free"]  # without priority: first, free, vip
    assert overlaps(_log(t)) == []


def _slot_and_api(event_id):
    rt = get_runtime()
    fn = rt.registry.get("e2e-flow-priority")
    event = rt.store.get_event(event_id)
    (slot,) = concurrency.slots_for(fn.id, flowconfig.of(fn.config), event)
    return slot, concurrency.Slots(rt.store)


def _slot_busy(event_id):
    from inngest_lambda.flow import state

    slot, _ = _slot_and_api(event_id)
    item = state.get(get_runtime().store, slot.pk, concurrency.SK) or {}
    return bool(item.get("holders"))


def _waiting(event_id):
    from inngest_lambda.flow import state

    slot, _ = _slot_and_api(event_id)
    item = state.get(get_runtime().store, slot.pk, concurrency.SK) or {}
    return int(item.get("waiting", 0))


def test_a_slot_held_by_a_crashed_invocation_is_recovered(api, stack, monkeypatch):
    """An invocation took the slot and died mid-step: its lease and its SQS message outlive it.

    The run it held is driven again when SQS redelivers the message (after the visibility
    timeout, here 3 s); a run queued behind it waits, then runs once the slot is given back.
    """
    t = tag()
    rt = get_runtime()
    monkeypatch.setattr(stack.pump.delivery, "receive", lambda: [])
    crashed = api.send("flow/conc", {"tag": t, "tenant": f"crash-{t}", "name": "crashed"})
    sqs = aws.client("sqs")
    url = stack.settings.queue_url
    (message,) = wait_for(
        lambda: sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages"),
        what="the run's message",
    )
    (run_id,) = rt.store.run_ids_for_event(crashed)
    lease_until = clock.now() + 3
    fn = rt.registry.get("e2e-flow-concurrency")
    (slot,) = concurrency.slots_for(fn.id, flowconfig.of(fn.config), rt.store.get_event(crashed))
    run = rt.store.get_run(run_id)
    sk = concurrency.waiter_sk(int(run.created_at * 1000), run_id)
    assert concurrency.Slots(rt.store).try_acquire(slot, run_id, sk, lease_until) is None
    rt.store.ddb.update_item(
        TableName=rt.store.table,
        Key={"pk": {"S": f"R#{run_id}"}, "sk": {"S": "R"}},
        UpdateExpression="SET lease_owner = :o, lease_until = :u, #st = :r",
        ExpressionAttributeNames={"#st": "status"},
        ExpressionAttributeValues={
            ":o": {"S": "dead-invocation"},
            ":u": {"N": str(lease_until)},
            ":r": {"S": "Running"},
        },
    )
    sqs.change_message_visibility(
        QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=3
    )
    monkeypatch.undo()
    waiting = api.send("flow/conc", {"tag": t, "tenant": f"crash-{t}", "name": "waiting"})
    runs = wait_runs(api, [crashed, waiting], timeout=30, expect=2)
    assert [r["status"] for r in runs] == ["Completed", "Completed"]
    log = {label: (start, end) for label, start, end in _log(t)}
    assert log["crashed"][0] >= lease_until - 0.01
    assert log["waiting"][0] >= log["crashed"][1]


def test_invocations_racing_for_one_slot_let_one_through(api, stack, monkeypatch):
    """Four runs, each delivered twice, handled by eight concurrent handler calls."""
    t = tag()
    monkeypatch.setattr(stack.pump.delivery, "receive", lambda: [])  # we play the event source now
    ids = [
        api.send("flow/conc", {"tag": t, "tenant": f"race-{t}", "name": f"r{i}", "hold": 0.5})
        for i in range(4)
    ]
    sqs = aws.client("sqs")
    url = stack.settings.queue_url
    received = []
    while len(received) < 4:
        res = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        received.extend(res.get("Messages", []))
    assert sorted(json.loads(m["Body"])["kind"] for m in received) == ["run"] * 4

    def deliver(message):
        event = {"Records": [stack.pump.record(message)]}
        return handler(json.loads(json.dumps(event)), LambdaContext(timeout_seconds=60))

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(deliver, received * 2))
    failed = {f["itemIdentifier"] for r in results for f in r["batchItemFailures"]}
    for message in received:
        if message["MessageId"] not in failed:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        else:  # refused while another thread drove the run: let the pump retry it now
            sqs.change_message_visibility(
                QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
            )
    # Exactly one run executed its step; the other three wait in the slot's queue.
    assert len(_log(t)) == 1
    monkeypatch.undo()  # the pump takes over again: the waiters run one by one
    runs = wait_runs(api, ids, timeout=60)
    assert [r["status"] for r in runs] == ["Completed"] * 4
    assert len(_log(t)) == 4
    assert overlaps(_log(t)) == []


def test_threads_racing_for_slots_never_exceed_the_limit(stack):
    """Twelve invocations at once for a limit of 3: three hold, nine queue; releases hand over."""
    rt = get_runtime()
    slots = concurrency.Slots(rt.store)
    slot = concurrency.Slot(f"F#bench#conc0#{tag()}", 3)
    lease = clock.now() + 60
    runs = [f"run-{i:02d}" for i in range(12)]

    def take(run_id):
        sk = concurrency.waiter_sk(1000 + int(run_id[-2:]), run_id)
        blocked = slots.try_acquire(slot, run_id, sk, lease)
        if blocked is not None:
            slots.enqueue(slot, run_id, sk)
        return blocked is None

    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        won = [r for r, ok in zip(runs, pool.map(take, runs), strict=True) if ok]
    assert len(won) == 3
    from inngest_lambda.flow import state

    item = state.get(rt.store, slot.pk, concurrency.SK)
    assert sorted(item["holders"]) == sorted(won)
    assert item["waiting"] == 9
    head = slots.head(slot)
    assert head.run_id == min(set(runs) - set(won))  # FIFO by score


# --- sharded keys (limits over PER_SHARD) ---------------------------------------------


def _holders(slot):
    from inngest_lambda.flow import state

    store = get_runtime().store
    return [
        (state.get(store, slot.shard_pk(i), concurrency.SK) or {}).get("holders") or {}
        for i in range(slot.shards)
    ]


def test_threads_racing_for_a_sharded_key_never_exceed_its_limit(stack):
    """A limit of 100 is five shard items of 20: 130 runs at once, exactly 100 hold, every
    shard is full and none over its part, the other 30 queue in one list, best score first."""
    rt = get_runtime()
    slots = concurrency.Slots(rt.store)
    slot = concurrency.Slot(f"F#bench#conc0#{tag()}", 100)
    assert slot.shards == 5
    lease = clock.now() + 60
    runs = [f"run-{i:03d}" for i in range(130)]

    def take(run_id):
        sk = concurrency.waiter_sk(1000 + int(run_id[-3:]), run_id)
        taken = slots.take(slot, run_id, sk, lease)
        if isinstance(taken, concurrency.Blocked):
            slots.enqueue(slot, run_id, sk)
            return None
        return taken

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        shards = dict(zip(runs, pool.map(take, runs), strict=True))
    won = {r: s for r, s in shards.items() if s is not None}
    assert len(won) == 100
    holders = _holders(slot)
    assert [len(h) for h in holders] == [20] * 5
    for shard, held in enumerate(holders):  # each run sits on the shard it was told it took
        assert {r for r, s in won.items() if s == shard} == set(held)
    from inngest_lambda.flow import state

    assert state.get(rt.store, slot.pk, concurrency.SK)["waiting"] == 30
    assert slots.head(slot).run_id == min(set(runs) - set(won))


def test_a_run_renews_the_shard_it_chose_instead_of_taking_a_second(stack):
    """A drive that crashed left the run's entry on its shard: the next drive, preferring the
    recorded shard, renews that entry; giving it back frees exactly that shard."""
    slots = concurrency.Slots(get_runtime().store)
    slot = concurrency.Slot(f"F#bench#conc0#{tag()}", 60)
    chosen = []
    sk = concurrency.waiter_sk(1, "run-x")
    first = slots.take(slot, "run-x", sk, clock.now() + 60, choose=chosen.append)
    assert chosen == [first]  # recorded before it was taken
    again = slots.take(slot, "run-x", sk, clock.now() + 60, prefer=first, choose=chosen.append)
    assert again == first and chosen == [first]  # nothing new to record
    assert sum(len(h) for h in _holders(slot)) == 1
    slots.release(slot, "run-x", sk, shard=first)
    assert sum(len(h) for h in _holders(slot)) == 0


def test_runs_of_a_sharded_key_record_and_give_back_their_shard(api):
    """Through the handler: each run records the shard it took on its run item and every
    shard is empty once the runs end."""
    t = tag()
    ids = [
        api.send("flow/conc-wide", {"tag": t, "tenant": f"w-{t}", "name": f"w{i}"})
        for i in range(8)
    ]
    runs = wait_runs(api, ids, expect=8)
    assert [r["status"] for r in runs] == ["Completed"] * 8
    rt = get_runtime()
    fn = rt.registry.get("e2e-flow-concurrency-wide")
    (slot,) = concurrency.slots_for(fn.id, flowconfig.of(fn.config), rt.store.get_event(ids[0]))
    assert slot.shards == 2
    for run in runs:
        assert rt.store.get_run(run["run_id"]).conc_shards[slot.pk] in (0, 1)
    assert _holders(slot) == [{}, {}]


class _PartitionCalls:
    """DynamoDB calls per partition key (BatchGetItem and transactions: once per key they
    touch), counted with botocore's hooks as `make bench` counts them."""

    OPS = ("GetItem", "UpdateItem", "PutItem", "BatchGetItem", "TransactWriteItems", "Query")

    def __init__(self):
        import collections

        self.reads = collections.Counter()
        self.writes = collections.Counter()
        self.client = aws.client("dynamodb")
        for op in self.OPS:
            self.client.meta.events.register(f"before-parameter-build.dynamodb.{op}", self._seen)

    def close(self):
        for op in self.OPS:
            self.client.meta.events.unregister(f"before-parameter-build.dynamodb.{op}", self._seen)

    def _seen(self, model, params, **_):
        from inngest_lambda.settings import TABLE_PK

        name = model.name
        if name in ("GetItem", "UpdateItem"):
            (self.reads if name == "GetItem" else self.writes)[params["Key"][TABLE_PK]["S"]] += 1
        elif name == "PutItem":
            self.writes[params["Item"][TABLE_PK]["S"]] += 1
        elif name == "Query":
            self.reads[params["ExpressionAttributeValues"][":pk"]["S"]] += 1
        elif name == "BatchGetItem":
            for table in params["RequestItems"].values():
                for key in table["Keys"]:
                    self.reads[key[TABLE_PK]["S"]] += 1
        else:
            for item in params["TransactItems"]:
                (op,) = item.values()
                key = op.get("Key") or op.get("Item")
                self.writes[key[TABLE_PK]["S"]] += 1


def test_a_sharded_key_costs_two_shard_writes_per_drive_and_one_read_per_step(api):
    """The counts behind docs/capacity.md: a run of a sharded key (uncontended: one run after the
    other, so no conditional write loses a race and retries; one drive, three SDK requests for
    two steps) writes the shard it takes twice (take, give back) and nothing
    else of the key; it reads shard 0 (where the waiting count lives) once to take and once per
    later request (the yield check), plus the shard it took and shard 0 again on giving it back
    when that is another shard."""
    t = tag()
    calls = _PartitionCalls()
    try:
        ids, runs = [], []
        for i in range(8):
            ids.append(api.send("flow/conc-wide", {"tag": t, "tenant": f"m-{t}", "name": f"m{i}"}))
            runs.append(api.wait_run(ids[-1]))
    finally:
        calls.close()
    assert [r["status"] for r in runs] == ["Completed"] * 8
    rt = get_runtime()
    fn = rt.registry.get("e2e-flow-concurrency-wide")
    (slot,) = concurrency.slots_for(fn.id, flowconfig.of(fn.config), rt.store.get_event(ids[0]))
    on = [rt.store.get_run(r["run_id"]).conc_shards[slot.pk] for r in runs]
    other = on.count(1)
    assert calls.writes[slot.shard_pk(0)] == 2 * on.count(0)
    assert calls.writes[slot.shard_pk(1)] == 2 * other
    assert calls.reads[slot.shard_pk(0)] == 8 * 3 + other
    assert calls.reads[slot.shard_pk(1)] == other
    assert calls.reads[slot.waiters_pk] == 0 and calls.writes[slot.waiters_pk] == 0
    # The choice is recorded on each run once (before the shard is taken).
    for r in runs:
        assert rt.store.get_run(r["run_id"]).conc_shards == {slot.pk: on[runs.index(r)]}
