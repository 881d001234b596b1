"""What every command gets: the API client, the output mode (`--json`) and the two consoles.

People get tables and progress (Rich, on `out` and `err`); scripts get the API's JSON on stdout
(`emit`). Errors go to `err` as one line (main.py).
"""

from __future__ import annotations

import json
from typing import Any

import click
from rich.console import Console

from inngest_lambda.cli.client import Api

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)


class Context:
    def __init__(self, url: str, signing_key: str | None, as_json: bool) -> None:
        self.api = Api(url, signing_key)
        self.as_json = as_json

    def emit(self, value: Any) -> None:
        click.echo(json.dumps(value, indent=2))


# `--wide` on a command that prints a table.
wide_option = click.option(
    "--wide", "-w", is_flag=True, help="Every column, in full (lines may be longer)."
)
