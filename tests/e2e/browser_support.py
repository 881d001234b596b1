"""Debian's chromium (`make browser`) driven by Playwright, headless, for the browser tests."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

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


def shoot(page: Page, name: str, tmp_path: os.PathLike[str]) -> None:
    """A screenshot: into INNGEST_LAMBDA_SCREENSHOTS (docs/img refreshes the docs'), else tmp."""
    target = os.environ.get("INNGEST_LAMBDA_SCREENSHOTS") or os.fspath(tmp_path)
    os.makedirs(target, exist_ok=True)
    page.screenshot(path=os.path.join(target, f"{name}.png"))


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    assert os.access(CHROMIUM, os.X_OK), f"{CHROMIUM} missing: `make browser` installs it"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield browser
        browser.close()


@contextlib.contextmanager
def dashboard_page(
    browser: Browser, base_url: str, width: int = 1100, height: int = 720
) -> Iterator[Page]:
    """A fresh browser context on `base_url` with a 20 s default timeout; fails the test if the
    page raised a JavaScript error."""
    context = browser.new_context(base_url=base_url, viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    yield page
    context.close()
    assert errors == [], f"JavaScript errors: {errors}"
