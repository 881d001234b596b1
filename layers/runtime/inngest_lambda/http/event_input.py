"""Reading an event API request strictly: bounded JSON, then each event checked on its own.

Anything a later stage could choke on is refused here with a message naming it, before a
single byte is stored: JSON nested deeper than a stack can follow, `NaN`/`Infinity` (not JSON,
and a run carrying one can never call the SDK), lone UTF-16 surrogates (not Unicode, so not
storable as UTF-8), names and ids longer than DynamoDB keys take, timestamps that are not
milliseconds since the epoch, or fall outside 1980-2100, or more than a year ahead (a future
`ts` schedules the run: `events/scheduled_start.py`).

A request that cannot be read at all (not JSON, too big, too many events) is refused whole.
Inside a readable batch every event stands alone, as on Inngest: the valid ones are stored
and run, and each refused one is named with its index.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from inngest_lambda.events import scheduled_start
from inngest_lambda.settings import get_settings

MAX_EVENTS_PER_REQUEST = 5000
# Deep enough for any real payload; shallow enough that no recursive reader downstream (JSON
# encoders, the expression engine, the SDK's models) can overflow its stack.
MAX_JSON_DEPTH = 100
# Event names and ids go into DynamoDB keys (2,048-byte partition, 1,024-byte sort keys)
# together with prefixes, function ids and timestamps.
MAX_NAME_BYTES = 256
MAX_ID_BYTES = 256
# ULIDs carry 48-bit millisecond timestamps: anything beyond is not a time this system can use.
MAX_TS_MS = 2**48 - 1
RESERVED_PREFIX = "inngest/"
# Optional fields of an Inngest event and the JSON types they take.
_OBJECT_FIELDS = ("data", "user")


class InputError(ValueError):
    """A request refused whole; `status` is 400 or 413."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclasses.dataclass
class Refused:
    index: int
    message: str
    status: int = 400  # 413 when the event is too large


@dataclasses.dataclass
class Checked:
    valid: list[dict[str, Any]]
    refused: list[Refused]
    is_batch: bool

    def error(self) -> str:
        """One line naming every refused event, for the `error` field of the response."""
        return "; ".join(r.message for r in self.refused)


def parse_body(raw: bytes) -> object:
    """Decode a request body as strict JSON: UTF-8, no NaN/Infinity, bounded depth."""
    limit = get_settings().max_request_bytes
    if len(raw) > limit:
        raise InputError(
            f"request body is {len(raw)} bytes, larger than the {limit} bytes AWS Lambda "
            "accepts in one request: send fewer or smaller events per request",
            413,
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InputError(f"request body is not valid UTF-8: {err}") from err
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError as err:
        raise InputError(f"JSON is nested more than {MAX_JSON_DEPTH} levels deep") from err
    except ValueError as err:  # JSONDecodeError and _refuse_constant
        raise InputError(f"request body is not valid JSON: {err}") from err
    if _depth_exceeds(value, MAX_JSON_DEPTH):
        raise InputError(f"JSON is nested more than {MAX_JSON_DEPTH} levels deep")
    return value


def check_events(payload: object) -> Checked:
    """Split a parsed body (one event or a list) into valid events and refused ones."""
    is_batch = isinstance(payload, list)
    items = payload if isinstance(payload, list) else [payload]
    if not items:
        raise InputError("no events in request body")
    if len(items) > MAX_EVENTS_PER_REQUEST:
        raise InputError(
            f"too many events: {len(items)} in one request, at most {MAX_EVENTS_PER_REQUEST}",
            413,
        )
    max_bytes = get_settings().max_event_bytes
    valid: list[dict[str, Any]] = []
    refused: list[Refused] = []
    for i, ev in enumerate(items):
        where = f"event {i}" if is_batch else "event"
        problem = _problem(ev)
        if problem is None:
            size = _encoded_size(ev)
            if size is None:
                problem = "contains a lone UTF-16 surrogate, which is not valid Unicode"
            elif size > max_bytes:
                message = f"{where}: {size} bytes, larger than the {max_bytes} bytes allowed"
                refused.append(Refused(i, message, 413))
                continue
        if problem is not None:
            refused.append(Refused(i, f"{where}: {problem}"))
        else:
            valid.append(ev)  # type: ignore[arg-type]
    return Checked(valid, refused, is_batch)


def _problem(ev: object) -> str | None:
    if not isinstance(ev, dict):
        return f"must be a JSON object, got {_type(ev)}"
    name = ev.get("name")
    if not isinstance(name, str) or not name.strip():
        return "'name' is required and must be a non-empty string"
    problem = _key_problem("name", name, MAX_NAME_BYTES)
    if problem:
        return problem
    if name.startswith(RESERVED_PREFIX):
        return f"name {name[:80]!r} is reserved (names starting 'inngest/')"
    for field in _OBJECT_FIELDS:
        value = ev.get(field)
        if value is not None and not isinstance(value, dict):
            return f"'{field}' must be a JSON object, got {_type(value)}"
    event_id = ev.get("id")
    if event_id is not None:
        if not isinstance(event_id, str):
            return f"'id' must be a string, got {_type(event_id)}"
        problem = _key_problem("id", event_id, MAX_ID_BYTES)
        if problem:
            return problem
    ts = ev.get("ts")
    if ts is not None and (
        isinstance(ts, bool) or not isinstance(ts, int) or not 0 <= ts <= MAX_TS_MS
    ):
        return (
            f"'ts' must be an integer number of milliseconds since the epoch "
            f"(0 to {MAX_TS_MS}), got {json.dumps(ts)[:40]}"
        )
    if ts:  # 0 is the SDK's "not set": the event API fills in the time of receipt
        problem = scheduled_start.ts_problem(ts)
        if problem:
            return problem
    version = ev.get("v")
    if version is not None and not isinstance(version, str):
        return f"'v' must be a string (the event's schema version), got {_type(version)}"
    return None


def _key_problem(field: str, value: str, limit: int) -> str | None:
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError:
        return f"'{field}' contains a lone UTF-16 surrogate, which is not valid Unicode"
    if size > limit:
        return f"'{field}' is {size} bytes long, longer than the {limit} bytes allowed"
    return None


def _encoded_size(ev: object) -> int | None:
    """Bytes of the event as stored (compact UTF-8 JSON); None if it is not valid Unicode."""
    text = json.dumps(ev, ensure_ascii=False, separators=(",", ":"))
    try:
        return len(text.encode("utf-8"))
    except UnicodeEncodeError:
        return None


def _depth_exceeds(value: object, limit: int) -> bool:
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")


def _type(value: object) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number"
    )
