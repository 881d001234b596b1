"""The `faults` fixture: the durable harness with a fault injector on the runtime's AWS calls."""

from __future__ import annotations

import pytest

from tests.faults.injector import Injector

pytestmark = pytest.mark.durable(functions="tests.faults.fault_functions")


@pytest.fixture
def faults(durable):
    injector = Injector()
    injector.install(durable.stack)
    return injector
