"""Issue 12 items 2, 3 and 5: a message lost or failing persistently never strands a run."""

from __future__ import annotations

import datetime

import pytest

from inngest_lambda.testing import assert_completed
from tests.faults.injector import step_write

pytestmark = pytest.mark.durable(functions="tests.support.apps.fault_functions")

MINUTE = datetime.timedelta(minutes=1)


def _post(durable, name, data, event_id):
    return durable.request("POST", "/e/test", {"name": name, "data": data, "id": event_id})


def _queue_counts(durable, dlq=False):
    from inngest_lambda.local.aws_clients import client
    from inngest_lambda.local.resources import dlq_name

    settings = durable.stack.settings
    sqs = client("sqs", settings.region)
    url = settings.queue_url
    if dlq:
        url = sqs.get_queue_url(QueueName=dlq_name(url.rsplit("/", 1)[-1]))["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return sum(
        int(attrs[k])
        for k in (
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
        )
    )


def test_a_lost_start_message_is_recovered_by_the_sweeper(durable, faults):
    faults.fail("sqs.SendMessageBatch")
    status, _ = _post(durable, "f/steps", {"n": 1}, "start-lost-1")
    assert status == 500
    durable.run_until_idle()
    assert durable.run("start-lost-1").status == "Queued"
    durable.advance(2 * MINUTE)
    assert_completed(durable.run("start-lost-1"), {"a": 2, "b": 4})


def test_a_client_retry_with_the_same_event_id_finishes_the_start(durable, faults):
    faults.fail("sqs.SendMessageBatch")
    assert _post(durable, "f/steps", {"n": 1}, "start-lost-2")[0] == 500
    assert _post(durable, "f/steps", {"n": 1}, "start-lost-2")[0] == 200
    durable.run_until_idle()
    assert_completed(durable.run("start-lost-2"), {"a": 2, "b": 4})


@pytest.mark.parametrize("client_retries", [True, False], ids=["client-retries", "no-retry"])
def test_a_lost_resume_message_does_not_delay_the_run_to_its_timeout(
    durable, faults, client_retries
):
    event_id = durable.send("f/wait", {"order": "o-9"})
    faults.fail("sqs.SendMessageBatch")
    assert _post(durable, "f/paid", {"order": "o-9", "amount": 7}, "paid-1")[0] == 500
    if client_retries:
        assert _post(durable, "f/paid", {"order": "o-9", "amount": 7}, "paid-1")[0] == 200
        durable.run_until_idle()
    else:
        durable.advance(2 * MINUTE)  # the wait's timeout is an hour away
    assert_completed(durable.run(event_id), {"paid": 7})


def test_a_persistent_error_backs_off_instead_of_dead_lettering_the_run(durable, faults):
    # Writing the first step fails for a while (throttling, an outage): 15 receives at 2 s
    # retries would have sent the run's only message to the DLQ within a minute.
    rule = faults.fail(None, step_write, times=15)
    event_id = durable.send("f/steps", {"n": 5})
    durable.advance(datetime.timedelta(hours=2))
    assert_completed(durable.run(event_id), {"a": 6, "b": 12})
    assert rule.fired == 15
    assert _queue_counts(durable, dlq=True) == 0
    assert _queue_counts(durable) == 0


def test_a_run_whose_message_was_dead_lettered_is_re_driven_by_the_sweeper(durable, faults):
    from inngest_lambda import settings

    # Failing longer than the queue's whole receive budget: the message lands in the DLQ.
    rule = faults.fail(None, step_write, times=settings.QUEUE_MAX_RECEIVE_COUNT + 5)
    event_id = durable.send("f/steps", {"n": 5})
    durable.advance(datetime.timedelta(hours=8))
    assert_completed(durable.run(event_id), {"a": 6, "b": 12})
    assert rule.fired == settings.QUEUE_MAX_RECEIVE_COUNT + 5


def test_a_driver_that_dies_mid_run_is_replaced_within_two_minutes(durable, faults):
    # The drive dies right after the first step is written: no park, no release, no message
    # visibility change reaches AWS; its message would only come back after 16 minutes.
    rule = faults.fail(None, step_write, crash=True)
    event_id = durable.send("f/steps", {"n": 1})
    died = durable.clock.now()
    assert rule.fired == 1
    assert durable.run(event_id).status == "Running"
    durable.advance(2 * MINUTE)
    run = assert_completed(durable.run(event_id), {"a": 2, "b": 4})
    from inngest_lambda.core import clock

    assert clock.parse_iso(run.step("a").ended_at) - died <= 120


def test_a_debounce_burst_whose_handler_died_fires_within_two_minutes(durable, faults):
    """The invocation handling the burst's message dies at its first call (the message comes
    back only after SQS's visibility timeout, 90 min): the sweeper fires the burst."""
    from tests.faults.injector import key_starts

    assert _post(durable, "f/debounce", {"n": 1}, "burst-1")[0] == 200
    durable.advance(1)
    assert _post(durable, "f/debounce", {"n": 2}, "burst-2")[0] == 200
    durable.run_until_idle()
    rule = faults.fail("dynamodb.GetItem", key_starts("F#"), times=1, crash=True)
    durable.advance(5 + 2 * 60)
    assert rule.fired == 1
    assert_completed(durable.run("burst-2"), 2)
    assert durable.runs("burst-1") == []


def test_a_batch_whose_timeout_handler_died_closes_within_two_minutes(durable, faults):
    """One event, so the batch closes at its 5 s timeout; the invocation handling the timeout
    message dies at its first call (SQS would bring the message back after 90 min): the
    sweeper sends it again and the batch's run starts."""
    from tests.faults.injector import key_starts

    assert _post(durable, "f/batch", {"n": 1}, "lone-1")[0] == 200
    durable.run_until_idle()
    rule = faults.fail("dynamodb.GetItem", key_starts("R#"), times=1, crash=True)
    durable.advance(5 + 2 * 60)
    assert rule.fired == 1
    assert_completed(durable.run("lone-1"), [1])


def test_a_retried_batch_append_is_counted_once(durable, faults):
    """The first event's append commits, then re-reading the batch pointer fails: the client
    retries the event, finds its entry already in the batch and must not count itself again
    (it used to close the batch of 2 with that one event, and the second went to another)."""
    reads = {"n": 0}

    def second_pointer_read(params):
        if str(params.get("Key", {}).get("pk", {}).get("S", "")).startswith("F#"):
            reads["n"] += 1
            return reads["n"] == 2
        return False

    rule = faults.fail("dynamodb.GetItem", second_pointer_read)
    assert _post(durable, "f/batch", {"n": 1}, "pair-1")[0] == 500
    assert rule.fired == 1
    assert _post(durable, "f/batch", {"n": 1}, "pair-1")[0] == 200  # the client's retry
    assert _post(durable, "f/batch", {"n": 2}, "pair-2")[0] == 200
    durable.run_until_idle()
    assert_completed(durable.run("pair-1"), [1, 2])
    assert durable.run("pair-2").run_id == durable.run("pair-1").run_id


def test_a_retried_event_whose_batch_closed_is_not_batched_again(durable, faults):
    """The second event fills the batch and its run starts, then the request fails before
    it answers (here: taking the batch out of the sweep index). The client retries the event:
    it must not open a second batch with it (that started a second run of `[2]`)."""
    from tests.faults.injector import key_starts

    assert _post(durable, "f/batch", {"n": 1}, "full-1")[0] == 200
    rule = faults.fail("dynamodb.DeleteItem", key_starts("FB#"), times=1)
    assert _post(durable, "f/batch", {"n": 2}, "full-2")[0] == 500
    assert rule.fired == 1
    assert _post(durable, "f/batch", {"n": 2}, "full-2")[0] == 200  # the client's retry
    durable.advance(5 + 2 * 60)  # past the batch timeout and the sweeper's next minutes
    runs = durable.runs_of("faults-batched")
    assert [r.output for r in runs] == [[1, 2]], "\n".join(r.table() for r in runs)
    assert durable.run("full-2").run_id == durable.run("full-1").run_id
