"""EventBridge Scheduler expressions: at(), rate(), and the six-field cron dialect."""

import datetime

import pytest

from inngest_lambda.local import schedule_expr as se

UTC = datetime.UTC


def ts(*args, tz=UTC):
    return datetime.datetime(*args, tzinfo=tz).timestamp()


def test_at_respects_timezone():
    assert se.parse("at(2030-01-01T00:00:00)") == se.At(ts(2030, 1, 1))
    paris = se.parse("at(2030-01-01T00:00:00)", "Europe/Paris")
    assert paris == se.At(ts(2029, 12, 31, 23, 0))


def test_rate_occurrences_count_from_anchor():
    rate = se.parse("rate(5 minutes)")
    assert rate == se.Rate(300)
    anchor = ts(2030, 1, 1)
    fires = list(rate.occurrences(anchor, anchor + 900, anchor))
    assert fires == [anchor + 300, anchor + 600, anchor + 900]
    assert list(rate.occurrences(anchor + 300, anchor + 599, anchor)) == []
    assert se.parse("rate(1 hour)") == se.Rate(3600)


def _fires(expr, start, minutes, tz=None):
    cron = se.parse(expr, tz)
    return [
        datetime.datetime.fromtimestamp(t, tz=UTC)
        for t in cron.occurrences(start, start + minutes * 60)
    ]


def test_cron_every_minute_and_steps():
    start = ts(2030, 1, 1)
    assert len(_fires("cron(* * * * ? *)", start, 10)) == 10
    fired = _fires("cron(0/15 * * * ? *)", start, 60)
    assert [d.minute for d in fired] == [15, 30, 45, 0]


def test_cron_weekdays_timezone_and_names():
    # 2030-01-05 is a Saturday. 10:00 in New York is 15:00 UTC in January.
    start = ts(2030, 1, 5)
    fired = _fires("cron(0 10 ? * MON-FRI *)", start, 3 * 24 * 60, "America/New_York")
    assert [(d.day, d.hour) for d in fired] == [(7, 15)]
    fired = _fires("cron(30 8 ? JAN 1 2030)", start, 9 * 24 * 60)  # Sundays only (1 = SUN)
    assert [(d.day, d.hour, d.minute) for d in fired] == [(6, 8, 30), (13, 8, 30)]


def test_cron_last_weekday_and_nth():
    # January 2030: the 31st is a Thursday; the last Friday is the 25th; the 2nd Tuesday the 8th.
    start = ts(2030, 1, 1)
    month = 31 * 24 * 60
    assert [d.day for d in _fires("cron(0 0 L * ? *)", start - 60, month)] == [31]
    assert [d.day for d in _fires("cron(0 0 LW * ? *)", start - 60, month)] == [31]
    assert [d.day for d in _fires("cron(0 0 ? * 6L *)", start - 60, month)] == [25]
    assert [d.day for d in _fires("cron(0 0 ? * 3#2 *)", start - 60, month)] == [8]
    # 2030-06-01 is a Saturday: 1W is Monday the 3rd.
    june = ts(2030, 6, 1) - 60
    assert [d.day for d in _fires("cron(0 0 1W * ? *)", june, 30 * 24 * 60)] == [3]


@pytest.mark.parametrize(
    "expr",
    [
        "cron(* * * *)",
        "cron(61 * * * ? *)",
        "rate(0 minutes)",
        "every day",
        "at(2030-13-01T00:00:00)",
    ],
)
def test_bad_expressions(expr):
    with pytest.raises(ValueError):
        se.parse(expr)


def test_bad_timezone():
    with pytest.raises(ValueError):
        se.parse("at(2030-01-01T00:00:00)", "Mars/Olympus")
