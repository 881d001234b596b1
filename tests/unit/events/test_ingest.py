"""Normalising accepted events."""

from inngest_lambda.events import ingest as events


def test_normalise_fills_id_ts_and_data_but_keeps_given_ones():
    out = events.normalise([{"name": "a"}, {"name": "b", "id": "mine", "ts": 5, "data": {"k": 1}}])
    assert out[0]["id"] and out[0]["ts"] > 0 and out[0]["data"] == {}
    assert out[1] == {"name": "b", "id": "mine", "ts": 5, "data": {"k": 1}}
