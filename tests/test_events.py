"""Event validation: every bad input named precisely, good input untouched."""

import pytest

from inngest_lambda import events


def test_single_event_and_list_are_accepted():
    assert events.validate({"name": "a/b", "data": {}}) == [{"name": "a/b", "data": {}}]
    assert len(events.validate([{"name": "a"}, {"name": "b", "data": {"x": 1}}])) == 2


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ({"data": {}}, "'name' is required"),
        ({"name": ""}, "'name' is required"),
        ({"name": "   "}, "'name' is required"),
        ({"name": 5}, "'name' is required"),
        ({"name": "inngest/function.failed"}, "reserved"),
        ({"name": "a", "data": [1]}, "'data' must be a JSON object"),
        ({"name": "a", "data": "x"}, "'data' must be a JSON object"),
        ({"name": "a", "id": 5}, "'id' must be a string"),
        ({"name": "a", "ts": "yesterday"}, "'ts' must be an integer"),
        ("just a string", "must be a JSON object"),
        ([], "no events"),
        ([{"name": "ok"}, {"nope": 1}], "event 1:"),
        ({"name": "a", "data": {"blob": "x" * (512 * 1024)}}, "larger than"),
        ([{"name": "a"}] * 5001, "too many events"),
    ],
)
def test_bad_events_are_refused_with_a_message_naming_the_problem(payload, fragment):
    with pytest.raises(events.EventError) as info:
        events.validate(payload)
    assert fragment in str(info.value)


def test_normalise_fills_id_ts_and_data_but_keeps_given_ones():
    out = events.normalise([{"name": "a"}, {"name": "b", "id": "mine", "ts": 5, "data": {"k": 1}}])
    assert out[0]["id"] and out[0]["ts"] > 0 and out[0]["data"] == {}
    assert out[1] == {"name": "b", "id": "mine", "ts": 5, "data": {"k": 1}}
