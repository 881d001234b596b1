"""The event API under bad input, through the real handler: a 4xx naming the problem and
nothing stored for a refused event; a batch keeps its valid events (as Inngest's does)."""

from __future__ import annotations

import json

import inngest
import pytest
from inngest._internal.errors import SendEventsError

from inngest_lambda.core import clock
from inngest_lambda.runtime import get_runtime


def _stored(event_id: str) -> bool:
    return get_runtime().store.get_event(event_id) is not None


def _post(api, body: bytes):
    return api.http.post("/e/key", content=body, headers={"content-type": "application/json"})


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"[" * 1500 + b"]" * 1500, "nested more than 100 levels"),
        (b'{"name": "e2e/three", "data": {"n":' * 1500 + b"1" + b"}}" * 1500, "nested"),
        (b'{"name": "e2e/three", "id": "nan-1", "data": {"n": NaN}}', "NaN"),
        (b'{"name": "e2e/three", "id": "inf-1", "data": {"n": Infinity}}', "Infinity"),
        (b'{"name": "e2e/three", "id": "ts-1", "ts": true}', "'ts' must be an integer"),
        (b'{"name": "e2e/three", "id": "ts-2", "ts": 1e29}', "'ts' must be an integer"),
        (b'{"name": "e2e/three", "id": "ts-3", "ts": -5}', "'ts' must be an integer"),
        (b'{"name": "e2e/three", "id": "v-1", "v": 5}', "'v' must be a string"),
        (b'{"name": "e2e/three", "id": "s-1\\ud800"}', "surrogate"),
        (b'{"name": "e2e/\\udc00three", "id": "s-2"}', "surrogate"),
    ],
)
def test_bad_input_is_400_and_nothing_is_stored(api, body, fragment):
    res = _post(api, body)
    assert res.status_code == 400, res.text
    assert fragment in res.json()["error"]
    assert res.json()["ids"] == []
    for event_id in ("nan-1", "inf-1", "ts-1", "ts-2", "ts-3", "v-1", "s-2"):
        assert not _stored(event_id)


def test_names_and_ids_over_the_key_limits_are_400_naming_the_limit(api):
    res = api.http.post("/e/key", json={"name": "n" * 3000, "id": "long-name-1"})
    assert res.status_code == 400
    assert "'name' is 3000 bytes long, longer than the 256 bytes allowed" in res.json()["error"]
    assert not _stored("long-name-1")
    res = api.http.post("/e/key", json={"name": "e2e/three", "id": "i" * 3000})
    assert res.status_code == 400 and "'id' is 3000 bytes long" in res.json()["error"]
    assert not _stored("i" * 256)


def test_non_ascii_event_key_is_401(api):
    res = api.http.post("/e/cl%C3%A9", json={"name": "e2e/none", "id": "key-1"})
    assert res.status_code == 401
    assert not _stored("key-1")


def test_a_request_over_the_lambda_limit_is_413_naming_it(api):
    events = [{"name": "e2e/none", "data": {"x": "y" * 1_000_000}} for _ in range(7)]
    res = api.http.post("/e/key", json=events)
    # Refused before the function runs (by the local API Gateway, as AWS does), naming the limit.
    assert res.status_code == 413
    assert "6291556 bytes" in res.json()["errorMessage"]


def _sdk_client(api) -> inngest.Inngest:
    return inngest.Inngest(
        app_id="oversize-sender",
        event_key="key",
        event_api_base_url=api.stack.url,
        is_production=False,
    )


def test_the_sdk_raises_on_a_send_over_the_lambda_limit(api):
    """The real SDK reads only the body (never the status): the 413 must carry `error`, or
    `send_sync` returns [] and the caller believes the event went."""
    client = _sdk_client(api)
    event = inngest.Event(name="e2e/none", id="oversize-1", data={"x": "y" * 6_500_000})
    with pytest.raises(SendEventsError, match="413 Request Entity Too Large.*6291556 bytes"):
        client.send_sync(event)
    assert not _stored("oversize-1")


def test_the_sdk_raises_when_storing_the_event_fails(api, monkeypatch):
    """An ingest failure is a 500 with `error`: the SDK retries it, then raises."""
    ingestor = get_runtime().ingestor
    calls = []

    def broken(*args, **kwargs):
        calls.append(1)
        raise RuntimeError("DynamoDB is down")

    monkeypatch.setattr(ingestor, "ingest", broken)
    with pytest.raises(SendEventsError, match="events not stored: DynamoDB is down"):
        _sdk_client(api).send_sync(inngest.Event(name="e2e/none", id="broken-1"))
    assert len(calls) == 5  # the SDK's MAX_SEND_ATTEMPTS, each answered 500
    monkeypatch.undo()
    assert not _stored("broken-1")


def test_the_request_limit_is_a_setting_and_the_413_names_it(api, monkeypatch):
    from inngest_lambda.settings import get_settings

    monkeypatch.setenv("INNGEST_LAMBDA_MAX_REQUEST_BYTES", "1000")
    get_settings.cache_clear()
    try:
        res = api.http.post(
            "/e/key", json={"name": "e2e/none", "id": "limit-1", "data": {"x": "y" * 1000}}
        )
    finally:
        monkeypatch.delenv("INNGEST_LAMBDA_MAX_REQUEST_BYTES")
        get_settings.cache_clear()
    assert res.status_code == 413
    assert "larger than the 1000 bytes AWS Lambda accepts" in res.json()["error"]
    assert not _stored("limit-1")


def test_an_event_of_three_megabytes_is_stored_in_s3_and_runs(api):
    big = "z" * (2 * 1024 * 1024)
    event_id = api.send("e2e/three", {"n": 1, "pad": big})
    assert get_runtime().store.get_event(event_id)["data"]["pad"] == big
    run = api.wait_run(event_id)
    assert run["status"] == "Completed"


def test_a_batch_with_bad_events_stores_and_runs_the_good_ones(api):
    good = [
        {"name": "e2e/three", "data": {"n": 1}, "id": "partial-good-1"},
        {"name": "e2e/three", "data": {"n": 2}, "id": "partial-good-2"},
    ]
    bad = [{"name": "e2e/three", "data": "oops", "id": "partial-bad-1"}, {"id": "partial-bad-2"}]
    res = api.http.post("/e/key", json=[good[0], bad[0], good[1], bad[1]])
    assert res.status_code == 400
    body = res.json()
    assert body["ids"] == ["partial-good-1", "partial-good-2"]
    assert [e["index"] for e in body["errors"]] == [1, 3]
    assert "event 1: 'data' must be a JSON object" in body["error"]
    assert "event 3: 'name' is required" in body["error"]
    assert not _stored("partial-bad-1") and not _stored("partial-bad-2")
    for event_id in body["ids"]:
        assert api.wait_run(event_id)["status"] == "Completed"


def test_the_sdk_sees_the_accepted_ids_on_a_partial_batch(api, stack):
    client = inngest.Inngest(app_id="sender", is_production=False, event_api_base_url=stack.url)
    events = [
        inngest.Event(name="e2e/none", id="sdk-partial-1"),
        inngest.Event(name="inngest/reserved", id="sdk-partial-2"),
    ]
    with pytest.raises(SendEventsError) as info:
        client.send_sync(events)
    assert info.value.ids == ["sdk-partial-1"]
    assert "event 1: name 'inngest/reserved' is reserved" in str(info.value)
    assert _stored("sdk-partial-1") and not _stored("sdk-partial-2")


def test_a_body_that_is_valid_json_but_not_events_is_400(api):
    res = _post(api, json.dumps([1, "two", None]).encode())
    assert res.status_code == 400
    assert [e["index"] for e in res.json()["errors"]] == [0, 1, 2]


def test_a_large_batch_looks_up_pauses_once_per_event_name_not_once_per_event(api):
    from inngest_lambda.core import aws

    queries = []
    client = aws.client("dynamodb")

    def seen(model, params, **_):
        if model.name == "Query":
            queries.append(params["ExpressionAttributeValues"][":pk"]["S"])

    from inngest_lambda.events.pauses import PAUSE_SHARDS, Pause, PauseIndex

    # An unkeyed wait on one of the two names (none was ever written on the other).
    PauseIndex(get_runtime().store).put(
        Pause("wait", "e2e/bulk-0", "run-bulk", "s", None, None, None, clock.now() + 600)
    )
    client.meta.events.register("before-parameter-build.dynamodb.Query", seen)
    try:
        events = [{"name": f"e2e/bulk-{i % 2}", "data": {"i": i}} for i in range(300)]
        res = api.http.post("/e/key", json=events)
    finally:
        client.meta.events.unregister("before-parameter-build.dynamodb.Query", seen)
    assert res.status_code == 200 and len(res.json()["ids"]) == 300
    pause_queries = [pk for pk in queries if pk.startswith("P#")]
    # Per name, however many events of it: the pre-sharding partition once, and each shard of
    # the unkeyed pauses once for the name that has some (none for the other).
    shards = [f"P#e2e/bulk-0#*#{s}" for s in range(PAUSE_SHARDS)]
    assert sorted(pause_queries) == sorted(["P#e2e/bulk-0#*", "P#e2e/bulk-1#*", *shards])


def test_an_event_value_too_long_for_a_key_never_reaches_dynamodb_as_one(api):
    """DynamoDB refuses partition keys over 2,048 bytes (moto does not): no such Query is sent."""
    from inngest_lambda.core import aws

    # e2e/paid has keyed pauses (`async.data.order == ...`) once a `waits` run reached its wait.
    waiter = api.send("e2e/wait", {"order": "k-1", "timeout": 5})
    api.wait_step(waiter, "wait-payment", "Waiting")
    keys = []
    client = aws.client("dynamodb")

    def seen(model, params, **_):
        keys.append(params["ExpressionAttributeValues"][":pk"]["S"])

    client.meta.events.register("before-parameter-build.dynamodb.Query", seen)
    try:
        res = api.http.post("/e/key", json={"name": "e2e/paid", "data": {"order": "o" * 3000}})
    finally:
        client.meta.events.unregister("before-parameter-build.dynamodb.Query", seen)
    assert res.status_code == 200
    assert keys and all(len(k.encode()) <= 2048 for k in keys)
