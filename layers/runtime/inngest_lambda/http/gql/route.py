"""`POST /v0/gql`: one GraphQL request executed, the body checked, errors as GraphQL errors.

Imported when the API app is built, to add the route; the GraphQL library and the schema are
imported on the route's first hit (`execute`).
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

import fastapi
from fastapi.responses import JSONResponse

from inngest_lambda.http.routing import Router, in_thread
from inngest_lambda.storage.store import Store

if TYPE_CHECKING:
    from inngest_lambda.admin.operations import Deployment

MAX_QUERY_BYTES = 100_000


def register(router: Router) -> None:
    @router.app.post("/v0/gql")
    async def graphql(request: fastapi.Request) -> JSONResponse:
        if denied := router.denied(request):
            return denied
        svc = router.services
        status, body = await in_thread(execute, svc.store, await request.body(), svc)
        return JSONResponse(body, status_code=status)


def execute(
    store: Store, raw: bytes, deployment: Deployment | None = None
) -> tuple[int, dict[str, Any]]:
    """(HTTP status, response body). Anything wrong with the query itself is a GraphQL error in
    a 200 (as GraphQL-over-HTTP has it); only an unreadable request is a 400. The mutations need
    `deployment` (its functions and runs); queries read `store` only."""
    import ariadne

    from inngest_lambda.http.gql import schema

    if len(raw) > MAX_QUERY_BYTES:
        return 413, _errors(f"request is {len(raw)} bytes, at most {MAX_QUERY_BYTES}")
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError) as err:
        return 400, _errors(f"request body is not valid JSON: {err}")
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        return 400, _errors("request body must be an object with a 'query' string")
    variables = body.get("variables")
    if variables is not None and not isinstance(variables, dict):
        return 400, _errors("'variables' must be an object")
    try:
        _, result = ariadne.graphql_sync(
            schema.executable_schema(),
            {k: body[k] for k in ("query", "variables", "operationName") if k in body},
            context_value={"store": store, "deployment": deployment},
            error_formatter=_format_error,
            debug=False,
            logger=_ServerFaultsOnly(logging.getLogger("inngest_lambda.http.gql"), {}),
        )
    except RecursionError:
        return 400, _errors("query is nested too deeply")
    _fit(result)
    return 200, result


class _ServerFaultsOnly(logging.LoggerAdapter):  # type: ignore[type-arg]
    """A caller's mistake (unknown field, bad variable, unknown run) is answered, not logged as
    an error; only a resolver failing unexpectedly is."""

    def error(self, msg: object, *args: Any, **kwargs: Any) -> None:
        if _is_server_fault(kwargs.get("exc_info")):
            super().error(msg, *args, **kwargs)


def _is_server_fault(error: object) -> bool:
    from graphql import GraphQLError

    from inngest_lambda.admin.operations import NotFound as NoSuchFunction
    from inngest_lambda.http.gql.resolvers import NotFound

    original = getattr(error, "original_error", None)
    expected = NotFound | NoSuchFunction | GraphQLError
    return original is not None and not isinstance(original, expected)


def _format_error(error: Any, debug: bool = False) -> dict[str, Any]:
    formatted = error.formatted
    original = getattr(error, "original_error", None)
    if _is_server_fault(error):
        # An unexpected failure inside a resolver: say so without leaking internals.
        formatted["message"] = f"internal error resolving this field ({type(original).__name__})"
    return formatted


def _fit(result: dict[str, Any]) -> None:
    """Keep the response under Lambda's 6 MB: the largest values give way first, each one
    replaced by null and a GraphQL error at its path saying how to read it."""
    from inngest_lambda.http import response_budget

    if response_budget.encoded_size(result) <= response_budget.BODY_BUDGET_BYTES:
        return
    leaves: list[tuple[int, Any, Any, list[Any]]] = []
    stack: list[tuple[Any, list[Any]]] = [(result.get("data"), [])]
    while stack:
        node, path = stack.pop()
        if not isinstance(node, dict | list):
            continue
        for key, value in node.items() if isinstance(node, dict) else enumerate(node):
            if isinstance(value, dict | list):
                stack.append((value, [*path, key]))
            elif isinstance(value, str) and len(value) > 1024:
                leaves.append((response_budget.encoded_size(value), node, key, [*path, key]))
    errors = result.setdefault("errors", [])
    for size, node, key, path in sorted(leaves, key=lambda leaf: leaf[0], reverse=True):
        node[key] = None
        errors.append(
            {
                "message": f"value of {size} bytes left out: the response would exceed AWS "
                "Lambda's 6 MB limit; query this field on its own, or read it in pages "
                "from the REST API (/v1/runs/{id}/output, /v1/runs/{id}/steps/{step}/output)",
                "path": path,
            }
        )
        if response_budget.encoded_size(result) <= response_budget.BODY_BUDGET_BYTES:
            return


def _errors(message: str) -> dict[str, Any]:
    return {"data": None, "errors": [{"message": message}]}
