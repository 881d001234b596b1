"""moto's record of model instances, kept weakly in the local stack: deleted items are freed,
so a long-running local stack does not grow with every item it ever wrote."""

from __future__ import annotations

import gc

import boto3
import pytest
from moto import mock_aws

from inngest_lambda.local import moto_tracking


@pytest.fixture()
def aws():
    moto_tracking.install()
    try:
        with mock_aws():
            yield
    finally:
        moto_tracking.uninstall()


def _live_items() -> int:
    from moto.dynamodb.models.dynamo_type import Item

    gc.collect()
    return sum(1 for o in gc.get_objects() if type(o) is Item)


def test_deleted_items_are_freed_and_live_ones_stay_listed(aws):
    from moto.dynamodb.models.dynamo_type import Item

    ddb = boto3.client("dynamodb", region_name="us-east-1")
    ddb.create_table(
        TableName="t",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    before = _live_items()
    for i in range(500):
        ddb.put_item(TableName="t", Item={"pk": {"S": f"k{i}"}, "v": {"S": "x" * 100}})
        ddb.delete_item(TableName="t", Key={"pk": {"S": f"k{i}"}})
    ddb.put_item(TableName="t", Item={"pk": {"S": "kept"}})
    # moto's own list would hold all 501 items (and every overwritten version) for good.
    assert _live_items() - before <= 5
    listed = [it for it in Item.instances_tracked if it.hash_key.value == "kept"]
    assert len(listed) == 1
    assert ddb.get_item(TableName="t", Key={"pk": {"S": "kept"}})["Item"]["pk"]["S"] == "kept"


def test_s3_objects_still_work_and_reset_cleanly(aws):
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="tracking-test")
    s3.put_object(Bucket="tracking-test", Key="k", Body=b"payload")
    assert s3.get_object(Bucket="tracking-test", Key="k")["Body"].read() == b"payload"
    from moto.s3.models import FakeKey

    assert len(FakeKey.instances_tracked) >= 1


def test_uninstall_restores_moto():
    from moto.core.common_models import BaseModel

    original = BaseModel.__dict__["__new__"]
    moto_tracking.install()
    moto_tracking.install()  # idempotent
    assert BaseModel.__dict__["__new__"] is not original
    moto_tracking.uninstall()
    assert BaseModel.__dict__["__new__"] is original
