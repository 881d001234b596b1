"""Keeping API responses under AWS Lambda's 6 MB response limit.

A Lambda response over the limit is not truncated: API Gateway answers 502 and the caller
learns nothing. Run outputs (any size an app returns), step outputs (the SDK allows 4 MB each)
and events (3 MB each) add up past it easily, so every read that can carry them measures its
body first and, when it does not fit, replaces the largest values by a reference the caller
can follow (`<field>_ref`), largest first, until it does. A single value is read in pages
through `chunk()`.

Sizes are measured as the Lambda payload carries them: the JSON body, itself escaped inside
the invocation's JSON response (quotes and non-ASCII grow there).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any

from inngest_lambda.settings import LAMBDA_PAYLOAD_LIMIT_BYTES

# Headers, status and the response envelope take a little of the limit.
BODY_BUDGET_BYTES = LAMBDA_PAYLOAD_LIMIT_BYTES - 64 * 1024
# A page of one large value: its JSON text, at most this many characters (escaped twice on the
# way out, a page stays well inside the budget whatever it contains).
CHUNK_CHARS = 1_000_000


def encoded_size(value: object) -> int:
    """Bytes `value` takes as a response body inside the Lambda response payload."""
    body = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return len(json.dumps(body))


@dataclasses.dataclass
class Slot:
    """A value that may be swapped for a reference: `container[key]`."""

    container: dict[str, Any]
    key: str
    ref: Callable[[], dict[str, Any]]  # what replaces it, e.g. {"url": ..., "bytes": ...}


def fit(body: dict[str, Any], slots: list[Slot], budget: int | None = None) -> bool:
    """Swap the largest slots for `<key>_ref` entries until `body` fits; True if any swapped."""
    budget = BODY_BUDGET_BYTES if budget is None else budget
    if encoded_size(body) <= budget:
        return False
    sized = sorted(
        ((encoded_size(s.container.get(s.key)), i, s) for i, s in enumerate(slots)),
        reverse=True,
    )
    for size, _, slot in sized:
        if size < 64:
            break
        slot.container[f"{slot.key}_ref"] = {**slot.ref(), "bytes": size}
        slot.container[slot.key] = None
        if encoded_size(body) <= budget:
            break
    return True


def chunk(value: object, offset: int) -> dict[str, Any]:
    """One page of a value's JSON text: join the `data` of every page and parse the result."""
    text = json.dumps(value, separators=(",", ":"))
    offset = max(0, offset)
    end = min(len(text), offset + CHUNK_CHARS)
    return {
        "data": text[offset:end],
        "offset": offset,
        "next_offset": end if end < len(text) else None,
        "total_chars": len(text),
    }
