"""`functions list|pause|resume`: the deployment's functions, and stopping and starting them."""

from __future__ import annotations

import os

import click

from inngest_lambda.cli import tables
from inngest_lambda.cli.context import Context, out, wide_option
from inngest_lambda.cli.paging import MAX_BULK
from inngest_lambda.cli.tables import Column

FUNCTION_COLUMNS = (
    # A function id is what `functions pause` takes: whole, like a run id.
    Column("Function", ident=True),
    Column("App", min_width=3),
    Column("Paused", style=lambda v: "red"),
    Column("Runs (24 h)", min_width=11),
)


@click.group()
def functions() -> None:
    """Functions: list them, pause and resume them."""


@functions.command("list")
@wide_option
@click.pass_obj
def functions_list(obj: Context, wide: bool) -> None:
    """Every function, whether it is paused, and its runs of the last 24 hours."""
    body = obj.api.request("GET", "/v1/functions")
    if obj.as_json:
        return obj.emit(body)
    if not body["data"]:
        return out.print("No functions.")
    rows = []
    for f in body["data"]:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(f.get("counts", {}).items()) if v)
        rows.append([f["id"], f["app_id"], "paused" if f.get("isPaused") else "", counts])
    tables.show(out, FUNCTION_COLUMNS, rows, wide)


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
