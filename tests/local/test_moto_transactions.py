"""moto's TransactWriteItems with item-level rollback (the local stack installs it): the same
results as moto's own whole-table rollback."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from local_fakes import pk_sk_table
from moto import mock_aws
from moto.dynamodb import models

from inngest_lambda.local import moto_transactions


@pytest.fixture()
def ddb():
    with mock_aws():
        moto_transactions.install()
        try:
            client = pk_sk_table()
            client.put_item(
                TableName="t",
                Item={"pk": {"S": "R"}, "sk": {"S": "R"}, "owner": {"S": "me"}},
            )
            client.put_item(
                TableName="t", Item={"pk": {"S": "R"}, "sk": {"S": "S#1"}, "v": {"S": "old"}}
            )
            yield client
        finally:
            moto_transactions.uninstall()


def _get(ddb, sk):
    return ddb.get_item(TableName="t", Key={"pk": {"S": "R"}, "sk": {"S": sk}}).get("Item")


def _items(owner):
    return [
        {"Put": {"TableName": "t", "Item": {"pk": {"S": "R"}, "sk": {"S": "S#2"}}}},
        {
            "Update": {
                "TableName": "t",
                "Key": {"pk": {"S": "R"}, "sk": {"S": "S#1"}},
                "UpdateExpression": "SET v = :v",
                "ExpressionAttributeValues": {":v": {"S": "new"}},
            }
        },
        {"Delete": {"TableName": "t", "Key": {"pk": {"S": "R"}, "sk": {"S": "S#3"}}}},
        {
            "ConditionCheck": {
                "TableName": "t",
                "Key": {"pk": {"S": "R"}, "sk": {"S": "R"}},
                "ConditionExpression": "#o = :o",
                "ExpressionAttributeNames": {"#o": "owner"},
                "ExpressionAttributeValues": {":o": {"S": owner}},
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        },
    ]


def test_a_failed_transaction_leaves_every_item_as_it_was(ddb):
    ddb.put_item(TableName="t", Item={"pk": {"S": "R"}, "sk": {"S": "S#3"}, "v": {"S": "keep"}})
    with pytest.raises(ClientError) as err:
        ddb.transact_write_items(TransactItems=_items("someone else"))
    reasons = err.value.response["CancellationReasons"]
    assert [r["Code"] for r in reasons] == ["None", "None", "None", "ConditionalCheckFailed"]
    assert reasons[3]["Item"]["owner"] == {"S": "me"}
    assert _get(ddb, "S#2") is None  # the put was undone
    assert _get(ddb, "S#1")["v"] == {"S": "old"}  # the update was undone
    assert _get(ddb, "S#3")["v"] == {"S": "keep"}  # the delete was undone


def test_a_successful_transaction_writes_every_item(ddb):
    ddb.transact_write_items(TransactItems=_items("me"))
    assert _get(ddb, "S#2") is not None
    assert _get(ddb, "S#1")["v"] == {"S": "new"}


def test_tables_are_not_copied_and_uninstall_puts_moto_back(ddb):
    copies = []
    original = models.copy.deepcopy
    models.copy.deepcopy = lambda value, memo=None: copies.append(value) or original(value, memo)
    try:
        ddb.transact_write_items(TransactItems=_items("me"))
    finally:
        models.copy.deepcopy = original
    assert not any(isinstance(c, models.Table) for c in copies)
    moto_transactions.uninstall()
    assert not hasattr(models.DynamoDBBackend.transact_write_items, "__wrapped__")
