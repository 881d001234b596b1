"""Tables that fit: ids whole, other cells elided (never through an id), columns dropped last."""

from __future__ import annotations

import json

from inngest_lambda.cli import tables
from inngest_lambda.cli.tables import Column

RUN = "01M91RZZCD50H0NHTRT5TW6RK0"
DATA = json.dumps({"run_id": RUN})
COLUMNS = (
    Column("Run", ident=True),
    Column("Function"),
    Column("Status", min_width=9),
    Column("Data"),
)
ROWS = [
    [RUN, "shop-fulfil-order-with-a-very-long-name", "Completed", DATA],
    ["01M91RZZTAPX97V9KDSEBREWNB", "f", "Failed", "{}"],
]


def lines(width: int, wide: bool = False) -> list[str]:
    return [t.plain for t in tables.render(COLUMNS, ROWS, width, wide)]


def test_every_line_fits_and_ids_stay_whole() -> None:
    for width in (80, 60, 45):
        out = lines(width)
        assert len(out) == 3 and all(len(line) <= width for line in out), (width, out)
        assert out[1].startswith(RUN + "  ") and out[2].startswith("01M91RZZTAPX97V9KDSEBREWNB")


def test_cells_give_way_widest_first_and_never_cut_an_id() -> None:
    header, row, _ = lines(80)
    assert header.split() == ["Run", "Function", "Status", "Data"]
    assert "Completed" in row and "…" in row
    assert RUN[:6] not in row[len(RUN) :]  # the data's run id is dropped whole, not cut
    assert tables.elide(DATA, 20) == '{"run_id": "…'
    assert tables.elide("short", 20) == "short"


def test_columns_are_dropped_from_the_right_when_cells_cannot_shrink_enough() -> None:
    header, row, _ = lines(42)
    assert header.split() == ["Run", "Function"] and RUN in row
    header, *_ = lines(20)
    assert header.split() == ["Run"]  # an id is never dropped, even past the width


def test_wide_shows_every_cell_in_full() -> None:
    header, row, _ = lines(40, wide=True)
    assert row.split(maxsplit=3)[1] == "shop-fulfil-order-with-a-very-long-name"
    assert row.endswith(DATA)


def test_the_width_is_columns_then_the_terminal_then_80(monkeypatch) -> None:
    class Pipe:
        def isatty(self) -> bool:
            return False

    monkeypatch.setenv("COLUMNS", "132")
    assert tables.terminal_width(Pipe()) == 132
    monkeypatch.delenv("COLUMNS")
    assert tables.terminal_width(Pipe()) == 80
