"""Pure parts of flow control: option parsing, validation, GCRA, priority, cron fire times."""

from __future__ import annotations

import datetime

import pytest

from inngest_lambda.flow import config, crontime, gcra, priority, validation
from inngest_lambda.flow.config import FlowConfigError


def _fn(**options):
    base = {"id": "app-fn", "triggers": [{"event": "a"}], "steps": {}}
    return {**base, **options}


# --- parsing ---------------------------------------------------------------------------------
def test_parses_the_python_sdk_wire_config():
    flow = config.FlowConfig.from_wire(
        _fn(
            concurrency=[{"limit": 2, "key": "event.data.k", "scope": "fn"}],
            throttle={"limit": 3, "period": "1m", "burst": 2, "key": None},
            rateLimit={"limit": 1, "period": "1h30m", "key": None},
            debounce={"period": "5s", "timeout": "1m", "key": None},
            priority={"run": "100"},
            singleton={"mode": "skip", "key": None},
            timeouts={"start": "10s", "finish": None},
        )
    )
    assert flow.concurrency[0].limit == 2 and flow.concurrency[0].scope == "fn"
    assert flow.throttle == config.Throttle(3, 60.0, 2, None)
    assert flow.rate_limit.period == 5400.0
    assert flow.debounce == config.Debounce(5.0, None, 60.0)
    assert flow.priority == "100"
    assert flow.timeouts == config.Timeouts(10.0, None)
    assert flow.controls_admission and flow.gates_execution


def test_accepts_other_sdks_spellings_of_concurrency():
    assert config.FlowConfig.from_wire(_fn(concurrency=5)).concurrency[0].limit == 5
    one = config.FlowConfig.from_wire(_fn(concurrency={"limit": 2, "key": "event.data.a"}))
    assert one.concurrency[0].key == "event.data.a"


def test_no_options_means_no_flow_control():
    flow = config.of(_fn(concurrency=[], cancel=None, throttle=None))
    assert not flow.controls_admission and not flow.gates_execution


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"throttle": {"limit": 1, "period": "soon"}}, "throttle.period"),
        ({"singleton": {"mode": "queue"}}, "singleton.mode"),
        ({"concurrency": [{"limit": 1, "scope": "account"}]}, "key is required"),
        ({"rateLimit": {"limit": 0, "period": "1s"}}, "rateLimit.limit"),
    ],
)
def test_parse_errors_name_the_option(options, message):
    with pytest.raises(FlowConfigError, match=message):
        config.FlowConfig.from_wire(_fn(**options))


# --- validation -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"batchEvents": {"maxSize": 5, "timeout": "5s"}, "debounce": {"period": "5s"}},
            "batch_events cannot be combined with debounce",
        ),
        (
            {"batchEvents": {"maxSize": 5, "timeout": "5s"}, "cancel": [{"event": "x"}]},
            "cannot be combined with cancel",
        ),
        (
            {"batchEvents": {"maxSize": 5, "timeout": "5s"}, "priority": {"run": "1"}},
            "cannot be combined with priority",
        ),
        (
            {"batchEvents": {"maxSize": 5, "timeout": "5s"}, "idempotency": "event.data.id"},
            "cannot be combined with idempotency",
        ),
        ({"batchEvents": {"maxSize": 5, "timeout": "2m"}}, "between 1s and 60s"),
        ({"batchEvents": {"maxSize": 1, "timeout": "5s"}}, "max_size must be between"),
        ({"rateLimit": {"limit": 1, "period": "25h"}}, "at most 24h"),
        ({"debounce": {"period": "8d"}}, "between 1s and 7d"),
        ({"concurrency": [{"limit": 1}, {"limit": 2}, {"limit": 3}]}, "at most 2"),
        ({"throttle": {"limit": 1, "period": "1s", "key": "event.data.a +"}}, "throttle.key"),
        ({"priority": {"run": "async.data.x"}}, "unknown variable"),
        ({"triggers": [{"cron": "0 9 1 * 1"}]}, "restricts both"),
        ({"triggers": [{"cron": "TZ=Mars/Olympus 0 9 * * *"}]}, "unknown time zone"),
    ],
)
def test_registration_rejects_what_inngest_rejects(options, message):
    found = validation.problems(_fn(**options))
    assert any(message in p for p in found), found


def test_valid_options_pass():
    assert (
        validation.problems(
            _fn(
                concurrency=[{"limit": 1, "key": "event.data.a"}, {"limit": 5}],
                throttle={"limit": 1, "period": "1s"},
                debounce={"period": "1s", "key": "event.data.a", "timeout": "7d"},
                priority={"run": "event.data.plan == 'enterprise' ? 100 : 0"},
                singleton={"mode": "cancel", "key": "event.data.a"},
                triggers=[{"cron": "TZ=Europe/Paris 0 9 * * 1", "jitter": "30s"}],
            )
        )
        == []
    )


def test_startup_fails_naming_every_bad_function():
    from inngest_lambda.runtime import Runtime
    from inngest_lambda.settings import Settings

    settings = Settings.from_env({"INNGEST_LAMBDA_FUNCTIONS": "tests.support.apps.bad_functions"})
    with pytest.raises(validation.RegistrationError) as info:
        Runtime(settings)
    text = str(info.value)
    assert "function bad-batch-and-debounce: batch_events cannot be combined with debounce" in text
    assert "function bad-bad-key: concurrency[0].key: invalid expression" in text


# --- GCRA -------------------------------------------------------------------------------------
def test_rate_limit_lets_limit_through_then_one_per_interval():
    tat, allowed = 0.0, []
    for now in (100.0, 100.0, 100.0, 104.0, 105.0, 110.0):
        ok, new = gcra.rate_limit(tat, now, period=10, limit=2)
        allowed.append(ok)
        tat = new if ok else tat
    assert allowed == [True, True, False, False, True, True]


def test_throttle_reserves_fifo_starts_and_never_drops():
    tat, starts = 0.0, []
    for _ in range(4):
        start, tat = gcra.throttle(tat, 100.0, period=10, limit=2, burst=1)
        starts.append(start)
    assert starts == [100.0, 105.0, 110.0, 115.0]
    tat, starts = 0.0, []
    for _ in range(4):
        start, tat = gcra.throttle(tat, 100.0, period=10, limit=2, burst=2)
        starts.append(start)
    assert starts == [100.0, 100.0, 105.0, 110.0]


# --- priority ---------------------------------------------------------------------------------
def test_priority_moves_a_run_up_by_its_seconds_and_is_bounded():
    source = "event.data.plan == 'enterprise' ? 100 : 0"
    assert priority.score_ms(1000.0, source, {"data": {"plan": "enterprise"}}) == 900_000
    assert priority.score_ms(1000.0, source, {"data": {"plan": "free"}}) == 1_000_000
    assert priority.factor("5000", {"data": {}}) == 600
    assert priority.factor("'high'", {"data": {}}) == 0  # not an int: no priority


# --- cron fire times --------------------------------------------------------------------------
def _ts(text: str) -> float:
    return datetime.datetime.fromisoformat(text).timestamp()


@pytest.mark.parametrize(
    ("cron", "at", "fire"),
    [
        ("* * * * *", "2025-03-05T10:17:42+00:00", "2025-03-05T10:17:00+00:00"),
        ("*/15 * * * *", "2025-03-05T10:17:42+00:00", "2025-03-05T10:15:00+00:00"),
        ("TZ=Europe/Paris 0 9 * * 1", "2025-03-05T10:00:00+00:00", "2025-03-03T08:00:00+00:00"),
        ("TZ=Europe/Paris 0 9 * * 1", "2025-07-07T07:00:01+00:00", "2025-07-07T07:00:00+00:00"),
        ("0 0 29 2 *", "2025-03-01T00:00:00+00:00", "2024-02-29T00:00:00+00:00"),
        # Both day fields restricted: either matches (1st of the month OR a Monday).
        ("0 12 1 * 1", "2025-03-02T13:00:00+00:00", "2025-03-01T12:00:00+00:00"),
        ("@daily", "2025-03-05T10:00:00+00:00", "2025-03-05T00:00:00+00:00"),
    ],
)
def test_latest_fire(cron, at, fire):
    assert crontime.latest_fire(cron, _ts(at)) == _ts(fire)


def test_a_local_time_skipped_by_dst_never_fires():
    # 02:30 did not exist in Paris on 2025-03-30 (clocks jumped 02:00 -> 03:00).
    fire = crontime.latest_fire("TZ=Europe/Paris 30 2 * * *", _ts("2025-03-30T12:00:00+00:00"))
    assert fire == _ts("2025-03-29T01:30:00+00:00")


def test_event_ids_are_stable_per_fire_and_distinct_across_fires():
    a = crontime.event_id("app-fn", "* * * * *", 1_700_000_000.0)
    assert a == crontime.event_id("app-fn", "* * * * *", 1_700_000_000.0)
    assert a != crontime.event_id("app-fn", "* * * * *", 1_700_000_060.0)
    assert a != crontime.event_id("app-other", "* * * * *", 1_700_000_000.0)


def test_shard_parts_add_up_to_the_limit_and_fit_one_write_unit():
    from inngest_lambda.flow.concurrency import MAX_SHARDS, PER_SHARD, Slot

    for limit in [*range(1, 300), 999, 1000, 1001, 5000, 100_000]:
        slot = Slot("F#f#conc0#k", limit)
        parts = [slot.shard_limit(i) for i in range(slot.shards)]
        assert sum(parts) == limit
        assert 1 <= slot.shards <= MAX_SHARDS
        if limit <= PER_SHARD:
            assert slot.shards == 1  # the unsharded layout
        if slot.shards < MAX_SHARDS:
            assert max(parts) <= PER_SHARD  # ~40 bytes a holder: a shard item stays under 1 KB
        assert slot.shard_limit(slot.shards) == 0  # a shard of a larger, earlier split
