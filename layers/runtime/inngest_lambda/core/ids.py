"""ULIDs for events and runs: sortable by time, so listings come out in order."""

from __future__ import annotations

import base64
import hashlib

from ulid import ULID

from inngest_lambda.core import clock


def new_id() -> str:
    return str(ULID.from_timestamp(clock.now()))


def seeded_ids(seed: str | None, count: int) -> list[str]:
    """Event ids derived from the SDK's `x-inngest-event-id-seed` header.

    The SDK sends a fresh seed (`<millis>,<base64 of 10 random bytes>`) with each send and keeps
    it across its own retries, so deriving ids from it makes a retried send produce the same ids:
    the retry is then deduplicated instead of starting every function twice.
    """
    if seed:
        try:
            millis_text, entropy_b64 = seed.split(",", 1)
            millis = int(millis_text)
            entropy = base64.b64decode(entropy_b64, validate=True)
            if len(entropy) == 10 and 0 <= millis < 2**48:
                out = []
                for i in range(count):
                    rand = hashlib.sha256(entropy + i.to_bytes(4, "big")).digest()[:10]
                    out.append(str(ULID.from_bytes(millis.to_bytes(6, "big") + rand)))
                return out
        except ValueError:
            pass
    return [new_id() for _ in range(count)]


def deterministic_id(run_id: str, step_id: str) -> str:
    """An id that a retried drive derives again, so the child it starts is the same child."""
    millis = ULID.from_str(run_id).milliseconds
    rand = hashlib.sha256(f"{run_id}:{step_id}".encode()).digest()[:10]
    return str(ULID.from_bytes(millis.to_bytes(6, "big") + rand))
