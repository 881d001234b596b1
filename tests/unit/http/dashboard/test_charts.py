"""The charts' SVG: the figures given are the data attributes drawn, every bar and point has its
`<title>`, the axes are labelled, there is a legend, and the range links are plain links."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from inngest_lambda.admin import run_charts
from inngest_lambda.admin.run_charts import Charts, Point
from inngest_lambda.http.dashboard import charts

SVG = "{http://www.w3.org/2000/svg}"
START = 1_800_000_000.0 // 3600 * 3600
DAY = run_charts.RANGES["day"]


def _point(k: int, **fields: object) -> Point:
    base: dict[str, object] = {
        "start": START + k * 3600,
        "counts": {"Completed": 0, "Failed": 0, "Cancelled": 0, "Skipped": 0},
        "failure_rate": None,
        "run_p50": None,
        "run_p95": None,
        "step_p50": None,
        "step_p95": None,
    }
    return Point(**{**base, **fields})  # type: ignore[arg-type]


def _charts() -> Charts:
    points = [_point(k) for k in range(24)]
    points[3].counts.update(Completed=4, Failed=1)
    points[3].failure_rate, points[3].run_p50, points[3].run_p95 = 0.2, 120.0, 2500.0
    points[10].counts.update(Completed=2, Cancelled=1, Skipped=3)
    points[10].failure_rate, points[10].run_p50, points[10].run_p95 = 0.0, 90.0, 95.0
    points[5].queued, points[5].running = 7, 2
    return Charts(DAY, points, backlog_at_least=False)


def _svg(markup: str) -> ET.Element:
    return ET.fromstring(markup)


def test_each_status_of_each_bucket_is_a_bar_segment_with_its_data():
    root = _svg(charts.runs_chart(_charts(), run_charts.STATUSES))
    segments = [
        (r.get("data-bucket"), r.get("data-status"), int(r.get("data-count", "0")))
        for r in root.iter(f"{SVG}rect")
        if r.get("data-status")
    ]
    at = charts.iso
    assert segments == [
        (at(START + 3 * 3600), "Completed", 4),
        (at(START + 3 * 3600), "Failed", 1),
        (at(START + 10 * 3600), "Completed", 2),
        (at(START + 10 * 3600), "Cancelled", 1),
        (at(START + 10 * 3600), "Skipped", 3),
    ]
    titles = [r.find(f"{SVG}title") for r in root.iter(f"{SVG}rect") if r.get("data-status")]
    assert titles[1] is not None and titles[1].text == f"{at(START + 3 * 3600)}: 1 Failed"
    groups = root.findall(f"{SVG}g[@data-total]")
    assert len(groups) == 24 and groups[10].get("data-total") == "6"


def test_segments_stack_in_proportion_to_their_counts():
    root = _svg(charts.runs_chart(_charts(), run_charts.STATUSES))
    at = charts.iso(START + 10 * 3600)
    bucket = [r for r in root.iter(f"{SVG}rect") if r.get("data-bucket") == at]
    heights = {r.get("data-status"): float(r.get("height", "0")) for r in bucket}
    assert heights["Skipped"] == pytest.approx(3 * heights["Cancelled"], rel=0.05)
    ys = [float(r.get("y", "0")) for r in bucket]
    assert ys == sorted(ys, reverse=True)  # each status drawn above the one before


def test_axes_are_labelled_and_there_is_a_legend():
    root = _svg(charts.runs_chart(_charts(), run_charts.STATUSES))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert [t for t in texts if t and t.isdigit()] == ["0", "2", "4", "6", "8"]  # y, to 8 > 6
    assert any(t and t.count(":") == 1 for t in texts)  # times along the x axis
    legend = [g.get("data-series") for g in root.iter(f"{SVG}g") if g.get("data-series")]
    assert legend == list(run_charts.STATUSES)
    assert root.find(f"{SVG}title") is not None  # the chart's own title


def test_a_line_has_a_point_per_value_and_breaks_where_there_is_none():
    markup = charts.line_chart(
        "run-duration",
        "Run duration",
        _charts(),
        [("p50", lambda p: p.run_p50), ("p95", lambda p: p.run_p95)],
        charts.duration,
    )
    root = _svg(markup)
    dots = [
        (c.get("data-series"), c.get("data-bucket"), float(c.get("data-value", "0")))
        for c in root.iter(f"{SVG}circle")
    ]
    at = charts.iso
    assert dots == [
        ("p50", at(START + 3 * 3600), 120.0),
        ("p50", at(START + 10 * 3600), 90.0),
        ("p95", at(START + 3 * 3600), 2500.0),
        ("p95", at(START + 10 * 3600), 95.0),
    ]
    assert root.findall(f"{SVG}polyline") == []  # no two values side by side
    title = next(root.iter(f"{SVG}circle")).find(f"{SVG}title")
    assert title is not None and title.text == f"{at(START + 3 * 3600)}: p50 120 ms"


def test_neighbouring_values_are_joined():
    c = _charts()
    c.points[4].run_p50 = 150.0
    root = _svg(charts.line_chart("d", "d", c, [("p50", lambda p: p.run_p50)], charts.duration))
    (line,) = root.findall(f"{SVG}polyline")
    assert len(line.get("points", "").split()) == 2


def test_the_section_has_all_charts_and_plain_links_to_the_other_ranges():
    markup = charts.section(_charts(), "/functions/a&b", list(run_charts.RANGES.values()))
    for chart in ("runs", "failure-rate", "run-duration", "step-duration", "backlog"):
        assert f'data-chart="{chart}"' in markup
    assert '<a href="/functions/a&amp;b?range=hour" data-range="hour">Last hour</a>' in markup
    assert '<b data-range="day">Last day</b>' in markup  # the current one is not a link
    assert "<script" not in markup and "style=" not in markup
    assert "lower bound" not in markup


def test_a_capped_backlog_says_it_is_a_lower_bound():
    c = _charts()
    c.backlog_at_least = True
    assert "lower bound" in charts.section(c, "/functions", list(run_charts.RANGES.values()))


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (0.25, "0.25 ms"),
        (1.5, "1.5 ms"),
        (12.4, "12 ms"),
        (1500, "1.5 s"),
        (90_000, "1.5 min"),
        (7.2e6, "2 h"),
    ],
)
def test_durations_read_in_their_unit(ms, text):
    assert charts.duration(ms) == text


@pytest.mark.parametrize(
    ("value", "whole", "top"),
    [(0, True, 4), (1, True, 4), (5, True, 8), (6, True, 8), (12, True, 20), (38, False, 40)],
)
def test_axis_tops_are_round(value, whole, top):
    assert charts.nice_top(value, whole=whole) == pytest.approx(top)


@pytest.mark.parametrize(
    ("ms", "top"),
    [(0.3, 0.4), (38, 40), (1500, 2000), (30 * 60_000, 40 * 60_000), (9e6, 4 * 3.6e6)],
)
def test_duration_axes_are_round_in_their_unit(ms, top):
    assert charts.duration_top(ms) == pytest.approx(top)


def test_small_values_get_fractional_steps_unless_counted():
    assert charts.nice_top(0.3) == pytest.approx(0.4)
    assert charts.nice_top(0.3, whole=True) == 4
