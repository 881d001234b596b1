"""One pass over a function body that records what the checks need.

The walk knows the one distinction that matters for durable functions: code in the function body
runs again on every replay, code inside a step's callable runs once and is memoized. It records
calls made outside steps, every step call (with its loop and branch position, for id checks) and
every step callable (for the mutation check); the checks then only read these facts.

Helper functions: a call from the body to a def at module level in the same file is followed one
level deep (its calls are reported at the call site), because "the body calls `notify()`, which
posts to Slack" is the usual way a side effect hides. Deeper chains and other modules are not
followed: that would need real call-graph analysis for little gain.
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Iterable

from .discovery import FunctionNode, InngestFunction, ModuleInfo
from .names import children, walk

STEP_METHODS = frozenset(
    {"run", "sleep", "sleep_until", "wait_for_event", "invoke", "invoke_by_id", "send_event"}
)
Comprehension = ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp
StepCallable = ast.Lambda | ast.FunctionDef | ast.AsyncFunctionDef
Branches = tuple[tuple[int, int], ...]


@dataclasses.dataclass(frozen=True)
class BodyCall:
    """A call that runs on every replay. `site` is where to report it (differs inside helpers)."""

    node: ast.Call
    site: ast.Call
    helper: str | None


@dataclasses.dataclass(frozen=True)
class StepCall:
    """A `step.<method>(id, ...)` call and where it sits (loops and if-branches)."""

    node: ast.Call
    method: str
    step_id: ast.expr | None
    loop_vars: frozenset[str]
    in_loop: bool
    branches: Branches


@dataclasses.dataclass
class FunctionFacts:
    """Everything the checks read about one function."""

    function: InngestFunction
    node: FunctionNode
    nodes: list[ast.AST]
    body_calls: list[BodyCall] = dataclasses.field(default_factory=list)
    step_calls: list[StepCall] = dataclasses.field(default_factory=list)
    callables: list[StepCallable] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class Scope:
    """What `ctx` and `step` are called inside one def (the function, or a helper)."""

    ctx_names: frozenset[str]
    step_names: frozenset[str]
    local_defs: dict[str, FunctionNode]
    step_callable_names: frozenset[str]

    def is_step(self, expr: ast.expr) -> bool:
        """`step` (any alias) or `<ctx>.step`."""
        if isinstance(expr, ast.Name):
            return expr.id in self.step_names
        return (
            isinstance(expr, ast.Attribute)
            and expr.attr == "step"
            and isinstance(expr.value, ast.Name)
            and expr.value.id in self.ctx_names
        )

    def step_method(self, call: ast.Call) -> str | None:
        """`run`, `sleep`, ... (or `ai.infer`) when `call` is a step call, else None."""
        func = call.func
        if not isinstance(func, ast.Attribute):
            return None
        if func.attr in STEP_METHODS and self.is_step(func.value):
            return func.attr
        inner = func.value
        if func.attr == "infer" and isinstance(inner, ast.Attribute) and inner.attr == "ai":
            return "ai.infer" if self.is_step(inner.value) else None
        return None


@dataclasses.dataclass(frozen=True)
class State:
    """Position of the node being walked: loops around it, if-branches, helper being followed."""

    in_loop: bool = False
    loop_vars: frozenset[str] = frozenset()
    branches: Branches = ()
    helper: tuple[str, ast.Call] | None = None

    def looping(self, names: Iterable[str]) -> State:
        return dataclasses.replace(self, in_loop=True, loop_vars=self.loop_vars | set(names))

    def branch(self, node: ast.AST, index: int) -> State:
        return dataclasses.replace(self, branches=(*self.branches, (id(node), index)))


def step_arg(call: ast.Call, position: int, keyword: str) -> ast.expr | None:
    """A step method argument given positionally or by keyword (`step_id=`, `handler=`)."""
    if len(call.args) > position and not any(
        isinstance(arg, ast.Starred) for arg in call.args[: position + 1]
    ):
        return call.args[position]
    for kw in call.keywords:
        if kw.arg == keyword:
            return kw.value
    return None


def target_names(target: ast.AST) -> set[str]:
    """Names bound by a `for` target or comprehension target (`for i, (a, b) in ...`)."""
    return {n.id for n in walk(target) if isinstance(n, ast.Name)}


def _params(fn: FunctionNode) -> list[ast.arg]:
    args = fn.args
    return [*args.posonlyargs, *args.args, *args.kwonlyargs]


def _annotation_kind(arg: ast.arg) -> str | None:
    if arg.annotation is None:
        return None
    text = ast.unparse(arg.annotation).rsplit(".", 1)[-1].strip("'\"")
    if text in ("Context", "ContextSync"):
        return "ctx"
    if text in ("Step", "StepSync"):
        return "step"
    return None


def build_scope(fn: FunctionNode, nodes: list[ast.AST], ctx: set[str], step: set[str]) -> Scope:
    """Complete the ctx/step names with annotations and aliases such as `step = ctx.step`.

    `nodes` is every node under `fn` (walked once by the caller and shared with the checks).
    """
    for arg in _params(fn):
        kind = _annotation_kind(arg)
        if kind == "ctx":
            ctx.add(arg.arg)
        elif kind == "step" or arg.arg == "step":
            step.add(arg.arg)
    assigns = [node for node in nodes if isinstance(node, ast.Assign)]
    for _ in range(2):  # aliases of aliases
        scope = Scope(frozenset(ctx), frozenset(step), {}, frozenset())
        for node in assigns:
            for target in node.targets:
                for name, value in _pairs(target, node.value):
                    if scope.is_step(value):
                        step.add(name)
                    elif isinstance(value, ast.Name) and value.id in ctx:
                        ctx.add(name)
    local_defs = {
        node.name: node
        for node in nodes
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node is not fn
    }
    scope = Scope(frozenset(ctx), frozenset(step), local_defs, frozenset())
    callables: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Call) and scope.step_method(node) == "run":
            handler = _unwrap_partial(step_arg(node, 1, "handler"))
            if isinstance(handler, ast.Name):
                callables.add(handler.id)
    return dataclasses.replace(scope, step_callable_names=frozenset(callables))


def _pairs(target: ast.expr, value: ast.expr) -> list[tuple[str, ast.expr]]:
    if isinstance(target, ast.Name):
        return [(target.id, value)]
    if (
        isinstance(target, ast.Tuple | ast.List)
        and isinstance(value, ast.Tuple | ast.List)
        and len(target.elts) == len(value.elts)
    ):
        return [pair for t, v in zip(target.elts, value.elts, strict=True) for pair in _pairs(t, v)]
    return []


def _unwrap_partial(expr: ast.expr | None) -> ast.expr | None:
    """`functools.partial(fn, ...)` -> `fn`: the callable that actually runs in the step."""
    if isinstance(expr, ast.Call) and expr.args:
        func = expr.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name == "partial":
            return expr.args[0]
    return expr


class FunctionWalker:
    """Walks one Inngest function (and the helpers it calls) and fills a FunctionFacts."""

    def __init__(self, module: ModuleInfo, function: InngestFunction, node: FunctionNode) -> None:
        self.module = module
        self.facts = FunctionFacts(function, node, module.nodes_of(node))
        self._callable_ids: set[int] = set()

    def run(self) -> FunctionFacts:
        """Walk the function body from the top, outside any loop or branch."""
        node = self.facts.node
        positional = [*node.args.posonlyargs, *node.args.args]
        ctx = {positional[0].arg} if positional else set()
        # The SDK calls `handler(ctx)`; a second parameter is the pre-0.5 `step` argument.
        step = {positional[1].arg} if len(positional) > 1 else set()
        scope = build_scope(node, self.facts.nodes, ctx, step)
        self._body(node.body, State(), scope)
        return self.facts

    # -- traversal ---------------------------------------------------------------------------

    def _body(self, nodes: Iterable[ast.AST], state: State, scope: Scope) -> None:
        for node in nodes:
            self.visit(node, state, scope)

    def visit(self, node: ast.AST, state: State, scope: Scope) -> None:
        """Dispatch on node type; anything without a rule just walks its children."""
        if isinstance(node, ast.Call):
            self._call(node, state, scope)
        elif isinstance(node, ast.For | ast.AsyncFor):
            self.visit(node.iter, state, scope)
            self._body(node.body, state.looping(target_names(node.target)), scope)
            self._body(node.orelse, state, scope)
        elif isinstance(node, ast.While):
            looping = state.looping(())
            self.visit(node.test, looping, scope)
            self._body(node.body, looping, scope)
            self._body(node.orelse, state, scope)
        elif isinstance(node, Comprehension):
            self._comprehension(node, state, scope)
        elif isinstance(node, ast.If | ast.IfExp):
            self.visit(node.test, state, scope)
            body = node.body if isinstance(node.body, list) else [node.body]
            orelse = node.orelse if isinstance(node.orelse, list) else [node.orelse]
            self._body(body, state.branch(node, 0), scope)
            self._body(orelse, state.branch(node, 1), scope)
        elif isinstance(node, ast.Match):
            self.visit(node.subject, state, scope)
            for index, case in enumerate(node.cases):
                self._body([case], state.branch(node, index), scope)
        elif isinstance(node, ast.Lambda):
            self._body(node.args.defaults, state, scope)
            self.visit(node.body, self._lambda_state(node, state), scope)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            self._body([*node.decorator_list, *node.args.defaults], state, scope)
            if node.name not in scope.step_callable_names:
                self._body(node.body, state, scope)  # a nested def that is not a step: body code
        else:
            self._body(children(node), state, scope)

    def _lambda_state(self, node: ast.Lambda, state: State) -> State:
        """`lambda i=i: step.run(f"x-{i}", ...)` keeps `i` a loop variable inside the lambda."""
        args = node.args.args[len(node.args.args) - len(node.args.defaults) :]
        captured = [
            arg.arg
            for arg, default in zip(args, node.args.defaults, strict=True)
            if isinstance(default, ast.Name) and default.id in state.loop_vars
        ]
        return dataclasses.replace(state, loop_vars=state.loop_vars | set(captured))

    def _comprehension(self, node: Comprehension, state: State, scope: Scope) -> None:
        """Comprehension targets are loop variables for everything inside the comprehension."""
        inner = state
        for index, generator in enumerate(node.generators):
            self.visit(generator.iter, state if index == 0 else inner, scope)
            inner = inner.looping(target_names(generator.target))
            self._body(generator.ifs, inner, scope)
        if isinstance(node, ast.DictComp):
            self._body([node.key, node.value], inner, scope)
        else:
            self.visit(node.elt, inner, scope)

    # -- calls -------------------------------------------------------------------------------

    def _call(self, node: ast.Call, state: State, scope: Scope) -> None:
        method = scope.step_method(node)
        if method is not None:
            self._step_call(node, method, state, scope)
            return
        site = state.helper[1] if state.helper else node
        name = state.helper[0] if state.helper else None
        self.facts.body_calls.append(BodyCall(node, site, name))
        helper = self._helper(node, state, scope)
        if helper is not None:
            self._follow(helper, node, scope)
        self._body(children(node), state, scope)

    def _step_call(self, node: ast.Call, method: str, state: State, scope: Scope) -> None:
        step_id = step_arg(node, 0, "step_id")
        if state.helper is None:
            self.facts.step_calls.append(
                StepCall(node, method, step_id, state.loop_vars, state.in_loop, state.branches)
            )
        handler = step_arg(node, 1, "handler") if method == "run" else None
        rest = [
            arg for arg in [*node.args, *(kw.value for kw in node.keywords)] if arg is not handler
        ]
        if handler is not None:
            self._step_callable(handler, state, scope)
        self._body(rest, state, scope)  # the id and `*handler_args` are evaluated in the body

    def _step_callable(self, expr: ast.expr, state: State, scope: Scope) -> None:
        """Record the callable run inside the step; its own body is step code and not walked."""
        unwrapped = _unwrap_partial(expr)
        if unwrapped is not expr and isinstance(expr, ast.Call):
            self._body(expr.args[1:], state, scope)
            self._body([kw.value for kw in expr.keywords], state, scope)
        target: StepCallable | None = None
        if isinstance(unwrapped, ast.Lambda):
            self._body(unwrapped.args.defaults, state, scope)
            target = unwrapped
        elif isinstance(unwrapped, ast.Name):
            target = scope.local_defs.get(unwrapped.id) or self.module.defs.get(unwrapped.id)
        elif unwrapped is not None:
            self.visit(unwrapped, state, scope)
        if target is not None and state.helper is None and id(target) not in self._callable_ids:
            self._callable_ids.add(id(target))
            self.facts.callables.append(target)

    def _helper(self, node: ast.Call, state: State, scope: Scope) -> FunctionNode | None:
        """The same-module def this call runs in the body, if it is one we should follow."""
        if state.helper is not None or not isinstance(node.func, ast.Name):
            return None
        name = node.func.id
        if name in scope.local_defs:
            return None  # nested defs are walked where they are defined
        helper = self.module.defs.get(name)
        if helper is None or id(helper) in self.module.function_nodes:
            return None
        return helper

    def _follow(self, helper: FunctionNode, call: ast.Call, scope: Scope) -> None:
        """Walk a helper's body as body code, mapping the ctx/step the caller passes in."""
        ctx: set[str] = set()
        step: set[str] = set()
        params = [*helper.args.posonlyargs, *helper.args.args]
        bound = list(zip(params, call.args, strict=False))
        by_name = {arg.arg: arg for arg in _params(helper)}
        bound += [(by_name[kw.arg], kw.value) for kw in call.keywords if kw.arg in by_name]
        for param, value in bound:
            if scope.is_step(value):
                step.add(param.arg)
            elif isinstance(value, ast.Name) and value.id in scope.ctx_names:
                ctx.add(param.arg)
        inner = build_scope(helper, self.module.nodes_of(helper), ctx, step)
        self._body(helper.body, State(helper=(helper.name, call)), inner)
