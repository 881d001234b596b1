"""`runs watch RUN_ID`: follow a run live until it ends, with a progress bar of its steps.

It polls `GET /v1/runs/{id}` every `--interval` seconds (each poll is one GetItem of the run
and one Query of its steps on the deployment, as `runs show`). The progress line shows the
run's status, a bar of its finished steps out of the steps known so far (a run only reveals a
step when it reaches it, so the total grows as it goes), and the step it is on: its name,
attempt and what it waits for. On a terminal the line is redrawn in place (Rich's `Live`);
otherwise one plain line is appended each time it changes, so a CI log reads as a history.

The command exits when the run has ended, with an exit status that says how (documented in
docs/cli.md): 0 Completed, 6 Failed, 7 Cancelled, 8 Skipped; 9 if `--timeout` passed first.
With `--json` it prints no progress, only the ended run as `runs show --json` prints it.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any

import click
from rich.console import Console
from rich.live import Live
from rich.text import Text

from inngest_lambda.cli import tables, times
from inngest_lambda.cli.context import Context, out
from inngest_lambda.cli.paging import Requester

EXIT_BY_STATUS = {"Completed": 0, "Failed": 6, "Cancelled": 7, "Skipped": 8}
EXIT_TIMEOUT = 9
BAR_WIDTH = 10
DONE_STEPS = ("Completed", "Failed")


@dataclasses.dataclass(frozen=True)
class Snapshot:
    """Where a run is, as the progress line shows it."""

    status: str
    done: int  # steps finished (Completed or Failed)
    known: int  # steps the run has reached so far
    doing: str  # the step it is on and what it waits for, or how it ended

    @property
    def ended(self) -> bool:
        return self.status in EXIT_BY_STATUS


def snapshot(run: dict[str, Any]) -> Snapshot:
    """The progress of a run view (`GET /v1/runs/{id}`'s `data`, with its steps)."""
    steps = run.get("steps", [])
    done = sum(1 for s in steps if s["status"] in DONE_STEPS)
    status = run["status"]
    pending = [s for s in steps if s["status"] not in DONE_STEPS]
    if status in EXIT_BY_STATUS:
        doing = _ending(run, steps)
    elif pending:
        doing = _step(pending[0]) + (f" (+{len(pending) - 1} more)" if len(pending) > 1 else "")
    elif status == "Queued" and run.get("starts_at"):
        doing = f"starts at {times.clock(run['starts_at'])}"
    else:
        doing = "running" if status == "Running" else ""
    return Snapshot(status, done, len(steps), doing)


def _step(s: dict[str, Any]) -> str:
    """The step a run is on: its name, attempt (1 for the first) and what it waits for."""
    name, op, until = s["name"], s["op"], s.get("scheduled_for")
    if op == "Sleep":
        return f"{name}: sleeping until {times.clock(until)}" if until else f"{name}: sleeping"
    if op == "WaitForEvent":
        return f"{name}: waiting for an event"
    if op == "InvokeFunction":
        return f"{name}: waiting for the invoked run"
    attempt = f"{name} attempt {s['attempts'] + 1}"
    if s["status"] == "Scheduled" and until:
        return f"{attempt}: retry at {times.clock(until)}"
    return attempt


def _ending(run: dict[str, Any], steps: list[dict[str, Any]]) -> str:
    took = times.duration(run.get("run_started_at"), run.get("ended_at"))
    error = run.get("output") if run["status"] == "Failed" else None
    if isinstance(error, dict) and error.get("message"):
        failed = [s["name"] for s in steps if s["status"] == "Failed"]
        where = f"{failed[-1]}: " if failed else ""
        return f"{where}{error.get('name', 'Error')}: {error['message']}"
    return f"took {took}" if took else ""


def progress_line(snap: Snapshot, width: int, styled: bool) -> Text:
    """`Running   [####------] 1/2  nap: sleeping until 00:11:32`, cut to `width`."""
    filled = round(BAR_WIDTH * snap.done / snap.known) if snap.known else 0
    if snap.ended and snap.status == "Completed":
        filled = BAR_WIDTH
    line = Text()
    line.append(f"{snap.status:<9} ", style=tables.status_style(snap.status) if styled else None)
    if styled:
        line.append("━" * filled, style="green")
        line.append("━" * (BAR_WIDTH - filled), style="dim")
        line.append(" ")
    else:
        line.append(f"[{'#' * filled}{'-' * (BAR_WIDTH - filled)}] ")
    line.append(f"{snap.done}/{snap.known}")
    if snap.doing:
        room = width - len(line.plain) - 2
        line.append("  " + tables.elide(snap.doing, room))
    return line


def follow(
    api: Requester,
    run_id: str,
    console: Console,
    interval: float,
    timeout: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> tuple[int, dict[str, Any]]:
    """Poll the run until it ends (or `timeout` passes), showing its progress on `console`;
    returns the exit status and the last run view."""
    deadline = None if timeout is None else clock() + timeout
    run = api.request("GET", f"/v1/runs/{run_id}")["data"]
    width = tables.terminal_width(console.file)
    header = tables.elide(f"{run_id}  {run['function_id']}", width)
    tables.print_line(console, Text(header, style="bold" if console.is_terminal else None))
    live = Live(console=console, auto_refresh=False) if console.is_terminal else None
    shown = ""
    try:
        if live is not None:
            live.start()
        while True:
            snap = snapshot(run)
            line = progress_line(snap, width, styled=live is not None)
            if live is not None:
                live.update(line, refresh=True)
            elif line.plain != shown:
                tables.print_line(console, line)
            shown = line.plain
            if snap.ended:
                return EXIT_BY_STATUS[snap.status], run
            if deadline is not None and clock() >= deadline:
                return EXIT_TIMEOUT, run
            sleep(interval)
            run = api.request("GET", f"/v1/runs/{run_id}")["data"]
    finally:
        if live is not None:
            live.stop()


@click.command("watch")
@click.argument("run_id")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.1),
    default=1.0,
    show_default=True,
    help="Seconds between two polls of the run.",
)
@click.option(
    "--timeout", type=click.FloatRange(min=0), help="Give up after this many seconds (exit 9)."
)
@click.pass_obj
def watch(obj: Context, run_id: str, interval: float, timeout: float | None) -> None:
    """Follow RUN_ID live until it ends; exit 0 Completed, 6 Failed, 7 Cancelled, 8 Skipped."""
    console = out if not obj.as_json else Console(quiet=True)
    status, run = follow(obj.api, run_id, console, interval, timeout)
    if obj.as_json:
        obj.emit(run)
    if status:
        raise click.exceptions.Exit(status)
