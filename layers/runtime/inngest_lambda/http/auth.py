"""Checking the keys callers present: the event key in `/e/{key}`, the signing key as a bearer.

Keys are ASCII (hex, prefixes, dashes). Anything else is a key this deployment never issued:
refused with 401 like any other wrong key, never compared as text (comparing non-ASCII strings
raises in `hmac.compare_digest`, which used to turn such a request into a 500).
"""

from __future__ import annotations

import hashlib
import hmac
import re

_PREFIX = re.compile(r"^signkey-\w+-")


def same(given: str, expected: str) -> bool:
    """Constant-time comparison that is simply False for non-ASCII input."""
    if not given or not given.isascii():
        return False
    return hmac.compare_digest(given.encode("ascii"), expected.encode("utf-8"))


def event_key_ok(given: str, expected: str | None) -> bool:
    """Without a configured event key (dev mode) any ASCII key is accepted, as Inngest's dev
    server does."""
    if not given.isascii():
        return False
    return expected is None or same(given, expected)


def bearer_ok(header: str, keys: list[str | None]) -> bool:
    """`Authorization: Bearer <signing key or its SHA-256>`, as the SDKs send it: the Python SDK
    sends the bare hash, inngest-js keeps the key's `signkey-<env>-` prefix on it (its
    `getSubscriptionToken`, for one), so the prefix is taken off the token as off the key."""
    token = header.removeprefix("Bearer ").strip()
    bare = _PREFIX.sub("", token)
    return any(same(token, key) or same(bare, hashed_key(key)) for key in keys if key)


def hashed_key(key: str) -> str:
    """The SDK's hashed signing key: SHA-256 of the key's hex part, prefix kept off."""
    stripped = _PREFIX.sub("", key)
    try:
        return hashlib.sha256(bytes.fromhex(stripped)).hexdigest()
    except ValueError:
        return hashlib.sha256(stripped.encode()).hexdigest()
