"""Query parameters (and the same fields in a JSON body or a dashboard form) read into values.

One place for every surface, each parser named by what it accepts: the event API takes ISO-8601
times only (as Inngest's REST API), the operator routes and the dashboard also take epoch seconds
and durations back from now. A value that cannot be used raises `QueryError`, whose message names
the parameter; the routes answer it with a 400 and read nothing.
"""

from __future__ import annotations

from inngest_lambda.core import clock
from inngest_lambda.storage import listing

# `GET /v1/events`: Inngest's page size and ours (events can be large, pages end early anyway).
EVENTS_DEFAULT_LIMIT = 20
EVENTS_MAX_LIMIT = 100
RUNS_DEFAULT_LIMIT = 50
MAX_CURSOR_TAIL = 512


class QueryError(ValueError):
    """A query parameter or body field that cannot be used; its message names it."""


def parse_iso_time(name: str, value: str | None) -> float | None:
    """An ISO-8601 instant (epoch seconds), or None when absent or empty."""
    if value is None or value == "":
        return None
    try:
        return clock.parse_iso(value)
    except ValueError as err:
        raise QueryError(f"'{name}' must be an ISO 8601 time, got {value[:40]!r}") from err


def parse_time_bound(name: str, value: str | None) -> float | None:
    """A window bound: a duration back from now (`90s`, `1h`, `7d`), epoch seconds, or an
    ISO-8601 instant, tried in that order; None when absent or empty."""
    if value is None or value == "":
        return None
    try:
        return clock.now() - clock.duration_seconds(value)
    except ValueError:
        pass
    try:
        return float(value)
    except ValueError:
        pass
    try:
        return clock.parse_iso(value)
    except ValueError as err:
        raise QueryError(
            f"'{name}' must be an ISO-8601 time or a duration like 1h, got {value!r}"
        ) from err


def parse_events_limit(value: str | None) -> int:
    """`GET /v1/events`' page size: digits only, 1 to EVENTS_MAX_LIMIT."""
    if value is None or value == "":
        return EVENTS_DEFAULT_LIMIT
    if not value.isdigit() or not 1 <= int(value) <= EVENTS_MAX_LIMIT:
        raise QueryError(f"'limit' must be an integer from 1 to {EVENTS_MAX_LIMIT}")
    return int(value)


def parse_runs_limit(value: object, default: int = RUNS_DEFAULT_LIMIT) -> int:
    """How many runs to list or replay: an integer (a JSON number or its text), 1 to
    `listing.MAX_LIMIT`."""
    if value is None or value == "":
        return default
    try:
        limit = int(str(value))
    except ValueError as err:
        raise QueryError(f"'limit' must be an integer, got {value!r}") from err
    if not 1 <= limit <= listing.MAX_LIMIT:
        raise QueryError(f"'limit' must be between 1 and {listing.MAX_LIMIT}, got {limit}")
    return limit


def parse_status(value: str | None) -> str | None:
    """A run status, in any case (`failed` is `Failed`); None when absent or empty."""
    if value is None or value == "":
        return None
    match = {s.lower(): s for s in listing.ALL_STATES}.get(value.lower())
    if match is None:
        raise QueryError(f"unknown status {value!r} (one of {', '.join(listing.ALL_STATES)})")
    return match


def parse_events_cursor(value: str | None) -> str | None:
    """A `GET /v1/events` cursor as that API returns it (`<13-digit ms>#<id>`); None when absent
    or empty."""
    if not value:
        return None
    at, sep, rest = value.partition("#")
    if not (sep and at.isdigit() and len(at) == 13 and 0 < len(rest) <= MAX_CURSOR_TAIL):
        raise QueryError("'cursor' is not a cursor this API returned")
    return value
