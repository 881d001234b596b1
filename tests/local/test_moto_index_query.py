"""moto's Query of a global secondary index, over one index partition (the local stack installs
it): the same answers as moto's own whole-table scan, through puts, updates that move an item to
another partition or out of the index, deletes, transactions and batch writes, at the cost of
the queried partition."""

from __future__ import annotations

import boto3
import pytest
from local_fakes import all_query_pages, query_comparisons
from moto import mock_aws

from inngest_lambda.local import moto_index_query

FUNCTIONS = 5
RUNS = 40  # per function
STEPS = 8  # per run: items without an index value, like a run's steps
INDEX = "by-fn"


def _table():
    client = boto3.client("dynamodb", region_name="us-east-1")
    client.create_table(
        TableName="t",
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "fn", "at")
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": INDEX,
                "KeySchema": [
                    {"AttributeName": "fn", "KeyType": "HASH"},
                    {"AttributeName": "at", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["st"]},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    for f in range(FUNCTIONS):
        for r in range(RUNS):
            run = f"R#{f}-{r:03}"
            client.put_item(
                TableName="t",
                Item={
                    "pk": {"S": run},
                    "sk": {"S": "RUN"},
                    "fn": {"S": f"fn{f}"},
                    "at": {"S": f"{r:05}#{run}"},
                    "st": {"S": "Running"},
                    "big": {"S": "x" * 50},
                },
            )
            for s in range(STEPS):
                client.put_item(
                    TableName="t", Item={"pk": {"S": run}, "sk": {"S": f"S#{s}"}, "n": {"N": "1"}}
                )
    return client


@pytest.fixture()
def ddb():
    with mock_aws():
        yield _table()
    moto_index_query.uninstall()


def _q(fn: str, **extra):
    values = {":f": {"S": fn}, **extra.pop("values", {})}
    cond = extra.pop("cond", "fn = :f")
    return {
        "IndexName": INDEX,
        "KeyConditionExpression": cond,
        "ExpressionAttributeValues": values,
        **extra,
    }


QUERIES = [
    _q("fn1"),
    _q("fn2", Limit=7, ScanIndexForward=False),
    _q("fn3", cond="fn = :f AND at < :a", values={":a": {"S": "00020"}}, Limit=6),
    _q("fn0", FilterExpression="st = :s", values={":s": {"S": "Cancelled"}}, Limit=9),
    _q("fn9"),
]


def _same_as_moto(ddb) -> None:
    ours = [all_query_pages(ddb, q) for q in QUERIES]
    moto_index_query.uninstall()
    try:
        assert ours == [all_query_pages(ddb, q) for q in QUERIES]
    finally:
        moto_index_query.install()


def _key(run: str) -> dict:
    return {"pk": {"S": run}, "sk": {"S": "RUN"}}


def test_answers_are_moto_own_through_every_kind_of_write(ddb):
    moto_index_query.install()
    _same_as_moto(ddb)  # the map is built from the table as it is
    # an update that changes an index value and one that changes a projected attribute
    ddb.update_item(
        TableName="t",
        Key=_key("R#1-004"),
        UpdateExpression="SET fn = :f",
        ExpressionAttributeValues={":f": {"S": "fn2"}},
    )
    ddb.update_item(
        TableName="t",
        Key=_key("R#0-001"),
        UpdateExpression="SET st = :s",
        ExpressionAttributeValues={":s": {"S": "Cancelled"}},
    )
    ddb.update_item(TableName="t", Key=_key("R#1-005"), UpdateExpression="REMOVE fn")
    ddb.delete_item(TableName="t", Key=_key("R#3-002"))
    # an update that creates the item, a new put, a re-put moving an item back
    ddb.update_item(
        TableName="t",
        Key=_key("R#9-000"),
        UpdateExpression="SET fn = :f, #at = :a",
        ExpressionAttributeNames={"#at": "at"},
        ExpressionAttributeValues={":f": {"S": "fn9"}, ":a": {"S": "00001#R#9-000"}},
    )
    ddb.put_item(
        TableName="t",
        Item={
            **_key("R#1-004"),
            "fn": {"S": "fn1"},
            "at": {"S": "00004#R#1-004"},
            "st": {"S": "x"},
        },
    )
    ddb.transact_write_items(
        TransactItems=[
            {
                "Put": {
                    "TableName": "t",
                    "Item": {**_key("R#9-001"), "fn": {"S": "fn9"}, "at": {"S": "00002#x"}},
                }
            },
            {
                "Update": {
                    "TableName": "t",
                    "Key": _key("R#0-003"),
                    "UpdateExpression": "SET st = :s",
                    "ExpressionAttributeValues": {":s": {"S": "Cancelled"}},
                }
            },
            {"Delete": {"TableName": "t", "Key": _key("R#3-004")}},
        ]
    )
    ddb.batch_write_item(
        RequestItems={
            "t": [
                {
                    "PutRequest": {
                        "Item": {**_key("R#2-100"), "fn": {"S": "fn2"}, "at": {"S": "00100#y"}}
                    }
                }
            ]
        }
    )
    _same_as_moto(ddb)
    assert [len(p[0]) for p in all_query_pages(ddb, QUERIES[4])] == [2]  # fn9 gained two runs


def test_a_query_costs_its_index_partition_not_the_table(ddb, monkeypatch):
    items = FUNCTIONS * RUNS * (1 + STEPS)
    query = _q("fn1", Limit=10)
    assert query_comparisons(ddb, monkeypatch, query) > items  # moto's own: every item, sorted
    moto_index_query.install()
    ddb.query(TableName="t", **query)  # the first index Query builds the map: one scan
    # one partition of RUNS entries: checked, matched and sorted (RUNS * log2(RUNS) ~ 6 RUNS)
    assert query_comparisons(ddb, monkeypatch, query) <= 12 * RUNS < items / 3
