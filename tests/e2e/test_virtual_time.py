"""End-to-end tests whose subject is time (retries, timeouts, long sleeps, leases), on the
testing toolkit's virtual clock: the same handler, executor and store on moto, with Inngest's
real backoff and durations, deterministic and in milliseconds of wall time.

Tests that are about the local stack's real-time behaviour (moto honouring DelaySeconds, the
background pump) stay in the other files, on the shared real-time `stack`.
"""

from __future__ import annotations

import datetime

import pytest

from inngest_lambda.core import clock
from inngest_lambda.core.ids import deterministic_id
from inngest_lambda.runtime import get_runtime
from inngest_lambda.testing import assert_completed, assert_failed

pytestmark = pytest.mark.durable(functions="tests.support.apps.workflows")

MINUTE = datetime.timedelta(minutes=1)


def _calls(key: str) -> int:
    """How often a counted step body ran (the workflows module is imported by the fixture)."""
    from tests.support.apps.workflows import CALLS

    return CALLS[key]


def test_step_failing_twice_then_succeeding_is_retried_with_inngests_backoff(durable):
    event_id = durable.send("e2e/flaky")
    first_retry = durable.run(event_id).step("flaky-step").scheduled_for  # 15 s + 0..30 s jitter
    durable.advance_to(first_retry)
    durable.advance(1)  # SQS delays are whole seconds; the second retry is >= 30 s away
    flaky = durable.run(event_id).step("flaky-step")
    assert (flaky.status, flaky.attempts) == ("Scheduled", 2)
    durable.advance(2 * MINUTE)
    run = assert_completed(durable.run(event_id), "ok after 3 attempts")
    flaky = run.step("flaky-step")
    assert flaky.attempts == 3
    assert "transient failure 2" in flaky.error["message"]  # the last error is kept


def test_retry_after_error_delays_the_retry_by_what_it_asked(durable):
    event_id = durable.send("e2e/retryafter")  # RetryAfterError(3 s) on the first call
    durable.advance(2)
    assert durable.run(event_id).status == "Running"
    durable.advance(2)
    assert_completed(durable.run(event_id), "done")


def test_function_level_exception_is_retried_then_fails(durable):
    event_id = durable.send("e2e/crash")  # retries=1: two attempts
    assert durable.run(event_id).status == "Running"
    durable.advance(MINUTE)
    run = assert_failed(durable.run(event_id), "no such thing")
    assert run.error["name"] == "KeyError"
    assert _calls(f"crash:{run.run_id}") == 2


def _one_time_schedules(durable) -> list[str]:
    from inngest_lambda.core import aws

    group = durable.stack.settings.schedule_group
    listed = aws.client("scheduler").list_schedules(GroupName=group)["Schedules"]
    return [x["Name"] for x in listed if not x["Name"].startswith("cron-")]


def test_thirty_day_sleep_goes_through_scheduler_and_wakes_on_time(durable):
    event_id = durable.send("e2e/sleep", {"seconds": 30 * 86400})
    due = clock.parse_iso(durable.run(event_id).step("nap").scheduled_for)
    assert len(_one_time_schedules(durable)) == 1
    durable.advance(datetime.timedelta(days=29, hours=23))
    assert durable.run(event_id).step("nap").status == "Scheduled"
    durable.advance(datetime.timedelta(hours=2))
    run = assert_completed(durable.run(event_id), {"before": "before", "after": "after"})
    assert due <= clock.parse_iso(run.step("after").started_at) <= due + 2
    assert _one_time_schedules(durable) == []  # fired and deleted
    assert len(durable.runs_of("flow-cron")) in (4, 5)  # the weekly cron fired meanwhile


def test_no_matching_event_times_out_with_none(durable):
    event_id = durable.send("e2e/wait", {"order": "T-1", "timeout": 3600})
    durable.send("e2e/paid", {"order": "someone-else"})
    durable.advance(59 * MINUTE)
    assert durable.run(event_id).step("wait-payment").status == "Waiting"
    durable.advance(2 * MINUTE)
    assert_completed(durable.run(event_id), {"paid": None})


@pytest.mark.durable(duplicate_deliveries=True)
def test_event_first_then_duplicate_timeouts_keeps_the_event(durable):
    event_id = durable.send("e2e/wait", {"order": "RACE-1", "timeout": 120})
    durable.send("e2e/paid", {"order": "RACE-1"})
    run = assert_completed(durable.run(event_id), {"paid": {"order": "RACE-1"}})
    durable.advance(5 * MINUTE)  # the timeout timer, delivered twice, fires after the match
    assert durable.run(event_id) == run


@pytest.mark.durable(duplicate_deliveries=True)
def test_timeout_first_then_event_changes_nothing(durable):
    from inngest_lambda.events.pauses import PauseIndex

    event_id = durable.send("e2e/wait", {"order": "RACE-2", "timeout": 60})
    durable.advance(2 * MINUTE)
    run = assert_completed(durable.run(event_id), {"paid": None})
    durable.send("e2e/paid", {"order": "RACE-2"})
    durable.send("e2e/paid", {"order": "RACE-2"})
    durable.advance(MINUTE)
    assert durable.run(event_id) == run
    pauses = PauseIndex(get_runtime().store).candidates(
        {"name": "e2e/paid", "data": {"order": "RACE-2"}, "id": "x"}, ["data.order"]
    )
    assert pauses == []  # the pause is gone: the late events found nothing to resolve


def test_cancel_event_during_a_sleep_stops_the_run(durable):
    event_id = durable.send("e2e/cancellable", {"id": "c-1", "nap": 600})
    assert durable.run(event_id).step("nap").status == "Scheduled"
    durable.send("e2e/cancel", {"id": "other"})
    assert durable.run(event_id).status == "Running"
    durable.send("e2e/cancel", {"id": "c-1"})
    run = durable.run(event_id)
    assert run.status == "Cancelled"
    assert "e2e/cancel" in run.error["message"]
    durable.advance(datetime.timedelta(hours=1))  # past the sleep: the timer finds it ended
    assert durable.run(event_id).status == "Cancelled"
    assert _calls(f"cancel:{run.run_id}:after") == 0
    emitted = get_runtime().store.get_event(deterministic_id(run.run_id, "failed"))
    assert emitted["name"] == "inngest/function.cancelled"
    assert emitted["data"]["run_id"] == run.run_id


def test_run_held_by_a_dead_invocation_is_re_driven_by_the_sweeper_within_two_minutes(durable):
    from inngest_lambda.engine.executor import LEASE_SECONDS
    from inngest_lambda.storage.store import sweep_fields

    event_id = durable.send("e2e/sleep", {"seconds": 60})
    run = durable.run(event_id)
    # An invocation takes the run at wake-up time and dies: its lease is what the executor
    # takes (LEASE_SECONDS, renewed by a heartbeat that died with it).
    store = get_runtime().store
    died = durable.clock.now() + 60
    lease_until = died + LEASE_SECONDS
    sweep = sweep_fields(run.run_id, lease_until)
    store.ddb.update_item(
        TableName=store.table,
        Key={"pk": {"S": f"R#{run.run_id}"}, "sk": {"S": "R"}},
        UpdateExpression="SET lease_owner = :o, lease_until = :u, sweep_shard = :s, sweep_at = :a",
        ExpressionAttributeValues={
            ":o": {"S": "dead-invocation"},
            ":u": {"N": str(lease_until)},
            ":s": {"S": sweep["sweep_shard"]},
            ":a": {"N": str(sweep["sweep_at"])},
        },
    )
    durable.advance(61)  # the timer fires, finds the lease held and leaves it to its holder
    assert durable.run(event_id).step("nap").status == "Scheduled"
    durable.advance(3 * MINUTE)
    finished = assert_completed(durable.run(event_id))
    resumed = clock.parse_iso(finished.step("after").started_at)
    assert lease_until < resumed <= died + 120  # re-driven within two minutes of the death


def test_debounce_runs_once_with_the_last_event_after_a_quiet_period(durable):
    """flow-debounce: period 2 s, timeout 4 s, keyed by data.k."""
    ids = []
    for n in range(1, 4):
        ids.append(durable.send("flow/debounce", {"k": "quiet", "n": n}))
        durable.advance(0.4)  # shorter than the period: the debounce keeps waiting
    last_sent = durable.clock.now() - 0.4
    assert [r for i in ids for r in durable.runs(i)] == []
    durable.advance(3)  # 2 s of quiet (plus SQS's whole-second delay), before the 4 s timeout
    run = assert_completed(durable.run(ids[-1]), {"n": 3, "events": 1})
    assert durable.runs(ids[0]) == [] and durable.runs(ids[1]) == []
    assert last_sent + 2 <= clock.parse_iso(run.started_at) <= last_sent + 3


def test_debounce_timeout_caps_the_delay_while_events_keep_coming(durable):
    first_sent = durable.clock.now()
    ids = []
    for n in range(1, 10):  # an event every 1.5 s for 12 s: the 2 s period never elapses
        ids.append(durable.send("flow/debounce", {"k": "busy", "n": n}))
        durable.advance(1.5)
    runs = sorted((r for i in ids for r in durable.runs(i)), key=lambda r: r.started_at)
    assert runs, "the timeout must start a run while events keep coming"
    assert first_sent + 4 <= clock.parse_iso(runs[0].started_at) <= first_sent + 5


def test_start_timeout_cancels_a_run_that_waited_too_long(durable):
    # Throttled to one start per 3 s: the second would start 3 s late, past its 1 s budget.
    first = durable.send("flow/timeout-start", {"k": "vt", "name": "first"})
    second = durable.send("flow/timeout-start", {"k": "vt", "name": "second"})
    durable.advance(5)
    assert_completed(durable.run(first), "started first")
    late = durable.run(second)
    assert late.status == "Cancelled"
    assert "timeouts.start" in late.error["message"]
    assert not late.steps


def test_finish_timeout_cancels_a_run_that_runs_too_long(durable):
    event_id = durable.send("flow/timeout-finish", {"nap": 3})
    durable.advance(5)
    run = durable.run(event_id)
    assert run.status == "Cancelled"
    assert "timeouts.finish" in run.error["message"]
    assert [s.name for s in run.steps] == ["first", "nap"]  # "last" never ran


def test_full_batch_starts_at_once_and_a_partial_one_at_its_timeout(durable):
    """flow-batch: max_size 3, timeout 2 s, keyed by data.k."""
    ids = [durable.send("flow/batch", {"k": "full", "n": n}) for n in range(3)]
    run = assert_completed(durable.run(ids[0]), [0, 1, 2])  # full: no time had to pass
    assert [r.run_id for i in ids for r in durable.runs(i)] == [run.run_id] * 3
    one = durable.send("flow/batch", {"k": "partial", "n": 7})
    durable.advance(1)
    assert durable.runs(one) == []
    durable.advance(2)
    assert_completed(durable.run(one), [7])
