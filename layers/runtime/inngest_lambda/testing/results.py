"""What a test reads about a run: small frozen dataclasses that print as a table of steps.

A failing assertion about a run is only useful if it shows what the run did, so `str()` of a
run is its step table and the assertion helpers put that table in their message.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

TERMINAL = ("Completed", "Failed", "Cancelled", "Skipped")
_ERROR_STATUSES = ("Failed", "Cancelled")
_CELL = 70


@dataclasses.dataclass(frozen=True)
class StepResult:
    """One step of a run as `GET /v1/runs/{id}` reports it."""

    name: str
    status: str  # Planned, Scheduled, Waiting, Completed, Failed
    attempts: int
    output: Any = None
    error: dict[str, Any] | None = None
    id: str = ""
    op: str = ""
    scheduled_for: str | None = None  # ISO time of the next attempt or wake-up, while pending
    started_at: str | None = None
    ended_at: str | None = None

    @classmethod
    def from_view(cls, view: dict[str, Any]) -> StepResult:
        return cls(
            name=view.get("name") or view.get("id", ""),
            status=view.get("status", ""),
            attempts=int(view.get("attempts") or 0),
            output=view.get("output"),
            error=view.get("error"),
            id=view.get("id", ""),
            op=view.get("op", ""),
            scheduled_for=view.get("scheduled_for"),
            started_at=view.get("started_at"),
            ended_at=view.get("ended_at"),
        )

    def __repr__(self) -> str:
        failed = self.status == "Failed" or (self.error and self.status != "Completed")
        detail = _error_text(self.error) if failed else _cell(self.output, 40)
        return f"<step {self.name} {self.status} attempts={self.attempts} {detail}>"


@dataclasses.dataclass(frozen=True)
class RunResult:
    """A run: `output` when it completed, `error` ({name, message, stack}) when it failed or
    was cancelled, and its steps in the order they were first reached."""

    run_id: str
    function_id: str
    status: str  # Queued, Running, Completed, Failed, Cancelled, Skipped
    event_id: str
    output: Any = None
    error: dict[str, Any] | None = None
    steps: tuple[StepResult, ...] = ()
    started_at: str | None = None
    ended_at: str | None = None

    @classmethod
    def from_view(cls, view: dict[str, Any]) -> RunResult:
        failed = view.get("status") in _ERROR_STATUSES
        return cls(
            run_id=view["run_id"],
            function_id=view.get("function_id", ""),
            status=view.get("status", ""),
            event_id=view.get("event_id", ""),
            output=None if failed else view.get("output"),
            error=view.get("output") if failed else None,
            steps=tuple(StepResult.from_view(s) for s in view.get("steps") or ()),
            started_at=view.get("run_started_at"),
            ended_at=view.get("ended_at"),
        )

    @property
    def ended(self) -> bool:
        return self.status in TERMINAL

    def step(self, name: str) -> StepResult:
        """The step with this name (or id); KeyError showing the step table if there is none."""
        for step in self.steps:
            if step.name == name:
                return step
        for step in self.steps:
            if step.id == name:
                return step
        raise KeyError(f"run has no step {name!r}\n{self.table()}")

    def table(self) -> str:
        """The run and its steps, one line each, for failure messages."""
        head = f"run {self.run_id} of {self.function_id}: {self.status}"
        if self.error is not None:
            head += f"\n  error: {_error_text(self.error)}"
        elif self.ended:
            head += f"\n  output: {_cell(self.output, 200)}"
        if not self.steps:
            return head + "\n  (no steps)"
        rows = [("#", "step", "op", "status", "attempts", "output / error")]
        for i, step in enumerate(self.steps, 1):
            failed = step.status == "Failed" or (step.error and step.status != "Completed")
            detail = _error_text(step.error) if failed else _cell(step.output)
            if step.scheduled_for and step.status in ("Scheduled", "Waiting"):
                last = f"; last error {detail}" if step.error else ""
                detail = f"until {step.scheduled_for}{last}"
            rows.append((str(i), step.name, step.op, step.status, str(step.attempts), detail))
        widths = [max(len(r[c]) for r in rows) for c in range(5)]
        lines = [head]
        for r in rows:
            cells = "  ".join(cell.ljust(w) for cell, w in zip(r[:5], widths, strict=True))
            lines.append(f"  {cells}  {r[5]}".rstrip())
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()

    def __repr__(self) -> str:
        steps = ", ".join(f"{s.name}:{s.status}x{s.attempts}" for s in self.steps)
        outcome = (
            f"error={_error_text(self.error)}" if self.error else f"output={_cell(self.output)}"
        )
        return f"<run {self.function_id} {self.status} {outcome} steps=[{steps}]>"


def assert_status(run: RunResult, status: str) -> RunResult:
    """Fail with the run's step table unless it has `status`."""
    if run.status != status:
        raise AssertionError(f"expected the run to be {status}, it is {run.status}\n{run.table()}")
    return run


_ANY: Any = object()


def assert_completed(run: RunResult, output: Any = _ANY) -> RunResult:
    """Fail with the run's step table unless it completed (with `output`, when given)."""
    assert_status(run, "Completed")
    if output is not _ANY and run.output != output:
        raise AssertionError(
            f"the run completed with output {_cell(run.output, 500)}, expected "
            f"{_cell(output, 500)}\n{run.table()}"
        )
    return run


def assert_failed(run: RunResult, message: str | None = None) -> RunResult:
    """Fail with the run's step table unless it failed (with `message` in its error)."""
    assert_status(run, "Failed")
    text = str((run.error or {}).get("message", ""))
    if message is not None and message not in text:
        raise AssertionError(
            f"the run failed with {text!r}, expected a message containing {message!r}\n"
            f"{run.table()}"
        )
    return run


def compare_lines(op: str, left: object, right: object) -> list[str] | None:
    """pytest_assertrepr_compare's answer when a run is compared: both sides as tables."""
    if not isinstance(left, RunResult | StepResult) and not isinstance(
        right, RunResult | StepResult
    ):
        return None
    lines = [f"{left!r} {op} {right!r}"]
    for side, value in (("left", left), ("right", right)):
        if isinstance(value, RunResult):
            lines.append(f"{side}:")
            lines.extend("  " + line for line in value.table().splitlines())
    return lines


def _error_text(error: Any) -> str:
    if isinstance(error, dict):
        name, message = error.get("name") or "Error", error.get("message") or ""
        return _truncate(f"{name}: {message}", _CELL + 30)
    return _cell(error)


def _cell(value: Any, limit: int = _CELL) -> str:
    if value is None:
        return "-"
    try:
        text = json.dumps(value, default=str, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return _truncate(text, limit)


def _truncate(text: str, limit: int) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 3] + "..."
