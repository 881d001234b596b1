"""JSON values of runs, steps and events: inline on the item, or in S3 past a size limit.

A value over its limit is written to S3 (`blobs`) and the item keeps a pointer, `<attr>_ref`,
instead of `<attr>`; readers take whichever the item has. Keys: `runs/<run_id>/<name>.json`
for a run's values, `<prefix>/<name>.json` when the owner id already names a prefix (events).
"""

from __future__ import annotations

import json
from typing import Any

from inngest_lambda.settings import INLINE_VALUE_LIMIT_BYTES
from inngest_lambda.storage import blobs

# A step item's `error` (what the dashboard, the API and traces show of a failed attempt) is
# kept inline beside a memo of up to INLINE_VALUE_LIMIT_BYTES, under DynamoDB's 400 KB item
# limit, so it has a budget of its own: past it, its text fields are clipped. The SDK never
# reads it (a failed step's error reaches the SDK whole, in the memo, offloaded when large).
ERROR_BUDGET_BYTES = 16_384
ERROR_FIELD_CHARS = 2_048  # at most 4 bytes each in UTF-8: a clipped field fits 8 KB


def dump_value(
    run_id: str,
    name: str,
    attr: str,
    value: object,
    limit: int = INLINE_VALUE_LIMIT_BYTES,
    *,
    ended: bool = False,
) -> dict[str, Any]:
    """JSON-encode a value; one over `limit` bytes goes to S3, leaving a pointer. Values of a
    run are written `live` (never expired) unless `ended`; events are ended from the start."""
    return dump_text(
        run_id, name, attr, json.dumps(value, separators=(",", ":")), limit, ended=ended
    )


def dump_text(
    run_id: str,
    name: str,
    attr: str,
    text: str,
    limit: int = INLINE_VALUE_LIMIT_BYTES,
    *,
    ended: bool = False,
) -> dict[str, Any]:
    if len(text.encode()) <= limit:
        return {attr: text}
    key = f"{run_id}/{name}.json" if "/" in run_id else f"runs/{run_id}/{name}.json"
    blobs.put(key, text.encode(), ended=ended or "/" in run_id)
    return {f"{attr}_ref": key}


def load_value(p: dict[str, Any], attr: str) -> object:
    """The value of `attr` on a decoded item (`codec.decode_item`), None if it has none."""
    text = load_text(p, attr)
    return json.loads(text) if text is not None else None


def load_text(p: dict[str, Any], attr: str) -> str | None:
    if f"{attr}_ref" in p:
        return blobs.get(p[f"{attr}_ref"]).decode()
    if attr in p:
        return str(p[attr])
    return None


def clipped_error(error: dict[str, Any]) -> dict[str, Any]:
    """`error` as a step item keeps it: whole when its JSON fits ERROR_BUDGET_BYTES, else its
    scalar fields with each text cut to ERROR_FIELD_CHARS (saying how much was cut), nested
    values left out, and if that still does not fit, only its name and message."""
    if len(json.dumps(error).encode()) <= ERROR_BUDGET_BYTES:
        return error
    out: dict[str, Any] = {}
    for key, value in error.items():
        if isinstance(value, str) and len(value) > ERROR_FIELD_CHARS:
            cut = len(value) - ERROR_FIELD_CHARS
            out[key] = f"{value[:ERROR_FIELD_CHARS]}... [{cut} more characters not kept]"
        elif value is None or isinstance(value, str | int | float | bool):
            out[key] = value
    if len(json.dumps(out).encode()) > ERROR_BUDGET_BYTES:
        out = {k: out[k] for k in ("name", "message") if k in out}
    return out
