"""Mutations: Inngest Cloud's `pauseFunction(fnID, cancelRunning)` and `unpauseFunction(fnID)`.

Both go through `admin/pausing.py`, as the REST routes and the dashboard do, and answer the
function as a `Workflow` (`id`, `name`, `isPaused`). An unknown function is a GraphQL error
naming it; nothing is stored then.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from inngest_lambda.admin.operations import Deployment


def mutation() -> Any:
    import ariadne

    m = ariadne.MutationType()
    m.set_field("pauseFunction", _pause)
    m.set_field("unpauseFunction", _unpause)
    return m


def _deployment(info: Any) -> Deployment:
    deployment = info.context.get("deployment")
    if deployment is None:
        raise RuntimeError("mutations need the deployment in the GraphQL context")
    return deployment


def _workflow(deployment: Deployment, function_id: str, paused: bool) -> dict[str, Any]:
    fn = deployment.registry.get(function_id)
    return {"id": function_id, "name": fn.name if fn else function_id, "isPaused": paused}


def _pause(_: Any, info: Any, fnID: str, cancelRunning: bool | None = None) -> dict[str, Any]:  # noqa: N803
    from inngest_lambda.admin import pausing

    deployment = _deployment(info)
    pausing.pause(deployment, fnID, cancel_running=bool(cancelRunning), paused_by="graphql")
    return _workflow(deployment, fnID, True)


def _unpause(_: Any, info: Any, fnID: str) -> dict[str, Any]:  # noqa: N803
    from inngest_lambda.admin import pausing

    deployment = _deployment(info)
    pausing.resume(deployment, fnID)
    return _workflow(deployment, fnID, False)
