"""Run creation (once per idempotency key), reads, and replay links: items and AWS calls."""

from __future__ import annotations

import pytest

from inngest_lambda.storage import runs
from inngest_lambda.storage.codec import encode_attr, item_key
from inngest_lambda.storage.models import Conflict
from inngest_lambda.storage.retention import IDEMPOTENCY_SECONDS
from tests.unit.storage.conftest import NOW, Calls, Db, new_run


def test_a_run_is_created_in_one_transaction_with_its_key_and_event_link(db: Db, calls: Calls):
    run = new_run("01A")
    assert runs.create_run(db, run, "app-fn#ev1") == ("01A", True)
    assert calls.take() == {"TransactWriteItems": 1}
    assert db.item("I#app-fn#ev1", "I") == {
        "pk": "I#app-fn#ev1",
        "sk": "I",
        "run_id": "01A",
        "expires_at": int(NOW + IDEMPOTENCY_SECONDS),
    }
    stored = db.item("R#01A", "R")
    assert stored is not None and stored["status"] == "Queued" and "sweep_at" in stored
    link = db.item("E#ev1", "R#01A")
    assert link == {"pk": "E#ev1", "sk": "R#01A", "function_id": "app-fn"}  # no TTL while it lives


def test_a_second_creation_with_the_same_key_returns_the_first_run(db: Db, calls: Calls):
    runs.create_run(db, new_run("01A"), "app-fn#ev1")
    calls.take()
    assert runs.create_run(db, new_run("01B"), "app-fn#ev1") == ("01A", False)
    # The refused transaction, then the idempotency item read.
    assert calls.take() == {"TransactWriteItems": 1, "GetItem": 1}
    assert db.item("R#01B", "R") is None


def test_a_failed_flow_control_condition_writes_nothing(db: Db, calls: Calls):
    never = {
        "ConditionCheck": {
            "TableName": db.table,
            "Key": item_key("F#nothing", "X"),
            "ConditionExpression": "attribute_exists(pk)",
        }
    }
    with pytest.raises(Conflict):
        runs.create_run(db, new_run("01A"), "app-fn#ev1", extra=[never])
    assert calls.take() == {"TransactWriteItems": 1}
    assert db.item("R#01A", "R") is None and db.item("I#app-fn#ev1", "I") is None


def test_runs_are_read_one_get_or_one_batch(db: Db, calls: Calls):
    for i in range(3):
        runs.create_run(db, new_run(f"01R{i}", event={"id": f"e{i}", "name": "a"}), f"k{i}")
    calls.take()
    run = runs.get_run(db, "01R1")
    assert run is not None and run.event_id == "e1" and run.events == [{"id": "e1", "name": "a"}]
    assert runs.get_run(db, "01NONE") is None
    assert calls.take() == {"GetItem": 2}
    assert [r.run_id for r in runs.get_runs(db, ["01R2", "01R0", "01NONE"])] == ["01R0", "01R2"]
    assert calls.take() == {"BatchGetItem": 1}


def test_a_replay_of_a_live_run_is_listed_on_it_without_ttl(db: Db, calls: Calls):
    original = new_run("01O")
    runs.create_run(db, original, "k-orig")
    replay = new_run("01P", replay_of="01O")
    runs.create_run(db, replay, "k-replay", extra=runs.replay_link(db, original, "01P", live=True))
    calls.take()
    assert runs.replays_of(db, "01O") == ["01P"]
    assert calls.take() == {"Query": 1}
    assert db.item("R#01O", "R")["replays"] == ["01P"]
    assert "expires_at" not in db.item("R#01O", "X#01P")


def test_a_live_replay_link_on_an_ending_run_is_refused(db: Db, calls: Calls):
    original = new_run("01O")
    runs.create_run(db, original, "k-orig")
    db.ddb.update_item(
        TableName=db.table,
        Key=item_key("R#01O", "R"),
        UpdateExpression="SET finishing = :f",
        ExpressionAttributeValues={":f": encode_attr("{}")},
    )
    calls.take()
    with pytest.raises(Conflict):
        runs.create_run(
            db, new_run("01P"), "k-replay", extra=runs.replay_link(db, original, "01P", live=True)
        )
    assert calls.take() == {"TransactWriteItems": 1}
    assert db.item("R#01P", "R") is None
    # Not live: the link carries its own TTL, the original is left alone.
    link = runs.replay_link(db, original, "01P", live=False)
    assert runs.create_run(db, new_run("01P"), "k-replay", extra=link) == ("01P", True)
    assert "expires_at" in db.item("R#01O", "X#01P")
    assert "replays" not in db.item("R#01O", "R")
