"""Run statistics for the dashboard's charts: per function and hour, counters updated with ADD.

Reading runs one by one over a week would cost a read per run; these counters cost a page view
a read per hour shown (at most 169 items for a week), whatever the number of runs. Layout:

    RS#<function_id> / H#<10-digit epoch of the hour>   one item per function and hour

Its attributes are numbers, each added to (`ADD`) and never set; every name is kept twice,
as the hour's total (`Failed`) and in the hour's 5-minute slot (`Failed@7`: minutes 35-39):

    Completed, Failed, Cancelled, Skipped   runs that ended so (Skipped: created so)
    created                                 runs created Queued (not Skipped)
    started                                 runs whose first drive began (Queued -> Running)
    ended                                   runs a drive ended (Completed, Failed, Cancelled)
    rd<i>                                   runs that ended Completed or Failed, by duration bin
    sd<i>                                   step attempts that ended (run, failed or errored), by
                                            duration bin

plus `expires_at` (TTL: the hour's end plus KEEP_SECONDS), so the items go by themselves.

**Counted once.** Each count follows a conditional transition that succeeded: the run's
creation (the transaction that refuses a second creation of the same idempotency key), the
first lease (which sets `started_at` only if it is unset), the final status write (conditioned
on the drive's lease; a second delivery of the same message finds the run ended and is refused
its lease). The counter write comes after the transition, in its own call: a process that dies
in between loses that count (the counters may undercount, never count twice). Counters are
best effort: a failed counter write is logged and never fails the run.

**Durations.** A duration goes into bin `i` of a fixed histogram: bin 0 holds up to 1 ms, bin
`i` holds (2^((i-1)/2), 2^(i/2)] ms (each bin sqrt(2) wide), up to bin MAX_BIN (about 12
days). `percentile` answers the geometric middle of the bin that holds the nearest-rank
percentile: within a factor 2^(1/4) (19%) of the true value.

**Upgrades.** The items are new and additive: runs that ended before the counters existed do not
appear, and an older version simply ignores the items (no data format change).
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections import Counter
from typing import TYPE_CHECKING, Any

from inngest_lambda.settings import (
    INDEX_RUNS_BY_STATUS,
    LIST_FUNCTION_STATUS,
    TABLE_PK,
    TABLE_SK,
    TABLE_TTL_ATTRIBUTE,
)
from inngest_lambda.storage import index_query
from inngest_lambda.storage.codec import item_key
from inngest_lambda.storage.index_keys import ACTIVE_STATES, status_key

if TYPE_CHECKING:
    from inngest_lambda.storage.table import Table

HOUR = 3600
SLOT_SECONDS = 300  # the 5-minute slots of an hour
SLOTS = HOUR // SLOT_SECONDS
KEEP_SECONDS = 8 * 24 * HOUR  # a week shown, and a day to spare
MAX_BIN = 60  # 2^30 ms, about 12 days
RUN_BIN, STEP_BIN = "rd", "sd"
FLOWS = ("created", "started", "ended")
ACTIVE_CAP = 1000  # active index entries `active_runs` reads at most

log = logging.getLogger(__name__)


def bin_of(ms: float) -> int:
    """The histogram bin of a duration in milliseconds."""
    if ms <= 1:
        return 0
    return min(MAX_BIN, math.ceil(2 * math.log2(ms) - 1e-9))


def bin_value(i: int) -> float:
    """What bin `i` stands for, in milliseconds: the geometric middle of its bounds."""
    return 1.0 if i <= 0 else 2 ** ((i - 0.5) / 2)


def percentile(hist: dict[int, int], p: float) -> float | None:
    """The nearest-rank `p` (0 < p <= 1) percentile of a histogram {bin: count}, in ms."""
    total = sum(hist.values())
    if total <= 0:
        return None
    rank = max(1, math.ceil(p * total))
    seen = 0
    for i in sorted(hist):
        seen += hist[i]
        if seen >= rank:
            return bin_value(i)
    return bin_value(max(hist))


@dataclasses.dataclass
class Tally:
    """What one event adds to one function's counters (written by `record`, one call)."""

    counts: Counter[str] = dataclasses.field(default_factory=Counter)

    def add(self, name: str, n: int = 1) -> None:
        self.counts[name] += n

    def run_duration(self, ms: float) -> None:
        self.add(f"{RUN_BIN}{bin_of(ms)}")

    def step_duration(self, ms: float) -> None:
        self.add(f"{STEP_BIN}{bin_of(ms)}")

    def __bool__(self) -> bool:
        return any(self.counts.values())


def hour_key(at: float) -> str:
    return f"H#{int(at // HOUR * HOUR):010d}"


def stats_pk(function_id: str) -> str:
    return f"RS#{function_id}"


def record(db: Table, function_id: str, at: float, tally: Tally) -> bool:
    """Add `tally` to the function's hour and 5-minute slot of `at`: one UpdateItem.

    Best effort (see the module's docstring): False, and a warning, when the write failed."""
    if not tally:
        return True
    slot = int(at % HOUR // SLOT_SECONDS)
    names: dict[str, str] = {"#ttl": TABLE_TTL_ATTRIBUTE}
    values: dict[str, Any] = {
        ":ttl": {"N": str(int(at // HOUR * HOUR) + HOUR + KEEP_SECONDS)},
    }
    adds = []
    for i, (name, n) in enumerate(sorted(tally.counts.items())):
        if not n:
            continue
        names[f"#h{i}"], names[f"#s{i}"] = name, f"{name}@{slot}"
        values[f":n{i}"] = {"N": str(n)}
        adds += [f"#h{i} :n{i}", f"#s{i} :n{i}"]
    try:
        db.ddb.update_item(
            TableName=db.table,
            Key=item_key(stats_pk(function_id), hour_key(at)),
            UpdateExpression=f"SET #ttl = :ttl ADD {', '.join(adds)}",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )
    except Exception as err:  # a counter must never fail the run it counts
        log.warning(
            "run statistics not recorded", extra={"function_id": function_id, "error": str(err)}
        )
        return False
    return True


def created_tally(status: str) -> Tally:
    """What a run created with `status` adds: `created` when Queued, its status when it was
    created ended (Skipped by flow control or a pause)."""
    tally = Tally()
    tally.add("created" if status in ACTIVE_STATES else status)
    return tally


@dataclasses.dataclass
class Bucket:
    """The counters of one bucket (an hour, or a 5-minute slot): name -> count."""

    start: float
    counts: dict[str, int]


def read(db: Table, function_id: str, first: float, last: float, *, slots: bool) -> list[Bucket]:
    """The function's buckets that start from `first` to `last` (hours, or 5-minute slots with
    `slots`), oldest first; a bucket nothing was counted in is left out.

    One Query of the function's partition, from the hour of `first` to that of `last`: it reads
    one item per hour (a week: 169; a page of 1 MB holds them unless a week's items average over
    6 KB, when it takes a second call)."""
    kwargs: dict[str, Any] = {
        "TableName": db.table,
        "KeyConditionExpression": "#pk = :pk AND #sk BETWEEN :lo AND :hi",
        "ExpressionAttributeNames": {"#pk": TABLE_PK, "#sk": TABLE_SK},
        "ExpressionAttributeValues": {
            ":pk": {"S": stats_pk(function_id)},
            ":lo": {"S": hour_key(first)},
            ":hi": {"S": hour_key(last)},
        },
    }
    found: dict[float, dict[str, int]] = {}
    while True:
        res = db.ddb.query(**kwargs)
        for item in res.get("Items", []):
            hour = float(item[TABLE_SK]["S"][2:])
            for name, attr in item.items():
                if "N" not in attr or name == TABLE_TTL_ATTRIBUTE:
                    continue
                base, _, slot = name.partition("@")
                if slots != bool(slot):
                    continue
                start = hour + int(slot) * SLOT_SECONDS if slot else hour
                if first <= start <= last:
                    found.setdefault(start, {})[base] = int(attr["N"])
        if "LastEvaluatedKey" not in res:
            break
        kwargs["ExclusiveStartKey"] = res["LastEvaluatedKey"]
    return [Bucket(start, counts) for start, counts in sorted(found.items())]


@dataclasses.dataclass
class Active:
    """The function's runs that are Queued or Running now (`at_least`: ACTIVE_CAP were read and
    there are more)."""

    queued: int
    running: int
    at_least: bool = False


def active_runs(db: Table, function_id: str) -> Active:
    """The function's active runs now, from the runs-by-status index: one Query page per 1 MB
    (a projected entry is about 60 bytes: one call), ACTIVE_CAP entries read at most."""
    kwargs: dict[str, Any] = {
        "TableName": db.table,
        "IndexName": INDEX_RUNS_BY_STATUS,
        "KeyConditionExpression": "#p = :p",
        "ProjectionExpression": "#st, ended_at",
        "ExpressionAttributeNames": {"#p": LIST_FUNCTION_STATUS, "#st": "status"},
        "ExpressionAttributeValues": {":p": {"S": status_key(function_id, ACTIVE_STATES[0])}},
    }
    counts: Counter[str] = Counter()
    read_so_far = 0
    while True:
        kwargs["Limit"] = ACTIVE_CAP - read_so_far
        res = index_query.query(db.ddb, kwargs)
        for item in res.get("Items", []):
            if "ended_at" not in item:  # an active status with `ended_at`: a recorded cancel
                counts[str(item.get("status", {}).get("S", ""))] += 1
        read_so_far += int(res.get("Count", 0))
        if "LastEvaluatedKey" not in res:
            return Active(counts["Queued"], counts["Running"])
        if read_so_far >= ACTIVE_CAP:
            return Active(counts["Queued"], counts["Running"], at_least=True)
        kwargs["ExclusiveStartKey"] = res["LastEvaluatedKey"]
