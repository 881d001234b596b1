"""A run's `cancel=` pauses: written in the transaction that creates the run.

Inngest cancels a run on any matching event received after the run was scheduled, however long
the run then waits for its first step (a throttle slot hours away, a concurrency queue): its
executor writes the run's cancellation pauses as it schedules the run. Opening them on the
first drive instead, with a look-back over the recent-events index (kept an hour), missed a
cancel sent more than an hour before a late first drive.

So the pauses commit with the run (`creation_items`), and ingestion finds them from the run's
first instant. One race is left, the one `pauses.py` describes for waits: an event stored while
the run's transaction was in flight, whose own pause lookup came before the commit. The look-
back closes it: after the commit, events of each cancel name received since the run's creation
are read from the recent-events index and matched. It must happen within the index's hour:

* a run started at once has it done by its first drive (seconds later; a lost start message
  is re-sent by the sweeper within minutes), as before;
* a run whose start is delayed (throttle) has it done right after its creation
  (`check_delayed`), and until then it sits in the sweep index as of its creation, not of its
  start: if the process dies in between, the sweeper's re-drive, refused by the run's start
  time, does it (`Executor._refused`) minutes later.

Either way the look-back ends with `cancels_opened` set on the run (one write; the first-drive
opening wrote the same flag). Runs created before this change carry no `cancel_pauses` and
are still opened by their first drive (`Waits.open_cancels`).
"""

from __future__ import annotations

from typing import Any

from inngest_lambda.events.pauses import Pause, pause_item
from inngest_lambda.events.waits import WaitError, Waits, cancel_pause
from inngest_lambda.storage.store import Run


def pauses_for(cancels: list[dict[str, Any]], run: Run) -> list[Pause]:
    """The run's cancel pauses, deterministic keys (`cancel-<n>`), dated from the run's
    creation when the option has a timeout. Raises WaitError for an unusable expression."""
    return [
        cancel_pause(i, cancel, run.run_id, run.event, run.created_at)
        for i, cancel in enumerate(cancels)
    ]


def creation_items(waits: Waits, cancels: list[dict[str, Any]], run: Run) -> list[dict[str, Any]]:
    """Transaction items that write the run's cancel pauses with the run, and `run.cancel_pauses`
    set to their keys (the run item records them). Their key paths are listed first (a read per
    event name; a write only when a name gains a path), which may outlive a transaction that
    then fails: an extra listed path costs a query per event of that name, nothing else.

    An unusable expression opens nothing here: the first drive fails the run on it, as before.
    """
    try:
        pauses = pauses_for(cancels, run)
    except WaitError:
        return []
    waits.index.list_paths(pauses)
    run.cancel_pauses = [(p.pk, p.sk) for p in pauses]
    table = waits.store.table
    return [{"Put": {"TableName": table, "Item": pause_item(p)}} for p in pauses]


def look_back(waits: Waits, cancels: list[dict[str, Any]], run: Run) -> str | None:
    """Why the run is cancelled by an event accepted since its creation (before its pauses
    were visible), or None. Reads only: safe to repeat."""
    for pause in pauses_for(cancels, run):
        matched = waits.recent_match(pause, run.created_at, until=pause.expires_at)
        if matched is not None:
            return f"cancelled by event {matched['name']} ({matched['id']})"
    return None


def check_delayed(waits: Waits, cancels: list[dict[str, Any]], run: Run) -> bool:
    """The look-back of a run whose first drive is later (see the module docstring); True if it
    cancelled the run (the caller sends it a drive message, which records the end)."""
    try:
        reason = look_back(waits, cancels, run)
    except WaitError:
        reason = None  # the config changed since the run was created: its first drive fails it
    if reason is not None:
        waits.store.request_cancel(run.run_id, reason)
        return True
    waits.store.mark_cancels_checked(run.run_id, run.next_at)
    run.cancels_opened = True
    return False


def pending(run: Run) -> bool:
    """Whether this run's pauses were written with it and their look-back is still to do."""
    return bool(run.cancel_pauses) and not run.cancels_opened
