"""Who may see the dashboard: a login with the dashboard key, a signed session, CSRF tokens.

Production (a signing key is set): the dashboard key comes from Secrets Manager
(`INNGEST_LAMBDA_DASHBOARD_KEY_SECRET_ARN`, read on the first dashboard request, not at cold
start) or `INNGEST_LAMBDA_DASHBOARD_KEY`; without one the dashboard stays closed. A correct key
buys a session cookie (HttpOnly, Secure, SameSite=Strict) holding an expiry and its HMAC, so no
session store is needed and a new dashboard key ends every session. Every form carries a CSRF
token bound to the session. Locally (dev mode, no signing key) the dashboard is open; forms
still carry a token, bound to a per-process secret.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
from typing import TYPE_CHECKING

from inngest_lambda.core import clock
from inngest_lambda.settings import ENV_DASHBOARD_KEY, ENV_DASHBOARD_KEY_SECRET_ARN

if TYPE_CHECKING:
    from inngest_lambda.http.services import Services

COOKIE = "inngest_lambda_session"
SESSION_SECONDS = 12 * 3600

_lock = threading.Lock()
_cached_key: str | None = None
_local_secret = secrets.token_bytes(32)


class Gate:
    """Answers "may this request see the dashboard" and mints/checks sessions and tokens."""

    def __init__(self, svc: Services) -> None:
        self.svc = svc

    @property
    def open(self) -> bool:
        return bool(self.svc.dev_mode)

    def key(self) -> str | None:
        """The dashboard key (production); read once per process from Secrets Manager."""
        global _cached_key
        if self.open:
            return None
        with _lock:
            if _cached_key is None:
                value = os.environ.get(ENV_DASHBOARD_KEY, "").strip()
                arn = os.environ.get(ENV_DASHBOARD_KEY_SECRET_ARN)
                if not value and arn:
                    from inngest_lambda.core import aws

                    secret = aws.client("secretsmanager").get_secret_value(SecretId=arn)
                    value = secret["SecretString"].strip()
                _cached_key = value or ""
            return _cached_key or None

    def _secret(self) -> bytes:
        key = self.key()
        if key is None:
            return _local_secret
        return hmac.new(key.encode(), b"inngest-lambda dashboard session", hashlib.sha256).digest()

    def check_key(self, offered: str) -> bool:
        key = self.key()
        return bool(key) and hmac.compare_digest(offered.strip().encode(), key.encode())

    def new_session(self) -> str:
        # A random id makes every sign-in its own session (and CSRF token), even two in the
        # same second.
        payload = f"{int(clock.now()) + SESSION_SECONDS}-{secrets.token_hex(16)}"
        return f"{payload}.{self._sign('session', payload)}"

    def session_ok(self, cookie: str | None) -> bool:
        if self.open:
            return True
        if not cookie or "." not in cookie or self.key() is None:
            return False
        payload, mac = cookie.split(".", 1)
        if not hmac.compare_digest(mac, self._sign("session", payload)):
            return False
        expiry = payload.split("-", 1)[0]
        return expiry.isdigit() and int(expiry) > clock.now()

    def csrf_token(self, cookie: str | None) -> str:
        return self._sign("csrf", cookie or "local")

    def csrf_ok(self, cookie: str | None, offered: str | None) -> bool:
        return bool(offered) and hmac.compare_digest(offered or "", self.csrf_token(cookie))

    def _sign(self, purpose: str, text: str) -> str:
        return hmac.new(self._secret(), f"{purpose}|{text}".encode(), hashlib.sha256).hexdigest()


def reset_cache() -> None:
    """Forget the dashboard key (tests that change it, and nothing else)."""
    global _cached_key
    with _lock:
        _cached_key = None
