"""The data-format marker: written once, read once per process, refuses newer data, migrates
older data step by step."""

from __future__ import annotations

import collections
import uuid
from typing import Any

import boto3
import pytest
from moto import mock_aws

from inngest_lambda import settings as s
from inngest_lambda.local.resources import create_resources
from inngest_lambda.storage import data_format, index_keys
from inngest_lambda.storage.codec import item_key


class Counting:
    """A boto3 client that counts its calls by operation."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: collections.Counter[str] = collections.Counter()

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.inner, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            return attr(*args, **kwargs)

        return call


@pytest.fixture
def table(monkeypatch: pytest.MonkeyPatch) -> Any:
    """A table of its own, under a fresh name: moto may already run for the whole folder (a
    package-scoped mock), and then tables outlive this fixture's own mock."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        env = {s.ENV_TABLE: f"data-format-{uuid.uuid4().hex[:8]}"}
        name = create_resources(s.Settings.from_env(env)).table
        yield name


def _marker(name: str) -> dict[str, Any] | None:
    key = {s.TABLE_PK: {"S": data_format.MARKER_PK}, s.TABLE_SK: {"S": data_format.MARKER_SK}}
    return boto3.client("dynamodb").get_item(TableName=name, Key=key).get("Item")


def _set_marker(name: str, version: int) -> None:
    boto3.client("dynamodb").put_item(
        TableName=name,
        Item={
            s.TABLE_PK: {"S": data_format.MARKER_PK},
            s.TABLE_SK: {"S": data_format.MARKER_SK},
            data_format.FORMAT_ATTRIBUTE: {"N": str(version)},
        },
    )


def test_a_table_without_marker_gets_one_then_each_process_reads_it_once(table: str) -> None:
    ddb = Counting(boto3.client("dynamodb"))
    assert data_format.ensure(ddb, table) == s.DATA_FORMAT_VERSION
    # Created as format 1 (what a table without the marker holds), then migrated step by step:
    # 1 -> 2 records since when events keep their by-name entries (one put, one marker update).
    assert ddb.calls == {"get_item": 1, "put_item": 2, "update_item": 1}
    assert _marker(table) == {
        s.TABLE_PK: {"S": data_format.MARKER_PK},
        s.TABLE_SK: {"S": data_format.MARKER_SK},
        "format": {"N": str(s.DATA_FORMAT_VERSION)},
    }
    name_marker = boto3.client("dynamodb").get_item(
        TableName=table, Key=item_key(*index_keys.NAME_INDEX_MARKER)
    )
    assert "since" in name_marker["Item"]
    again = Counting(boto3.client("dynamodb"))  # the next cold start
    assert data_format.ensure(again, table) == s.DATA_FORMAT_VERSION
    assert again.calls == {"get_item": 1}


def test_the_store_checks_once_per_process(table: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from inngest_lambda.core import aws
    from inngest_lambda.storage import store

    monkeypatch.setenv(s.ENV_TABLE, table)
    s.get_settings.cache_clear()
    # Clients of this moto, leaving the process's cached clients (and any hooks on them) alone.
    monkeypatch.setattr(aws, "client", lambda service: boto3.client(service))
    checks: list[str] = []
    real = data_format.ensure
    monkeypatch.setattr(data_format, "ensure", lambda ddb, t: checks.append(t) or real(ddb, t))
    try:
        st = store.Store()
        for _ in range(3):
            st.ddb.describe_table(TableName=table)
        assert checks == [table]
    finally:
        s.get_settings.cache_clear()


def test_two_cold_starts_racing_to_write_the_marker_agree(table: str) -> None:
    ddb = boto3.client("dynamodb")
    assert data_format._create(ddb, table) == 1
    _set_marker(table, 1)
    assert data_format._create(ddb, table) == 1  # the loser reads the winner's marker


def test_newer_data_is_refused(table: str) -> None:
    _set_marker(table, s.DATA_FORMAT_VERSION + 1)
    with pytest.raises(data_format.DataFormatTooNew, match="newer than this version's"):
        data_format.ensure(boto3.client("dynamodb"), table)
    assert _marker(table)["format"] == {"N": str(s.DATA_FORMAT_VERSION + 1)}  # untouched


def test_older_data_is_migrated_step_by_step(table: str) -> None:
    ran: list[int] = []
    migrations = {1: lambda ddb, t: ran.append(1), 2: lambda ddb, t: ran.append(2)}
    ddb = boto3.client("dynamodb")
    assert data_format.ensure(ddb, table, current=3, migrations=migrations) == 3
    assert ran == [1, 2]
    assert _marker(table)["format"] == {"N": "3"}
    # A process that finished step 1 after another moved the marker on does not move it back.
    assert data_format._advance(ddb, table, 1) == 3


def test_a_missing_migration_stops_the_runtime(table: str) -> None:
    with pytest.raises(RuntimeError, match="no migration from data format 1 to 2"):
        data_format.ensure(boto3.client("dynamodb"), table, current=2, migrations={})
    assert _marker(table)["format"] == {"N": "1"}
