"""`python -m inngest_lambda lint [PATHS]`: findings on stdout, a summary on stderr.

Exit status: 0 clean, 1 findings, 2 usage errors or files that cannot be parsed (an unparsable file
was not checked, so "no findings" would be a false all-clear).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from .engine import lint_paths
from .rules import RULES

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2
DEFAULT_PATHS = ("functions",)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, separate so `--help` text can be tested and documented."""
    parser = argparse.ArgumentParser(
        prog="python -m inngest_lambda lint",
        description="Check Inngest functions for replay-safety problems (rules DUR001-DUR006).",
    )
    parser.add_argument(
        "paths", nargs="*", help="files or directories to lint (default: functions)"
    )
    parser.add_argument(
        "--select",
        metavar="CODES",
        help="comma-separated rule codes to report (default: all)",
    )
    parser.add_argument("--list-rules", action="store_true", help="print the rules and exit")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the linter; returns the exit status (argparse itself exits 2 on bad usage)."""
    args = build_parser().parse_args(argv)
    if args.list_rules:
        for rule in RULES.values():
            print(f"{rule.code}  {rule.name:<22} {rule.summary}")
        return EXIT_CLEAN
    select = None
    if args.select:
        select = {code.strip().upper() for code in args.select.split(",") if code.strip()}
        unknown = sorted(select - set(RULES))
        if unknown:
            print(f"error: unknown rule code(s): {', '.join(unknown)}", file=sys.stderr)
            return EXIT_ERROR
    started = time.perf_counter()
    result = lint_paths(args.paths or DEFAULT_PATHS, select)
    elapsed = time.perf_counter() - started
    for diagnostic in result.diagnostics:
        print(diagnostic.format())
    for error in result.errors:
        print(error, file=sys.stderr)
    count = len(result.diagnostics)
    files = f"{result.files_checked} file{'s' if result.files_checked != 1 else ''}"
    if result.errors:
        print(f"{len(result.errors)} error(s), {count} finding(s) in {files}", file=sys.stderr)
        return EXIT_ERROR
    if count:
        print(f"Found {count} problem(s) in {files} ({elapsed:.2f}s)", file=sys.stderr)
        return EXIT_FINDINGS
    print(f"All checks passed: {files} ({elapsed:.2f}s)", file=sys.stderr)
    return EXIT_CLEAN
