"""Throttling storm (issue: reliability): for a window of virtual time a fraction of EVERY AWS
call the runtime makes (DynamoDB, SQS, Scheduler, S3; event ingestion included) fails with the
service's real throttling error (`tests/faults/throttling.py`), and senders retry refused sends
with the same event ids, as the SDK does.

Each workflow kind of the fault sweep, and a few more (`STORM_SCENARIOS`), runs through its
own storm, seeded from one base seed; the cases check what the sweep checks (outputs and end
statuses, one record per step, recovery within the bound after the storm, the same runs as a
clean run: one run per trigger, one listener run per event sent) and the test then checks that
nothing is left behind.

`make test` runs one storm per kind from a fixed seed. `FAULT_SWEEP_FULL=1` runs
`FULL_ROUNDS` storms per kind from a random base seed; `FAULT_STORM_SEED=<n>` replays a seed
(the seed is printed, and named in every failure).
"""

from __future__ import annotations

import os
import random

import pytest

from inngest_lambda.core import clock
from tests.faults import scenarios
from tests.faults.sweep_support import SWEEP_RESULTS, Case, calibrate, check_nothing_left, run_case
from tests.faults.throttling import Throttling

pytestmark = pytest.mark.durable(functions="tests.support.apps.fault_functions")

FULL = bool(os.environ.get("FAULT_SWEEP_FULL"))
RATE = 0.3
WINDOW = 120.0 if FULL else 60.0  # virtual seconds of storm, from the first event of a case
FULL_ROUNDS = 10
DEFAULT_SEED = 20261204


def _base_seed() -> int:
    if os.environ.get("FAULT_STORM_SEED"):
        return int(os.environ["FAULT_STORM_SEED"])
    return random.SystemRandom().randrange(2**32) if FULL else DEFAULT_SEED


def _storms(duration: float, seed: int) -> tuple[Throttling, ...]:
    """A storm from the first event on, over the clean run's duration and WINDOW more; a run
    that sleeps longer than WINDOW gets one storm over its start and one over its wake-up."""
    now = clock.now()
    if duration <= WINDOW:
        return (Throttling(RATE, seed=seed, start=now, end=now + duration + WINDOW),)
    return (
        Throttling(RATE, seed=seed, start=now, end=now + WINDOW),
        Throttling(RATE, seed=seed + 1, start=now + duration - 1, end=now + duration + WINDOW),
    )


def test_a_throttling_storm_over_every_workflow_kind_loses_and_duplicates_nothing(durable, faults):
    base = _base_seed()
    print(f"throttling storm: rate {RATE}, {WINDOW:.0f} s, base seed {base} (FAULT_STORM_SEED)")
    random.seed(base)  # retry jitter too, so that the seed replays the same calls
    rounds = FULL_ROUNDS if FULL else 1
    for scenario in scenarios.STORM_SCENARIOS.values():
        calibrate(durable, faults, scenario)
    throttled = 0
    for index, (kind, scenario) in enumerate(scenarios.STORM_SCENARIOS.items()):
        worst = 0.0
        calls = 0
        for round_ in range(rounds):
            seed = 2 * (base + index * FULL_ROUNDS + round_)
            storms = _storms(scenario.duration, seed)
            case = Case(scenario, f"{kind}-storm-{round_}", None, crash=False, storms=storms)
            worst = max(worst, run_case(durable, faults, case).late)
            throttled += sum(sum(s.thrown.values()) for s in storms)
            calls += sum(s.calls for s in storms)
        SWEEP_RESULTS.append((kind, "storm", calls // rounds, rounds, worst))
    check_nothing_left(durable)
    assert throttled > 0
