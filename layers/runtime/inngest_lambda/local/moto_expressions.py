"""moto's DynamoDB condition expressions parsed once per distinct expression, not on every call.

moto lexes and parses a `ConditionExpression` (or `FilterExpression`) from its text on every
request, several times per request (the response layer validates it, the model evaluates it):
a step's fenced transaction parsed five expressions, a third of the local stack's time per
step. The parsed tree depends only on the expression, its attribute names and its values, and
evaluating it against an item does not change it, so the same inputs can share one tree.

Only the parse is cached: evaluation, validation errors (never cached: a bad expression raises
on every call, as before) and everything else stay moto's. Local stack only, like
`moto_transactions`; the cache is bounded and cleared on uninstall.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

_PATCHED = "_inngest_lambda_cached"
_MAX_ENTRIES = 512
# The modules that imported moto's factory by name (each holds its own reference to it).
_USERS = ("moto.dynamodb.comparisons", "moto.dynamodb.responses", "moto.dynamodb.models")

_cache: OrderedDict[str, tuple[Any, tuple[list[str], list[str]]]] = OrderedDict()


class _CachedParser:
    """What moto's callers use of a parser: `parse()` and, after it, the attribute names and
    values the expression uses (moto refuses a request with unused ones)."""

    def __init__(self, factory: Any, expr: Any, names: Any, values: Any) -> None:
        self._factory = factory
        self._args = (expr, names, values)
        self.expr_attr_names_found: list[str] = []
        self.expr_attr_values_found: list[str] = []

    def parse(self) -> Any:
        key = _key(*self._args)
        hit = _cache.get(key) if key is not None else None
        if hit is None:
            parser = self._factory(*self._args)
            tree = parser.parse()  # raises for a bad expression; nothing is cached then
            hit = (tree, (parser.expr_attr_names_found, parser.expr_attr_values_found))
            if key is not None:
                _cache[key] = hit
                if len(_cache) > _MAX_ENTRIES:
                    _cache.popitem(last=False)
        else:
            _cache.move_to_end(key)
        tree, (names_found, values_found) = hit
        self.expr_attr_names_found = list(names_found)
        self.expr_attr_values_found = list(values_found)
        return tree

    def __getattr__(self, name: str) -> Any:
        # Only called for attributes not set above. A fresh parser would answer them unparsed
        # (its `*_found` lists empty), silently wrong: if a moto upgrade asks for more, fail.
        raise AttributeError(
            f"{type(self).__name__} has no {name!r}: moto asked its parser for more than "
            "parse() and the *_found lists (update local/moto_expressions.py)"
        )


def _key(expr: Any, names: Any, values: Any) -> str | None:
    try:
        return json.dumps([expr, names, values], sort_keys=True)
    except (TypeError, ValueError):
        return None  # not JSON (bytes values): parse every time, as moto does


def install() -> None:
    import importlib

    from moto.dynamodb import comparisons

    original = comparisons.create_condition_expression_parser
    if getattr(original, _PATCHED, False):
        return

    def create_condition_expression_parser(expr: Any, names: Any, values: Any) -> Any:
        return _CachedParser(original, expr, names, values)

    setattr(create_condition_expression_parser, _PATCHED, True)
    create_condition_expression_parser.__wrapped__ = original  # type: ignore[attr-defined]
    for name in _USERS:
        module = importlib.import_module(name)
        if getattr(module, "create_condition_expression_parser", None) is original:
            module.create_condition_expression_parser = create_condition_expression_parser


def uninstall() -> None:
    import importlib

    _cache.clear()
    for name in _USERS:
        module = importlib.import_module(name)
        current = getattr(module, "create_condition_expression_parser", None)
        if getattr(current, _PATCHED, False):
            module.create_condition_expression_parser = current.__wrapped__
