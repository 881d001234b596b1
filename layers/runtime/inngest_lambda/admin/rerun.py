"""Rerun a run from a chosen step (Inngest's `POST /v2/runs/{run_id}/rerun`): a new run of the
same function and event whose steps before the chosen one are already done.

A rerun is a replay (`operations.start_linked`: same event(s), event-time flow control bypassed,
linked both ways: the new run has `replay_of` and `rerun_from`, the original an `X#` link) that
starts with a copy of every finished step of the original that *started before* the chosen step,
ordered by the stored start time, then `seq`. The SDK asks for steps by their hashed ids, which
the same function code reproduces, so it memoizes the copies: their outputs (errors as errors,
sleeps and finished waits as their stored results) come back without running the code again. The
chosen step and everything after it run fresh; so does a step that started earlier but had not
finished (a parallel step still running, a wait still waiting: re-armed by the new run).

Invariants: the copies are written with the run, in its creation transaction, before its start
message exists, so no drive ever sees the run without them (more than `MAX_IN_TRANSACTION`
copies or `MAX_TRANSACTION_BYTES` of them: the earlier ones are written first, conditional on
absence; a crash in between leaves orphan step items of a run that never existed). A refusal
(NotFound, BadRequest) writes nothing.

Cost: one GetItem (the original) + one Query of its steps (a page per 1 MB) + one
TransactWriteItems + one SQS send; plus one PutItem per copy beyond the transaction, and per
copied memo over the inline limit one S3 PutObject and one UpdateItem (`RunBlobs.track`, refused:
the run does not exist yet; the key goes on the run at creation instead).
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from inngest_lambda.admin.operations import Deployment, NotFound, replay_run, start_linked
from inngest_lambda.storage.store import Run, Step

# A transaction holds 100 items: the run's own 3, the replay link's 2, the rest for copies.
MAX_IN_TRANSACTION = 95
# A transaction holds 4 MB: the run item (up to ~400 KB) and links, the rest for copies.
MAX_TRANSACTION_BYTES = 3_000_000


class BadRequest(ValueError):
    """The rerun asked for cannot be made (unknown step, ambiguous name, an input): a 400."""


def rerun(
    deployment: Deployment,
    run_id: str,
    from_step: str | None = None,
    step_input: object = None,
) -> Run:
    """Start a rerun of `run_id` from `from_step` (a step id, else a unique step name); with
    no step, a full rerun (a replay). Raises NotFound / BadRequest having written nothing."""
    store = deployment.store
    original = store.get_run(run_id)
    if original is None:
        raise NotFound(f"run {run_id} not found")
    if deployment.registry.get(original.function_id) is None:
        raise NotFound(f"function {original.function_id} of run {run_id} is no longer registered")
    if step_input not in (None, []):
        raise BadRequest(
            "fromStep.input is not supported: the Inngest Python SDK (0.5.19) has no step input"
            " to override; rerun without it"
        )
    kept: list[Step] = []
    chosen: Step | None = None
    if from_step is not None:
        steps = list(store.load_steps(run_id).values())
        chosen = find_step(steps, from_step)
        kept = steps_before(steps, chosen)
    new = replay_run(original)
    new.rerun_from = chosen.step_id if chosen is not None else None
    puts = [store.step_put(new.run_id, dataclasses.replace(s), only_if_absent=True) for s in kept]
    for put in puts:
        put.pop("ReturnValuesOnConditionCheckFailure", None)
    # Memos over the inline limit went to S3 under the new run: the run lists them from birth.
    new.blobs = sorted(
        v["S"] for put in puts for k, v in put["Item"].items() if k.endswith("_ref") and "S" in v
    )
    split = in_transaction_from(puts)
    for put in puts[:split]:
        store.ddb.put_item(**put)
    extra: list[dict[str, Any]] = [{"Put": put} for put in puts[split:]]
    start_linked(deployment, original, new, f"rerun#{original.run_id}#{new.run_id}", extra)
    return new


def in_transaction_from(puts: list[dict[str, Any]]) -> int:
    """Where the copies that go into the creation transaction start: the last ones, at most
    MAX_IN_TRANSACTION and MAX_TRANSACTION_BYTES of items (each inline memo can be 300 KB)."""
    size, start = 0, len(puts)
    while start > 0 and len(puts) - start < MAX_IN_TRANSACTION:
        size += len(json.dumps(puts[start - 1]["Item"]))
        if size > MAX_TRANSACTION_BYTES:
            break
        start -= 1
    return start


def find_step(steps: list[Step], wanted: str) -> Step:
    """The step with id `wanted`, else the one step named `wanted` (BadRequest otherwise)."""
    by_id = [s for s in steps if s.step_id == wanted]
    if by_id:
        return by_id[0]
    named = [s for s in steps if s.name == wanted]
    if len(named) > 1:
        raise BadRequest(
            f"step name {wanted!r} matches {len(named)} steps"
            f" ({', '.join(s.step_id for s in named)}): give the step id"
        )
    if not named:
        raise BadRequest(f"step {wanted!r} not found in the run")
    return named[0]


def steps_before(steps: list[Step], chosen: Step) -> list[Step]:
    """The finished steps that started before `chosen` (start time, then seq), oldest first."""

    def order(s: Step) -> tuple[float, int]:
        return (s.started_at if s.started_at is not None else float("inf"), s.seq)

    return sorted((s for s in steps if s.done and order(s) < order(chosen)), key=order)
