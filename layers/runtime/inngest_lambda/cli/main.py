"""The command tree: `runs list|show|cancel|replay|rerun`, `events send|list`,
`functions list|pause|resume`.

Tables and progress go to people (Rich); `--json` prints the API's JSON for scripts. Errors are
one line on stderr naming the problem, with the exit statuses of `client.py`.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import click
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from inngest_lambda.cli.client import EXIT_ERROR, Api, CliError, stack_url

DEFAULT_URL = "http://127.0.0.1:8288"
MAX_BULK = 500
MAX_PAGES = 50  # requests one `list` makes at most, following cursors
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)


class Context:
    def __init__(self, url: str, signing_key: str | None, as_json: bool) -> None:
        self.api = Api(url, signing_key)
        self.as_json = as_json

    def emit(self, value: Any) -> None:
        click.echo(json.dumps(value, indent=2))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--url",
    envvar="INNGEST_LAMBDA_URL",
    default=DEFAULT_URL,
    show_default=True,
    help="The API's base URL (env INNGEST_LAMBDA_URL).",
)
@click.option("--stack", default=None, help="Use this deployed stack's ApiUrl output instead.")
@click.option(
    "--signing-key",
    envvar="INNGEST_SIGNING_KEY",
    default=None,
    help="Signing key of a deployment (env INNGEST_SIGNING_KEY); not needed locally.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
@click.pass_context
def cli(
    ctx: click.Context, url: str, stack: str | None, signing_key: str | None, as_json: bool
) -> None:
    """Operate inngest-lambda: list, inspect, cancel and replay runs; send and list events."""
    ctx.obj = Context(stack_url(stack) if stack else url, signing_key, as_json)
    ctx.call_on_close(ctx.obj.api.close)


# --- runs ------------------------------------------------------------------------------------
@cli.group()
def runs() -> None:
    """Function runs."""


@runs.command("list")
@click.option("--function", "function_id", help="Only runs of this function id.")
@click.option("--status", help="Queued, Running, Completed, Failed, Cancelled or Skipped.")
@click.option("--since", help="Created at or after: a duration back from now (1h, 7d) or ISO time.")
@click.option("--limit", type=click.IntRange(1, 500), default=20, show_default=True)
@click.pass_obj
def runs_list(
    obj: Context, function_id: str | None, status: str | None, since: str | None, limit: int
) -> None:
    """Runs, newest first."""
    params = {"function_id": function_id, "status": status, "since": since}
    body = _pages(obj.api, "/v1/runs", params, limit, lambda b: b["metadata"]["next_cursor"])
    if obj.as_json:
        return obj.emit(body)
    table = _table("Run", "Function", "Status", "Created", "Ended")
    for r in body["data"]:
        table.add_row(
            r["run_id"],
            r["function_id"],
            _status(r["status"]),
            r["created_at"],
            r.get("ended_at") or "",
        )
    out.print(table if body["data"] else "No runs match.")


@runs.command("show")
@click.argument("run_id")
@click.pass_obj
def runs_show(obj: Context, run_id: str) -> None:
    """One run with its steps."""
    run = obj.api.request("GET", f"/v1/runs/{run_id}")["data"]
    if obj.as_json:
        return obj.emit(run)
    out.print(f"[bold]Run {run['run_id']}[/]  {_status(run['status'])}")
    out.print(f"function {run['function_id']}   event {run['event_id']}")
    out.print(f"started {run.get('run_started_at')}   ended {run.get('ended_at') or '-'}")
    if run.get("starts_at"):
        out.print(f"starts at {run['starts_at']} (scheduled by its event's ts)")
    if run.get("rerun_from"):
        out.print(f"rerun of {run['replay_of']} from step {run['rerun_from']}")
    elif run.get("replay_of"):
        out.print(f"replay of {run['replay_of']}")
    table = _table("Step", "Op", "Status", "Attempts", "Started", "Ended", "Detail")
    for s in run.get("steps", []):
        detail = ""
        if s.get("error"):
            detail = f"{s['error'].get('name')}: {s['error'].get('message')}"
        elif s.get("scheduled_for"):
            detail = f"until {s['scheduled_for']}"
        elif "output" in s:
            detail = json.dumps(s["output"])[:80]
        table.add_row(
            s["name"],
            s["op"],
            _status(s["status"]),
            str(s["attempts"]),
            s.get("started_at") or "",
            s.get("ended_at") or "",
            detail,
        )
    out.print(table)
    out.print("output:" if run["status"] != "Failed" else "error:")
    out.print_json(json.dumps(run.get("output")))


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
    table = _table("Original", "Replay")
    for p in pairs:
        table.add_row(p["run_id"], p["replay_run_id"])
    out.print(table)


@runs.command("rerun")
@click.argument("run_id")
@click.option("--from-step", "step", help="Rerun from this step (id or name); default: all.")
@click.pass_obj
def runs_rerun(obj: Context, run_id: str, step: str | None) -> None:
    """Rerun RUN_ID from a step, the steps before it reused (prints the new run id)."""
    body = {"fromStep": {"stepId": step}} if step else {}
    new = obj.api.request("POST", f"/v2/runs/{run_id}/rerun", json=body)["data"]
    return obj.emit(new) if obj.as_json else click.echo(new["runId"])


# --- functions -------------------------------------------------------------------------------
@cli.group()
def functions() -> None:
    """Functions: list them, pause and resume them."""


@functions.command("list")
@click.pass_obj
def functions_list(obj: Context) -> None:
    """Every function, whether it is paused, and its runs of the last 24 hours."""
    body = obj.api.request("GET", "/v1/functions")
    if obj.as_json:
        return obj.emit(body)
    table = _table("Function", "App", "Paused", "Runs (24 h)")
    for f in body["data"]:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(f.get("counts", {}).items()) if v)
        table.add_row(f["id"], f["app_id"], "[red]paused[/]" if f.get("isPaused") else "", counts)
    out.print(table if body["data"] else "No functions.")


@functions.command("pause")
@click.argument("function_id")
@click.option(
    "--cancel-running",
    is_flag=True,
    help="Cancel its Queued and Running runs now (default: they stop at their next step and "
    "continue on resume).",
)
@click.pass_obj
def functions_pause(obj: Context, function_id: str, cancel_running: bool) -> None:
    """Pause FUNCTION_ID: its events start no runs (recorded Skipped), its cron skips, its
    running runs stop at their next step. Pausing a paused function changes nothing."""
    by = f"cli:{os.environ.get('USER') or 'unknown'}"
    body = obj.api.request(
        "POST",
        f"/v1/functions/{function_id}/pause",
        json={"cancelRunning": cancel_running, "by": by},
    )
    if obj.as_json:
        return obj.emit(body)
    data = body["data"]
    state = "paused" if data["changed"] else "already paused"
    out.print(f"{function_id} {state} since {data['pausedAt']}")
    if data["cancelled"]:
        out.print(f"cancelled {len(data['cancelled'])} running run(s)")


@functions.command("resume")
@click.argument("function_id")
@click.option(
    "--replay-skipped",
    is_flag=True,
    help="Then replay the runs the pause skipped (Skipped, reason FunctionPaused; up to 500).",
)
@click.pass_obj
def functions_resume(obj: Context, function_id: str, replay_skipped: bool) -> None:
    """Resume FUNCTION_ID: new events start runs again, parked runs continue at once."""
    body = obj.api.request("POST", f"/v1/functions/{function_id}/unpause")
    replayed: list[dict[str, str]] = []
    if replay_skipped:
        replayed = obj.api.request(
            "POST",
            "/v1/runs/replay",
            json={
                "function_id": function_id,
                "status": "Skipped",
                "reason": "FunctionPaused",
                "limit": MAX_BULK,
            },
        )["data"]
    if obj.as_json:
        return obj.emit({**body, "replayed": replayed})
    data = body["data"]
    state = "resumed" if data["wasPaused"] else "was not paused"
    out.print(f"{function_id} {state}; {data['redriven']} parked run(s) continue")
    if replay_skipped:
        out.print(f"replayed {len(replayed)} skipped run(s)")
        for p in replayed:
            out.print(f"{p['run_id']} -> {p['replay_run_id']}")


def functions_main(argv: Sequence[str]) -> int:
    """`python -m inngest_lambda functions ...`."""
    return main(["functions", *argv])


# --- events ----------------------------------------------------------------------------------
@cli.group()
def events() -> None:
    """Events."""


@events.command("send")
@click.argument("name")
@click.option("--data", default="{}", show_default=True, help="event.data as a JSON object.")
@click.option(
    "--event-key",
    envvar="INNGEST_EVENT_KEY",
    default="local",
    help="Event key of a deployment (env INNGEST_EVENT_KEY).",
)
@click.pass_obj
def events_send(obj: Context, name: str, data: str, event_key: str) -> None:
    """Send an event; prints its id and the runs it started."""
    try:
        payload = json.loads(data)
    except ValueError as exc:
        raise CliError(f"--data is not valid JSON: {exc}") from exc
    if not isinstance(payload, dict):
        raise CliError("--data must be a JSON object")
    try:
        body = obj.api.request("POST", f"/e/{event_key}", json={"name": name, "data": payload})
    except CliError as exc:
        if "event key" in str(exc):
            raise CliError(f"{exc}: set INNGEST_EVENT_KEY or --event-key", exc.status) from exc
        raise
    if obj.as_json:
        return obj.emit(body)
    for event_id in body["ids"]:
        click.echo(event_id)
    for problem in body.get("trigger_errors", []):
        err.print(f"[yellow]trigger error:[/] {problem}")


@events.command("list")
@click.option("--name", help="Only events with this name.")
@click.option("--limit", type=click.IntRange(1, 100), default=20, show_default=True)
@click.pass_obj
def events_list(obj: Context, name: str | None, limit: int) -> None:
    """Events, newest first."""
    body = _pages(obj.api, "/v1/events", {"name": name}, limit, lambda b: b["cursor"])
    if obj.as_json:
        return obj.emit(body)
    table = _table("Event", "Name", "Received", "Data")
    for ev in body["data"]:
        table.add_row(
            ev.get("internal_id") or ev.get("id", ""),
            ev.get("name", ""),
            str(ev.get("receivedAt") or ""),
            json.dumps(ev.get("data"))[:60],
        )
    out.print(table if body["data"] else "No events.")


class Requester(Protocol):
    """What `_pages` needs of the API client (`client.Api`)."""

    def request(self, method: str, path: str, **kwargs: Any) -> Any: ...


def _pages(
    api: Requester,
    path: str,
    params: dict[str, Any],
    limit: int,
    cursor_of: Callable[[dict[str, Any]], str | None],
) -> dict[str, Any]:
    """Up to `limit` items of a listing, following its cursor: a page of the API may hold fewer
    than asked for (one that looked through its read budget of Queued/Running runs, or of
    events stored before an upgrade, ends early). At most MAX_PAGES requests, each bounded; the
    body returned is the last page's, with every page's `data`."""
    data: list[Any] = []
    query = {k: v for k, v in params.items() if v}
    for _ in range(MAX_PAGES):
        body: dict[str, Any] = api.request(
            "GET", path, params={**query, "limit": limit - len(data)}
        )
        data += body["data"]
        cursor = cursor_of(body)
        if len(data) >= limit or not cursor:
            break
        query["cursor"] = cursor
    return {**body, "data": data}


def _table(*columns: str) -> Table:
    """Ids never truncated (people copy them); other columns fold onto more lines."""
    table = Table()
    for name in columns:
        ident = name in ("Run", "Event", "Original", "Replay")
        table.add_column(name, no_wrap=ident, min_width=26 if ident else None, overflow="fold")
    return table


def _status(status: str) -> str:
    color = {
        "Completed": "green",
        "Failed": "red",
        "Running": "blue",
        "Queued": "yellow",
        "Cancelled": "dim",
        "Skipped": "magenta",
    }.get(status, "white")
    return f"[{color}]{status}[/]"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script and of `python -m inngest_lambda runs|events`."""
    try:
        cli.main(
            args=list(sys.argv[1:] if argv is None else argv),
            prog_name=_prog(),
            standalone_mode=False,
        )
    except CliError as exc:
        err.print(f"error: {exc}", markup=False, style="red")
        return exc.status
    except click.exceptions.Abort:
        err.print("aborted")
        return EXIT_ERROR
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    return 0


def runs_main(argv: Sequence[str]) -> int:
    """`python -m inngest_lambda runs ...`."""
    return main(["runs", *argv])


def events_main(argv: Sequence[str]) -> int:
    """`python -m inngest_lambda events ...`."""
    return main(["events", *argv])


def _prog() -> str:
    return (
        "inngest-lambda"
        if os.path.basename(sys.argv[0]) == "inngest-lambda"
        else ("python -m inngest_lambda")
    )


if __name__ == "__main__":
    sys.exit(main())
