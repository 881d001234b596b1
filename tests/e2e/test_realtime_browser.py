"""The official `@inngest/realtime` client (npm, bundled by esbuild) in headless Chromium
against the local stack: a page takes a token from a small app endpoint (the Python SDK's
`get_subscription_token_sync`), subscribes, and shows the three messages a function publishes
from three steps, in order; a page subscribed to another channel gets nothing."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from inngest_lambda.local.stack import LocalStack
from tests.e2e.browser_support import chromium
from tests.e2e.realtime_support import CLIENT_DIR, realtime_stack, require_client
from tests.support.servers import QuietHandler, serve_http

TIMEOUT_MS = 20_000


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with realtime_stack() as st:
        yield st


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """page.js and the npm client in one script for the browser (esbuild, as an app's build)."""
    require_client()
    out = tmp_path_factory.mktemp("realtime-page") / "bundle.js"
    subprocess.run(
        [
            str(CLIENT_DIR / "node_modules" / ".bin" / "esbuild"),
            "page.js",
            "--bundle",
            "--format=iife",
            "--platform=browser",
            f"--outfile={out}",
        ],
        cwd=CLIENT_DIR,
        check=True,
        capture_output=True,
    )
    return out


@pytest.fixture(scope="module")
def app_url(stack: LocalStack, bundle: Path) -> Iterator[str]:
    """The user's web app: the page, its script, and a token endpoint on the user's backend."""
    from inngest.experimental import realtime

    from tests.support.apps import realtime_functions

    page = f"""<!doctype html><html><body data-state="loading"><ul id="messages"></ul>
<script>window.process = {{ env: {{ INNGEST_BASE_URL: {json.dumps(stack.url)} }} }};</script>
<script src="/bundle.js"></script></body></html>""".encode()
    script = bundle.read_bytes()

    class App(QuietHandler):
        def do_GET(self) -> None:  # noqa: N802 (stdlib name)
            url = urlsplit(self.path)
            if url.path == "/token":
                channel = parse_qs(url.query)["channel"][0]
                token = realtime.get_subscription_token_sync(
                    realtime_functions.client, channel, ["progress"]
                )
                self.reply(200, "application/json", json.dumps(token).encode())
            elif url.path == "/bundle.js":
                self.reply(200, "text/javascript", script)
            else:
                self.reply(200, "text/html", page)

    with serve_http(App) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


def _subscribed_page(browser: Browser, app_url: str, channel: str, errors: list[str]) -> Page:
    page = browser.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(app_url)
    page.evaluate("(url) => window.startRealtime(url)", f"/token?channel={channel}")
    expect(page.locator("body")).to_have_attribute("data-state", "open")
    return page


def test_the_npm_client_shows_three_messages_from_three_steps_in_order(stack, app_url, browser):
    errors: list[str] = []
    mine = _subscribed_page(browser, app_url, "user:alice", errors)
    other = _subscribed_page(browser, app_url, "user:bob", errors)
    res = httpx.post(
        f"{stack.url}/e/key", json={"name": "realtime/three", "data": {"channel": "user:alice"}}
    )
    assert res.status_code == 200, res.text
    items = mine.locator("#messages li")
    expect(items).to_have_count(3)
    shown = [json.loads(t) for t in items.all_text_contents()]
    assert [m["data"] for m in shown] == [{"step": n, "of": 3} for n in (1, 2, 3)]
    assert all(
        (m["channel"], m["topic"], m["kind"]) == ("user:alice", "progress", "data") for m in shown
    )
    assert stack.wait_idle(20)  # the run has ended: every publish it made was delivered
    expect(other.locator("#messages li")).to_have_count(0)
    assert errors == []
    mine.close()
    other.close()
