"""`make bench`: how long a realtime publish from a running step takes to reach subscribers on
the local stack (the goal: within 100 ms), and what it costs per subscriber.

A function publishes from each of its steps, stamping the message with the time of the publish
call; SUBSCRIBERS plain WebSocket clients receive every message, and the latency is the receive
time minus that stamp (one process, one clock). Prints min / median / max over all messages and
subscribers, and the frames the local management endpoint accepted per message.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

import httpx
from websockets.sync.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inngest_lambda.local.ports import free_port  # noqa: E402
from inngest_lambda.local.stack import LocalStack  # noqa: E402

STEPS = int(os.environ.get("BENCH_REALTIME_STEPS", "20"))
SUBSCRIBERS = int(os.environ.get("BENCH_REALTIME_SUBSCRIBERS", "5"))


def main() -> None:
    port = free_port()
    env = {
        "INNGEST_DEV": f"http://127.0.0.1:{port}",
        "INNGEST_LAMBDA_FUNCTIONS": "bench.realtime_functions",
        "INNGEST_LAMBDA_LOG_LEVEL": "CRITICAL",
    }
    with LocalStack(port=port, env=env) as stack, httpx.Client(base_url=stack.url) as http:
        token = http.post("/v1/realtime/token", json=[{"channel": "bench", "name": "t"}])
        url = stack.url.replace("http://", "ws://") + "/v1/realtime/connect?token="
        sockets = [connect(url + token.json()["jwt"]) for _ in range(SUBSCRIBERS)]
        assert stack.websocket_api is not None
        posts_before = stack.websocket_api.posts
        http.post(
            "/e/key", json={"name": "bench/stamped", "data": {"channel": "bench", "steps": STEPS}}
        )
        latencies: list[float] = []
        for ws in sockets:
            for _ in range(STEPS):
                frame = ws.recv(timeout=60)
                latencies.append(time.time() - json.loads(frame)["data"]["sent_at"])
        posts = stack.websocket_api.posts - posts_before
        for ws in sockets:
            ws.close()
    ms = sorted(x * 1000 for x in latencies)
    print(
        f"realtime: {STEPS} publishes x {SUBSCRIBERS} subscribers, publish-to-receive latency"
        f" min {ms[0]:.1f} ms, median {statistics.median(ms):.1f} ms, max {ms[-1]:.1f} ms;"
        f" {posts / STEPS:.0f} PostToConnection per publish"
    )


if __name__ == "__main__":
    main()
