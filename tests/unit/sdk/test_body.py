"""The SDK request body built from cached step fragments: canonical when signing, and the same
document the SDK would get from encoding the whole body at once."""

from __future__ import annotations

import json

import jcs
from inngest._internal import net, server_lib

from inngest_lambda.sdk import client as sdk
from inngest_lambda.sdk.body import RequestBody
from inngest_lambda.storage.store import COMPLETED, FAILED, Step

KEY = "signkey-prod-" + "ab" * 32
EVENT = {"name": "shop/ordér", "data": {"z": 1.5, "a": [1e21, -0.0, "\u2028"], "ü": None}, "ts": 1}

MEMOS = {
    "b7e1": {"data": {"total": 10, "name": "Zoë", "nested": {"y": 2, "x": [3, 2.50]}}},
    "a0ff": {"data": None},
    "\u00e9t\u00e9": {"error": {"name": "Error", "message": "\U0001f600 boom"}},
    "\ufb01": {"data": "ligature id sorts by UTF-16 code units"},
    "\U0001f600": {"data": 1},
}


def _steps() -> list[Step]:
    out = []
    for seq, (step_id, memo) in enumerate(MEMOS.items()):
        status = FAILED if "error" in memo else COMPLETED
        out.append(Step(step_id, step_id, "StepRun", status, seq, memo=memo))
    return out


def _expected(attempt: int = 2) -> dict:
    ids = list(MEMOS)
    return {
        "ctx": {
            "attempt": attempt,
            "disable_immediate_execution": True,
            "max_attempts": 4,
            "run_id": "run-1",
            "stack": {"current": len(ids), "stack": ids},
        },
        "event": EVENT,
        "events": [EVENT],
        "steps": MEMOS,
        "use_api": False,
        "version": 1,
    }


def _build(canonical: bool, steps: list[Step]) -> bytes:
    body = RequestBody(EVENT, [EVENT], "run-1", canonical=canonical)
    for step in reversed(steps):  # arrival order does not matter, seq does
        body.add(step)
    return body.build(attempt=2, max_attempts=4, disable_immediate=True)


def test_signed_body_is_exactly_the_jcs_form_of_the_whole_document():
    payload = _build(True, _steps())
    assert json.loads(payload) == _expected()
    assert payload == jcs.canonicalize(_expected())


def test_signed_body_is_accepted_by_the_sdk_verifier():
    payload = _build(True, _steps())
    ok = net.validate_request_sig(
        body=payload,
        headers={"x-inngest-signature": sdk.sign(payload, KEY)},
        mode=server_lib.ServerKind.CLOUD,
        signing_key=KEY,
        signing_key_fallback=None,
    )
    assert ok == KEY


def test_unsigned_body_is_the_same_document():
    assert json.loads(_build(False, _steps())) == _expected()


def test_unsigned_body_reuses_the_stored_memo_text_instead_of_encoding_again():
    step = Step("s1", "s1", "StepRun", COMPLETED, 0, memo={"data": 1}, memo_text='{"data": 1 }')
    assert b'"s1":{"data": 1 }' in _build(False, [step])


def test_a_step_is_encoded_once_and_later_requests_add_only_new_steps():
    body = RequestBody(EVENT, [EVENT], "run-1", canonical=True)
    steps = _steps()
    body.add(steps[0])
    first = body.build(attempt=0, max_attempts=4, disable_immediate=False)
    body.add(steps[0])  # the same step again (a reload) changes nothing
    assert body.build(attempt=0, max_attempts=4, disable_immediate=False) == first
    for step in steps[1:]:
        body.add(step)
    assert len(body) == len(MEMOS)
    assert json.loads(body.build(attempt=2, max_attempts=4, disable_immediate=True)) == _expected()


def test_without_state_the_sdk_is_told_to_fetch_batch_and_memos_itself():
    body = RequestBody(EVENT, [EVENT], "run-1", canonical=True)
    for step in _steps():
        body.add(step)
    payload = body.build(attempt=2, max_attempts=4, disable_immediate=True, with_state=False)
    expected = {**_expected(), "events": None, "steps": {}, "use_api": True}
    assert payload == jcs.canonicalize(expected)
