"""`make bench`: how long a realtime publish from a running step takes to reach subscribers on
the local stack (the goal: within 100 ms), and what it costs per subscriber.

A function publishes from each of its steps, stamping the message with the time of the publish
call; SUBSCRIBERS plain WebSocket clients receive every message, and the latency is the receive
time minus that stamp (one process, one clock). Prints min / median / max over all messages and
subscribers, and the frames the local management endpoint accepted per message.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path

import httpx
from websockets.sync.client import ClientConnection, connect

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.stack import bench_stack  # noqa: E402

STEPS = int(os.environ.get("BENCH_REALTIME_STEPS", "20"))
SUBSCRIBERS = int(os.environ.get("BENCH_REALTIME_SUBSCRIBERS", "5"))


def main() -> None:
    with (
        bench_stack("bench.realtime_functions", log_level="CRITICAL", environ_wins=False) as stack,
        httpx.Client(base_url=stack.url) as http,
    ):
        token = http.post("/v1/realtime/token", json=[{"channel": "bench", "name": "t"}])
        url = stack.url.replace("http://", "ws://") + "/v1/realtime/connect?token="
        latencies: list[float] = []
        lock = threading.Lock()

        def subscriber(ws: ClientConnection) -> None:
            for _ in range(STEPS):  # each in its own thread: a frame is timed as it arrives
                frame = ws.recv(timeout=60)
                arrived = time.time()
                with lock:
                    latencies.append(arrived - json.loads(frame)["data"]["sent_at"])

        with contextlib.ExitStack() as sockets:
            clients = [
                sockets.enter_context(connect(url + token.json()["jwt"]))
                for _ in range(SUBSCRIBERS)
            ]
            threads = [threading.Thread(target=subscriber, args=(ws,)) for ws in clients]
            for thread in threads:
                thread.start()
            assert stack.websocket_api is not None
            posts_before = stack.websocket_api.posts
            event = {"name": "bench/stamped", "data": {"channel": "bench", "steps": STEPS}}
            http.post("/e/key", json=event)
            for thread in threads:
                thread.join(120)
            posts = stack.websocket_api.posts - posts_before
    ms = sorted(x * 1000 for x in latencies)
    print(
        f"realtime: {STEPS} publishes x {SUBSCRIBERS} subscribers, publish-to-receive latency"
        f" min {ms[0]:.1f} ms, median {statistics.median(ms):.1f} ms, max {ms[-1]:.1f} ms;"
        f" {posts / STEPS:.0f} PostToConnection per publish"
    )


if __name__ == "__main__":
    main()
