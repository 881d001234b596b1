"""The fault sweep (issue 12): every workflow kind, a fault at every AWS call position of the
drive and of event ingestion, in two modes, plus every message delivered twice.

Modes: `once` (that call fails, the next try succeeds) and `crash` (that call and every later
call of the same invocation fail: the process died there). Positions count every AWS call the
runtime makes from the first event of a case to the end of its runs; a calibration run of each
kind counts them. Each case checks the outputs, that each step has one record, and that
recovery stays within the bound; each test then checks that nothing is left over (no lease, no
sweep entry, no message in the queue or the DLQ, no one-off schedule, no concurrency holder).

To fit CI, one stack serves all the positions of a kind in both modes and, past the first
`DENSE_POSITIONS` calls, every `STRIDE`-th position is tested (positions further in repeat the
same call sites of later steps). `FAULT_SWEEP_FULL=1` tests every position. The case counts per
kind and mode are printed at the end of the pytest run (`conftest.py`).
"""

from __future__ import annotations

import os

import pytest

from tests.faults import scenarios
from tests.faults.sweep_support import (
    SWEEP_RESULTS,
    Case,
    calibrate,
    check_nothing_left,
    run_case,
)

pytestmark = pytest.mark.durable(functions="tests.support.apps.fault_functions")

DENSE_POSITIONS = 6
STRIDE = 1 if os.environ.get("FAULT_SWEEP_FULL") else 5
MODES = ("once", "crash")


def positions(total: int) -> list[int]:
    dense = list(range(min(total, DENSE_POSITIONS)))
    return dense + list(range(DENSE_POSITIONS, total, STRIDE))


@pytest.mark.parametrize("kind", list(scenarios.SCENARIOS))
def test_a_fault_at_any_call_position_loses_nothing(durable, faults, kind):
    """Both modes share one stack and one calibration (the call count does not depend on the
    mode): a stack costs seconds, a case a fraction of one."""
    scenario = scenarios.SCENARIOS[kind]
    total = calibrate(durable, faults, scenario)
    for mode in MODES:
        worst = 0.0
        tested = 0
        for position in positions(total):
            case = Case(scenario, f"{kind}-{mode}-{position}", position, crash=mode == "crash")
            worst = max(worst, run_case(durable, faults, case).late)
            tested += 1
        SWEEP_RESULTS.append((kind, mode, total, tested, worst))
    check_nothing_left(durable)


@pytest.mark.durable(duplicate_deliveries=True)
def test_every_message_delivered_twice_changes_nothing(durable, faults):
    """Every kind in one stack (each case has its own tag), so the ten cost one stack."""
    for kind, scenario in scenarios.SCENARIOS.items():
        run_case(durable, faults, Case(scenario, f"{kind}-twice", None, crash=False))
    check_nothing_left(durable)
    counters = durable.stack.pump.counters
    assert counters.messages_received > 0
    assert counters.messages_delivered == 2 * counters.messages_received
