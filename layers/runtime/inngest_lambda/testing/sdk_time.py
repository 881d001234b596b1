"""The inngest SDK's own clock, made virtual.

The SDK reads the wall clock where a function asks for time to pass: `step.sleep(d)` sends
`datetime.now() + d` as the wake-up time, `RetryAfterError(timedelta)` a deadline computed the
same way, and `client.send()` stamps events with `time.time()`. Under a virtual clock those must
be virtual too, or a sleep started after `advance(days=10)` would already be over. The SDK
modules that read time get a stand-in `datetime` / `time` module whose `now()` / `time()` come
from the virtual clock and whose every other attribute is the real one.
"""

from __future__ import annotations

import contextlib
import datetime
import time
import types
from collections.abc import Callable, Iterator
from typing import Any

from inngest_lambda.testing import patching

_DATETIME_USERS = (
    "inngest._internal.step_lib.step_sync",
    "inngest._internal.step_lib.step_async",
    "inngest._internal.errors",
)
_TIME_USERS = ("inngest._internal.client_lib.client", "inngest._internal.net")


class _ModuleProxy(types.ModuleType):
    """A module that answers with `overrides` first and the real module for the rest."""

    def __init__(self, real: types.ModuleType, overrides: dict[str, Any]) -> None:
        super().__init__(real.__name__, real.__doc__)
        self.__dict__.update(overrides)
        self._real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def _datetime_class(now: Callable[[], float]) -> type[datetime.datetime]:
    class VirtualDatetime(datetime.datetime):
        """`datetime.datetime` whose `now()` is virtual; returns plain datetimes."""

        @classmethod
        def now(cls, tz: datetime.tzinfo | None = None) -> datetime.datetime:  # type: ignore[override]
            return datetime.datetime.fromtimestamp(now(), tz)

        @classmethod
        def utcnow(cls) -> datetime.datetime:  # type: ignore[override]
            return datetime.datetime.fromtimestamp(now(), datetime.UTC).replace(tzinfo=None)

    return VirtualDatetime


@contextlib.contextmanager
def patched(now: Callable[[], float]) -> Iterator[None]:
    """The SDK reads time from `now` inside the block."""
    fake_datetime = _ModuleProxy(datetime, {"datetime": _datetime_class(now)})
    fake_time = _ModuleProxy(time, {"time": now, "time_ns": lambda: int(now() * 1e9)})
    replacements: dict[tuple[str, str], Any] = {
        **{(m, "datetime"): fake_datetime for m in _DATETIME_USERS},
        **{(m, "time"): fake_time for m in _TIME_USERS},
    }
    with patching.attributes(replacements, "make the inngest SDK's clock virtual"):
        yield
