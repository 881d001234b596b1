"""Turn Inngest cron triggers into EventBridge Scheduler schedules.

Inngest takes standard 5-field cron (`min hour dom month dow`, optional `TZ=Zone ` prefix,
`@daily`-style macros) with the usual rule that when both day fields are restricted a day
matches if EITHER does. EventBridge Scheduler takes `cron(min hour dom month dow year)`, numbers
weekdays 1-7 from Sunday, allows no `/` in day-of-week and requires `?` in one of the two day
fields, so it can only express "day-of-month AND any weekday" or the reverse.

This module is pure (no aws_cdk, no boto3): the CDK stack (`infra/cron.py` re-exports it), the
local stack and `/fn/register` (which create schedules themselves) and the runtime's cron
handling (`crontime`) all use this one converter.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import re
import zoneinfo
from collections.abc import Iterable

# The work-queue message a cron schedule sends; the runtime's executor reads it.
CRON_MESSAGE_KIND = "cron"
# EventBridge Scheduler's limits on a flexible time window and on schedule names.
MAX_WINDOW_MINUTES = 1440
MAX_SCHEDULE_NAME = 64
SCHEDULE_NAME_PREFIX = "cron-"

MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
_DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
_TZ_PREFIX = re.compile(r"^(?:CRON_)?TZ=(\S+)\s+(.*)$", re.DOTALL)
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}


class CronConversionError(ValueError):
    """The cron expression is invalid or cannot be expressed as an EventBridge schedule."""


@dataclasses.dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()
    name_base: int = 0  # value of names[0]


MINUTE = _Field("minute", 0, 59)
HOUR = _Field("hour", 0, 23)
DOM = _Field("day-of-month", 1, 31)
MONTH = _Field("month", 1, 12, tuple(_MONTHS), 1)
# 7 is Sunday too in most crons; folded into 0 after parsing.
DOW = _Field("day-of-week", 0, 7, tuple(_DAYS), 0)


@dataclasses.dataclass(frozen=True)
class SchedulerCron:
    """An EventBridge Scheduler cron schedule equivalent to one Inngest cron string."""

    expression: str  # "cron(min hour dom month dow year)"
    timezone: str | None  # IANA name for ScheduleExpressionTimezone; None means UTC


def _value(token: str, field: _Field) -> int:
    upper = token.upper()
    if upper in field.names:
        return field.names.index(upper) + field.name_base
    if not token.isdigit():
        raise CronConversionError(f"{field.name}: {token!r} is not a number or a known name")
    number = int(token)
    if not field.low <= number <= field.high:
        raise CronConversionError(f"{field.name}: {number} is outside {field.low}-{field.high}")
    return number


def parse_field(text: str, field: _Field) -> tuple[set[int], bool]:
    """Values matched by one cron field, and whether it is an unrestricted `*` / `?`.

    "Unrestricted" follows robfig/cron (what Inngest runs): only a bare `*` or `?` (or `*/1`)
    counts, so `*/2` in a day field is a restriction.
    """
    values: set[int] = set()
    star = False
    for term in text.split(","):
        if not term:
            raise CronConversionError(f"{field.name}: empty list item in {text!r}")
        base, _, step_text = term.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) == 0:
                raise CronConversionError(f"{field.name}: bad step in {term!r}")
            step = int(step_text)
        if base in ("*", "?"):
            start, end = field.low, field.high
            star = star or step == 1
        elif "-" in base:
            first, _, last = base.partition("-")
            start, end = _value(first, field), _value(last, field)
            if start > end:
                raise CronConversionError(f"{field.name}: range {base!r} runs backwards")
        else:
            start = _value(base, field)
            end = field.high if step_text else start
        values.update(range(start, end + 1, step))
    return values, star


def _compact(values: set[int], low: int, high: int, allow_step: bool) -> str:
    """Shortest safe Scheduler spelling of a set: `*`, `a/n`, or a list of values and ranges."""
    ordered = sorted(values)
    if ordered == list(range(low, high + 1)):
        return "*"
    if allow_step and len(ordered) >= 3:
        step = ordered[1] - ordered[0]
        if step > 1 and ordered == list(range(ordered[0], high + 1, step)):
            return f"{ordered[0]}/{step}"
    runs: list[list[int]] = []
    for value in ordered:
        if runs and value == runs[-1][-1] + 1:
            runs[-1].append(value)
        else:
            runs.append([value])
    parts: list[str] = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{run[0]}-{run[-1]}")
        else:
            parts.extend(str(v) for v in run)
    return ",".join(parts)


def _weekdays(days: set[int]) -> str:
    """Scheduler day-of-week: 1-7 = SUN-SAT, written as names; no `/` allowed there."""
    numbers = _compact({d + 1 for d in days}, 1, 7, allow_step=False)
    return re.sub(r"\d", lambda m: _DAYS[int(m.group()) - 1], numbers)


def split_timezone(cron: str) -> tuple[str | None, str]:
    """("Europe/Paris", "0 9 * * 1") from "TZ=Europe/Paris 0 9 * * 1"."""
    text = cron.strip()
    match = _TZ_PREFIX.match(text)
    if match:
        return match.group(1), match.group(2).strip()
    return None, text


def to_scheduler_cron(cron: str) -> SchedulerCron:
    """Convert an Inngest cron string; raise CronConversionError if Scheduler can't express it."""
    timezone, spec = split_timezone(cron)
    if timezone is not None:
        try:
            zoneinfo.ZoneInfo(timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise CronConversionError(f"unknown time zone {timezone!r} in {cron!r}") from exc
    spec = MACROS.get(spec.lower(), spec)
    if spec.startswith("@"):
        raise CronConversionError(f"unsupported cron descriptor {spec!r}")
    fields = spec.split()
    if len(fields) != 5:
        raise CronConversionError(
            f"expected 5 cron fields (minute hour day-of-month month day-of-week), got {cron!r}"
        )
    minutes, _ = parse_field(fields[0], MINUTE)
    hours, _ = parse_field(fields[1], HOUR)
    dom, dom_star = parse_field(fields[2], DOM)
    months, _ = parse_field(fields[3], MONTH)
    dow, dow_star = parse_field(fields[4], DOW)
    dow = {d % 7 for d in dow}

    if dom_star:
        day_of_month = "?" if not dow_star else "*"
    elif dow_star:
        day_of_month = _compact(dom, 1, 31, allow_step=True)
    else:
        raise CronConversionError(
            f"{cron!r} restricts both day-of-month and day-of-week (runs when EITHER matches);"
            " EventBridge Scheduler can only restrict one of them: use two functions or triggers"
        )
    day_of_week = "?" if day_of_month != "?" else _weekdays(dow)
    parts = [
        _compact(minutes, 0, 59, allow_step=True),
        _compact(hours, 0, 23, allow_step=True),
        day_of_month,
        _compact(months, 1, 12, allow_step=True),
        day_of_week,
        "*",
    ]
    return SchedulerCron(f"cron({' '.join(parts)})", timezone)


def jitter_minutes(jitter: str | None) -> int | None:
    """Flexible window in whole minutes (rounded up, at least 1) for an Inngest jitter like "30s".

    None or a zero duration means no window (the schedule fires on time).
    """
    if jitter is None or not jitter.strip():
        return None
    text = jitter.strip().replace(" ", "")
    pos, seconds = 0, 0.0
    for match in _DURATION_PART.finditer(text):
        if match.start() != pos:
            break
        seconds += float(match.group(1)) * _SECONDS[match.group(2)]
        pos = match.end()
    if pos != len(text) or pos == 0:
        raise CronConversionError(f"jitter {jitter!r} is not a duration like '30s', '5m', '1h30m'")
    if seconds == 0:
        return None
    minutes = max(1, math.ceil(seconds / 60))
    if minutes > MAX_WINDOW_MINUTES:
        raise CronConversionError(
            f"jitter {jitter!r} exceeds Scheduler's {MAX_WINDOW_MINUTES}-minute flexible window"
        )
    return minutes


def cron_message(function_id: str, cron: str) -> dict[str, str]:
    """The work-queue message a cron schedule delivers: which function, which trigger, and
    (substituted by Scheduler) the exact fire time, which a flexible window would blur."""
    return {
        "kind": CRON_MESSAGE_KIND,
        "function_id": function_id,
        "cron": cron,
        "scheduled_time": "<aws.scheduler.scheduled-time>",
    }


def schedule_name(function_id: str, cron: str) -> str:
    """A stable, valid (<= 64 chars of [0-9A-Za-z_.-]) schedule name for one trigger."""
    digest = hashlib.sha256(f"{function_id}\n{cron}".encode()).hexdigest()[:10]
    slug = re.sub(r"[^0-9A-Za-z_.-]+", "-", function_id).strip("-") or "fn"
    room = MAX_SCHEDULE_NAME - len(SCHEDULE_NAME_PREFIX) - len(digest) - 1
    return f"{SCHEDULE_NAME_PREFIX}{slug[:room]}-{digest}"


@dataclasses.dataclass(frozen=True)
class CronSchedule:
    """Everything needed to create one Scheduler schedule for one cron trigger."""

    function_id: str
    cron: str
    expression: str
    timezone: str | None
    window_minutes: int | None
    name: str

    @classmethod
    def from_trigger(cls, function_id: str, cron: str, jitter: str | None) -> CronSchedule:
        converted = to_scheduler_cron(cron)
        return cls(
            function_id=function_id,
            cron=cron,
            expression=converted.expression,
            timezone=converted.timezone,
            window_minutes=jitter_minutes(jitter),
            name=schedule_name(function_id, cron),
        )

    @property
    def message(self) -> dict[str, str]:
        return cron_message(self.function_id, self.cron)

    def message_json(self) -> str:
        return json.dumps(self.message, separators=(",", ":"), sort_keys=True)


def unique_by_name(schedules: Iterable[CronSchedule]) -> list[CronSchedule]:
    """Drop exact duplicates (the same cron listed twice on one function), keep order."""
    seen: dict[str, CronSchedule] = {}
    for schedule in schedules:
        seen.setdefault(schedule.name, schedule)
    return list(seen.values())
