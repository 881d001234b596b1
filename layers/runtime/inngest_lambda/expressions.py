"""The one place where Inngest's CEL expressions are compiled and evaluated.

Inngest configures functions with CEL expressions: trigger filters (``event.data.amount > 100``),
``step.wait_for_event(if_exp=...)`` and ``Cancel(if_exp=...)`` (``event`` is the run's triggering
event, ``async`` the incoming candidate), flow-control keys (``event.data.customer_id``), run
priority (``event.data.plan == 'enterprise' ? 100 : 0``), idempotency keys and batch ``if``.
Everything that evaluates one of them goes through this module so the semantics cannot drift.

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

Importing the ``cel`` package costs ~0.27 s because its ``__init__`` loads the REPL (typer, rich,
prompt_toolkit); the native extension alone loads in a few milliseconds. The Lambda's cold start
pays for every import, so :func:`_cel` loads the extension lazily, directly, and only falls back
to ``import cel`` when that is not possible.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
import functools
import json
import math
import re
import sys
import threading
from collections.abc import Collection, Mapping, Sequence
from typing import Any, Final, Literal, NamedTuple

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

# Compiled programs are small; interpolated wait expressions are unique per run, so the cache must
# be bounded. One process sees the function registry's expressions plus the waits it is matching.
CACHE_SIZE: Final = 4096

_INT64_MIN: Final = -(2**63)
_INT64_MAX: Final = 2**63 - 1
_UINT64_MAX: Final = 2**64 - 1
# Beyond 2**53 an int compared with a double is compared as a double (the library converts it),
# so two such numbers that CEL calls equal can only share a key if both go through float.
_EXACT_FLOAT_INT: Final = 2**53


# --- Errors ---------------------------------------------------------------------------------------


class ExpressionError(ValueError):
    """A CEL expression could not be compiled or evaluated.

    Carries the expression and the reason separately, so callers can log them as fields and users
    see which of their expressions is wrong, e.g.
    ``invalid expression "event.data.x ==": ERROR: <input>:1:16: Syntax error: ...``.
    """

    def __init__(
        self,
        expression: str,
        reason: str,
        *,
        phase: Literal["compile", "evaluate"] = "compile",
    ) -> None:
        self.expression = expression
        self.reason = reason
        self.phase = phase
        verb = "invalid expression" if phase == "compile" else "cannot evaluate expression"
        super().__init__(f"{verb} {json.dumps(expression, ensure_ascii=False)}: {reason}")

    def __reduce__(self) -> tuple[Any, ...]:
        # Exceptions pickle as cls(*args); ours has keyword state, so spell it out.
        return (_rebuild_error, (type(self), self.expression, self.reason, self.phase))


class MissingFieldError(ExpressionError):
    """Evaluation failed because data the expression reads is absent or null.

    A separate type so callers can choose a default (e.g. priority 0) for data-shape problems while
    still surfacing genuine expression bugs. :func:`matches` treats it as "does not match".
    """


def _rebuild_error(
    cls: type[ExpressionError], expression: str, reason: str, phase: Literal["compile", "evaluate"]
) -> ExpressionError:
    return cls(expression, reason, phase=phase)


# --- Missing --------------------------------------------------------------------------------------


class Missing:
    """Type of :data:`MISSING`: "no value at this path", distinct from a JSON ``null``."""

    __slots__ = ()
    _instance: Missing | None = None

    def __new__(cls) -> Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "MISSING"


MISSING: Final = Missing()


def value_at(value: Any, path: str | Sequence[str]) -> Any | Missing:
    """The value at a dotted ``path`` (``"data.orderId"``) inside ``value``, or :data:`MISSING`.

    Only dict keys are followed: that is all a dotted CEL select can reach in a JSON event. Used by
    the waiter index to compute, for an incoming event, the key that :func:`match_key` produced.
    """
    fields = (path.split(".") if path else ()) if isinstance(path, str) else path
    current = value
    for field in fields:
        if not isinstance(current, dict) or field not in current:
            return MISSING
        current = current[field]
    return current


# --- Loading the library --------------------------------------------------------------------------


_CEL_LOCK: Final = threading.Lock()


@functools.cache
def _cel() -> Any:
    """The ``cel`` extension module, loaded on first use.

    ``import cel`` runs the package ``__init__``, which imports the interactive CLI (typer, rich,
    prompt_toolkit: ~0.27 s). We only need the native ``cel.cel`` module, so we load it directly
    and register it under its real name; a later ``import cel`` elsewhere then reuses it (the
    extension must not be initialised twice: it panics). If the package is already imported, or
    anything about the direct load fails, we use the ordinary import.
    """
    with _CEL_LOCK:  # two threads must not both initialise the extension
        return _load_cel()


def _load_cel() -> Any:
    if "cel" in sys.modules:
        import cel

        return cel
    if "cel.cel" in sys.modules:
        return sys.modules["cel.cel"]
    try:
        import importlib.machinery
        import importlib.util

        package = importlib.util.find_spec("cel")
        if package is None or not package.submodule_search_locations:
            raise ImportError("cel is not a package")
        spec = importlib.machinery.PathFinder.find_spec(
            "cel.cel", list(package.submodule_search_locations)
        )
        if spec is None or spec.loader is None:
            raise ImportError("cel.cel extension not found")
        module = importlib.util.module_from_spec(spec)
        sys.modules["cel.cel"] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop("cel.cel", None)
            raise
        return module
    except ImportError:
        import cel

        return cel


# --- Tokenizer ------------------------------------------------------------------------------------
# Only enough lexing to find identifiers and dotted paths outside string literals. Parsing and
# evaluation stay with the library.

_TokenKind = Literal["ident", "number", "string", "punct", "other"]


class _Token(NamedTuple):
    kind: _TokenKind
    text: str
    start: int
    end: int


_WS = re.compile(r"[ \t\n\r\f]+|//[^\n]*")
_IDENT = re.compile(r"[_a-zA-Z][_a-zA-Z0-9]*")
_NUMBER = re.compile(
    r"0[xX][0-9a-fA-F]+[uU]?"
    r"|(?:[0-9]+\.[0-9]+|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
    r"|[0-9]+[eE][+-]?[0-9]+"
    r"|[0-9]+[uU]?"
)
_STRING_PREFIX = re.compile(r"(?:[rR][bB]?|[bB][rR]?)?(?:'''|\"\"\"|'|\")")
_PUNCT2 = frozenset({"==", "!=", "<=", ">=", "&&", "||"})
_PUNCT1 = frozenset("<>!+-*/%?:.,()[]{}")
# Identifiers that are literals or operators, never variables.
_KEYWORDS = frozenset({"true", "false", "null", "in"})
_MACROS = frozenset({"all", "exists", "exists_one", "map", "filter"})


def _tokenize(source: str) -> list[_Token]:
    """Split CEL source into tokens, skipping whitespace and ``//`` comments.

    Raises ExpressionError for an unterminated string: nothing after it could be trusted.
    """
    tokens: list[_Token] = []
    pos, size = 0, len(source)
    while pos < size:
        if m := _WS.match(source, pos):
            pos = m.end()
            continue
        if m := _STRING_PREFIX.match(source, pos):
            end = _string_end(source, m)
            tokens.append(_Token("string", source[pos:end], pos, end))
            pos = end
            continue
        if m := _IDENT.match(source, pos):
            tokens.append(_Token("ident", m.group(), pos, m.end()))
            pos = m.end()
            continue
        if m := _NUMBER.match(source, pos):
            tokens.append(_Token("number", m.group(), pos, m.end()))
            pos = m.end()
            continue
        two = source[pos : pos + 2]
        if two in _PUNCT2:
            tokens.append(_Token("punct", two, pos, pos + 2))
            pos += 2
            continue
        kind: _TokenKind = "punct" if source[pos] in _PUNCT1 else "other"
        tokens.append(_Token(kind, source[pos], pos, pos + 1))
        pos += 1
    return tokens


def _string_end(source: str, prefix: re.Match[str]) -> int:
    """Index just past the string literal whose prefix and opening quote ``prefix`` matched."""
    opener = prefix.group()
    quote = opener.lstrip("rRbB")
    raw = "r" in opener[: len(opener) - len(quote)].lower()
    pos = prefix.end()
    while pos < len(source):
        if source.startswith(quote, pos):
            return pos + len(quote)
        char = source[pos]
        if char == "\\" and not raw:
            pos += 2
            continue
        if char in "\r\n" and len(quote) == 1:
            break
        pos += 1
    raise ExpressionError(source, f"unterminated string literal at offset {prefix.start()}")


# --- Static analysis ------------------------------------------------------------------------------


class _Ref(NamedTuple):
    """A reference ``root.f1.f2`` (method calls and indexing end the path)."""

    root: str
    fields: tuple[str, ...]
    in_has: bool  # the whole reference is the argument of has(...)
    first: int  # token index of the root (or of "has" when in_has)
    last: int  # token index of the last token replaced (the path end, or ")" when in_has)


def _is_punct(tokens: Sequence[_Token], index: int, text: str) -> bool:
    return 0 <= index < len(tokens) and tokens[index].kind == "punct" and tokens[index].text == text


def _references(tokens: Sequence[_Token]) -> tuple[list[_Ref], set[str]]:
    """Dotted references to variables, and names bound by comprehension macros.

    A root is an identifier not after "." and not called as a function; its path extends over
    ``.ident`` pairs that are not method calls.
    """
    refs: list[_Ref] = []
    bound: set[str] = set()
    count = len(tokens)
    for i, token in enumerate(tokens):
        if token.kind != "ident" or token.text in _KEYWORDS or _is_punct(tokens, i - 1, "."):
            continue
        if _is_punct(tokens, i + 1, "("):
            continue  # a function call, not a variable
        # Comprehension macros bind their first one or two arguments: x.exists(v, ...).
        if (
            _is_punct(tokens, i - 1, "(")
            and _is_punct(tokens, i + 1, ",")
            and _macro_binding(tokens, i - 1)
        ):
            bound.add(token.text)
            continue
        if (
            _is_punct(tokens, i - 1, ",")
            and _is_punct(tokens, i + 1, ",")
            and i >= 3
            and tokens[i - 2].kind == "ident"
            and _macro_binding(tokens, i - 3)
        ):
            bound.add(token.text)  # second variable of a two-variable comprehension
            continue
        fields: list[str] = []
        j = i + 1
        while (
            _is_punct(tokens, j, ".")
            and j + 1 < count
            and tokens[j + 1].kind == "ident"
            and not _is_punct(tokens, j + 2, "(")
        ):
            fields.append(tokens[j + 1].text)
            j += 2
        last = j - 1
        in_has = (
            i >= 2
            and _is_punct(tokens, i - 1, "(")
            and tokens[i - 2].kind == "ident"
            and tokens[i - 2].text == "has"
            and not _is_punct(tokens, i - 3, ".")
            and _is_punct(tokens, j, ")")
            and bool(fields)
        )
        if in_has:
            refs.append(_Ref(token.text, tuple(fields), True, i - 2, j))
        else:
            refs.append(_Ref(token.text, tuple(fields), False, i, last))
    return refs, bound


def _macro_binding(tokens: Sequence[_Token], paren: int) -> bool:
    """Whether the "(" at ``paren`` opens a comprehension macro call (``.exists(``)."""
    return (
        paren >= 2
        and tokens[paren - 1].kind == "ident"
        and tokens[paren - 1].text in _MACROS
        and _is_punct(tokens, paren - 2, ".")
    )


class _Node:
    """Projection plan for one variable: the keys an expression reads, and how.

    A *whole* node is read as a value (``size(event.data)``, ``event.data.tags``, a path's last
    field): it is passed through untouched. Any other node is only travelled through on the way
    to a field, so nothing can observe it but those fields.
    """

    __slots__ = ("children", "fill", "whole")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.whole = False
        self.fill = True  # absent -> null; False for a has() target, which must stay absent


def _plan(refs: Sequence[_Ref], roots: Collection[str]) -> dict[str, _Node]:
    plans: dict[str, _Node] = {}
    presence: list[_Node] = []
    for ref in refs:
        node = plans.setdefault(ref.root, _Node())
        for field in ref.fields:
            node = node.children.setdefault(field, _Node())
        node.whole = True
        if ref.in_has:
            presence.append(node)
    # has(x.y) must see y as absent even where another reference reads x.y or x.y.z: the guard
    # in "has(x.y) && x.y.z == 1" has to stay false for the && to short-circuit.
    for node in presence:
        node.fill = False
    for root in roots:  # references the analysis could not see: pass the variable whole
        plans.setdefault(root, _Node()).whole = True
    for node in plans.values():
        _propagate_whole(node, False)
    return plans


def _propagate_whole(node: _Node, inherited: bool) -> None:
    node.whole = node.whole or inherited
    for child in node.children.values():
        _propagate_whole(child, node.whole)


def _project(value: Any, node: _Node) -> Any:
    """``value`` reduced to the fields ``node`` reads, absent ones as null.

    This is how "an absent attribute is null" is implemented, and it is also the fast path:
    converting a whole event into CEL values costs ~100-200 us, converting the few fields an
    expression reads a few us. A node only travelled through is rebuilt as a dict of its children,
    so a path through something absent, null or not a map (``event.data.n.x`` with ``n`` null)
    reads as null, as Inngest's evaluator treats it. The caller's dicts are never mutated.
    """
    if node.whole:
        return value
    if not isinstance(value, dict):
        value = {}
    projected: dict[str, Any] = {}
    for key, child in node.children.items():
        if key in value:
            projected[key] = _project(value[key], child)
        elif not child.whole:
            projected[key] = _project({}, child)
        elif child.fill:
            projected[key] = None
    return projected


class _Compiled(NamedTuple):
    source: str
    program: Any  # cel.Program
    refs: tuple[_Ref, ...]
    plans: dict[str, _Node]
    variables: frozenset[str]  # free variables, as the library reports them
    bound: frozenset[str]  # names bound by comprehensions
    null_literal: bool  # the source has a null literal (interpolation writes absent data as null)


@functools.lru_cache(maxsize=CACHE_SIZE)
def _compile_cached(source: str) -> _Compiled | str:
    """Compile once per process; a failure is cached too (as its reason) so a bad trigger filter
    costs one parse, not one per event."""
    cel = _cel()
    try:
        program = cel.compile(source)
    except Exception as exc:  # the library raises ValueError; anything else is also "invalid"
        return _parse_reason(source, exc)
    try:
        tokens = _tokenize(source)
    except ExpressionError as exc:
        return exc.reason
    refs, bound = _references(tokens)
    free = frozenset(program.variables()) - bound
    # Paths rooted at a comprehension variable are not ours to project. If a comprehension
    # rebinds a real variable name (exists(event, ...)), that variable is passed whole, unfilled.
    refs = [ref for ref in refs if ref.root not in bound]
    # A variable the library sees but the analysis found no dotted path for is passed whole.
    opaque = free - {ref.root for ref in refs}
    plans = _plan(refs, opaque)
    null_literal = any(token.kind == "ident" and token.text == "null" for token in tokens)
    return _Compiled(source, program, tuple(refs), plans, free, frozenset(bound), null_literal)


def _parse_reason(source: str, exc: Exception) -> str:
    message = str(exc)
    prefix = f"Failed to parse expression '{source}': "
    return message[len(prefix) :] if message.startswith(prefix) else message


def _compile(source: str) -> _Compiled:
    if not isinstance(source, str):
        raise ExpressionError(repr(source), f"expected a string, got {type(source).__name__}")
    compiled = _compile_cached(source)
    if isinstance(compiled, str):
        raise ExpressionError(source, compiled)
    return compiled


# --- Evaluation -----------------------------------------------------------------------------------


def validate(source: str, variables: Collection[str] | None = None) -> None:
    """Raise ExpressionError unless ``source`` compiles (and uses only ``variables``, if given).

    For registration time: a trigger filter must only use ``event``; a wait or cancel expression
    may use ``event`` and ``async``. Catching that at registration beats failing on every event.
    """
    compiled = _compile(source)
    if variables is not None:
        unknown = sorted(compiled.variables - set(variables))
        if unknown:
            allowed = ", ".join(sorted(variables)) or "none"
            raise ExpressionError(
                source, f"unknown variable(s) {', '.join(unknown)} (available: {allowed})"
            )


def evaluate(source: str, variables: Mapping[str, Any]) -> Any:
    """Evaluate ``source`` with ``variables`` (e.g. ``{"event": e, "async": a}``).

    Absent attributes read as null (see the module docstring). Raises MissingFieldError when the
    result still depends on absent or null data, ExpressionError for anything else.
    """
    compiled = _compile(source)
    context = {
        name: _project(variables[name], plan)
        for name, plan in compiled.plans.items()
        if name in variables
    }
    for name in compiled.bound:
        if name in variables and name not in context:
            context[name] = variables[name]
    try:
        return compiled.program.execute(context)
    except Exception as exc:  # the library maps CEL errors onto builtin exception types
        raise _evaluation_error(compiled, variables, exc) from exc


def matches(source: str, variables: Mapping[str, Any]) -> bool:
    """Whether a boolean expression (filter, wait, cancel, batch ``if``) holds.

    Data that is absent or null where a value is needed means "no match", as in Inngest. A result
    that is not a bool is an error: silently coercing it would hide a broken filter.
    """
    try:
        result = evaluate(source, variables)
    except MissingFieldError:
        return False
    if not isinstance(result, bool):
        raise ExpressionError(
            source,
            f"expected a bool, got {type(result).__name__} {_short_repr(result)}",
            phase="evaluate",
        )
    return result


def evaluate_key(source: str, event: Mapping[str, Any]) -> str:
    """A flow-control or idempotency key: ``source`` evaluated on ``event``, as :func:`canonical`.

    An absent attribute reads as null, so ``event.data.customer_id`` on an event without one gives
    ``"null"``: such events share one key, as they would in Inngest.
    """
    result = evaluate(source, {"event": event})
    try:
        return canonical(result)
    except TypeError as exc:
        raise ExpressionError(source, str(exc), phase="evaluate") from exc


def evaluate_int(source: str, event: Mapping[str, Any]) -> int:
    """An integer expression evaluated on ``event`` (run priority).

    Integral doubles are accepted (``100.0`` from JSON); fractions and bools are errors rather than
    silently truncated. Range checks (priority is -600..600) belong to the caller.
    """
    result = evaluate(source, {"event": event})
    if isinstance(result, int) and not isinstance(result, bool):
        return result
    if isinstance(result, float) and math.isfinite(result) and result.is_integer():
        return int(result)
    raise ExpressionError(
        source,
        f"expected an int, got {type(result).__name__} {_short_repr(result)}",
        phase="evaluate",
    )


_UNDEFINED = re.compile(r"Undefined variable or function: '([^']*)'")


def _evaluation_error(
    compiled: _Compiled, variables: Mapping[str, Any], exc: Exception
) -> ExpressionError:
    """Classify a library error: data problems become MissingFieldError, the rest ExpressionError.

    KeyError/IndexError only reach us for keys read dynamically (``m[k]``, ``l[5]``): static paths
    were filled with null. A type error ("no such overload"), or the library's report of a
    function with no overload for its arguments (``size(null)`` says "Undefined variable or
    function: 'size'"), counts as a data problem when a path the expression reads is absent or null
    in the input, or the source has a null literal; otherwise it is a bug in the expression. An
    undefined *variable* (``async`` in a trigger filter) is always a bug.
    """
    detail = _first_sentence(exc)
    if isinstance(exc, KeyError | IndexError):
        if isinstance(exc, KeyError) and exc.args:
            detail = f"no such key {exc.args[0]!r}"
        absent = _absent_reference(compiled, variables)
        reason = f"{absent} is missing or null ({detail})" if absent else detail
        return MissingFieldError(compiled.source, reason, phase="evaluate")
    undefined = _UNDEFINED.search(str(exc)) if isinstance(exc, RuntimeError) else None
    if isinstance(exc, TypeError) or (
        undefined is not None and undefined.group(1) not in compiled.variables
    ):
        absent = _absent_reference(compiled, variables)
        if absent is not None:
            reason = f"{absent} is missing or null ({detail})"
            return MissingFieldError(compiled.source, reason, phase="evaluate")
        if compiled.null_literal:
            # After interpolation an absent event field is a null literal: "null > async.x"
            # must fail the way "event.data.missing > async.x" does.
            reason = f"an operand is null ({detail})"
            return MissingFieldError(compiled.source, reason, phase="evaluate")
    return ExpressionError(compiled.source, detail, phase="evaluate")


def _absent_reference(compiled: _Compiled, variables: Mapping[str, Any]) -> str | None:
    """The first referenced path that is absent or null in ``variables``, as dotted text.

    Used only after a failure, to tell data problems (MissingFieldError) from expression bugs.
    """
    for ref in compiled.refs:
        if ref.in_has or ref.root not in variables:
            continue
        current: Any = variables[ref.root]
        for depth, field in enumerate(ref.fields):
            if not isinstance(current, dict) or field not in current:
                return ".".join((ref.root, *ref.fields[: depth + 1]))
            current = current[field]
        if current is None:
            return ".".join((ref.root, *ref.fields))
    return None


def _first_sentence(exc: BaseException) -> str:
    """The library's message up to its first full stop: the rest is generic advice."""
    text = (str(exc).strip() or type(exc).__name__).splitlines()[0]
    head, dot, _ = text.partition(". ")
    return head + dot.strip() if dot else text


def _short_repr(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


# --- Canonical values -----------------------------------------------------------------------------


def canonical(value: Any) -> str:
    """A deterministic string for a value, used for keys and for the waiter index.

    Strings are returned as-is (a key ``event.data.customer_id`` is the id itself). Everything else
    is compact JSON with sorted keys, after normalising numbers the way the evaluator compares
    them: integral doubles become ints (``1.0`` -> ``"1"``, since ``1 == 1.0`` holds), and ints
    beyond 2**53 go through float (the library compares int with double as doubles). Bools stay
    bools (``true == 1`` is false). :data:`MISSING` is ``"null"`` because absent attributes
    evaluate as null. Distinct values can share a string (``"1"`` and ``1``, ``"null"`` and
    ``null``): a shared key is a candidate, never a proof of equality.
    """
    if isinstance(value, str):
        return value
    return json.dumps(_normalise(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _normalise(value: Any) -> Any:
    if value is None or value is MISSING:
        return None
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int | float):
        return _normalise_number(value)
    if isinstance(value, list | tuple):
        return [_normalise(item) for item in value]
    if isinstance(value, dict):
        return {_map_key(key): _normalise(item) for key, item in value.items()}
    if isinstance(value, datetime.datetime):  # CEL timestamp
        return value.isoformat()
    if isinstance(value, datetime.timedelta):  # CEL duration, in CEL's own notation
        return f"{_normalise_number(value.total_seconds())}s"
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    raise TypeError(f"cannot make a key from {type(value).__name__}")


def _normalise_number(value: float) -> int | float:
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            return value
        value = int(value)
    if abs(value) > _EXACT_FLOAT_INT:
        as_float = float(value)
        return int(as_float) if math.isfinite(as_float) else as_float
    return value


def _map_key(key: Any) -> str:
    return key if isinstance(key, str) else canonical(key)


# --- Literals and interpolation -------------------------------------------------------------------


def to_literal(value: Any) -> str:
    """CEL source text for a JSON-ish value, evaluating back to an equal value.

    Ints outside int64 become uint (``u``) or, beyond that, a double: the same conversion the
    library applies when the value arrives as a variable, so interpolated and original expressions
    agree. Non-finite doubles have no literal and go through ``double("...")``.
    """
    if value is None or value is MISSING:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if _INT64_MIN <= value <= _INT64_MAX:
            return str(value)
        if 0 <= value <= _UINT64_MAX:
            return f"{value}u"
        return _double_literal(float(value))
    if isinstance(value, float):
        return _double_literal(value)
    if isinstance(value, str):
        return _string_literal(value)
    if isinstance(value, bytes | bytearray):
        return "b" + _string_literal("".join(chr(b) for b in value), bytes_=True)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(to_literal(item) for item in value) + "]"
    if isinstance(value, dict):
        items = (f"{to_literal(k)}: {to_literal(v)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    raise TypeError(f"no CEL literal for {type(value).__name__}")


def _double_literal(value: float) -> str:
    if math.isnan(value):
        return 'double("NaN")'
    if math.isinf(value):
        return 'double("Infinity")' if value > 0 else 'double("-Infinity")'
    return repr(value)  # always has "." or an exponent, so CEL reads it as a double


_ESCAPES: Final = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _string_literal(text: str, *, bytes_: bool = False) -> str:
    out = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif bytes_ and not (0x20 <= ord(char) < 0x7F):
            out.append(f"\\x{ord(char):02x}")
        elif char.isprintable():
            out.append(char)
        elif ord(char) <= 0xFFFF:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    return '"' + "".join(out) + '"'


def interpolate(source: str, event: Mapping[str, Any], *, variable: str = "event") -> str:
    """``source`` with every ``event.<path>`` replaced by the literal of its value in ``event``.

    Inngest does this when a wait (or cancellation) is created, so only ``async.*`` is left to
    evaluate per incoming event, and the remaining ``async.path == literal`` is indexable (see
    :func:`match_key`). Absent paths become ``null`` (absent attributes are null), and
    ``has(event.path)`` becomes ``true`` or ``false``. String literals, ``async.*`` and fields
    named ``event`` (``async.event.x``) are left alone.
    """
    _compile(source)  # report a malformed expression against what the user wrote
    tokens = _tokenize(source)
    refs, bound = _references(tokens)
    if variable in bound:
        raise ExpressionError(source, f"cannot interpolate: a comprehension rebinds {variable!r}")
    out: list[str] = []
    pos = 0
    for ref in refs:
        if ref.root != variable:
            continue
        start, end = tokens[ref.first].start, tokens[ref.last].end
        value = value_at(event, ref.fields)
        if ref.in_has:
            literal = "false" if value is MISSING else "true"
        else:
            try:
                literal = to_literal(value)
            except TypeError as exc:
                path = ".".join((variable, *ref.fields))
                raise ExpressionError(source, f"cannot interpolate {path}: {exc}") from exc
            follower = ref.last + 1
            if _is_punct(tokens, follower, ".") or _is_punct(tokens, follower, "["):
                literal = f"({literal})"  # 5.size() would lex as a float; (5).size() is clear
        out.append(source[pos:start])
        out.append(literal)
        pos = end
    out.append(source[pos:])
    return "".join(out)


# --- Index keys -----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class MatchKey:
    """An equality ``async.<path> == <literal>`` found in a (interpolated) wait expression.

    ``path`` is relative to the incoming event (``"data.orderId"``); ``value_key`` is
    ``canonical(literal)``, so the waiter index can look up ``canonical(value_at(incoming, path))``.
    ``exact`` says the equality is the whole expression; when False it is one side of a top-level
    ``&&`` and the rest must still be evaluated. Either way a hit is a candidate: confirm with
    :func:`matches` (``"1"`` and ``1`` share a key; absent and ``null`` share ``"null"``).
    """

    path: str
    value_key: str
    exact: bool


_LITERAL_IDENTS: Final = frozenset({"true", "false", "null"})
_LITERAL_PUNCT: Final = frozenset("[]{}(),:-")


def match_key(source: str, variable: str = "async") -> MatchKey | None:
    """The indexable equality in an interpolated wait expression, or None.

    Accepts ``async.a.b == <literal>`` or ``<literal> == async.a.b`` (parentheses and whitespace
    tolerated), alone or as one operand of a top-level ``&&`` chain (nested parenthesised ``&&``
    chains are flattened; the first equality wins). Anything else (``>``, ``||`` or a ternary at
    the top, two ``async`` sides, indexing, method calls) returns None and the caller evaluates
    the expression against every candidate.
    """
    try:
        tokens = _tokenize(source)
    except ExpressionError:
        return None
    conjuncts = _conjuncts(tokens)
    if conjuncts is None:
        return None
    exact = len(conjuncts) == 1
    for conjunct in conjuncts:
        found = _equality_key(_strip_parens(conjunct), variable)
        if found is not None:
            path, value_key = found
            return MatchKey(path, value_key, exact)
    return None


def _conjuncts(tokens: list[_Token]) -> list[list[_Token]] | None:
    """The operands of the expression's ``&&`` chain, flattened through parentheses.

    None when the expression itself is a disjunction or ternary: no single equality is necessary.
    An operand that is a parenthesised ``||`` stays one opaque operand.
    """
    parts = _split_and(_strip_parens(tokens))
    if parts is None or len(parts) == 1:
        return parts
    flat: list[list[_Token]] = []
    for part in parts:
        inner = _conjuncts(part)
        flat.extend(inner if inner is not None else [part])
    return flat


def _strip_parens(tokens: list[_Token]) -> list[_Token]:
    while (
        len(tokens) >= 2 and _is_punct(tokens, 0, "(") and _is_punct(tokens, len(tokens) - 1, ")")
    ):
        depth = 0
        for index, token in enumerate(tokens):
            depth += _depth_change(token)
            if depth == 0 and index < len(tokens) - 1:
                return tokens  # "(a) == (b)": the first paren closes early
        tokens = tokens[1:-1]
    return tokens


def _depth_change(token: _Token) -> int:
    if token.kind != "punct":
        return 0
    return 1 if token.text in "([{" else -1 if token.text in ")]}" else 0


def _split_and(tokens: list[_Token]) -> list[list[_Token]] | None:
    """Top-level ``&&`` operands, or None if ``||`` or a ternary sits at the top level."""
    parts: list[list[_Token]] = [[]]
    depth = 0
    for token in tokens:
        if depth == 0 and token.kind == "punct":
            if token.text in ("||", "?"):
                return None
            if token.text == "&&":
                parts.append([])
                continue
        depth += _depth_change(token)
        parts[-1].append(token)
    return parts if all(parts) else None


def _equality_key(tokens: list[_Token], variable: str) -> tuple[str, str] | None:
    depth = 0
    split = None
    for index, token in enumerate(tokens):
        if depth == 0 and token.kind == "punct" and token.text == "==":
            if split is not None:
                return None
            split = index
        depth += _depth_change(token)
    if split is None:
        return None
    left, right = tokens[:split], tokens[split + 1 :]
    for side, other in ((left, right), (right, left)):
        path = _variable_path(side, variable)
        if path is not None and _is_literal(other):
            value = _literal_value(other)
            if value is MISSING:
                return None
            try:
                return path, canonical(value)
            except TypeError:
                return None
    return None


def _variable_path(tokens: list[_Token], variable: str) -> str | None:
    tokens = _strip_parens(tokens)
    if len(tokens) < 3 or len(tokens) % 2 == 0:
        return None
    if tokens[0].kind != "ident" or tokens[0].text != variable:
        return None
    fields = []
    for index in range(1, len(tokens), 2):
        dot, name = tokens[index], tokens[index + 1]
        if not (dot.kind == "punct" and dot.text == ".") or name.kind != "ident":
            return None
        fields.append(name.text)
    return ".".join(fields)


def _is_literal(tokens: list[_Token]) -> bool:
    if not tokens:
        return False
    for token in tokens:
        if token.kind == "number":
            continue
        if token.kind == "string" and "b" not in _string_prefix(token.text):
            continue  # bytes never equal a JSON value
        if token.kind == "ident" and token.text in _LITERAL_IDENTS:
            continue
        if token.kind == "punct" and token.text in _LITERAL_PUNCT:
            continue
        return False
    return True


def _string_prefix(text: str) -> str:
    """The lower-cased r/b prefix of a string token."""
    return text[: len(text) - len(text.lstrip("rRbB"))].lower()


def _literal_value(tokens: list[_Token]) -> Any | Missing:
    source = " ".join(token.text for token in tokens)
    try:
        return _cel().evaluate(source, {})
    except Exception:
        return MISSING
