"""Values inline up to the limit, in S3 past it (one PutObject, one GetObject to read)."""

from __future__ import annotations

from inngest_lambda.storage import values
from tests.unit.storage.conftest import Calls, Db


def test_a_small_value_stays_inline(db: Db, calls: Calls):
    assert values.dump_value("01R", "output", "output", {"a": [1, 2]}) == {"output": '{"a":[1,2]}'}
    assert values.load_value({"output": '{"a":[1,2]}'}, "output") == {"a": [1, 2]}
    assert values.load_value({}, "output") is None
    assert calls.take() == {}


def test_a_value_over_the_limit_goes_to_s3(db: Db, calls: Calls):
    stored = values.dump_value("01R", "output", "output", "abcdef", limit=5)
    assert stored == {"output_ref": "runs/01R/output.json"}
    assert calls.take() == {"PutObject": 1}
    assert values.load_value(stored, "output") == "abcdef"
    assert calls.take() == {"GetObject": 1}
    # An owner id with a prefix (events) names its own key.
    assert values.dump_text("events/e1", "event", "event", "xyz", limit=1) == {
        "event_ref": "events/e1/event.json"
    }
