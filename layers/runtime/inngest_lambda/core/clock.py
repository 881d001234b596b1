"""Every time read in the runtime goes through here, so a test can swap in a virtual clock."""

from __future__ import annotations

import datetime
import re
import time
from collections.abc import Callable

_now: Callable[[], float] = time.time


def now() -> float:
    """Seconds since the epoch, as float."""
    return _now()


def now_ms() -> int:
    return int(now() * 1000)


def is_system() -> bool:
    """True unless a test installed a virtual clock (then nothing may wait in real time)."""
    return _now is time.time


def source() -> Callable[[], float]:
    """The source of time now installed (to restore it after installing another)."""
    return _now


def set_clock(fn: Callable[[], float] | None) -> None:
    """Install a different source of time (None restores the system clock)."""
    global _now
    _now = fn or time.time


def iso(ts: float | None) -> str | None:
    """ISO-8601 UTC with milliseconds, the shape Inngest's REST API uses."""
    if ts is None:
        return None
    dt = datetime.datetime.fromtimestamp(ts, tz=datetime.UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def parse_iso(value: str) -> float:
    """Parse the SDK's ISO times (`2024-01-01T00:00:00.000Z`) and the `retry-after` forms."""
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    dt = datetime.datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=datetime.UTC)
    return dt.timestamp()


_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")


def duration_seconds(text: str) -> float:
    """Inngest duration strings (`30s`, `1h`, `7d`, or compound like `1h30m`)."""
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"invalid duration {text!r}")
    return sum(float(n) * _UNITS[u] for n, u in parts)
