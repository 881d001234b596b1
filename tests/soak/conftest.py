"""The soak's report (runs per status, AWS calls per run, wall time, peak RSS) in pytest's
terminal summary, so it is in every run's output (CI logs), passed or failed."""

from __future__ import annotations


def pytest_terminal_summary(terminalreporter) -> None:
    from tests.soak.runner import SOAK_REPORTS

    for lines in SOAK_REPORTS:
        terminalreporter.section("soak")
        for line in lines:
            terminalreporter.write_line(line)
