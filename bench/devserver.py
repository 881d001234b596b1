"""`make bench`: the `make dev` process itself, driven over HTTP like a user drives it.

A separate process is started as `make dev` starts it (`python -m inngest_lambda.local`, on a free
port, the bench's functions module, the default log level), and timed from outside:

* **a 1000-step run**: event API call to the run's `Completed`, read from `GET /v1/events/{id}/runs`
  polled every `BENCH_DEV_POLL` seconds (default 0.5: a person's script or the SDK suite's
  helpers poll about that often), min and median of `BENCH_REPEATS_LONG` runs (default 2);
* **parallel sends**: N senders (threads, each its own connection), released together, each
  sending one event; p50 / p99 / max of the per-send latency at N = 100 and 500, against the
  goal `TAIL_GOAL` (docs/benchmarks.md says why that goal).

`python bench/devserver.py` runs both; `BENCH_DEV_STEPS`, `BENCH_DEV_SENDERS` (comma-separated)
shorten it while developing.
"""

from __future__ import annotations

import contextlib
import dataclasses
import http.client
import json
import os
import queue
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from inngest_lambda.local.ports import free_port  # noqa: E402

# Goal for N parallel sends: p99 within TAIL_GOAL x N x (median of a lone send). The handler
# ingests one send at a time (moto is serialised), so N sends released together cannot all end
# sooner than N lone sends; the server must add no tail of its own (refused or retried
# connects, a stalled body) beyond that queue.
TAIL_GOAL = 1.5
BANNER = "inngest-lambda local stack on "


@dataclasses.dataclass(frozen=True)
class DevProcess:
    url: str
    pid: int

    def cpu_seconds(self) -> float:
        """User + system CPU time the process has used so far (Linux /proc)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def dev_process(functions: str = "bench.workflows") -> Iterator[DevProcess]:
    """`python -m inngest_lambda.local` on a free port; stopped (SIGTERM) afterwards."""
    port = free_port()
    env = {**os.environ, "PORT": str(port), "INNGEST_LAMBDA_FUNCTIONS": functions}
    env.pop("INNGEST_DEV", None)  # as `make dev`: the process names its own URL
    proc = subprocess.Popen(
        [sys.executable, "-m", "inngest_lambda.local"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # INFO logs go to stderr: drained by the OS, not kept
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise SystemExit("make dev did not start within 60 s") from None
            if line.startswith(BANNER):
                break
        yield DevProcess(f"http://127.0.0.1:{port}", proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run_to_completion(http: httpx.Client, steps: int, poll: float) -> float:
    """Seconds from the event API call to the run's `Completed`, as a polling client sees it."""
    started = time.perf_counter()
    res = http.post("/e/key", json={"name": "bench/steps", "data": {"steps": steps}})
    event_id = res.json()["ids"][0]
    while True:
        runs = http.get(f"/v1/events/{event_id}/runs").json()["data"]
        if runs and runs[0]["status"] in ("Completed", "Failed", "Cancelled"):
            if runs[0]["status"] != "Completed":
                raise SystemExit(f"make dev: run ended {runs[0]['status']}")
            return time.perf_counter() - started
        time.sleep(poll)


def parallel_sends(url: str, senders: int) -> list[float]:
    """Per-send seconds of `senders` threads released at once, each on its own connection
    (`http.client`: light enough that 500 client threads do not crowd out the server)."""
    parts = urlsplit(url)
    barrier = threading.Barrier(senders)
    times: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def send(i: int) -> None:
        body = json.dumps({"name": "bench/parallel", "data": {"i": i}}).encode()
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
        try:
            barrier.wait()
            started = time.perf_counter()
            conn.request("POST", "/e/key", body, {"Content-Type": "application/json"})
            res = conn.getresponse()
            reply = res.read()
            took = time.perf_counter() - started
        except OSError as exc:
            with lock:
                errors.append(repr(exc))
            return
        finally:
            conn.close()
        with lock:
            if res.status != 200 or len(json.loads(reply)["ids"]) != 1:
                errors.append(reply[:200].decode(errors="replace"))
            times.append(took)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(senders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise SystemExit(f"{len(errors)} of {senders} sends failed: {errors[0]}")
    return times


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    steps = int(os.environ.get("BENCH_DEV_STEPS", "1000"))
    repeats = int(os.environ.get("BENCH_REPEATS_LONG", "2"))
    poll = float(os.environ.get("BENCH_DEV_POLL", "0.5"))
    counts = [int(n) for n in os.environ.get("BENCH_DEV_SENDERS", "100,500").split(",") if n]
    print()
    print("make dev, a separate process driven over HTTP")
    with dev_process() as dev, httpx.Client(base_url=dev.url, timeout=60) as http:
        run_to_completion(http, 3, 0.05)  # warm: the first request builds the API app
        times, cpu = [], []
        for _ in range(repeats if steps else 0):
            before = dev.cpu_seconds()
            times.append(run_to_completion(http, steps, poll))
            cpu.append(dev.cpu_seconds() - before)
        if times:
            print(
                f"  {steps} steps, event API to Completed (polled every {poll} s):"
                f" min {min(times):.2f} s, median {statistics.median(times):.2f} s;"
                f" CPU of the make dev process {min(cpu):.2f} s (a quiet machine: wall ~ CPU)"
            )
        lone = statistics.median(_lone_sends(http, 20))
        print(f"  a lone send: median {lone * 1000:.1f} ms (20 in a row, one connection)")
        for n in counts:
            sends = parallel_sends(dev.url, n)
            p50, p99 = _pct(sends, 0.5), _pct(sends, 0.99)
            bound = TAIL_GOAL * n * lone
            verdict = "met" if p99 <= bound else "NOT met"
            print(
                f"  {n:>4} parallel sends: p50 {p50:.3f} s, p99 {p99:.3f} s,"
                f" max {max(sends):.3f} s; goal p99 <= {TAIL_GOAL} x {n} x lone send"
                f" = {bound:.3f} s: {verdict}"
            )


def _lone_sends(http: httpx.Client, count: int) -> list[float]:
    times = []
    for i in range(count):
        started = time.perf_counter()
        http.post("/e/key", json={"name": "bench/lone", "data": {"i": i}}).raise_for_status()
        times.append(time.perf_counter() - started)
    return times


if __name__ == "__main__":
    main()
