"""Tests for inngest_lambda.expressions: Inngest's CEL expressions, compiled and evaluated once."""

import json
import math
import os
import pickle
import random
import subprocess
import sys
from pathlib import Path

import pytest

from inngest_lambda import expressions as ex
from inngest_lambda.expressions import (
    MISSING,
    ExpressionError,
    MatchKey,
    MissingFieldError,
    canonical,
    evaluate,
    evaluate_int,
    evaluate_key,
    interpolate,
    match_key,
    matches,
    to_literal,
    validate,
    value_at,
)

RUNTIME = Path(__file__).resolve().parents[1] / "layers" / "runtime"


def event(data=None, **fields):
    base = {"name": "shop/order.created", "id": "01HX0", "ts": 1700000000000, "v": "1"}
    base.update(fields)
    base["data"] = {} if data is None else data
    return base


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


def test_null_fill_does_not_mutate_the_callers_event():
    e = event({"a": {}})
    snapshot = json.dumps(e, sort_keys=True)
    assert matches("event.data.a.b == null && event.data.c == null", {"event": e})
    assert json.dumps(e, sort_keys=True) == snapshot


def test_projection_keeps_whole_values_the_expression_uses():
    e = {"event": event({"m": {"a": 1, "b": 2}, "x": 1, "y": 2})}
    assert matches("size(event.data) == 3", e)
    assert matches("event.data.m.a == 1 && size(event.data.m) == 2", e)
    # A map read whole is passed as-is, so an absent key inside it is not filled with null:
    # the lookup fails, which matches() reports as "no match" (documented limitation).
    assert not matches("event.data.m.zz == null && size(event.data.m) == 2", e)
    assert matches("event.data.m.zz == null", e)
    assert evaluate("event", e) == e["event"]
    assert evaluate("event.data['y']", e) == 2


# --- Errors ---------------------------------------------------------------------------------------


def test_syntax_error_names_the_expression():
    with pytest.raises(ExpressionError) as info:
        matches("event.data.x ==", {"event": event()})
    error = info.value
    assert str(error).startswith('invalid expression "event.data.x ==": ')
    assert "Syntax error" in str(error)
    assert error.expression == "event.data.x =="
    assert error.phase == "compile"
    assert "Failed to parse expression" not in error.reason  # no repetition of the source
    assert not isinstance(error, MissingFieldError)


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


def test_expression_error_pickles():
    error = MissingFieldError("a.b", "gone", phase="evaluate")
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is MissingFieldError
    assert (copy.expression, copy.reason, copy.phase, str(copy)) == (
        "a.b",
        "gone",
        "evaluate",
        str(error),
    )
    assert pickle.loads(pickle.dumps(MISSING)) is MISSING


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


def test_each_expression_compiles_once():
    ex._compile_cached.cache_clear()
    for _ in range(5):
        matches("event.data.cache_probe == 1", {"event": event()})
        with pytest.raises(ExpressionError):
            validate("event.data.cache_probe ==")
    info = ex._compile_cached.cache_info()
    assert (info.misses, info.hits) == (2, 8)


def test_cel_is_imported_lazily_and_without_the_cli():
    script = (
        "import sys\n"
        "from inngest_lambda import expressions\n"
        "assert 'cel' not in sys.modules and 'cel.cel' not in sys.modules\n"
        "assert expressions.matches('event.x == 1', {'event': {'x': 1}})\n"
        "assert 'cel.cel' in sys.modules and 'cel' not in sys.modules\n"
        "assert 'typer' not in sys.modules and 'rich' not in sys.modules\n"
        "import cel\n"  # a later full import must reuse the loaded extension
        "assert cel.evaluate('1 + 1') == 2 and cel.compile is sys.modules['cel.cel'].compile\n"
    )
    env = {**os.environ, "PYTHONPATH": str(RUNTIME)}
    subprocess.run([sys.executable, "-c", script], check=True, env=env, timeout=60)


# --- Literals and interpolation -------------------------------------------------------------------

LITERAL_VALUES = [
    None,
    True,
    False,
    0,
    -7,
    2**63 - 1,
    -(2**63),
    2**63,  # uint
    2**64 + 5,  # beyond uint64: the library converts it to a double, and so do we
    1.5,
    -0.25,
    1e300,
    100.0,
    "",
    "plain",
    'say "hi"',
    "it's",
    "back\\slash",
    "line\nbreak\ttab\r",
    "\x00\x07\x1f\x7f",
    "é ü 日本 😀",
    "\u2028\u200b",
    "event.data.x",
    "'''",
    '"""',
    [],
    [1, "a", None, [2.5, {"k": False}]],
    {},
    {"a": {"b": {"c": [1, 2, 3]}}, 'q"k': "v", "": 0},
]


@pytest.mark.parametrize("value", LITERAL_VALUES, ids=repr)
def test_to_literal_round_trips_through_cel(value):
    source = to_literal(value)
    got = evaluate(source, {})
    if isinstance(value, int) and not isinstance(value, bool) and value > 2**64:
        assert got == float(value)
    else:
        assert got == value
        assert type(got) is type(value)
    # And as a variable, the library produces an equal value.
    assert matches(f"x == {source}", {"x": value})


def test_non_finite_doubles_have_literals():
    assert math.isnan(evaluate(to_literal(float("nan")), {}))
    assert evaluate(to_literal(float("inf")), {}) == float("inf")
    assert evaluate(to_literal(float("-inf")), {}) == float("-inf")


def test_interpolate_replaces_event_references():
    e = event({"orderId": "o-1", "n": 5, "f": 2.5, "ok": True, "nil": None, "m": {"a": [1]}})
    assert (
        interpolate("event.data.orderId == async.data.orderId", e) == '"o-1" == async.data.orderId'
    )
    assert interpolate("async.data.n > event.data.n", e) == "async.data.n > 5"
    assert interpolate("event.data.f == async.data.f", e) == "2.5 == async.data.f"
    assert interpolate("event.data.ok == async.data.ok", e) == "true == async.data.ok"
    assert interpolate("event.data.nil == async.data.x", e) == "null == async.data.x"
    assert interpolate("event.data.m == async.data.m", e) == '{"a": [1]} == async.data.m'
    assert interpolate("event.data.missing == async.data.x", e) == "null == async.data.x"
    assert interpolate("event.data.m.a.b == async.data.x", e) == "null == async.data.x"
    assert interpolate("event.name == async.name", e) == '"shop/order.created" == async.name'


@pytest.mark.parametrize(
    "text", ['quote " in', "apos ' in", "back \\ slash", '\\"', "é😀", "a\nb", "\u0000"]
)
def test_interpolated_strings_are_escaped(text):
    source = interpolate("event.data.s == async.data.s", event({"s": text}))
    assert matches(source, {"async": event({"s": text})})
    assert not matches(source, {"async": event({"s": text + "x"})})


def test_interpolate_leaves_literals_and_async_alone():
    e = event({"x": 1})
    for source in [
        "'event.data.x' == async.data.s",
        '"event.data.x" == async.data.s',
        "'''event.data.x''' == async.data.s",
        "r'event.data.x\\' == async.data.s",
        "'it\\'s event.data.x' == async.data.s",
        "async.event.data.x == 1",
        "async.data.event == 1",
        "async.data.x == 1 // event.data.x",
    ]:
        assert interpolate(source, e) == source


def test_interpolate_mixed_and_positional_forms():
    e = event({"x": 1, "s": "ab", "l": [3, 4], "m": {"k": "v"}, "neg": -2})
    assert interpolate("has(event.data.x) && has(event.data.y)", e) == "true && false"
    assert interpolate("event.data.s.startsWith('a')", e) == "(\"ab\").startsWith('a')"
    assert interpolate("event.data.l[0] == async.data.n", e) == "([3, 4])[0] == async.data.n"
    assert interpolate("event.data.m['k'] == 'v'", e) == "({\"k\": \"v\"})['k'] == 'v'"
    assert interpolate("-event.data.neg == 2", e) == "--2 == 2"
    assert interpolate("event . data . x == 1", e) == "1 == 1"
    assert matches(interpolate("-event.data.neg == 2 && event.data.l[1] == 4", e), {})
    assert evaluate(interpolate("event", e), {}) == e


def test_interpolate_refuses_a_comprehension_rebinding_event():
    with pytest.raises(ExpressionError, match="rebinds"):
        interpolate("async.data.l.exists(event, event == 1)", event())


def test_interpolate_reports_malformed_expressions_against_the_original():
    with pytest.raises(ExpressionError) as info:
        interpolate("event.data.x ==", event({"x": 1}))
    assert info.value.expression == "event.data.x =="


def _random_value(rng):
    kind = rng.randrange(9)
    if kind == 0:
        return MISSING
    if kind == 1:
        return None
    if kind == 2:
        return rng.choice([True, False])
    if kind == 3:
        return rng.randrange(-3, 4)
    if kind == 4:
        return rng.choice([0.0, 1.0, 2.0, -1.5, 0.5])
    if kind == 5:
        return rng.choice(["", "a", "A", "é", "'", '"', "\\", "a b", "1", "null", "true"])
    if kind == 6:
        return [rng.randrange(3) for _ in range(rng.randrange(3))]
    if kind == 7:
        return {"z": rng.randrange(2)} if rng.random() < 0.8 else {}
    return rng.choice([2**63, 2**53 + 1, -(2**63)])


def _random_event(rng, keys):
    data = {}
    for key in keys:
        value = _random_value(rng)
        if value is not MISSING:
            data[key] = value
    return event(data, name=rng.choice(["a", "b"]))


ROUND_TRIP_EXPRESSIONS = [
    "event.data.k == async.data.k",
    "async.data.k == event.data.k",
    "async.data.k != event.data.k",
    "event.data.k == async.data.k && async.name == event.name",
    "event.data.k == async.data.k || event.data.j == async.data.j",
    "has(event.data.k) && event.data.k == async.data.k",
    "event.data.k == async.data.j",
    "event.data.k in async.data.l",
    "async.data.k in [event.data.k, event.data.j]",
    "event.data.m.z == async.data.m.z",
    "(event.data.k == async.data.k) == (event.data.j == async.data.j)",
    "event.data.k > async.data.k",
    "size(event.data.l) == size(async.data.l)",
    "event.data.l.exists(x, x == async.data.k)",
]


def _outcome(source, variables):
    try:
        return ("ok", matches(source, variables))
    except ExpressionError as error:
        return ("error", type(error).__name__)


def test_interpolation_round_trip_property():
    rng = random.Random(20240611)
    keys = ["k", "j", "l", "m"]
    checked = 0
    for _ in range(600):
        e, a = _random_event(rng, keys), _random_event(rng, keys)
        for original in ROUND_TRIP_EXPRESSIONS:
            want = _outcome(original, {"event": e, "async": a})
            got = _outcome(interpolate(original, e), {"async": a})
            assert got == want, (original, e, a)
            checked += want[0] == "ok"
    assert checked > 3000  # most cases evaluate rather than error


# --- Match keys -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('async.data.orderId == "o-1"', MatchKey("data.orderId", "o-1", True)),
        ('"o-1" == async.data.orderId', MatchKey("data.orderId", "o-1", True)),
        ('( async.data.orderId  ==  "o-1" )', MatchKey("data.orderId", "o-1", True)),
        ('("o-1") == (async.data.orderId)', MatchKey("data.orderId", "o-1", True)),
        ("async.data.n == 42", MatchKey("data.n", "42", True)),
        ("async.data.n == -42", MatchKey("data.n", "-42", True)),
        ("async.data.n == 1.0", MatchKey("data.n", "1", True)),
        ("async.data.n == 2.5", MatchKey("data.n", "2.5", True)),
        ("async.data.b == true", MatchKey("data.b", "true", True)),
        ("async.data.x == null", MatchKey("data.x", "null", True)),
        ('async.data.m == {"b": 1, "a": [2.0]}', MatchKey("data.m", '{"a":[2],"b":1}', True)),
        ("async.name == 'x' && async.data.id == 'y'", MatchKey("name", "x", False)),
        ("async.data.amount > 1 && (async.data.id == 'y')", MatchKey("data.id", "y", False)),
        ("(async.data.a > 1 && async.data.id == 'y') && true", MatchKey("data.id", "y", False)),
    ],
)
def test_match_key_forms(source, expected):
    assert match_key(source) == expected


@pytest.mark.parametrize(
    "source",
    [
        "async.data.x > 1",
        "async.data.x != 1",
        "async.data.x == async.data.y",
        "async.data.x == 1 || async.data.y == 2",
        "async.data.x == 1 && async.data.y == 2 || true",
        "async.data.x == 1 ? true : false",
        "!(async.data.x == 1)",
        "async.data.items[0] == 1",
        "async.data.x.size() == 1",
        "async.data.x == 1 + 1",
        "async.data.x == 1 == true",
        "async.data.x == b'abc'",
        "event.data.x == async.data.x",  # not interpolated
        "async == 1",
        "'async.data.x == 1'",
        "async.data.x == 'unterminated",
    ],
)
def test_match_key_none_for_other_forms(source):
    assert match_key(source) is None


KEY_VALUES = [
    "o-1",
    "with \"quotes\" and 'apostrophes'",
    "back\\slash",
    "é😀",
    "",
    0,
    7,
    -3,
    2**63,
    1.0,
    2.5,
    -0.0,
    True,
    False,
    None,
    [1, "a", None],
    {"b": 1, "a": {"c": [1.0]}},
]


@pytest.mark.parametrize("value", KEY_VALUES, ids=repr)
def test_match_key_agrees_with_value_at_side(value):
    trigger = event({"orderId": value})
    wait = interpolate("event.data.orderId == async.data.orderId", trigger)
    key = match_key(wait)
    assert key is not None and key.exact and key.path == "data.orderId"
    incoming = event({"orderId": value})
    assert key.value_key == canonical(value_at(incoming, key.path))
    assert matches(wait, {"async": incoming})


def test_int_and_float_share_a_key_because_cel_calls_them_equal():
    wait = interpolate("event.data.n == async.data.n", event({"n": 1.0}))
    assert wait == "1.0 == async.data.n"
    incoming = event({"n": 1})
    assert matches(wait, {"async": incoming})
    assert match_key(wait).value_key == canonical(value_at(incoming, "data.n")) == "1"


def test_absent_incoming_value_shares_the_null_key():
    wait = interpolate("event.data.n == async.data.n", event({}))
    assert wait == "null == async.data.n"
    assert match_key(wait).value_key == "null"
    incoming = event({})
    assert matches(wait, {"async": incoming})  # absent is null
    assert canonical(value_at(incoming, "data.n")) == "null"


def test_canonical_never_splits_values_the_evaluator_calls_equal():
    # Soundness of the waiter index: if CEL says a == b, their keys must be equal.
    pool = [
        0,
        1,
        -1,
        1.0,
        -0.0,
        0.0,
        2.5,
        True,
        False,
        None,
        "1",
        "true",
        "null",
        "",
        2**53,
        2**53 + 1,
        float(2**53),
        2**63,
        float(2**63),
        2**64 - 1,
        [1],
        [1.0],
        [True],
        {"a": 1},
        {"a": 1.0},
        {"a": True},
    ]
    for a in pool:
        for b in pool:
            if matches("x == y", {"x": a, "y": b}):
                assert canonical(a) == canonical(b), (a, b)
    assert canonical(True) != canonical(1)
    assert canonical(1) == canonical(1.0) == "1"
    assert canonical("x") == "x"
    assert canonical(MISSING) == "null"


def test_value_at():
    e = event({"a": {"b": [1]}, "n": None})
    assert value_at(e, "data.a.b") == [1]
    assert value_at(e, ("data", "a")) == {"b": [1]}
    assert value_at(e, "data.n") is None
    assert value_at(e, "data.n.x") is MISSING
    assert value_at(e, "data.a.b.c") is MISSING
    assert value_at(e, "data.zz") is MISSING
    assert value_at(e, "") is e
    assert not MISSING
