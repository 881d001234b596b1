"""moto's clock, made virtual, and when moto's queue will next have something to hand out.

moto's SQS decides whether a message is delayed or in flight by comparing timestamps with its
own clock (`unix_time_millis()` in `moto.sqs.models`), and its Scheduler stamps schedules with
`unix_time()`. Pointing those at the virtual clock keeps every SQS rule moto implements
(DelaySeconds, visibility timeouts, ChangeMessageVisibility, receive counts and the redrive to
the dead-letter queue) while time is virtual: moto stays the AWS, only its clock changes.

`next_visible` reads moto's queue to tell the stepping loop where the next message becomes
receivable; SQS has no API for that, so this is the one place that looks inside moto.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Callable, Iterator
from typing import Any

from inngest_lambda.testing import patching


@contextlib.contextmanager
def patched(now: Callable[[], float]) -> Iterator[None]:
    """moto's SQS and Scheduler read time from `now` inside the block."""
    from moto.core import utils

    def unix_time(dt: datetime.datetime | None = None) -> float:
        return utils.unix_time(dt) if dt is not None else now()

    def unix_time_millis(dt: datetime.datetime | None = None) -> float:
        return unix_time(dt) * 1000.0

    def utcnow() -> datetime.datetime:
        return datetime.datetime.fromtimestamp(now(), datetime.UTC).replace(tzinfo=None)

    replacements: dict[tuple[str, str], Any] = {
        ("moto.sqs.models", "unix_time"): unix_time,
        ("moto.sqs.models", "unix_time_millis"): unix_time_millis,
        ("moto.scheduler.models", "unix_time"): unix_time,
        ("moto.scheduler.models", "utcnow"): utcnow,
    }
    with patching.attributes(replacements, "make moto's clock virtual"):
        yield


def next_visible(queue_url: str, region: str) -> float | None:
    """When the earliest delayed or in-flight message of this queue becomes receivable
    (epoch seconds, just past moto's strict comparison), or None if there is none."""
    from moto.sqs.models import sqs_backends

    account, name = queue_url.rstrip("/").split("/")[-2:]
    queue = sqs_backends[account][region].queues.get(name)
    if queue is None:
        return None
    pending = [
        max(m.delayed_until, m.visible_at)
        for m in list(queue._messages)
        if m.delayed or not m.visible
    ]
    return min(pending) / 1000 + 0.001 if pending else None
