"""Concurrency slots: how a limit splits into shards (flow/concurrency.py)."""

from __future__ import annotations


def test_shard_parts_add_up_to_the_limit_and_fit_one_write_unit():
    from inngest_lambda.flow.concurrency import MAX_SHARDS, PER_SHARD, Slot

    for limit in [*range(1, 300), 999, 1000, 1001, 5000, 100_000]:
        slot = Slot("F#f#conc0#k", limit)
        parts = [slot.shard_limit(i) for i in range(slot.shards)]
        assert sum(parts) == limit
        assert 1 <= slot.shards <= MAX_SHARDS
        if limit <= PER_SHARD:
            assert slot.shards == 1  # the unsharded layout
        if slot.shards < MAX_SHARDS:
            assert max(parts) <= PER_SHARD  # ~40 bytes a holder: a shard item stays under 1 KB
        assert slot.shard_limit(slot.shards) == 0  # a shard of a larger, earlier split
