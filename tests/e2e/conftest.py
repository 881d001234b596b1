"""One local stack (moto + local API Gateway + SQS/Scheduler pump) for the end-to-end tests.

The same Lambda handler as production serves every request and every queue message; tests
talk to it over HTTP exactly as a user's curl or `client.send()` would.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from inngest_lambda.local.stack import LocalStack
from tests.support.stacks import local_stack
from tests.support.waiting import TERMINAL, wait_for

if TYPE_CHECKING:
    from playwright.sync_api import Browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """A headless Chromium for a module's browser tests (tests/e2e/test_dashboard_*browser.py).
    Per module, not per session: Playwright's sync API keeps an event loop running in the test
    thread while a browser is open, and the `durable` fixture's handler runs its own loop in that
    thread, so a browser must not outlive the module that opened it."""
    from tests.e2e.browser_support import chromium

    with chromium() as b:
        yield b


class Api:
    """A thin client for the stack's HTTP API, with waiting helpers."""

    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack
        self.http = httpx.Client(base_url=stack.url, timeout=30)

    def send(self, name: str, data: dict[str, Any] | None = None, **extra: Any) -> str:
        res = self.http.post("/e/test-key", json={"name": name, "data": data or {}, **extra})
        assert res.status_code == 200, res.text
        return res.json()["ids"][0]

    def runs(self, event_id: str) -> list[dict[str, Any]]:
        res = self.http.get(f"/v1/events/{event_id}/runs")
        assert res.status_code == 200, res.text
        return res.json()["data"]

    def run(self, run_id: str) -> dict[str, Any]:
        res = self.http.get(f"/v1/runs/{run_id}")
        assert res.status_code == 200, res.text
        return res.json()["data"]

    def wait_run(self, event_id: str, timeout: float = 30, count: int = 1) -> dict[str, Any]:
        """The (first) run of this event, once it has ended, with its steps."""
        runs: list[dict[str, Any]] = []

        def ended() -> bool:
            runs[:] = self.runs(event_id)
            return len(runs) >= count and all(r["status"] in TERMINAL for r in runs)

        def detail() -> str:
            return f"the end of event {event_id}'s runs {[self.run(r['run_id']) for r in runs]}"

        wait_for(ended, timeout, what=detail)
        return self.run(runs[0]["run_id"])

    def wait_step(self, event_id: str, name: str, status: str, timeout: float = 20) -> dict:
        """The run of this event once its step `name` has reached `status`."""
        run: dict[str, Any] = {}

        def reached() -> dict[str, Any] | None:
            nonlocal run
            runs = self.runs(event_id)
            if not runs:
                return None
            run = self.run(runs[0]["run_id"])
            steps = run["steps"]
            return run if any(s["name"] == name and s["status"] == status for s in steps) else None

        return wait_for(reached, timeout, what=lambda: f"step {name!r} in {status}: {run}")


@pytest.fixture(scope="module")
def stack():
    """One real-time stack per module (not per package), so that modules using the testing
    toolkit's `durable` fixture (its own stack, on a virtual clock) can run between them: only
    one local stack can run in a process at a time."""
    with local_stack("tests.support.apps.workflows", concurrency=4) as st:
        yield st


@pytest.fixture()
def api(stack):
    client = Api(stack)
    yield client
    client.http.close()


@pytest.fixture()
def calls(stack):
    """How often each counted step body ran (imported after the stack set INNGEST_DEV)."""
    from tests.support.apps import workflows

    return workflows.CALLS


def step(run: dict[str, Any], name: str) -> dict[str, Any]:
    matches = [s for s in run["steps"] if s["name"] == name]
    assert matches, f"no step {name!r} in {[s['name'] for s in run['steps']]}"
    return matches[0]
