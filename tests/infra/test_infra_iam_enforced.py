"""The Lambda role's policy, taken from the synthesized template, is enough to run the workflows
and every action in it is needed: the runtime runs on the local stack with moto's IAM
enforcement on (`INITIAL_NO_AUTH_ACTION_COUNT` 0), signed with credentials of a role whose only
policy is the template's.

What moto checks: the action of every call, for every service; the resource only for SQS and S3
(its DynamoDB, Scheduler and Secrets Manager handlers authorize against `*`), so for those the
template's resource ARNs are widened to `*` here and their scoping is checked on the template
instead (tests/infra/test_infra_stack.py). Scheduler's GET and DELETE requests fail moto's
signature check whatever the credentials, so `DeleteSchedule` is proven used by the cleanup
tests (tests/e2e/test_schedule_cleanup.py), not here. moto names some calls by their own API
name where AWS authorizes them through other actions (`TransactWriteItems` by the per-item actions,
`SendMessageBatch` by `SendMessage`, ...); the policy gets those aliases only when the template
grants what AWS would check. The local stack's own harness (the SQS/Scheduler pump playing
Lambda's event source and Scheduler) runs as a separate administrator.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import httpx
import pytest

from inngest_lambda import runtime
from inngest_lambda.core import aws
from inngest_lambda.local.stack import LocalStack
from tests.support.stacks import local_stack
from tests.support.waiting import TERMINAL, wait_for

ACCOUNT = "123456789012"
# moto's action name -> the IAM actions AWS authorizes that call with (all of them needed).
IMPLIED = {
    "dynamodb:TransactWriteItems": {"dynamodb:PutItem", "dynamodb:UpdateItem"},
    "dynamodb:TransactGetItems": {"dynamodb:GetItem"},
    "sqs:SendMessageBatch": {"sqs:SendMessage"},
    "sqs:ChangeMessageVisibilityBatch": {"sqs:ChangeMessageVisibility"},
    "sqs:DeleteMessageBatch": {"sqs:DeleteMessage"},
}
# Services whose moto handlers authorize against "*" (see the module docstring).
# execute-api (realtime's PostToConnection) goes to the local server's @connections endpoint,
# not to moto; its scoping is checked on the template (tests/infra/test_infra_realtime.py).
RESOURCE_BLIND = ("dynamodb:", "scheduler:", "secretsmanager:", "logs:", "iam:", "execute-api:")
_ROLE_NUMBERS = itertools.count()


def _executor_statements(synth) -> list[dict[str, Any]]:
    role = synth.template["Resources"][synth.logical_id(synth.stack.executor_function)][
        "Properties"
    ]["Role"]["Fn::GetAtt"][0]
    return [
        statement
        for policy in synth.resources("AWS::IAM::Policy").values()
        if {"Ref": role} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


class _Resolver:
    """Template references -> the local stack's ARNs (queue and bucket: the only ones moto
    compares)."""

    def __init__(self, synth, settings) -> None:
        stack = synth.stack
        work = stack.node.find_child("Work")
        storage = stack.node.find_child("Storage")
        region = settings.region
        self.arns = {
            synth.logical_id(work.node.find_child("Queue")): settings.queue_arn,
            synth.logical_id(work.node.find_child("DeadLetterQueue")): (
                f"arn:aws:sqs:{region}:{ACCOUNT}:inngest-lambda-dlq"
            ),
            synth.logical_id(storage.node.find_child("Bucket")): f"arn:aws:s3:::{settings.bucket}",
        }
        self.names = {synth.logical_id(storage.node.find_child("Bucket")): settings.bucket}

    def resource(self, actions: list[str], value: Any) -> str:
        if all(a.startswith(RESOURCE_BLIND) for a in actions):
            return "*"
        return self._resolve(value)

    def _resolve(self, value: Any) -> str:
        if isinstance(value, str):
            return value
        (fn, arg), *_ = value.items()
        if fn == "Fn::GetAtt":
            return self.arns[arg[0]]
        if fn == "Ref":
            return {"AWS::Partition": "aws", "AWS::AccountId": ACCOUNT}.get(arg) or self.names[arg]
        if fn == "Fn::Join":
            return arg[0].join(self._resolve(part) for part in arg[1])
        raise AssertionError(f"cannot resolve {value!r}")


def local_policy(synth, settings, drop: str | None = None) -> dict[str, Any]:
    """The executor role's policy document for the local stack, without `drop`."""
    resolver = _Resolver(synth, settings)
    statements = []
    granted: set[str] = set()
    for statement in _executor_statements(synth):
        actions = [a for a in _as_list(statement["Action"]) if a != drop]
        if not actions:
            continue
        granted.update(actions)
        resources = sorted({resolver.resource(actions, r) for r in _as_list(statement["Resource"])})
        statements.append({"Effect": statement["Effect"], "Action": actions, "Resource": resources})
    aliases = [alias for alias, needs in IMPLIED.items() if needs <= granted]
    if aliases:
        statements.append({"Effect": "Allow", "Action": aliases, "Resource": "*"})
    return {"Version": "2012-10-17", "Statement": statements}


@pytest.fixture(scope="module")
def iam_stack() -> Iterator[LocalStack]:
    quiet = {"INNGEST_LAMBDA_LOG_LEVEL": "CRITICAL"}
    with local_stack("tests.support.apps.workflows", quiet, concurrency=4) as stack:
        iam = boto3.client("iam", region_name=stack.settings.region)
        # The harness identity (the stack's own clients keep signing as it).
        iam.create_user(UserName="harness")
        iam.put_user_policy(
            UserName="harness",
            PolicyName="all",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
                }
            ),
        )
        iam.create_access_key(UserName="harness")
        _make_harness_key_the_default(stack)
        yield stack


def _make_harness_key_the_default(stack: LocalStack) -> None:
    """moto generates key ids; the stack's clients already sign with the fake credentials
    moto put in the environment when it started: make those the harness user's key."""
    import os

    from moto.iam.models import iam_backends

    (key,) = iam_backends[ACCOUNT]["aws"].users["harness"].access_keys
    key.access_key_id = os.environ["AWS_ACCESS_KEY_ID"]
    key.secret_access_key = os.environ["AWS_SECRET_ACCESS_KEY"]


@pytest.fixture()
def as_role(iam_stack, synth, monkeypatch):
    """Run the runtime as a role holding the template's policy (minus `drop`), with IAM
    enforced for every AWS call of the test."""
    from moto.core.authorization import enable_iam_authentication

    def assume(drop: str | None = None) -> dict[str, Any]:
        policy = local_policy(synth, iam_stack.settings, drop)
        region = iam_stack.settings.region
        iam = boto3.client("iam", region_name=region)
        name = f"executor-{next(_ROLE_NUMBERS)}"
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
            ],
        }
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"][
            "Arn"
        ]
        iam.put_role_policy(RoleName=name, PolicyName="template", PolicyDocument=json.dumps(policy))
        creds = boto3.client("sts", region_name=region).assume_role(
            RoleArn=arn, RoleSessionName="lambda"
        )["Credentials"]
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", creds["AccessKeyId"])
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", creds["SecretAccessKey"])
        monkeypatch.setenv("AWS_SESSION_TOKEN", creds["SessionToken"])
        aws.reset()  # the runtime's clients sign with the role from now on
        runtime.get_runtime.cache_clear()  # a cold start: settings, registry, store anew
        return policy

    with enable_iam_authentication():
        yield assume
    aws.reset()
    runtime.get_runtime.cache_clear()


class _Api:
    def __init__(self, stack: LocalStack) -> None:
        self.http = httpx.Client(base_url=stack.url, timeout=30)

    def send(self, name: str, data: dict[str, Any]) -> httpx.Response:
        return self.http.post("/e/key", json={"name": name, "data": data})

    def runs(self, event_id: str) -> list[dict[str, Any]]:
        res = self.http.get(f"/v1/events/{event_id}/runs")
        assert res.status_code == 200, res.text
        return res.json()["data"]

    def ended(self, event_id: str, timeout: float) -> dict[str, Any] | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            runs = self.runs(event_id)
            if runs and runs[0]["status"] in TERMINAL:
                return self.http.get(f"/v1/runs/{runs[0]['run_id']}").json()["data"]
            time.sleep(0.05)
        return None


def _run(api: _Api, name: str, data: dict[str, Any], timeout: float = 30) -> dict[str, Any]:
    res = api.send(name, data)
    assert res.status_code == 200, res.text
    run = api.ended(res.json()["ids"][0], timeout)
    assert run is not None, f"{name} did not end in {timeout}s"
    return run


def test_the_template_policy_runs_every_kind_of_workflow(iam_stack, as_role):
    policy = as_role()
    api = _Api(iam_stack)
    granted = {a for s in policy["Statement"] for a in s["Action"]}
    assert "scheduler:GetSchedule" not in granted  # nothing in the runtime reads schedules

    assert _run(api, "e2e/three", {"n": 2})["output"]["c"] == "2->3->6"
    assert _run(api, "e2e/sleep", {"seconds": 1})["status"] == "Completed"
    assert _run(api, "e2e/parallel", {})["output"]["total"] == 30
    assert _run(api, "e2e/parent", {"value": 4})["output"] == {"from_child": {"doubled": 8}}
    big = _run(api, "e2e/big", {"size": 400_000})  # over the inline limit: S3
    assert big["output"] == {"length": 400_000, "tail": "xxxxx"}
    # step.send_event: the SDK POSTs the event to the API, whose function stores it as the
    # role and starts the listener's run.
    sent = _run(api, "e2e/announce", {"tag": "iam"})
    assert sent["status"] == "Completed", sent
    (sent_id,) = sent["output"]
    heard = api.ended(sent_id, 30)
    assert heard is not None and heard["output"] == "heard iam", heard
    tag = f"iam-{time.monotonic_ns()}"
    conc = _run(api, "flow/conc", {"tag": tag, "tenant": tag, "name": "c", "hold": 0.01})
    assert conc["status"] == "Completed"
    # A sharded concurrency key (limit 40: two shard items, the choice recorded on the run).
    wide = _run(api, "flow/conc-wide", {"tag": tag, "tenant": tag, "name": "w"})
    assert wide["status"] == "Completed"

    # A wait matched by an event, then a long sleep (a Scheduler timer) cancelled (deleted).
    waiting = api.send("e2e/wait", {"order": tag}).json()["ids"][0]
    wait_for(lambda: _step_status(api, waiting, "wait-payment") == "Waiting", what="wait")
    assert api.send("e2e/paid", {"order": tag}).status_code == 200
    assert api.ended(waiting, 30)["output"] == {"paid": {"order": tag}}
    sleeping = api.send("e2e/sleep", {"seconds": 3600}).json()["ids"][0]
    wait_for(lambda: _step_status(api, sleeping, "nap") == "Scheduled", what="sleep")
    run_id = api.runs(sleeping)[0]["run_id"]
    assert api.http.delete(f"/v1/runs/{run_id}").status_code == 202
    assert api.ended(sleeping, 30)["status"] == "Cancelled"

    # A remote app's cron trigger: created, then updated (Create/UpdateSchedule). Deleting is
    # not checked here: moto refuses the signature of every body-less Scheduler request (GET,
    # DELETE) even for valid credentials; test_schedule_cleanup.py covers it without IAM.
    from inngest_lambda.flow import cron

    name = cron.schedule_name("iam-remote", "0 * * * *")
    for triggers in ([{"cron": "0 * * * *"}], [{"cron": "0 * * * *"}]):
        assert _register(api, triggers).status_code == 200
        assert name in _schedule_names(iam_stack)


def _schedule_names(stack: LocalStack) -> set[str]:
    """Read as the harness, with enforcement paused: moto's signature check of Scheduler's
    GET requests fails even for valid credentials (POST and DELETE are fine)."""
    from moto.core.authorization import disable_iam_authentication

    from inngest_lambda.local.aws_clients import client

    with disable_iam_authentication():
        pages = client("scheduler", stack.settings.region).list_schedules(
            GroupName=stack.settings.schedule_group
        )
    return {s["Name"] for s in pages["Schedules"]}


def _step_status(api: _Api, event_id: str, step: str) -> str | None:
    runs = api.runs(event_id)
    if not runs:
        return None
    steps = api.http.get(f"/v1/runs/{runs[0]['run_id']}").json()["data"]["steps"]
    return next((s["status"] for s in steps if s["name"] == step), None)


def _register(api: _Api, triggers: list[dict[str, Any]]) -> httpx.Response:
    url = "http://127.0.0.1:9/api/inngest"
    fn = {
        "id": "iam-remote",
        "name": "iam",
        "triggers": triggers,
        "steps": {"step": {"id": "step", "name": "s", "runtime": {"type": "http", "url": url}}},
    }
    return api.http.post("/fn/register", json={"appname": "iam-app", "url": url, "functions": [fn]})


@pytest.mark.parametrize(
    ("action", "event", "data"),
    [
        ("dynamodb:PutItem", "e2e/three", {"n": 1}),
        ("dynamodb:UpdateItem", "e2e/three", {"n": 1}),
        ("dynamodb:Query", "e2e/three", {"n": 1}),
        ("sqs:SendMessage", "e2e/sleep", {"seconds": 1}),  # a sleep's wake-up is a message
    ],
)
def test_each_table_and_queue_action_is_needed(iam_stack, as_role, action, event, data):
    """Without any one of them the run cannot complete (the event is refused, or the run
    never moves)."""
    as_role(drop=action)
    api = _Api(iam_stack)
    res = api.send(event, data)
    if res.status_code != 200:
        return  # refused at ingestion: needed
    run = api.ended(res.json()["ids"][0], timeout=8)
    assert run is None or run["status"] != "Completed", f"{action} was not needed: {run}"
