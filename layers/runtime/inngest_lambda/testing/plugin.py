"""The pytest plugin (registered as the `inngest_lambda` pytest11 entry point).

Gives every test suite that installs inngest-lambda:

* the `durable` fixture: a started `Durable` harness, fresh (new moto resources, a cold-started
  runtime) for each test;
* the `durable` marker, `@pytest.mark.durable(functions="app.functions", env={...},
  start=datetime(...), duplicate_deliveries=True)`, and the `durable_functions` ini option;
* on a failing test that used the fixture, a "durable runs" report section with every run and
  its steps, and a readable comparison when an assertion compares runs.

Importing this module is cheap (pytest loads it in every session): moto and the runtime are only
imported when a test asks for the fixture.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from inngest_lambda.testing.results import compare_lines

_HARNESS = pytest.StashKey[Any]()
_PORT = pytest.StashKey[int]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "durable_functions",
        "module exporting `client` and `functions` for the durable fixture "
        "(default: $INNGEST_LAMBDA_FUNCTIONS, else `functions`)",
        default="",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "durable(functions=None, env=None, start=None, duplicate_deliveries=False): options of "
        "the durable fixture (functions module, extra environment, where the virtual clock "
        "starts, deliver every message twice)",
    )


@pytest.fixture
def durable(request: pytest.FixtureRequest) -> Iterator[Any]:
    """The local stack in-process on a virtual clock; see `inngest_lambda.testing.Durable`."""
    from inngest_lambda.testing.harness import Durable

    options: dict[str, Any] = {}
    for marker in reversed(list(request.node.iter_markers("durable"))):  # closest wins
        options.update(marker.kwargs)
        if marker.args:
            options["functions"] = marker.args[0]
    options["functions"] = options.get("functions") or request.config.getini("durable_functions")
    harness = Durable(port=_session_port(request.config), **options)
    harness.start()
    request.node.stash[_HARNESS] = harness
    try:
        yield harness
    finally:
        del request.node.stash[_HARNESS]
        harness.stop()


def _session_port(config: pytest.Config) -> int:
    """One port for the whole session, so a client built with `INNGEST_DEV` pointing at it
    during one test stays valid in the next (each test's server binds it again)."""
    from inngest_lambda.local.ports import free_port

    if _PORT not in config.stash:
        config.stash[_PORT] = free_port()
    return config.stash[_PORT]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call" and report.failed:
        harness = item.stash.get(_HARNESS, None)
        if harness is not None and harness.running:
            try:
                text = harness.describe()
            except Exception as exc:  # a report must never hide the test's own failure
                text = f"(could not read the runs: {type(exc).__name__}: {exc})"
            report.sections.append(("durable runs", text))
    return report


def pytest_assertrepr_compare(
    config: pytest.Config, op: str, left: object, right: object
) -> list[str] | None:
    return compare_lines(op, left, right)
