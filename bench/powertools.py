"""Powertools for AWS Lambda (Python) Logger and Metrics against our `core/log.py` and
`core/metrics.py` (issue 21): what adopting them would cost a cold start and the runtime layer.

Powertools is not a dependency, so this runs with an interpreter that has it installed beside
this project (its own venv, never the project's):

    python3 -m venv /tmp/pt
    /tmp/pt/bin/pip install -c requirements.lock -e . aws-lambda-powertools==3.37.0
    /tmp/pt/bin/python bench/powertools.py            # BENCH_PT_REPEATS=9 by default

Prints, over fresh processes (min/median): the import of each logging+metrics pair and its
first use (a logger, one log line with run fields, one EMF document with our dimensions), the
cold start of `bench/coldstart.py` with and without Powertools' pair set up in it (wall time
of its marks, and the CPU time of the whole process, steadier on a busy machine), and the
installed size Powertools would add to the dependency layer (sources, with the target's
bytecode as the layers ship it, and zipped).
"""

from __future__ import annotations

import compileall
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.coldstart import RUNTIME, _env  # noqa: E402

OURS = """
import io, time
t0 = time.perf_counter()
from inngest_lambda.core import log, metrics
t1 = time.perf_counter()
logger = log.get_logger("INFO")
logger.handlers[0].stream = io.StringIO()
logger.info("drive", extra={"run_id": "r", "function_id": "f", "attempt": 0})
batch = metrics.Batch("f")
batch.add("StepDuration", 12.5)
metrics.render(batch.values, "f")
t2 = time.perf_counter()
print(t1 - t0, t2 - t0)
"""

THEIRS = """
import io, logging, time
t0 = time.perf_counter()
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
t1 = time.perf_counter()
logger = Logger(service="inngest_lambda", logger_handler=logging.StreamHandler(io.StringIO()))
logger.info("drive", run_id="r", function_id="f", attempt=0)
m = Metrics(namespace="InngestLambda", service="x")
m.add_dimension("FunctionId", "f")
m.add_metric("StepDuration", MetricUnit.Milliseconds, 12.5)
m.serialize_metric_set()
t2 = time.perf_counter()
print(t1 - t0, t2 - t0)
"""

# Powertools' pair made where the handler module would make it, before the handler's import.
SETUP = """
from aws_lambda_powertools import Logger, Metrics
_pt_logger, _pt_metrics = Logger(service="inngest_lambda"), Metrics(namespace="InngestLambda")
"""


def _run(code: str) -> list[float]:
    """The figures `code` prints (its marks, seconds), then the CPU seconds its process used
    (interpreter start included: the same for every variant, so differences stay; steadier
    than wall time on a busy machine)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(
        [sys.executable, "-c", code], env=_env(), capture_output=True, text=True, check=False
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode != 0:
        raise SystemExit(f"probe failed:\n{out.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    last = out.stdout.strip().splitlines()[-1]
    if last.startswith("{"):
        return [*json.loads(last).values(), cpu]
    return [*(float(x) for x in last.split()), cpu]


def _with_powertools(runtime: str) -> str:
    marker = "t0 = time.perf_counter()\n"
    head, tail = runtime.split(marker, 1)
    return head + marker + SETUP + tail


def _modules(code: str) -> tuple[int, list[tuple[int, str]]]:
    """How many modules `code` imports (-X importtime) and the five largest, cumulative us."""
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        env=_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    rows = []
    for line in out.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line[len("import time:") :].split("|")
        rows.append((int(cumulative), name[1:]))  # nested imports keep more leading spaces
    top = sorted((r for r in rows if not r[1].startswith(" ")), reverse=True)[:5]
    return len(rows), top


def size() -> dict[str, int]:
    """Installed bytes of the aws_lambda_powertools package: sources, with bytecode, zipped."""
    import aws_lambda_powertools

    root = Path(aws_lambda_powertools.__file__).parent
    sources = [p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "python" / "aws_lambda_powertools"
        for p in sources:
            dest = copy / p.relative_to(root)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(p.read_bytes())
        compileall.compile_dir(str(copy), quiet=1, workers=1)
        files = [p for p in copy.rglob("*") if p.is_file()]
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
            for p in files:
                zf.write(p, p.relative_to(Path(tmp)).as_posix())
        return {
            "sources": sum(p.stat().st_size for p in sources),
            "with bytecode": sum(p.stat().st_size for p in files),
            "zipped": len(buf.getvalue()),
        }


def main() -> None:
    repeats = int(os.environ.get("BENCH_PT_REPEATS", "9"))
    runtime_pt = _with_powertools(RUNTIME)
    for code in (OURS, THEIRS, RUNTIME, runtime_pt):
        _run(code)  # bytecode caches written; not counted
    figures: dict[str, list[float]] = {}
    for _ in range(repeats):  # interleaved, so machine noise hits each alike
        for name, code in (("ours", OURS), ("powertools", THEIRS)):
            imported, used, _ = _run(code)
            figures.setdefault(f"{name} import", []).append(imported)
            figures.setdefault(f"{name} import+use", []).append(used)
        for name, code in (("cold start", RUNTIME), ("cold start + powertools", runtime_pt)):
            *_, first_sqs, with_ddb, cpu = _run(code)
            figures.setdefault(f"{name}", []).append(first_sqs)
            figures.setdefault(f"{name}, + DynamoDB", []).append(with_ddb)
            figures.setdefault(f"{name}, process CPU", []).append(cpu)
    print(f"fresh processes, min/median of {repeats}, milliseconds (load {os.getloadavg()[0]:.1f})")
    for name, values in figures.items():
        print(f"  {name:36} {min(values) * 1e3:8.1f} {statistics.median(values) * 1e3:8.1f}")
    for name, code in (
        ("ours", "from inngest_lambda.core import log, metrics"),
        ("powertools", "from aws_lambda_powertools import Logger, Metrics"),
    ):
        count, top = _modules(code)
        print(f"  {name}: {count} modules imported; largest (cumulative ms):")
        for us, module in top:
            print(f"    {module:50} {us / 1e3:7.1f}")
    print("  powertools package size, bytes:", json.dumps(size()))


if __name__ == "__main__":
    main()
