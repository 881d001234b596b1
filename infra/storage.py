"""Where the runtime keeps state: the DynamoDB table and the S3 bucket for large step outputs."""

from __future__ import annotations

from aws_cdk import Annotations, Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.nag import acknowledge
from inngest_lambda import settings


def indexes_at_step(index_count: int | None) -> tuple[str, ...]:
    """The table's secondary indexes at step `index_count` of the upgrade path (None: all):
    the first `index_count` of settings.INDEX_UPGRADE_ORDER."""
    order = settings.INDEX_UPGRADE_ORDER
    return order if index_count is None else order[:index_count]


class Storage(Construct):
    """Table and bucket. Both are retained when the stack is deleted: they hold user data."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        retention_days: int,
        index_count: int | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        # Layout comes from settings.py, which the runtime and the local stack also read.
        self.table = dynamodb.Table(
            self,
            "Table",
            partition_key=dynamodb.Attribute(
                name=settings.TABLE_PK, type=dynamodb.AttributeType.STRING
            ),
            sort_key=dynamodb.Attribute(name=settings.TABLE_SK, type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            time_to_live_attribute=settings.TABLE_TTL_ATTRIBUTE,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            # Retained when the stack is deleted, and not deletable by hand or by a
            # replacement either, until someone turns protection off on purpose.
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        # Listing indexes (dashboard, CLI): sparse, keyed on attributes that change only with a
        # run's status, so they cost writes per run, never per step (docs/dashboard.md).
        # `index_count` < all: a table that predates them gets them one per deploy, in
        # settings.INDEX_UPGRADE_ORDER (docs/upgrading.md); the template keeps its order.
        self.indexes = indexes_at_step(index_count)
        for index_name, partition_attr in settings.LIST_INDEXES:
            if index_name not in self.indexes:
                continue
            self.table.add_global_secondary_index(
                index_name=index_name,
                partition_key=dynamodb.Attribute(
                    name=partition_attr, type=dynamodb.AttributeType.STRING
                ),
                sort_key=dynamodb.Attribute(
                    name=settings.LIST_AT, type=dynamodb.AttributeType.STRING
                ),
                projection_type=dynamodb.ProjectionType.INCLUDE,
                non_key_attributes=list(settings.LIST_PROJECTION),
            )
        # Sparse: only runs something must still happen to carry these attributes (store.py).
        if settings.SWEEP_INDEX in self.indexes:
            self.table.add_global_secondary_index(
                index_name=settings.SWEEP_INDEX,
                partition_key=dynamodb.Attribute(
                    name=settings.SWEEP_SHARD_ATTRIBUTE, type=dynamodb.AttributeType.STRING
                ),
                sort_key=dynamodb.Attribute(
                    name=settings.SWEEP_AT_ATTRIBUTE, type=dynamodb.AttributeType.NUMBER
                ),
                projection_type=dynamodb.ProjectionType.INCLUDE,
                non_key_attributes=[settings.SWEEPS_ATTRIBUTE],
            )
        missing = [name for name in settings.INDEX_UPGRADE_ORDER if name not in self.indexes]
        if missing:
            Annotations.of(self).add_warning_v2(
                "inngest-lambda:upgrade-step",
                f"tableIndexes={len(self.indexes)}: the table gets {len(self.indexes)} of its"
                f" {len(settings.INDEX_UPGRADE_ORDER)} indexes; missing: {', '.join(missing)}."
                " When the new index is ACTIVE (python -m inngest_lambda upgrade), deploy with"
                f" -c tableIndexes={len(self.indexes) + 1} (docs/upgrading.md).",
            )
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[
                # Values of runs are tagged `ended` (re-tagged by a copy in place, which restarts
                # the clock) when their run ends; values of runs still going never expire. They
                # outlive the DynamoDB items that point to them by a day.
                s3.LifecycleRule(
                    id="expire-ended-run-data",
                    tag_filters={"inngest-lambda": "ended"},
                    expiration=Duration.days(retention_days + 1),
                ),
                s3.LifecycleRule(
                    id="abort-incomplete-uploads",
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                ),
            ],
            removal_policy=RemovalPolicy.RETAIN,
        )
        acknowledge(
            self.bucket,
            "AwsSolutions-S1",
            "Server access logs would need a second bucket and cost at rest; only the worker role"
            " reads or writes this bucket (run data under generated keys, expired by lifecycle)."
            " Enable CloudTrail S3 data events if per-object audit is required.",
        )
