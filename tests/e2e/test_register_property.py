"""Property: whatever arrives at `/fn/register` (a registration with any part replaced by
arbitrary JSON, or arbitrary JSON and bytes), the answer is never a 5xx, and the app is stored
exactly when the answer says it was; POST /e keeps working afterwards."""

from __future__ import annotations

import itertools
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inngest_lambda.core import aws
from inngest_lambda.runtime import get_runtime
from inngest_lambda.storage.store import item_key

_apps = itertools.count()
URL = "http://127.0.0.1:9/api/inngest"

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40)
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)
# Places in a well-formed registration that a mutation replaces with arbitrary JSON.
PATHS = [
    ("appname",),
    ("url",),
    ("functions",),
    ("functions", 0),
    ("functions", 0, "id"),
    ("functions", 0, "name"),
    ("functions", 0, "triggers"),
    ("functions", 0, "triggers", 0),
    ("functions", 0, "triggers", 0, "event"),
    ("functions", 0, "triggers", 0, "expression"),
    ("functions", 0, "steps"),
    ("functions", 0, "steps", "step"),
    ("functions", 0, "steps", "step", "runtime"),
    ("functions", 0, "steps", "step", "runtime", "url"),
    ("functions", 0, "steps", "step", "retries"),
    ("functions", 0, "cancel"),
    ("functions", 0, "concurrency"),
    ("functions", 0, "throttle"),
    ("functions", 0, "debounce"),
    ("functions", 0, "batchEvents"),
    ("functions", 0, "rateLimit"),
    ("functions", 0, "singleton"),
    ("functions", 0, "timeouts"),
    ("functions", 0, "priority"),
]


def _registration(appname: str) -> dict:
    fn = {
        "id": f"{appname}-fn",
        "name": "prop",
        "triggers": [{"event": f"prop-register/{appname}"}],
        "steps": {"step": {"id": "step", "name": "step", "runtime": {"type": "http", "url": URL}}},
    }
    return {"appname": appname, "url": URL, "functions": [fn]}


def _has(container: object, part: object) -> bool:
    if isinstance(container, dict):
        return part in container
    return isinstance(container, list) and isinstance(part, int) and part < len(container)


def _set(body: dict, path: tuple, value: object) -> None:
    target: object = body
    for part in path[:-1]:
        if not _has(target, part):
            return  # an earlier mutation removed the parent
        target = target[part]  # type: ignore[index]
    if isinstance(target, dict) or _has(target, path[-1]):
        target[path[-1]] = value  # type: ignore[index]


mutations = st.lists(st.tuples(st.sampled_from(PATHS), json_values), min_size=1, max_size=3)


def _stored(appname: object) -> bool:
    return any(a["app_id"] == appname for a in get_runtime().store.list_apps())


def _forget(stack, appname: str) -> None:
    aws.client("dynamodb").delete_item(
        TableName=stack.settings.table, Key=item_key("APPS", f"A#{appname}")
    )


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(changes=mutations)
def test_any_mutated_registration_gets_a_non_5xx_answer_and_storage_matches(api, stack, changes):
    appname = f"prop-app-{next(_apps)}"
    body = _registration(appname)
    for path, value in changes:
        _set(body, path, value)
    raw = json.dumps(body, allow_nan=True).encode()
    res = api.http.post("/fn/register", content=raw, headers={"content-type": "application/json"})
    assert res.status_code < 500, res.text
    stored_name = body.get("appname") if isinstance(body, dict) else None
    modified = res.status_code == 200 and res.json().get("modified") is True
    if res.status_code != 200:
        assert "error" in res.json()
    if isinstance(stored_name, str) and len(stored_name) <= 200:
        assert _stored(stored_name) == modified, (res.status_code, res.text)
        if modified:
            _forget(stack, stored_name)
    # Whatever was (or was not) stored, events are still ingested.
    sent = api.http.post("/e/key", json={"name": "prop-register/ping", "data": {}})
    assert sent.status_code == 200, sent.text


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=json_values | st.binary(max_size=200))
def test_any_json_or_bytes_get_a_4xx(api, body):
    raw = body if isinstance(body, bytes) else json.dumps(body, allow_nan=True).encode()
    res = api.http.post("/fn/register", content=raw, headers={"content-type": "application/json"})
    assert 400 <= res.status_code < 500, res.text
