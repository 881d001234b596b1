"""`step.wait_for_event` and `cancel=`: turning them into pauses, and events into resumptions.

A run's pause is created by the executor (waits) or with the run (cancels: `run_cancels.py`);
incoming events are matched against pauses by ingestion. See `pauses.py` for the index and the
race it closes.
"""

from __future__ import annotations

import logging
from typing import Any

from inngest_lambda import expressions
from inngest_lambda.core import clock
from inngest_lambda.events.pauses import Pause, PauseIndex
from inngest_lambda.storage.store import COMPLETED, Store

log = logging.getLogger("inngest_lambda")


class WaitError(Exception):
    """A wait or cancel expression that cannot be used; the message names it."""


def cancel_pause(
    index: int,
    cancel: dict[str, Any],
    run_id: str,
    event: dict[str, Any],
    starts_at: float | None,
) -> Pause:
    """The pause of a run's `index`-th `cancel=` option (deterministic key `cancel-<index>`).
    With a `timeout` it expires that long after `starts_at`; without one (or with no
    `starts_at`, when only its key is wanted) it lasts as long as the run, deleted by its end."""
    timeout = cancel.get("timeout")
    expires = (
        starts_at + clock.duration_seconds(timeout) if timeout and starts_at is not None else None
    )
    return build_pause(
        "cancel", cancel["event"], cancel.get("if"), event, run_id, f"cancel-{index}", expires
    )


def cancel_pause_keys(
    cancels: list[dict[str, Any]], run_id: str, event: dict[str, Any]
) -> list[tuple[str, str]]:
    """The keys of the pauses `open_cancels` wrote for a run (rebuilt: they are deterministic),
    for its end to delete them in the same transaction that starts its other items' TTLs."""
    keys = []
    for i, cancel in enumerate(cancels):
        try:
            pause = cancel_pause(i, cancel, run_id, event, None)
        except WaitError:
            continue  # never opened: the run failed on this very expression
        keys.append((pause.pk, pause.sk))
    return keys


def build_pause(
    kind: str,
    event_name: str,
    if_exp: str | None,
    trigger_event: dict[str, Any],
    run_id: str,
    step_id: str,
    expires_at: float | None,
) -> Pause:
    """Interpolate `event.*` now, so matching later only evaluates `async.*`."""
    expression = None
    key = None
    if if_exp:
        try:
            expression = expressions.interpolate(if_exp, trigger_event)
            expressions.validate(expression, variables={"async"})
        except expressions.ExpressionError as err:
            raise WaitError(f"{kind} expression {if_exp!r} is invalid: {err}") from err
        key = expressions.match_key(expression)
    return Pause(
        kind=kind,
        event_name=event_name,
        run_id=run_id,
        step_id=step_id,
        expression=expression,
        path=key.path if key else None,
        value_key=key.value_key if key else None,
        expires_at=expires_at,
    )


def pause_matches(pause: Pause, event: dict[str, Any]) -> bool:
    if event.get("name") != pause.event_name:
        return False
    if pause.expression is None:
        return True
    try:
        return expressions.matches(pause.expression, {"async": event})
    except expressions.ExpressionError as err:
        # One broken expression must not stop this event from reaching other runs.
        log.warning(f"pause expression failed: {err}", extra={"run_id": pause.run_id})
        return False


class Waits:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.index = PauseIndex(store)

    def open(
        self, pause: Pause, since: float, exclude: set[str] | frozenset[str] = frozenset()
    ) -> dict[str, Any] | None:
        """Write the pause, then return an event accepted since `since` that already matches.

        `since` is when the step before the wait ended (the run's start for a first step) or,
        for cancels, when the triggering event arrived: events accepted from then on count.
        `exclude` names events that must not match (those another wait of the run consumed).
        """
        self.index.put(pause)
        return self.recent_match(pause, since, exclude)

    def recent_match(
        self,
        pause: Pause,
        since: float,
        exclude: set[str] | frozenset[str] = frozenset(),
        until: float | None = None,
    ) -> dict[str, Any] | None:
        """The first event received in [since, until] (the recent-events index: an hour) that
        matches a pause already written: the look-back half of the race in `pauses.py`."""
        for event_id in self.index.recent_event_ids(pause.event_name, since, until):
            if event_id in exclude:
                continue
            event = self.store.get_event(event_id)
            if event is not None and pause_matches(pause, event):
                return event
        return None

    def close(self, pause: Pause) -> None:
        self.index.delete(pause)

    def deliver(self, events: list[dict[str, Any]]) -> tuple[list[str], list[str], list[Pause]]:
        """Match stored events against pauses; returns (runs to wake, runs cancelled, the wait
        pauses that matched). The caller closes those pauses once the wake-up messages are
        sent, so a retry after a failed send finds them again and wakes the runs."""
        paths = self.index.paths_by_name(ev["name"] for ev in events)
        woken: list[str] = []
        cancelled: list[str] = []
        cache: dict[str, list[Pause]] = {}  # partition -> pauses: one query per name, not event
        consumed: set[tuple[str, str]] = set()  # pauses an earlier event of the batch used
        matched: list[Pause] = []
        for event in events:
            for pause in self.index.candidates(event, paths.get(event["name"], []), cache):
                if (pause.pk, pause.sk) in consumed or not pause_matches(pause, event):
                    continue
                consumed.add((pause.pk, pause.sk))
                if pause.kind == "wait":
                    self.store.resolve_waiting(pause.run_id, pause.step_id, COMPLETED, event)
                    # Wake even if the step was resolved before (by the timeout, or by this very
                    # event in an earlier try that died before the wake): a spare wake is a no-op.
                    if self.store.wake(pause.run_id):
                        woken.append(pause.run_id)
                    matched.append(pause)
                elif pause.kind == "cancel":
                    reason = f"cancelled by event {event['name']} ({event['id']})"
                    if self.store.request_cancel(pause.run_id, reason):
                        cancelled.append(pause.run_id)
                    else:
                        self.close(pause)  # the run has ended: the pause is stale
        return woken, cancelled, matched

    def open_cancels(
        self, cancels: list[dict[str, Any]], run_id: str, event: dict[str, Any], since: float
    ) -> str | None:
        """Pauses for a new run's `cancel=` options; a reason if an event already cancels it."""
        for i, cancel in enumerate(cancels):
            pause = cancel_pause(i, cancel, run_id, event, clock.now())
            matched = self.open(pause, since)
            if matched is not None:
                return f"cancelled by event {matched['name']} ({matched['id']})"
        return None
