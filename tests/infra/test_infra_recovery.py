"""The synthesized stack's recovery parts: the sweeper's schedule and index, dead letters of
one-off timer schedules and the alarm on them (issue 12 items 5 and 7)."""

import json

from inngest_lambda import settings


def _logical(synth, *path):
    node = synth.stack
    for name in path:
        node = node.node.find_child(name)
    return synth.logical_id(node)


def _getatt(logical_id, attribute="Arn"):
    return {"Fn::GetAtt": [logical_id, attribute]}


def test_the_sweeper_runs_every_minute_with_retries_and_a_dead_letter_queue(synth):
    (sweeper,) = [
        s["Properties"]
        for s in synth.resources("AWS::Scheduler::Schedule").values()
        if s["Properties"].get("Name") == settings.SWEEPER_SCHEDULE
    ]
    assert sweeper["ScheduleExpression"] == "rate(1 minute)"
    target = sweeper["Target"]
    assert json.loads(target["Input"]) == {"kind": "sweep"}
    assert target["Arn"] == _getatt(_logical(synth, "Work", "Queue"))
    assert target["DeadLetterConfig"] == {
        "Arn": _getatt(_logical(synth, "Work", "DeadLetterQueue"))
    }
    assert target["RetryPolicy"]["MaximumRetryAttempts"] >= 1


def test_the_sweep_index_is_sparse_and_projects_only_what_the_sweeper_reads(synth):
    table = synth.one("AWS::DynamoDB::Table")
    (index,) = [
        i for i in table["GlobalSecondaryIndexes"] if i["IndexName"] == settings.SWEEP_INDEX
    ]
    assert index["KeySchema"] == [
        {"AttributeName": settings.SWEEP_SHARD_ATTRIBUTE, "KeyType": "HASH"},
        {"AttributeName": settings.SWEEP_AT_ATTRIBUTE, "KeyType": "RANGE"},
    ]
    assert index["Projection"] == {
        "ProjectionType": "INCLUDE",
        "NonKeyAttributes": [settings.SWEEPS_ATTRIBUTE],
    }


def test_one_off_timer_schedules_can_dead_letter_and_the_dlq_is_alarmed(synth):
    dlq = _logical(synth, "Work", "DeadLetterQueue")
    functions = [f["Properties"] for f in synth.resources("AWS::Lambda::Function").values()]
    # The runtime names the DLQ as the dead-letter target of every one-off schedule it makes...
    assert functions
    for function in functions:
        assert function["Environment"]["Variables"][settings.ENV_DLQ_ARN] == _getatt(dlq)
    # ...Scheduler's role may deliver there...
    role = _logical(synth, "Scheduling", "Role")
    statements = [
        st
        for p in synth.resources("AWS::IAM::Policy").values()
        if {"Ref": role} in p["Properties"]["Roles"]
        for st in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    resources = [
        r
        for st in statements
        for r in (st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]])
    ]
    assert _getatt(dlq) in resources
    # ...and a message there raises the alarm.
    alarms = [a["Properties"] for a in synth.resources("AWS::CloudWatch::Alarm").values()]
    assert any(
        a["MetricName"] == "ApproximateNumberOfMessagesVisible"
        and {"Name": "QueueName", "Value": _getatt(dlq, "QueueName")} in a["Dimensions"]
        for a in alarms
    )


def test_the_worker_may_query_the_sweep_index(synth):
    table = _logical(synth, "Storage", "Table")
    queried = [
        resource
        for p in synth.resources("AWS::IAM::Policy").values()
        for st in p["Properties"]["PolicyDocument"]["Statement"]
        if st["Action"] == "dynamodb:Query"
        for resource in (st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]])
    ]
    assert {"Fn::Join": ["", [_getatt(table), f"/index/{settings.SWEEP_INDEX}"]]} in queried
