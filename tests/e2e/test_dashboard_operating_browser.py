"""The operator's dashboard flows in Chromium (issue 23): bulk cancel (estimate, confirm, the
job's progress on reload) and rerun from a step (the button on a failed run's step).

Each test runs its own real-time local stack serving the functions it needs (one stack at a
time per process). Set INNGEST_LAMBDA_SCREENSHOTS=docs/img to refresh the docs' screenshots.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.browser_support import dashboard_page, shoot
from tests.e2e.conftest import Api
from tests.support.apps import bulk_cancel_functions, rerun_functions
from tests.support.stacks import local_stack
from tests.support.waiting import wait_for

SLEEPER = "bulk-app-sleeper"
FIVE_STEPS = "rerun-app-five-steps"


@contextlib.contextmanager
def _serving(browser: Browser, functions: str) -> Iterator[tuple[Api, Page]]:
    """A real-time stack serving `functions`, its API client and a browser page on it."""
    with local_stack(functions, concurrency=4) as st, dashboard_page(browser, st.url) as page:
        api = Api(st)
        yield api, page
        api.http.close()


@pytest.fixture()
def bulk(browser: Browser) -> Iterator[tuple[Api, Page]]:
    bulk_cancel_functions.CALLS.clear()
    with _serving(browser, "tests.support.apps.bulk_cancel_functions") as served:
        yield served


@pytest.fixture()
def rerun(browser: Browser) -> Iterator[tuple[Api, Page]]:
    rerun_functions.CALLS.clear()
    with _serving(browser, "tests.support.apps.rerun_functions") as served:
        yield served
    rerun_functions.FAIL["step-5"] = False


def test_bulk_cancel_estimates_confirms_and_shows_the_job_done(bulk, tmp_path):
    api, page = bulk
    plans = ["free", "pro", "free", "free", "pro"]
    events = [api.send("bulk/go", {"n": n, "plan": p}) for n, p in enumerate(plans)]
    runs = [api.wait_step(ev, "nap", "Scheduled")["run_id"] for ev in events]  # all asleep

    page.goto(f"/functions/{SLEEPER}")
    page.get_by_role("link", name=re.compile("^Bulk cancel runs of")).click()
    expect(page.locator("main")).to_contain_text("No bulk cancellation of this function yet")
    page.get_by_label("If").fill("event.data.plan == 'free'")
    page.get_by_role("button", name="Estimate").click()
    expect(page.locator(".estimate b")).to_have_text("3")  # the runs whose event is "free"
    shoot(page, "bulk-cancel-confirm", tmp_path)
    page.get_by_role("button", name="Cancel the matching runs").click()
    expect(page).to_have_url(re.compile(f"/functions/{SLEEPER}/cancel\\?created="))
    job_id = page.url.rsplit("=", 1)[1]
    row = page.locator(f'tr[data-job="{job_id}"]')

    def done() -> bool:  # the job runs on the queue; the page shows it on reload
        page.reload()
        return row.locator(".badge").inner_text() == "Done"

    wait_for(done, timeout=30, interval=0.5, what=lambda: row.inner_text())
    expect(row.locator(".progress")).to_contain_text("3 cancelled of 5 runs examined")
    shoot(page, "bulk-cancel-history", tmp_path)
    wanted = {r for r, p in zip(runs, plans, strict=True) if p == "free"}
    assert {r: api.run(r)["status"] for r in runs} == {
        r: "Cancelled" if r in wanted else "Running" for r in runs
    }
    page.goto(f"/runs?function={SLEEPER}&status=Cancelled")
    for r in runs:
        expect(page.locator(f'tr[data-run="{r}"]')).to_have_count(1 if r in wanted else 0)

    # bad input: the message on the page, no job made
    page.goto(f"/functions/{SLEEPER}/cancel")
    page.get_by_label("If").fill("event.data.plan ==")
    page.get_by_role("button", name="Estimate").click()
    expect(page.locator(".note.error")).to_contain_text("invalid expression")
    page.get_by_label("If").fill("")
    page.get_by_label("Started after").fill("tomorrow-ish")
    page.get_by_role("button", name="Estimate").click()
    expect(page.locator(".note.error")).to_contain_text("'started_after' must be an ISO-8601")
    expect(page.locator("tr[data-job]")).to_have_count(1)
    assert len(api.http.get("/v1/cancellations").json()["data"]) == 1


def test_rerun_from_a_step_button_reexecutes_only_the_later_steps(rerun, tmp_path):
    api, page = rerun
    rerun_functions.FAIL["step-5"] = True
    original = api.wait_run(api.send("rerun/go", {"n": 7}))
    assert original["status"] == "Failed"
    rerun_functions.FAIL["step-5"] = False
    assert dict(rerun_functions.CALLS) == {f"step-{n}": 1 for n in range(1, 6)}
    rerun_functions.CALLS.clear()

    page.goto(f"/runs/{original['run_id']}")
    expect(page.locator("#run .badge").first).to_have_text("Failed")
    step_3 = page.locator('tr[data-step="step-3"]')
    step_3.get_by_role("button", name="Rerun from here").click()
    expect(page).not_to_have_url(re.compile(f"/runs/{original['run_id']}$"))
    new_id = page.url.rsplit("/", 1)[1]
    expect(page.locator("#run .badge").first).to_have_text("Completed")  # the page polls
    expect(page.locator("main")).to_contain_text("Rerun of")
    expect(page.locator("main")).to_contain_text("from step step-3")
    shoot(page, "rerun", tmp_path)
    assert dict(rerun_functions.CALLS) == {"step-3": 1, "step-4": 1, "step-5": 1}
    assert api.run(new_id)["output"] == {"total": 15, "n": 7}

    page.get_by_role("link", name=original["run_id"]).click()  # the link back to the original
    expect(page).to_have_url(re.compile(f"/runs/{original['run_id']}$"))
    expect(page.locator("main")).to_contain_text("Replayed as")
    page.get_by_role("link", name=new_id).click()  # and forward again
    expect(page).to_have_url(re.compile(f"/runs/{new_id}$"))
