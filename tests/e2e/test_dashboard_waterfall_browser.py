"""The run page's trace waterfall in a real browser (Debian's chromium, headless): one bar per
span of the run's trace, named as the exported spans are, drawn on one time axis from what the
table holds (tracing is off in this stack).

Set INNGEST_LAMBDA_SCREENSHOTS=docs/img to refresh the screenshot the tracing docs show.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from inngest_lambda.tracing import ids
from tests.e2e.browser_support import dashboard_page


@pytest.fixture()
def page(browser: Browser, stack) -> Iterator[Page]:
    with dashboard_page(browser, stack.url, height=900) as p:
        yield p


def test_the_waterfall_draws_each_span_of_a_sleeping_run_on_one_time_axis(api, page, tmp_path):
    run = api.wait_run(api.send("e2e/sleep", {"seconds": 2}))
    assert run["status"] == "Completed"
    page.goto(f"/runs/{run['run_id']}")
    rows = page.locator("svg.trace g.span")
    expect(rows).to_have_count(4)
    spans = rows.evaluate_all(
        """gs => gs.map(g => ({
            name: g.dataset.name, depth: +g.dataset.depth, start: +g.dataset.start,
            duration: +g.dataset.duration, status: g.dataset.status,
            bar: g.querySelector('rect').getBoundingClientRect().toJSON()}))"""
    )
    assert [(s["name"], s["depth"]) for s in spans] == [
        ("run e2e-sleeper", 0),
        ("step before", 1),
        ("sleep nap", 1),
        ("step after", 1),
    ]
    assert all(s["status"] == "Completed" for s in spans)
    root, before, nap, after = spans
    assert nap["duration"] >= 2.0 > before["duration"]  # the sleep's two seconds, to scale
    assert nap["bar"]["width"] > 5 * before["bar"]["width"]
    assert before["start"] <= nap["start"] < after["start"]  # one time axis, in order
    assert before["bar"]["x"] <= nap["bar"]["x"] < after["bar"]["x"]
    root_bar = root["bar"]
    for s in (before, nap, after):  # the root's bar covers every step's
        assert root_bar["x"] - 0.5 <= s["bar"]["x"]
        assert s["bar"]["x"] + s["bar"]["width"] <= root_bar["x"] + root_bar["width"] + 0.5
    # The trace id the exported spans carry (derived from the run id), to find it in X-Ray.
    expect(page.locator("code[data-trace-id]")).to_have_text(ids.trace_hex(run["run_id"]))
    target = Path(os.environ.get("INNGEST_LAMBDA_SCREENSHOTS") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    page.locator("svg.trace").screenshot(path=str(target / "trace-waterfall.png"))
