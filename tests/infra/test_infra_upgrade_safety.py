"""An update of a deployed stack keeps its data: the stateful resources against the snapshot of
the last released version, and each step of the index upgrade path (docs/upgrading.md).

Regenerate the snapshot (after checking the change is safe, and when releasing):
`make stateful-snapshot` (UPDATE_STATEFUL_SNAPSHOT=1 on this test).
"""

from __future__ import annotations

import copy
import json
import os
import warnings
from pathlib import Path
from typing import Any

import pytest
from infra_support import Synth

from infra import upgrade_safety
from inngest_lambda import settings

SNAPSHOT = Path(__file__).with_name("stateful_resources.json")
UPDATE_ENV = "UPDATE_STATEFUL_SNAPSHOT"
TABLE = "StorageTableB43FDCE7"


def _released() -> dict[str, Any]:
    return json.loads(SNAPSHOT.read_text())


def test_the_template_keeps_the_data_of_the_released_version(synth: Synth) -> None:
    current = upgrade_safety.snapshot(synth.template)
    if os.environ.get(UPDATE_ENV) == "1":
        SNAPSHOT.write_text(upgrade_safety.dumps(current))
    verdict = upgrade_safety.compare(_released(), current)
    assert not verdict.breaking, (
        "this change would replace or delete stored data on `make deploy` over the released"
        " version, or CloudFormation would refuse it:\n  " + "\n  ".join(verdict.breaking)
    )
    if verdict.safe:
        warnings.warn(
            "stateful resources changed, safely:\n  "
            + "\n  ".join(verdict.safe)
            + "\nUpdate the snapshot when this version is released: make stateful-snapshot"
            f" ({UPDATE_ENV}=1 pytest tests/infra/{Path(__file__).name})",
            stacklevel=1,
        )


def test_the_snapshot_holds_every_stateful_resource() -> None:
    types = sorted(r["Type"] for r in _released().values())
    assert types == [
        "AWS::DynamoDB::Table",
        "AWS::S3::Bucket",
        "AWS::SQS::Queue",
        "AWS::SQS::Queue",
        "AWS::Scheduler::ScheduleGroup",
        "AWS::SecretsManager::Secret",
        "AWS::SecretsManager::Secret",
        "AWS::SecretsManager::Secret",
    ]
    table = _released()[TABLE]
    assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"
    indexes = [gsi["IndexName"] for gsi in table["Properties"]["GlobalSecondaryIndexes"]]
    # Released indexes are steps of the upgrade path (a newer release may have added one more).
    assert set(indexes) <= set(settings.INDEX_UPGRADE_ORDER)


# --- the check itself, on edits of the released snapshot ----------------------------------------
def _table_props(snap: dict[str, Any]) -> dict[str, Any]:
    return snap[TABLE]["Properties"]


def _gsi(name: str, attr: str) -> dict[str, Any]:
    return {
        "IndexName": name,
        "KeySchema": [
            {"AttributeName": attr, "KeyType": "HASH"},
            {"AttributeName": settings.LIST_AT, "KeyType": "RANGE"},
        ],
        "Projection": {"ProjectionType": "KEYS_ONLY"},
    }


def test_a_changed_key_schema_breaks() -> None:
    new = copy.deepcopy(_released())
    _table_props(new)["KeySchema"][1]["AttributeName"] = "sk2"
    verdict = upgrade_safety.compare(_released(), new)
    assert any("KeySchema" in line for line in verdict.breaking), verdict


def test_two_new_indexes_in_one_deploy_break_one_passes() -> None:
    one, two = copy.deepcopy(_released()), copy.deepcopy(_released())
    _table_props(one)["GlobalSecondaryIndexes"].append(_gsi("by-a", "a"))
    _table_props(two)["GlobalSecondaryIndexes"] += [_gsi("by-a", "a"), _gsi("by-b", "b")]
    verdict = upgrade_safety.compare(_released(), two)
    assert verdict.breaking == [
        f"{TABLE}: 2 indexes created in one deploy (by-a, by-b); DynamoDB creates 1 per table"
        " update, so CloudFormation fails and rolls back. Add them one per release, or make each"
        " a step of settings.INDEX_UPGRADE_ORDER (-c tableIndexes=N, docs/upgrading.md)"
    ]
    verdict = upgrade_safety.compare(_released(), one)
    assert verdict.breaking == []
    assert verdict.safe == [f"{TABLE}: index by-a created (backfills in place)"]


def test_removed_or_changed_indexes_break() -> None:
    removed, changed = copy.deepcopy(_released()), copy.deepcopy(_released())
    _table_props(removed)["GlobalSecondaryIndexes"].pop()
    _table_props(changed)["GlobalSecondaryIndexes"][0]["Projection"] = {"ProjectionType": "ALL"}
    assert "removed" in " ".join(upgrade_safety.compare(_released(), removed).breaking)
    assert "changed" in " ".join(upgrade_safety.compare(_released(), changed).breaking)


def test_a_renamed_or_removed_resource_and_a_dropped_retain_break() -> None:
    renamed, retain, named = copy.deepcopy(_released()), copy.deepcopy(_released()), None
    renamed["StorageTableRenamed"] = renamed.pop(TABLE)
    retain[TABLE]["DeletionPolicy"] = "Delete"
    named = copy.deepcopy(_released())
    queue = next(k for k, v in named.items() if v["Type"] == "AWS::SQS::Queue")
    named[queue]["Properties"]["QueueName"] = "work"
    breaking = upgrade_safety.compare(_released(), renamed).breaking
    assert len(breaking) == 1 and "changed logical id" in breaking[0], breaking
    assert upgrade_safety.compare(_released(), retain).breaking == [
        f"{TABLE}: DeletionPolicy Retain -> Delete"
    ]
    assert "QueueName" in upgrade_safety.compare(_released(), named).breaking[0]


def test_a_new_resource_and_in_place_changes_pass() -> None:
    new = copy.deepcopy(_released())
    new["ExtraQueue"] = {
        "Type": "AWS::SQS::Queue",
        "DeletionPolicy": "Delete",
        "UpdateReplacePolicy": "Delete",
        "Properties": {},
    }
    _table_props(new)["StreamSpecification"] = {"StreamViewType": "NEW_IMAGE"}
    verdict = upgrade_safety.compare(_released(), new)
    assert verdict.breaking == []
    assert len(verdict.safe) == 2, verdict


# --- the index upgrade path ----------------------------------------------------------------------
def _table_at_step(index_count: int | None) -> tuple[dict[str, Any], list[str]]:
    """The table's snapshot at one step of the path (a stack of the storage alone: cheap), and
    the warnings synth prints."""
    from aws_cdk import App, Stack
    from aws_cdk.assertions import Annotations, Match

    from infra.storage import Storage

    app = App()
    stack = Stack(app, "S")
    Storage(
        stack, "Storage", retention_days=settings.DEFAULT_RETENTION_DAYS, index_count=index_count
    )
    template = app.synth().get_stack_by_name("S").template
    found = Annotations.from_stack(stack).find_warning("*", Match.any_value())
    warnings_ = [str(w.entry.data) for w in found]
    return {TABLE: upgrade_safety.snapshot(template)[TABLE]}, warnings_


def test_each_step_of_the_upgrade_path_creates_at_most_one_index(synth: Synth) -> None:
    order = settings.INDEX_UPGRADE_ORDER
    steps, said = zip(*(_table_at_step(n) for n in range(len(order) + 1)), strict=True)
    # Step 0 is the table as stacks that predate the indexes have it: keys only.
    assert "GlobalSecondaryIndexes" not in steps[0][TABLE]["Properties"], (
        "every index of the table must be a step of settings.INDEX_UPGRADE_ORDER, added by"
        " infra/storage.py only when its step is reached (docs/upgrading.md)"
    )
    for n in range(1, len(steps)):
        verdict = upgrade_safety.compare(steps[n - 1], steps[n])
        assert verdict.breaking == [], (n, verdict.breaking)
        assert verdict.safe[-1].endswith(f"index {order[n - 1]} created (backfills in place)"), (
            verdict.safe
        )
    # Synth says where the path stands and what the next deploy is, until it is done.
    for n in range(len(order)):
        assert len(said[n]) == 1 and f"deploy with -c tableIndexes={n + 1}" in said[n][0], said[n]
    assert said[-1] == []
    # The last step is what a stack built without the context has; so is the default.
    full = upgrade_safety.snapshot(synth.template)[TABLE]
    assert steps[-1][TABLE] == full
    assert _table_at_step(None) == ({TABLE: full}, [])


@pytest.mark.parametrize("value", ["-1", "5", "two"])
def test_table_indexes_out_of_range_is_refused(value: str) -> None:
    from infra.config import StackConfig

    with pytest.raises(ValueError, match="tableIndexes"):
        StackConfig.from_context({"tableIndexes": value}.get, environ={})
