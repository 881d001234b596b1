"""EventBridge Scheduler's schedule expressions: `at(...)`, `rate(...)`, `cron(...)`.

The pump needs to know when a schedule is due, and moto only stores schedules. Scheduler's cron
is its own dialect (six fields with a year, 1=SUN day-of-week, `?`, `L`, `W`, `#`), which general
cron libraries read differently, so it is evaluated here, minute by minute, in the schedule's
time zone. Times are epoch seconds (floats) at the edges so callers never juggle tz-aware datetimes.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime
import re
from collections.abc import Callable, Iterator
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_AT = re.compile(r"^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$")
_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")
_CRON = re.compile(r"^cron\((.+)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
_MONTHS = {m.upper(): i for i, m in enumerate(calendar.month_abbr) if m}
_DAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}

DayMatcher = Callable[[datetime.date], bool]


@dataclasses.dataclass(frozen=True)
class At:
    """A one-time schedule: fires once, at `when` (epoch seconds)."""

    when: float


@dataclasses.dataclass(frozen=True)
class Rate:
    """Fires every `seconds`, counted from the schedule's start (StartDate, else creation)."""

    seconds: int

    def occurrences(self, after: float, until: float, anchor: float) -> Iterator[float]:
        """Fire times in (after, until]: anchor + k * seconds for k >= 1."""
        k = max(1, int((after - anchor) // self.seconds))
        while True:
            t = anchor + k * self.seconds
            if t > until:
                return
            if t > after:
                yield t
            k += 1


@dataclasses.dataclass(frozen=True)
class Cron:
    """A cron schedule, evaluated in `tz` at every whole minute."""

    minutes: frozenset[int]
    hours: frozenset[int]
    months: frozenset[int]
    years: frozenset[int]
    day_of_month: DayMatcher
    day_of_week: DayMatcher
    tz: ZoneInfo

    def matches(self, local: datetime.datetime) -> bool:
        return (
            local.minute in self.minutes
            and local.hour in self.hours
            and local.month in self.months
            and local.year in self.years
            and self.day_of_month(local.date())
            and self.day_of_week(local.date())
        )

    def occurrences(self, after: float, until: float, anchor: float = 0.0) -> Iterator[float]:
        """Fire times in (after, until], whole UTC minutes whose local time matches.

        Walking UTC minutes means a local time skipped by a DST change never fires and one
        repeated by it fires twice; Scheduler's own DST rules differ slightly.
        """
        t = (int(after) // 60 + 1) * 60
        while t <= until:
            if self.matches(datetime.datetime.fromtimestamp(t, tz=self.tz)):
                yield float(t)
            t += 60


Expression = At | Rate | Cron


def parse(expression: str, timezone: str | None = None) -> Expression:
    """Parse a ScheduleExpression; raises ValueError for anything Scheduler would not accept."""
    try:
        tz = ZoneInfo(timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown ScheduleExpressionTimezone {timezone!r}") from exc
    text = expression.strip()
    if m := _AT.match(text):
        local = datetime.datetime.fromisoformat(m.group(1)).replace(tzinfo=tz)
        return At(local.timestamp())
    if m := _RATE.match(text):
        value, unit = int(m.group(1)), m.group(2).rstrip("s")
        if value < 1:
            raise ValueError(f"rate must be positive: {expression!r}")
        return Rate(value * _UNIT_SECONDS[unit])
    if m := _CRON.match(text):
        return _parse_cron(m.group(1), tz)
    raise ValueError(f"unsupported schedule expression {expression!r}")


def _parse_cron(body: str, tz: ZoneInfo) -> Cron:
    fields = body.split()
    if len(fields) != 6:
        raise ValueError(f"cron needs 6 fields (min hour dom month dow year), got {body!r}")
    minute, hour, dom, month, dow, year = (f.upper() for f in fields)
    return Cron(
        minutes=_values(minute, 0, 59),
        hours=_values(hour, 0, 23),
        months=_values(month, 1, 12, _MONTHS),
        years=_values(year, 1970, 2199),
        day_of_month=_day_of_month(dom),
        day_of_week=_day_of_week(dow),
        tz=tz,
    )


def _number(token: str, names: dict[str, int] | None) -> int:
    if names and token in names:
        return names[token]
    if not token.isdigit():
        raise ValueError(f"bad cron value {token!r}")
    return int(token)


def _values(field: str, lo: int, hi: int, names: dict[str, int] | None = None) -> frozenset[int]:
    """The values a plain field (`*`, `a`, `a-b`, `a/n`, `a-b/n`, lists) allows."""
    out: set[int] = set()
    for part in field.split(","):
        base, slash, step_text = part.partition("/")
        step = int(step_text) if slash else 1
        if step < 1:
            raise ValueError(f"bad cron step in {part!r}")
        if base in ("*", "?"):
            start, end = lo, hi
        elif "-" in base:
            a, b = base.split("-", 1)
            start, end = _number(a, names), _number(b, names)
        else:
            start = _number(base, names)
            end = hi if slash else start
        if not lo <= start <= end <= hi:
            raise ValueError(f"cron value out of range {lo}-{hi}: {part!r}")
        out.update(range(start, end + 1, step))
    return frozenset(out)


def _aws_weekday(day: datetime.date) -> int:
    """Scheduler's day-of-week number: 1 = Sunday ... 7 = Saturday."""
    return (day.weekday() + 1) % 7 + 1


def _last_day(day: datetime.date) -> int:
    return calendar.monthrange(day.year, day.month)[1]


def _nearest_weekday(day: datetime.date, target: int) -> int:
    """Quartz's `nW`: the weekday nearest day `target`, without leaving the month."""
    last = _last_day(day)
    target = min(target, last)
    weekday = datetime.date(day.year, day.month, target).weekday()  # Mon=0 .. Sun=6
    if weekday == 5:  # Saturday -> Friday, or Monday when the 1st is a Saturday
        return target - 1 if target > 1 else target + 2
    if weekday == 6:  # Sunday -> Monday, or Friday when the month ends on Sunday
        return target + 1 if target < last else target - 2
    return target


def _last_weekday(day: datetime.date) -> int:
    last = _last_day(day)
    weekday = datetime.date(day.year, day.month, last).weekday()
    return last - max(0, weekday - 4)


def _day_of_month(field: str) -> DayMatcher:
    if field == "?":
        return lambda day: True
    tests: list[DayMatcher] = []
    plain: list[str] = []
    for part in field.split(","):
        if part == "L":
            tests.append(lambda day: day.day == _last_day(day))
        elif part == "LW":
            tests.append(lambda day: day.day == _last_weekday(day))
        elif part.endswith("W"):
            target = _number(part[:-1], None)
            if not 1 <= target <= 31:
                raise ValueError(f"bad day-of-month {part!r}")
            tests.append(lambda day, n=target: day.day == _nearest_weekday(day, n))
        else:
            plain.append(part)
    if plain:
        days = _values(",".join(plain), 1, 31)
        tests.append(lambda day: day.day in days)
    return lambda day: any(test(day) for test in tests)


def _day_of_week(field: str) -> DayMatcher:
    if field == "?":
        return lambda day: True
    if field == "L":  # alone, L is the last day of the week
        return lambda day: _aws_weekday(day) == 7
    if "#" in field:
        name, _, nth_text = field.partition("#")
        weekday, nth = _number(name, _DAYS), int(nth_text)
        if not (1 <= weekday <= 7 and 1 <= nth <= 5):
            raise ValueError(f"bad day-of-week {field!r}")
        return lambda day: _aws_weekday(day) == weekday and (day.day - 1) // 7 + 1 == nth
    if field.endswith("L"):
        weekday = _number(field[:-1], _DAYS)
        if not 1 <= weekday <= 7:
            raise ValueError(f"bad day-of-week {field!r}")
        return lambda day: _aws_weekday(day) == weekday and day.day + 7 > _last_day(day)
    days = _values(field, 1, 7, _DAYS)
    return lambda day: _aws_weekday(day) in days
