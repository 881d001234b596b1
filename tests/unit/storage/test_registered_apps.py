"""Apps registered from a URL: one PutItem each, one Query for all."""

from __future__ import annotations

from inngest_lambda.storage import registered_apps
from tests.unit.storage.conftest import Calls, Db


def test_apps_round_trip_and_an_undecodable_one_is_kept_without_functions(db: Db, calls: Calls):
    registered_apps.put_app(db, "shop", "http://shop/api/inngest", [{"id": "shop-f"}])
    registered_apps.put_app(db, "bad", "http://bad", [])
    assert calls.take() == {"PutItem": 2}
    db.ddb.update_item(
        TableName=db.table,
        Key={"pk": {"S": "APPS"}, "sk": {"S": "A#bad"}},
        UpdateExpression="SET #f = :f",
        ExpressionAttributeNames={"#f": "functions"},
        ExpressionAttributeValues={":f": {"S": "{not json"}},
    )
    calls.take()
    assert registered_apps.list_apps(db) == [
        {"app_id": "bad", "url": "http://bad", "functions": None},
        {"app_id": "shop", "url": "http://shop/api/inngest", "functions": [{"id": "shop-f"}]},
    ]
    assert calls.take() == {"Query": 1}
