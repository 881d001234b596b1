"""Events a served function sends to this deployment's own event API are ingested in-process:
the listener starts and no request reaches the API over the network (inprocess_send.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from inngest_lambda import settings
from inngest_lambda.testing import assert_completed

pytestmark = pytest.mark.durable(functions="tests.support.apps.send_functions")


def _spy_on_the_api(durable: Any) -> list[tuple[str, str]]:
    """(method, path) of every request the local API Gateway answers from now on."""
    server = durable.stack.server
    seen: list[tuple[str, str]] = []
    respond = server.respond

    def spied(method: str, path: str, *args: Any, **kwargs: Any) -> Any:
        seen.append((method, path))
        return respond(method, path, *args, **kwargs)

    server.respond = spied
    return seen


def _tell(durable: Any, how: str) -> tuple[Any, list[tuple[str, str]]]:
    """Start `tell-<how>` and run everything it starts; the API requests made meanwhile."""
    event_id = durable.send(f"s/tell-{how}", process=False)
    seen = _spy_on_the_api(durable)
    durable.run_until_idle()
    return durable.run(event_id), seen


def _event_posts(seen: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(m, p) for m, p in seen if m == "POST" and p.startswith("/e/")]


@pytest.mark.parametrize("how", ["sync", "async"])
def test_a_sent_event_starts_its_listener_without_a_request_to_the_api(durable, how) -> None:
    run, seen = _tell(durable, how)
    (sent,) = assert_completed(run).output
    (listener,) = durable.runs_of("hear")
    assert listener.event_id == sent
    assert assert_completed(listener).output == how
    assert _event_posts(seen) == []


@pytest.mark.durable(env={"INNGEST_THREAD_POOL_MAX_WORKERS": "0"})
def test_a_sync_function_run_on_the_event_loops_own_thread_sends_in_process(durable) -> None:
    """Without its thread pool the SDK runs a sync function on the loop's thread, which then
    blocks in `send_sync`: the in-process call must not need that loop."""
    run, seen = _tell(durable, "sync")
    assert_completed(run)
    assert [r.output for r in durable.runs_of("hear")] == ["sync"]
    assert _event_posts(seen) == []


def test_a_client_pointed_at_another_origin_still_sends_over_the_network(durable) -> None:
    from tests.support.apps import send_functions

    # The same server under another name: not this deployment's origin, so not in-process.
    send_functions.client._event_api_origin = durable.url.replace("127.0.0.1", "localhost")
    run, seen = _tell(durable, "async")
    assert_completed(run)
    assert assert_completed(durable.runs_of("hear")[0]).output == "async"
    assert len(_event_posts(seen)) == 1


@pytest.mark.durable(env={settings.ENV_INPROCESS_SEND: "0"})
def test_the_off_switch_sends_over_the_network(durable) -> None:
    run, seen = _tell(durable, "sync")
    assert_completed(run)
    assert [r.output for r in durable.runs_of("hear")] == ["sync"]
    assert len(_event_posts(seen)) == 1


@pytest.mark.parametrize("how", ["sync", "async"])
def test_an_ingestion_that_fails_in_process_is_retried_by_the_sdk(durable, how) -> None:
    """The SDK sees a 500, as over HTTP, and sends again with the same ids: one listener run."""
    from tests.faults.injector import Injector

    faults = Injector()
    faults.install(durable.stack)

    def is_the_sent_event(params: dict[str, Any]) -> bool:
        return "s/heard" in json.dumps(params, default=str)

    faults.fail("dynamodb.BatchWriteItem", is_the_sent_event)
    run, seen = _tell(durable, how)
    assert len(faults.failed) == 1
    (sent,) = assert_completed(run).output
    assert [(r.event_id, r.output) for r in durable.runs_of("hear")] == [(sent, how)]
    assert _event_posts(seen) == []
