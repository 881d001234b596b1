"""The fault sweep (issue 12): every workflow kind, a fault at every AWS call position of the
drive and of event ingestion, in two modes, plus every message delivered twice.

Modes: `once` (that call fails, the next try succeeds) and `crash` (that call and every later
call of the same invocation fail: the process died there). Positions count every AWS call the
runtime makes from the first event of a case to the end of its runs; a calibration run of each
kind counts them. Each case checks the outputs, that each step has one record, and that
recovery stays within the bound; each test then checks that nothing is left over (no lease, no
sweep entry, no message in the queue or the DLQ, no one-off schedule, no concurrency holder).

To fit CI, one stack serves all the positions of a (kind, mode) pair and, past the first
`DENSE_POSITIONS` calls, every `STRIDE`-th position is tested (positions further in repeat the
same call sites of later steps). `FAULT_SWEEP_FULL=1` tests every position.
"""

from __future__ import annotations

import os

import pytest

from tests.faults import scenarios
from tests.faults.sweep_support import Case, calibrate, check_nothing_left, run_case

pytestmark = pytest.mark.durable(functions="tests.faults.fault_functions")

DENSE_POSITIONS = 6
STRIDE = 1 if os.environ.get("FAULT_SWEEP_FULL") else 5
RESULTS: list[tuple[str, str, int, float]] = []  # (kind, mode, cases, worst recovery s)


def positions(total: int) -> list[int]:
    dense = list(range(min(total, DENSE_POSITIONS)))
    return dense + list(range(DENSE_POSITIONS, total, STRIDE))


CASES = [(kind, mode) for kind in scenarios.SCENARIOS for mode in ("once", "crash")]


@pytest.mark.parametrize(("kind", "mode"), CASES)
def test_a_fault_at_any_call_position_loses_nothing(durable, faults, kind, mode):
    scenario = scenarios.SCENARIOS[kind]
    total = calibrate(durable, faults, scenario)
    worst = 0.0
    tested = 0
    for position in positions(total):
        case = Case(scenario, f"{kind}-{mode}-{position}", position, crash=mode == "crash")
        worst = max(worst, run_case(durable, faults, case))
        tested += 1
    check_nothing_left(durable)
    RESULTS.append((kind, mode, tested, worst))
    print(
        f"\nfault sweep {kind}/{mode}: {total} calls, {tested} cases, worst recovery {worst:.0f} s"
    )


@pytest.mark.durable(duplicate_deliveries=True)
@pytest.mark.parametrize("kind", list(scenarios.SCENARIOS))
def test_every_message_delivered_twice_changes_nothing(durable, faults, kind):
    scenario = scenarios.SCENARIOS[kind]
    run_case(durable, faults, Case(scenario, f"{kind}-twice", None, crash=False))
    check_nothing_left(durable)
    assert durable.stack.pump.counters.messages_delivered == (
        2 * durable.stack.pump.counters.messages_received
    )
