"""Run and step metrics in CloudWatch's embedded metric format, from the real executor."""

from __future__ import annotations

import json
import threading

import pytest

from inngest_lambda.core import log, metrics


@pytest.fixture()
def emf(monkeypatch):
    """Every EMF document the runtime writes while the test runs."""
    lines: list[dict] = []
    lock = threading.Lock()
    original = log.write_line

    def capture(text: str) -> None:
        with lock:
            lines.append(json.loads(text))
        original(text)

    monkeypatch.setenv("INNGEST_LAMBDA_METRICS", "1")
    monkeypatch.setattr(log, "write_line", capture)
    return lines


def _values(lines: list[dict], name: str, function_id: str | None) -> list[float]:
    out: list[float] = []
    for doc in lines:
        if name in doc and doc.get("FunctionId") == function_id:
            value = doc[name]
            out.extend(value if isinstance(value, list) else [value])
    return out


def test_runs_steps_and_sleeps_are_measured_per_function(api, emf):
    three = api.wait_run(api.send("e2e/three", {"n": 1}))
    sleeper = api.wait_run(api.send("e2e/sleep", {"seconds": 1}))
    failed = api.wait_run(api.send("e2e/nonretry"))
    assert three["status"] == sleeper["status"] == "Completed" and failed["status"] == "Failed"

    assert _values(emf, "RunsStarted", "e2e-three-steps") == [1]
    assert _values(emf, "RunsCompleted", "e2e-three-steps") == [1]
    durations = _values(emf, "StepDuration", "e2e-three-steps")
    assert len(durations) == 3 and all(d >= 0 for d in durations)
    (lateness,) = _values(emf, "SleepLateness", "e2e-sleeper")
    assert 0 <= lateness < 30_000
    assert _values(emf, "RunsFailed", "e2e-non-retriable") == [1]
    assert _values(emf, "RunsCompleted", "e2e-non-retriable") == []
    ages = _values(emf, "QueueAge", None)
    assert ages and all(a >= 0 for a in ages)

    for doc in emf:  # each document declares exactly the metrics it carries
        (declared,) = doc["_aws"]["CloudWatchMetrics"]
        assert declared["Namespace"] == metrics.NAMESPACE
        names = {m["Name"] for m in declared["Metrics"]}
        assert names == set(doc) & set(metrics.UNITS)
        assert all(dim in doc for dim in declared["Dimensions"][0])


def test_a_drive_writes_one_line_whatever_its_steps(api, emf):
    run = api.wait_run(api.send("e2e/many", {"steps": 12}))
    mine = [doc for doc in emf if doc.get("FunctionId") == "e2e-many-steps"]
    assert len(_values(emf, "StepDuration", "e2e-many-steps")) == 12
    # Steps of one drive share a line: far fewer lines than steps.
    assert len(mine) < 12, [list(d) for d in mine]
    assert run["status"] == "Completed"


def test_render_splits_past_the_emf_value_limit():
    docs = [json.loads(x) for x in metrics.render({"StepDuration": [1.0] * 250}, "fn")]
    assert [len(d["StepDuration"]) for d in docs] == [100, 100, 50]
