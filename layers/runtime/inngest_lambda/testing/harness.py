"""`Durable`: the local stack in-process, on a virtual clock, driven by the test.

Everything production runs is here unchanged: the Lambda handler, the FastAPI app, the executor,
the store on moto's DynamoDB, timers on moto's SQS and Scheduler, the SDK serving your functions.
Two things differ: time is a `VirtualClock` that moves only in `advance()`, and the work queue and
schedules are delivered by the calling thread (`delivery.py`) instead of background pollers, so
a test is deterministic and a 30-day sleep takes milliseconds.

The local HTTP server still runs (on 127.0.0.1), as API Gateway does on AWS; `step.send_event`
and `client.send()` inside a function reach its event API in-process, as they do on AWS.
"""

from __future__ import annotations

import contextlib
import datetime
import importlib
import json
from collections.abc import Iterable
from types import TracebackType
from typing import Any

from inngest_lambda import settings as s
from inngest_lambda.testing.results import RunResult
from inngest_lambda.testing.virtual_clock import VirtualClock

EVENT_KEY = "test"
# What the test's environment must not leak into the stack: keys would switch the runtime to
# signed mode (the SDK is in dev mode here), base URLs would send events elsewhere, and the retry
# scale would distort Inngest's backoff, which virtual time makes free anyway.
_CLEARED_ENV = (
    s.ENV_SIGNING_KEY,
    s.ENV_SIGNING_KEY_FALLBACK,
    s.ENV_EVENT_KEY,
    s.ENV_SIGNING_KEY_SECRET_ARN,
    s.ENV_EVENT_KEY_SECRET_ARN,
    "INNGEST_EVENT_API_BASE_URL",
    "INNGEST_API_BASE_URL",
    "INNGEST_BASE_URL",
    "INNGEST_LAMBDA_RETRY_SCALE",
)


class Durable:
    """The test harness; the `durable` pytest fixture gives you one, started.

    `functions` is the module exporting `client` and `functions` (default: the
    `INNGEST_LAMBDA_FUNCTIONS` setting, else `functions`). `env` adds environment variables for
    the stack's lifetime (None unsets one). `start` sets where the virtual clock starts (a
    datetime or epoch seconds; default: the real time now).
    """

    def __init__(
        self,
        functions: str | None = None,
        *,
        env: dict[str, str | None] | None = None,
        port: int = 0,
        start: datetime.datetime | float | None = None,
        duplicate_deliveries: bool = False,
    ) -> None:
        import os

        self.functions = functions or os.environ.get(s.ENV_FUNCTIONS) or s.DEFAULT_FUNCTIONS_MODULE
        if isinstance(start, datetime.datetime):
            start = start.timestamp()
        self.clock = VirtualClock(start)
        self._env = dict(env or {})
        self._port = port
        self._duplicate_deliveries = duplicate_deliveries
        self._stack: Any = None
        self._delivery: Any = None
        self._exit = contextlib.ExitStack()
        self.sent: list[tuple[str, str]] = []  # (event name, event id), for failure reports

    # --- lifecycle -----------------------------------------------------------------------------
    def start(self) -> Durable:
        """Fresh moto resources, a cold-started runtime, the virtual clock installed."""
        from inngest_lambda import runtime
        from inngest_lambda.core import aws
        from inngest_lambda.local.ports import free_port
        from inngest_lambda.local.stack import LocalStack
        from inngest_lambda.testing import sdk_client, virtual_clock
        from inngest_lambda.testing.delivery import VirtualDelivery

        try:
            runtime.get_runtime.cache_clear()
            aws.reset()
            self._exit.callback(aws.reset)
            self._exit.callback(runtime.get_runtime.cache_clear)
            self._exit.enter_context(virtual_clock.installed(self.clock))
            port = self._port or free_port()
            url = f"http://127.0.0.1:{port}"
            env: dict[str, str | None] = dict.fromkeys(_CLEARED_ENV)
            env.update({s.ENV_DEV: url, s.ENV_FUNCTIONS: self.functions, **self._env})
            self._stack = LocalStack(
                port=port,
                env=env,
                duplicate_deliveries=self._duplicate_deliveries,
                now=self.clock.now,
                background_pump=False,
            )
            self._exit.enter_context(self._stack)
            module = _import_functions(self.functions)
            self._exit.callback(sdk_client.point_at(module.client, self._stack.url))
            runtime.get_runtime()  # the cold start: a broken functions module fails setup here
            settings = self._stack.settings
            self._delivery = VirtualDelivery(
                self._stack.pump,
                self.clock,
                settings.queue_url,
                settings.region,
                table=settings.table,
            )
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the stack and put back the clocks, the client and the environment."""
        self._delivery = None
        self._exit.close()
        self._stack = None

    def __enter__(self) -> Durable:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._delivery is not None

    @property
    def stack(self) -> Any:
        """The underlying `LocalStack` (its `settings`, `pump.counters`, `url`)."""
        if self._stack is None:
            raise RuntimeError("the durable harness is not started")
        return self._stack

    @property
    def url(self) -> str:
        return str(self.stack.url)

    # --- time ------------------------------------------------------------------------------------
    @property
    def now(self) -> datetime.datetime:
        """The virtual time (aware, UTC)."""
        return self.clock.datetime

    def run_until_idle(self) -> int:
        """Deliver everything due at the current virtual time; returns the handler batches."""
        return self._driver().run_until_idle()

    def advance(self, delta: datetime.timedelta | float) -> None:
        """Let `delta` (a timedelta or seconds) of virtual time pass: every sleep, retry delay,
        wait timeout and schedule falling due on the way fires at its own moment, in order."""
        seconds = delta.total_seconds() if isinstance(delta, datetime.timedelta) else float(delta)
        if seconds < 0:
            raise ValueError("advance() takes a positive duration")
        self._driver().advance_to(self.clock.now() + seconds)

    def advance_to(self, when: datetime.datetime | str | float) -> None:
        """Advance to an absolute time (a datetime, an ISO string like a step's
        `scheduled_for`, or epoch seconds)."""
        from inngest_lambda.core import clock

        if isinstance(when, datetime.datetime):
            target = when.timestamp()
        elif isinstance(when, str):
            target = clock.parse_iso(when)
        else:
            target = float(when)
        self._driver().advance_to(max(target, self.clock.now()))

    def expire_items(self) -> int:
        """Delete every item whose TTL (`expires_at`) is before the virtual now, as DynamoDB's
        TTL sweep eventually does; returns how many. The virtual clock deletes nothing by itself,
        so a test of what outlives a long wait (retention, a 30-day sleep) calls this after
        `advance`."""
        from inngest_lambda.core import aws

        settings, now, deleted = self.stack.settings, self.clock.now(), 0
        ddb = aws.client("dynamodb")
        for page in ddb.get_paginator("scan").paginate(TableName=settings.table):
            for item in page["Items"]:
                ttl = item.get(s.TABLE_TTL_ATTRIBUTE)
                if ttl is not None and float(ttl["N"]) < now:
                    key = {k: item[k] for k in (s.TABLE_PK, s.TABLE_SK)}
                    ddb.delete_item(TableName=settings.table, Key=key)
                    deleted += 1
        return deleted

    # --- events ----------------------------------------------------------------------------------
    def send(
        self,
        event: str | dict[str, Any] | Any,
        data: dict[str, Any] | None = None,
        *,
        process: bool = True,
        **fields: Any,
    ) -> str:
        """Send one event through the event API; returns its id. `event` is a name (with `data`
        and any other event fields as keywords), a dict, or an `inngest.Event`. With
        `process=True` everything it starts runs until idle before this returns."""
        return self.send_many([_event_dict(event, data, fields)], process=process)[0]

    def send_many(self, events: Iterable[Any], *, process: bool = True) -> list[str]:
        """Send several events in one request (as `client.send([...])` does)."""
        body = [_event_dict(e, None, {}) for e in events]
        status, reply = self.request("POST", f"/e/{EVENT_KEY}", body)
        if status != 200:
            raise ValueError(f"the event API refused the events ({status}): {reply}")
        if reply.get("trigger_errors"):
            raise ValueError(f"trigger expressions failed: {reply['trigger_errors']}")
        ids: list[str] = reply["ids"]
        self.sent.extend(zip((e["name"] for e in body), ids, strict=True))
        if process:
            self.run_until_idle()
        return ids

    def cancel(self, run_id: str) -> None:
        """Cancel a run through `DELETE /v1/runs/{id}`, then run until idle."""
        status, reply = self.request("DELETE", f"/v1/runs/{run_id}")
        if status != 202:
            raise ValueError(f"could not cancel run {run_id} ({status}): {reply}")
        self.run_until_idle()

    # --- runs ------------------------------------------------------------------------------------
    def runs(self, event_id: str) -> list[RunResult]:
        """Every run the event started, with steps."""
        status, reply = self.request("GET", f"/v1/events/{event_id}/runs")
        if status != 200:
            raise ValueError(f"could not list the runs of event {event_id} ({status}): {reply}")
        return [self.get_run(r["run_id"]) for r in reply["data"]]

    def run(self, event_id: str, function: Any = None) -> RunResult:
        """The one run the event started (of `function`, an id or an SDK function, when the
        event starts several); LookupError saying what exists otherwise."""
        runs = self.runs(event_id)
        if function is not None:
            runs = [r for r in runs if _same_function(r.function_id, function)]
        if len(runs) == 1:
            return runs[0]
        which = f" of {_function_id(function)}" if function is not None else ""
        if not runs:
            raise LookupError(f"event {event_id} started no run{which}\n{self.describe()}")
        listed = ", ".join(f"{r.function_id} ({r.run_id})" for r in runs)
        raise LookupError(f"event {event_id} started {len(runs)} runs{which}: {listed}")

    def get_run(self, run_id: str) -> RunResult:
        """A run by id, through `GET /v1/runs/{id}`."""
        status, reply = self.request("GET", f"/v1/runs/{run_id}")
        if status != 200:
            raise LookupError(f"run {run_id}: {status} {reply}")
        return RunResult.from_view(reply["data"])

    def failure_run(self, run: RunResult | str) -> RunResult:
        """The run of the `on_failure` handler that the failure of `run` started."""
        from inngest_lambda.core.ids import deterministic_id

        run_id = run.run_id if isinstance(run, RunResult) else run
        return self.run(deterministic_id(run_id, "failed"))

    def runs_of(self, function: Any) -> list[RunResult]:
        """Every run of a function (an id or an SDK function), oldest first, whatever started
        them (a cron schedule, `step.send_event`, an invoke)."""
        index = self._run_index()
        return [self.get_run(rid) for rid, fid in index if _same_function(fid, function)]

    def all_runs(self) -> list[RunResult]:
        return [self.get_run(rid) for rid, _ in self._run_index()]

    def describe(self, limit: int = 20) -> str:
        """Events sent and every run with its steps: what a failure report shows."""
        lines = [f"virtual time {self.now:%Y-%m-%d %H:%M:%S} UTC"]
        lines.append("events sent: " + (", ".join(f"{n} ({i})" for n, i in self.sent) or "none"))
        index = self._run_index()
        if not index:
            lines.append("no runs")
        for run_id, _ in index[:limit]:
            lines.append(self.get_run(run_id).table())
        if len(index) > limit:
            lines.append(f"... and {len(index) - limit} more runs")
        return "\n".join(lines)

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """Call the HTTP API in-process: API Gateway's event, the real handler, its answer."""
        payload = b"" if body is None else json.dumps(body).encode()
        headers = [("content-type", "application/json")] if body is not None else []
        res = self.stack.server.respond(method, path, headers, payload, "127.0.0.1")
        try:
            parsed = json.loads(res.body) if res.body else None
        except ValueError:
            parsed = res.body.decode("utf-8", "replace")
        return res.status, parsed

    # --- internals -------------------------------------------------------------------------------
    def _driver(self) -> Any:
        if self._delivery is None:
            raise RuntimeError("the durable harness is not started")
        return self._delivery

    def _run_index(self) -> list[tuple[str, str]]:
        """(run_id, function_id) of every run in the table, oldest first (run ids are ULIDs)."""
        from inngest_lambda.core import aws

        settings = self.stack.settings
        kwargs: dict[str, Any] = {
            "TableName": settings.table,
            "FilterExpression": "#sk = :r AND begins_with(#pk, :p)",
            "ProjectionExpression": "#pk, function_id",
            "ExpressionAttributeNames": {"#pk": s.TABLE_PK, "#sk": s.TABLE_SK},
            "ExpressionAttributeValues": {":r": {"S": "R"}, ":p": {"S": "R#"}},
        }
        out: list[tuple[str, str]] = []
        while True:
            page = aws.client("dynamodb").scan(**kwargs)
            for item in page.get("Items", []):
                out.append((item[s.TABLE_PK]["S"][2:], item.get("function_id", {}).get("S", "")))
            if "LastEvaluatedKey" not in page:
                return sorted(out)
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _import_functions(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and name.startswith(exc.name):
            raise ModuleNotFoundError(
                f"the durable harness runs the functions module {name!r}, which is not "
                "importable; name yours with @pytest.mark.durable(functions='...'), the "
                "durable_functions ini option or INNGEST_LAMBDA_FUNCTIONS",
                name=exc.name,
            ) from exc
        raise


def _event_dict(event: Any, data: dict[str, Any] | None, fields: dict[str, Any]) -> dict[str, Any]:
    if isinstance(event, str):
        return {"name": event, "data": data or {}, **fields}
    if isinstance(event, dict):
        return {**event, **({"data": data} if data is not None else {}), **fields}
    to_dict = getattr(event, "to_dict", None)  # inngest.Event
    if callable(to_dict):
        raw = to_dict()
        if isinstance(raw, Exception):
            raise raw
        cleaned = {k: v for k, v in raw.items() if v not in ("", 0, None) or k == "data"}
        return {**cleaned, **fields}
    raise TypeError(f"cannot send {type(event).__name__}: pass a name, a dict or an inngest.Event")


def _function_id(function: Any) -> str:
    return str(getattr(function, "id", function))


def _same_function(function_id: str, function: Any) -> bool:
    """`function` is an SDK function, a full id (`app-fn`) or a function's own id (`fn`)."""
    wanted = _function_id(function)
    return function_id == wanted or function_id.endswith(f"-{wanted}")
