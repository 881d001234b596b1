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
