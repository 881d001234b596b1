"""Helpers of the engine's unit tests: AWS calls counted, steps read as the table holds them."""

from __future__ import annotations

import collections
from typing import Any

SERVICES = ("dynamodb", "sqs", "scheduler")


class AwsCalls(collections.Counter[str]):
    """Calls per "service.Operation" (e.g. "dynamodb.TransactWriteItems") since `reset()`."""

    def reset(self) -> None:
        self.clear()

    def of(self, service: str, *operations: str) -> int:
        names = {f"{service}.{o}" for o in operations}
        return sum(n for key, n in self.items() if key in names)

    def hook(self, model: Any, **_: Any) -> None:
        self[f"{model.service_model.service_name}.{model.name}"] += 1


def steps_by_name(run_id: str) -> dict[str, Any]:
    """The run's steps as the table holds them (with `info`, `due_at`), by display name."""
    from inngest_lambda import runtime

    return {s.name: s for s in runtime.get_runtime().store.load_steps(run_id).values()}
