"""The dashboard's function pages: the Functions overview, one function's page (its charts,
pause/resume, invoke, bulk replay, the link to bulk cancel) and the bulk replay's answer. Every
value that came from a user is escaped (`pages.e`)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from inngest_lambda.http.dashboard.pages import badge, csrf_input, e, run_link, when
from inngest_lambda.storage import listing

if TYPE_CHECKING:
    from inngest_lambda.admin.overview import FunctionOverview
    from inngest_lambda.admin.run_charts import Range
    from inngest_lambda.http.services import Services


def _count(o: FunctionOverview, status: str) -> str:
    """A run count; "1000+" when counting stopped there (`listing.count_runs`)."""
    return f"{o.counts[status]}{'+' if status in o.counts_at_least else ''}"


def functions_page(svc: Services, chart_range: Range | None = None) -> str:
    from inngest_lambda.admin import overview

    rows = []
    for fn in sorted(svc.registry.all(), key=lambda f: f.id):
        o = overview.describe(fn, svc.store)
        counts = " ".join(
            f'<a href="/runs?function={e(o.id)}&amp;status={s}">{badge(s)} {_count(o, s)}</a>'
            for s, n in o.counts.items()
            if n
        )
        paused = f" {badge('Paused')}" if o.is_paused else ""
        rows.append(
            f'<tr><td><a href="/functions/{e(o.id)}">{e(o.id)}</a>{paused}'
            f"<div class=muted>{e(o.name)}</div></td><td>{_triggers(o)}</td>"
            f"<td>{_flow(o.flow)}</td><td>{counts or '<span class=muted>none</span>'}</td></tr>"
        )
    return (
        f"<h1>Functions</h1>{_charts(svc, [f.id for f in svc.registry.all()], chart_range)}"
        "<h2>Functions</h2><table><thead><tr><th>Function</th><th>Triggers</th>"
        "<th>Flow control</th><th>Runs, last 24 h</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _triggers(o: Any) -> str:
    out = []
    for t in o.triggers:
        if t.cron:
            out.append(
                f"cron <code>{e(t.cron)}</code><div class=muted>next: {when(t.next_fire)}</div>"
            )
        else:
            expr = f" if <code>{e(t.expression)}</code>" if t.expression else ""
            out.append(f"event <code>{e(t.event)}</code>{expr}")
    return "<br>".join(out)


def _flow(flow: dict[str, Any]) -> str:
    if not flow:
        return '<span class="muted">none</span>'
    return "<br>".join(
        f"{e(k)}: <code>{e(json.dumps(v, separators=(',', ':')))}</code>" for k, v in flow.items()
    )


def _charts(svc: Services, function_ids: list[str], chart_range: Range | None) -> str:
    """The charts of these functions' runs (`admin.run_charts`, drawn by `charts`), over the
    range given (a day by default)."""
    from inngest_lambda.admin import run_charts
    from inngest_lambda.http.dashboard import charts

    r = chart_range or run_charts.RANGES[run_charts.DEFAULT_RANGE]
    path = f"/functions/{function_ids[0]}" if len(function_ids) == 1 else "/functions"
    figures = run_charts.function_charts(svc.store, sorted(function_ids), r)
    return charts.section(figures, path, list(run_charts.RANGES.values()))


def function_page(
    svc: Services, function_id: str, token: str, chart_range: Range | None = None
) -> str | None:
    from inngest_lambda.admin import overview

    fn = svc.registry.get(function_id)
    if fn is None:
        return None
    o = overview.describe(fn, svc.store)
    st_opts = "".join(
        f"<option {'selected' if s == 'Failed' else ''}>{e(s)}</option>" for s in listing.ALL_STATES
    )
    counts = "".join(f"<dt>{badge(s)}</dt><dd>{_count(o, s)}</dd>" for s in o.counts)
    return (
        f"<h1>Function {e(o.id)}{' ' + badge('Paused') if o.is_paused else ''}</h1>"
        f"{_pause_form(o.id, o.is_paused, token)}<dl><dt>Name</dt><dd>{e(o.name)}</dd>"
        f"<dt>App</dt><dd>{e(o.app_id)}</dd><dt>Triggers</dt><dd>{_triggers(o)}</dd>"
        f"<dt>Flow control</dt><dd>{_flow(o.flow)}</dd><dt>Retries</dt><dd>{o.retries}</dd>"
        f"</dl><h2>Runs, last 24 h</h2><dl>{counts}</dl>"
        f"<h2>Charts</h2>{_charts(svc, [o.id], chart_range)}"
        f'<p><a href="/runs?function={e(o.id)}">All runs of {e(o.id)} &rarr;</a></p>'
        "<h2>Invoke with a payload</h2>"
        f'<form method=post action="/functions/{e(o.id)}/invoke">{csrf_input(token)}'
        "<label>event.data (JSON)<textarea name=data>{}</textarea></label>"
        "<p><button>Invoke</button></p></form>"
        "<h2>Bulk replay</h2>"
        f'<form class=bar method=post action="/functions/{e(o.id)}/replay">{csrf_input(token)}'
        f"<label>Status<select name=status>{st_opts}</select></label>"
        '<label>Since<input name=since value="1h"></label>'
        '<label>Until<input name=until placeholder="now"></label>'
        "<button>Replay matching runs</button></form>"
        f'<h2>Bulk cancel</h2><p><a href="/functions/{e(o.id)}/cancel">Bulk cancel runs of '
        f"{e(o.id)}, with an estimate first, and its cancellation history &rarr;</a></p>"
    )


def _pause_form(function_id: str, paused: bool, token: str) -> str:
    """Pause (with what to do with running runs) or Resume (optionally replaying what the pause
    skipped): `admin/pausing.py` through the dashboard's actions."""
    action = f"/functions/{e(function_id)}/{'resume' if paused else 'pause'}"
    if paused:
        return (
            f'<form class=bar method=post action="{action}">{csrf_input(token)}'
            "<span>Paused: its events are recorded as Skipped runs, its cron skips, its running "
            "runs wait at their next step.</span>"
            "<label><span><input type=checkbox name=replay_skipped value=1> "
            "Replay the runs the pause skipped</span></label><button>Resume</button></form>"
        )
    return (
        f'<form class=bar method=post action="{action}">{csrf_input(token)}'
        "<label>Running runs<select name=running>"
        "<option value=wait>Wait at their next step until resumed</option>"
        "<option value=cancel>Cancel now</option></select></label>"
        "<button>Pause</button></form>"
    )


def replayed_page(function_id: str, pairs: list[Any]) -> str:
    rows = "".join(
        f"<tr><td>{run_link(p.run_id)}</td><td>{run_link(p.replay_run_id)}</td></tr>" for p in pairs
    )
    return (
        f"<h1>Replayed {len(pairs)} run{'s' if len(pairs) != 1 else ''} of {e(function_id)}</h1>"
        f"<table><thead><tr><th>Original</th><th>Replay</th></tr></thead><tbody>{rows}</tbody>"
        "</table>"
    )
