"""`python -m inngest_lambda <command> [args]`.

A tiny dispatcher: each command's module is imported only when that command runs, so `lint` does
not pay for the runtime's imports (boto3, the SDK) and other commands can be added as one line.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

# command -> module exposing `main(argv: Sequence[str]) -> int` (or "module:function")
COMMANDS: dict[str, str] = {
    "lint": "inngest_lambda.lint.cli",
    "runs": "inngest_lambda.cli.main:runs_main",
    "events": "inngest_lambda.cli.main:events_main",
    "functions": "inngest_lambda.cli.main:functions_main",
    "upgrade": "inngest_lambda.storage.upgrade_status",
}


def main(argv: Sequence[str] | None = None) -> int:
    """Dispatch to the command's `main`; exit status 2 on an unknown or missing command."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(f"usage: python -m inngest_lambda {{{','.join(COMMANDS)}}} [args]", file=sys.stderr)
        return 0 if args else 2
    command, rest = args[0], args[1:]
    if command not in COMMANDS:
        print(f"error: unknown command {command!r} (known: {', '.join(COMMANDS)})", file=sys.stderr)
        return 2
    module_name, _, attr = COMMANDS[command].partition(":")
    module = importlib.import_module(module_name)
    status: int = getattr(module, attr or "main")(rest)
    return status


if __name__ == "__main__":
    sys.exit(main())
