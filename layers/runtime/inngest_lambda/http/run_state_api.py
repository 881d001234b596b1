"""`use_api`: the run state an SDK fetches itself when it was too large to send.

`GET /v0/runs/{id}/actions` answers the memoised step results (the `steps` object of an
execution request) and `GET /v0/runs/{id}/batch` the run's events (its `events` list), with
the shapes the SDK's client reads (`_get_steps` / `_get_batch`).
"""

from __future__ import annotations

import gzip
import json
from typing import Any

from inngest_lambda.storage.store import Store

# Above this a response is gzipped when the caller accepts it (the SDK's httpx client does):
# run state this large is why `use_api` exists, and it compresses well.
GZIP_ABOVE_BYTES = 256 * 1024


def actions(store: Store, run_id: str) -> dict[str, Any] | None:
    """Every finished step's memo by step id; None when the run does not exist."""
    if store.get_run(run_id) is None:
        return None
    steps = store.load_steps(run_id)
    return {s.step_id: s.memo for s in sorted(steps.values(), key=lambda s: s.seq) if s.done}


def batch(store: Store, run_id: str) -> list[dict[str, Any]] | None:
    run = store.get_run(run_id)
    return None if run is None else run.events


def encode(value: object, accept_encoding: str) -> tuple[int, bytes, dict[str, str]]:
    """(status, body, headers) of a state answer that fits in one Lambda response.

    The SDK reads these answers whole (no paging), so the one way past Lambda's 6 MB is
    compression: a gzipped body travels base64-encoded, and must fit that way.
    """
    from inngest_lambda.http import response_budget

    body = json.dumps(value, separators=(",", ":")).encode()
    headers = {"content-type": "application/json"}
    gzipped = len(body) > GZIP_ABOVE_BYTES and "gzip" in accept_encoding.lower()
    if gzipped:
        body = gzip.compress(body, compresslevel=6)
        headers["content-encoding"] = "gzip"
        carried = (len(body) + 2) // 3 * 4  # base64
    else:
        carried = response_budget.encoded_size(value)
    if carried > response_budget.BODY_BUDGET_BYTES:
        message = (
            f"this run's state is {carried} bytes as a response"
            f"{' even gzipped' if gzipped else ' (ask with Accept-Encoding: gzip)'}, over "
            "AWS Lambda's 6 MB response limit"
        )
        error = json.dumps({"error": message, "status": 413}).encode()
        return 413, error, {"content-type": "application/json"}
    return 200, body, headers
