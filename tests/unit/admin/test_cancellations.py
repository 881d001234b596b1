"""What one page of a bulk cancellation costs in AWS calls (docs/capacity.md quotes these), and
that a repeated page message changes nothing."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from inngest_lambda import runtime
from inngest_lambda.admin import cancellations
from inngest_lambda.storage import cancellations as jobs
from inngest_lambda.storage.partition_reads import PAGE_ITEMS

pytestmark = pytest.mark.durable(
    functions="tests.support.apps.bulk_cancel_functions",
    start=datetime.datetime(2030, 1, 7, 8, 0, tzinfo=datetime.UTC),
)
RUNS = 20


def _job(durable: Any, expression: str | None = None) -> jobs.Cancellation:
    durable.send_many([{"name": "bulk/go", "data": {"n": n}} for n in range(RUNS)])
    deployment = runtime.get_runtime()
    request = cancellations.validate(
        deployment,
        "sleeper",
        app_id="bulk-app",
        started_after=None,
        started_before=durable.now.timestamp(),
        expression=expression,
    )
    return cancellations.create(deployment, request)


def test_a_page_costs_three_calls_per_cancelled_run_plus_a_few(durable, aws_calls):
    store = runtime.get_runtime().store
    job = _job(durable)
    aws_calls.reset()
    cancellations.handle(store, {"kind": cancellations.KIND, "id": job.id})
    per_run = {"dynamodb.GetItem": 1, "dynamodb.UpdateItem": 1, "sqs.SendMessage": 1}
    # the job's GetItem and its save; the index is read PAGE_ITEMS entries per Query
    queries = -(-RUNS // PAGE_ITEMS)
    per_page = {"dynamodb.GetItem": 1, "dynamodb.Query": queries, "dynamodb.UpdateItem": 1}
    expected = {k: RUNS * per_run.get(k, 0) + per_page.get(k, 0) for k in {*per_run, *per_page}}
    assert dict(aws_calls) == expected  # a short last page: no next-page message
    done = jobs.get(store, job.id)
    assert done is not None and (done.status, done.cancelled) == (jobs.DONE, RUNS)

    aws_calls.reset()  # the same message again (SQS delivers at least once): one read, no write
    cancellations.handle(store, {"kind": cancellations.KIND, "id": job.id})
    assert dict(aws_calls) == {"dynamodb.GetItem": 1}
    assert jobs.get(store, job.id) == done


def test_an_if_costs_one_read_more_per_run(durable, aws_calls):
    store = runtime.get_runtime().store
    job = _job(durable, "event.data.n < 5")
    aws_calls.reset()
    cancellations.handle(store, {"kind": cancellations.KIND, "id": job.id})
    assert aws_calls.of("dynamodb", "GetItem") == 1 + RUNS + 5  # job, each run's event, 5 cancels
    assert aws_calls.of("sqs", "SendMessage") == 5
    done = jobs.get(store, job.id)
    assert done is not None and (done.cancelled, done.examined) == (5, RUNS)
