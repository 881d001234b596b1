"""`throttle=Throttle(limit, period, key, burst)`: lossless GCRA over run starts.

State `F#<fn>#throttle#<key digest>` / `G`: `tat`. Each run reserves the next conforming start
time when it is created (FIFO: every reservation pushes the TAT) and is created parked until
then (`next_at`), with a timer to wake it (`timers.wake_at`: SQS up to 15 min, Scheduler beyond).
Nothing is ever dropped. The TAT moves in the run-creation transaction, conditioned on the
value read, so racing invocations get distinct slots and duplicates reserve nothing.

DynamoDB per run start: 1 GetItem + 1 Update inside the creation transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from inngest_lambda.flow import gcra, ratelimit, state
from inngest_lambda.flow.config import Throttle
from inngest_lambda.flow.decision import Decision

if TYPE_CHECKING:
    from inngest_lambda.storage.store import Store


def decide(store: Store, fn_id: str, cfg: Throttle, event: dict[str, Any], d: Decision) -> None:
    pk = state.pk(fn_id, "throttle", state.key_value(cfg.key, event))
    item = state.get(store, pk, ratelimit.SK)
    tat = float(item["tat"]) if item else 0.0
    start, new_tat = gcra.throttle(tat, d.now, cfg.period, cfg.limit, cfg.burst)
    d.extra.append(
        ratelimit.tat_update(store, pk, item is not None, tat, new_tat, cfg.period, d.now)
    )
    if start > d.now:
        d.next_at = start
