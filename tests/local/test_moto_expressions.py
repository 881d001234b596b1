"""moto with parsed condition expressions shared between calls (the local stack installs it):
the same answers as moto's own parse-every-time, and each distinct expression parsed once."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from local_fakes import pk_sk_table
from moto import mock_aws
from moto.dynamodb import comparisons

from inngest_lambda.local import moto_expressions


@pytest.fixture()
def ddb():
    with mock_aws():
        moto_expressions.install()
        try:
            client = pk_sk_table()
            yield client
        finally:
            moto_expressions.uninstall()


def _fenced_put(ddb, sk: str, owner: str) -> None:
    ddb.transact_write_items(
        TransactItems=[
            {
                "Put": {
                    "TableName": "t",
                    "Item": {"pk": {"S": "R"}, "sk": {"S": sk}, "status": {"S": "Completed"}},
                    "ConditionExpression": "attribute_not_exists(#pk) OR NOT #st IN (:c, :f)",
                    "ExpressionAttributeNames": {"#pk": "pk", "#st": "status"},
                    "ExpressionAttributeValues": {":c": {"S": "Completed"}, ":f": {"S": "Failed"}},
                }
            },
            {
                "ConditionCheck": {
                    "TableName": "t",
                    "Key": {"pk": {"S": "R"}, "sk": {"S": "R"}},
                    "ConditionExpression": "lease_owner = :o AND attribute_not_exists(cancel)",
                    "ExpressionAttributeValues": {":o": {"S": owner}},
                }
            },
        ]
    )


def _run_item(ddb, **extra) -> None:
    item = {"pk": {"S": "R"}, "sk": {"S": "R"}, "lease_owner": {"S": "me"}, **extra}
    ddb.put_item(TableName="t", Item=item)


def test_a_shared_tree_still_decides_per_item_and_per_value(ddb, monkeypatch):
    parses = []
    real = comparisons.ConditionExpressionParser.parse
    monkeypatch.setattr(
        comparisons.ConditionExpressionParser,
        "parse",
        lambda self: parses.append(self.condition_expression) or real(self),
    )
    _run_item(ddb)
    _fenced_put(ddb, "S#1", "me")
    first = len(parses)
    for i in range(2, 12):
        _fenced_put(ddb, f"S#{i}", "me")
    assert len(parses) == first  # ten more transactions, no new parse

    # The same expression with another value is another tree: the check fails for "you".
    with pytest.raises(ClientError) as err:
        _fenced_put(ddb, "S#20", "you")
    assert err.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert "Item" not in ddb.get_item(TableName="t", Key={"pk": {"S": "R"}, "sk": {"S": "S#20"}})

    # The cached tree is evaluated against the item as it is now: a cancel flag refuses.
    _run_item(ddb, cancel={"BOOL": True})
    with pytest.raises(ClientError):
        _fenced_put(ddb, "S#21", "me")
    # And a finished step is never overwritten (first condition, same cached tree).
    _run_item(ddb)
    with pytest.raises(ClientError):
        _fenced_put(ddb, "S#1", "me")


def test_a_bad_expression_is_refused_on_every_call(ddb):
    # moto itself raises its parser's ValueError here (not a ValidationException); what
    # matters is that the failure is never cached into a success.
    for _ in range(2):
        with pytest.raises(ValueError, match="Bad function expression"):
            ddb.put_item(
                TableName="t",
                Item={"pk": {"S": "R"}, "sk": {"S": "X"}},
                ConditionExpression="attribute_not_exists(#pk",
                ExpressionAttributeNames={"#pk": "pk"},
            )
    assert "Item" not in ddb.get_item(TableName="t", Key={"pk": {"S": "R"}, "sk": {"S": "X"}})


def test_unused_names_are_still_reported_from_a_cached_parse(ddb):
    # moto validates that every ExpressionAttributeName is used, from what the parse found.
    for _ in range(2):
        with pytest.raises(ClientError) as err:
            ddb.put_item(
                TableName="t",
                Item={"pk": {"S": "R"}, "sk": {"S": "Y"}},
                ConditionExpression="attribute_not_exists(#pk)",
                ExpressionAttributeNames={"#pk": "pk", "#unused": "x"},
            )
        assert "unused" in err.value.response["Error"]["Message"]
    for _ in range(2):
        ddb.put_item(
            TableName="t",
            Item={"pk": {"S": "R"}, "sk": {"S": f"Z{_}"}},
            ConditionExpression="attribute_not_exists(#pk)",
            ExpressionAttributeNames={"#pk": "pk"},
        )


def test_uninstall_restores_moto(ddb):
    moto_expressions.uninstall()
    assert not getattr(
        comparisons.create_condition_expression_parser, moto_expressions._PATCHED, False
    )
    moto_expressions.install()


def test_unused_values_are_still_reported_from_a_cached_parse(ddb):
    _run_item(ddb)
    for _ in range(2):
        ddb.update_item(
            TableName="t",
            Key={"pk": {"S": "R"}, "sk": {"S": "R"}},
            UpdateExpression="SET n = :n",
            ConditionExpression="lease_owner = :o",
            ExpressionAttributeValues={":n": {"N": "1"}, ":o": {"S": "me"}},
        )
    with pytest.raises(ClientError) as err:
        ddb.update_item(
            TableName="t",
            Key={"pk": {"S": "R"}, "sk": {"S": "R"}},
            UpdateExpression="SET n = :n",
            ConditionExpression="lease_owner = :o",
            ExpressionAttributeValues={":n": {"N": "1"}, ":o": {"S": "me"}, ":x": {"S": "x"}},
        )
    assert "unused" in err.value.response["Error"]["Message"]


def test_a_parser_attribute_the_cache_does_not_provide_is_an_error(ddb):
    # A fresh, unparsed parser would answer it with empty `*_found` lists: silently wrong.
    parser = comparisons.create_condition_expression_parser(
        "attribute_exists(#p)", {"#p": "pk"}, {}
    )
    parser.parse()
    assert parser.expr_attr_names_found == ["#p"]
    with pytest.raises(AttributeError, match="condition_expression"):
        parser.condition_expression  # noqa: B018
