"""`runs watch`: the progress a run view shows, redrawn in place on a terminal, appended
line by line elsewhere, and the exit status of the run's end."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console

from inngest_lambda.cli import watch

RUN = "01M91RZZCD50H0NHTRT5TW6RK0"


def step(name: str, status: str, op: str = "StepRun", **extra: Any) -> dict[str, Any]:
    return {"name": name, "op": op, "status": status, "attempts": 0, **extra}


def view(status: str, *steps: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"run_id": RUN, "function_id": "shop-fulfil", "status": status, "steps": list(steps)}


RUNNING = view("Running", step("charge", "Completed"), step("ship", "Scheduled", attempts=2))
SLEEPING = view(
    "Running",
    step("charge", "Completed"),
    step("ship", "Completed"),
    step("cool-off", "Scheduled", "Sleep", scheduled_for="2026-12-05T12:00:00.000Z"),
)
DONE = {
    **view("Completed", *(step(n, "Completed") for n in ("charge", "ship", "cool-off", "mail"))),
    "run_started_at": "2026-12-05T11:00:00.000Z",
    "ended_at": "2026-12-05T12:00:01.500Z",
}


class Views:
    """The API's answers to successive polls of one run."""

    def __init__(self, *views: dict[str, Any]) -> None:
        self.views = list(views)
        self.polls = 0

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        assert (method, path) == ("GET", f"/v1/runs/{RUN}")
        self.polls += 1
        return {"data": self.views[min(self.polls, len(self.views)) - 1]}


def test_a_snapshot_counts_finished_steps_and_names_the_current_one() -> None:
    snap = watch.snapshot(RUNNING)
    assert (snap.status, snap.done, snap.known) == ("Running", 1, 2)
    assert snap.doing == "ship attempt 3"
    snap = watch.snapshot(SLEEPING)
    assert (snap.done, snap.known) == (2, 3) and snap.doing.startswith("cool-off: sleeping until")
    snap = watch.snapshot(DONE)
    assert (snap.ended, snap.done, snap.known, snap.doing) == (True, 4, 4, "took 1h00m")


def test_plain_output_appends_a_line_per_change_and_exits_with_the_run_status() -> None:
    api, file = Views(RUNNING, RUNNING, SLEEPING, DONE), io.StringIO()
    console = Console(file=file, force_terminal=False, width=80)
    status, run = watch.follow(api, RUN, console, interval=1, sleep=lambda s: None)
    assert (status, run["status"], api.polls) == (0, "Completed", 4)
    header, *lines = file.getvalue().splitlines()
    assert header == f"{RUN}  shop-fulfil"
    assert lines[0] == "Running   [#####-----] 1/2  ship attempt 3"
    assert lines[1].startswith("Running   [#######---] 2/3  cool-off: sleeping until ")
    assert lines[2] == "Completed [##########] 4/4  took 1h00m"
    assert len(lines) == 3  # the repeated RUNNING poll printed nothing


def test_a_terminal_redraws_the_line_in_place() -> None:
    api, file = Views(RUNNING, SLEEPING, DONE), io.StringIO()
    console = Console(file=file, force_terminal=True, width=80)
    status, _ = watch.follow(api, RUN, console, interval=1, sleep=lambda s: None)
    out = file.getvalue()
    assert status == 0
    assert "\x1b[2K" in out or "\x1b[1A" in out  # the cursor goes back over the last line
    assert "#" not in out and "━" in out  # a drawn bar, not the plain one


def test_exit_statuses_and_timeout() -> None:
    failed = {**view("Failed", step("charge", "Failed")), "output": {"name": "E", "message": "no"}}
    console = Console(file=io.StringIO(), force_terminal=False)
    status, _ = watch.follow(Views(failed), RUN, console, interval=1, sleep=lambda s: None)
    assert status == 6 and watch.snapshot(failed).doing == "charge: E: no"
    assert watch.EXIT_BY_STATUS == {"Completed": 0, "Failed": 6, "Cancelled": 7, "Skipped": 8}
    ticks = iter(range(100))
    status, _ = watch.follow(
        Views(RUNNING), RUN, console, 1, timeout=5, sleep=lambda s: None, clock=lambda: next(ticks)
    )
    assert status == watch.EXIT_TIMEOUT
