"""Run statistics for the dashboard's charts: per function and hour, counters updated with ADD.

Reading runs one by one over a week would cost a read per run; these counters cost a page view
a read per hour shown (at most 169 items for a week), whatever the number of runs. Layout:

    RS#<function_id> / H#<10-digit epoch of the hour>   one item per function and hour

Its attributes are numbers, each added to (`ADD`) and never set; every name is kept twice,
as the hour's total (`Failed`) and in the hour's 5-minute slot (`Failed@7`: minutes 35-39):

    Completed, Failed, Cancelled   runs a drive ended so, at their end
    Skipped                        runs created Skipped (flow control, a paused function)
    created                        runs created Queued, counted by their first drive at the time
                                   they were created (runs still Queued are in the index)
    started                        runs whose first drive began (Queued -> Running), at its start
    ended                          runs a drive ended (Completed, Failed, Cancelled)
    rd<i>                          runs that ended Completed or Failed, by duration bin
    sd<i>                          step attempts that ended (run, failed or errored), by duration
                                   bin, at the end of their drive

plus `expires_at` (TTL: the hour's end plus KEEP_SECONDS), so the items go by themselves.

**Counted once.** Each count follows a conditional transition that succeeded: the first lease
(which sets `started_at` only if it is unset) for `created` and `started`; the final status write
(conditioned on the drive's lease; a second delivery of the same message finds the run ended and
is refused its lease) for the end; the creation transaction (refused for a second creation of
the same idempotency key) for Skipped. The counter writes come after the transitions, in calls
of their own: the executor adds up the counts of an SQS batch and writes them once per function
and hour (`Executor.record_counts`), so a process that dies in between loses those counts (the
counters may undercount, never count twice). Counters are best effort: a failed counter write is
logged and never fails a run.

**Durations.** A duration goes into bin `i` of a fixed histogram: bin 0 holds up to 1 ms, bin
`i` holds (2^((i-1)/2), 2^(i/2)] ms (each bin sqrt(2) wide), up to bin MAX_BIN (about 12
days). `percentile` answers the geometric middle of the bin that holds the nearest-rank
percentile: within a factor 2^(1/4) (19%) of the true value.

**Limits.** All counts of a function in one hour go to one item: DynamoDB takes about 1,000
write units a second on one item, and an item grows to a few KB over a busy hour (each write
costs 1 unit per KB). Writes are grouped per SQS batch (up to 10 drives), which keeps that
well above the rate the listing indexes allow one function (docs/dashboard.md).

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
    LIST_AT,
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
KEEP_SECONDS = 8 * 24 * HOUR  # a week shown, and a day to spare
MAX_BIN = 60  # 2^30 ms, about 12 days
RUN_BIN, STEP_BIN = "rd", "sd"
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


class Tally:
    """Counts to add to one function's counters: per hour item, attribute name -> count (each
    name twice: the hour's total and its 5-minute slot's)."""

    def __init__(self) -> None:
        self.items: dict[int, Counter[str]] = {}

    def add(self, name: str, at: float, n: int = 1) -> None:
        """Count `n` of `name` at the time `at`."""
        hour = int(at // HOUR * HOUR)
        slot = int(at % HOUR // SLOT_SECONDS)
        counts = self.items.setdefault(hour, Counter())
        counts[name] += n
        counts[f"{name}@{slot}"] += n

    def run_duration(self, ms: float, at: float) -> None:
        self.add(f"{RUN_BIN}{bin_of(ms)}", at)

    def step_duration(self, ms: float, at: float) -> None:
        self.add(f"{STEP_BIN}{bin_of(ms)}", at)

    def update(self, other: Tally) -> None:
        for hour, counts in other.items.items():
            self.items.setdefault(hour, Counter()).update(counts)

    def __bool__(self) -> bool:
        return any(n for counts in self.items.values() for n in counts.values())


def hour_key(at: float) -> str:
    return f"H#{int(at // HOUR * HOUR):010d}"


def stats_pk(function_id: str) -> str:
    return f"RS#{function_id}"


def record(db: Table, function_id: str, tally: Tally, now: float) -> bool:
    """Add `tally` to the function's counters: one UpdateItem per hour item it touches (one,
    but for a count that falls in an earlier hour, like the creation of a run that started
    later); items that have expired by `now` are skipped.

    Best effort (see the module's docstring): False, and a warning, when a write failed."""
    ok = True
    for hour, counts in sorted(tally.items.items()):
        expires = hour + HOUR + KEEP_SECONDS
        adding = sorted((name, n) for name, n in counts.items() if n)
        if expires <= now or not adding:
            continue
        names: dict[str, str] = {"#ttl": TABLE_TTL_ATTRIBUTE}
        values: dict[str, Any] = {":ttl": {"N": str(expires)}}
        for i, (name, n) in enumerate(adding):
            names[f"#a{i}"], values[f":n{i}"] = name, {"N": str(n)}
        adds = ", ".join(f"#a{i} :n{i}" for i in range(len(adding)))
        try:
            db.ddb.update_item(
                TableName=db.table,
                Key=item_key(stats_pk(function_id), hour_key(hour)),
                UpdateExpression=f"SET #ttl = :ttl ADD {adds}",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except Exception as err:  # a counter must never fail the runs it counts
            log.warning(
                "run statistics not recorded",
                extra={"function_id": function_id, "error": str(err)},
            )
            ok = False
    return ok


def created_tally(status: str, at: float) -> Tally:
    """What a run created ended adds at its creation (Skipped by flow control or a pause): its
    status. A run created Queued adds nothing now; its first drive counts it (`created`)."""
    tally = Tally()
    if status not in ACTIVE_STATES:
        tally.add(status, at)
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
    """The function's runs that are Queued or Running now, and when each Queued one was created
    (`at_least`: ACTIVE_CAP entries were read and there are more)."""

    queued_created: list[float]
    running: int
    at_least: bool = False

    @property
    def queued(self) -> int:
        return len(self.queued_created)


def active_runs(db: Table, function_id: str) -> Active:
    """The function's active runs now, from the runs-by-status index: one Query page per 1 MB
    (a projected entry is about 80 bytes: one call), ACTIVE_CAP entries read at most."""
    kwargs: dict[str, Any] = {
        "TableName": db.table,
        "IndexName": INDEX_RUNS_BY_STATUS,
        "KeyConditionExpression": "#p = :p",
        "ProjectionExpression": "#st, ended_at, #at",
        "ExpressionAttributeNames": {"#p": LIST_FUNCTION_STATUS, "#st": "status", "#at": LIST_AT},
        "ExpressionAttributeValues": {":p": {"S": status_key(function_id, ACTIVE_STATES[0])}},
    }
    queued: list[float] = []
    running = read_so_far = 0
    while True:
        kwargs["Limit"] = ACTIVE_CAP - read_so_far
        res = index_query.query(db.ddb, kwargs)
        for item in res.get("Items", []):
            if "ended_at" in item:  # an active status with `ended_at`: a recorded cancel
                continue
            status = item.get("status", {}).get("S")
            if status == "Queued":
                queued.append(int(item[LIST_AT]["S"][:13]) / 1000)
            elif status == "Running":
                running += 1
        read_so_far += int(res.get("Count", 0))
        if "LastEvaluatedKey" not in res:
            return Active(queued, running)
        if read_so_far >= ACTIVE_CAP:
            return Active(queued, running, at_least=True)
        kwargs["ExclusiveStartKey"] = res["LastEvaluatedKey"]
