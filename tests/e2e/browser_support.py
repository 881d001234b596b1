"""Debian's chromium (`make browser`) driven by Playwright, headless, for the browser tests."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    assert os.access(CHROMIUM, os.X_OK), f"{CHROMIUM} missing: `make browser` installs it"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield browser
        browser.close()


def shoot(page: Page, name: str, tmp_path: Path) -> None:
    """A screenshot: into INNGEST_LAMBDA_SCREENSHOTS (docs/img refreshes the docs'), else tmp."""
    target = Path(os.environ.get("INNGEST_LAMBDA_SCREENSHOTS") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target / f"{name}.png"))


@contextlib.contextmanager
def opened_page(browser: Browser, url: str, timeout_ms: int = 20_000) -> Iterator[Page]:
    """A page in a new context on `url`; on leaving, no JavaScript error may have happened."""
    context = browser.new_context(base_url=url, viewport={"width": 1100, "height": 720})
    p = context.new_page()
    p.set_default_timeout(timeout_ms)
    errors: list[str] = []
    p.on("pageerror", lambda err: errors.append(str(err)))
    yield p
    context.close()
    assert errors == [], f"JavaScript errors: {errors}"
