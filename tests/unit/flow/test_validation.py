"""Registration checks (flow/validation.py): flow options Inngest rejects, trigger and cancel
expressions, and a startup naming every bad function."""

import pytest

from inngest_lambda.flow import validation


def _config(**extra):
    return {
        "id": "app-fn",
        "triggers": [{"event": "a/b"}],
        "steps": {"step": {"id": "step", "name": "step", "runtime": {"type": "http", "url": "x"}}},
        **extra,
    }


def test_valid_trigger_and_cancel_expressions_pass():
    config = _config(
        triggers=[{"event": "a/b", "expression": "event.data.amount > 100"}],
        cancel=[{"event": "a/c", "if": "event.data.id == async.data.id"}],
    )
    assert validation.problems(config) == []


def test_malformed_trigger_expression_is_named():
    (problem,) = validation.problems(
        _config(triggers=[{"event": "a/b", "expression": "event.x =="}])
    )
    assert problem.startswith("triggers[0].expression: invalid expression")
    assert "event.x ==" in problem


def test_trigger_expression_may_not_use_async():
    (problem,) = validation.problems(
        _config(triggers=[{"event": "a/b", "expression": "async.data.x == 1"}])
    )
    assert "triggers[0].expression" in problem


def test_malformed_cancel_condition_is_named():
    (problem,) = validation.problems(_config(cancel=[{"event": "a/c", "if": "async.data.x ==="}]))
    assert problem.startswith("cancel[0].if: invalid expression")


def test_inngest_limits_on_triggers_and_cancels():
    many = validation.problems(
        _config(
            triggers=[{"event": f"a/{i}"} for i in range(11)],
            cancel=[{"event": f"c/{i}"} for i in range(6)],
        )
    )
    assert "at most 10 triggers, got 11" in many
    assert "at most 5 cancel options, got 6" in many


def _fn(**options):
    base = {"id": "app-fn", "triggers": [{"event": "a"}], "steps": {}}
    return {**base, **options}


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
