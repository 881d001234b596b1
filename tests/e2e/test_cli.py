"""The operator CLI against the local stack: tables, --json, replay, exit statuses."""

from __future__ import annotations

import json
import time

import pytest

from inngest_lambda.__main__ import main as dispatch
from inngest_lambda.cli.main import main


@pytest.fixture()
def cli(stack, capsys, monkeypatch):
    monkeypatch.setenv("INNGEST_LAMBDA_URL", stack.url)
    monkeypatch.delenv("INNGEST_SIGNING_KEY", raising=False)

    def run(*args: str) -> tuple[int, str, str]:
        status = main(list(args))
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return run


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
