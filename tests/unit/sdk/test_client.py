"""Our side of the SDK protocol: signatures the SDK accepts, URLs it routes."""

import json
import urllib.parse

import pytest
from inngest._internal import net, server_lib

from inngest_lambda.sdk import client as sdk

KEY = "signkey-prod-" + "ab" * 32


def _sdk_verifies(body: bytes, header: str) -> object:
    """What the SDK's own verifier (cloud mode, signing key KEY) makes of a signed body."""
    return net.validate_request_sig(
        body=body,
        headers={"x-inngest-signature": header},
        mode=server_lib.ServerKind.CLOUD,
        signing_key=KEY,
        signing_key_fallback=None,
    )


def test_signature_is_accepted_by_the_sdk_verifier():
    body = sdk.canonical_json({"event": {"name": "x", "data": {"b": 1, "a": [1, 2]}}, "steps": {}})
    assert _sdk_verifies(body, sdk.sign(body, KEY)) == KEY


def test_signature_with_wrong_key_is_rejected_by_the_sdk():
    body = sdk.canonical_json({"a": 1})
    res = _sdk_verifies(body, sdk.sign(body, "signkey-prod-" + "cd" * 32))
    assert isinstance(res, Exception)


def test_canonical_json_sorts_keys():
    assert sdk.canonical_json({"b": 1, "a": 2}) == b'{"a":2,"b":1}'
    assert json.loads(sdk.canonical_json({"x": "é"})) == {"x": "é"}


def test_step_url_replaces_step_and_keeps_other_params():
    url = sdk.step_url("https://app.example/api/inngest?fnId=old&stepId=step&x=1", "app-fn", "abc")
    parts = urllib.parse.urlsplit(url)
    assert parts.netloc == "app.example"
    assert dict(urllib.parse.parse_qsl(parts.query)) == {
        "fnId": "app-fn",
        "stepId": "abc",
        "x": "1",
    }


@pytest.mark.parametrize(
    ("header", "expected"),
    [("5", 5.0), ("0.5", 0.5), (None, None), ("not a time", None)],
)
def test_retry_after_parsing(header, expected):
    headers = {"retry-after": header} if header is not None else {}
    assert sdk.SdkResponse(500, {}, headers).retry_after == expected


def test_retry_after_as_iso_time():
    from inngest_lambda.core import clock

    future = clock.iso(clock.now() + 60)
    got = sdk.SdkResponse(500, {}, {"retry-after": future}).retry_after
    assert 58 < got <= 60
