"""`make bench` (tracing): what OpenTelemetry tracing costs, measured in fresh processes.

- import: the seconds a process pays to import the OpenTelemetry SDK and the OTLP/HTTP exporter
  (what the first traced drive of a cold start adds; with tracing off nothing of it is imported);
- per step: the CPU seconds one `step.run` costs in a 100-step run driven by the `durable`
  harness (moto, virtual clock), tracing off vs on (exporting to an OTLP/HTTP receiver running
  in another process, so decoding is not counted), and the difference per step;
- installed size of the packages tracing adds to the dependency layer.

Min and median over repeats (BENCH_TRACING_REPEATS, default 5).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STEPS = 100
# The packages opentelemetry-sdk and -exporter-otlp-proto-http add to the runtime's (fastapi
# brings opentelemetry-api already; requests' own dependencies are httpx's too but charset).
ADDED = (
    "opentelemetry-sdk",
    "opentelemetry-semantic-conventions",
    "opentelemetry-exporter-otlp-proto-http",
    "opentelemetry-exporter-otlp-proto-common",
    "opentelemetry-exporter-otlp-common",
    "opentelemetry-exporter-http-transport",
    "opentelemetry-proto",
    "protobuf",
    "googleapis-common-protos",
    "requests",
    "charset-normalizer",
)

IMPORT = """
import time
t0 = time.perf_counter()
import opentelemetry.sdk.trace, opentelemetry.sdk.trace.export
import opentelemetry.exporter.otlp.proto.http.trace_exporter
print(time.perf_counter() - t0)
"""

RECEIVER = """
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", "0")))
        self.send_response(200); self.send_header("content-length", "0"); self.end_headers()
    def log_message(self, *a): pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
"""

DRIVE = """
import json, sys, time
from inngest_lambda.testing import Durable
repeats = int(sys.argv[1])
out = []
with Durable("bench.workflows") as durable:
    for i in range(repeats + 1):
        c0 = time.process_time()
        run = durable.run(durable.send("bench/steps", {"steps": STEPS}))
        cpu = time.process_time() - c0
        assert run.status == "Completed", run
        if i:  # the first run warms up (imports, the first drive's clients)
            out.append(cpu)
print(json.dumps(out))
""".replace("STEPS", str(STEPS))

# The tracer's own work per step (a request span, an attempt span, batching and export), without
# moto's noise: the seams a drive calls for one `step.run`, in a loop, exporting to the receiver.
SEAMS = """
import asyncio, json, sys, time
from inngest_lambda import tracing
from inngest_lambda.sdk.client import SdkResponse
from inngest_lambda.storage.models import Run
n = int(sys.argv[1])
run = Run("01J00000000000000000000000", "bench-fn", "Running", "e", {"name": "x"}, [], 1.0)

async def main():
    tracer = tracing.drive_tracer(run, "owner")
    async def answer():
        return SdkResponse(206, [], {})
    for i in range(50):  # warm up
        res = await tracer.request(f"s{i}", 0, answer())
        tracer.responded(res)
    tracing.flush()
    c0 = time.process_time()
    for i in range(n):
        res = await tracer.request(f"step-{i}", 0, answer())
        tracer.responded(res)
        op = {"op": "StepRun", "id": f"step-{i}", "name": f"step-{i}"}
        tracer.op_applied(op, 0, 0.0, 1.0, None)
    tracer.close()
    tracing.flush()
    return time.process_time() - c0

print(json.dumps(asyncio.run(main()) / n))
"""


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INNGEST", "OTEL_"))}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "layers" / "runtime"), str(ROOT)])
    env["INNGEST_LAMBDA_LOG_LEVEL"] = "ERROR"
    env.update(extra)
    return env


def _run(code: str, *args: str, **env: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", code, *args], env=_env(**env), capture_output=True, text=True
    )
    if out.returncode != 0:
        raise SystemExit(f"tracing probe failed:\n{out.stderr[-2000:]}")
    return out.stdout.strip().splitlines()[-1]


def _size(dist: str) -> int:
    files = metadata.distribution(dist).files or []
    return sum(f.locate().stat().st_size for f in files if f.locate().exists())


def main() -> None:
    repeats = int(os.environ.get("BENCH_TRACING_REPEATS", "5"))
    _run(IMPORT)  # bytecode caches; not counted
    imports = [float(_run(IMPORT)) for _ in range(repeats)]
    print(f"tracing, fresh processes, min/median of {repeats}")
    print(
        f"  import SDK + OTLP/HTTP exporter   {min(imports):.3f} {statistics.median(imports):.3f} s"
    )
    receiver = subprocess.Popen(
        [sys.executable, "-c", RECEIVER], stdout=subprocess.PIPE, text=True, env=_env()
    )
    try:
        assert receiver.stdout is not None
        port = receiver.stdout.readline().strip()
        on = {
            "INNGEST_LAMBDA_TRACING": "otlp",
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": f"http://127.0.0.1:{port}/v1/traces",
        }
        seams = [float(_run(SEAMS, "2000", **on)) * 1000 for _ in range(repeats)]
        off_runs: list[float] = []
        on_runs: list[float] = []
        for _ in range(2):  # interleaved, so machine noise hits both alike
            off_runs += json.loads(_run(DRIVE, str(repeats)))
            on_runs += json.loads(_run(DRIVE, str(repeats), **on))
    finally:
        receiver.terminate()
        receiver.wait()
    per_off = [c / STEPS * 1000 for c in off_runs]
    per_on = [c / STEPS * 1000 for c in on_runs]
    print(
        f"  CPU per step, tracing off        {min(per_off):.2f} {statistics.median(per_off):.2f} ms"
    )
    print(
        f"  CPU per step, tracing on (OTLP)  {min(per_on):.2f} {statistics.median(per_on):.2f} ms"
    )
    added = statistics.median(per_on) - statistics.median(per_off)
    print(f"  added per step (medians)         {added:.2f} ms")
    print(
        f"  the tracer alone, per step        {min(seams):.3f} {statistics.median(seams):.3f} ms"
        " (2 spans, batched and exported)"
    )
    sizes = {d: _size(d) for d in ADDED}
    total = sum(sizes.values())
    print(f"  installed size of what tracing adds: {total / 1e6:.1f} MB")
    for dist, size in sorted(sizes.items(), key=lambda kv: -kv[1])[:4]:
        print(f"    {dist:40} {size / 1e6:5.1f} MB")


if __name__ == "__main__":
    main()
