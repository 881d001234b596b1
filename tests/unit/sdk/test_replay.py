"""The runtime's linear `StepMemos.pop`: same behaviour as the SDK's own, one copy per request."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from inngest._internal import const, types
from inngest._internal.step_lib.base import Output, StepMemos

from inngest_lambda import runtime, settings
from inngest_lambda.sdk import replay as sdk_replay
from inngest_lambda.testing import assert_completed

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def sdk_own():
    """The SDK's own methods while a test runs, whatever an earlier runtime build installed."""
    sdk_replay.install(enabled=False)
    yield
    sdk_replay.install(enabled=True)


def _memos(n: int) -> dict[str, object]:
    return {f"id-{i}": {"data": i} for i in range(n)}


# A script: ("pop", i) takes memo "id-i" (absent when i >= n), ("values", k) starts an iterator
# over values() and reads k of it now, the rest after everything else.
_ops = st.lists(
    st.one_of(
        st.tuples(st.just("pop"), st.integers(0, 12)),
        st.tuples(st.just("values"), st.integers(0, 12)),
    ),
    max_size=30,
)


def _play(n: int, ops: list[tuple[str, int]]) -> tuple[list[object], dict[str, object]]:
    raw = _memos(n)
    given_raw = {k: dict(v) for k, v in raw.items()}
    memos = StepMemos.from_raw(raw)
    seen: list[object] = []
    open_iterators = []
    for op, arg in ops:
        if op == "pop":
            memo = memos.pop(f"id-{arg}")
            seen.append(("pop", None if memo is types.empty_sentinel else memo.data, memos.size))
        else:
            it = memos.values()
            seen.append(("values", [m.data for _, m in zip(range(arg), it, strict=False)]))
            open_iterators.append(it)
    seen.extend(("rest", [m.data for m in it]) for it in open_iterators)
    seen.append(("left", sorted(m.data for m in memos.values())))
    assert raw == given_raw  # the caller's dictionary is never changed
    return seen, raw


@given(n=st.integers(0, 10), ops=_ops)
def test_linear_pop_behaves_as_the_sdks_own(n: int, ops: list[tuple[str, int]]) -> None:
    sdk_replay.install(enabled=False)
    try:
        expected = _play(n, ops)
    finally:
        sdk_replay.install(enabled=True)
    assert _play(n, ops) == expected


def test_a_memo_that_is_not_an_output_keeps_its_raw_value() -> None:
    sdk_replay.install(enabled=True)
    memos = StepMemos({"a": Output(data=1)})
    assert memos.pop("a").data == 1
    assert memos.pop("a") is types.empty_sentinel
    assert memos.size == 0


@pytest.mark.durable(functions="bench.workflows")
def test_a_request_copies_its_memos_once_not_once_per_step(durable, monkeypatch) -> None:
    """Without the fix a request carrying k memos rebuilds the memo dictionary k times (O(k²));
    counted here as assignments of `StepMemos._memos`, per request (one StepMemos each)."""
    counts = {"requests": 0, "assignments": 0}
    own_init = StepMemos.__init__

    def init(self: Any, memos: dict[str, Any]) -> None:
        counts["requests"] += 1
        own_init(self, memos)

    def setattr_(self: Any, name: str, value: Any) -> None:
        if name == "_memos":
            counts["assignments"] += 1
        object.__setattr__(self, name, value)

    monkeypatch.setattr(StepMemos, "__init__", init)
    monkeypatch.setattr(StepMemos, "__setattr__", setattr_)
    assert_completed(durable.run(durable.send("bench/steps", {"steps": 60})))
    assert counts["requests"] >= 60
    # One in __init__, one copy on the first pop; the SDK's own pop would make ~30 per request.
    assert counts["assignments"] <= 2 * counts["requests"]


def test_other_sdk_versions_run_untouched(monkeypatch, sdk_own) -> None:
    own_pop = StepMemos.pop
    monkeypatch.setattr(const, "VERSION", "0.6.0")
    assert sdk_replay.install(enabled=True) is False
    assert StepMemos.pop is own_pop


def test_the_setting_turns_it_off_and_on(fresh_runtime, monkeypatch) -> None:
    sdk_replay.install(enabled=False)
    own_pop = StepMemos.pop
    monkeypatch.setenv(settings.ENV_SDK_REPLAY_FIX, "0")
    assert runtime.get_runtime().sdk_replay_fixed is False
    assert StepMemos.pop is own_pop
    monkeypatch.delenv(settings.ENV_SDK_REPLAY_FIX)
    settings.get_settings.cache_clear()
    runtime.get_runtime.cache_clear()
    assert runtime.get_runtime().sdk_replay_fixed is True
    assert StepMemos.pop is not own_pop


def test_the_pinned_sdk_is_one_whose_pop_was_checked() -> None:
    """Upgrading inngest must come with reading its StepMemos again (and extending the set)."""
    pinned = re.search(r"^inngest==(\S+)$", (ROOT / "requirements.lock").read_text(), re.M)
    assert pinned is not None
    assert pinned.group(1) in sdk_replay.CHECKED_VERSIONS
