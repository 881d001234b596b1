"""Property: whatever JSON arrives at the event API, the answer is never a 5xx, and an event is
stored exactly when the answer lists its id (nothing stored for a refused one)."""

from __future__ import annotations

import itertools
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inngest_lambda.runtime import get_runtime

_ids = itertools.count()

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40)  # includes lone surrogates, which JSON carries as \\udxxx escapes
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)
names = st.sampled_from(["prop/a", "prop/b", "", "inngest/x", "n" * 300]) | st.text(max_size=30)
events = st.fixed_dictionaries(
    {"name": names | json_values},
    optional={
        "data": json_values,
        "ts": json_values | st.integers(min_value=0, max_value=2**48),
        "v": json_values,
        "user": json_values,
        "id": st.just("assigned") | json_values,
    },
)
bodies = events | st.lists(events | json_values, min_size=0, max_size=6) | json_values


def _assign_ids(body: object) -> list[str | None]:
    """Give every event-like object a fresh string id (so storage can be checked per event);
    one whose id is not a string keeps it and is only checked for a 4xx."""
    items = body if isinstance(body, list) else [body]
    out: list[str | None] = []
    for item in items:
        if isinstance(item, dict) and (item.get("id") == "assigned" or "id" not in item):
            item["id"] = f"prop-{next(_ids)}"
        out.append(
            item.get("id") if isinstance(item, dict) and isinstance(item.get("id"), str) else None
        )
    return out


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=bodies)
def test_any_json_gets_a_non_5xx_answer_and_storage_matches_it(api, body):
    ids = _assign_ids(body)
    raw = json.dumps(body, allow_nan=True).encode()  # NaN/Infinity are sent as such
    res = api.http.post("/e/key", content=raw, headers={"content-type": "application/json"})
    assert res.status_code < 500, res.text
    answer = res.json()
    accepted = set(answer.get("ids", []))
    if res.status_code != 200:
        assert "error" in answer
    store = get_runtime().store
    for event_id in ids:
        if event_id is not None and len(event_id.encode()) <= 256:
            assert (store.get_event(event_id) is not None) == (event_id in accepted), event_id


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=st.binary(max_size=200))
def test_any_bytes_get_a_non_5xx_answer(api, raw):
    res = api.http.post("/e/key", content=raw, headers={"content-type": "application/json"})
    assert res.status_code < 500, res.text
