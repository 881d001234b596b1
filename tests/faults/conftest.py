"""The `faults` fixture: the durable harness with a fault injector on the runtime's AWS calls."""

from __future__ import annotations

import pytest

from tests.faults.injector import Injector

pytestmark = pytest.mark.durable(functions="tests.support.apps.fault_functions")


@pytest.fixture
def faults(durable):
    injector = Injector()
    injector.install(durable.stack)
    return injector


def pytest_terminal_summary(terminalreporter) -> None:
    """The fault sweep's case counts per kind and mode, in every run's output (CI logs)."""
    from tests.faults.sweep_support import SWEEP_RESULTS

    if not SWEEP_RESULTS:
        return
    tr = terminalreporter
    tr.section("fault sweep")
    tr.write_line(f"{'kind':<15}{'mode':<7}{'calls':>6}{'cases':>7}{'worst recovery':>16}")
    for kind, mode, calls, cases, worst in SWEEP_RESULTS:
        tr.write_line(f"{kind:<15}{mode:<7}{calls:>6}{cases:>7}{worst:>14.0f} s")
    total = sum(r[3] for r in SWEEP_RESULTS)
    tr.write_line(f"{len(SWEEP_RESULTS)} (kind, mode) pairs, {total} fault cases")
