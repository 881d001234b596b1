"""The one place where Inngest's CEL expressions are compiled and evaluated.

Inngest configures functions with CEL expressions: trigger filters (``event.data.amount > 100``),
``step.wait_for_event(if_exp=...)`` and ``Cancel(if_exp=...)`` (``event`` is the run's triggering
event, ``async`` the incoming candidate), flow-control keys (``event.data.customer_id``), run
priority (``event.data.plan == 'enterprise' ? 100 : 0``), idempotency keys and batch ``if``.
Everything that evaluates one of them goes through this package so the semantics cannot drift.

Semantics (the choices, and why):

* **A missing attribute is null.** Inngest's evaluator treats "attributes that are present within
  the expression but missing from the data" as null values and never errors on them. The ``cel``
  library raises ``KeyError`` instead, so before evaluating we project the variables onto the
  attribute paths the expression statically references, writing null for what is absent, and a
  path through something absent, null or not a map (``event.data.user.id`` with ``user`` null)
  also reads as null. Hence ``event.data.missing == 1`` is false, ``event.data.missing != 1``
  true and ``event.data.missing == null`` true, as in Inngest. ``has(event.data.x)`` still tests
  presence. What still fails because data is absent or null (``missing > 5``, ``size(missing)``,
  a dynamic ``m[k]`` lookup, a key missing from a map the expression also reads whole, as in
  ``m.k == null && size(m) == 2``) raises :class:`MissingFieldError`, which :func:`matches`
  turns into ``False``. Inngest answers ``missing < 5`` with true (null compares as the zero
  value); here it is false.
* **Syntax errors and real type errors raise.** A malformed expression, an undefined variable
  (``async`` in a trigger filter), ``'a' + 1`` on present data, division by zero or a non-bool
  result from :func:`matches` raise :class:`ExpressionError` naming the expression.
* **Numbers compare by value.** The library compares int, uint and double by value
  (``150 > 100``, ``150.5 > 100`` and ``1 == 1.0`` all hold), so :func:`canonical` renders
  integral doubles as integers (``1.0`` -> ``"1"``) and keys agree with the evaluator.
* **No truthiness.** Unlike Inngest we do not coerce ``||``/``&&`` operands; a boolean expression
  must produce a bool.

The package, one concept per module (the public names below are re-exported here, and importing
the package loads no ``cel`` code: :mod:`.library` loads the extension on first evaluation):

* :mod:`.errors`: :class:`ExpressionError`, :class:`MissingFieldError`.
* :mod:`.paths`: :data:`MISSING` and :func:`value_at`, event field paths.
* :mod:`.library`: loading the ``cel`` extension lazily, without its CLI.
* :mod:`.lexer` and :mod:`.references`: the static analysis of which paths an expression reads;
  :mod:`.projection`: the variables cut down to those paths, absent ones as null.
* :mod:`.compiler`: one compile per expression and process; :mod:`.evaluator`: :func:`validate`,
  :func:`evaluate`, :func:`matches`, :func:`evaluate_key`, :func:`evaluate_int`.
* :mod:`.canonical_keys`: :func:`canonical` keys; :mod:`.literals`: :func:`to_literal`;
  :mod:`.interpolation`: :func:`interpolate`; :mod:`.match_keys`: :class:`MatchKey` and
  :func:`match_key`, what the pause index looks waits up by.
"""

import importlib
from typing import TYPE_CHECKING, Any

# The public names and the module each lives in. They are imported on first use (PEP 562): a
# cold start that builds the API imports this package through flow control and waits, but
# evaluates no expression, so it loads none of the twelve modules (about 0.3 ms each).
_WHERE = {
    "canonical": "canonical_keys",
    "ExpressionError": "errors",
    "MissingFieldError": "errors",
    "evaluate": "evaluator",
    "evaluate_int": "evaluator",
    "evaluate_key": "evaluator",
    "matches": "evaluator",
    "validate": "evaluator",
    "interpolate": "interpolation",
    "to_literal": "literals",
    "MatchKey": "match_keys",
    "match_key": "match_keys",
    "MISSING": "paths",
    "Missing": "paths",
    "value_at": "paths",
}

if TYPE_CHECKING:
    from inngest_lambda.expressions.canonical_keys import canonical
    from inngest_lambda.expressions.errors import ExpressionError, MissingFieldError
    from inngest_lambda.expressions.evaluator import (
        evaluate,
        evaluate_int,
        evaluate_key,
        matches,
        validate,
    )
    from inngest_lambda.expressions.interpolation import interpolate
    from inngest_lambda.expressions.literals import to_literal
    from inngest_lambda.expressions.match_keys import MatchKey, match_key
    from inngest_lambda.expressions.paths import MISSING, Missing, value_at


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{where}"), name)
    globals()[name] = value  # later lookups skip this function
    return value


__all__ = [
    "MISSING",
    "ExpressionError",
    "MatchKey",
    "Missing",
    "MissingFieldError",
    "canonical",
    "evaluate",
    "evaluate_int",
    "evaluate_key",
    "interpolate",
    "match_key",
    "matches",
    "to_literal",
    "validate",
    "value_at",
]
