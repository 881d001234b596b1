"""SnapStart / provisioned concurrency: the runtime is built during init, and a restored
snapshot reseeds what every restored instance would otherwise share."""

from __future__ import annotations

import random
import sys
import types

import pytest

from inngest_lambda import runtime, snapstart


def test_an_on_demand_start_builds_nothing_ahead(fresh_runtime, monkeypatch):
    monkeypatch.delenv("AWS_LAMBDA_INITIALIZATION_TYPE", raising=False)
    assert snapstart.prepare() is False
    assert runtime.get_runtime.cache_info().currsize == 0


@pytest.mark.parametrize("init_type", ["snap-start", "provisioned-concurrency"])
def test_a_snapshot_init_builds_the_runtime_and_registers_the_restore_hook(
    fresh_runtime, monkeypatch, init_type
):
    hooks = []
    fake = types.ModuleType("snapshot_restore_py")
    fake.register_after_restore = hooks.append  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", fake)
    monkeypatch.setenv("AWS_LAMBDA_INITIALIZATION_TYPE", init_type)
    assert snapstart.prepare() is True
    assert runtime.get_runtime.cache_info().currsize == 1  # built during init
    assert hooks == [snapstart.after_restore]


def test_after_restore_instances_do_not_share_a_random_sequence():
    random.seed(42)
    snapshot_state = random.getstate()
    sequences = []
    for _ in range(2):  # two instances restored from the same snapshot
        random.setstate(snapshot_state)
        snapstart.after_restore()
        sequences.append([random.random() for _ in range(4)])
    assert sequences[0] != sequences[1]
