"""The command tree's root: the options every command shares (`--url`, `--stack`,
`--signing-key`, `--json`), the groups (`runs.py`, `functions.py`, `events.py`), and the entry
point of the console script and of `python -m inngest_lambda runs|events|functions`.

Tables and progress go to people (Rich); `--json` prints the API's JSON for scripts. Errors are
one line on stderr naming the problem, with the exit statuses of `client.py` (and `runs watch`'s
of `watch.py`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import click

from inngest_lambda.cli.client import EXIT_ERROR, CliError, stack_url
from inngest_lambda.cli.context import Context, err
from inngest_lambda.cli.events import events
from inngest_lambda.cli.functions import functions
from inngest_lambda.cli.runs import runs

DEFAULT_URL = "http://127.0.0.1:8288"


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


cli.add_command(runs)
cli.add_command(functions)
cli.add_command(events)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script and of `python -m inngest_lambda runs|events`."""
    try:
        status = cli.main(
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
    # A command's own exit status (`runs watch`: click.exceptions.Exit), else 0.
    return status if isinstance(status, int) else 0


def runs_main(argv: Sequence[str]) -> int:
    """`python -m inngest_lambda runs ...`."""
    return main(["runs", *argv])


def events_main(argv: Sequence[str]) -> int:
    """`python -m inngest_lambda events ...`."""
    return main(["events", *argv])


def functions_main(argv: Sequence[str]) -> int:
    """`python -m inngest_lambda functions ...`."""
    return main(["functions", *argv])


def _prog() -> str:
    return (
        "inngest-lambda"
        if os.path.basename(sys.argv[0]) == "inngest-lambda"
        else ("python -m inngest_lambda")
    )


if __name__ == "__main__":
    sys.exit(main())
