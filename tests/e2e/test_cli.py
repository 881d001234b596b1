"""The operator CLI against the local stack: tables, --json, replay, exit statuses; in an
80-column terminal (issue 21): every table line fits, ids are never split, `--wide` shows every
column, and `runs watch` follows a run to its end."""

from __future__ import annotations

import json
import re
import time

import pytest

from inngest_lambda.__main__ import main as dispatch
from inngest_lambda.cli.main import main

ULID = re.compile(r"\b[0-9A-HJKMNP-TV-Z]{26}\b")
PART = re.compile(r"[0-9A-HJKMNP-TV-Z]{6,}")


@pytest.fixture()
def cli(stack, capsys, monkeypatch):
    monkeypatch.setenv("INNGEST_LAMBDA_URL", stack.url)
    monkeypatch.delenv("INNGEST_SIGNING_KEY", raising=False)

    def run(*args: str) -> tuple[int, str, str]:
        status = main(list(args))
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return run


@pytest.fixture()
def columns_80(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")


def test_runs_list_show_and_json(api, cli):
    run = api.wait_run(api.send("e2e/three", {"n": 3}))
    status, out, _ = cli("runs", "list", "--function", "e2e-three-steps")
    assert status == 0 and run["run_id"] in out and "Completed" in out
    status, out, _ = cli("--json", "runs", "list", "--status", "completed", "--since", "1h")
    data = json.loads(out)["data"]
    assert status == 0 and run["run_id"] in [r["run_id"] for r in data]
    assert {r["status"] for r in data} == {"Completed"}
    status, out, _ = cli("runs", "show", run["run_id"])
    assert status == 0
    for name in ("add-one", "double", "describe", "3->4->8"):
        assert name in out
    status, out, _ = cli("--json", "runs", "show", run["run_id"])
    assert json.loads(out)["output"] == run["output"]


def test_replay_prints_the_new_run_id(api, cli):
    run = api.wait_run(api.send("e2e/three", {"n": 1}))
    status, out, _ = cli("runs", "replay", run["run_id"])
    new_id = out.strip()
    assert status == 0 and new_id != run["run_id"]
    assert api.run(new_id)["replay_of"] == run["run_id"]


def test_rerun_from_a_step_prints_the_new_run_id_and_names_a_bad_step(api, cli):
    run = api.wait_run(api.send("e2e/three", {"n": 2}))
    status, out, _ = cli("runs", "rerun", run["run_id"], "--from-step", "double")
    new_id = out.strip()
    assert status == 0 and new_id != run["run_id"]
    api.wait_run(run["event_id"], count=2)  # the rerun is a second run of the same event
    rerun = api.run(new_id)
    assert (rerun["status"], rerun["output"]) == ("Completed", run["output"])
    status, out, _ = cli("runs", "show", new_id)
    double = next(s["id"] for s in run["steps"] if s["name"] == "double")
    assert status == 0 and f"rerun of  {run['run_id']}\nfrom step {double}\n" in out
    status, _, err = cli("runs", "rerun", run["run_id"], "--from-step", "triple")
    assert status == 1 and "step 'triple' not found" in err


def test_bulk_replay_asks_first_and_shows_progress(api, cli, monkeypatch):
    failed = api.wait_run(api.send("e2e/nonretry"))["run_id"]
    args = ("runs", "replay", "--function", "e2e-non-retriable", "--since", "1h")
    monkeypatch.setattr("sys.stdin", open("/dev/null"))  # noqa: SIM115 - nobody answers
    status, _, err = cli(*args)
    assert status == 1 and "Replay" in err
    assert api.runs(api.run(failed)["event_id"]) == [api.runs(api.run(failed)["event_id"])[0]]
    status, out, err = cli("--json", *args, "--yes")
    pairs = json.loads(out)
    assert status == 0 and failed in [p["run_id"] for p in pairs]
    assert all(api.run(p["replay_run_id"])["replay_of"] == p["run_id"] for p in pairs)


def test_redrive_resumes_nothing_early_and_refuses_an_ended_run(api, cli):
    sent = time.time()
    event_id = api.send("e2e/sleep", {"seconds": 2})
    sleeping = api.wait_step(event_id, "nap", "Scheduled")
    status, out, _ = cli("runs", "redrive", sleeping["run_id"])
    assert status == 0 and f"re-driving {sleeping['run_id']}" in out
    run = api.wait_run(event_id)
    assert run["status"] == "Completed"
    assert time.time() - sent >= 2  # slept its time: the redrive did not wake it early
    status, _, err = cli("runs", "redrive", run["run_id"])
    assert status == 1 and "has already ended (Completed)" in err
    status, _, err = cli("--json", "runs", "redrive", "01JUNKNOWNRUN0000000000000")
    assert status == 3 and "not found" in err


def test_events_send_and_list(api, cli):
    status, out, _ = cli("events", "send", "e2e/three", "--data", '{"n": 5}')
    event_id = out.strip()
    assert status == 0 and api.wait_run(event_id)["output"]["c"] == "5->6->12"
    status, out, _ = cli("--json", "events", "list", "--name", "e2e/three")
    assert status == 0 and event_id in [e["id"] for e in json.loads(out)["data"]]
    status, _, err = cli("events", "send", "e2e/three", "--data", "[1]")
    assert status == 1 and "--data must be a JSON object" in err


def test_errors_name_the_problem_with_their_exit_status(cli):
    status, _, err = cli("runs", "show", "01JUNKNOWNRUN0000000000000")
    assert status == 3 and "run 01JUNKNOWNRUN0000000000000 not found" in err
    status, _, err = cli("--url", "http://127.0.0.1:9", "runs", "list")
    assert status == 5 and "cannot reach http://127.0.0.1:9" in err
    status, _, err = cli("runs", "list", "--status", "Done")
    assert status == 1 and "unknown status 'Done'" in err
    status, _, err = cli("runs", "replay")
    assert status == 2 and "--function" in err


def test_python_dash_m_dispatches_to_the_cli(api, stack, monkeypatch, capsys):
    monkeypatch.setenv("INNGEST_LAMBDA_URL", stack.url)
    assert dispatch(["runs", "list", "--limit", "1"]) == 0
    assert "Run" in capsys.readouterr().out


def test_functions_pause_list_resume_and_replay_the_skipped(api, cli):
    fn = "e2e-three-steps"
    status, out, _ = cli("functions", "pause", fn)
    try:
        assert status == 0 and f"{fn} paused since" in out
        status, out, _ = cli("functions", "pause", fn)
        assert status == 0 and "already paused" in out
        status, out, _ = cli("--json", "functions", "list")
        assert {f["id"]: f["isPaused"] for f in json.loads(out)["data"]}[fn] is True
        event_id = api.send("e2e/three", {"n": 2})
        (skipped,) = api.runs(event_id)  # recorded as the event is accepted
        assert (skipped["status"], skipped["output"]["reason"]) == ("Skipped", "FunctionPaused")
        status, out, _ = cli("runs", "list", "--function", fn, "--status", "Skipped")
        assert status == 0 and skipped["run_id"] in out
    finally:
        status, out, _ = cli("--json", "functions", "resume", fn, "--replay-skipped")
    assert status == 0
    body = json.loads(out)
    assert body["data"]["wasPaused"] is True
    replayed = {p["run_id"]: p["replay_run_id"] for p in body["replayed"]}
    assert skipped["run_id"] in replayed
    deadline = time.time() + 30
    while api.run(replayed[skipped["run_id"]])["status"] != "Completed":
        assert time.time() < deadline, "the replay did not complete"
        time.sleep(0.1)
    status, _, err = cli("functions", "pause", "no-such-fn")
    assert status == 3 and "function no-such-fn not found" in err


def test_bulk_cancel_dry_run_counts_then_the_job_cancels(api, cli):
    tag = f"cli-{time.time_ns()}"
    events = [api.send("e2e/sleep", {"seconds": 600, "tag": tag}) for _ in range(3)]
    for event_id in events:
        api.wait_step(event_id, "nap", "Scheduled")
    where = ("--function", "e2e-sleeper", "--since", "10m", "--if", f"event.data.tag == '{tag}'")
    status, out, _ = cli("runs", "cancel", *where, "--dry-run")
    assert status == 0 and "3 run(s) of e2e-sleeper would be cancelled" in out, out
    assert {api.runs(e)[0]["status"] for e in events} == {"Running"}  # a dry run cancels nothing
    status, out, _ = cli("--json", "runs", "cancel", *where)
    assert status == 0, out
    job_id = json.loads(out)["id"]
    deadline = time.time() + 30
    while (job := api.http.get(f"/v1/cancellations/{job_id}").json()["data"])["status"] != "Done":
        assert time.time() < deadline, f"the bulk cancel did not finish: {job}"
        time.sleep(0.1)
    assert job["progress"]["cancelled"] == 3
    assert {api.runs(e)[0]["status"] for e in events} == {"Cancelled"}
    status, _, err = cli("runs", "cancel", "--function", "e2e-sleeper", "--if", "event.data ==")
    assert status == 1 and "invalid expression" in err
    status, _, err = cli("runs", "cancel", "--function", "no-such-fn")
    assert status == 3 and "function no-such-fn not found" in err


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


def test_listings_fit_80_columns_with_whole_ids(cli, runs, columns_80):
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


def test_times_are_compact_in_80_columns_and_wide_shows_every_column(cli, runs, columns_80):
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


def test_watch_follows_a_sleeping_run_to_its_end(api, cli, columns_80):
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


def test_watch_exits_with_the_status_of_the_run(api, cli, columns_80):
    failed = api.wait_run(api.send("e2e/nonretry"))
    status, out, _ = cli("runs", "watch", failed["run_id"])
    assert status == 6, out
    assert re.match(r"Failed +\[-+\] 0/0  NonRetriableError: card declined$", out.splitlines()[-1])
    status, out, _ = cli("--json", "runs", "watch", failed["run_id"])
    assert status == 6 and json.loads(out)["status"] == "Failed"
    status, _, err = cli("runs", "watch", "01JUNKNOWNRUN0000000000000")
    assert status == 3 and "not found" in err
