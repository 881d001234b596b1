"""An app served elsewhere: it syncs with the SDK's own PUT, and runs over real HTTP."""

from __future__ import annotations

import fastapi
import httpx
import inngest
import inngest.fast_api
import pytest

from inngest_lambda.sdk import client as sdk
from tests.support.servers import http10_proxy, serve_asgi


def _serve_shout(stack, streaming: inngest.Streaming = inngest.Streaming.DISABLE):
    """Serve the app on a free port (uvicorn in a thread) until the test ends; yields its URL."""
    client = inngest.Inngest(
        app_id="remote", is_production=False, api_base_url=stack.url, event_api_base_url=stack.url
    )

    @client.create_function(fn_id="shout", trigger=inngest.TriggerEvent(event="remote/shout"))
    async def shout(ctx: inngest.Context) -> str:
        word = await ctx.step.run("upper", lambda: ctx.event.data["word"].upper())
        await ctx.step.sleep("pause", 1000)
        return await ctx.step.run("exclaim", lambda: word + "!")

    app = fastapi.FastAPI()
    inngest.fast_api.serve(app, client, [shout], streaming=streaming)
    with serve_asgi(app) as url:
        yield url


@pytest.fixture()
def remote_app(stack):
    yield from _serve_shout(stack)


def test_remote_app_syncs_and_runs_over_http(api, remote_app):
    sync = httpx.put(f"{remote_app}/api/inngest", timeout=10)
    assert sync.status_code == 200, sync.text
    event_id = api.send("remote/shout", {"word": "hey"})
    run = api.wait_run(event_id)
    assert run["function_id"] == "remote-shout"
    assert run["status"] == "Completed"
    assert run["output"] == "HEY!"
    assert [s["name"] for s in run["steps"]] == ["upper", "pause", "exclaim"]


PROXY_VARIABLES = [
    f"{name}_proxy" if lower else f"{name.upper()}_PROXY"
    for name in ("http", "https", "all", "no")
    for lower in (False, True)
]


@pytest.fixture()
def streaming_remote_app(stack):
    """The same app answering in streamed form (HTTP 201, chunked), as the parity suite's."""
    yield from _serve_shout(stack, inngest.Streaming.FORCE)


@pytest.fixture()
def forward_proxy(monkeypatch):
    """A forward HTTP proxy built on `http.server` that records each request it forwarded. Like
    the SDK suite's proxy it answers in HTTP/1.0 with the app's headers as they came, so a
    streamed answer arrives with `Transfer-Encoding: chunked` over a body already de-chunked."""
    for name in PROXY_VARIABLES:  # only what each test sets
        monkeypatch.delenv(name, raising=False)
    with http10_proxy() as proxy:
        yield proxy


def _sync_and_shout(api, app_url: str) -> tuple[dict, int]:
    """Sync the app (directly), run it; the run and how many SDK requests the executor sent."""
    sync = httpx.put(f"{app_url}/api/inngest", timeout=10, trust_env=False)
    assert sync.status_code == 200, sync.text
    before = sdk.STATS["requests"]
    run = api.wait_run(api.send("remote/shout", {"word": "hey"}))
    assert run["status"] == "Completed", repr(run)
    assert run["output"] == "HEY!"
    return run, sdk.STATS["requests"] - before


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY"])
def test_a_remote_app_is_called_through_the_proxy_the_environment_names(
    api, streaming_remote_app, forward_proxy, monkeypatch, variable
):
    """A Lambda whose only way out is a proxy still reaches the app, and the proxy's HTTP/1.0
    answers with a chunked header are read as over a direct connection."""
    proxy_url, forwarded = forward_proxy
    monkeypatch.setenv(variable, proxy_url)
    monkeypatch.setenv("NO_PROXY", "example.com,.internal")  # exclusions that do not match
    run, requests = _sync_and_shout(api, streaming_remote_app)
    assert [s["name"] for s in run["steps"]] == ["upper", "pause", "exclaim"]
    assert requests >= 3  # one per step at least
    assert len(forwarded) == requests  # every one of them, and nothing else
    assert all(
        method == "POST" and path.startswith(f"{streaming_remote_app}/api/inngest?")
        for method, path in forwarded
    ), forwarded


@pytest.mark.parametrize("variable", ["NO_PROXY", "no_proxy"])
def test_no_proxy_sends_a_remote_app_s_calls_around_the_proxy(
    api, streaming_remote_app, forward_proxy, monkeypatch, variable
):
    proxy_url, forwarded = forward_proxy
    monkeypatch.setenv("HTTP_PROXY", proxy_url)
    monkeypatch.setenv(variable, "example.com, 127.0.0.1")
    _, requests = _sync_and_shout(api, streaming_remote_app)
    assert requests >= 3
    assert forwarded == []
