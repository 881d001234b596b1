"""moto's Query on the table's key, over one partition (the local stack installs it): the same
answers as moto's own whole-table scan, at the cost of the queried partition."""

from __future__ import annotations

import pytest
from local_fakes import pk_sk_table
from moto import mock_aws
from moto.dynamodb.models.dynamo_type import DynamoType

from inngest_lambda.local import moto_partition_query

PARTITIONS = 100
PER_PARTITION = 12


@pytest.fixture()
def ddb():
    with mock_aws():
        client = pk_sk_table()
        for p in range(PARTITIONS):
            for i in range(PER_PARTITION):
                client.put_item(
                    TableName="t",
                    Item={"pk": {"S": f"E#{p}"}, "sk": {"S": f"R#{i:03}"}, "n": {"N": str(i)}},
                )
        yield client


QUERIES = [
    {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "E#7"}}},
    {
        "KeyConditionExpression": "pk = :p AND begins_with(sk, :s)",
        "ExpressionAttributeValues": {":p": {"S": "E#7"}, ":s": {"S": "R#00"}},
        "ScanIndexForward": False,
    },
    {
        "KeyConditionExpression": "pk = :p",
        "FilterExpression": "n > :n",
        "ExpressionAttributeValues": {":p": {"S": "E#7"}, ":n": {"N": "4"}},
        "Limit": 5,
    },
    {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "E#nope"}}},
]


def _all_pages(ddb, query):
    pages, kwargs = [], {"TableName": "t", **query}
    while True:
        res = ddb.query(**kwargs)
        pages.append((res["Items"], res["Count"], res["ScannedCount"]))
        if "LastEvaluatedKey" not in res:
            return pages
        kwargs["ExclusiveStartKey"] = res["LastEvaluatedKey"]


def test_answers_are_moto_own(ddb):
    expected = [_all_pages(ddb, q) for q in QUERIES]
    moto_partition_query.install()
    try:
        assert [_all_pages(ddb, q) for q in QUERIES] == expected
    finally:
        moto_partition_query.uninstall()
    assert [_all_pages(ddb, q) for q in QUERIES] == expected  # and uninstalled cleanly


def _comparisons(ddb, monkeypatch) -> int:
    """DynamoType comparisons one Query of a 12-item partition makes (items it looked at)."""
    count = [0]
    eq, lt = DynamoType.__eq__, DynamoType.__lt__

    def counting_eq(self, other):
        count[0] += 1
        return eq(self, other)

    def counting_lt(self, other):
        count[0] += 1
        return lt(self, other)

    with monkeypatch.context() as m:
        m.setattr(DynamoType, "__eq__", counting_eq)
        m.setattr(DynamoType, "__lt__", counting_lt)
        ddb.query(TableName="t", **QUERIES[0])
    return count[0]


def test_a_query_costs_its_partition_not_the_table(ddb, monkeypatch):
    whole_table = _comparisons(ddb, monkeypatch)
    assert whole_table > PARTITIONS * PER_PARTITION  # moto's own: every item, sorted
    moto_partition_query.install()
    try:
        assert _comparisons(ddb, monkeypatch) <= 4 * PER_PARTITION
    finally:
        moto_partition_query.uninstall()
