"""`events send|list`: send an event as an app would, and list what the deployment received."""

from __future__ import annotations

import json

import click

from inngest_lambda.cli import tables, times
from inngest_lambda.cli.client import CliError
from inngest_lambda.cli.context import Context, err, out, wide_option
from inngest_lambda.cli.paging import pages
from inngest_lambda.cli.tables import Column

EVENT_COLUMNS = (
    Column("Event", ident=True),
    Column("Name", min_width=12),
    Column("Received", min_width=8),
    Column("Data", min_width=10),
)


@click.group()
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
@wide_option
@click.pass_obj
def events_list(obj: Context, name: str | None, limit: int, wide: bool) -> None:
    """Events, newest first."""
    body = pages(obj.api, "/v1/events", {"name": name}, limit, lambda b: b["cursor"])
    if obj.as_json:
        return obj.emit(body)
    if not body["data"]:
        return out.print("No events.")
    rows = []
    for ev in body["data"]:
        rows.append(
            [
                ev.get("internal_id") or ev.get("id", ""),
                ev.get("name", ""),
                times.cell(str(ev.get("receivedAt") or ""), wide),
                json.dumps(ev.get("data")),
            ]
        )
    tables.show(out, EVENT_COLUMNS, rows, wide)
