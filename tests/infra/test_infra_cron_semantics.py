"""The converted Scheduler expression fires exactly when the original cron would.

Reference: a small, independent 5-field cron matcher written here (Vixie/robfig semantics:
day-of-month OR day-of-week when both are restricted). Candidate: the project's own evaluator
of Scheduler expressions (inngest_lambda.local.schedule_expr, used by the local stack). Time of
day and calendar day are independent in both dialects, so minutes are compared over one day and
days over three years (leap year and every weekday/month combination included).
"""

import datetime

import pytest

from infra.cron import to_scheduler_cron

schedule_expr = pytest.importorskip("inngest_lambda.local.schedule_expr")

_MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
_DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]


def _field(text, low, high, names=(), base=0):
    values, star = set(), False
    for term in text.split(","):
        part, _, step = term.partition("/")
        step = int(step or 1)
        if part in ("*", "?"):
            start, end, star = low, high, star or step == 1
        else:
            bounds = [
                names.index(p.upper()) + base if p.upper() in names else int(p)
                for p in part.split("-")
            ]
            start = bounds[0]
            end = bounds[-1] if len(bounds) == 2 else (high if "/" in term else start)
        values.update(range(start, end + 1, step))
    return values, star


class Reference:
    def __init__(self, cron):
        m, h, dom, mon, dow = cron.split()
        self.minutes, _ = _field(m, 0, 59)
        self.hours, _ = _field(h, 0, 23)
        self.dom, self.dom_star = _field(dom, 1, 31)
        self.months, _ = _field(mon, 1, 12, _MONTHS, 1)
        dow_values, self.dow_star = _field(dow, 0, 7, _DAYS, 0)
        self.dow = {d % 7 for d in dow_values}

    def day(self, d):
        if d.month not in self.months:
            return False
        in_dom, in_dow = d.day in self.dom, (d.weekday() + 1) % 7 in self.dow
        if self.dom_star or self.dow_star:
            return in_dom and in_dow
        return in_dom or in_dow

    def time(self, hour, minute):
        return hour in self.hours and minute in self.minutes


CRONS = [
    "0 9 * * 1",
    "*/15 * * * *",
    "5/20 3-5 * * *",
    "0 0 1 * *",
    "0 12 * * mon-fri",
    "0 0 * * 0",
    "0 0 * * 7",
    "0 0 * * 5-7",
    "0 0 * * */2",
    "30 2 */2 * *",
    "0 */6 * * *",
    "0 8-10,14 * * *",
    "0 0 1 jan,jul *",
    "0 0 * JUL WED",
    "0 0 1 */3 *",
    "0 0 29 2 *",
    "0 0 31 * *",
    "0 0 ? * 1",
    "0 0 15 * ?",
    "1,2,3,30-33,59 * * * *",
    "* * * * *",
]


@pytest.mark.parametrize("cron", CRONS)
def test_fires_on_the_same_minutes_and_days(cron):
    reference = Reference(cron)
    converted = to_scheduler_cron(cron)
    candidate = schedule_expr.parse(converted.expression, converted.timezone)

    first_day = next(
        datetime.date(2027, 1, 1) + datetime.timedelta(days=n)
        for n in range(3 * 366)
        if reference.day(datetime.date(2027, 1, 1) + datetime.timedelta(days=n))
    )
    first_hour, first_minute = min(reference.hours), min(reference.minutes)

    for minute_of_day in range(24 * 60):
        hour, minute = divmod(minute_of_day, 60)
        at = datetime.datetime.combine(first_day, datetime.time(hour, minute))
        assert candidate.matches(at) == reference.time(hour, minute), (cron, at)

    start = datetime.date(2026, 12, 1)
    for n in range(3 * 366):
        day = start + datetime.timedelta(days=n)
        at = datetime.datetime.combine(day, datetime.time(first_hour, first_minute))
        assert candidate.matches(at) == reference.day(day), (cron, day)
