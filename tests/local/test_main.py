"""`python -m inngest_lambda.local`: starts on $PORT, serves, exits 0 on SIGTERM/SIGINT."""

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from local_fakes import NO_FUNCTIONS, request

from inngest_lambda.local.ports import free_port

HERE = Path(__file__).resolve().parent


def _start(port: int, **extra_env: str) -> tuple[subprocess.Popen, "queue.Queue[str]"]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INNGEST", "AWS_", "PYTEST"))}
    env.update(
        {
            "PORT": str(port),
            "INNGEST_LAMBDA_LOCAL_HANDLER": "local_stub_handler:handler",
            "PYTHONPATH": os.pathsep.join([str(HERE), env.get("PYTHONPATH", "")]),
            "PYTHONUNBUFFERED": "1",
            **NO_FUNCTIONS,
            **extra_env,
        }
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "inngest_lambda.local"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout], daemon=True).start()
    return proc, lines


def _wait_for_banner(proc, lines, timeout=20.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.2)
        except queue.Empty:
            if proc.poll() is not None:
                pytest.fail(f"exited early ({proc.returncode}): {proc.stderr.read()}")
            continue
        if "local stack on" in line:
            return line
    proc.kill()
    pytest.fail("no startup line")


def test_starts_on_port_serves_and_stops_cleanly():
    # Two processes at once (startup costs ~2 s each): SIGTERM with INNGEST_DEV unset, Ctrl-C
    # (SIGINT) with INNGEST_DEV set by the user.
    port_a, port_b = free_port(), free_port()
    proc_a, lines_a = _start(port_a)
    proc_b, lines_b = _start(port_b, INNGEST_DEV="http://127.0.0.1:9999")
    try:
        assert f"http://127.0.0.1:{port_a}" in _wait_for_banner(proc_a, lines_a)
        assert f"http://127.0.0.1:{port_b}" in _wait_for_banner(proc_b, lines_b)

        status, _, body = request(f"http://127.0.0.1:{port_a}", "GET", "/api/inngest")
        assert status == 200
        payload = json.loads(body)
        assert payload["stub"] is True
        assert payload["inngest_dev"] == f"http://127.0.0.1:{port_a}"  # set because unset
        assert payload["queue_url"].endswith("/inngest-lambda-work")
        _, _, body = request(f"http://127.0.0.1:{port_b}", "GET", "/")
        assert json.loads(body)["inngest_dev"] == "http://127.0.0.1:9999"  # left alone

        proc_a.send_signal(signal.SIGTERM)
        proc_b.send_signal(signal.SIGINT)
        assert proc_a.wait(timeout=15) == 0
        assert proc_b.wait(timeout=15) == 0
    finally:
        for proc in (proc_a, proc_b):
            if proc.poll() is None:
                proc.kill()
    for proc in (proc_a, proc_b):
        stderr = proc.stderr.read()
        assert "Traceback" not in stderr, stderr
