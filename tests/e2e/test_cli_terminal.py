"""The CLI in an 80-column terminal (issue 21): every table line fits, ids are never split,
`--wide` shows every column, and `runs watch` follows a run to its end."""

from __future__ import annotations

import json
import re

import pytest

from inngest_lambda.cli.main import main

ULID = re.compile(r"\b[0-9A-HJKMNP-TV-Z]{26}\b")
PART = re.compile(r"[0-9A-HJKMNP-TV-Z]{6,}")


@pytest.fixture()
def cli(stack, capsys, monkeypatch):
    monkeypatch.setenv("INNGEST_LAMBDA_URL", stack.url)
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.delenv("INNGEST_SIGNING_KEY", raising=False)

    def run(*args: str) -> tuple[int, str, str]:
        status = main(list(args))
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return run


@pytest.fixture()
def runs(api):
    """A completed, a failed and a sleeping run of functions with long-ish ids and outputs."""
    done = api.wait_run(api.send("e2e/three", {"n": 3}))
    failed = api.wait_run(api.send("e2e/nonretry"))
    sleeping = api.wait_step(api.send("e2e/sleep", {"seconds": 600}), "nap", "Scheduled")
    return {"done": done, "failed": failed, "sleeping": sleeping}


def assert_fits(out: str, ids: list[str], quoted: list[str] = (), width: int = 80) -> None:
    """Every line within `width` columns, each id whole on one line, and no part of an id (or
    of an id the output may quote) anywhere: none cut at the end of a line or of a cell."""
    lines = out.splitlines()
    assert lines, "nothing printed"
    too_wide = [line for line in lines if len(line) > width]
    assert not too_wide, f"{len(too_wide)} line(s) over {width} columns:\n" + "\n".join(too_wide)
    for wanted in ids:
        assert any(wanted in line for line in lines), f"{wanted} not whole on one line:\n{out}"
    for token in PART.findall(out):
        parts_of = [i for i in [*ids, *quoted] if token in i and token != i]
        assert not parts_of, f"{token!r} is part of {parts_of[0]}:\n{out}"


def test_listings_fit_80_columns_with_whole_ids(cli, runs):
    status, out, _ = cli("--json", "runs", "list", "--limit", "30")
    listed = [r["run_id"] for r in json.loads(out)["data"]]
    assert {r["run_id"] for r in runs.values()} <= set(listed)
    status, out, _ = cli("runs", "list", "--limit", "30")
    assert status == 0
    assert_fits(out, listed)
    assert set(ULID.findall(out)) == set(listed)
    assert len(out.splitlines()) == 1 + len(listed)  # a header, then one line per run

    status, out, _ = cli("--json", "events", "list")
    events = [e["internal_id"] for e in json.loads(out)["data"]]
    status, out, _ = cli("events", "list")
    assert status == 0
    assert_fits(out, events, quoted=listed)  # nor is a run id quoted in an event's data
    assert len(out.splitlines()) == 1 + len(events)

    for run in runs.values():
        status, out, _ = cli("runs", "show", run["run_id"])
        assert status == 0
        assert_fits(out, [run["run_id"], run["event_id"]])
        for step in run["steps"]:
            assert step["name"] in out

    status, out, _ = cli("functions", "list")
    assert status == 0
    assert_fits(out, ["e2e-three-steps", "e2e-non-retriable", "e2e-sleeper"])


def test_times_are_compact_in_80_columns_and_wide_shows_every_column(cli, runs):
    run = runs["done"]
    status, out, _ = cli("--json", "runs", "list", "--function", "e2e-three-steps")
    listed = json.loads(out)["data"][0]
    status, out, _ = cli("runs", "list", "--function", "e2e-three-steps")
    assert status == 0 and "ago" in out  # created seconds ago: a relative time
    assert listed["created_at"] not in out  # not the full ISO time

    status, out, _ = cli("runs", "list", "--function", "e2e-three-steps", "--wide")
    assert status == 0
    header = out.splitlines()[0].split()
    assert header == [
        "Run",
        "Function",
        "Status",
        "Event",
        "Created",
        "Started",
        "Ended",
        "Duration",
    ]
    row = next(line for line in out.splitlines() if run["run_id"] in line).split()
    assert re.fullmatch(r"\d+ms|\d+\.\ds", row.pop()), row  # how long it took
    assert row == [
        listed["run_id"],
        "e2e-three-steps",
        "Completed",
        listed["event_id"],
        listed["created_at"],
        listed["run_started_at"],
        listed["ended_at"],
    ]

    status, out, _ = cli("runs", "show", run["run_id"], "--wide")
    assert status == 0
    for step in run["steps"]:
        assert step["id"] in out and step["started_at"] in out

    status, out, _ = cli("events", "list", "--name", "e2e/three", "--wide")
    assert status == 0 and out.splitlines()[0].split() == ["Event", "Name", "Received", "Data"]
    assert '{"n": 3}' in out


def test_watch_follows_a_sleeping_run_to_its_end(api, cli):
    event_id = api.send("e2e/sleep", {"seconds": 2})
    sleeping = api.wait_step(event_id, "nap", "Scheduled")
    status, out, _ = cli("runs", "watch", sleeping["run_id"], "--interval", "0.2")
    assert status == 0, out
    header, *lines = out.splitlines()
    assert header == f"{sleeping['run_id']}  e2e-sleeper"
    assert all(len(line) <= 80 for line in lines), out
    # Plain appended lines (not a terminal): one per change, from the sleep to the end.
    assert any(re.search(r"Running .*\] 1/2  nap: sleeping until", line) for line in lines), out
    assert re.match(r"Completed \[#{10}\] 3/3  took \d", lines[-1]), out
    assert len(lines) == len(set(lines)) >= 2  # a line only when something changed
    assert "\r" not in out and "\x1b[" not in out


def test_watch_exits_with_the_status_of_the_run(api, cli):
    failed = api.wait_run(api.send("e2e/nonretry"))
    status, out, _ = cli("runs", "watch", failed["run_id"])
    assert status == 6, out
    assert re.match(r"Failed +\[-+\] 0/0  NonRetriableError: card declined$", out.splitlines()[-1])
    status, out, _ = cli("--json", "runs", "watch", failed["run_id"])
    assert status == 6 and json.loads(out)["status"] == "Failed"
    status, _, err = cli("runs", "watch", "01JUNKNOWNRUN0000000000000")
    assert status == 3 and "not found" in err
