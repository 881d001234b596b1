"""Throttle on the virtual clock: which runs start in which slot, independent of machine load."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.durable(functions="tests.support.apps.workflows")


def _event(key, name):
    return {"name": "flow/throttle", "data": {"tag": "v", "k": key, "name": name}}


def _statuses(durable, event_ids):
    return [durable.run(e).status for e in event_ids]


def test_throttle_gives_each_key_its_own_slots(durable):
    # limit 1 per 2 s, burst 1, keyed on event.data.k
    keyed = durable.send_many([_event("a", f"r{i}") for i in range(3)])
    other = durable.send(_event("b", "other"))
    # The other key is not queued behind the first key's runs: it ran in its own first slot.
    assert durable.run(other).status == "Completed"
    assert sorted(_statuses(durable, keyed)).count("Completed") == 1
    durable.advance(1.5)
    assert sorted(_statuses(durable, keyed)).count("Completed") == 1
    durable.advance(1)  # 2.5 s: the second slot of key a
    assert sorted(_statuses(durable, keyed)).count("Completed") == 2
    durable.advance(2)  # 4.5 s: the third
    assert _statuses(durable, keyed) == ["Completed"] * 3
