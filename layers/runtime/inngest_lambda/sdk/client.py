"""Talking to the SDK over its own HTTP protocol.

Functions served by this Lambda are reached in-process through ASGI (no network hop, but the
same request the Inngest server would send: JSON body, query parameters, signature); apps
registered from a URL are reached over HTTP. Requests are signed whenever a signing key is
configured, so an SDK in production mode verifies them exactly as it would Inngest's.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import hashlib
import hmac
import json
import re
import ssl
import time
import urllib.parse
from typing import Any

import httpx

from inngest_lambda.core import clock
from inngest_lambda.sdk import asgi_call

SDK_TIMEOUT_SECONDS = 900.0
# Requests sent to SDKs by this process, for benchmarks and logs.
STATS: collections.Counter[str] = collections.Counter()


@dataclasses.dataclass
class SdkResponse:
    status: int
    body: Any
    headers: dict[str, str]

    @property
    def no_retry(self) -> bool:
        return self.headers.get("x-inngest-no-retry") == "true"

    @property
    def retry_after(self) -> float | None:
        """Seconds to wait, from `retry-after` (seconds or an ISO time), if the SDK set one."""
        value = self.headers.get("retry-after")
        if not value:
            return None
        try:
            return float(value)
        except ValueError:
            pass
        try:
            return clock.parse_iso(value) - clock.now()
        except ValueError:
            return None


def sign(body: bytes, signing_key: str, timestamp: int | None = None) -> str:
    """`x-inngest-signature` for a body we produced already canonical (RFC 8785)."""
    ts = int(clock.now()) if timestamp is None else timestamp
    key = re.sub(r"^signkey-\w+-", "", signing_key).encode()
    mac = hmac.new(key, body, hashlib.sha256)
    mac.update(str(ts).encode())
    return f"t={ts}&s={mac.hexdigest()}"


def response_signed_by(body: bytes, header: str | None, keys: list[str]) -> bool:
    """Whether `x-inngest-signature` of an SDK response is an HMAC of its raw body by one of
    `keys` (the SDK signs with the key that verified our request: primary or fallback)."""
    if not header:
        return False
    fields = urllib.parse.parse_qs(header)
    ts, sig = fields.get("t", [""])[0], fields.get("s", [""])[0]
    if not sig or not ts.isdigit():
        return False
    for key in keys:
        mac = hmac.new(re.sub(r"^signkey-\w+-", "", key).encode(), body, hashlib.sha256)
        mac.update(ts.encode())
        if hmac.compare_digest(sig, mac.hexdigest()):
            return True
    return False


def canonical_json(value: object) -> bytes:
    import jcs

    return jcs.canonicalize(value)


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One per process: loading the CA bundle costs 0.1-0.2 s, and a client is made per
    invocation (httpx clients are bound to the invocation's event loop; a context is not)."""
    return httpx.create_ssl_context()


def step_url(runtime_url: str, function_id: str, step_id: str) -> str:
    """The function's registered URL with `fnId` and `stepId` set for this call."""
    parts = urllib.parse.urlsplit(runtime_url)
    query = dict(urllib.parse.parse_qsl(parts.query))
    query.update({"fnId": function_id, "stepId": step_id})
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


class SdkClient:
    """One per Lambda invocation: httpx clients are bound to the invocation's event loop."""

    def __init__(
        self, asgi_app: Any, signing_key: str | None, signing_key_fallback: str | None = None
    ) -> None:
        self._signing_key = signing_key
        # In production every response must be signed by the SDK with one of our keys: an
        # unsigned or forged answer (a spoofed app URL, a proxy) must not complete a step.
        self._verify_keys = [k for k in (signing_key, signing_key_fallback) if k]
        self._asgi_app = asgi_app  # this Lambda's own functions, called in-process
        self._remote_client: httpx.AsyncClient | None = None

    @property
    def _remote(self) -> httpx.AsyncClient:
        """Made on the first call to a remote app only (most drives call the in-process SDK)."""
        if self._remote_client is None:
            from inngest_lambda.sdk.transport import SdkTransport, environment_proxy_mounts

            context = _tls_context()
            self._remote_client = httpx.AsyncClient(
                timeout=SDK_TIMEOUT_SECONDS,
                transport=SdkTransport(context),
                mounts=environment_proxy_mounts(context),  # the proxy variables, as httpx's own
            )
        return self._remote_client

    @property
    def signed(self) -> bool:
        """Whether requests are signed (their bodies must then be canonical JCS)."""
        return self._signing_key is not None

    async def aclose(self) -> None:
        if self._remote_client is not None:
            await self._remote_client.aclose()

    async def call(
        self, runtime_url: str, local: bool, function_id: str, step_id: str, payload: bytes
    ) -> SdkResponse:
        """POST one request; `payload` is already canonical when signing (see sdk_body)."""
        headers = {
            "content-type": "application/json",
            "x-inngest-server-kind": "cloud" if self._signing_key else "dev",
            "x-inngest-req-version": "1",
        }
        if self._signing_key:
            headers["x-inngest-signature"] = sign(payload, self._signing_key)
        STATS["requests"] += 1
        STATS["request_bytes"] += len(payload)
        started = time.perf_counter_ns()
        url = step_url(runtime_url, function_id, step_id)
        if local:
            res = await asgi_call.post(self._asgi_app, url, payload, headers)
            status, headers, content = res.status, res.headers, res.content
        else:
            remote = await self._remote.post(url, content=payload, headers=headers)
            status, content = remote.status_code, remote.content
            headers = {k.lower(): v for k, v in remote.headers.items()}
        STATS["request_ns"] += time.perf_counter_ns() - started
        if self._verify_keys and not response_signed_by(
            content, headers.get("x-inngest-signature"), self._verify_keys
        ):
            STATS["unverified_responses"] += 1
            problem = "missing" if "x-inngest-signature" not in headers else "invalid"
            return SdkResponse(
                401,
                {
                    "name": "SDKResponseUnverified",
                    "message": f"the app's response signature is {problem} (HTTP"
                    f" {status}); is the app's INNGEST_SIGNING_KEY this deployment's?",
                    "stack": None,
                },
                headers,
            )
        try:
            parsed = json.loads(content) if content else None
        except (json.JSONDecodeError, UnicodeDecodeError):
            parsed = content.decode("utf-8", "replace")
        return SdkResponse(status, parsed, headers)
