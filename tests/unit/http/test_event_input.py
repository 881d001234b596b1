"""Strict reading of event API requests: every bad input named precisely, good input untouched."""

import json

import pytest

from inngest_lambda.http import event_input
from inngest_lambda.http.event_input import InputError, check_events, parse_body


def _one_problem(payload: object) -> str:
    checked = check_events(payload)
    assert not checked.valid
    assert len(checked.refused) == 1
    return checked.refused[0].message


def test_single_event_and_list_are_accepted_untouched():
    assert check_events({"name": "a/b", "data": {}}).valid == [{"name": "a/b", "data": {}}]
    ev = {"name": "b", "data": {"x": 1}, "id": "x", "ts": 1700000000000, "v": "2024-01-01.1"}
    ev["user"] = {}
    assert check_events([{"name": "a"}, ev]).valid == [{"name": "a"}, ev]


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ({"data": {}}, "'name' is required"),
        ({"name": ""}, "'name' is required"),
        ({"name": "   "}, "'name' is required"),
        ({"name": 5}, "'name' is required"),
        ({"name": "inngest/function.failed"}, "reserved"),
        ({"name": "a", "data": [1]}, "'data' must be a JSON object, got array"),
        ({"name": "a", "data": "x"}, "'data' must be a JSON object"),
        ({"name": "a", "user": 3}, "'user' must be a JSON object"),
        ({"name": "a", "id": 5}, "'id' must be a string"),
        ({"name": "a", "ts": "yesterday"}, "'ts' must be an integer"),
        ({"name": "a", "ts": True}, "'ts' must be an integer"),
        ({"name": "a", "ts": 1e29}, "'ts' must be an integer"),
        ({"name": "a", "ts": 10**29}, "'ts' must be an integer"),
        ({"name": "a", "ts": -5}, "'ts' must be an integer"),
        ({"name": "a", "ts": 5}, "'ts' 5 is outside 1980-01-01 to 2100-01-01"),
        ({"name": "a", "ts": 4_102_444_800_000}, "outside 1980-01-01 to 2100-01-01"),
        ({"name": "a", "ts": 4_000_000_000_000}, "more than a year ahead"),
        ({"name": "a", "v": 5}, "'v' must be a string"),
        ({"name": "x" * 3000}, "'name' is 3000 bytes long, longer than the 256 bytes allowed"),
        ({"name": "a", "id": "i" * 3000}, "'id' is 3000 bytes long"),
        ({"name": "bad\ud800name"}, "lone UTF-16 surrogate"),
        ({"name": "a", "id": "\udfff"}, "lone UTF-16 surrogate"),
        ({"name": "a", "data": {"k\ud800": 1}}, "lone UTF-16 surrogate"),
        ("just a string", "must be a JSON object, got string"),
    ],
)
def test_bad_events_are_refused_with_a_message_naming_the_problem(payload, fragment):
    assert fragment in _one_problem(payload)


def test_an_event_over_the_size_limit_is_refused_with_413():
    checked = check_events({"name": "a", "data": {"blob": "x" * (3 * 1024 * 1024)}})
    assert checked.refused[0].status == 413
    assert "larger than the 3145728 bytes allowed" in checked.refused[0].message


def test_a_batch_keeps_its_valid_events_and_names_each_refused_one_by_index():
    checked = check_events(
        [{"name": "ok"}, {"nope": 1}, {"name": "also-ok"}, {"name": "a", "v": 1}]
    )
    assert checked.valid == [{"name": "ok"}, {"name": "also-ok"}]
    assert [r.index for r in checked.refused] == [1, 3]
    assert checked.error().startswith("event 1: 'name' is required")
    assert "event 3: 'v' must be a string" in checked.error()


@pytest.mark.parametrize(
    ("payload", "status", "fragment"),
    [([], 400, "no events"), ([{"name": "a"}] * 5001, 413, "too many events")],
)
def test_requests_refused_whole(payload, status, fragment):
    with pytest.raises(InputError) as info:
        check_events(payload)
    assert info.value.status == status and fragment in str(info.value)


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b"{not json", "not valid JSON"),
        (b'{"name": "a", "data": {"x": NaN}}', "NaN is not a JSON number"),
        (b'{"name": "a", "data": {"x": Infinity}}', "Infinity is not a JSON number"),
        (b'{"name": "a", "data": {"x": -Infinity}}', "-Infinity is not a JSON number"),
        (b'{"name": "\xff"}', "not valid UTF-8"),
        (b"[" * 1500 + b"]" * 1500, "nested more than 100 levels"),
        (b'{"a":' * 1500 + b"1" + b"}" * 1500, "nested more than 100 levels"),
        (b"[" * 101 + b"]" * 101, "nested more than 100 levels"),
    ],
)
def test_unreadable_bodies_are_refused_whole(raw, fragment):
    with pytest.raises(InputError) as info:
        parse_body(raw)
    assert info.value.status == 400
    assert fragment in str(info.value)


def test_depth_limit_is_inclusive_and_a_lone_surrogate_escape_still_parses():
    assert parse_body(b"[" * 100 + b"]" * 100) is not None
    # JSON may escape a lone surrogate; it parses, and check_events refuses it.
    assert _one_problem(parse_body(b'{"name": "\\ud800"}')).endswith("not valid Unicode")


def test_a_body_over_the_lambda_payload_limit_is_413_naming_it():
    with pytest.raises(InputError) as info:
        parse_body(b" " * (6 * 1024 * 1024 + 1))
    assert info.value.status == 413
    assert "AWS Lambda accepts" in str(info.value)


def test_limits_are_settings(monkeypatch):
    from inngest_lambda.settings import get_settings

    monkeypatch.setenv("INNGEST_LAMBDA_MAX_EVENT_BYTES", "100")
    get_settings.cache_clear()
    try:
        assert check_events({"name": "a", "data": {"x": "y" * 100}}).refused[0].status == 413
    finally:
        monkeypatch.delenv("INNGEST_LAMBDA_MAX_EVENT_BYTES")
        get_settings.cache_clear()
    assert event_input.MAX_JSON_DEPTH == 100
    assert json.loads("[1]") == [1]
