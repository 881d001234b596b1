"""CloudWatch Logs only accepts a fixed set of retention periods: pick the right one."""

from __future__ import annotations

from aws_cdk import aws_logs as logs

_RETENTIONS = [
    (1, logs.RetentionDays.ONE_DAY),
    (3, logs.RetentionDays.THREE_DAYS),
    (7, logs.RetentionDays.ONE_WEEK),
    (14, logs.RetentionDays.TWO_WEEKS),
    (30, logs.RetentionDays.ONE_MONTH),
    (90, logs.RetentionDays.THREE_MONTHS),
    (180, logs.RetentionDays.SIX_MONTHS),
    (365, logs.RetentionDays.ONE_YEAR),
]


def log_retention(days: int) -> logs.RetentionDays:
    """The shortest CloudWatch Logs retention that keeps at least `days` days."""
    for limit, retention in _RETENTIONS:
        if limit >= days:
            return retention
    return logs.RetentionDays.TEN_YEARS
