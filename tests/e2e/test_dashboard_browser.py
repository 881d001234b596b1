"""The dashboard in a real browser: Debian's chromium driven by Playwright, headless.

Set INNGEST_LAMBDA_SCREENSHOTS=docs/img to refresh the screenshots the docs show.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.browser_support import dashboard_page, shoot


@pytest.fixture()
def page(browser: Browser, stack) -> Iterator[Page]:
    with dashboard_page(browser, stack.url) as p:
        yield p


def test_click_through_a_run_to_its_step_timeline(api, page, tmp_path):
    event_id = api.send("e2e/three", {"n": 4})
    run = api.wait_run(event_id)
    page.goto("/")
    link = page.get_by_role("link", name=run["run_id"])
    expect(link).to_be_visible()
    shoot(page, "runs", tmp_path)
    link.click()
    expect(page).to_have_url(re.compile(f"/runs/{run['run_id']}$"))
    expect(page.locator("#run .badge").first).to_have_text("Completed")
    for name in ("add-one", "double", "describe"):
        expect(page.locator(f'tr[data-step="{name}"] .badge')).to_have_text("Completed")
    expect(page.locator('tr[data-step="double"] svg.wf rect')).to_have_count(1)
    box = page.locator('tr[data-step="double"] svg.wf rect').bounding_box()
    assert box is not None and box["width"] > 0  # the bar is drawn
    expect(page.locator("main")).to_contain_text('"c": "4->5->10"')
    shoot(page, "run", tmp_path)
    page.get_by_role("link", name=event_id).click()
    expect(page.locator("main")).to_contain_text("e2e/three")
    expect(page.get_by_role("link", name=run["run_id"])).to_be_visible()


def test_cancel_a_sleeping_run_and_watch_it_end(api, page):
    event_id = api.send("e2e/sleep", {"seconds": 120})
    run = api.wait_step(event_id, "before", "Completed")
    page.goto(f"/runs/{run['run_id']}")
    expect(page.locator('tr[data-step="nap"]')).to_contain_text("sleeps until")
    page.get_by_role("button", name="Cancel").click()
    # No reload: the page polls and shows the run ending.
    expect(page.locator("#run .badge").first).to_have_text("Cancelled")
    expect(page.get_by_role("button", name="Cancel")).to_have_count(0)
    assert api.run(run["run_id"])["status"] == "Cancelled"


def test_replay_links_both_runs(api, page):
    run = api.wait_run(api.send("e2e/three", {"n": 1}))
    page.goto(f"/runs/{run['run_id']}")
    page.get_by_role("button", name="Replay").click()
    expect(page).not_to_have_url(re.compile(f"/runs/{run['run_id']}$"))
    new_id = page.url.rsplit("/", 1)[1]
    expect(page.locator("main")).to_contain_text("Replay of")
    expect(page.locator("#run .badge").first).to_have_text("Completed")
    page.get_by_role("link", name=run["run_id"]).click()
    expect(page.locator("main")).to_contain_text("Replayed as")
    expect(page.get_by_role("link", name=new_id)).to_be_visible()


def test_runs_list_updates_live_and_filters(api, page):
    page.goto("/runs?function=e2e-sleeper")
    event_id = api.send("e2e/sleep", {"seconds": 1})
    run_id = api.wait_run(event_id)["run_id"]
    row = page.locator(f'tr[data-run="{run_id}"]')
    expect(row).to_be_visible()  # appeared without a reload
    expect(row.locator(".badge")).to_have_text("Completed")
    page.select_option("select[name=status]", "Failed")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator(f'tr[data-run="{run_id}"]')).to_have_count(0)


def test_send_an_event_and_see_the_run_it_started(api, page, tmp_path):
    page.goto("/send")
    page.fill("input[name=name]", "e2e/three")
    page.fill("textarea[name=data]", '{"n": 7}')
    page.get_by_role("button", name="Send event").click()
    expect(page).to_have_url(re.compile("/events/"))
    expect(page.locator("main")).to_contain_text('"n": 7')
    expect(page.locator("main")).to_contain_text("e2e-three-steps")
    page.goto("/send")
    page.fill("input[name=name]", "e2e/three")
    page.fill("textarea[name=data]", "[1")
    page.get_by_role("button", name="Send event").click()
    expect(page.locator(".note.error")).to_contain_text("not valid JSON")
    page.goto("/events")
    expect(page.locator("main")).to_contain_text("e2e/three")
    shoot(page, "events", tmp_path)


def test_functions_page_invoke_and_bulk_replay(api, page, tmp_path):
    failed = api.wait_run(api.send("e2e/nonretry"))
    page.goto("/functions")
    expect(page.locator("main")).to_contain_text("e2e-flow-cron")
    expect(page.locator("main")).to_contain_text("next:")
    shoot(page, "functions", tmp_path)
    page.get_by_role("link", name="e2e-non-retriable", exact=True).click()
    page.get_by_role("button", name="Replay matching runs").click()
    expect(page.locator("h1")).to_contain_text("Replayed")
    expect(page.get_by_role("link", name=failed["run_id"])).to_be_visible()
    page.goto("/functions/e2e-three-steps")
    page.fill("textarea[name=data]", '{"n": 2}')
    page.get_by_role("button", name="Invoke").click()
    expect(page.locator("#run .badge").first).to_have_text("Completed")
    expect(page.locator("main")).to_contain_text('"c": "2->3->6"')


def test_an_invoke_step_links_to_the_child_run(api, page):
    run = api.wait_run(api.send("e2e/parent", {"value": 5}))
    page.goto(f"/runs/{run['run_id']}")
    child_link = page.locator("tr[data-step] a[href^='/runs/']").first
    expect(child_link).to_be_visible()
    child_link.click()
    expect(page.locator("main")).to_contain_text("Invoked by")
    expect(page.get_by_role("link", name=run["run_id"])).to_be_visible()


def test_pause_a_function_see_its_skipped_run_then_resume_and_replay(api, page, tmp_path):
    fn = "e2e-three-steps"
    page.goto(f"/functions/{fn}")
    page.get_by_role("button", name="Pause").click()
    try:
        expect(page.locator("h1 .badge")).to_have_text("Paused")
        shoot(page, "function-paused", tmp_path)
        (skipped,) = api.runs(api.send("e2e/three", {"n": 7}))
        assert skipped["status"] == "Skipped"
        page.goto("/functions")
        expect(
            page.locator("tr", has=page.get_by_role("link", name=fn, exact=True))
        ).to_contain_text("Paused")
        page.goto(f"/functions/{fn}")
        page.get_by_label("Replay the runs the pause skipped").check()
        page.get_by_role("button", name="Resume").click()
        expect(page.locator("h1")).to_contain_text("Replayed")
        expect(page.get_by_role("link", name=skipped["run_id"])).to_be_visible()
    finally:
        api.http.post(f"/v1/functions/{fn}/unpause")
    page.goto(f"/functions/{fn}")
    expect(page.get_by_role("button", name="Pause")).to_be_visible()
    expect(page.locator("h1 .badge")).to_have_count(0)
