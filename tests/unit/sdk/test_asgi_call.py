"""The in-process call of an ASGI app: the app sees a whole HTTP request, the caller the whole
response (streamed or not), and failures are not turned into answers."""

from __future__ import annotations

import asyncio
import json

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from inngest_lambda.sdk import asgi_call


async def echo(request: Request) -> JSONResponse:
    return JSONResponse(
        {
            "method": request.method,
            "path": request.url.path,
            "query": dict(request.query_params),
            "host": request.headers["host"],
            "type": request.headers["content-type"],
            "length": request.headers["content-length"],
            "body": (await request.body()).decode(),
        },
        status_code=206,
        headers={"x-inngest-no-retry": "true"},
    )


async def stream(request: Request) -> StreamingResponse:
    async def parts():
        for part in (b'{"a":', b" 1", b"}"):
            await asyncio.sleep(0)
            yield part

    return StreamingResponse(parts(), media_type="application/json")


async def repeated(request: Request) -> Response:
    response = Response(b"")
    response.headers.append("x-many", "1")
    response.headers.append("x-many", "2")
    return response


async def boom(request: Request) -> Response:
    raise LookupError("the app failed")


app = Starlette(
    routes=[
        Route("/api/inngest", echo, methods=["POST"]),
        Route("/stream", stream, methods=["POST"]),
        Route("/repeated", repeated, methods=["POST"]),
        Route("/boom", boom, methods=["POST"]),
    ]
)


def _post(path: str, body: bytes = b"{}", target: object = app) -> asgi_call.Response:
    return asyncio.run(
        asgi_call.post(
            target, f"http://lambda.local{path}", body, {"Content-Type": "application/json"}
        )
    )


def test_the_app_receives_the_whole_request() -> None:
    res = _post("/api/inngest?fnId=app-fn&stepId=step", '{"x": "é"}'.encode())
    assert res.status == 206
    assert res.headers["x-inngest-no-retry"] == "true"
    assert json.loads(res.content) == {
        "method": "POST",
        "path": "/api/inngest",
        "query": {"fnId": "app-fn", "stepId": "step"},
        "host": "lambda.local",
        "type": "application/json",
        "length": str(len('{"x": "é"}'.encode())),
        "body": '{"x": "é"}',
    }


def test_a_streamed_response_arrives_whole() -> None:
    res = _post("/stream")
    assert res.status == 200
    assert json.loads(res.content) == {"a": 1}


def test_repeated_headers_are_joined_as_httpx_joins_them() -> None:
    assert _post("/repeated").headers["x-many"] == "1, 2"


def test_an_exception_in_the_app_reaches_the_caller() -> None:
    with pytest.raises(LookupError, match="the app failed"):
        _post("/boom")


def test_an_app_that_answers_nothing_is_an_error_not_an_empty_answer() -> None:
    async def silent(scope, receive, send) -> None:
        await receive()

    with pytest.raises(RuntimeError, match="without sending a response"):
        _post("/api/inngest", target=silent)
