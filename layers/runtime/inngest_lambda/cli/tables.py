"""Tables that fit the terminal: one line per row, ids whole, other cells elided.

People copy ids (a run's ULID is 26 characters) from these tables into the next command, so an
id column is never cut and never wrapped; when a table is wider than the terminal, the other
columns give way instead, widest first, down to their header's width (a cut cell ends in "…",
and never inside an id it quotes, such as a run id in an event's data); if that is not enough,
the rightmost columns that are not ids are dropped. Every row is one line, at most `width`
characters. With `wide`, every column (also those marked `wide_only`) is shown in full, however
long the lines get.

The width is the terminal's (`COLUMNS` first, as `shutil.get_terminal_size` reads it), and 80
when the output is not a terminal (a pipe, a file, a test).

Rich prints the lines (styles, terminal detection) but does not lay them out: its `Table`, when
too wide, folds cells onto more lines or, as a last resort, narrows every column evenly, ids
included, and it never leaves a column out.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import sys
from collections.abc import Callable, Sequence
from typing import TextIO

from rich.console import Console
from rich.text import Text

DEFAULT_WIDTH = 80
GAP = 2  # spaces between two columns
ELLIPSIS = "…"
# A ULID as the API writes them (Crockford base32, 26 characters): cells never cut through one.
_ULID = re.compile(r"[0-9A-HJKMNP-TV-Z]{26}")


@dataclasses.dataclass(frozen=True)
class Column:
    name: str
    ident: bool = False  # an id: never cut, never dropped
    wide_only: bool = False  # shown only with --wide
    min_width: int = 0  # narrowest it gets before columns are dropped (default: its header)
    style: Callable[[str], str] | None = None  # a Rich style for a cell's text


def terminal_width(stream: TextIO | None = None) -> int:
    """Columns to fit: `COLUMNS`, else the terminal's, else (not a terminal) 80."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    stream = stream or sys.stdout
    if stream.isatty():
        return shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns
    return DEFAULT_WIDTH


def elide(text: str, width: int) -> str:
    """`text` in at most `width` characters: cut, ending in "…", before any id it would split."""
    if len(text) <= width:
        return text
    if width <= 0:
        return ""
    cut = width - 1
    for match in _ULID.finditer(text):
        if match.start() < cut < match.end():
            cut = match.start()
            break
    return text[:cut] + ELLIPSIS


def fit(columns: Sequence[Column], rows: Sequence[Sequence[str]], width: int) -> list[int | None]:
    """Each column's width (None: dropped) so that a row is at most `width` characters."""
    natural = [max([len(c.name), *(len(row[i]) for row in rows)]) for i, c in enumerate(columns)]
    shown: list[int | None] = list(natural)
    floors = [
        n if c.ident else min(n, max(c.min_width or len(c.name), 1))
        for c, n in zip(columns, natural, strict=True)
    ]

    def total() -> int:
        kept = [w for w in shown if w is not None]
        return sum(kept) + GAP * (len(kept) - 1)

    while total() > width:
        over = total() - width
        shrinkable = [i for i, w in enumerate(shown) if w is not None and w > floors[i]]
        if shrinkable:
            widest = max(shrinkable, key=lambda i: shown[i] or 0)
            room = (shown[widest] or 0) - floors[widest]
            shown[widest] = (shown[widest] or 0) - min(room, over, max(1, over // len(shrinkable)))
            continue
        droppable = [i for i, w in enumerate(shown) if w is not None and not columns[i].ident]
        if not droppable:
            break  # only ids left: they are never cut
        shown[droppable[-1]] = None
    return shown


def render(
    columns: Sequence[Column], rows: Sequence[Sequence[str]], width: int, wide: bool = False
) -> list[Text]:
    """The table's lines (a header, then one line per row), styled for Rich."""
    picked = [i for i, c in enumerate(columns) if wide or not c.wide_only]
    cols = [columns[i] for i in picked]
    cells = [[row[i] for i in picked] for row in rows]
    widths: list[int | None]
    if wide:
        widths = [max([len(c.name), *(len(r[i]) for r in cells)]) for i, c in enumerate(cols)]
    else:
        widths = fit(cols, cells, width)
    lines = [_line([(c.name, w, "bold") for c, w in zip(cols, widths, strict=True)])]
    for row in cells:
        parts = []
        for c, w, value in zip(cols, widths, row, strict=True):
            parts.append((value, w, c.style(value) if c.style and value else ""))
        lines.append(_line(parts))
    return lines


def _line(parts: Sequence[tuple[str, int | None, str]]) -> Text:
    line = Text()
    kept = [(v, w, s) for v, w, s in parts if w is not None]
    for n, (value, w, style) in enumerate(kept):
        cell = elide(value, w)
        line.append(cell, style=style or None)
        if n < len(kept) - 1:
            line.append(" " * (w - len(cell) + GAP))
    line.rstrip()
    return line


def show(
    console: Console,
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    wide: bool = False,
    width: int | None = None,
) -> None:
    """Print the table to `console`, each line as it is (never wrapped or cropped by Rich)."""
    for line in render(columns, rows, width or terminal_width(console.file), wide):
        print_line(console, line)


def print_line(console: Console, line: Text | str) -> None:
    console.print(line, soft_wrap=True, crop=False, overflow="ignore", markup=False)


STATUS_STYLES = {
    "Completed": "green",
    "Failed": "red",
    "Running": "blue",
    "Queued": "yellow",
    "Cancelled": "dim",
    "Skipped": "magenta",
}


def status_style(status: str) -> str:
    """The colour of a run's or a step's status, wherever it is shown."""
    return STATUS_STYLES.get(status, "")
