"""`python -m inngest_lambda upgrade`: where a deployed table is on the index upgrade path, and
the command for the next step (docs/upgrading.md).

Reads the table (DescribeTable, and the data-format marker with one GetItem) with the caller's
AWS credentials; the table is `--table NAME`, or the `TableName` output of `--stack NAME`
(default InngestLambda). Changes nothing.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from inngest_lambda.settings import DATA_FORMAT_VERSION, INDEX_UPGRADE_ORDER
from inngest_lambda.storage import data_format

MISSING = "missing"


@dataclasses.dataclass(frozen=True)
class Step:
    ready: bool  # every index ACTIVE: deploy without tableIndexes
    wait: bool  # an index is being created: nothing to deploy until it is ACTIVE
    advice: str


def index_states(table: Mapping[str, Any]) -> dict[str, str]:
    """Each index of the upgrade order: ACTIVE, CREATING (backfilling), ... or missing."""
    found = {
        gsi["IndexName"]: str(gsi.get("IndexStatus", "ACTIVE"))
        + (" (backfilling)" if gsi.get("Backfilling") else "")
        for gsi in table.get("GlobalSecondaryIndexes", [])
    }
    return {name: found.get(name, MISSING) for name in INDEX_UPGRADE_ORDER}


def next_step(states: Mapping[str, str]) -> Step:
    """What to deploy next, from `index_states`."""
    busy = [name for name, state in states.items() if state not in ("ACTIVE", MISSING)]
    if busy:
        return Step(
            False,
            True,
            f"index {', '.join(busy)} is {states[busy[0]]}: wait until it is ACTIVE (minutes to"
            " hours, with the table's size), then run this again. Deploy nothing meanwhile.",
        )
    missing = [name for name, state in states.items() if state == MISSING]
    if not missing:
        return Step(True, False, "every index is ACTIVE: deploy with no tableIndexes context.")
    if len(missing) == 1:
        return Step(False, False, "one index missing: `make deploy` (no tableIndexes) adds it.")
    have = len(INDEX_UPGRADE_ORDER) - len(missing)
    if set(INDEX_UPGRADE_ORDER[:have]) == {n for n, st in states.items() if st != MISSING}:
        return Step(
            False,
            False,
            f'next: make deploy CDK_ARGS="-c tableIndexes={have + 1}" (adds {missing[0]});'
            f" keep -c tableIndexes={have + 1} on every deploy until this says otherwise.",
        )
    return Step(
        False,
        False,
        f"the table's indexes ({', '.join(n for n, st in states.items() if st != MISSING)}) are"
        " not a step of the upgrade path; see docs/upgrading.md.",
    )


def report(table_name: str, ddb: Any) -> tuple[str, Step]:
    described = ddb.describe_table(TableName=table_name)["Table"]
    states = index_states(described)
    step = next_step(states)
    stored = data_format.stored_format(ddb, table_name)
    lines = [f"table {table_name}"]
    lines += [f"  index {name:18} {state}" for name, state in states.items()]
    fmt = f"{stored}" if stored is not None else f"none yet (format {data_format.LEGACY_FORMAT})"
    lines.append(f"  data format        {fmt}; this version's is {DATA_FORMAT_VERSION}")
    lines.append(step.advice)
    return "\n".join(lines), step


def _table_from_stack(stack: str) -> str:
    import boto3

    outputs = boto3.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
    for out in outputs.get("Outputs", []):
        if out["OutputKey"] == "TableName":
            return str(out["OutputValue"])
    raise SystemExit(f"stack {stack} has no TableName output")


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m inngest_lambda upgrade", description=__doc__)
    parser.add_argument("--stack", default="InngestLambda", help="the stack's name")
    parser.add_argument("--table", help="the table's name (instead of the stack's output)")
    args = parser.parse_args(list(argv))
    import boto3

    table = args.table or _table_from_stack(args.stack)
    text, step = report(table, boto3.client("dynamodb"))
    print(text, file=sys.stdout)
    return 0 if step.ready else 1
