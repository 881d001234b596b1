"""Flow-control options parsed from the SDK's wire config (flow/config.py)."""

from __future__ import annotations

import pytest

from inngest_lambda.flow import config
from inngest_lambda.flow.config import FlowConfigError


def _fn(**options):
    base = {"id": "app-fn", "triggers": [{"event": "a"}], "steps": {}}
    return {**base, **options}


def test_parses_the_python_sdk_wire_config():
    flow = config.FlowConfig.from_wire(
        _fn(
            concurrency=[{"limit": 2, "key": "event.data.k", "scope": "fn"}],
            throttle={"limit": 3, "period": "1m", "burst": 2, "key": None},
            rateLimit={"limit": 1, "period": "1h30m", "key": None},
            debounce={"period": "5s", "timeout": "1m", "key": None},
            priority={"run": "100"},
            singleton={"mode": "skip", "key": None},
            timeouts={"start": "10s", "finish": None},
        )
    )
    assert flow.concurrency[0].limit == 2 and flow.concurrency[0].scope == "fn"
    assert flow.throttle == config.Throttle(3, 60.0, 2, None)
    assert flow.rate_limit.period == 5400.0
    assert flow.debounce == config.Debounce(5.0, None, 60.0)
    assert flow.priority == "100"
    assert flow.timeouts == config.Timeouts(10.0, None)
    assert flow.controls_admission and flow.gates_execution


def test_accepts_other_sdks_spellings_of_concurrency():
    assert config.FlowConfig.from_wire(_fn(concurrency=5)).concurrency[0].limit == 5
    one = config.FlowConfig.from_wire(_fn(concurrency={"limit": 2, "key": "event.data.a"}))
    assert one.concurrency[0].key == "event.data.a"


def test_no_options_means_no_flow_control():
    flow = config.of(_fn(concurrency=[], cancel=None, throttle=None))
    assert not flow.controls_admission and not flow.gates_execution


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"throttle": {"limit": 1, "period": "soon"}}, "throttle.period"),
        ({"singleton": {"mode": "queue"}}, "singleton.mode"),
        ({"concurrency": [{"limit": 1, "scope": "account"}]}, "key is required"),
        ({"rateLimit": {"limit": 0, "period": "1s"}}, "rateLimit.limit"),
    ],
)
def test_parse_errors_name_the_option(options, message):
    with pytest.raises(FlowConfigError, match=message):
        config.FlowConfig.from_wire(_fn(**options))
