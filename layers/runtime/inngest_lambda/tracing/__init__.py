"""OpenTelemetry traces of runs: one trace per run, across every Lambda invocation that drives it.

Off by default. The engine asks `drive_tracer` for a tracer at each drive and gets None when
tracing is off: then nothing here imports OpenTelemetry (`spans.py` and `export.py` do, and are
imported only when a traced drive starts), and the drive pays one None check per seam.

- `config.py`: the environment settings (off, otlp, xray);
- `ids.py`: trace and span ids derived from the run id (pure Python);
- `spans.py`: what a drive records (the `engine.protocols.DriveTracer` it implements);
- `export.py`: the provider, batching and the OTLP/HTTP exporter; `sigv4.py` signs for X-Ray.

`flush` is called by the handler before an invocation returns (Lambda freezes the process
afterwards, and a batch still queued would wait for the next invocation, or be lost).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from inngest_lambda.core.log import LOGGER_NAME
from inngest_lambda.tracing import config

if TYPE_CHECKING:
    from inngest_lambda.storage.models import Run
    from inngest_lambda.tracing.spans import RunTracer

_exporting = False  # a traced drive has run in this process: there may be spans to flush
_reported: set[str] = set()  # configuration errors already logged (once per process each)


def drive_tracer(run: Run, owner: str) -> RunTracer | None:
    """The tracer of one drive of `run` (holding lease `owner`), or None when tracing is off.
    A configuration error is logged once and leaves tracing off: runs go on untraced."""
    global _exporting
    try:
        settings = config.from_env()
    except config.TracingConfigError as err:
        if str(err) not in _reported:
            _reported.add(str(err))
            logging.getLogger(LOGGER_NAME).error(f"tracing is off: {err}")
        return None
    if settings is None:
        return None
    from inngest_lambda.tracing import spans

    _exporting = True
    try:
        return spans.RunTracer(settings, run, owner)
    except Exception:  # tracing never fails a drive: this one goes on untraced
        logging.getLogger(LOGGER_NAME).exception("tracing is off for this drive")
        return None


def flush() -> None:
    """Export the spans still batched (before the Lambda invocation returns); a no-op unless a
    traced drive ran in this process."""
    if _exporting:
        from inngest_lambda.tracing import export

        export.flush()
