"""moto's Query on the table's key, over one partition (the local stack installs it): the same
answers as moto's own whole-table scan, at the cost of the queried partition."""

from __future__ import annotations

import pytest
from local_fakes import all_query_pages, pk_sk_table, query_comparisons
from moto import mock_aws

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


def test_answers_are_moto_own(ddb):
    expected = [all_query_pages(ddb, q) for q in QUERIES]
    moto_partition_query.install()
    try:
        assert [all_query_pages(ddb, q) for q in QUERIES] == expected
    finally:
        moto_partition_query.uninstall()
    assert [all_query_pages(ddb, q) for q in QUERIES] == expected  # and uninstalled cleanly


def test_a_query_costs_its_partition_not_the_table(ddb, monkeypatch):
    whole_table = query_comparisons(ddb, monkeypatch, QUERIES[0])
    assert whole_table > PARTITIONS * PER_PARTITION  # moto's own: every item, sorted
    moto_partition_query.install()
    try:
        assert query_comparisons(ddb, monkeypatch, QUERIES[0]) <= 4 * PER_PARTITION
    finally:
        moto_partition_query.uninstall()
