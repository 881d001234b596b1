"""Does a template keep the data of the stack it updates? A check of the stateful resources.

`snapshot(template)` keeps, of every resource that holds data (table, bucket, queues, secrets,
the schedule group whose one-off schedules are the runs' timers), what would replace or delete
that data when it changes: logical id, type, names, keys, indexes, TTL, policies. The snapshot
of the last released version is committed (tests/infra/stateful_resources.json); `compare(old,
new)` sorts the differences between it and a new template into

* `breaking`: a deploy would replace or delete data, or CloudFormation would refuse it (a
  removed resource or changed logical id, a changed key schema or name, a RETAIN policy or
  deletion protection dropped, an index removed or changed, more than one index created);
* `safe`: the update keeps every item (a new resource, one new index, an in-place property).

The same comparison checks each step of the index upgrade path (docs/upgrading.md).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any

# Resource types that hold data, and the properties whose change replaces the resource
# (CloudFormation's "Update requires: Replacement") or deletes data in place.
STATEFUL_TYPES: Mapping[str, tuple[str, ...]] = {
    "AWS::DynamoDB::Table": (
        "TableName",
        "KeySchema",
        "LocalSecondaryIndexes",
        "TimeToLiveSpecification",  # a new TTL attribute can expire items at once
        "DeletionProtectionEnabled",
        "PointInTimeRecoverySpecification",  # turning it off drops the backups
    ),
    "AWS::S3::Bucket": ("BucketName", "LifecycleConfiguration"),  # lifecycle: expiry of data
    "AWS::SQS::Queue": ("QueueName", "FifoQueue", "MessageRetentionPeriod"),
    # A changed GenerateSecretString generates a new value: every client's key stops working.
    "AWS::SecretsManager::Secret": ("Name", "GenerateSecretString"),
    # Replacing the group deletes its schedules: the timers of sleeping runs.
    "AWS::Scheduler::ScheduleGroup": ("Name",),
}
POLICIES = ("DeletionPolicy", "UpdateReplacePolicy")
MAX_INDEX_CREATIONS = 1  # DynamoDB creates one GSI per table update


@dataclasses.dataclass
class Verdict:
    breaking: list[str] = dataclasses.field(default_factory=list)
    safe: list[str] = dataclasses.field(default_factory=list)


def snapshot(template: Mapping[str, Any]) -> dict[str, Any]:
    """The stateful resources of a synthesized template, by logical id (JSON-ready)."""
    out: dict[str, Any] = {}
    for logical_id, resource in sorted(template["Resources"].items()):
        if resource["Type"] not in STATEFUL_TYPES:
            continue
        entry: dict[str, Any] = {"Type": resource["Type"]}
        for policy in POLICIES:
            entry[policy] = resource.get(policy, "Delete")
        entry["Properties"] = resource.get("Properties", {})
        out[logical_id] = entry
    return out


def dumps(snap: Mapping[str, Any]) -> str:
    return json.dumps(snap, indent=2, sort_keys=True) + "\n"


def compare(old: Mapping[str, Any], new: Mapping[str, Any]) -> Verdict:
    """What deploying `new` over a stack whose stateful resources are `old` does to the data."""
    verdict = Verdict()
    for logical_id, was in old.items():
        now = new.get(logical_id)
        if now is None:
            same_type = sorted(k for k in new if k not in old and new[k]["Type"] == was["Type"])
            hint = (
                f"; a new {was['Type']} appeared ({', '.join(same_type)}): a changed logical id"
                " replaces the resource"
                if same_type
                else ""
            )
            verdict.breaking.append(
                f"{logical_id} ({was['Type']}) is gone: the deploy deletes it"
                f" (DeletionPolicy {was['DeletionPolicy']}){hint}"
            )
            continue
        if now["Type"] != was["Type"]:
            verdict.breaking.append(f"{logical_id}: type {was['Type']} -> {now['Type']}")
            continue
        _compare_resource(logical_id, was, now, verdict)
    for logical_id in sorted(set(new) - set(old)):
        verdict.safe.append(f"{logical_id} ({new[logical_id]['Type']}) is new")
    return verdict


def _compare_resource(logical_id: str, was: Any, now: Any, verdict: Verdict) -> None:
    for policy in POLICIES:
        if was[policy] == now[policy]:
            continue
        line = f"{logical_id}: {policy} {was[policy]} -> {now[policy]}"
        (verdict.breaking if was[policy] == "Retain" else verdict.safe).append(line)
    old_props, new_props = was["Properties"], now["Properties"]
    guarded = STATEFUL_TYPES[was["Type"]]
    for prop in sorted(set(old_props) | set(new_props)):
        before, after = old_props.get(prop), new_props.get(prop)
        if before == after:
            continue
        if was["Type"] == "AWS::DynamoDB::Table" and prop in (
            "GlobalSecondaryIndexes",
            "AttributeDefinitions",
        ):
            continue  # below, as indexes
        line = f"{logical_id}: {prop} {_short(before)} -> {_short(after)}"
        if prop in guarded:
            verdict.breaking.append(line + " (replaces the resource or deletes data)")
        else:
            verdict.safe.append(line)
    if was["Type"] == "AWS::DynamoDB::Table":
        _compare_indexes(logical_id, old_props, new_props, verdict)


def _keys(props: Mapping[str, Any], key_schema: list[dict[str, str]]) -> list[tuple[str, ...]]:
    types = {a["AttributeName"]: a["AttributeType"] for a in props.get("AttributeDefinitions", [])}
    return [
        (k["AttributeName"], k["KeyType"], types.get(k["AttributeName"], "?")) for k in key_schema
    ]


def _indexes(props: Mapping[str, Any]) -> dict[str, Any]:
    return {
        gsi["IndexName"]: {"keys": _keys(props, gsi["KeySchema"]), "projection": gsi["Projection"]}
        for gsi in props.get("GlobalSecondaryIndexes", [])
    }


def _compare_indexes(
    logical_id: str, old_props: Mapping[str, Any], new_props: Mapping[str, Any], verdict: Verdict
) -> None:
    old_keys = _keys(old_props, old_props.get("KeySchema", []))
    new_keys = _keys(new_props, new_props.get("KeySchema", []))
    if old_keys != new_keys and old_props.get("KeySchema") == new_props.get("KeySchema"):
        verdict.breaking.append(
            f"{logical_id}: key attribute types {old_keys} -> {new_keys} (replaces the table)"
        )
    before, after = _indexes(old_props), _indexes(new_props)
    for name in sorted(set(before) - set(after)):
        verdict.breaking.append(f"{logical_id}: index {name} removed (its entries are deleted)")
    for name in sorted(set(before) & set(after)):
        if before[name] != after[name]:
            verdict.breaking.append(
                f"{logical_id}: index {name} changed {before[name]} -> {after[name]}"
                " (CloudFormation cannot change an index in place: it would have to delete and"
                " re-create it, two index operations in one update)"
            )
    created = sorted(set(after) - set(before))
    if len(created) > MAX_INDEX_CREATIONS:
        verdict.breaking.append(
            f"{logical_id}: {len(created)} indexes created in one deploy ({', '.join(created)});"
            f" DynamoDB creates {MAX_INDEX_CREATIONS} per table update, so CloudFormation fails"
            " and rolls back. Add them one per release, or make each a step of"
            " settings.INDEX_UPGRADE_ORDER (-c tableIndexes=N, docs/upgrading.md)"
        )
    elif created:
        verdict.safe.append(f"{logical_id}: index {created[0]} created (backfills in place)")


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= 200 else text[:200] + "..."
