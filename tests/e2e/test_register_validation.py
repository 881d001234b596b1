"""`/fn/register` bad input: a 400 naming the field, nothing stored; a bad stored app never
breaks event ingestion or the runs of other apps."""

from __future__ import annotations

import json

import pytest

from inngest_lambda.core import aws
from inngest_lambda.runtime import get_runtime
from inngest_lambda.storage.store import item_key
from tests.support.registration import app_sync, one_step_function


def _fn(**overrides):
    fn = one_step_function("reg-fn", [{"event": "reg/go"}], name="reg")
    fn.update(overrides)
    return fn


def _body(appname="reg-app", **fn_overrides):
    return app_sync(appname, [_fn(**fn_overrides)])


def _stored_apps() -> list[str]:
    return sorted(app["app_id"] for app in get_runtime().store.list_apps())


@pytest.fixture()
def clean_apps(stack):
    """Each test starts and ends without stored apps (they live in the module's table)."""

    def wipe() -> None:
        table = get_runtime().store
        for app in table.list_apps():
            aws.client("dynamodb").delete_item(
                TableName=stack.settings.table, Key=item_key("APPS", f"A#{app['app_id']}")
            )
        get_runtime().registry.refresh()

    wipe()
    yield
    wipe()


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"triggers": [{"event": 5}]}, "functions[0].triggers[0].event"),
        ({"triggers": ["reg/go"]}, "functions[0].triggers[0]"),
        ({"triggers": [{}]}, "functions[0].triggers[0].event"),
        ({"triggers": [{"event": "reg/go", "expression": 7}]}, "triggers[0].expression"),
        ({"steps": 5}, "functions[0].steps"),
        ({"steps": {}}, "functions[0].steps"),
        ({"steps": {"step": {"id": "step", "name": "s", "runtime": 1}}}, "steps.step.runtime"),
        ({"id": 12}, "functions[0].id"),
        ({"cancel": [{"event": 1}]}, "functions[0].cancel[0].event"),
        (
            {
                "steps": {
                    "step": {"id": "step", "name": "s", "runtime": {"type": "http", "url": "x"}}
                }
            },
            "steps.step.runtime.url",
        ),
    ],
)
def test_malformed_functions_are_refused_and_nothing_is_stored(api, clean_apps, overrides, named):
    res = api.http.post("/fn/register", json=_body(**overrides))
    assert res.status_code == 400, res.text
    assert named in res.json()["error"]
    assert _stored_apps() == []


def test_deep_json_is_a_400_not_a_500(api, clean_apps):
    raw = '{"appname": "deep", "url": "http://x/api", "functions": ' + "[" * 1500 + "]" * 1500 + "}"
    res = api.http.post("/fn/register", content=raw, headers={"content-type": "application/json"})
    assert res.status_code == 400
    assert "nested more than" in res.json()["error"]
    assert _stored_apps() == []


@pytest.mark.parametrize(
    ("appname", "named"), [("a" * 3000, "appname"), ("\ud800", "Unicode"), ("", "appname")]
)
def test_bad_appnames_are_refused(api, clean_apps, appname, named):
    raw = json.dumps(_body(appname=appname))  # keeps a lone surrogate as \ud800 on the wire
    res = api.http.post("/fn/register", content=raw, headers={"content-type": "application/json"})
    assert res.status_code == 400, res.text
    assert named in res.json()["error"]
    assert _stored_apps() == []


def test_not_json_nan_and_non_objects_are_refused(api, clean_apps):
    for raw in ("{", "[1]", '"app"', '{"appname": NaN}'):
        res = api.http.post(
            "/fn/register", content=raw, headers={"content-type": "application/json"}
        )
        assert res.status_code == 400, (raw, res.text)
    assert _stored_apps() == []


def test_registering_a_function_id_this_deployment_serves_is_refused(api, clean_apps):
    res = api.http.post("/fn/register", json=_body(id="e2e-three-steps"))
    assert res.status_code == 409
    assert "e2e-three-steps" in res.json()["error"]
    assert _stored_apps() == []


def test_a_sync_of_the_in_process_app_stores_nothing(api, clean_apps):
    """The SDK's PUT sync of the app this Lambda serves posts a registration whose URL comes
    from the request's Host header; the app is served in-process, so nothing changes."""
    body = _body(appname="e2e", id="e2e-three-steps")
    body["url"] = "https://attacker.example/api/inngest"
    res = api.http.post("/fn/register", json=body)
    assert res.status_code == 200
    assert res.json() == {"ok": True, "modified": False}
    assert _stored_apps() == []


def test_a_valid_registration_with_extra_sdk_fields_is_stored(api, clean_apps):
    body = _body(concurrency=[{"limit": 2}], futureOption={"x": [1, 2]})
    body.update({"framework": "fast_api", "sdk": "py:v0.5.19", "v": "0.1", "deployType": "ping"})
    res = api.http.post("/fn/register", json=body)
    assert res.status_code == 200, res.text
    assert _stored_apps() == ["reg-app"]
    assert get_runtime().registry.get("reg-fn").config["futureOption"] == {"x": [1, 2]}


def _store_raw_app(stack, app_id: str, functions_json: str) -> None:
    aws.client("dynamodb").put_item(
        TableName=stack.settings.table,
        Item={
            **item_key("APPS", f"A#{app_id}"),
            "url": {"S": "http://127.0.0.1:9/api/inngest"},
            "functions": {"S": functions_json},
        },
    )
    get_runtime().registry.refresh()


def test_a_bad_stored_app_does_not_break_events_or_other_apps(api, stack, clean_apps):
    """Items written straight to the table (an older version, a manual edit): a trigger
    `{"event": 5}`, `steps: 5`, a non-object trigger, undecodable JSON. Ingestion and the
    runs of the in-process app and of a good remote app carry on."""
    in_flight = api.send("e2e/sleep", {"seconds": 1})
    api.wait_step(in_flight, "nap", "Scheduled")
    good = api.http.post("/fn/register", json=_body(appname="good-app", id="good-fn"))
    assert good.status_code == 200, good.text
    _store_raw_app(stack, "bad-event", json.dumps([_fn(id="bad-1", triggers=[{"event": 5}])]))
    _store_raw_app(stack, "bad-steps", json.dumps([_fn(id="bad-2", steps=5)]))
    _store_raw_app(stack, "bad-trigger", json.dumps([_fn(id="bad-3", triggers=[7])]))
    _store_raw_app(stack, "bad-json", "{not json")

    assert api.wait_run(in_flight)["output"] == {"before": "before", "after": "after"}
    event_id = api.send("e2e/three", {"n": 1})
    run = api.wait_run(event_id)
    assert run["status"] == "Completed", run
    assert run["output"]["c"] == "1->2->4"

    registry = get_runtime().registry
    assert registry.get("good-fn") is not None
    assert [registry.get(f"bad-{i}") for i in (1, 2, 3)] == [None, None, None]
    # A good remote function is still matched by its events (its run starts).
    remote = api.http.post("/e/test-key", json={"name": "reg/go", "data": {}})
    assert remote.status_code == 200, remote.text
    assert [r["function_id"] for r in api.runs(remote.json()["ids"][0])] == ["good-fn"]
