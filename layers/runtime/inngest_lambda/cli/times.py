"""Times as a terminal shows them: short enough for an 80-column table.

The API gives ISO-8601 UTC with milliseconds (`2026-12-05T00:11:30.162Z`, 24 characters); a
table shows `compact` times in the terminal's local time zone instead, at most 10 characters:

    within the last hour   "45s ago", "3m ago"      (the next hour: "in 3m")
    today                  "12:04:05"
    this year              "Dec 04"
    otherwise              "2025-12-04"

and durations as `duration`: "850ms", "2.1s", "3m04s", "1h02m", "3d04h". `--wide` shows the
API's ISO times unchanged.
"""

from __future__ import annotations

import datetime


def parse(value: str | None) -> datetime.datetime | None:
    """The API's ISO time (None, empty or unreadable: None)."""
    if not value:
        return None
    try:
        return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def compact(value: str | None, at: datetime.datetime | None = None) -> str:
    """`value` in at most 10 characters, relative to `at` (now) when within an hour of it."""
    when = parse(value)
    if when is None:
        return value or ""
    at = at or now()
    seconds = (at - when).total_seconds()
    if -3600 < seconds < 3600:
        ago = abs(round(seconds))
        text = f"{ago}s" if ago < 60 else f"{ago // 60}m"
        return f"in {text}" if seconds < -0.5 else f"{text} ago"
    local, today = when.astimezone(), at.astimezone()
    if local.date() == today.date():
        return local.strftime("%H:%M:%S")
    if local.year == today.year:
        return local.strftime("%b %d")
    return local.strftime("%Y-%m-%d")


def cell(value: str | None, wide: bool) -> str:
    """A time in a table: as the API gives it with `--wide`, else `compact`."""
    return (value or "") if wide else compact(value)


def clock(value: str | None) -> str:
    """`value` as a local time of day ("12:04:05"), or its date if not today."""
    when = parse(value)
    if when is None:
        return value or ""
    local = when.astimezone()
    if local.date() == now().astimezone().date():
        return local.strftime("%H:%M:%S")
    return local.strftime("%Y-%m-%d %H:%M")


def duration(start: str | None, end: str | None) -> str:
    """The time from `start` to `end` ("" when either is missing)."""
    begun, ended = parse(start), parse(end)
    if begun is None or ended is None:
        return ""
    return span((ended - begun).total_seconds())


def span(seconds: float) -> str:
    seconds = max(seconds, 0.0)
    if seconds < 1:
        return f"{round(seconds * 1000)}ms"
    if seconds < 60:
        return f"{seconds:.1f}s"
    whole = int(seconds)
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    if whole < 86400:
        return f"{whole // 3600}h{whole % 3600 // 60:02d}m"
    return f"{whole // 86400}d{whole % 86400 // 3600:02d}h"
