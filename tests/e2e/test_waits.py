"""step.wait_for_event, cancel-on-event and trigger expressions, through the Lambda handler."""

from __future__ import annotations

import threading
import time

import pytest

from inngest_lambda.core import clock
from inngest_lambda.core.ids import deterministic_id
from inngest_lambda.events.pauses import PauseIndex
from inngest_lambda.runtime import get_runtime
from inngest_lambda.storage.store import COMPLETED, WAITING, Step
from tests.e2e.conftest import step
from tests.support.waiting import wait_for


def test_matching_event_resumes_the_wait_with_that_event(api):
    event_id = api.send("e2e/wait", {"order": "A-1"})
    api.wait_step(event_id, "wait-payment", "Waiting")
    api.send("e2e/paid", {"order": "B-2", "amount": 1})  # another order's payment: no match
    paid_id = api.send("e2e/paid", {"order": "A-1", "amount": 30})
    run = api.wait_run(event_id)
    assert run["status"] == "Completed"
    assert run["output"] == {"paid": {"order": "A-1", "amount": 30}}
    wait = step(run, "wait-payment")
    assert wait["status"] == "Completed"
    assert wait["output"]["id"] == paid_id  # the step's memo is the matched event itself
    assert wait["output"]["data"] == {"order": "A-1", "amount": 30}


def test_wait_after_a_sleep_matches_a_compound_expression(api):
    event_id = api.send("e2e/sw", {"ticket": 7})
    api.wait_step(event_id, "then-wait", "Waiting")
    api.send("e2e/approved", {"ticket": 7, "ok": False})
    api.send("e2e/approved", {"ticket": 8, "ok": True})
    api.send("e2e/approved", {"ticket": 7, "ok": True, "by": "ann"})
    run = api.wait_run(event_id)
    assert run["output"] == {"ticket": 7, "ok": True, "by": "ann"}
    assert [s["name"] for s in run["steps"]] == ["first", "then-wait"]


def test_one_event_resumes_two_waiting_runs_and_starts_a_new_one(api):
    first = api.send("e2e/wait", {"order": "SHARED"})
    second = api.send("e2e/wait", {"order": "SHARED"})
    api.wait_step(first, "wait-payment", "Waiting")
    api.wait_step(second, "wait-payment", "Waiting")
    # One event that both resumes the waits and triggers a function (a wildcard one).
    res = api.http.post("/e/k", json=[{"name": "e2e/paid", "data": {"order": "SHARED"}}])
    assert res.status_code == 200
    assert api.wait_run(first)["output"] == {"paid": {"order": "SHARED"}}
    assert api.wait_run(second)["output"] == {"paid": {"order": "SHARED"}}
    wild = api.send("e2e/wild/one", {})
    assert api.wait_run(wild)["output"] == "e2e/wild/one"


def test_event_and_timeout_racing_on_one_step_resolve_it_exactly_once():
    store = get_runtime().store
    run_id = "01JCCCCCCCCCCCCCCCCCCCCCCC"
    for round_ in range(20):
        step_id = f"race-{round_}"
        store.put_step(run_id, Step(step_id, "w", "WaitForEvent", WAITING, 0), only_if_absent=True)
        wins: list[object] = []
        barrier = threading.Barrier(2)

        def resolve(memo: object, step_id: str = step_id, barrier=barrier, wins=wins) -> None:
            barrier.wait()
            if store.resolve_waiting(run_id, step_id, COMPLETED, memo):
                wins.append(memo)

        threads = [
            threading.Thread(target=resolve, args=({"name": "e2e/paid", "data": {}},)),
            threading.Thread(target=resolve, args=(None,)),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(wins) == 1
        assert store.load_steps(run_id)[step_id].memo == wins[0]


def test_event_sent_while_the_pause_is_being_written_is_not_missed(api, monkeypatch):
    """Inngest misses this one (inngest/inngest#1433)."""
    original = PauseIndex.put
    sent: list[str] = []

    def put_after_an_event_slips_in(self, pause):
        if pause.kind == "wait" and pause.event_name == "e2e/paid" and not sent:
            # The event is accepted now, before the pause exists: ingestion cannot see it.
            sent.append(api.send("e2e/paid", {"order": "SLIP-1"}))
        return original(self, pause)

    monkeypatch.setattr(PauseIndex, "put", put_after_an_event_slips_in)
    event_id = api.send("e2e/wait", {"order": "SLIP-1", "timeout": 30})
    run = api.wait_run(event_id, timeout=20)
    assert sent
    assert run["output"] == {"paid": {"order": "SLIP-1"}}


def test_event_sent_before_the_run_reached_the_wait_does_not_count(api):
    api.send("e2e/approved", {"ticket": 99, "ok": True})  # before the run exists
    event_id = api.send("e2e/sw", {"ticket": 99})
    api.wait_step(event_id, "then-wait", "Waiting")
    runs = api.runs(event_id)
    assert runs[0]["status"] == "Running"
    api.send("e2e/approved", {"ticket": 99, "ok": True, "n": 2})
    assert api.wait_run(event_id)["output"] == {"ticket": 99, "ok": True, "n": 2}


def test_bad_wait_expression_fails_the_run_naming_it(api):
    event_id = api.send("e2e/badwait")
    run = api.wait_run(event_id)
    assert run["status"] == "Failed"
    assert "async.data.x ===" in run["output"]["message"]
    # Other runs are unaffected.
    assert api.wait_run(api.send("e2e/three", {"n": 1}))["status"] == "Completed"


def test_cancel_event_during_a_wait_stops_the_run(api, calls):
    event_id = api.send("e2e/cancellable", {"id": "c-2", "wait": True})
    api.wait_step(event_id, "wait", "Waiting")
    api.send("e2e/cancel", {"id": "c-2"})
    run = api.wait_run(event_id)
    assert run["status"] == "Cancelled"
    assert calls[f"cancel:{run['run_id']}:after"] == 0


def _wait_running(api, event_id):
    wait_for(
        lambda: api.runs(event_id) and api.runs(event_id)[0]["status"] == "Running",
        10,
        interval=0.02,
        what="the run's start",
    )
    time.sleep(0.5)  # the run is driven: its slow request (3 s) is in flight now
    return api.runs(event_id)[0]["run_id"]


def _wait_recorded(run_id, timeout=15):
    """Until the invocation that drove the run has recorded its end (the late response)."""
    store = get_runtime().store
    wait_for(
        lambda: store.get_run(run_id).status == "Cancelled",
        timeout,
        what="the driving invocation's record of the end",
    )


def test_cancel_mid_step_lands_at_once_and_discards_the_late_step_result(api, calls):
    event_id = api.send("e2e/cancellable", {"id": "c-3", "slow": 3})
    run_id = _wait_running(api, event_id)
    api.send("e2e/cancel", {"id": "c-3"})
    assert api.run(run_id)["status"] == "Cancelled"  # at once, the step still executing
    _wait_recorded(run_id)
    run = api.run(run_id)
    assert run["status"] == "Cancelled"
    assert calls[f"cancel:{run_id}:slow"] == 1  # the step ran to its end, never interrupted
    assert run["steps"] == []  # but what it returned was discarded
    assert calls[f"cancel:{run_id}:after"] == 0
    emitted = get_runtime().store.get_event(deterministic_id(run_id, "failed"))
    assert emitted["name"] == "inngest/function.cancelled"


def test_cancel_of_a_stepless_function_in_flight_discards_its_return_value(api, calls):
    event_id = api.send("e2e/stepless", {"slow": 3})
    run_id = _wait_running(api, event_id)
    res = api.http.delete(f"/v1/runs/{run_id}")
    assert res.status_code == 202
    assert res.json()["data"]["status"] == "Cancelled"
    now = api.run(run_id)
    assert now["status"] == "Cancelled" and now["ended_at"] is not None
    assert now["output"]["name"] == "FunctionCancelled"
    _wait_recorded(run_id)
    run = api.run(run_id)
    assert calls[f"stepless:{run_id}"] == 1
    assert run["status"] == "Cancelled"
    assert run["output"]["name"] == "FunctionCancelled"  # not the function's "finished"
    assert run["output"]["message"] == "cancelled through the API"
    assert api.http.delete(f"/v1/runs/{run_id}").status_code == 409


def test_a_cancel_in_flight_is_cancelled_for_every_reader_at_once(api, stack, monkeypatch, capsys):
    """The run's own views, the listings (REST, dashboard, CLI, counts) and GraphQL all say
    Cancelled, with the same end time, while the request it was cancelled in is still running;
    recording the end later changes none of it."""
    import json
    import re

    from inngest_lambda.cli.main import main as cli

    event_id = api.send("e2e/stepless", {"slow": 8})
    run_id = _wait_running(api, event_id)
    function_id = api.run(run_id)["function_id"]
    assert api.http.delete(f"/v1/runs/{run_id}").status_code == 202
    store = get_runtime().store

    def listed(**params: str) -> dict | None:
        res = api.http.get("/v1/runs", params={"function_id": function_id, **params})
        return next((r for r in res.json()["data"] if r["run_id"] == run_id), None)

    def dashboard_badges(path: str) -> list[str]:
        html = api.http.get(path).text
        row = re.search(rf'data-run="{run_id}".*?</tr>', html, re.S)
        part = row.group(0) if row else html
        return re.findall(r'class="badge (\w+)"', part)

    def readers() -> dict:
        monkeypatch.setenv("INNGEST_LAMBDA_URL", stack.url)
        monkeypatch.delenv("INNGEST_SIGNING_KEY", raising=False)
        assert cli(["--json", "runs", "list", "--function", function_id]) == 0
        cli_row = next(
            r for r in json.loads(capsys.readouterr().out)["data"] if r["run_id"] == run_id
        )
        gql = api.http.post("/v0/gql", json={"query": f'{{ run(runID: "{run_id}") {{ status }} }}'})
        return {
            "run": (api.run(run_id)["status"], api.run(run_id)["ended_at"]),
            "listed": (listed()["status"], listed()["ended_at"]),
            "cli": (cli_row["status"], cli_row["ended_at"]),
            "listed as Cancelled": listed(status="Cancelled") is not None,
            "listed as Running": listed(status="Running") is not None,
            "dashboard run page": dashboard_badges(f"/runs/{run_id}"),
            "dashboard list": dashboard_badges(f"/runs?function={function_id}"),
            "graphql": gql.json()["data"]["run"]["status"],
        }

    during = readers()
    assert store.get_run(run_id).status == "Running"  # the request is still in flight
    ended_at = during["run"][1]
    assert ended_at is not None
    assert during == {
        "run": ("Cancelled", ended_at),
        "listed": ("Cancelled", ended_at),
        "cli": ("Cancelled", ended_at),
        "listed as Cancelled": True,
        "listed as Running": False,
        "dashboard run page": ["Cancelled"],
        "dashboard list": ["Cancelled"],
        "graphql": "CANCELLED",
    }
    _wait_recorded(run_id)
    assert readers() == during  # the recorded end changes nothing anyone saw


def test_cancel_through_the_api(api):
    event_id = api.send("e2e/cancellable", {"id": "c-4", "nap": 30})
    run = api.wait_step(event_id, "nap", "Scheduled")
    res = api.http.delete(f"/v1/runs/{run['run_id']}")
    assert res.status_code == 202
    assert api.wait_run(event_id)["status"] == "Cancelled"
    again = api.http.delete(f"/v1/runs/{run['run_id']}")
    assert again.status_code == 409 and "already ended" in again.json()["error"]
    assert api.http.delete("/v1/runs/01JAAAAAAAAAAAAAAAAAAAAAAA").status_code == 404


def test_trigger_expression_filters_events(api):
    small = api.send("e2e/purchase", {"amount": 50})
    big = api.send("e2e/purchase", {"amount": 150.5})
    assert api.runs(small) == []
    assert api.wait_run(big)["output"] == "vip 150.5"


@pytest.mark.parametrize(("name", "runs"), [("e2e/wild/a", 1), ("e2e/wild/b/c", 1), ("e2e/wil", 0)])
def test_wildcard_trigger(api, name, runs):
    event_id = api.send(name)
    if runs:
        assert api.wait_run(event_id)["output"] == name
    assert len(api.runs(event_id)) == runs


def test_failing_trigger_expression_is_reported_in_the_reply(api):
    res = api.http.post("/e/k", json={"name": "e2e/divide", "data": {"by": 0}})
    body = res.json()
    assert res.status_code == 200 and body["status"] == 200
    assert "10 / event.data.by > 1" in body["trigger_errors"][0]
    assert api.runs(body["ids"][0]) == []
    ok = api.send("e2e/divide", {"by": 2})
    assert api.wait_run(ok)["output"] == "divided"


def test_wait_lookup_cost_does_not_grow_with_waiters(api):
    """Thousands of pauses on one name: an event reads a fixed number of items."""
    from bench.counters import AwsCalls

    index = PauseIndex(get_runtime().store)
    from inngest_lambda.events.pauses import Pause

    for i in range(300):
        index.put(
            Pause(
                "wait",
                "e2e/scale",
                f"run{i}",
                "s",
                f'async.data.id == "{i}"',
                "data.id",
                str(i),
                clock.now() + 600,
            )
        )
    counter = AwsCalls()
    paths = index.paths_by_name(["e2e/scale"])
    found = index.candidates(
        {"name": "e2e/scale", "data": {"id": "123"}, "id": "e"}, paths["e2e/scale"]
    )
    assert [p.run_id for p in found] == ["run123"]
    # path list + keyed partition + the pre-sharding unkeyed partition (no unkeyed pause was
    # written on this name: its shards are not read)
    assert counter.summary()["ddb_reads"] == 3


def test_unkeyed_waits_on_one_name_spread_over_shards_and_an_event_queries_each_once(api):
    """Waits without an equality on the event sit in PAUSE_SHARDS partitions per event name, not
    one (one partition takes 1,000 writes/s): each wait is still one write, and an incoming
    event of that name queries every shard exactly once (and the pre-sharding key once)."""
    from inngest_lambda.core import aws
    from inngest_lambda.events.pauses import PAUSE_SHARDS
    from inngest_lambda.settings import TABLE_PK

    prefix = "P#e2e/never#"
    puts: list[str] = []
    queries: list[str] = []

    def put(params, **_):
        pk = params["Item"][TABLE_PK]["S"]
        if pk.startswith(prefix):
            puts.append(pk)

    def query(params, **_):
        pk = params["ExpressionAttributeValues"][":pk"]["S"]
        if pk.startswith(prefix):
            queries.append(pk)

    client = aws.client("dynamodb")
    client.meta.events.register("before-parameter-build.dynamodb.PutItem", put)
    client.meta.events.register("before-parameter-build.dynamodb.Query", query)
    try:
        waiting = [api.send("e2e/cancellable", {"id": f"s-{i}", "wait": True}) for i in range(12)]
        for event_id in waiting:
            api.wait_step(event_id, "wait", "Waiting")
        assert len(puts) == 12  # one write per wait, as before sharding
        assert len(set(puts)) > 1  # over several partitions (all 12 in one: 1 in 8**11)
        assert all(pk.rsplit("#", 1)[1].isdigit() for pk in puts)
        queries.clear()
        api.send("e2e/never", {})
        seen = list(queries)
    finally:
        client.meta.events.unregister("before-parameter-build.dynamodb.PutItem", put)
        client.meta.events.unregister("before-parameter-build.dynamodb.Query", query)
    shards = [f"{prefix}*#{shard}" for shard in range(PAUSE_SHARDS)]
    assert sorted(seen) == sorted([f"{prefix}*", *shards])
    for event_id in waiting:  # every shard's waiters were found
        assert api.wait_run(event_id)["output"] == "finished"


def test_an_event_no_unkeyed_wait_was_ever_written_for_reads_no_pause_shard(api):
    """Every run's end emits `inngest/function.finished`; nobody waits for it without a key,
    so its pause lookup is the path-list read and the pre-sharding partition, not PAUSE_SHARDS
    queries."""
    from inngest_lambda.core import aws

    queries: list[str] = []

    def query(params, **_):
        queries.append(params["ExpressionAttributeValues"][":pk"]["S"])

    client = aws.client("dynamodb")
    client.meta.events.register("before-parameter-build.dynamodb.Query", query)
    try:
        api.send("e2e/nobody-waits-for-this", {})
        seen = list(queries)
    finally:
        client.meta.events.unregister("before-parameter-build.dynamodb.Query", query)
    assert [pk for pk in seen if pk.startswith("P#")] == ["P#e2e/nobody-waits-for-this#*"]


def test_a_wait_written_before_the_sharding_still_resumes(api):
    """Upgrade: a pause the previous release wrote under the unsharded key (and no `*` in the
    path list: it never listed one) is found by the next event, resumes its run, and is deleted
    from where it is."""
    import json

    from inngest_lambda.storage.codec import item_key

    store = get_runtime().store
    event_id = api.send("e2e/cancellable", {"id": "legacy-1", "wait": True})
    run_id = api.wait_step(event_id, "wait", "Waiting")["run_id"]
    # Move the pause to where the old code wrote it, as the old code wrote it.
    ddb, table = store.ddb, store.table
    [item] = wait_for(
        lambda: [it for s in range(8) for it in store.query(f"P#e2e/never#*#{s}", run_id)],
        10,
        what="the pause",
    )
    ddb.delete_item(TableName=table, Key=item_key(item["pk"]["S"], item["sk"]["S"]))
    ddb.delete_item(TableName=table, Key=item_key("PP#e2e/never", "PP"))
    old = json.loads(item["pause"]["S"])
    old.pop("legacy", None)
    ddb.put_item(
        TableName=table,
        Item={
            **item,
            **item_key("P#e2e/never#*", item["sk"]["S"]),
            "pause": {"S": json.dumps(old)},
        },
    )
    assert list(store.query("P#e2e/never#*"))
    api.send("e2e/never", {})
    assert api.wait_run(event_id)["output"] == "finished"
    assert not list(store.query("P#e2e/never#*"))  # the resumed pause was deleted where it was
