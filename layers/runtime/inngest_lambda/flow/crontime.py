"""When did a cron trigger last fire? Needed to give each fire one deterministic event id.

A cron schedule's message is static (EventBridge Scheduler sends the same Input every time), and
Scheduler may deliver it twice or, with a flexible window (jitter), minutes late. Deriving the
fire from the cron itself (the latest matching minute at or before delivery) makes every delivery
of one fire produce the same `inngest/scheduled.timer` event id, so one fire starts one run.
This holds while the jitter window is shorter than the interval between fires.

Semantics follow robfig/cron (what Inngest runs): 5 fields in the trigger's `TZ=` zone (UTC when
absent); when both day fields are restricted a day matches if EITHER does.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import hashlib
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ulid import ULID

from inngest_lambda.flow import cron as conv

# How far back to look for a fire: four years covers `0 0 29 2 *`.
MAX_LOOKBACK_DAYS = 4 * 366 + 1


@dataclasses.dataclass(frozen=True)
class CronSpec:
    minutes: tuple[int, ...]  # descending, for the backwards search
    hours: tuple[int, ...]
    days: frozenset[int]
    days_star: bool
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    weekdays_star: bool
    tz: ZoneInfo

    def day_matches(self, day: datetime.date) -> bool:
        if day.month not in self.months:
            return False
        dom = day.day in self.days
        dow = day.isoweekday() % 7 in self.weekdays
        if self.days_star or self.weekdays_star:
            return dom and dow
        return dom or dow


@functools.lru_cache(maxsize=256)
def parse(cron: str) -> CronSpec:
    """Parse an Inngest cron string; CronConversionError when it is not valid."""
    zone, spec = conv.split_timezone(cron)
    spec = conv.MACROS.get(spec.lower(), spec)
    fields = spec.split()
    if len(fields) != 5:
        raise conv.CronConversionError(f"expected 5 cron fields, got {cron!r}")
    try:
        tz = ZoneInfo(zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise conv.CronConversionError(f"unknown time zone {zone!r}") from err
    minutes, _ = conv.parse_field(fields[0], conv.MINUTE)
    hours, _ = conv.parse_field(fields[1], conv.HOUR)
    days, days_star = conv.parse_field(fields[2], conv.DOM)
    months, _ = conv.parse_field(fields[3], conv.MONTH)
    weekdays, weekdays_star = conv.parse_field(fields[4], conv.DOW)
    return CronSpec(
        minutes=tuple(sorted(minutes, reverse=True)),
        hours=tuple(sorted(hours, reverse=True)),
        days=frozenset(days),
        days_star=days_star,
        months=frozenset(months),
        weekdays=frozenset(d % 7 for d in weekdays),
        weekdays_star=weekdays_star,
        tz=tz,
    )


def latest_fire(cron: str, at: float) -> float | None:
    """Epoch seconds of the latest fire at or before `at` (None if none in four years)."""
    spec = parse(cron)
    today = datetime.datetime.fromtimestamp(at, spec.tz).date()
    for back in range(MAX_LOOKBACK_DAYS):
        day = today - datetime.timedelta(days=back)
        if not spec.day_matches(day):
            continue
        for hour in spec.hours:
            for minute in spec.minutes:
                local = datetime.datetime(day.year, day.month, day.day, hour, minute)
                ts = local.replace(tzinfo=spec.tz).timestamp()
                if ts <= at + 1e-6 and exists(local, ts, spec.tz):
                    return ts
    return None


def exists(local: datetime.datetime, ts: float, tz: ZoneInfo) -> bool:
    """False for a local time skipped by a DST change (it never happens, so never fires)."""
    return datetime.datetime.fromtimestamp(ts, tz).replace(tzinfo=None) == local


def event_id(function_id: str, cron: str, fire: float) -> str:
    """The `inngest/scheduled.timer` event id of one fire: same fire, same id."""
    millis = int(round(fire * 1000))
    rand = hashlib.sha256(f"{function_id}\n{cron}\n{millis}".encode()).digest()[:10]
    return str(ULID.from_bytes(millis.to_bytes(6, "big") + rand))
