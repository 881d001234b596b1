"""The dashboard's pages as HTML strings: every value that came from a user is escaped."""

from __future__ import annotations

import html
import json
import urllib.parse
from typing import TYPE_CHECKING

from inngest_lambda.core import clock
from inngest_lambda.http.dashboard import waterfall
from inngest_lambda.storage import listing
from inngest_lambda.storage.store import MISSING, TERMINAL_STATES, Run, Step

if TYPE_CHECKING:
    from inngest_lambda.http.services import Services

PAGE_SIZE = 50


def e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def when(ts: float | None) -> str:
    return e(clock.iso(ts)) if ts else '<span class="muted">-</span>'


def badge(status: str) -> str:
    return f'<span class="badge {e(status)}">{e(status)}</span>'


def pretty(value: object) -> str:
    return f"<pre>{e(json.dumps(value, indent=2, default=str))}</pre>"


def duration(start: float | None, end: float | None) -> str:
    if not start:
        return ""
    seconds = (end or clock.now()) - start
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s"


def run_link(run_id: str) -> str:
    return f'<a href="/runs/{e(run_id)}">{e(run_id)}</a>'


def layout(title: str, body: str, *, active: str = "", signed_in: str = "") -> str:
    nav = "".join(
        f'<a href="{href}" class="{"on" if key == active else ""}">{label}</a>'
        for key, href, label in (
            ("runs", "/runs", "Runs"),
            ("functions", "/functions", "Functions"),
            ("events", "/events", "Events"),
            ("send", "/send", "Send event"),
        )
    )
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        f"<title>{e(title)} - inngest-lambda</title>"
        '<link rel=stylesheet href="/_dashboard/app.css"></head><body>'
        f"<header><b>inngest-lambda</b>{nav}{signed_in}</header>"
        f"<main>{body}</main>"
        '<script src="/_dashboard/app.js"></script></body></html>'
    )


def csrf_input(token: str) -> str:
    return f'<input type=hidden name=csrf value="{e(token)}">'


def action(path: str, label: str, token: str, css: str = "", fields: str = "") -> str:
    return (
        f'<form class=inline method=post action="{e(path)}">{csrf_input(token)}{fields}'
        f'<button class="{css}">{e(label)}</button></form>'
    )


# --- runs ------------------------------------------------------------------------------------
def runs_page(svc: Services, query: dict[str, str]) -> str:
    fns = sorted(f.id for f in svc.registry.all())
    chosen = query.get("function", "")
    status = query.get("status", "")
    since = query.get("since", "")
    fn_opts = "".join(
        f'<option value="{e(f)}" {"selected" if f == chosen else ""}>{e(f)}</option>' for f in fns
    )
    st_opts = "".join(
        f"<option {'selected' if s == status else ''}>{e(s)}</option>" for s in listing.ALL_STATES
    )
    form = (
        '<form class=bar method=get action="/runs">'
        f'<label>Function<select name=function><option value="">all</option>{fn_opts}'
        "</select></label>"
        f'<label>Status<select name=status><option value="">any</option>{st_opts}</select></label>'
        f'<label>Since<input name=since value="{e(since)}" placeholder="1h, 7d or ISO time">'
        "</label><button>Filter</button></form>"
    )
    fragment = "/runs?" + urllib.parse.urlencode({**query, "fragment": "1"})
    return (
        f"<h1>Runs</h1>{form}<table><thead><tr><th>Run</th><th>Function</th><th>Status</th>"
        "<th>Created</th><th>Duration</th></tr></thead>"
        f'<tbody id=runs data-live="{e(fragment)}">{runs_rows(svc, query)}</tbody></table>'
    )


def runs_rows(svc: Services, query: dict[str, str]) -> str:
    from inngest_lambda.http.query import parse_status, parse_time_bound

    fn = query.get("function") or None
    page = listing.list_runs(
        svc.store,
        [fn] if fn else [f.id for f in svc.registry.all()],
        status=parse_status(query.get("status")),
        since=parse_time_bound("since", query.get("since")),
        before=query.get("cursor") or None,
        limit=PAGE_SIZE,
    )
    rows = "".join(
        f'<tr data-run="{e(r.run_id)}"><td>{run_link(r.run_id)}</td>'
        f'<td><a href="/functions/{e(r.function_id)}">{e(r.function_id)}</a></td>'
        f"<td>{badge(r.status)}</td><td>{when(r.created_at)}</td>"
        f"<td>{duration(r.started_at, r.ended_at)}</td></tr>"
        for r in page.items
    )
    if not rows:
        rows = '<tr><td colspan=5 class="muted">No runs match.</td></tr>'
    if page.next_cursor:
        older = "/runs?" + urllib.parse.urlencode({**query, "cursor": page.next_cursor})
        rows += f'<tr><td colspan=5><a href="{e(older)}">Older runs &rarr;</a></td></tr>'
    return rows


def run_page(svc: Services, run_id: str, token: str) -> str | None:
    body = run_detail(svc, run_id, token)
    if body is None:
        return None
    return f'<div id=run data-live="/runs/{e(run_id)}?fragment=1">{body}</div>'


def run_detail(svc: Services, run_id: str, token: str) -> str | None:
    run = svc.store.get_run(run_id)
    if run is None:
        return None
    steps = sorted(svc.store.load_steps(run_id).values(), key=lambda s: s.seq)
    replays = svc.store.replays_of(run_id)
    # Cancelled from the moment the cancel is recorded, as the API shows it; the page keeps
    # refreshing until the driving invocation has written the end (`data-final`).
    status = run.visible_status
    ended = status in TERMINAL_STATES
    recorded = run.status in TERMINAL_STATES
    facts = [
        ("Status", badge(status) + (" <span data-final></span>" if recorded else "")),
        ("Function", f'<a href="/functions/{e(run.function_id)}">{e(run.function_id)}</a>'),
        ("Event", f'<a href="/events/{e(run.event_id)}">{e(run.event_id)}</a>'),
        ("Created", when(run.created_at)),
        ("Started", when(run.started_at)),
        ("Ended", when(run.ended_at)),
        ("Duration", duration(run.started_at, run.ended_at)),
    ]
    if run.starts_at is not None:  # an event `ts` in the future scheduled its start
        label = "Starts at" if run.started_at is None and not ended else "Scheduled start"
        facts.insert(4, (label, when(run.starts_at)))
    if run.replay_of and run.rerun_from:
        origin = next((s.name for s in steps if s.step_id == run.rerun_from), run.rerun_from)
        facts.append(("Rerun of", f"{run_link(run.replay_of)} from step {e(origin)}"))
    elif run.replay_of:
        facts.append(("Replay of", run_link(run.replay_of)))
    if replays:
        facts.append(("Replayed as", ", ".join(run_link(r) for r in replays)))
    if run.parent:
        facts.append(("Invoked by", run_link(str(run.parent.get("run_id", "")))))
    if run.cancel and not recorded:
        facts.append(("Cancelled because", e(run.cancel)))
    actions = [action(f"/runs/{run.run_id}/replay", "Replay", token, "quiet")]
    if not ended:
        actions.insert(0, action(f"/runs/{run.run_id}/cancel", "Cancel", token, "danger"))
    dl = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts)
    result = ""
    if run.error is not None:
        result = f"<h2>Error</h2>{pretty(run.error)}"
    elif run.status == "Completed":
        result = f"<h2>Output</h2>{pretty(run.output)}"
    return (
        f"<h1>Run {e(run.run_id)}</h1><dl>{dl}</dl><p>{' '.join(actions)}</p>"
        f"<h2>Steps</h2>{timeline(svc, run, steps, token)}{result}"
        f"<h2>Trace</h2>{waterfall.render(run, steps, clock.now())}"
        f"<h2>Trigger event</h2>{pretty(run.events if len(run.events) > 1 else run.event)}"
    )


def timeline(svc: Services, run: Run, steps: list[Step], token: str) -> str:
    """A waterfall: each step's bar from its start to its end (or now) on the run's time axis,
    and per step a "Rerun from here" (`admin.rerun`: the steps started before it reused)."""
    if not steps:
        return '<p class="muted">No steps yet.</p>'
    start = run.started_at or run.created_at
    end = run.ended_at or clock.now()
    for s in steps:
        end = max(end, s.ended_at or 0, (s.due_at or 0) if not s.done else 0)
    span = max(end - start, 1e-3)
    rows = []
    for s in steps:
        s_start = s.started_at or start
        s_end = s.ended_at or (clock.now() if not s.done else s_start)
        left = max(0.0, min(100.0, (s_start - start) / span * 100))
        width = max(0.5, min(100.0 - left, (s_end - s_start) / span * 100))
        # SVG attributes, not inline styles: the Content-Security-Policy allows no inline CSS.
        bar = (
            f'<svg class=wf viewBox="0 0 100 10" preserveAspectRatio="none" role=img '
            f'aria-label="{e(duration(s_start, s_end))}"><title>{e(duration(s_start, s_end))}'
            f'</title><rect class="{e(s.status)}" x="{left:.2f}" y="1" width="{width:.2f}" '
            'height="8" rx="1"></rect></svg>'
        )
        rows.append(
            f'<tr data-step="{e(s.name)}"><td>{e(s.name)}<div class=muted>{e(s.op)}</div></td>'
            f"<td>{badge(s.status)}</td><td>{_attempts(s)}</td><td>{when(s.started_at)}</td>"
            f"<td>{when(s.ended_at)}</td><td>{bar}{_step_detail(svc, run, s)}</td>"
            f"<td>{_rerun_button(run, s, token)}</td></tr>"
        )
    return (
        "<table><thead><tr><th>Step</th><th>Status</th><th>Attempts</th><th>Start</th>"
        f"<th>End</th><th>Timeline and detail</th><th></th></tr></thead><tbody>{''.join(rows)}"
        "</tbody></table>"
    )


def _rerun_button(run: Run, s: Step, token: str) -> str:
    step = f'<input type=hidden name=step value="{e(s.step_id)}">'
    return action(f"/runs/{run.run_id}/rerun", "Rerun from here", token, "quiet", step)


def _attempts(s: Step) -> str:
    return str(s.attempt + 1 if s.done else max(s.attempt, 1))


def _step_detail(svc: Services, run: Run, s: Step) -> str:
    parts = []
    kind = s.info.get("kind")
    if s.op == "Sleep":
        parts.append(f"sleeps until {when(s.due_at)}")
    elif kind == "retry" and s.due_at:
        parts.append(f"retry {s.attempt + 1} at {when(s.due_at)}")
    elif s.op == "WaitForEvent":
        pause = s.info.get("pause") or {}
        expr = pause.get("expression")
        parts.append(
            f"waits for <code>{e(pause.get('event_name'))}</code>"
            + (f" if <code>{e(expr)}</code>" if expr else "")
            + f", timeout {when(s.due_at)}"
        )
    elif s.op == "InvokeFunction":
        from inngest_lambda.core.ids import deterministic_id

        children = svc.store.run_ids_for_event(deterministic_id(run.run_id, s.step_id))
        links = ", ".join(run_link(c) for c in children) or '<span class="muted">not yet</span>'
        parts.append(f"invokes <code>{e(s.info.get('function_id'))}</code>: run {links}")
    if s.error:
        parts.append(
            f'<div class="note error">{e(s.error.get("name"))}: {e(s.error.get("message"))}</div>'
        )
    if s.memo is not MISSING and s.memo is not None and s.status == "Completed":
        value = s.memo.get("data") if isinstance(s.memo, dict) and "data" in s.memo else s.memo
        parts.append(pretty(value))
    return "".join(f"<div>{p}</div>" for p in parts)


# --- events ----------------------------------------------------------------------------------
def events_page(svc: Services, query: dict[str, str]) -> str:
    page = listing.list_events(
        svc.store,
        name=query.get("name") or None,
        before=query.get("cursor") or None,
        limit=PAGE_SIZE,
    )
    rows = (
        "".join(
            f'<tr><td><a href="/events/{e(ev.event_id)}">{e(ev.event_id)}</a></td>'
            f"<td><code>{e(ev.name)}</code></td><td>{when(ev.received_at)}</td></tr>"
            for ev in page.items
        )
        or '<tr><td colspan=3 class="muted">No events.</td></tr>'
    )
    if page.next_cursor:
        older = "/events?" + urllib.parse.urlencode({**query, "cursor": page.next_cursor})
        rows += f'<tr><td colspan=3><a href="{e(older)}">Older events &rarr;</a></td></tr>'
    form = (
        '<form class=bar method=get action="/events"><label>Name<input name=name '
        f'value="{e(query.get("name", ""))}"></label><button>Filter</button></form>'
    )
    return (
        f"<h1>Events</h1>{form}<table><thead><tr><th>Event</th><th>Name</th><th>Received</th>"
        f"</tr></thead><tbody>{rows}</tbody></table>"
    )


def event_page(svc: Services, event_id: str) -> str | None:
    from inngest_lambda.flow import config as flow_config

    event = svc.store.get_event_or_copy(event_id)
    if event is None:
        return None
    runs = svc.store.get_runs(svc.store.run_ids_for_event(event_id))
    rows = []
    for r in runs:
        why = ""
        if r.status == "Skipped" and r.error:
            why = e(r.error.get("message"))
        rows.append(
            f"<tr><td>{run_link(r.run_id)}</td><td>{e(r.function_id)}</td>"
            f"<td>{badge(r.status)}</td><td>{why}</td></tr>"
        )
    # Functions this event matched that have no run for it: flow control held it back.
    matched, errors = svc.registry.match(event)
    started = {r.function_id for r in runs}
    for fn in matched:
        if fn.id in started:
            continue
        flow = flow_config.of(fn.config)
        reason = (
            "debounced: folded into a later run, or still pending"
            if flow.debounce
            else "batched: part of a batch run, or still pending"
            if flow.batch
            else "skipped by idempotency or singleton"
            if flow.idempotency or flow.singleton
            else "no run recorded"
        )
        rows.append(
            f"<tr><td class=muted>-</td><td>{e(fn.id)}</td><td>{badge('Skipped')}</td>"
            f"<td>{e(reason)}</td></tr>"
        )
    trigger_errors = "".join(
        f'<div class="note error">function {e(err.function_id)}: trigger expression '
        f"<code>{e(err.expression)}</code>: {e(err.message)}</div>"
        for err in errors
    )
    table = "".join(rows) or '<tr><td colspan=4 class="muted">This event started no run.</td></tr>'
    return (
        f"<h1>Event {e(event_id)}</h1><dl><dt>Name</dt><dd><code>{e(event.get('name'))}</code>"
        f"</dd><dt>Time</dt><dd>{when((event.get('ts') or 0) / 1000)}</dd></dl>"
        f"<h2>Runs</h2>{trigger_errors}<table><thead><tr><th>Run</th><th>Function</th>"
        f"<th>Status</th><th>Why</th></tr></thead><tbody>{table}</tbody></table>"
        f"<h2>Payload</h2>{pretty(event)}"
    )


# --- send, login ---------------------------------------------------------------------------
def send_page(token: str, error: str = "", name: str = "", data: str = "{}") -> str:
    note = f'<div class="note error">{e(error)}</div>' if error else ""
    return (
        f"<h1>Send a test event</h1>{note}"
        f'<form method=post action="/send">{csrf_input(token)}'
        f'<label>Name<input name=name required value="{e(name)}" placeholder="app/user.created">'
        f"</label><label>data (JSON)<textarea name=data>{e(data)}</textarea></label>"
        "<p><button>Send event</button></p></form>"
    )


def login_page(error: str = "") -> str:
    note = f'<div class="note error">{e(error)}</div>' if error else ""
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Sign in</title>"
        '<link rel=stylesheet href="/_dashboard/app.css"></head><body><main>'
        f"<h1>inngest-lambda dashboard</h1>{note}"
        '<form method=post action="/login"><label>Dashboard key'
        "<input type=password name=key autocomplete=current-password required autofocus>"
        "</label><p><button>Sign in</button></p></form></main></body></html>"
    )
