"""The dashboard's charts as inline SVG: pure functions from figures to markup.

Server-rendered, no script and nothing fetched: each chart has its axes labelled, a legend, a
`<title>` on every bar and point (the browser shows it on hover) and its data as attributes
(`data-bucket`, the bucket's start in ISO 8601 UTC; `data-status` and `data-count` on a bar's
segment; `data-series` and `data-value` on a point), so that a test, or a reader of the page's
source, gets the numbers without parsing the drawing. Colours are SVG attributes, not inline
styles: the dashboard's Content-Security-Policy allows no inline CSS.

The figures come from `admin/run_charts.py`; what they mean and cost is said there.
"""

from __future__ import annotations

import datetime
import html
import math
import urllib.parse
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from inngest_lambda.admin.run_charts import Charts, Point, Range

WIDTH, HEIGHT = 540, 200
LEFT, RIGHT, TOP, BOTTOM = 56, 10, 28, 24
COLOURS = {
    "Completed": "#10b981",
    "Failed": "#dc2626",
    "Cancelled": "#9ca3af",
    "Skipped": "#a855f7",
    "p50": "#4f46e5",
    "p95": "#f59e0b",
    "failure rate": "#dc2626",
    "Queued": "#f59e0b",
    "Running": "#3b82f6",
}
X_LABELS = 6  # time labels along the x axis, about


def e(value: object) -> str:
    return html.escape(str(value), quote=True)


def iso(ts: float) -> str:
    return datetime.datetime.fromtimestamp(ts, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def bucket_label(ts: float, bucket_seconds: int, days: bool) -> str:
    t = datetime.datetime.fromtimestamp(ts, datetime.UTC)
    return t.strftime("%m-%d %H:%M" if days else "%H:%M")


def duration(ms: float) -> str:
    if ms < 1000:
        return f"{ms:.0f} ms" if ms >= 10 else f"{ms:.2g} ms"
    if ms < 60_000:
        return f"{ms / 1000:.3g} s"
    if ms < 3_600_000:
        return f"{ms / 60_000:.3g} min"
    return f"{ms / 3_600_000:.3g} h"


def percent(rate: float) -> str:
    return f"{rate * 100:.3g}%"


def count(n: float) -> str:
    return f"{n:.0f}"


TICKS = 4  # intervals on the y axis


def nice_top(value: float, *, whole: bool = False) -> float:
    """A round axis top at or above `value`: TICKS steps of 1, 2 or 5 times a power of ten
    (`whole`: steps of at least 1, so that counts are labelled with whole numbers)."""
    raw = value / TICKS
    if raw <= 0:
        return float(TICKS) if whole else 1.0
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if raw <= m * power)
    return float(max(step, 1) if whole else step) * TICKS


DURATION_UNITS = (1.0, 1000.0, 60_000.0, 3_600_000.0)  # ms, s, min, h: what `duration` shows


def duration_top(ms: float) -> float:
    """A round axis top for durations, round in the unit its labels are written in."""
    unit = max([u for u in DURATION_UNITS if u <= ms] or [1.0])
    return nice_top(ms / unit) * unit


# --- the frame every chart shares --------------------------------------------------------------
class Frame:
    """Axes of one chart: `n` buckets along x, 0..`top` along y."""

    def __init__(self, n: int, top: float) -> None:
        self.n, self.top = n, top
        self.plot_w = WIDTH - LEFT - RIGHT
        self.plot_h = HEIGHT - TOP - BOTTOM
        self.step = self.plot_w / max(1, n)

    def x(self, k: int) -> float:
        return LEFT + k * self.step

    def centre(self, k: int) -> float:
        return self.x(k) + self.step / 2

    def y(self, v: float) -> float:
        return TOP + self.plot_h * (1 - min(v, self.top) / self.top)

    def axes(self, points: Sequence[Point], r: Range, fmt: Callable[[float], str]) -> str:
        out = []
        for i in range(TICKS + 1):  # grid lines and y labels at 0, 1/4, ... of the top
            v = self.top * i / TICKS
            y = self.y(v)
            out.append(
                f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
                f'stroke="#e5e7eb"></line><text x="{LEFT - 6}" y="{y + 4:.1f}" '
                f'text-anchor="end" font-size="11" fill="#6b7280">{e(fmt(v))}</text>'
            )
        every = max(1, math.ceil(len(points) / X_LABELS))
        days = r.bucket_seconds * r.buckets > 24 * 3600
        for k in range(0, len(points), every):
            out.append(
                f'<text x="{self.x(k):.1f}" y="{HEIGHT - 6}" font-size="11" fill="#6b7280">'
                f"{e(bucket_label(points[k].start, r.bucket_seconds, days))}</text>"
            )
        return "".join(out)


def legend(names: Sequence[str]) -> str:
    out, x = [], LEFT
    for name in names:
        out.append(
            f'<g class="legend-item" data-series="{e(name)}"><rect x="{x}" y="8" width="10" '
            f'height="10" fill="{COLOURS.get(name, "#6b7280")}"></rect><text x="{x + 14}" '
            f'y="17" font-size="11" fill="#1d2430">{e(name)}</text></g>'
        )
        x += 24 + 7 * len(name)
    return f'<g class="legend">{"".join(out)}</g>'


def svg(chart: str, title: str, body: str) -> str:
    return (
        f'<svg class="chart" data-chart="{e(chart)}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{e(title)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{e(title)}</title>{body}</svg>'
    )


# --- the charts --------------------------------------------------------------------------------
def runs_chart(charts: Charts, statuses: Sequence[str]) -> str:
    """Runs that ended per bucket, stacked by status."""
    points, r = charts.points, charts.range
    totals = [sum(p.counts.get(s, 0) for s in statuses) for p in points]
    frame = Frame(len(points), nice_top(max(totals, default=0), whole=True))
    bars = []
    width = max(1.0, frame.step - (2 if frame.step > 4 else 0.5))
    for k, p in enumerate(points):
        base = 0
        segments = []
        for s in statuses:
            n = p.counts.get(s, 0)
            if not n:
                continue
            y_top, y_base = frame.y(base + n), frame.y(base)
            segments.append(
                f'<rect data-bucket="{iso(p.start)}" data-status="{e(s)}" data-count="{n}" '
                f'x="{frame.x(k):.1f}" y="{y_top:.1f}" width="{width:.1f}" '
                f'height="{max(0.5, y_base - y_top):.1f}" fill="{COLOURS[s]}">'
                f"<title>{e(iso(p.start))}: {n} {e(s)}</title></rect>"
            )
            base += n
        bars.append(
            f'<g data-bucket="{iso(p.start)}" data-total="{totals[k]}">{"".join(segments)}</g>'
        )
    return svg(
        "runs",
        f"Runs ended per {_bucket_name(r)}, by status",
        frame.axes(points, r, count) + "".join(bars) + legend(statuses),
    )


def line_chart(
    chart: str,
    title: str,
    charts: Charts,
    series: Sequence[tuple[str, Callable[[Point], float | None]]],
    fmt: Callable[[float], str],
    top: Callable[[float], float] = nice_top,
) -> str:
    """One line per series (broken where a bucket has no value), a point per value; `top`
    gives the y axis's top from the highest value. Where values meet, the points of an earlier
    series are drawn larger, under the later ones, so that both show."""
    points, r = charts.points, charts.range
    values = [[get(p) for p in points] for _, get in series]
    highest = max((v for vs in values for v in vs if v is not None), default=0.0)
    frame = Frame(len(points), top(highest))
    drawn = []
    for index, ((name, _), vs) in enumerate(zip(series, values, strict=True)):
        radius = (3 if frame.step > 6 else 1.5) * (1 + 0.5 * (len(series) - 1 - index))
        colour = COLOURS.get(name, "#6b7280")
        run: list[str] = []
        lines = []
        dots = []
        for k, v in enumerate(vs):
            if v is None:
                if len(run) > 1:
                    lines.append(run)
                run = []
                continue
            xy = f"{frame.centre(k):.1f},{frame.y(v):.1f}"
            run.append(xy)
            dots.append(
                f'<circle data-bucket="{iso(points[k].start)}" data-series="{e(name)}" '
                f'data-value="{v:.6g}" cx="{frame.centre(k):.1f}" cy="{frame.y(v):.1f}" '
                f'r="{radius:g}" fill="{colour}">'
                f"<title>{e(iso(points[k].start))}: {e(name)} {e(fmt(v))}</title></circle>"
            )
        if len(run) > 1:
            lines.append(run)
        drawn += [
            f'<polyline points="{" ".join(line)}" fill="none" stroke="{colour}" '
            'stroke-width="1.5"></polyline>'
            for line in lines
        ]
        drawn += dots
    return svg(
        chart, title, frame.axes(points, r, fmt) + "".join(drawn) + legend([n for n, _ in series])
    )


def _percentiles(
    what: str,
    charts: Charts,
    p50: Callable[[Point], float | None],
    p95: Callable[[Point], float | None],
) -> str:
    """The p50 and p95 of a duration (`what`: run or step) per bucket."""
    return line_chart(
        f"{what}-duration",
        f"{what.capitalize()} duration, p50 and p95",
        charts,
        [("p50", p50), ("p95", p95)],
        duration,
        top=duration_top,
    )


def _bucket_name(r: Range) -> str:
    return "5 minutes" if r.slots else "hour"


def range_links(path: str, current: Range, ranges: Sequence[Range]) -> str:
    """Links (no script) to the same page over another range: `?range=hour|day|week`."""
    links = []
    for r in ranges:
        href = f"{path}?{urllib.parse.urlencode({'range': r.name})}"
        if r.name == current.name:
            links.append(f'<b data-range="{e(r.name)}">{e(r.label)}</b>')
        else:
            links.append(f'<a href="{e(href)}" data-range="{e(r.name)}">{e(r.label)}</a>')
    return (
        f'<p class="chart-ranges">{" | ".join(links)} <span class="muted">(times in UTC)</span></p>'
    )


def section(charts: Charts, path: str, ranges: Sequence[Range]) -> str:
    """The charts of a page, with the range links; `path` is the page's own path."""
    statuses = ("Completed", "Failed", "Cancelled", "Skipped")
    backlog_note = (
        '<p class="muted">More runs are active than the chart counted: the backlog is a lower '
        "bound.</p>"
        if charts.backlog_at_least
        else ""
    )
    figures = [
        runs_chart(charts, statuses),
        line_chart(
            "failure-rate",
            "Failure rate (Failed of Completed + Failed)",
            charts,
            [("failure rate", lambda p: p.failure_rate)],
            percent,
            top=lambda _: 1.0,
        ),
        _percentiles("run", charts, lambda p: p.run_p50, lambda p: p.run_p95),
        _percentiles("step", charts, lambda p: p.step_p50, lambda p: p.step_p95),
        line_chart(
            "backlog",
            "Backlog at the end of each bucket: queued and running (or waiting) runs",
            charts,
            [("Queued", lambda p: float(p.queued)), ("Running", lambda p: float(p.running))],
            count,
            top=lambda v: nice_top(v, whole=True),
        ),
    ]
    captions = ["Runs", "Failure rate", "Run duration", "Step duration", "Backlog"]
    body = "".join(
        f'<figure class="chart-figure"><figcaption>{e(c)}</figcaption>{f}</figure>'
        for c, f in zip(captions, figures, strict=True)
    )
    return (
        f'<section class="charts" data-range="{e(charts.range.name)}">'
        f"{range_links(path, charts.range, ranges)}{backlog_note}"
        f'<div class="chart-grid">{body}</div></section>'
    )
