"""The soak's moto shortcuts answer exactly as moto does without them."""

from __future__ import annotations

import boto3
import moto
import pytest

from tests.soak.moto_speed import partition_queries

QUERIES = [
    {"KeyConditionExpression": "pk = :pk", "ExpressionAttributeValues": {":pk": {"S": "R#2"}}},
    {
        "KeyConditionExpression": "pk = :pk AND begins_with(sk, :p)",
        "ExpressionAttributeValues": {":pk": {"S": "R#1"}, ":p": {"S": "S#"}},
    },
    {
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": {"S": "R#3"}},
        "ScanIndexForward": False,
        "Limit": 4,
    },
    {
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": {"S": "R#1"}, ":n": {"N": "3"}},
        "FilterExpression": "n > :n",
        "ProjectionExpression": "sk, n",
    },
    {"KeyConditionExpression": "pk = :pk", "ExpressionAttributeValues": {":pk": {"S": "none"}}},
    {
        "IndexName": "by-n",
        "KeyConditionExpression": "g = :g",
        "ExpressionAttributeValues": {":g": {"S": "x"}},
    },
]


def _pages(ddb, query):
    pages, kwargs = [], {"TableName": "t", **query}
    while True:
        page = ddb.query(**kwargs)
        pages.append((page["Items"], page.get("LastEvaluatedKey")))
        if "LastEvaluatedKey" not in page:
            return pages
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


@pytest.mark.parametrize("query", QUERIES)
def test_a_partition_query_answers_as_moto_does(query):
    with moto.mock_aws():
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        ddb.create_table(
            TableName="t",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[
                {"AttributeName": a, "AttributeType": "S"} for a in ("pk", "sk", "g")
            ],
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "by-n",
                    "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
        )
        for p in range(4):
            for i in (7, 2, 9, 0, 5, 1, 8):
                item = {"pk": {"S": f"R#{p}"}, "sk": {"S": f"S#{i}"}, "n": {"N": str(i)}}
                if i % 2:
                    item["g"] = {"S": "x"}
                ddb.put_item(TableName="t", Item=item)
            ddb.put_item(TableName="t", Item={"pk": {"S": f"R#{p}"}, "sk": {"S": "R"}})
        expected = _pages(ddb, query)
        with partition_queries():
            assert _pages(ddb, query) == expected
        assert expected[0][0] or query["ExpressionAttributeValues"][":pk"]["S"] == "none"
