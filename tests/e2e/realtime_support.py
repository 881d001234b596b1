"""The realtime e2e tests' local stack (its own functions module) and helpers."""

from __future__ import annotations

import contextlib
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

from inngest_lambda.local.invoke import Handler
from inngest_lambda.local.stack import LocalStack
from tests.support.stacks import local_stack

FUNCTIONS = "tests.support.apps.realtime_functions"
CLIENT_DIR = Path(__file__).parent / "realtime_client"
NODE_MODULES = CLIENT_DIR / "node_modules"


@contextlib.contextmanager
def realtime_stack(handler: Handler | None = None) -> Iterator[LocalStack]:
    """The local stack serving FUNCTIONS (`handler`: one wrapping the real handler)."""
    real_retries = {"INNGEST_LAMBDA_RETRY_SCALE": None}
    with local_stack(FUNCTIONS, real_retries, handler=handler, concurrency=4) as st:
        yield st


def require_client() -> None:
    assert (NODE_MODULES / "@inngest" / "realtime").is_dir(), (
        f"{NODE_MODULES} missing: `make realtime-client` installs the pinned @inngest/realtime"
    )


def js_parse(frames: list[str]) -> list[dict]:
    """Each frame through @inngest/realtime's own parsing (JSON.parse, then its zod message
    schema), as its TokenSubscription does on every WebSocket message; None where it drops one."""
    require_client()
    script = """
import { Realtime } from "@inngest/realtime";
let input = "";
process.stdin.on("data", (d) => (input += d));
process.stdin.on("end", async () => {
  const out = [];
  for (const frame of JSON.parse(input)) {
    const res = await Realtime.messageSchema.safeParseAsync(JSON.parse(frame));
    out.push(res.success ? res.data : null);
  }
  console.log(JSON.stringify(out));
});
"""
    result = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        input=json.dumps(frames),
        capture_output=True,
        text=True,
        cwd=CLIENT_DIR,
        check=True,
    )
    return json.loads(result.stdout)
