"""Subscription tokens: HS256 JWTs with Inngest's claims, issued by POST /v1/realtime/token and
checked when a WebSocket connects (pkg/execution/realtime/token.go).

Claims: `iss` "rt.inngest.com", `sub` (account), `env`, `iat`, `exp` (60 s after issue, as on
Inngest: a token is for connecting, not for the life of the connection), `jti`, `publish` false,
`topics` [{"kind": "run", "env_id", "channel", "name"}]. The browser client never decodes the
token; only this module reads it.

The key: with a signing key configured, HMAC-SHA256 of it under a fixed label, so no new secret
has to be stored and a rotated signing key (the fallback key still accepted) keeps tokens issued
just before the rotation valid. Without one (dev mode) it is a public constant: anyone can
make tokens for a dev stack, as for Inngest's dev server.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import re
from collections.abc import Sequence

import jwt

from inngest_lambda.core import clock, ids
from inngest_lambda.realtime.protocol import ProtocolError, check_name

ISSUER = "rt.inngest.com"
EXPIRY_SECONDS = 60
# Dev mode (no signing key): a public key, from the constant Inngest's dev server signs with
# (pkg/consts/devserver.go), hashed to the 32 bytes HS256 wants.
DEV_SECRET = hashlib.sha256(b"dev-mode-is-not-secret").digest()
# Inngest's dev server account and environment; one deployment is one account and environment.
ACCOUNT_ID = "00000000-0000-4000-a000-000000000000"
ENV_ID = "00000000-0000-4000-b000-000000000000"
MAX_TOPICS = 64
_LABEL = b"inngest-lambda realtime token v1"
_ALGORITHM = "HS256"


class TokenError(Exception):
    """A token that does not let anyone in (bad signature, expired, not ours, malformed)."""


@dataclasses.dataclass(frozen=True)
class Topic:
    channel: str
    name: str


def secrets_for(signing_keys: Sequence[str | None]) -> list[bytes]:
    """The token keys: the first signs, all verify. No signing key: the dev constant."""
    keys = [key for key in signing_keys if key]
    if not keys:
        return [DEV_SECRET]
    return [hmac.new(_normalised(key), _LABEL, hashlib.sha256).digest() for key in keys]


def parse_request(body: object) -> list[Topic]:
    """The token request: `[{"channel": .., "name": .., "kind": "run"}, ...]` (what both SDKs
    send); one entry per topic, at least one, at most MAX_TOPICS."""
    if not isinstance(body, list) or not body:
        raise ProtocolError('body must be a non-empty JSON array of {"channel", "name"} topics')
    if len(body) > MAX_TOPICS:
        raise ProtocolError(f"at most {MAX_TOPICS} topics per token, got {len(body)}")
    topics: list[Topic] = []
    for index, entry in enumerate(body):
        if not isinstance(entry, dict):
            raise ProtocolError(f"topic {index} must be an object")
        kind = entry.get("kind", "run")
        if kind != "run":
            raise ProtocolError(f'topic {index}: kind must be "run", got {kind!r}')
        topic = Topic(
            check_name(f"topic {index}: channel", entry.get("channel")),
            check_name(f"topic {index}: name", entry.get("name")),
        )
        if topic not in topics:
            topics.append(topic)
    return topics


def issue(topics: Sequence[Topic], secret: bytes, *, expiry: int = EXPIRY_SECONDS) -> str:
    now = int(clock.now())
    claims = {
        "iss": ISSUER,
        "sub": ACCOUNT_ID,
        "exp": now + expiry,
        "iat": now,
        "jti": ids.new_id(),
        "env": ENV_ID,
        "topics": [
            {"kind": "run", "env_id": ENV_ID, "channel": t.channel, "name": t.name} for t in topics
        ],
        "publish": False,
    }
    return jwt.encode(claims, secret, algorithm=_ALGORITHM)


def verify(token: str, secrets: Sequence[bytes]) -> list[Topic]:
    """The topics a token grants; TokenError unless one of `secrets` signed it (HS256 only), it
    names our issuer, has not expired and carries at least one well-formed topic."""
    if not token:
        raise TokenError("a token is required (?token=...)")
    for secret in secrets:
        try:
            claims = jwt.decode(
                token,
                secret,
                algorithms=[_ALGORITHM],
                issuer=ISSUER,
                # Expiry is checked below against the runtime's clock (virtual in tests).
                options={"require": ["exp", "iat", "iss"], "verify_exp": False},
            )
        except jwt.InvalidSignatureError:
            continue
        except jwt.PyJWTError as err:
            raise TokenError(f"invalid token: {err}") from None
        exp = claims.get("exp")
        if not isinstance(exp, int | float) or exp <= clock.now():
            raise TokenError("the token has expired; get a new one")
        return _topics(claims)
    raise TokenError("invalid token: signature does not match")


def _topics(claims: dict[str, object]) -> list[Topic]:
    raw = claims.get("topics")
    topics: list[Topic] = []
    if isinstance(raw, list):
        for entry in raw:
            if isinstance(entry, dict) and entry.get("kind", "run") == "run":
                try:
                    channel = check_name("channel", entry.get("channel"))
                    name = check_name("name", entry.get("name"))
                except ProtocolError:
                    continue
                topics.append(Topic(channel, name))
    if not topics:
        raise TokenError("invalid token: it grants no topics")
    return topics


def _normalised(key: str) -> bytes:
    """The key without its `signkey-<env>-` prefix, so a prefixed and a bare key agree."""
    return re.sub(r"^signkey-\w+-", "", key).encode()
