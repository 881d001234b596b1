"""The dashboard's charts in a real browser (Debian's chromium, headless, via Playwright): the
data points the charts carry in the DOM, read against the runs this test created.

The runs are made over a day of virtual time by the `durable` stack (the real handler, executor
and SDK on moto), whose HTTP server the browser opens: every hour some runs complete, some fail,
some sleep before completing (23 hours: all in the day's buckets); at the end one run is asleep
and one waits for its start time.

Set INNGEST_LAMBDA_SCREENSHOTS=docs/img to refresh the screenshots the docs show
(charts-function.png, charts-overview.png).
"""

from __future__ import annotations

import collections
import contextlib
import datetime
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser_support import chromium, dashboard_page

# A Wednesday: the module's weekly cron (Mondays at 9:00, Paris) stays out of the day.
START = datetime.datetime(2026, 3, 4, 0, 30, tzinfo=datetime.UTC)
pytestmark = pytest.mark.durable(functions="tests.support.apps.workflows", start=START)

THREE, REFUSED, SLEEPER = "e2e-three-steps", "e2e-non-retriable", "e2e-sleeper"
HOUR = 3600


def iso_bucket(at: float, seconds: int = HOUR) -> str:
    start = datetime.datetime.fromtimestamp(at // seconds * seconds, datetime.UTC)
    return start.strftime("%Y-%m-%dT%H:%M:%SZ")


class Made:
    """The runs the test made, as (function, when it ended, status); sleeps by hour."""

    def __init__(self) -> None:
        self.ended: list[tuple[str, float, str]] = []
        self.slept: dict[str, list[float]] = collections.defaultdict(list)

    def bars(
        self, functions: tuple[str, ...], seconds: int = HOUR, since: float = 0
    ) -> dict[tuple[str, str], int]:
        """(bucket, status) -> runs of these functions that ended since `since`."""
        out: collections.Counter[tuple[str, str]] = collections.Counter(
            (iso_bucket(at, seconds), status)
            for fn, at, status in self.ended
            if fn in functions and at >= since
        )
        return dict(out)


def make_a_day_of_runs(durable: Any) -> Made:
    made = Made()
    for h in range(23):  # so that every hour is in the last day's 24 hourly buckets
        now = durable.clock.now()
        for n in range(1 + h % 4):
            durable.send("e2e/three", {"n": n})
            made.ended.append((THREE, now, "Completed"))
        if h % 3 == 1:
            for _ in range(1 + h % 2):
                durable.send("e2e/nonretry")
                made.ended.append((REFUSED, now, "Failed"))
        if h % 4 == 2:
            seconds = 300 * (1 + h % 5)  # 5 to 25 minutes: ends within the hour
            durable.send("e2e/sleep", {"seconds": seconds})
            made.ended.append((SLEEPER, now + seconds, "Completed"))
            made.slept[iso_bucket(now + seconds)].append(seconds * 1000.0)
        durable.advance(HOUR)
    durable.send("e2e/sleep", {"seconds": 2 * HOUR})  # asleep: Running now
    later = int((durable.clock.now() + 2 * HOUR) * 1000)
    durable.send("e2e/three", {"n": 9}, ts=later)  # waits for its start time: Queued now
    return made


@contextlib.contextmanager
def browser_page(durable: Any, *, javascript: bool = True) -> Iterator[Page]:
    """A page of a fresh headless chromium on the durable stack's server. Opened only once the
    runs are made: Playwright's sync API keeps an event loop running in this thread, and the
    durable stack calls the handler (which runs its own loop) in this thread too."""
    with chromium() as browser:
        if javascript:
            with dashboard_page(browser, durable.url, width=1180, height=900) as p:
                yield p
            return
        context = browser.new_context(base_url=durable.url, java_script_enabled=False)
        try:
            yield context.new_page()
        finally:
            context.close()


def bars(page: Page) -> dict[tuple[str, str], int]:
    """(bucket, status) -> runs, from the runs chart's bar segments in the DOM."""
    found = page.eval_on_selector_all(
        'svg[data-chart="runs"] rect[data-status]',
        "els => els.map(e => [e.dataset.bucket, e.dataset.status, Number(e.dataset.count)])",
    )
    return {(bucket, status): n for bucket, status, n in found}


def points(page: Page, chart: str, series: str) -> dict[str, float]:
    """bucket -> value of one series of a line chart, from its points in the DOM."""
    found = page.eval_on_selector_all(
        f'svg[data-chart="{chart}"] circle[data-series="{series}"]',
        "els => els.map(e => [e.dataset.bucket, Number(e.dataset.value)])",
    )
    return dict(found)


def shoot_charts(page: Page, name: str, tmp_path: Path) -> None:
    """The charts section alone (what the docs show), into INNGEST_LAMBDA_SCREENSHOTS."""
    target = Path(os.environ.get("INNGEST_LAMBDA_SCREENSHOTS") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    page.locator("section.charts").screenshot(path=str(target / f"{name}.png"))


def test_function_pages_chart_the_runs_each_function_made(durable, tmp_path):
    made = make_a_day_of_runs(durable)
    with browser_page(durable) as page:
        check_function_pages(page, made, tmp_path)


def check_function_pages(page: Page, made: Made, tmp_path: Path) -> None:
    page.goto(f"/functions/{THREE}")  # a day, by default
    expect(page.locator('section.charts[data-range="day"]')).to_be_visible()
    assert bars(page) == made.bars((THREE,))
    assert set(points(page, "failure-rate", "failure rate").values()) == {0.0}
    assert page.locator('svg[data-chart="runs"] g[data-total]').count() == 24

    page.goto(f"/functions/{REFUSED}")
    assert bars(page) == made.bars((REFUSED,))
    rates = points(page, "failure-rate", "failure rate")
    assert set(rates) == {hour for hour, _ in made.bars((REFUSED,))} and set(rates.values()) == {
        1.0
    }

    page.goto(f"/functions/{SLEEPER}")
    assert bars(page) == made.bars((SLEEPER,))
    p50 = points(page, "run-duration", "p50")
    assert set(p50) == set(made.slept)
    for hour, slept in made.slept.items():  # one sleeper per hour: its sleep, within 19%
        assert p50[hour] == pytest.approx(slept[0], rel=0.19)
    backlog = points(page, "backlog", "Running")
    assert list(backlog.values())[-1] == 1  # the run asleep now
    assert set(list(backlog.values())[:-1]) == {0}  # every other sleeper woke within its hour
    # Hover: each bar segment and point has a title saying what it is.
    expect(page.locator('svg[data-chart="run-duration"] circle title').first).to_contain_text("p50")
    shoot_charts(page, "charts-function", tmp_path)


def test_the_overview_charts_every_function_and_the_backlog(durable, tmp_path):
    made = make_a_day_of_runs(durable)
    with browser_page(durable) as page:
        check_overview(page, made, tmp_path, durable.clock.now())


def check_overview(page: Page, made: Made, tmp_path: Path, now: float) -> None:
    page.goto("/functions")
    every = (THREE, REFUSED, SLEEPER)
    assert bars(page) == made.bars(every)
    rates = points(page, "failure-rate", "failure rate")
    for hour, rate in rates.items():
        failed = made.bars(every).get((hour, "Failed"), 0)
        completed = made.bars(every).get((hour, "Completed"), 0)
        assert rate == pytest.approx(failed / (failed + completed))
    assert list(points(page, "backlog", "Running").values())[-1] == 1
    assert list(points(page, "backlog", "Queued").values())[-1] == 1  # the scheduled start
    legend = page.eval_on_selector_all(
        'svg[data-chart="runs"] .legend-item', "els => els.map(e => e.dataset.series)"
    )
    assert legend == ["Completed", "Failed", "Cancelled", "Skipped"]
    shoot_charts(page, "charts-overview", tmp_path)

    # The range is a plain link: the last hour, in 5-minute buckets.
    page.get_by_role("link", name="Last hour").click()
    expect(page).to_have_url(re.compile(r"/functions\?range=hour$"))
    assert page.locator('svg[data-chart="runs"] g[data-total]').count() == 12
    first = now // 300 * 300 - 11 * 300
    assert bars(page) == made.bars(every, 300, first)
    page.get_by_role("link", name="Last week").click()
    assert page.locator('svg[data-chart="runs"] g[data-total]').count() == 168
    assert sum(bars(page).values()) == len(made.ended)


def test_the_charts_read_without_javascript(durable):
    durable.send("e2e/nonretry")
    with browser_page(durable, javascript=False) as p:
        p.goto(f"/functions/{REFUSED}?range=hour")
        assert list(bars(p).values()) == [1]
        expect(p.locator('svg[data-chart="runs"] text').first).to_be_visible()
        expect(p.locator('svg[data-chart="runs"] .legend')).to_contain_text("Failed")
