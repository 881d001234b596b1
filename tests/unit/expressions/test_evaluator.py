"""`expressions.evaluator`: typical Inngest expressions, absent data, errors."""

import json

import pytest

from inngest_lambda.expressions import (
    ExpressionError,
    MissingFieldError,
    evaluate,
    evaluate_int,
    evaluate_key,
    interpolate,
    matches,
    validate,
)
from tests.unit.expressions.sample_events import event

# --- Typical Inngest expressions ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "expected"),
    [(150, True), (150.5, True), (100, False), (100.0, False), (100.5, True), (50, False)],
)
def test_trigger_filter_compares_ints_and_floats_by_value(amount, expected):
    assert matches("event.data.amount > 100", {"event": event({"amount": amount})}) is expected


def test_int_float_equality_and_ordering():
    e = {"event": event({"amount": 150, "price": 150.0, "half": 0.5})}
    assert matches("event.data.amount == 150.0", e)
    assert matches("event.data.price == 150", e)
    assert matches("event.data.amount == event.data.price", e)
    assert matches("event.data.half < 1", e)
    assert matches("event.data.amount >= 149.99", e)


def test_ts_as_int():
    e = {"event": event(ts=1700000000123)}
    assert matches("event.ts > 1690000000000", e)
    assert matches("event.ts == 1700000000123", e)
    assert evaluate("event.ts + 1", e) == 1700000000124
    assert evaluate_key("event.ts", e["event"]) == "1700000000123"


def test_wait_for_event_expression():
    src = "event.data.orderId == async.data.orderId"
    trigger = event({"orderId": "o-1"})
    assert matches(src, {"event": trigger, "async": event({"orderId": "o-1"}, name="x")})
    assert not matches(src, {"event": trigger, "async": event({"orderId": "o-2"})})


def test_cancel_expression_with_both_variables():
    src = "async.data.userId == event.data.userId && async.data.reason != 'retry'"
    trigger = event({"userId": 7})
    assert matches(src, {"event": trigger, "async": event({"userId": 7, "reason": "user"})})
    assert not matches(src, {"event": trigger, "async": event({"userId": 7, "reason": "retry"})})
    assert not matches(src, {"event": trigger, "async": event({"userId": 8})})


def test_sdk_on_failure_trigger_expression():
    # The SDK registers exactly this for on_failure handlers (inngest 0.5.19, function.py).
    src = "event.data.function_id == 'app-fn'"
    failed = {"name": "inngest/function.failed", "data": {"function_id": "app-fn"}}
    assert matches(src, {"event": failed})
    assert not matches(src, {"event": {**failed, "data": {"function_id": "app-other"}}})
    assert not matches(src, {"event": {"name": "inngest/function.failed", "data": {}}})


def test_priority_ternary():
    src = "event.data.plan == 'enterprise' ? 100 : 0"
    assert evaluate_int(src, event({"plan": "enterprise"})) == 100
    assert evaluate_int(src, event({"plan": "free"})) == 0
    # An absent attribute reads as null, so the ternary still yields its else-branch.
    assert evaluate_int(src, event({})) == 0
    assert evaluate_int("event.data.p", event({"p": -600})) == -600
    assert evaluate_int("event.data.p", event({"p": 100.0})) == 100


@pytest.mark.parametrize("value", [1.5, True, "100", None, [1]])
def test_evaluate_int_rejects_non_integers(value):
    with pytest.raises(ExpressionError, match="expected an int"):
        evaluate_int("event.data.p", event({"p": value}))


def test_flow_control_and_idempotency_keys():
    e = event({"customer_id": "c-1", "n": 42, "f": 2.0, "g": 2.5, "ok": True, "none": None})
    assert evaluate_key("event.data.customer_id", e) == "c-1"
    assert evaluate_key("event.data.n", e) == "42"
    assert evaluate_key("event.data.f", e) == "2"
    assert evaluate_key("event.data.g", e) == "2.5"
    assert evaluate_key("event.data.ok", e) == "true"
    assert evaluate_key("event.data.none", e) == "null"
    assert evaluate_key("event.data.absent", e) == "null"
    assert evaluate_key("event.data.customer_id + '-' + event.name", e) == "c-1-shop/order.created"


def test_key_of_lists_and_maps_is_canonical_json():
    e = event({"m": {"b": [1, 2.0], "a": "é"}, "l": [True, None, "x"]})
    assert evaluate_key("event.data.m", e) == '{"a":"é","b":[1,2]}'
    assert evaluate_key("event.data.l", e) == '[true,null,"x"]'
    assert evaluate_key("{'z': 1, 'a': 2}", e) == '{"a":2,"z":1}'


def test_batch_if_and_string_functions():
    e = {"event": event({"email": "a@example.com", "tags": ["vip", "new"]})}
    assert matches("event.data.email.endsWith('@example.com')", e)
    assert matches("'vip' in event.data.tags", e)
    assert matches("event.data.tags.exists(t, t == 'new')", e)
    assert matches("size(event.data.tags) == 2", e)


# --- Missing fields -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("event.data.missing == 1", False),
        ("event.data.missing == 'x'", False),
        ("event.data.missing != 1", True),  # absent is null, and null != 1 (as in Inngest)
        ("event.data.missing == null", True),
        ("has(event.data.missing)", False),
        ("!has(event.data.missing)", True),
        ("has(event.data.present)", True),
        ("event.data.missing > 5", False),
        ("event.data.missing < 5", False),  # Inngest says true here (null as zero value)
        ("size(event.data.missing) > 0", False),
        ("event.data.missing.deeper == 1", False),
        ("event.missing == 1", False),
        ("event.data.nil.x == 1", False),  # traversing a JSON null
        ("event.data.nil == null", True),
        ("event.data.nil.x == null", True),  # a path through null / a scalar reads as null
        ("event.data.present.x == null", True),
        ("event.data.present.x != 1", True),
        ("event.data.m['nope'] == 1", False),
        ("event.data.l[5] == 1", False),
        ("event.data.missing == 1 || event.data.present == 1", True),
        ("has(event.data.a) && event.data.a.b == 1", False),
        ("has(event.data.present) ? event.data.present == 1 : false", True),
    ],
)
def test_missing_field_semantics(source, expected):
    e = {"event": event({"present": 1, "nil": None, "m": {}, "l": [1]})}
    assert matches(source, e) is expected


def test_has_guard_short_circuits_without_error():
    assert evaluate("has(event.data.a) && event.data.a.b == 1", {"event": event({})}) is False


def test_missing_field_error_is_raised_by_evaluate():
    with pytest.raises(MissingFieldError, match="event.data.missing is missing or null"):
        evaluate("event.data.missing > 5", {"event": event({})})
    with pytest.raises(MissingFieldError):
        evaluate_int("event.data.p + 1", event({}))


def test_non_bool_result_in_matches_is_an_error():
    with pytest.raises(ExpressionError, match="expected a bool, got int 1"):
        matches("event.data.n", {"event": event({"n": 1})})
    with pytest.raises(ExpressionError, match="expected a bool"):
        matches("event.data.s", {"event": event({"s": "yes"})})


@pytest.mark.parametrize(
    ("source", "variables"),
    [
        ("event.data.plan + 1", {"event": event({"plan": "pro"})}),  # type error on present data
        ("event.data.s > 1", {"event": event({"s": "x"})}),
        ("async.data.x == 1", {"event": event()}),  # async is not defined for triggers
        ("1 / event.data.zero == 1", {"event": event({"zero": 0})}),
        ("event.data.s.matches('[')", {"event": event({"s": "x"})}),
    ],
)
def test_real_errors_raise_from_matches(source, variables):
    with pytest.raises(ExpressionError) as info:
        matches(source, variables)
    assert not isinstance(info.value, MissingFieldError)
    assert info.value.phase == "evaluate"
    assert str(info.value).startswith(f"cannot evaluate expression {json.dumps(source)}: ")


def test_validate():
    validate("event.data.amount > 100")
    validate("event.data.items.exists(i, i.sku == 'a')", variables={"event"})
    validate("event.data.id == async.data.id", variables={"event", "async"})
    with pytest.raises(ExpressionError, match="invalid expression"):
        validate("event.data.x ==")
    with pytest.raises(ExpressionError, match=r"unknown variable\(s\) async"):
        validate("event.data.id == async.data.id", variables={"event"})
    with pytest.raises(ExpressionError, match="invalid expression"):
        interpolate("'abc", {})
