"""`expressions.compiler`: syntax errors, and one compile per expression."""

import pytest

from inngest_lambda.expressions import (
    ExpressionError,
    MissingFieldError,
    compiler,
    matches,
    validate,
)
from tests.unit.expressions.sample_events import event


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


def test_each_expression_compiles_once():
    compiler.compile_cached.cache_clear()
    for _ in range(5):
        matches("event.data.cache_probe == 1", {"event": event()})
        with pytest.raises(ExpressionError):
            validate("event.data.cache_probe ==")
    info = compiler.compile_cached.cache_info()
    assert (info.misses, info.hits) == (2, 8)
