"""Make the SDK's replay of memoized steps linear in the run's length, not quadratic.

On every request the SDK replays the function from its start, and each step it meets takes its
memo out of `inngest.StepMemos`. In inngest-py (through 0.5.19 at least) `StepMemos.pop`
rebuilds the dictionary of the remaining memos on every call, so one request carrying k memos
costs O(k²): 46 ms of a request at 1,000 memos, and most of a 1,000-step run's time.

The Lambda process is ours and the SDK runs inside it (this module is imported after the
user's functions, so the SDK is already loaded), so the runtime replaces that method with
one that copies the dictionary once and then removes memos in place. What callers can observe
is unchanged: the dictionary the memos were built from is never mutated, `size` counts the
memos not yet taken, and an iterator from `values()` is never disturbed by a later `pop` (the
next `pop` copies again). The replacement applies only to SDK versions whose `pop` was checked
(`CHECKED_VERSIONS`); any other version runs untouched, and `INNGEST_LAMBDA_SDK_REPLAY_FIX=0`
turns it off. Remote apps (a user's own server) run their own SDK and are not affected.
"""

from __future__ import annotations

from typing import Any

from inngest._internal import const, types
from inngest._internal.step_lib.base import StepMemos

# inngest-py versions whose `StepMemos.pop` and `values` were read and match what this replaces.
CHECKED_VERSIONS = frozenset({"0.5.19"})

_PRIVATE = "_inngest_lambda_private"  # the dictionary this StepMemos owns and may change in place
_original: tuple[Any, Any] | None = None  # the SDK's own (pop, values)


def install(enabled: bool = True) -> bool:
    """Put the linear `pop` in place (or, when not enabled, the SDK's own back); True when the
    linear one is active. Each runtime build calls it, so the last setting wins."""
    global _original
    if _original is None:
        _original = (StepMemos.pop, StepMemos.values)
    active = enabled and const.VERSION in CHECKED_VERSIONS
    StepMemos.pop, StepMemos.values = (_pop, _values) if active else _original  # type: ignore[method-assign]
    return active


def _pop(self: Any, hashed_id: str) -> Any:
    memos = self._memos
    if hashed_id not in memos:
        return types.empty_sentinel
    if getattr(self, _PRIVATE, None) is not memos:
        # First take since the memos were built or handed out: work on our own copy, as the
        # original did on every call.
        memos = dict(memos)
        self._memos = memos
        setattr(self, _PRIVATE, memos)
    return memos.pop(hashed_id)


def _values(self: Any) -> Any:
    # The caller may still be iterating when the next `pop` comes: make that `pop` copy first.
    setattr(self, _PRIVATE, None)
    return iter(self._memos.values())
