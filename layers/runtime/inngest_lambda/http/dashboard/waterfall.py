"""The run page's trace waterfall: the spans a traced run exports, drawn from what the table holds.

The same tree as the OpenTelemetry trace (`tracing/spans.py`), named the same way, so what the
dashboard shows is what X-Ray or Jaeger shows: the run's root span, then one bar per step
(`step <name>` for a step the SDK ran, `sleep`, `wait` or `invoke <name>` for one that waited),
each from its start to its end (or to now while it is open). It needs no tracing: every value
comes from the run and its steps as stored, so it is there with tracing off too. The per-request
and per-attempt spans are only in the exported trace (the table keeps a step's first start,
last end and attempt count, not each attempt).

Server-rendered SVG (no script): one row per span, the label on the left, the bar on a shared
time axis; SVG attributes only, as the Content-Security-Policy allows no inline CSS. Each row
carries its times as data attributes for tests and tools.
"""

from __future__ import annotations

import dataclasses
import html

from inngest_lambda.storage.models import Run, Step
from inngest_lambda.tracing import ids

KINDS = {"Sleep": "sleep", "WaitForEvent": "wait", "InvokeFunction": "invoke"}
COLOURS = {"Failed": "#dc2626", "Cancelled": "#6b7280"}
OPEN_COLOUR = "#f59e0b"  # scheduled, waiting, planned, running
DONE_COLOUR = "#4f46e5"
ROW = 22
WIDTH = 1000
LABEL = 320  # the label column; bars use the rest


@dataclasses.dataclass(frozen=True)
class SpanRow:
    name: str
    depth: int
    start: float
    end: float
    status: str
    detail: str = ""


def spans(run: Run, steps: list[Step], now: float) -> list[SpanRow]:
    """The run's spans, root first, then its steps in the order they were recorded."""
    root_end = run.ended_at or now
    rows = []
    for s in sorted(steps, key=lambda s: s.seq):
        if s.started_at is None:  # planned, never started: no span yet
            continue
        end = s.ended_at or (now if not s.done else s.started_at)
        detail = f"{s.attempt + 1} attempts" if s.done and s.attempt else ""
        rows.append(
            SpanRow(f"{KINDS.get(s.op, 'step')} {s.name}", 1, s.started_at, end, s.status, detail)
        )
        root_end = max(root_end, end)
    root = SpanRow(f"run {run.function_id}", 0, run.created_at, root_end, run.visible_status)
    return [root, *rows]


def _seconds(value: float) -> str:
    if value < 1:
        return f"{value * 1000:.0f} ms"
    if value < 120:
        return f"{value:.1f} s"
    return f"{value / 60:.1f} min" if value < 7200 else f"{value / 3600:.1f} h"


def _duration_text(x: float, width: float, y: int, took: str) -> str:
    """The duration after the bar; at the right edge, inside the bar's end (white) or, for a
    bar too short for it, just before the bar."""
    if x + width + 60 <= WIDTH:
        at = f'x="{x + width + 4:.1f}" y="{y + 15}"'
        return f'<text {at} font-size="11" fill="#6b7280">{took}</text>'
    inside = width >= 60  # else before the bar's start
    colour = "#ffffff" if inside else "#6b7280"
    end = x + width - 4 if inside else x - 4
    return (
        f'<text x="{end:.1f}" y="{y + 15}" font-size="11" fill="{colour}" '
        f'text-anchor="end">{took}</text>'
    )


def render(run: Run, steps: list[Step], now: float) -> str:
    rows = spans(run, steps, now)
    start = rows[0].start
    total = max(rows[0].end - start, 1e-3)
    scale = (WIDTH - LABEL - 10) / total
    parts = []
    for i, row in enumerate(rows):
        y = i * ROW
        x = LABEL + (row.start - start) * scale
        width = max(2.0, (row.end - row.start) * scale)
        colour = COLOURS.get(row.status, DONE_COLOUR if row.status == "Completed" else OPEN_COLOUR)
        label = html.escape(row.name) + (f" ({html.escape(row.detail)})" if row.detail else "")
        took = _seconds(row.end - row.start)
        parts.append(
            f'<g class=span data-name="{html.escape(row.name)}" data-depth="{row.depth}" '
            f'data-start="{row.start - start:.3f}" data-duration="{row.end - row.start:.3f}" '
            f'data-status="{html.escape(row.status)}">'
            f"<title>{label}: {took}, {html.escape(row.status)}</title>"
            f'<text x="{4 + row.depth * 16}" y="{y + 15}" font-size="12" fill="#1d2430">'
            f"{label}</text>"
            f'<rect x="{x:.1f}" y="{y + 4}" width="{width:.1f}" height="{ROW - 8}" rx="2" '
            f'fill="{colour}"></rect>'
            f"{_duration_text(x, width, y, took)}</g>"
        )
    height = len(rows) * ROW
    trace = ids.trace_hex(run.run_id)
    return (
        f'<p class=muted>Trace id <code data-trace-id="{trace}">{trace}</code> (X-Ray '
        f"<code>{ids.xray_trace_id(run.run_id)}</code>): with tracing on, the run's spans are "
        "exported under it.</p>"
        f'<svg class=trace viewBox="0 0 {WIDTH} {height}" width="100%" height="{height}" '
        f'role=img aria-label="trace waterfall, {len(rows)} spans">{"".join(parts)}</svg>'
    )
