"""What the table holds about a run and its steps, as the runtime sees them; the statuses, and
the errors a refused conditional write raises.

`Run` is the `R#<run_id> / R` item, `Step` one `R#<run_id> / S#<step_id>` item (layout: see
`store.py`). Reading one may read S3: a value too large for the item is stored there (`values`).
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from inngest_lambda.settings import TABLE_PK, TABLE_SK
from inngest_lambda.storage import index_keys
from inngest_lambda.storage.codec import decode_item
from inngest_lambda.storage.values import load_text, load_value

# Run statuses: one definition, with the index keys that file runs by them.
RUNNING_STATES = index_keys.ACTIVE_STATES
TERMINAL_STATES = index_keys.ENDED_STATES
# Step statuses.
PLANNED, SCHEDULED, WAITING, COMPLETED, FAILED = (
    "Planned",
    "Scheduled",
    "Waiting",
    "Completed",
    "Failed",
)
DONE_STEP_STATES = (COMPLETED, FAILED)
NEVER = 2**52  # `next_at` of a run that waits for something other than a timer
MISSING: Any = object()


class Conflict(Exception):
    """A conditional write lost: somebody else changed the item first."""


class Stale(Exception):
    """A deferred step write found the step changed: the drive gives the run back and retries
    (not a Conflict: this invocation still holds the lease)."""


class CancelRequested(Conflict):
    """A write of the driving invocation was refused because the run was cancelled meanwhile:
    what it was about to record (a late SDK response) is discarded and the run ends Cancelled."""

    def __init__(self, run_id: str, reason: str) -> None:
        super().__init__(f"run {run_id} was cancelled: {reason}")
        self.reason = reason


def is_conflict(err: Exception) -> bool:
    code = getattr(err, "response", {}).get("Error", {}).get("Code", "")
    return code in ("ConditionalCheckFailedException", "TransactionCanceledException")


@dataclasses.dataclass
class Run:
    run_id: str
    function_id: str
    status: str
    event_id: str
    event: dict[str, Any]
    events: list[dict[str, Any]]
    created_at: float
    started_at: float | None = None
    ended_at: float | None = None
    output: object = None
    error: dict[str, Any] | None = None
    lease_owner: str | None = None
    lease_until: float = 0.0
    fn_attempt: int = 0
    next_at: float = 0.0
    wake_seq: int = 0
    # When an event with a future `ts` schedules the run to start (events/scheduled_start.py);
    # None for a run that starts at once. Set at creation, never changed.
    starts_at: float | None = None
    parent: dict[str, Any] | None = None
    finishing: dict[str, Any] | None = None
    cancel: str | None = None  # why cancellation was requested, once it was
    cancel_at: float | None = None  # when it was requested: the run counts as ended from then
    cancels_opened: bool = False
    cancel_pauses: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    replay_of: str | None = None  # the run this one replays (a new run from the same event)
    replays: list[str] = dataclasses.field(default_factory=list)  # replays made while it lived
    # A rerun from a step (admin/rerun.py): the step id of `replay_of`'s run it reran from, the
    # steps before it copied in as memoized; None for a full replay or any other run.
    rerun_from: str | None = None
    blobs: list[str] = dataclasses.field(default_factory=list)  # its values' S3 keys
    inline_bytes: int = 0  # bytes of the event(s) held inline: the rest of the item budget is
    # what the run's outcome may use inline (RUN_ITEM_INLINE_BUDGET_BYTES)
    # Sharded concurrency keys: slot key -> the shard this run last chose (flow/concurrency.py).
    conc_shards: dict[str, int] = dataclasses.field(default_factory=dict)

    @property
    def visible_status(self) -> str:
        """The status users see: a run is Cancelled from the moment the cancel is recorded,
        although the invocation driving it (mid-request, say) records the end a little later."""
        if self.cancel and self.status in RUNNING_STATES:
            return "Cancelled"
        return self.status

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Run:
        p = decode_item(item)
        events: list[dict[str, Any]] = load_value(p, "events")  # type: ignore[assignment]
        return cls(
            run_id=p[TABLE_PK][2:],
            function_id=p["function_id"],
            status=p["status"],
            event_id=p["event_id"],
            event=events[0],
            events=events,
            created_at=float(p["created_at"]),
            started_at=p.get("started_at"),
            ended_at=p.get("ended_at"),
            output=load_value(p, "output"),
            error=load_value(p, "error"),  # type: ignore[arg-type]
            lease_owner=p.get("lease_owner"),
            lease_until=float(p.get("lease_until", 0)),
            fn_attempt=int(p.get("fn_attempt", 0)),
            next_at=float(p.get("next_at", 0)),
            wake_seq=int(p.get("wake_seq", 0)),
            starts_at=float(p["starts_at"]) if "starts_at" in p else None,
            parent=json.loads(p["parent"]) if "parent" in p else None,
            finishing=json.loads(p["finishing"]) if "finishing" in p else None,
            cancel=p.get("cancel"),
            cancel_at=p.get("cancel_at"),
            cancels_opened=bool(p.get("cancels_opened", False)),
            cancel_pauses=[tuple(k) for k in json.loads(p.get("cancel_pauses", "[]"))],
            replay_of=p.get("replay_of"),
            replays=sorted(p.get("replays", [])),
            rerun_from=p.get("rerun_from"),
            inline_bytes=len(p["events"].encode()) if "events" in p else 0,
            blobs=list(p.get("blobs", [])),
            conc_shards=json.loads(p["conc_shards"]) if "conc_shards" in p else {},
        )


@dataclasses.dataclass
class Step:
    step_id: str
    name: str
    op: str
    status: str
    seq: int
    attempt: int = 0
    due_at: float | None = None
    memo: object = MISSING  # the exact value the SDK receives under `steps`
    error: dict[str, Any] | None = None
    started_at: float | None = None
    ended_at: float | None = None
    info: dict[str, Any] = dataclasses.field(default_factory=dict)
    # The memo as JSON text, as stored: encoded once, reused by every later SDK request.
    memo_text: str | None = dataclasses.field(default=None, compare=False, repr=False)

    @property
    def done(self) -> bool:
        return self.status in DONE_STEP_STATES

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Step:
        p = decode_item(item)
        memo_text = load_text(p, "memo")
        memo = json.loads(memo_text) if memo_text is not None else MISSING
        return cls(
            step_id=p[TABLE_SK][2:],
            name=p["name"],
            op=p["op"],
            status=p["status"],
            seq=int(p["seq"]),
            attempt=int(p.get("attempt", 0)),
            due_at=p.get("due_at"),
            memo=memo,
            error=json.loads(p["error"]) if "error" in p else None,
            started_at=p.get("started_at"),
            ended_at=p.get("ended_at"),
            info=json.loads(p.get("info", "{}")),
            memo_text=memo_text,
        )
