"""Issue 12 item 4, every item a run owns: nothing of an unfinished run expires, whatever its
age; retention counts from the run's end. DynamoDB's TTL sweep is emulated (`_expire`): on
the virtual clock nothing else would ever delete an item."""

from __future__ import annotations

import datetime

import pytest

from inngest_lambda.testing import assert_completed

pytestmark = pytest.mark.durable(functions="tests.support.apps.fault_functions")

DAY = datetime.timedelta(days=1)


def _ddb(durable):
    from inngest_lambda.local.aws_clients import client

    return client("dynamodb", durable.stack.settings.region)


def _items(durable, prefix: str) -> dict[tuple[str, str], int | None]:
    """(pk, sk) -> TTL of every item whose partition key starts with `prefix`."""
    ddb, table = _ddb(durable), durable.stack.settings.table
    out = {}
    for page in ddb.get_paginator("scan").paginate(TableName=table):
        for item in page["Items"]:
            if item["pk"]["S"].startswith(prefix):
                ttl = item.get("expires_at")
                out[(item["pk"]["S"], item["sk"]["S"])] = int(ttl["N"]) if ttl else None
    return out


def _retention() -> float:
    from inngest_lambda.settings import get_settings

    return get_settings().retention_days * 86400.0


def test_a_60_day_sleep_is_still_cancellable_by_its_event_on_day_59(durable):
    event_id = durable.send("f/long-sleep-cancellable", {"days": 60, "order": "o-1"})
    run_id = durable.run(event_id).run_id
    link = (f"E#{event_id}", f"R#{run_id}")
    assert _items(durable, "E#")[link] is None  # the link lives as long as the run
    assert set(_items(durable, "P#f/stop").values()) == {None}  # so does the cancel pause
    durable.advance(59 * DAY)
    assert durable.expire_items() > 0  # the TTL sweep ran over something (the trigger event)
    assert durable.run(event_id).status == "Running"  # the event still lists its run
    durable.send("f/stop", {"order": "o-1"})
    assert durable.run(event_id).status == "Cancelled"
    ended = durable.clock.now()
    # From the end: the link expires after the retention, the cancel pause is gone.
    assert ended - 120 <= _items(durable, "E#")[link] - _retention() <= ended + 1
    assert _items(durable, "P#f/stop") == {}


def test_a_60_day_sleep_with_cancel_that_completes_keeps_its_link_and_drops_its_pause(durable):
    event_id = durable.send("f/long-sleep-cancellable", {"days": 60, "order": "o-2"})
    run_id = durable.run(event_id).run_id
    durable.advance(60 * DAY + datetime.timedelta(minutes=1))
    durable.expire_items()
    assert_completed(durable.run(event_id), "woke")
    ended = durable.clock.now()
    ttl = _items(durable, "E#")[(f"E#{event_id}", f"R#{run_id}")]
    assert ended - 120 <= ttl - _retention() <= ended + 1
    assert _items(durable, "P#f/stop") == {}
    # A cancel event after the end cancels nothing and leaves nothing behind.
    durable.send("f/stop", {"order": "o-2"})
    assert durable.run(event_id).status == "Completed"


def _waiters(durable) -> dict[tuple[str, str], int | None]:
    """The concurrency waiting-list entries (pk `<slot>#W`) and their TTLs."""
    return {k: ttl for k, ttl in _items(durable, "F#").items() if k[0].endswith("#W")}


def test_a_run_waiting_31_days_for_a_concurrency_slot_keeps_its_place(durable):
    from tests.support.apps import fault_functions

    second: dict[str, str] = {}

    def backlog() -> None:
        # While `first` holds the one slot, `second` arrives, is driven, finds the slot taken
        # and joins the waiting list; then a backlog of 31 days passes (compressed into this
        # step) and DynamoDB's TTL sweep runs.
        second["event"] = durable.send("f/backlog", {"tag": "second"})
        assert durable.run(second["event"]).steps == ()  # it has not run a step
        assert list(_waiters(durable).values()) == [None]  # no TTL while it waits
        durable.clock.advance(31 * 86400)
        durable.expire_items()

    fault_functions.DURING_WORK["first"] = backlog
    first = durable.send("f/backlog", {"tag": "first"})
    assert_completed(durable.run(first), "first")
    assert_completed(durable.run(second["event"]), "second")  # woken when the slot freed
    assert _waiters(durable) == {}  # admitted: its entry went with it


def test_a_run_cancelled_while_it_waits_for_a_slot_leaves_the_waiting_list(durable):
    from tests.support.apps import fault_functions

    events: dict[str, str] = {}

    def backlog() -> None:
        for tag in ("second", "third"):
            events[tag] = durable.send("f/backlog", {"tag": tag})
        second, third = (durable.run(events[t]).run_id for t in ("second", "third"))
        assert sorted(k[1].split("#")[1] for k in _waiters(durable)) == sorted([second, third])
        durable.cancel(third)  # behind `second` in the list, and the slot still taken
        assert durable.run(events["third"]).status == "Cancelled"
        assert [k[1].split("#")[1] for k in _waiters(durable)] == [second]

    fault_functions.DURING_WORK["first"] = backlog
    first = durable.send("f/backlog", {"tag": "first"})
    assert_completed(durable.run(first), "first")
    assert_completed(durable.run(events["second"]), "second")
    assert _waiters(durable) == {}


def _replayed_as(durable, run_id: str) -> str:
    """The "Replayed as" line of the run's dashboard page."""
    status, page = durable.request("GET", f"/runs/{run_id}")
    assert status == 200, page
    line = next((ln for ln in page.split("<tr>") if "Replayed as" in ln), "")
    return line


def test_a_replay_of_a_60_day_sleep_stays_listed_with_it_until_it_ends(durable):
    event_id = durable.send("f/long-sleep", {"days": 60})
    original = durable.run(event_id).run_id
    status, reply = durable.request("POST", f"/v1/runs/{original}/replay")
    assert status == 201, reply
    replay = reply["data"]["run_id"]
    link = (f"R#{original}", f"X#{replay}")
    assert _items(durable, f"R#{original}")[link] is None  # the link lives as long as the run
    durable.advance(59 * DAY)
    assert durable.expire_items() > 0
    assert durable.get_run(original).status == "Running"
    assert replay in _replayed_as(durable, original)  # day 59: still listed
    durable.advance(DAY + datetime.timedelta(minutes=1))
    durable.expire_items()
    assert_completed(durable.get_run(original), "after 60d")
    assert_completed(durable.get_run(replay), "after 60d")
    ended = durable.clock.now()
    # From the end: the link expires with the run it is listed under.
    assert ended - 120 <= _items(durable, f"R#{original}")[link] - _retention() <= ended + 1
    assert replay in _replayed_as(durable, original)


def test_a_replay_of_an_ended_run_expires_after_the_run(durable):
    event_id = durable.send("f/steps", {"n": 1})
    original = durable.run(event_id)
    assert_completed(original)
    run_ttl = _items(durable, f"R#{original.run_id}")[(f"R#{original.run_id}", "R")]
    durable.advance(DAY)
    status, reply = durable.request("POST", f"/v1/runs/{original.run_id}/replay")
    assert status == 201, reply
    link = (f"R#{original.run_id}", f"X#{reply['data']['run_id']}")
    ttl = _items(durable, f"R#{original.run_id}")[link]
    assert ttl >= run_ttl  # never gone before the run it is listed under
    assert abs(ttl - (durable.clock.now() + _retention())) <= 2


def test_a_replay_that_races_the_end_of_its_original_gets_a_ttl(durable, monkeypatch):
    import dataclasses

    from inngest_lambda.runtime import get_runtime

    event_id = durable.send("f/steps", {"n": 1})
    original = durable.run(event_id).run_id
    store = get_runtime().store
    # The replay read the original while it was still running; it has ended since.
    ended = store.get_run(original)
    stale = dataclasses.replace(ended, status="Running", ended_at=None)
    real_get_run = store.get_run

    def get_run(run_id):
        return stale if run_id == original else real_get_run(run_id)

    monkeypatch.setattr(store, "get_run", get_run)
    status, reply = durable.request("POST", f"/v1/runs/{original}/replay")
    assert status == 201, reply
    link = (f"R#{original}", f"X#{reply['data']['run_id']}")
    # The original's end cannot give this link a TTL any more: it has one of its own.
    assert abs(_items(durable, f"R#{original}")[link] - (durable.clock.now() + _retention())) <= 2
    assert real_get_run(original).replays == []


@pytest.mark.durable(env={"INNGEST_LAMBDA_RETENTION_DAYS": "1"})
def test_a_2_day_debounce_runs_with_its_event_under_a_1_day_retention(durable):
    # The burst reads its last event when it fires: the stored event must outlive the burst.
    event_id = durable.send("f/slow-debounce", {"n": 7})
    durable.advance(DAY + datetime.timedelta(hours=1))
    durable.expire_items()  # a 1-day TTL would have taken the event by now
    durable.advance(DAY)
    assert_completed(durable.run(event_id), 7)


def test_the_event_page_of_a_60_day_sleep_still_shows_its_event_on_day_59(durable):
    event_id = durable.send("f/long-sleep", {"days": 60, "order": "o-59"})
    run_id = durable.run(event_id).run_id
    durable.advance(59 * DAY)
    assert durable.expire_items() > 0
    assert durable.request("GET", f"/v1/events/{event_id}")[0] == 404  # the stored event
    status, page = durable.request("GET", f"/events/{event_id}")  # the run page links here
    assert status == 200, page
    assert "f/long-sleep" in page and "o-59" in page and run_id in page
    durable.advance(DAY + datetime.timedelta(minutes=1))
    assert_completed(durable.run(event_id), "after 60d")
    durable.advance(_retention() + 60)
    durable.expire_items()  # the run and its link are gone: so is the page
    assert durable.request("GET", f"/events/{event_id}")[0] == 404
