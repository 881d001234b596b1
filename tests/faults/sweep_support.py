"""Running one fault-sweep case and checking what a finished sweep must leave behind."""

from __future__ import annotations

import collections
import dataclasses
import datetime
from typing import Any

from inngest_lambda.core import clock
from inngest_lambda.testing import assert_completed, assert_failed
from tests.faults.scenarios import Failed, Scenario
from tests.faults.throttling import Throttling
from tests.support.apps.fault_functions import EXECUTIONS

# A fault may cost a crashed driver's lease (30 s), the sweep grace (15 s) and the wait for the
# sweeper's next minute tick: recovery must stay within two minutes.
RECOVERY_BOUND = 120.0
# In a storm a drive can fail and so can the call that brings its message back early
# (ChangeMessageVisibility): the run then waits for the sweeper at the `sweep_at` the drive's
# release set (the error backoff of the message's receive count, at most
# MAX_ERROR_BACKOFF_SECONDS, plus the grace) and its next minute tick. Measured from the end of
# the storm.
STORM_RECOVERY_BOUND = 300.0 + 15 + 60 + RECOVERY_BOUND
POLL = 5.0
# (kind, mode, calls, cases tested, worst recovery s) of each swept pair, for the summary
SWEEP_RESULTS: list[tuple[str, str, int, int, float]] = []
# kind -> how many runs its clean (calibration) case started: a fault case must start as many
CALIBRATED_RUNS: dict[str, int] = {}
# A sender whose send the event API refuses (5xx, 429) sends it again with the same id: the SDK
# up to SDK_SEND_ATTEMPTS times within a few tenths of a second, then the caller, after
# SEND_RETRY_SECONDS (virtual), again as the SDK, up to SEND_TRIES in all. In a storm an event
# whose ingestion takes a dozen AWS calls is mostly refused until the storm ends.
SDK_SEND_ATTEMPTS = 5
SEND_RETRY_SECONDS = 10.0
SEND_TRIES = 40 * SDK_SEND_ATTEMPTS


@dataclasses.dataclass(frozen=True)
class Case:
    scenario: Scenario
    tag: str
    position: int | None  # None: no fault
    crash: bool
    # throttling storms over the case, each with its virtual-time window set (a long sleep has
    # one over its start and one over its wake-up)
    storms: tuple[Throttling, ...] = ()

    def recovery_bound(self) -> float:
        return STORM_RECOVERY_BOUND if self.storms else RECOVERY_BOUND

    def storm_end(self) -> float:
        return max((s.end for s in self.storms if s.end is not None), default=0.0)

    def where(self) -> str:
        if self.storms:
            thrown = sum(sum(s.thrown.values()) for s in self.storms)
            calls = sum(s.calls for s in self.storms)
            seeds = ", ".join(str(s.seed) for s in self.storms)
            return (
                f"case {self.tag} (throttling storm: rate {self.storms[0].rate}, seed {seeds}, "
                f"{thrown} of {calls} calls throttled)"
            )
        return f"case {self.tag} (fault at call {self.position}, crash={self.crash})"


def _send(durable, delayed: list[str]):
    """The scenario's sender; notes in `delayed` each event it sent only after a wait."""

    def send(name: str, data: dict[str, Any], event_id: str) -> None:
        body = {"name": name, "data": data, "id": event_id}
        for attempt in range(1, SEND_TRIES + 1):
            # a fault during ingestion refuses the send: the SDK retries with the same id
            status, reply = durable.request("POST", "/e/test", body)
            if status != 429 and status < 500:
                break
            if attempt % SDK_SEND_ATTEMPTS == 0:
                durable.advance(SEND_RETRY_SECONDS)
                delayed.append(event_id)
        assert status == 200, reply
        durable.run_until_idle()

    return send


def _find(durable, ref: Any) -> Any:
    if isinstance(ref, tuple):  # (function, tag): a run started by an event a run sent
        function, tag = ref
        runs = [r for r in durable.runs_of(function) if r.output == tag]
        assert len(runs) <= 1, f"{len(runs)} {function} runs for {tag}: a duplicate start"
        return runs[0] if runs else None
    runs = durable.runs(ref)
    return runs[0] if runs else None


def _all_ended(durable, expected: list[tuple[Any, Any]]) -> bool:
    for ref, _ in expected:
        run = _find(durable, ref)
        if run is None or run.status not in ("Completed", "Failed", "Cancelled"):
            return False
    return True


def calibrate(durable, faults, scenario: Scenario) -> int:
    """Run the scenario without faults; returns how many AWS calls it made."""
    before = len(faults.calls)
    CALIBRATED_RUNS.pop(scenario.kind, None)
    started = run_case(durable, faults, Case(scenario, f"{scenario.kind}-calibration", None, False))
    CALIBRATED_RUNS[scenario.kind] = started.runs
    return len(faults.calls) - before


@dataclasses.dataclass(frozen=True)
class Outcome:
    late: float  # how much later than a clean run the case finished (virtual s)
    runs: int  # runs the case started, of any function


def run_case(durable, faults, case: Case) -> Outcome:
    """Run one case to the end and check it."""
    faults.clear()
    runs_before = {run_id for run_id, _ in durable._run_index()}
    rule = None
    if case.position is not None:
        rule = faults.fail_at(case.position, crash=case.crash)
    for storm in case.storms:
        faults.add(storm.rule())
    started = durable.clock.now()
    delayed: list[str] = []
    expected = case.scenario.start(durable, _send(durable, delayed), case.tag)
    # recovery is measured from the end of the clean run or of the storm, whichever is later
    calm = max(started + case.scenario.duration, case.storm_end())
    durable.advance(max(0.0, calm - durable.clock.now()))
    bound = calm + case.recovery_bound() + 15
    while durable.clock.now() < bound:
        with faults.observing():
            if _all_ended(durable, expected):
                break
        durable.advance(POLL)
    late = durable.clock.now() - calm
    faults.clear()
    # a late event may regroup a debounce or a batch: then its runs' outputs are checked as a
    # whole, and their number is not the clean run's
    regrouped = bool(delayed) and bool(case.scenario.regrouped)
    while regrouped and durable.clock.now() < bound:
        # the late event's own run may not exist yet (its batch closes at its timeout)
        with faults.observing():
            new = [durable.get_run(r) for r, _ in durable._run_index() if r not in runs_before]
        ended = all(r.status in ("Completed", "Failed", "Cancelled") for r in new)
        if ended and sorted(r.output for r in new) in _groupings(case, expected):
            break
        durable.advance(POLL)
    with faults.observing():
        _check(durable, case, expected, late, regrouped)
        runs = _check_started_once(durable, case, runs_before, expected, regrouped)
    if rule is not None:
        assert rule.fired <= 1
    return Outcome(late, runs)


def _check(
    durable, case: Case, expected: list[tuple[Any, Any]], late: float, regrouped: bool
) -> None:
    where = case.where()
    for ref, output in expected:
        run = _find(durable, ref)
        assert run is not None, f"{where}: no run for {ref}\n{durable.describe()}"
        if regrouped:
            assert run.status == "Completed", f"{where}: {run.table()}"
        elif isinstance(output, Failed):
            assert_failed(run, output.message)
        else:
            assert_completed(run, output)
        names = [s.name for s in run.steps]
        assert len(names) == len(set(names)), f"{where}: a step recorded twice: {names}"
        assert all(s.status == "Completed" for s in run.steps), f"{where}: {run.table()}"
        if case.storms:
            continue  # a step may fail to record its result several times in a storm
        for step in run.steps:
            if step.op == "StepRun" and f"{run.run_id}:{step.name}" in EXECUTIONS:
                # at least once, and again only if its first result was never recorded
                assert EXECUTIONS[f"{run.run_id}:{step.name}"] <= 2, f"{where}: {step.name}"
    bound = case.recovery_bound()
    assert late <= bound + POLL, f"{where}: recovered after {late:.0f} s"


def _check_started_once(
    durable,
    case: Case,
    runs_before: set[str],
    expected: list[tuple[Any, Any]],
    regrouped: bool,
) -> int:
    """No run of any function, checked or not, started twice (two runs of one function for one
    event), and a fault case started exactly as many runs as the clean one did (`regrouped`:
    its runs' outputs are one of the groupings the scenario allows for a late event)."""
    where = case.where()
    new = [durable.get_run(rid) for rid, _ in durable._run_index() if rid not in runs_before]
    starts = collections.Counter((r.function_id, r.event_id) for r in new)
    twice = sorted(key for key, n in starts.items() if n > 1)
    assert not twice, f"{where}: started twice: {twice}\n{durable.describe()}"
    if regrouped:
        outputs = sorted(r.output for r in new)
        allowed = _groupings(case, expected)
        assert outputs in allowed, (
            f"{where}: runs ended with {outputs}, expected one of {allowed}\n"
            + "\n".join(r.table() for r in new)
        )
        assert all(r.status == "Completed" for r in new), "\n".join(r.table() for r in new)
        return len(new)
    clean = CALIBRATED_RUNS.get(case.scenario.kind)
    if (case.position is not None or case.storms) and clean is not None:
        listed = ", ".join(f"{r.function_id} ({r.event_id})" for r in new)
        assert len(new) == clean, (
            f"{where}: {len(new)} runs, {clean} without the fault: {listed}\n"
            + "\n".join(r.table() for r in new)
        )
    return len(new)


def _groupings(case: Case, expected: list[tuple[Any, Any]]) -> list[Any]:
    """The sorted run outputs a case with a late event may end with: clean, or regrouped."""
    return [sorted(out for _, out in expected), *case.scenario.regrouped]


def _table_items(durable) -> list[dict[str, Any]]:
    from inngest_lambda.local.aws_clients import client

    settings = durable.stack.settings
    ddb = client("dynamodb", settings.region)
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": settings.table}
    while True:
        page = ddb.scan(**kwargs)
        items.extend(page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def check_nothing_left(durable) -> None:
    """After the sweep: every message handled (crashed invocations' messages included, after
    their visibility timeout), every run ended without lease or sweep entry, no schedule, no
    concurrency holder or waiter."""
    from inngest_lambda import settings as s
    from inngest_lambda.local.aws_clients import client
    from inngest_lambda.local.resources import dlq_name

    durable.advance(datetime.timedelta(seconds=s.QUEUE_VISIBILITY_SECONDS + 60))
    cfg = durable.stack.settings
    sqs = client("sqs", cfg.region)
    dlq_url = sqs.get_queue_url(QueueName=dlq_name(cfg.queue_url.rsplit("/", 1)[-1]))["QueueUrl"]
    for url in (cfg.queue_url, dlq_url):
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        left = {k: attrs[k] for k in attrs if k.startswith("ApproximateNumberOf")}
        assert set(left.values()) == {"0"}, f"{url}: {left}"
    scheduler = client("scheduler", cfg.region)
    listed = scheduler.list_schedules(GroupName=cfg.schedule_group)["Schedules"]
    assert [x["Name"] for x in listed if x["Name"].startswith("t-")] == []
    for item in _table_items(durable):
        pk, sk = item["pk"]["S"], item["sk"]["S"]
        if pk.startswith("R#") and sk == "R":
            assert item["status"]["S"] in ("Completed", "Failed", "Cancelled", "Skipped"), pk
            for attr in ("lease_owner", s.SWEEP_AT_ATTRIBUTE, "finishing"):
                assert attr not in item, f"{pk} keeps {attr}"
        if pk.startswith("F#") and sk == "C":
            assert item.get("holders", {}).get("M", {}) == {}, f"{pk} has holders: {item}"
        assert not (pk.startswith("F#") and pk.endswith("#W")), f"a waiter is left: {pk} {sk}"
        assert not (pk.startswith("FB#") and sk == "O"), f"a batch without its run: {pk}"
    assert clock.now() > 0
