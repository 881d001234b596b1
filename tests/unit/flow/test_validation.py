"""Trigger and cancel expressions are checked when functions are registered."""

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
