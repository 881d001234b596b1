"""The dashboard in production: nothing readable without a session from the dashboard key,
cookie attributes, and a CSRF token on every action."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.prod.conftest import DASHBOARD_KEY, EVENT_KEY, SIGNING_KEY

PAGES = [
    "/",
    "/runs",
    "/functions",
    "/events",
    "/send",
    "/runs/01JAAAAAAAAAAAAAAAAAAAAAAA",
    "/functions/prod-greet/cancel",
]


@pytest.fixture()
def browser_like(prod):
    """A client without the signing key, as a browser would be."""
    with httpx.Client(base_url=prod.base_url, timeout=30) as http:
        yield http


def _sign_in(http: httpx.Client) -> str:
    res = http.post("/login", data={"key": DASHBOARD_KEY})
    assert res.status_code == 303 and res.headers["location"] == "/"
    cookie = res.headers["set-cookie"]
    # httpx (like a browser) keeps a Secure cookie off plain http: hand it over as TLS would.
    http.cookies.clear()
    http.cookies.set("inngest_lambda_session", cookie.split(";", 1)[0].split("=", 1)[1])
    return cookie


def _csrf(http: httpx.Client, path: str) -> str:
    match = re.search(r'name=csrf value="([0-9a-f]+)"', http.get(path).text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def test_nothing_is_readable_without_signing_in(browser_like):
    for path in PAGES:
        res = browser_like.get(path)
        assert res.status_code == 303 and res.headers["location"] == "/login", path
    assert browser_like.get("/runs?fragment=1").status_code == 401
    assert browser_like.post("/send", data={"name": "x"}).status_code == 401
    assert browser_like.post("/functions/prod-greet/cancel", data={}).status_code == 401
    # Neither the signing key nor the event key opens it.
    for wrong in (SIGNING_KEY, EVENT_KEY, ""):
        assert browser_like.post("/login", data={"key": wrong}).status_code == 401
    assert browser_like.get("/").status_code == 303


def test_the_session_cookie_is_httponly_secure_and_strict(browser_like):
    cookie = _sign_in(browser_like)
    attrs = {part.strip().lower() for part in cookie.split(";")}
    assert {"httponly", "secure", "samesite=strict", "path=/"} <= attrs
    page = browser_like.get("/functions")
    assert page.status_code == 200 and "prod-greet" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_a_forged_or_expired_session_is_refused(browser_like):
    browser_like.cookies.set("inngest_lambda_session", "99999999999.deadbeef")
    assert browser_like.get("/").status_code == 303
    browser_like.cookies.clear()
    _sign_in(browser_like)
    value = browser_like.cookies.get("inngest_lambda_session")
    payload, mac = value.split(".", 1)
    expiry, session_id = payload.split("-", 1)
    browser_like.cookies.clear()  # the expiry pushed out by a second: the signature no longer fits
    browser_like.cookies.set("inngest_lambda_session", f"{int(expiry) + 1}-{session_id}.{mac}")
    assert browser_like.get("/").status_code == 303


def test_every_action_needs_the_csrf_token(prod, browser_like):
    _sign_in(browser_like)
    event = {"name": "prod/greet", "data": {"name": "csrf"}}
    no_token = browser_like.post("/send", data={"name": event["name"], "data": "{}"})
    assert no_token.status_code == 403
    wrong = browser_like.post("/send", data={"name": "prod/greet", "data": "{}", "csrf": "00"})
    assert wrong.status_code == 403
    for path in (
        "/runs/01JAAAAAAAAAAAAAAAAAAAAAAA/cancel",
        "/runs/01JAAAAAAAAAAAAAAAAAAAAAAA/replay",
        "/functions/prod-greet/replay",
        "/functions/prod-greet/invoke",
        "/functions/prod-greet/cancel/estimate",
        "/functions/prod-greet/cancel",
        "/functions/prod-greet/cancel/01JAAAAAAAAAAAAAAAAAAAAAAA/stop",
        "/logout",
    ):
        assert browser_like.post(path, data={}).status_code == 403, path
    token = _csrf(browser_like, "/send")
    sent = browser_like.post(
        "/send", data={"name": "prod/greet", "data": '{"name": "csrf"}', "csrf": token}
    )
    assert sent.status_code == 303 and sent.headers["location"].startswith("/events/")
    # A token is bound to its session: another session's token does not work.
    with httpx.Client(base_url=prod.base_url, timeout=30) as other:
        _sign_in(other)
        assert other.post("/send", data={"name": "prod/greet", "csrf": token}).status_code == 403
    out = browser_like.post("/logout", data={"csrf": token})
    assert out.status_code == 303 and out.headers["location"] == "/login"
