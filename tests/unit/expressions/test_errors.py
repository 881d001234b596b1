"""`expressions.errors`: the errors carry their expression across pickling."""

import pickle

from inngest_lambda.expressions import (
    MISSING,
    MissingFieldError,
)


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
