"""Inngest's exact executor semantics, through the real handler on moto (issue 9).

The figures asserted here are the ones Inngest's executor produces and the SDK's own integration
suite checks (request counts per run, step order in race mode, errors never retried).
"""

from __future__ import annotations

import json
import time

import pytest

from tests.e2e.conftest import step
from tests.support import servers
from tests.support.registration import app_sync, one_step_function
from tests.support.stacks import local_stack
from tests.support.waiting import wait_for


@pytest.fixture(scope="module")
def stack():
    env = {"INNGEST_LAMBDA_SDK_TIMEOUT_SECONDS": "5"}
    # The default pool of concurrent deliveries.
    with local_stack("tests.support.apps.parity_workflows", env) as st:
        yield st


@pytest.fixture()
def fns():
    from tests.support.apps import parity_workflows

    return parity_workflows


def test_parallel_group_then_a_step_takes_inngests_six_requests(api, fns):
    """1 discovery planning the group, 3 targeted steps (the invoke is not a request), 1 discovery
    after the group that runs `after` at once (immediate execution is back on), 1 that ends."""
    event_id = api.send("parity/parallel")
    run = api.wait_run(event_id)
    assert run["status"] == "Completed", run
    assert run["output"] == {"group": ["done", 1, 2, 1], "after": "after"}
    assert fns.REQUESTS[run["run_id"]] == 6
    assert fns.CALLS[f"after:{run['run_id']}"] == 1
    assert step(run, "after")["status"] == "Completed"


def test_race_mode_runs_each_branch_on_as_its_steps_finish(api, fns):
    """A discovery follows each finished step while the other branch still runs: the fast branch
    finishes both steps before the slow branch's first one ends. 1 + 4 steps + 4 discoveries."""
    event_id = api.send("parity/race")
    run = api.wait_run(event_id)
    assert run["status"] == "Completed", run
    assert run["output"] == ["a.1", "a.2", "b.1", "b.2"]
    assert fns.REQUESTS[run["run_id"]] == 9


def test_a_failed_request_in_a_group_keeps_what_its_siblings_returned(api, fns):
    run = api.wait_run(api.send("parity/parallel-fail"))
    assert run["status"] == "Completed", run
    assert run["output"] == ["fine", "busy"]
    assert fns.CALLS[f"fails:{run['run_id']}"] == 2
    assert fns.CALLS[f"busy:{run['run_id']}"] == 1  # not run again with the retry


def test_nested_step_fails_the_run_at_once_without_retries(api, fns):
    event_id = api.send("parity/nested")
    run = api.wait_run(event_id)
    run_id = run["run_id"]
    assert run["status"] == "Failed"
    assert run["output"]["message"] == "Nested steps are not supported."
    assert run["output"]["code"] == "step_errored"
    assert fns.CALLS[f"outer:{run_id}"] == 1  # retries=5, yet never retried
    assert fns.CALLS[f"inner:{run_id}"] == 0
    assert fns.CALLS[f"caught:{run_id}"] == 0
    assert fns.CALLS[f"after:{run_id}"] == 0
    assert step(run, "outer")["status"] == "Failed"


def test_no_retry_header_on_a_function_error_fails_the_run_at_once(api, fns):
    event_id = api.send("parity/nonretry-fn")
    run = api.wait_run(event_id)
    assert run["status"] == "Failed"
    assert run["output"]["message"] == "card declined"
    assert fns.CALLS[f"nonretry-fn:{run['run_id']}"] == 1


def test_invoke_timeout_raises_inngests_error_without_a_stack(api):
    event_id = api.send("parity/invoke-timeout")
    run = api.wait_run(event_id)
    assert run["status"] == "Completed", run
    assert run["output"] == {
        "name": "InngestInvokeTimeoutError",
        "message": "Timed out waiting for invoked function to complete",
        "stack": None,
    }
    assert "stack" not in step(run, "call")["error"]


def _wait_failure(fns, run_id: str) -> dict:
    wait_for(lambda: run_id in fns.FAILURES, what=f"the failure event of {run_id}")
    return fns.FAILURES[run_id]


def test_function_failed_event_carries_inngests_error_object(api, fns):
    event_id = api.send("parity/fails")
    run = api.wait_run(event_id)
    assert run["status"] == "Failed"
    # The run's output is the SDK's error as the SDK sent it.
    assert run["output"]["code"] == "unknown"
    assert run["output"]["name"] == "PaymentError"
    # The failure event's error is Inngest's standard error object.
    error = _wait_failure(fns, run["run_id"])
    assert error == {
        "error": "invalid status code: 500",
        "name": "PaymentError",
        "message": "card declined",
        "stack": error["stack"],
    }
    assert error["stack"].startswith("Traceback")


@pytest.fixture()
def broken_proxy():
    """An app URL answered by something that is not the SDK (a proxy saying 502)."""

    class Handler(servers.QuietHandler):
        def do_POST(self) -> None:  # noqa: N802 (stdlib name)
            self.rfile.read(int(self.headers.get("content-length") or 0))
            self.reply(502, "text/html", b"<html>502 Bad Gateway</html>")

    with servers.serve_http(Handler) as url:
        yield f"{url}/api/inngest"


def test_failure_not_from_the_sdk_is_reported_as_inngest_does(api, fns, broken_proxy):
    url = broken_proxy
    step_url = f"{url}?fnId=proxy-down&stepId=step"
    fn = one_step_function("proxy-down", [{"event": "parity/proxy"}], step_url, attempts=0)
    res = api.http.post("/fn/register", json=app_sync("proxy", [fn], url, as_sdk=True))
    assert res.status_code == 200, res.text
    run = api.wait_run(api.send("parity/proxy"))
    assert run["status"] == "Failed"
    message = "Your server returned HTTP 502 before the SDK responded."
    assert run["output"]["name"] == "Server returned a fatal error"
    assert run["output"]["message"] == message
    assert "<html>502 Bad Gateway</html>" in run["output"]["stack"]
    error = _wait_failure(fns, run["run_id"])
    assert error["error"] == message
    assert error["name"] == "Server returned a fatal error"
    assert "Upstream response (text/html)" in error["stack"]


def test_a_hung_app_holds_one_worker_then_its_attempt_times_out_and_retries(api, fns):
    hung_event = api.send("parity/hang")
    wait_for(lambda: fns.HANGING, interval=0.02, what="the hanging step's start")
    # Other runs go through while the request is hung (each saw it in flight).
    quick = [api.send("parity/quick") for _ in range(3)]
    assert [api.wait_run(e)["output"] for e in quick] == [True, True, True]
    # The hung request fails at the SDK timeout (5 s here) and the retry succeeds.
    run = api.wait_run(hung_event)
    assert run["status"] == "Completed", run
    assert run["output"] == "recovered"
    assert fns.CALLS[f"hang:{run['run_id']}"] == 2


@pytest.fixture()
def model(fns):
    """A model API on loopback: answers with `replies` in order (status, body), records calls."""
    calls: list[dict] = []
    replies: list[tuple[int, dict]] = []

    class Handler(servers.QuietHandler):
        def do_POST(self) -> None:  # noqa: N802 (stdlib name)
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            calls.append({"path": self.path, "headers": dict(self.headers.items()), "body": body})
            status, answer = replies.pop(0) if replies else (200, {"ok": True})
            self.reply(status, "application/json", json.dumps(answer).encode())

    with servers.serve_http(Handler) as url:
        fns.MODEL_URL["url"] = f"{url}/v1"
        yield calls, replies


def test_ai_infer_is_called_by_the_executor_and_retried_on_errors(api, model):
    calls, replies = model
    answer = {"id": "msg_1", "content": [{"type": "text", "text": "Hi there!"}]}
    replies += [(529, {"error": "overloaded"}), (200, answer)]
    run = api.wait_run(api.send("parity/ask"))
    assert run["status"] == "Completed", run
    assert run["output"] == {"answer": answer}
    assert len(calls) == 2  # the first answer was an error: the step was retried
    call = calls[-1]
    assert call["path"] == "/v1/messages"
    # Header names as Inngest's server (Go) writes them.
    assert call["headers"]["X-Api-Key"] == "sk-test-key"
    assert call["headers"]["X-My-Header"] == "mine"
    assert json.loads(call["body"]) == {
        "model": "m",
        "max_tokens": 10,
        "messages": [{"role": "user", "content": "hi"}],
    }
    ask = step(run, "ask")
    assert ask["status"] == "Completed"
    assert ask["attempts"] == 2


def test_ai_infer_failing_every_attempt_raises_a_step_error(api, model):
    calls, replies = model
    replies += [(500, {"error": "down"})] * 5  # the default 4 retries: 5 attempts
    run = api.wait_run(api.send("parity/ask"), timeout=60)
    assert run["status"] == "Completed", run
    assert run["output"] == {
        "error": "AIGatewayError",
        "message": "Error making AI request: unsuccessful status code: 500",
    }
    assert len(calls) == 5


@pytest.fixture()
def streaming_app(stack):
    """An app served elsewhere that streams every answer (HTTP 201, keepalives, wrapped reply)."""
    import fastapi
    import inngest
    import inngest.fast_api

    client = inngest.Inngest(
        app_id="streamer", is_production=False, api_base_url=stack.url, event_api_base_url=stack.url
    )

    @client.create_function(fn_id="streamed", trigger=inngest.TriggerEvent(event="parity/stream"))
    async def streamed(ctx: inngest.Context) -> str:
        word = await ctx.step.run("upper", lambda: ctx.event.data["word"].upper())
        if ctx.event.data.get("fail"):
            raise inngest.NonRetriableError("no thanks")
        return word + "!"

    app = fastapi.FastAPI()
    inngest.fast_api.serve(app, client, [streamed], streaming=inngest.Streaming.FORCE)
    with servers.serve_asgi(app) as url:
        yield url


def _sync_and_shout(api, app_url: str, word: str) -> dict:
    """Register the streaming app at `app_url`, run it on `word`, check the run shouted it."""
    import httpx

    sync = httpx.put(f"{app_url}/api/inngest", timeout=10)
    assert sync.status_code == 200, sync.text
    run = api.wait_run(api.send("parity/stream", {"word": word}))
    assert run["status"] == "Completed", run
    assert run["output"] == f"{word.upper()}!"
    return run


def test_streamed_answers_are_unwrapped(api, streaming_app):
    _sync_and_shout(api, streaming_app, "hey")
    failed = api.wait_run(api.send("parity/stream", {"word": "no", "fail": True}))
    assert failed["status"] == "Failed"
    assert failed["output"]["message"] == "no thanks"  # its no-retry header was honoured


@pytest.fixture()
def http10_proxy(streaming_app):
    """A Python `http.server` proxy in front of the streaming app, as the SDK's own suite uses: it
    answers in HTTP/1.0 and forwards the app's `Transfer-Encoding: chunked` header with the body
    already de-chunked (Inngest's Go server reads such an answer until the connection closes)."""
    with servers.http10_proxy(streaming_app) as (url, _forwarded):
        yield url


def test_streamed_answers_through_an_http10_proxy_are_read_as_inngest_reads_them(api, http10_proxy):
    run = _sync_and_shout(api, http10_proxy, "proxied")
    assert step(run, "upper")["output"] == "PROXIED"


def test_a_timer_due_while_its_drive_is_still_parking_still_fires(api, monkeypatch):
    """A short timer's message can arrive before the drive that set it has let go of the run
    (a slow DynamoDB write under load, here 1.5 s): the run must still wake on time, not when
    that drive's lease would have run out (minutes)."""
    from inngest_lambda.storage import store

    park = store.Store.park

    def slow_park(self, *args, **kwargs):
        time.sleep(1.5)
        return park(self, *args, **kwargs)

    monkeypatch.setattr(store.Store, "park", slow_park)
    run = api.wait_run(api.send("parity/invoke-timeout"), timeout=30)
    assert run["status"] == "Completed", run
    assert run["output"]["name"] == "InngestInvokeTimeoutError"
