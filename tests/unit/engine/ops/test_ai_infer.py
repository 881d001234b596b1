"""`AIGateway` (`step.ai.infer`): the executor calls the model itself and stores its answer as
the step's output; a failed call is a step error, retried, then failed for good."""

from __future__ import annotations

import datetime
import http.server
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from inngest_lambda.engine.ops import ai_infer
from inngest_lambda.testing import assert_completed
from tests.support.apps import engine_ops_functions as functions
from tests.unit.engine.support import steps_by_name

pytestmark = pytest.mark.durable(functions="tests.support.apps.engine_ops_functions")


class Model:
    """A loopback model server: answers `status` with `answer`, records every request."""

    def __init__(self) -> None:
        self.status = 200
        self.answer: dict[str, Any] = {"choices": [{"message": {"content": "hello"}}]}
        self.requests: list[tuple[str, dict[str, str], object]] = []


@pytest.fixture()
def model() -> Iterator[Model]:
    state = Model()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["content-length"])))
            state.requests.append((self.path, dict(self.headers), body))
            raw = json.dumps(state.answer).encode()
            self.send_response(state.status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    functions.MODEL_URL["url"] = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        yield state
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


def test_the_model_answer_is_the_step_output(durable, model):
    run = durable.run(durable.send("ops/ask", {}))
    assert_completed(run, model.answer)
    ((path, headers, body),) = model.requests
    assert path == "/v1/chat/completions"
    assert headers["Authorization"] == "Bearer sk-test"
    assert headers["X-Trace-Id"] == "t1"  # the op's own headers, named as Inngest sends them
    assert body == {"model": "m", "messages": []}
    step = steps_by_name(run.run_id)["ask"]
    assert (step.op, step.status, step.memo) == ("AIGateway", "Completed", {"data": model.answer})


def test_a_failed_model_call_is_retried_then_fails_the_step(durable, model):
    model.status, model.answer = 500, {"error": "overloaded"}
    run = durable.run(durable.send("ops/ask", {}))
    step = steps_by_name(run.run_id)["ask"]
    assert (step.status, step.attempt, step.info) == ("Scheduled", 1, {"kind": "retry"})
    assert step.error["name"] == "AIGatewayError"
    assert "auth" not in json.dumps(step.info)  # the retry asks the SDK again: no key stored
    durable.advance(datetime.timedelta(minutes=5))
    assert len(model.requests) == 2  # retries=1: two attempts
    run = durable.get_run(run.run_id)
    assert run.output["error"] == "AIGatewayError"
    assert "unsuccessful status code: 500" in run.output["message"]
    assert steps_by_name(run.run_id)["ask"].status == "Failed"


@pytest.mark.parametrize(
    ("fmt", "url", "header", "value"),
    [
        ("anthropic", "https://a.test/v1/messages", "X-Api-Key", "k"),
        ("bedrock", "https://b.test/model", "Authorization", "k"),
        ("openai-chat", "https://o.test/v1/chat", "Authorization", "Bearer k"),
    ],
)
def test_the_key_goes_where_the_format_expects_it(fmt, url, header, value):
    got_url, headers, body = ai_infer.build_request({"url": url, "auth_key": "k", "format": fmt})
    assert (got_url, headers[header], body) == (url, value, b"{}")


def test_a_gemini_key_goes_in_the_query():
    url, headers, _ = ai_infer.build_request(
        {"url": "https://g.test/v1/m:generate?alt=sse", "auth_key": "k", "format": "gemini"}
    )
    assert url == "https://g.test/v1/m:generate?alt=sse&key=k"
    assert "Authorization" not in headers
