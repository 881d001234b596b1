"""`runs list|show|watch|cancel|redrive|replay|rerun`: function runs from a terminal.

Listings are tables that fit the terminal (`tables.py`: run ids whole, compact times, `--wide`
for every column in full); `--json` prints the API's JSON instead.
"""

from __future__ import annotations

import json
from typing import Any

import click
from rich.progress import Progress
from rich.text import Text

from inngest_lambda.cli import tables, times
from inngest_lambda.cli.client import CliError
from inngest_lambda.cli.context import Context, err, out, wide_option
from inngest_lambda.cli.paging import MAX_BULK, pages
from inngest_lambda.cli.tables import Column
from inngest_lambda.cli.watch import watch

RUN_COLUMNS = (
    Column("Run", ident=True),
    Column("Function", min_width=12),
    Column("Status", min_width=9, style=tables.status_style),
    Column("Event", ident=True, wide_only=True),
    Column("Created", min_width=10),
    Column("Started", wide_only=True),
    Column("Ended", wide_only=True),
    Column("Duration"),
)
STEP_COLUMNS = (
    Column("Id", ident=True, wide_only=True),
    Column("Step", min_width=10),
    Column("Op"),
    Column("Status", min_width=9, style=tables.status_style),
    Column("Tries", min_width=5),
    Column("Started", min_width=8),
    Column("Ended", wide_only=True),
    Column("Duration", min_width=8),
    Column("Detail", min_width=10),
)


@click.group()
def runs() -> None:
    """Function runs."""


runs.add_command(watch)


@runs.command("list")
@click.option("--function", "function_id", help="Only runs of this function id.")
@click.option("--status", help="Queued, Running, Completed, Failed, Cancelled or Skipped.")
@click.option("--since", help="Created at or after: a duration back from now (1h, 7d) or ISO time.")
@click.option("--limit", type=click.IntRange(1, 500), default=20, show_default=True)
@wide_option
@click.pass_obj
def runs_list(
    obj: Context,
    function_id: str | None,
    status: str | None,
    since: str | None,
    limit: int,
    wide: bool,
) -> None:
    """Runs, newest first."""
    params = {"function_id": function_id, "status": status, "since": since}
    body = pages(obj.api, "/v1/runs", params, limit, lambda b: b["metadata"]["next_cursor"])
    if obj.as_json:
        return obj.emit(body)
    if not body["data"]:
        return out.print("No runs match.")
    rows = [_run_row(r, wide) for r in body["data"]]
    tables.show(out, RUN_COLUMNS, rows, wide)


def _run_row(r: dict[str, Any], wide: bool) -> list[str]:
    return [
        r["run_id"],
        r["function_id"],
        r["status"],
        r.get("event_id") or "",
        times.cell(r.get("created_at"), wide),
        times.cell(r.get("run_started_at"), wide),
        times.cell(r.get("ended_at"), wide),
        times.duration(r.get("run_started_at"), r.get("ended_at")),
    ]


@runs.command("show")
@click.argument("run_id")
@wide_option
@click.pass_obj
def runs_show(obj: Context, run_id: str, wide: bool) -> None:
    """One run with its steps."""
    run = obj.api.request("GET", f"/v1/runs/{run_id}")["data"]
    if obj.as_json:
        return obj.emit(run)
    width = tables.terminal_width()
    # One fact a line, times as the API gives them (they fit: 24 characters).
    lines = [f"function  {run['function_id']}", f"event     {run['event_id']}"]
    lines.append(f"started   {run.get('run_started_at') or '-'}")
    if run.get("ended_at"):
        took = times.duration(run.get("run_started_at"), run["ended_at"])
        lines.append(f"ended     {run['ended_at']}" + (f" ({took})" if took else ""))
    if run.get("starts_at"):
        lines.append(f"starts at {run['starts_at']} (scheduled by its event's ts)")
    if run.get("rerun_from"):
        lines += [f"rerun of  {run['replay_of']}", f"from step {run['rerun_from']}"]
    elif run.get("replay_of"):
        lines.append(f"replay of {run['replay_of']}")
    title = Text(f"Run {run['run_id']}  ", style="bold")
    title.append(run["status"], style=tables.status_style(run["status"]) or None)
    tables.print_line(out, title)
    for line in lines:
        tables.print_line(out, line if wide else tables.elide(line, width))
    steps = run.get("steps", [])
    if steps:
        tables.show(out, STEP_COLUMNS, [_step_row(s, wide) for s in steps], wide, width)
    tables.print_line(out, "output:" if run["status"] != "Failed" else "error:")
    value = json.dumps(run.get("output"), indent=2, ensure_ascii=False).splitlines()
    shown = value if wide else [tables.elide(line, width) for line in value]
    for line in shown:
        tables.print_line(out, line)
    if shown != value:
        tables.print_line(
            out, Text("(lines cut to the terminal: --wide or --json show them)", style="dim")
        )


def _step_row(s: dict[str, Any], wide: bool) -> list[str]:
    detail = ""
    if s.get("error"):
        detail = f"{s['error'].get('name')}: {s['error'].get('message')}"
    elif s.get("scheduled_for"):
        detail = f"until {s['scheduled_for'] if wide else times.clock(s['scheduled_for'])}"
    elif "output" in s:
        detail = json.dumps(s["output"])
    return [
        s["id"],
        s["name"],
        s["op"],
        s["status"],
        str(s["attempts"]),
        times.cell(s.get("started_at"), wide),
        times.cell(s.get("ended_at"), wide),
        times.duration(s.get("started_at"), s.get("ended_at")),
        detail,
    ]


@runs.command("cancel")
@click.argument("run_id", required=False)
@click.option("--function", "function_id", help="Bulk: cancel the active runs of this function...")
@click.option("--since", help="...created since (1h, 7d or ISO time; default: all)...")
@click.option("--until", help="...and up to this time (default now).")
@click.option("--if", "expression", help="...whose trigger event matches this CEL expression.")
@click.option("--dry-run", is_flag=True, help="Print how many runs match; cancel nothing.")
@click.pass_obj
def runs_cancel(
    obj: Context,
    run_id: str | None,
    function_id: str | None,
    since: str | None,
    until: str | None,
    expression: str | None,
    dry_run: bool,
) -> None:
    """Cancel RUN_ID (it stops at its next step boundary), or in bulk with --function.

    A bulk cancel is a job on the deployment's queue (`POST /v1/cancellations`): this prints its
    id at once; `GET /v1/cancellations/{id}` shows its progress."""
    if run_id and function_id:
        raise click.UsageError("give either RUN_ID or --function, not both")
    if run_id:
        body = obj.api.request("DELETE", f"/v1/runs/{run_id}")
        if obj.as_json:
            return obj.emit(body)
        return out.print(f"cancelling {run_id}: it stops at its next step boundary")
    if not function_id:
        raise click.UsageError("bulk cancel needs --function (or give a RUN_ID)")
    request = {
        "function_id": function_id,
        "started_after": since,
        "started_before": until or "0s",
        "if": expression,
        "dry_run": dry_run,
    }
    data = obj.api.request(
        "POST", "/v1/cancellations", json={k: v for k, v in request.items() if v is not None}
    )["data"]
    if obj.as_json:
        return obj.emit(data)
    if dry_run:
        more = "" if data["complete"] else " at least (counting stopped)"
        return out.print(f"{data['matched']}{more} run(s) of {function_id} would be cancelled")
    out.print(f"bulk cancellation {data['id']} started ({data['status']})")


@runs.command("redrive")
@click.argument("run_id")
@click.pass_obj
def runs_redrive(obj: Context, run_id: str) -> None:
    """Send an unfinished run a new drive message (after a DLQ or a lost message).

    Always safe: a run that is being driven, or parked until a sleep or wait ends, ignores it.
    """
    body = obj.api.request("POST", f"/v1/runs/{run_id}/redrive")
    if obj.as_json:
        return obj.emit(body)
    out.print(f"re-driving {run_id} ({body['data']['status']})")


@runs.command("replay")
@click.argument("run_id", required=False)
@click.option("--function", "function_id", help="Bulk: replay runs of this function...")
@click.option("--status", default="Failed", show_default=True, help="...in this status...")
@click.option("--since", help="...created since (1h, 7d or ISO time)...")
@click.option("--until", help="...and before this (default now).")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def runs_replay(
    obj: Context,
    run_id: str | None,
    function_id: str | None,
    status: str,
    since: str | None,
    until: str | None,
    yes: bool,
) -> None:
    """Replay RUN_ID (prints the new run id), or in bulk with --function."""
    if run_id and function_id:
        raise click.UsageError("give either RUN_ID or --function, not both")
    if run_id:
        new = obj.api.request("POST", f"/v1/runs/{run_id}/replay")["data"]
        return obj.emit(new) if obj.as_json else click.echo(new["run_id"])
    if not function_id or not since:
        raise click.UsageError("bulk replay needs --function and --since (or give a RUN_ID)")
    params = {
        "function_id": function_id,
        "status": status,
        "since": since,
        "until": until,
        "limit": MAX_BULK,
    }
    found = obj.api.request("GET", "/v1/runs", params={k: v for k, v in params.items() if v})
    targets = [r["run_id"] for r in found["data"]]
    if not targets:
        return obj.emit([]) if obj.as_json else out.print("No runs match: nothing replayed.")
    if not yes and not click.confirm(
        f"Replay {len(targets)} {status} run(s) of {function_id}?", err=True
    ):
        raise CliError("not confirmed: nothing replayed")
    pairs = []
    with Progress(console=err, transient=obj.as_json) as progress:
        task = progress.add_task("replaying", total=len(targets))
        for rid in targets:
            new = obj.api.request("POST", f"/v1/runs/{rid}/replay")["data"]
            pairs.append({"run_id": rid, "replay_run_id": new["run_id"]})
            progress.advance(task)
    if obj.as_json:
        return obj.emit(pairs)
    columns = (Column("Original", ident=True), Column("Replay", ident=True))
    tables.show(out, columns, [[p["run_id"], p["replay_run_id"]] for p in pairs])


@runs.command("rerun")
@click.argument("run_id")
@click.option("--from-step", "step", help="Rerun from this step (id or name); default: all.")
@click.pass_obj
def runs_rerun(obj: Context, run_id: str, step: str | None) -> None:
    """Rerun RUN_ID from a step, the steps before it reused (prints the new run id)."""
    body = {"fromStep": {"stepId": step}} if step else {}
    new = obj.api.request("POST", f"/v2/runs/{run_id}/rerun", json=body)["data"]
    return obj.emit(new) if obj.as_json else click.echo(new["runId"])
