"""Throttling faults: a fraction of the runtime's AWS calls fail with the service's real
throttling error, as under a burst past a table's, queue's or account's request rate.

API (a rule for `tests.faults.injector.Injector`):

    storm = Throttling(rate=0.3, seed=None, start=None, end=None, services=SERVICES)
    faults.add(storm.rule())   # `faults` is the Injector fixture
    print(storm.seed)          # random unless given: print it, `Throttling(seed=...)` replays it
    storm.thrown               # Counter of "service.Operation code" thrown so far
    storm.calls                # calls the rule was asked about (in the window, of its services)

Each call of one of `services` made while `start <= clock.now() < end` (virtual time; None
leaves that side open) fails with probability `rate`, drawn from `random.Random(seed)`, with one
of its service's throttling errors (`THROTTLING_ERRORS`, chosen by the same generator). The same
seed over the same sequence of calls fails the same calls with the same codes.

The codes and HTTP statuses are those of botocore's service models (DynamoDB 2012-08-10, SQS
2012-11-05, Scheduler 2021-06-30) and of S3's error reference (`SlowDown`, 503). The hook runs
before the request is built, so botocore's own retries never see the error: an injected
throttle is a call that failed for its caller, as one does once the client's retries are spent.
The calls of a test looking (`Injector.observing`) are never throttled.
"""

from __future__ import annotations

import collections
import random
from collections.abc import Sequence
from typing import Any

from inngest_lambda.core import clock
from tests.faults.injector import SERVICES, AwsError, Rule

THROTTLING_ERRORS: dict[str, tuple[AwsError, ...]] = {
    "dynamodb": (
        AwsError("ProvisionedThroughputExceededException", 400),
        AwsError("ThrottlingException", 400),
        AwsError("RequestLimitExceeded", 400),
    ),
    "sqs": (AwsError("RequestThrottled", 400), AwsError("ThrottlingException", 400)),
    "scheduler": (AwsError("ThrottlingException", 429),),
    "s3": (AwsError("SlowDown", 503),),
}


class Throttling:
    """A seeded throttling policy; see the module docstring."""

    def __init__(
        self,
        rate: float,
        *,
        seed: int | None = None,
        start: float | None = None,
        end: float | None = None,
        services: Sequence[str] = SERVICES,
    ) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"rate {rate} is not a fraction")
        unknown = set(services) - set(THROTTLING_ERRORS)
        if unknown:
            raise ValueError(f"no throttling errors known for {sorted(unknown)}")
        self.rate = rate
        self.seed = seed if seed is not None else random.SystemRandom().randrange(2**32)
        self.start = start
        self.end = end
        self.services = tuple(services)
        self.calls = 0
        self.thrown: collections.Counter[str] = collections.Counter()
        self._rng = random.Random(self.seed)
        self._pending: dict[str, AwsError] = {}

    def active(self) -> bool:
        """Whether the window is open at the current (virtual) time."""
        now = clock.now()
        return (self.start is None or now >= self.start) and (self.end is None or now < self.end)

    def rule(self) -> Rule:
        """A rule failing the calls this policy throttles, for `Injector.add`."""
        return Rule(self._match, times=None, error=self._error)

    def _match(self, name: str, params: dict[str, Any]) -> bool:
        service = name.split(".", 1)[0]
        if service not in self.services or not self.active():
            return False
        self.calls += 1
        if self._rng.random() >= self.rate:
            return False
        error = self._rng.choice(THROTTLING_ERRORS[service])
        self._pending[name] = error
        self.thrown[f"{name} {error.code}"] += 1
        return True

    def _error(self, name: str) -> AwsError:
        return self._pending.pop(name)
