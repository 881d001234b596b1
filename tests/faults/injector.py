"""Fault injection at the AWS SDK boundary: botocore hooks on the runtime's own clients.

Every AWS call the runtime makes (DynamoDB, SQS, Scheduler, S3) passes `Injector.hook`, which
logs it and, when a rule says so, raises the ClientError AWS would answer with. The local
stack's own clients (its pump and Scheduler emulation) are separate and never fail.

An invocation is one handler call (an SQS batch or an HTTP request); `crash` mode makes the
chosen call and every later call of the same invocation fail, which is what a process that
dies at that point looks like from outside (nothing after it reaches AWS).
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

from botocore.exceptions import ClientError

from inngest_lambda.core import aws

SERVICES = ("dynamodb", "sqs", "scheduler", "s3")


@dataclasses.dataclass
class Invocation:
    kind: str  # "sqs" or "http"
    dead: bool = False
    calls: int = 0


_current: contextvars.ContextVar[Invocation | None] = contextvars.ContextVar(
    "fault_invocation", default=None
)
_observing: contextvars.ContextVar[bool] = contextvars.ContextVar("fault_observing", default=False)


@dataclasses.dataclass(frozen=True)
class AwsError:
    """The error a failed call answers with: its code and the HTTP status AWS sends with it."""

    code: str
    status: int


INTERNAL_ERROR = AwsError("InternalServerError", 500)


@dataclasses.dataclass
class Rule:
    """Fail calls for which `match(op, params)` holds, `times` times (None: always), with the
    error `error(op)` names (None: `INTERNAL_ERROR`)."""

    match: Callable[[str, dict[str, Any]], bool]
    times: int | None = 1
    crash: bool = False
    fired: int = 0
    error: Callable[[str], AwsError] | None = None


class Injector:
    def __init__(self) -> None:
        self.calls: list[str] = []
        self.rules: list[Rule] = []
        self.failed: list[str] = []
        self.invocations = 0

    # --- installation --------------------------------------------------------------------------
    def install(self, stack: Any) -> None:
        for service in SERVICES:
            aws.client(service).meta.events.register("before-parameter-build", self.hook)
        stack.pump.handler = self._wrap(stack.pump.handler, "sqs")
        stack.server.handler = self._wrap(stack.server.handler, "http")

    @contextlib.contextmanager
    def observing(self) -> Iterator[None]:
        """The test's own reads (run listings): their AWS calls are neither counted nor failed,
        since they are the test looking, not the system working."""
        token = _observing.set(True)
        try:
            yield
        finally:
            _observing.reset(token)

    def _wrap(self, handler: Callable[..., Any], kind: str) -> Callable[..., Any]:
        def invocation(event: dict[str, Any], context: Any) -> Any:
            token = _current.set(Invocation(kind))
            self.invocations += 1
            try:
                return handler(event, context)
            finally:
                _current.reset(token)

        return invocation

    # --- rules ---------------------------------------------------------------------------------
    def fail(
        self,
        op: str | None = None,
        where: Callable[[dict[str, Any]], bool] | None = None,
        *,
        times: int | None = 1,
        crash: bool = False,
    ) -> Rule:
        """Fail calls of `op` ("dynamodb.PutItem"; None: any) whose params satisfy `where`."""

        def match(name: str, params: dict[str, Any]) -> bool:
            return (op is None or name == op) and (where is None or where(params))

        rule = Rule(match, times, crash)
        self.rules.append(rule)
        return rule

    def fail_at(self, position: int, *, crash: bool, kind: str | None = None) -> Rule:
        """Fail the `position`-th call (0-based, counted from now over matching invocations)."""
        counter = {"n": 0}

        def match(name: str, params: dict[str, Any]) -> bool:
            inv = _current.get()
            if kind is not None and (inv is None or inv.kind != kind):
                return False
            counter["n"] += 1
            return counter["n"] - 1 == position

        rule = Rule(match, 1, crash)
        self.rules.append(rule)
        return rule

    def add(self, rule: Rule) -> Rule:
        """Install a rule built elsewhere (e.g. `tests.faults.throttling.Throttling.rule`)."""
        self.rules.append(rule)
        return rule

    def clear(self) -> None:
        self.rules.clear()

    # --- the hook ------------------------------------------------------------------------------
    def hook(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        name = f"{model.service_model.service_name}.{model.name}"
        if _observing.get():
            return
        inv = _current.get()
        if inv is not None:
            inv.calls += 1
            if inv.dead:
                self._raise(name, "the invocation died earlier", INTERNAL_ERROR)
        self.calls.append(name)
        for rule in self.rules:
            if rule.times is not None and rule.fired >= rule.times:
                continue
            if rule.match(name, params):
                rule.fired += 1
                if rule.crash and inv is not None:
                    inv.dead = True
                error = rule.error(name) if rule.error is not None else INTERNAL_ERROR
                self._raise(name, "injected fault", error)

    def _raise(self, name: str, why: str, error: AwsError) -> None:
        self.failed.append(name)
        raise ClientError(
            {
                "Error": {"Code": error.code, "Message": f"{why} ({name})"},
                "ResponseMetadata": {"HTTPStatusCode": error.status},
            },
            name.split(".", 1)[1],
        )


def key_starts(prefix: str, attr: str = "pk") -> Callable[[dict[str, Any]], bool]:
    """`where` for a DynamoDB call on an item whose key attribute starts with `prefix`."""

    def where(params: dict[str, Any]) -> bool:
        item = params.get("Item") or params.get("Key") or {}
        return str(item.get(attr, {}).get("S", "")).startswith(prefix)

    return where


def step_write(params: dict[str, Any]) -> bool:
    """`where` for a call that records a step (a PutItem, or a step Put in a transaction)."""
    items = [params.get("Item")]
    items += [t.get("Put", {}).get("Item") for t in params.get("TransactItems", [])]
    return any(i and str(i.get("sk", {}).get("S", "")).startswith("S#") for i in items)
