"""The body of an SDK request, built incrementally from each finished step's cached bytes.

Every request carries every finished step (`steps`), so encoding the whole body per request
makes a run's cost quadratic in its length. Instead each step's memo is encoded once, when it
finishes or is loaded, and a request joins those cached fragments.

Signed requests must be signed over the RFC 8785 (JCS) form of the body, because the SDK
canonicalizes the body before verifying. In that mode the body is assembled directly in JCS
form: keys written in sorted order, every value (event, memos, strings) canonicalized once.
Unsigned (dev) requests only need valid JSON, so memos reuse the text stored in DynamoDB.
"""

from __future__ import annotations

import bisect
import json
from typing import Any

from inngest_lambda.storage.store import MISSING, Step


def jcs(value: object) -> bytes:
    import jcs as _jcs

    return bytes(_jcs.canonicalize(value))


def plain(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def _jcs_sort_key(key: str) -> bytes:
    """JCS orders object keys by their UTF-16 code units."""
    return key.encode("utf-16-be")


class RequestBody:
    """The finished steps of one run, ready to be sent; `build()` makes one request's body."""

    def __init__(self, event: object, events: object, run_id: str, *, canonical: bool) -> None:
        self.canonical = canonical
        self._encode = jcs if canonical else plain
        self._event = self._encode(event)
        self._events = self._encode(events)
        self._run_id = jcs(run_id)
        self._fragments: dict[str, bytes] = {}  # step id -> b'"<id>":<memo>'
        self._sorted_keys: list[bytes] = []  # JCS order of `steps` (canonical mode only)
        self._key_of: dict[bytes, str] = {}
        self._stack: list[tuple[int, bytes]] = []  # (seq, encoded id): the order steps ran in
        self._joined: bytes | None = None
        self._stack_joined = b""

    def __len__(self) -> int:
        return len(self._fragments)

    def __contains__(self, step_id: str) -> bool:
        return step_id in self._fragments

    def add(self, step: Step) -> None:
        """Record a finished step; each step is encoded once, however often it is added."""
        if step.step_id in self._fragments:
            return
        memo_text = step.memo_text if not self.canonical else None
        memo = memo_text.encode() if memo_text is not None else self._encode(_memo(step))
        encoded_id = jcs(step.step_id)
        self._fragments[step.step_id] = encoded_id + b":" + memo
        bisect.insort(self._stack, (step.seq, encoded_id))
        if self.canonical:
            key = _jcs_sort_key(step.step_id)
            self._key_of[key] = step.step_id
            bisect.insort(self._sorted_keys, key)
        self._joined = None

    def build(
        self, *, attempt: int, max_attempts: int, disable_immediate: bool, with_state: bool = True
    ) -> bytes:
        """The request body (canonical JCS when signing, plain JSON otherwise).

        Without state, the event batch and the memos are left out and `use_api` is set: the SDK
        fetches them from `/v0/runs/{id}/batch` and `/actions`, as it does on Inngest when a
        run's state is too large for one request."""
        if self._joined is None:
            if self.canonical:
                parts = [self._fragments[self._key_of[k]] for k in self._sorted_keys]
            else:
                parts = list(self._fragments.values())
            self._joined = b",".join(parts)
            self._stack_joined = b",".join(encoded for _, encoded in self._stack)
        ctx = b"".join(
            [
                b'{"attempt":%d,"disable_immediate_execution":%s,"max_attempts":%d,'
                % (attempt, b"true" if disable_immediate else b"false", max_attempts),
                b'"run_id":' + self._run_id,
                b',"stack":{"current":%d,"stack":[' % len(self._stack),
                self._stack_joined,
                b"]}}",
            ]
        )
        return b"".join(
            [
                b'{"ctx":',
                ctx,
                b',"event":',
                self._event,
                b',"events":',
                self._events if with_state else b"null",
                b',"steps":{',
                self._joined if with_state else b"",
                b'},"use_api":',
                b"false" if with_state else b"true",
                b',"version":1}',
            ]
        )


def _memo(step: Step) -> Any:
    return None if step.memo is MISSING else step.memo
