"""Driving a soak plan through the durable harness, checking its runs, and the report.

One `Durable` stack serves the whole soak, with the fault injector of `tests/faults/` on the
runtime's AWS clients. Reads the soak makes to check the outcome go through the local stack's
own clients (or `Injector.observing`), so they are neither counted nor failed.
"""

from __future__ import annotations

import collections
import dataclasses
import itertools
import json
import re
import resource
import time
from typing import Any

from inngest_lambda.storage import data_format, index_keys
from inngest_lambda.storage.store import Run
from tests.faults.injector import Injector
from tests.faults.sweep_support import _table_items, check_nothing_left
from tests.faults.throttling import Throttling
from tests.soak.workload import APP, WINDOW, Plan
from tests.support.apps import soak_functions as fns

SOAK_REPORTS: list[list[str]] = []  # each soak's report lines, for the terminal summary
TERMINAL = ("Completed", "Failed", "Cancelled", "Skipped")
SEND_ATTEMPTS = 10  # an event API request answered 500 is sent again with the same ids (the SDK)
POLL = 60.0  # after the planned end, how far time moves between looks at the runs
GRACE = 3600.0  # how long past the planned end a run may still end (recoveries from faults)
# How much later than without faults a run with a known end may end: a throttled call costs a
# retry (a lease of 30 s, the sweeper's minute, SQS's backoff); the fault sweep's bound is 2 min.
LATE = 600.0
# Kept for the table's life: flow-control state per function/key, pause paths per event, and
# the two layout markers (the data format, and since when events keep their by-name entries).
KEPT_WITHOUT_TTL = ("F#", "PP#", data_format.MARKER_PK, index_keys.NAME_INDEX_MARKER[0])
LONGEST = 2 * 86400 + 3600 + 600  # the longest a trigger's runs last (2-day sleep + margins)


def identity(run: Run) -> str:
    """What the plan calls this run: its event's tag (or key, for runs of several events)."""
    data = run.event.get("data", {})
    fn = run.function_id.removeprefix(APP)
    if fn == "listener":
        return f"{data['tag']}:{data['i']}"
    if fn in ("debounced", "batched"):
        return str(data["key"])
    return str(data.get("tag"))


@dataclasses.dataclass
class Report:
    seed: int
    planned_runs: int
    triggers: dict[str, int]
    statuses: dict[str, int] = dataclasses.field(default_factory=dict)
    calls: dict[str, int] = dataclasses.field(default_factory=dict)  # AWS calls by operation
    failed_calls: int = 0
    thrown: dict[str, int] = dataclasses.field(default_factory=dict)  # "op code" -> count
    event_api_retries: int = 0
    reruns: dict[str, int] = dataclasses.field(default_factory=dict)  # failed op -> re-runs
    wall_seconds: float = 0.0
    cpu_seconds: float = 0.0
    peak_rss_mb: float = 0.0
    virtual_days: float = 0.0
    problems: list[str] = dataclasses.field(default_factory=list)

    @property
    def runs(self) -> int:
        return sum(self.statuses.values())

    def lines(self) -> list[str]:
        runs = max(self.runs, 1)
        total = sum(self.calls.values())
        out = [
            f"seed {self.seed} (SOAK_SEED={self.seed} repeats it), {self.runs} runs "
            f"(planned {self.planned_runs}), {self.virtual_days:.1f} virtual days",
            "triggers: " + ", ".join(f"{k} {v}" for k, v in sorted(self.triggers.items())),
            "runs per status: " + ", ".join(f"{k} {v}" for k, v in sorted(self.statuses.items())),
            f"AWS calls: {total} ({total / runs:.1f} per run), {self.failed_calls} failed with "
            f"a throttling error, {self.event_api_retries} event API requests sent again "
            f"after a 500, {sum(self.reruns.values())} step re-runs after a failed call of "
            "their run (a result not recorded; by the failed calls: "
            + (", ".join(f"{k} {v}" for k, v in sorted(self.reruns.items())) or "none")
            + ")",
            f"  {'operation':<36}{'calls':>9}{'per run':>9}{'throttled':>11}",
        ]
        failed = collections.Counter()
        for what, n in self.thrown.items():
            failed[what.split(" ", 1)[0]] += n
        for op, n in sorted(self.calls.items(), key=lambda kv: -kv[1]):
            out.append(f"  {op:<36}{n:>9}{n / runs:>9.2f}{failed[op]:>11}")
        out.append(
            f"wall time {self.wall_seconds:.1f} s ({self.cpu_seconds:.1f} s CPU), "
            f"peak RSS {self.peak_rss_mb:.0f} MB"
        )
        if self.problems:
            out.append(f"{len(self.problems)} problems:")
            out.extend(f"  {p}" for p in self.problems[:50])
        return out


ULID = re.compile(r"[0-9A-HJKMNP-TV-Z]{26}")


class Soak:
    """`throttling` fails a fraction of the runtime's AWS calls (its rule is added here, wrapped
    to note which runs a failed call concerned: those runs' steps may run again)."""

    def __init__(
        self, durable: Any, injector: Injector, throttling: Throttling, plan: Plan, seed: int
    ) -> None:
        self.durable = durable
        self.injector = injector
        self.throttling = throttling
        # ids (of runs, events) named by a call that failed -> the operations that failed
        # run id -> the failed calls whose parameters name it (one entry per failed call)
        self.hit_runs: collections.defaultdict[str, list[str]] = collections.defaultdict(list)
        rule = throttling.rule()
        throttled = rule.match

        def match(name: str, params: dict[str, Any]) -> bool:
            if not throttled(name, params):
                return False
            for ulid in ULID.findall(json.dumps(params, default=str)):
                self.hit_runs[ulid].append(name)
            return True

        rule.match = match
        injector.add(rule)
        self.plan = plan
        self.report = Report(seed, plan.runs, dict(plan.triggers))
        self.t0 = durable.clock.now()
        fns.EFFECTS.clear()
        fns.EFFECT_RUNS.clear()
        fns.STARTS.clear()

    # --- driving -------------------------------------------------------------------------------
    def run(self) -> Report:
        started, cpu = time.perf_counter(), time.process_time()
        self.drive()
        self.check()
        self.check_nothing_left()
        self.report.wall_seconds = time.perf_counter() - started
        self.report.cpu_seconds = time.process_time() - cpu
        self.report.thrown = dict(self.throttling.thrown)
        self.report.peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.report.calls = dict(collections.Counter(self.injector.calls))
        self.report.failed_calls = len(self.injector.failed)
        self.report.virtual_days = (self.durable.clock.now() - self.t0) / 86400
        return self.report

    def drive(self) -> None:
        d = self.durable
        for at, sends in itertools.groupby(self.plan.sends, key=lambda s: s.at):
            d.advance_to(self.t0 + at)
            for send in sends:
                self._send(send.name, send.data, send.event_id)
            d.run_until_idle()
        d.advance_to(self.t0 + WINDOW + LONGEST)
        bound = d.clock.now() + GRACE
        while not self._all_ended() and d.clock.now() < bound:
            d.advance(POLL)

    def _send(self, name: str, data: dict[str, Any], event_id: str) -> None:
        body = {"name": name, "data": data, "id": event_id}
        for _ in range(SEND_ATTEMPTS):
            status, reply = self.durable.request("POST", "/e/test", body)
            if status != 500:
                break
            self.report.event_api_retries += 1
        assert status == 200, f"event {event_id}: {status} {reply}"

    # --- reading -------------------------------------------------------------------------------
    def runs(self) -> list[Run]:
        with self.injector.observing():  # a value kept in S3 is read with the runtime's client
            return [
                Run.from_item(item)
                for item in _table_items(self.durable)
                if item["pk"]["S"].startswith("R#") and item["sk"]["S"] == "R"
            ]

    def _all_ended(self) -> bool:
        return all(r.visible_status in TERMINAL for r in self.runs())

    # --- checking ------------------------------------------------------------------------------
    def check(self) -> None:
        runs = self.runs()
        self.report.statuses = dict(collections.Counter(r.visible_status for r in runs))
        problems = self.report.problems
        by_identity: dict[tuple[str, str], list[Run]] = collections.defaultdict(list)
        for run in runs:
            by_identity[(run.function_id, identity(run))].append(run)
        for key, runs_of in sorted(by_identity.items()):
            if key not in self.plan.expect:
                problems.append(f"unexpected: {_describe(runs_of)}")
        for key, want in sorted(self.plan.expect.items()):
            got = by_identity.get(key, [])
            where = f"{key[0]} {key[1]}"
            if len(got) != want.runs:
                problems.append(f"{where}: {len(got)} runs, expected {want.runs}: {_describe(got)}")
            for run in got:
                late = _late(run, self.t0, want.due)
                if late is not None:
                    problems.append(f"{where}: ended {late:.0f} s late: {_describe([run])}")
                if run.visible_status != want.status:
                    problems.append(f"{where}: {want.status} expected: {_describe([run])}")
                elif want.output is not None and run.output != want.output:
                    problems.append(f"{where}: output {run.output!r}, expected {want.output!r}")
        self._check_batches(by_identity)
        self._check_effects()
        self._check_throttle()

    def check_nothing_left(self) -> None:
        """`tests/faults/`' checks (no message in the queue or DLQ, no one-off schedule, every
        run ended without lease or sweep entry, no concurrency holder or waiter, no batch left
        open), with the faults off as a test looks; then, of the items whose TTL has not passed,
        no pause, and none without a TTL but the long-lived kinds (flow-control state,
        pause-path sets)."""
        self.injector.clear()
        try:
            check_nothing_left(self.durable)
        except AssertionError as exc:
            self.report.problems.append(f"left behind: {exc}")
        with self.injector.observing():
            self.durable.expire_items()  # what DynamoDB's TTL would have deleted by now
        for item in _table_items(self.durable):
            pk, sk = item["pk"]["S"], item["sk"]["S"]
            if pk.startswith("P#"):
                self.report.problems.append(f"a pause is left: {pk} {sk}")
            elif "expires_at" not in item and not pk.startswith(KEPT_WITHOUT_TTL):
                self.report.problems.append(f"an item without TTL is left: {pk} {sk}")

    def _check_batches(self, by_identity: dict[tuple[str, str], list[Run]]) -> None:
        for key, ns in sorted(self.plan.batches.items()):
            outputs = [r.output or [] for r in by_identity.get((APP + "batched", key), [])]
            flat = sorted(n for out in outputs for n in out)
            if flat != ns or any(len(out) > fns.BATCH_SIZE for out in outputs):
                self.report.problems.append(f"batch {key}: runs got {outputs}, sent {ns}")

    def _check_effects(self) -> None:
        """Each step body ran as often as planned; more often only for a run that injected
        failures concerned, at most once more per failed call naming the run (each failed write
        can leave one step result unrecorded, and the step runs again): counted as re-runs."""
        want, got = self.plan.effects, fns.EFFECTS
        for key in sorted(set(want) | set(got)):
            if want.get(key, 0) != got.get(key, 0):
                failed = self.hit_runs.get(fns.EFFECT_RUNS.get(key, ""))
                extra = got.get(key, 0) - want.get(key, 0)
                if failed and 0 < extra <= len(failed):
                    ops = "+".join(sorted(set(failed)))
                    self.report.reruns[ops] = self.report.reruns.get(ops, 0) + extra
                    continue
                self.report.problems.append(
                    f"side effect {key}: ran {got.get(key, 0)} times, expected {want.get(key, 0)}"
                    f" (run {fns.EFFECT_RUNS.get(key)}; failed calls naming it: "
                    f"{sorted(failed) if failed else 'none'})"
                )

    def _check_throttle(self) -> None:
        """The k-th start of a key (all its runs triggered at once) is not before k periods."""
        period = fns.THROTTLE_PERIOD.total_seconds()
        for key, first in sorted(self.plan.throttle_keys.items()):
            for k, at in enumerate(sorted(fns.STARTS.get(key, {}).values())):
                earliest = self.t0 + first + k * period
                if at < earliest:
                    self.report.problems.append(
                        f"throttle {key}: start {k} at +{at - self.t0:.0f} s, "
                        f"before +{earliest - self.t0:.0f} s"
                    )


def _late(run: Run, t0: float, due: int | None) -> float | None:
    """How much later than `LATE` past its fault-free end the run ended (None: in time)."""
    if due is None or run.ended_at is None:
        return None
    late = run.ended_at - (t0 + due)
    return late if late > LATE else None


def _describe(runs: list[Run]) -> str:
    return (
        "; ".join(
            f"{r.run_id} {r.visible_status} output={r.output!r} error={r.error!r}" for r in runs
        )
        or "none"
    )
