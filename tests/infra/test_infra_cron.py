"""infra/cron.py: Inngest cron -> EventBridge Scheduler cron, jitter, names, messages."""

import json
import re
import subprocess
import sys

import pytest

from infra.cron import (
    MAX_SCHEDULE_NAME,
    CronConversionError,
    CronSchedule,
    jitter_minutes,
    schedule_name,
    split_timezone,
    to_scheduler_cron,
)


@pytest.mark.parametrize(
    ("cron", "expression"),
    [
        ("0 9 * * 1", "cron(0 9 ? * MON *)"),
        ("*/15 * * * *", "cron(0/15 * * * ? *)"),
        ("5 4 * * *", "cron(5 4 * * ? *)"),
        ("0 0 1 * *", "cron(0 0 1 * ? *)"),
        ("0 12 * * mon-fri", "cron(0 12 ? * MON-FRI *)"),
        ("0 12 * * 1-5", "cron(0 12 ? * MON-FRI *)"),
        # Sunday is 0 or 7 in cron, 1 (SUN) in Scheduler.
        ("0 0 * * 0", "cron(0 0 ? * SUN *)"),
        ("0 0 * * 7", "cron(0 0 ? * SUN *)"),
        ("0 0 * * 0,7", "cron(0 0 ? * SUN *)"),
        ("0 0 * * 6", "cron(0 0 ? * SAT *)"),
        ("0 0 * * 5-7", "cron(0 0 ? * SUN,FRI,SAT *)"),
        ("0 0 * * */2", "cron(0 0 ? * SUN,TUE,THU,SAT *)"),
        ("30 2 */2 * *", "cron(30 2 1/2 * ? *)"),
        ("0 */6 * * *", "cron(0 0/6 * * ? *)"),
        ("5/20 * * * *", "cron(5/20 * * * ? *)"),
        ("0 8-10,14 * * *", "cron(0 8-10,14 * * ? *)"),
        ("0 8,9 * * *", "cron(0 8,9 * * ? *)"),
        ("0 0 1 jan,jul *", "cron(0 0 1 1,7 ? *)"),
        ("0 0 * JUL WED", "cron(0 0 ? 7 WED *)"),
        ("0 0 1 */3 *", "cron(0 0 1 1/3 ? *)"),
        ("0 0 ? * 1", "cron(0 0 ? * MON *)"),
        ("0 0 15 * ?", "cron(0 0 15 * ? *)"),
        ("@daily", "cron(0 0 * * ? *)"),
        ("@hourly", "cron(0 * * * ? *)"),
        ("@weekly", "cron(0 0 ? * SUN *)"),
        ("@monthly", "cron(0 0 1 * ? *)"),
        ("@yearly", "cron(0 0 1 1 ? *)"),
        ("* * * * *", "cron(* * * * ? *)"),
    ],
)
def test_converts_to_scheduler_cron(cron, expression):
    converted = to_scheduler_cron(cron)
    assert converted.expression == expression
    assert converted.timezone is None


def test_every_expression_has_exactly_one_question_mark_day_field():
    for cron in ["0 9 * * 1", "0 0 1 * *", "* * * * *", "0 0 * * 0-6"]:
        fields = to_scheduler_cron(cron).expression[len("cron(") : -1].split()
        assert len(fields) == 6
        assert [fields[2], fields[4]].count("?") == 1


@pytest.mark.parametrize(
    ("cron", "zone", "rest"),
    [
        ("TZ=Europe/Paris 0 9 * * 1", "Europe/Paris", "0 9 * * 1"),
        ("CRON_TZ=America/New_York 0 9 * * *", "America/New_York", "0 9 * * *"),
        ("  0 9 * * 1 ", None, "0 9 * * 1"),
    ],
)
def test_splits_timezone(cron, zone, rest):
    assert split_timezone(cron) == (zone, rest)


def test_keeps_timezone_for_scheduler():
    converted = to_scheduler_cron("TZ=Europe/Paris 0 9 * * 1")
    assert converted.expression == "cron(0 9 ? * MON *)"
    assert converted.timezone == "Europe/Paris"


@pytest.mark.parametrize(
    "cron",
    [
        "0 0 1 * 1",  # both day fields restricted: cron means EITHER, Scheduler cannot say it
        "0 0 */2 * 1",  # a stepped day-of-month counts as restricted (robfig/cron semantics)
        "* * * *",
        "0 * * * * *",
        "61 * * * *",
        "0 24 * * *",
        "0 0 0 * *",
        "0 0 * 13 *",
        "0 0 * * 8",
        "0 0 L * *",
        "0 0 15W * *",
        "0 0 ? * 1#2",
        "0 0 10-5 * *",
        "*/0 * * * *",
        "0 0 * * funday",
        "0,,5 * * * *",
        "@every 5m",
        "@reboot",
        "TZ=Mars/Olympus 0 9 * * 1",
    ],
)
def test_rejects_what_scheduler_cannot_express(cron):
    with pytest.raises(CronConversionError):
        to_scheduler_cron(cron)


@pytest.mark.parametrize(
    ("jitter", "minutes"),
    [
        (None, None),
        ("", None),
        ("0s", None),
        ("1s", 1),
        ("30s", 1),
        ("60s", 1),
        ("61s", 2),
        ("1m30s", 2),
        ("5m", 5),
        ("1h30m", 90),
        ("1500ms", 1),
        ("24h", 1440),
    ],
)
def test_jitter_rounds_up_to_whole_minutes(jitter, minutes):
    assert jitter_minutes(jitter) == minutes


@pytest.mark.parametrize("jitter", ["abc", "30", "5 minutes", "2d", "25h", "s30"])
def test_rejects_bad_or_too_long_jitter(jitter):
    with pytest.raises(CronConversionError):
        jitter_minutes(jitter)


def test_schedule_names_are_valid_stable_and_distinct():
    name = schedule_name("my-app-hello", "0 9 * * 1")
    assert name == schedule_name("my-app-hello", "0 9 * * 1")
    assert name != schedule_name("my-app-hello", "0 10 * * 1")
    assert name.startswith("cron-my-app-hello-")
    long_name = schedule_name("app-" + "x" * 200 + "/weird id!", "* * * * *")
    for candidate in (name, long_name):
        assert len(candidate) <= MAX_SCHEDULE_NAME
        assert re.fullmatch(r"[0-9A-Za-z_.-]+", candidate)


def test_schedule_carries_the_cron_message():
    schedule = CronSchedule.from_trigger("cron-test-weekly", "TZ=Europe/Paris 0 9 * * 1", "30s")
    assert schedule.expression == "cron(0 9 ? * MON *)"
    assert schedule.timezone == "Europe/Paris"
    assert schedule.window_minutes == 1
    assert json.loads(schedule.message_json()) == {
        "kind": "cron",
        "function_id": "cron-test-weekly",
        "cron": "TZ=Europe/Paris 0 9 * * 1",
        "scheduled_time": "<aws.scheduler.scheduled-time>",  # Scheduler substitutes it
    }


def test_pure_modules_do_not_import_aws_cdk():
    """The runtime may reuse cron/registry/config: they must not pull in aws_cdk (or jsii)."""
    code = (
        "import sys, infra.cron, infra.registry, infra.config, infra.layer_artifacts, "
        "infra.function_code; "
        "bad = [m for m in ('aws_cdk', 'jsii', 'constructs') if m in sys.modules]; "
        "assert not bad, bad"
    )
    from infra_support import ROOT

    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
