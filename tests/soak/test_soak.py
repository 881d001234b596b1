"""The soak (the reliability issue: "no test runs more than a handful of runs").

Thousands of runs of mixed workflows (steps, sleeps of minutes to days, waits resumed and timed
out, invokes, `send_event` fan-out, concurrency keys, throttle, debounce, batching, `cancel=`)
run at once on the durable harness's virtual clock while 1% of the runtime's AWS calls fail
with the services' throttling errors. It fails on any run not finished exactly once: a trigger
that started no run or two, a run that did not end in its expected status and output, a side
effect that ran a wrong number of times, a throttle start too early; and on anything left
behind (messages, schedules, leases, pauses, concurrency holders, items without a TTL).

`SOAK_RUNS` sets the number of runs (1,000 here, 10,000 from `make soak`), `SOAK_SEED` the seed
of the plan and of the faults (printed in the report, so a failure can be replayed),
`SOAK_FAULT_RATE` the fraction of failing calls.
"""

from __future__ import annotations

import os
import random

import pytest

from tests.faults.injector import Injector
from tests.faults.throttling import Throttling
from tests.soak import workload
from tests.soak.moto_speed import direct_schedules, direct_sweep_index
from tests.soak.runner import SOAK_REPORTS, Soak

RUNS = int(os.environ.get("SOAK_RUNS", "1000"))
FAULT_RATE = float(os.environ.get("SOAK_FAULT_RATE", "0.01"))

# Logs at INFO would be kept by pytest for every run of the soak: only warnings and errors.
pytestmark = pytest.mark.durable(
    functions="tests.support.apps.soak_functions", env={"INNGEST_LAMBDA_LOG_LEVEL": "WARNING"}
)


def test_soak_every_run_finishes_exactly_once_under_throttling(durable):
    seed = int(os.environ.get("SOAK_SEED") or random.SystemRandom().randrange(2**32))
    plan = workload.plan(RUNS, random.Random(seed))
    injector = Injector()
    injector.install(durable.stack)
    soak = Soak(durable, injector, Throttling(FAULT_RATE, seed=seed), plan, seed)
    settings = durable.stack.settings
    with (
        direct_schedules(durable.stack.pump),
        direct_sweep_index(durable._driver(), settings.table, settings.region),
    ):
        report = soak.run()
    SOAK_REPORTS.append(report.lines())
    assert report.runs == plan.runs, "\n".join(report.lines())
    assert not report.problems, "\n".join(report.lines())
    assert report.failed_calls > 0 or FAULT_RATE == 0, "no fault was injected"
