"""An app served elsewhere: it syncs with the SDK's own PUT, and runs over real HTTP."""

from __future__ import annotations

import socket
import threading
import time

import fastapi
import httpx
import inngest
import inngest.fast_api
import pytest
import uvicorn


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture()
def remote_app(stack):
    client = inngest.Inngest(
        app_id="remote", is_production=False, api_base_url=stack.url, event_api_base_url=stack.url
    )

    @client.create_function(fn_id="shout", trigger=inngest.TriggerEvent(event="remote/shout"))
    async def shout(ctx: inngest.Context) -> str:
        word = await ctx.step.run("upper", lambda: ctx.event.data["word"].upper())
        await ctx.step.sleep("pause", 1000)
        return await ctx.step.run("exclaim", lambda: word + "!")

    app = fastapi.FastAPI()
    inngest.fast_api.serve(app, client, [shout])
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(5)


def test_remote_app_syncs_and_runs_over_http(api, remote_app):
    sync = httpx.put(f"{remote_app}/api/inngest", timeout=10)
    assert sync.status_code == 200, sync.text
    event_id = api.send("remote/shout", {"word": "hey"})
    run = api.wait_run(event_id)
    assert run["function_id"] == "remote-shout"
    assert run["status"] == "Completed"
    assert run["output"] == "HEY!"
    assert [s["name"] for s in run["steps"]] == ["upper", "pause", "exclaim"]
