"""Where `Ingestor.start_run` hands over the events of flow-controlled functions.

Batching and debounce hold the event back (their own message creates the run later, through
`admission.create`); every other option is decided as the run is created (`admission.py`).
This dispatch sits above all three, so admission never calls the modules that call it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from inngest_lambda.flow import admission
from inngest_lambda.flow import config as flowconfig

if TYPE_CHECKING:
    from inngest_lambda.apps.registry import FunctionEntry
    from inngest_lambda.flow.seams import Ingestor


def applies(fn: FunctionEntry) -> bool:
    """Whether this function's runs are created here rather than by the plain path."""
    return flowconfig.of(fn.config).controls_admission


def start(
    ingestor: Ingestor,
    fn: FunctionEntry,
    event: dict[str, Any],
    *,
    parent: dict[str, Any] | None = None,
    messages: list[dict[str, Any]] | None = None,
) -> str | None:
    """Handle one matched event for `fn`; returns the run id when a run was created now."""
    flow = flowconfig.of(fn.config)
    if parent is None and flow.batch is not None:
        from inngest_lambda.flow import batching

        return batching.add(ingestor, fn, flow.batch, event, messages)
    if parent is None and flow.debounce is not None:
        from inngest_lambda.flow import debounce

        debounce.add(ingestor.store, fn, flow.debounce, event)
        return None
    return admission.create(
        ingestor,
        fn,
        [event],
        dedupe=admission.dedupe_key(fn, event),
        parent=parent,
        messages=messages,
    )
