"""`python -m inngest_lambda upgrade`: which step of the index upgrade path a table is at."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from inngest_lambda import settings as s
from inngest_lambda.__main__ import main
from inngest_lambda.local.resources import create_resources
from inngest_lambda.storage import upgrade_status

ORDER = s.INDEX_UPGRADE_ORDER


def _states(**given: str) -> dict[str, str]:
    return {name: given.get(name.replace("-", "_"), upgrade_status.MISSING) for name in ORDER}


def test_each_state_names_the_next_step() -> None:
    step = upgrade_status.next_step(_states())
    assert 'make deploy CDK_ARGS="-c tableIndexes=1" (adds sweep)' in step.advice
    step = upgrade_status.next_step(_states(sweep="ACTIVE", runs_by_function="ACTIVE"))
    assert '"-c tableIndexes=3" (adds runs-by-status)' in step.advice
    step = upgrade_status.next_step(_states(sweep="ACTIVE", runs_by_function="CREATING"))
    assert step.wait and "runs-by-function is CREATING" in step.advice
    step = upgrade_status.next_step(dict.fromkeys(ORDER[1:], "ACTIVE") | {ORDER[0]: "missing"})
    assert not step.wait and "make deploy` (no tableIndexes) adds it" in step.advice
    assert upgrade_status.next_step(dict.fromkeys(ORDER, "ACTIVE")).ready


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        yield


def test_the_command_reads_a_table_that_predates_the_indexes(
    aws: None, capsys: pytest.CaptureFixture[str]
) -> None:
    boto3.client("dynamodb").create_table(
        TableName="old",
        KeySchema=[
            {"AttributeName": s.TABLE_PK, "KeyType": "HASH"},
            {"AttributeName": s.TABLE_SK, "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": s.TABLE_PK, "AttributeType": "S"},
            {"AttributeName": s.TABLE_SK, "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    assert main(["upgrade", "--table", "old"]) == 1
    out = capsys.readouterr().out
    assert "index sweep              missing" in out
    current = s.DATA_FORMAT_VERSION
    assert f"data format        none yet (format 1); this version's is {current}" in out
    assert 'next: make deploy CDK_ARGS="-c tableIndexes=1"' in out


def test_the_command_says_a_full_table_is_done(
    aws: None, capsys: pytest.CaptureFixture[str]
) -> None:
    table = create_resources(s.Settings.from_env({})).table
    assert main(["upgrade", "--table", table]) == 0
    assert "every index is ACTIVE" in capsys.readouterr().out
