"""What writers put on or beside items so that readers can find them later.

* the `lst_*` attributes of the three listing indexes (their layout and cost: `listing.py`,
  which reads them);
* the `EN#<event name>#<shard>` entry written beside each event: the events of a name by time.
  `pauses.py` reads its last hour to close the race between an event and a pause being written;
  `listing.py` reads it to list events by name. It is spread over RECENT_SHARDS partition keys
  (a hash of the event id): one key takes at most 1,000 writes/s, and every event of a name
  writes one entry. It lives as long as its event (it lived an hour before the by-name listing
  used it: see `name_index_complete_from`). Entries written before the sharding sit under
  `EN#<event name>` (LEGACY) for their hour.

Store writes these and the reading modules import store, so the shapes live here, below all
three.
"""

from __future__ import annotations

import zlib
from typing import Any

from inngest_lambda.settings import (
    EVENT_INDEX_SHARDS,
    LIST_AT,
    LIST_EVENTS,
    LIST_FUNCTION,
    LIST_FUNCTION_STATUS,
    TABLE_TTL_ATTRIBUTE,
)
from inngest_lambda.storage.codec import encode_attr, item_key

ACTIVE_STATES = ("Queued", "Running")
# "Skipped": created by flow control (rate limit, singleton skip) and never executed.
ENDED_STATES = ("Completed", "Failed", "Cancelled", "Skipped")
ALL_STATES = (*ACTIVE_STATES, *ENDED_STATES)
RECENT_EVENTS_SECONDS = 3600
RECENT_SHARDS = 8


# --- listing indexes -------------------------------------------------------------------------
def sort_key(at: float, item_id: str) -> str:
    return f"{int(at * 1000):013d}#{item_id}"


def time_bound(at: float) -> str:
    """A sort-key prefix that compares as the instant `at` (ids come after the '#')."""
    return f"{int(at * 1000):013d}"


def status_key(function_id: str, status: str) -> str:
    return f"{function_id}#{'active' if status in ACTIVE_STATES else status}"


def run_fields(run_id: str, function_id: str, status: str, created_at: float) -> dict[str, str]:
    """Index attributes of a new run item."""
    return {
        LIST_FUNCTION: function_id,
        LIST_FUNCTION_STATUS: status_key(function_id, status),
        LIST_AT: sort_key(created_at, run_id),
    }


def status_fields(function_id: str, status: str) -> dict[str, str]:
    """Index attributes that change when a run ends (written with the status)."""
    return {LIST_FUNCTION_STATUS: status_key(function_id, status)}


def event_fields(event: dict[str, Any], received_at: float) -> dict[str, str]:
    shard = zlib.crc32(str(event["id"]).encode()) % EVENT_INDEX_SHARDS
    return {
        LIST_EVENTS: f"EV#{shard}",
        LIST_AT: sort_key(received_at, str(event["id"])),
        "ev_name": str(event.get("name", "")),
    }


# --- recent events by name -------------------------------------------------------------------
def recent_event_pk(name: str, shard: int) -> str:
    return f"EN#{name}#{shard}"


def legacy_recent_event_pk(name: str) -> str:
    """Where entries went before the sharding (still read: they live an hour)."""
    return f"EN#{name}"


def shard_of(value: str, shards: int) -> int:
    """0 <= shard < shards, the same in every process (`hash()` is salted per process)."""
    return zlib.crc32(value.encode("utf-8", "surrogatepass")) % shards


def recent_event_bound(since: float) -> str:
    """The sort key from which entries were received at or after `since`."""
    return f"{int(since * 1000):015d}"


def recent_event_item(event: dict[str, Any], received_at: float, expires_at: int) -> dict[str, Any]:
    """The `EN#` entry ingestion writes beside each event (its id only: events can be large);
    `expires_at` is the event's own TTL."""
    return {
        **item_key(
            recent_event_pk(event["name"], shard_of(str(event["id"]), RECENT_SHARDS)),
            f"{recent_event_bound(received_at)}#{event['id']}",
        ),
        TABLE_TTL_ATTRIBUTE: encode_attr(expires_at),
    }


def name_entry_key(position: str) -> str:
    """The `EN#` sort key (or bound) of a listing position "<13-digit ms>[#<id>]"."""
    at, sep, rest = position.partition("#")
    if not at.isdigit():
        raise ValueError(f"{position[:40]!r} is not a listing cursor")
    return f"{int(at):015d}{sep}{rest}"


def name_entry_position(sort_key: str) -> str:
    """The listing position "<13-digit ms>#<id>" of an `EN#` entry's sort key."""
    at, _, event_id = sort_key.partition("#")
    return f"{int(at):013d}#{event_id}"


# --- since when the `EN#` entries are complete -----------------------------------------------
# Before the by-name listing, `EN#` entries lived an hour, so events received by older code
# have none once that hour is over. The data-format step 1 -> 2 (data_format.py, run by the
# first process of this code to reach the table) writes this marker once with its time; from
# an hour later (NAME_INDEX_SETTLE_SECONDS: older code
# still running then, in an invocation that began before the deploy or in a function updated
# later, has finished) every event has its entry for its whole life. Readers list older events
# by name from the events-by-time index instead (listing.py).
NAME_INDEX_MARKER = ("LAYOUT", "events-by-name")
NAME_INDEX_SETTLE_SECONDS = RECENT_EVENTS_SECONDS


def name_index_marker(now: float) -> dict[str, Any]:
    return {**item_key(*NAME_INDEX_MARKER), "since": encode_attr(now)}


def name_index_complete_from(marker: dict[str, Any] | None) -> float | None:
    """From when every event has a lasting `EN#` entry (None: no marker, so none is known to)."""
    if not marker or "since" not in marker:
        return None
    return float(marker["since"]["N"]) + NAME_INDEX_SETTLE_SECONDS
