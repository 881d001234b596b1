"""`/fn/register`: flow-control options Inngest rejects get a 400; cron triggers get schedules."""

from __future__ import annotations

from inngest_lambda.core import aws
from inngest_lambda.flow import cron
from tests.support.registration import app_sync, one_step_function


def _body(**options):
    triggers = options.pop("triggers", [{"event": "remote/flow"}])
    fn = one_step_function("remote-flow", triggers, name="flow", **options)
    return app_sync("remote-flow", [fn])


def test_register_rejects_batching_with_debounce(api):
    body = _body(
        batchEvents={"maxSize": 10, "timeout": "5s"},
        debounce={"period": "5s"},
    )
    res = api.http.post("/fn/register", json=body)
    assert res.status_code == 400
    assert "remote-flow" in res.json()["error"]
    assert "batch_events cannot be combined with debounce" in res.json()["error"]


def test_register_rejects_an_invalid_key_expression(api):
    res = api.http.post(
        "/fn/register", json=_body(rateLimit={"limit": 1, "period": "1m", "key": "event.data.("})
    )
    assert res.status_code == 400
    assert "rate_limit.key" in res.json()["error"]


def test_register_creates_schedules_for_cron_triggers(api, stack):
    body = _body(triggers=[{"cron": "TZ=America/New_York */30 8-17 * * 1-5", "jitter": "90s"}])
    res = api.http.post("/fn/register", json=body)
    assert res.status_code == 200, res.text
    name = cron.schedule_name("remote-flow", "TZ=America/New_York */30 8-17 * * 1-5")
    sched = aws.client("scheduler").get_schedule(Name=name, GroupName=stack.settings.schedule_group)
    assert sched["ScheduleExpression"] == "cron(0,30 8-17 ? * MON-FRI *)"
    assert sched["ScheduleExpressionTimezone"] == "America/New_York"
    assert sched["FlexibleTimeWindow"] == {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 2}
    aws.client("scheduler").delete_schedule(Name=name, GroupName=stack.settings.schedule_group)
