"""Reading several partitions newest first, as one list, without reading more than it returns.

A listing (runs of some functions, events of a name) is the newest items of several key ranges
(a partition key, a sort-key window): one per function, per shard. Each range is queried newest
first, a page at a time and only when the merge needs its next item (a k-way merge over lazy
streams). A page asks for at most `PAGE_ITEMS` items and never more than the request can still
use, so a request that returns `n` items reads at most

    n + ranges x (PAGE_ITEMS - 1) + 1 items (the last: an exclusive cursor's own item)

and makes at most `n / PAGE_ITEMS + 2 x ranges` Queries, whatever the partitions hold.

A range can also carry a test that DynamoDB's keys cannot express (the status Queued within
the shared "active" key, an event name among events stored before the by-name entries): the
items that fail it are read and dropped, so such a request examines at most `FILTER_BUDGET`
items. When the budget runs out first, the page ends early with a cursor at the last item
examined (every newer item, in every range, has been looked at): the next page goes on from
there. A page can then hold fewer items than asked for, or none, and still have a cursor.

Positions are listing cursors, "<13-digit epoch ms>#<id>" (`index_keys.sort_key`), whatever
the sort key of the range looks like: each range says how to turn its items into positions.
"""

from __future__ import annotations

import dataclasses
import heapq
import itertools
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from inngest_lambda.storage import index_query

if TYPE_CHECKING:
    from inngest_lambda.storage.table import Table

PAGE_ITEMS = 16  # items per Query at most: what a range may read ahead of the merge
FILTER_BUDGET = 256  # items a request examines at most when a range filters what it reads

Item = dict[str, Any]


@dataclasses.dataclass(frozen=True)
class KeyRange:
    """One partition's items with sort keys in [lower, upper), read newest first."""

    index: str | None  # a GSI, or None for the table itself
    pk_attr: str
    pk: str
    sk_attr: str
    lower: str | None  # inclusive sort-key bound
    upper: str | None  # exclusive sort-key bound
    position: Callable[[Item], str]  # the item's listing position (its cursor)
    wanted: Callable[[Item], bool] | None = None  # None: every item in the range
    consistent: bool = False  # only the table offers strongly consistent reads


@dataclasses.dataclass
class Reads:
    """What one request read: Query calls and items (DynamoDB's ScannedCount)."""

    queries: int = 0
    items: int = 0


@dataclasses.dataclass
class Result:
    items: list[Item]
    cursor: str | None  # position to go on from (exclusive), None: nothing older
    reads: Reads


class _Request:
    def __init__(self, store: Table, limit: int, filtered: bool) -> None:
        self.store = store
        self.limit = limit
        self.filtered = filtered
        self.found = 0
        self.examined = 0
        self.reads = Reads()

    def page_size(self) -> int:
        """How many items the next Query of any range may usefully read."""
        left = FILTER_BUDGET - self.examined if self.filtered else self.limit - self.found
        return max(1, min(PAGE_ITEMS, left))

    def stream(self, rng: KeyRange) -> Iterator[tuple[str, bool, Item]]:
        """(position, wanted, item) of the range, newest first, queried a page at a time."""
        if rng.lower is not None and rng.upper is not None and rng.lower >= rng.upper:
            return  # an empty window (`since` after `until`): nothing to ask DynamoDB
        names = {"#p": rng.pk_attr}
        values: dict[str, Any] = {":p": {"S": rng.pk}}
        cond = "#p = :p"
        if rng.lower is not None and rng.upper is not None:
            cond += " AND #s BETWEEN :lo AND :hi"  # inclusive: the upper key itself is skipped
            values[":lo"], values[":hi"] = {"S": rng.lower}, {"S": rng.upper}
        elif rng.lower is not None:
            cond += " AND #s >= :lo"
            values[":lo"] = {"S": rng.lower}
        elif rng.upper is not None:
            cond += " AND #s < :hi"
            values[":hi"] = {"S": rng.upper}
        if rng.lower is not None or rng.upper is not None:
            names["#s"] = rng.sk_attr
        kwargs: dict[str, Any] = {
            "TableName": self.store.table,
            "KeyConditionExpression": cond,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
            "ScanIndexForward": False,
        }
        if rng.index is not None:
            kwargs["IndexName"] = rng.index
        elif rng.consistent:
            kwargs["ConsistentRead"] = True
        while True:
            kwargs["Limit"] = self.page_size()
            if rng.index is not None:  # an index may still be missing or backfilling
                res = index_query.query(self.store.ddb, kwargs)
            else:
                res = self.store.ddb.query(**kwargs)
            items = res.get("Items", [])
            self.reads.queries += 1
            self.reads.items += int(res.get("ScannedCount", len(items)))
            for item in items:
                if rng.upper is not None and item[rng.sk_attr]["S"] >= rng.upper:
                    continue
                yield rng.position(item), rng.wanted is None or rng.wanted(item), item
            if "LastEvaluatedKey" not in res:
                return
            kwargs["ExclusiveStartKey"] = res["LastEvaluatedKey"]


def newest_first(store: Table, groups: list[list[KeyRange]], limit: int) -> Result:
    """The newest `limit` wanted items across these ranges.

    `groups` are merged one after the other: every position in a group is newer than every
    position in the next one, so a later group is not queried while an earlier one fills the
    page."""
    filtered = any(rng.wanted is not None for group in groups for rng in group)
    req = _Request(store, limit, filtered)
    merged = itertools.chain.from_iterable(
        heapq.merge(*(req.stream(rng) for rng in group), key=lambda e: e[0], reverse=True)
        for group in groups
    )
    out: list[Item] = []
    for position, wanted, item in merged:
        req.examined += 1
        if wanted:
            out.append(item)
            req.found += 1
            if req.found == limit:
                return Result(out, position, req.reads)
        if filtered and req.examined >= FILTER_BUDGET:
            return Result(out, position, req.reads)
    return Result(out, None, req.reads)
