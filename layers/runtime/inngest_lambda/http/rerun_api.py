"""Rerun a run from a step, Inngest's shape (behind the signing key, like every operator action):

    POST /v2/runs/{run_id}/rerun  {"fromStep": {"stepId": "<id or name>", "input": [...]}}
        -> 200 {"data": {"runId": "<new run>"}}; `{}` reruns from the start (a replay)

404 for a run (or its function) that does not exist; 400 naming the problem for a body that is
not an object, a `fromStep` without a string `stepId`, a step that is not in the run, a name
several steps share, or an `input` (the Python SDK has no step input). A refusal stores nothing.
The rules are `admin.rerun`'s.
"""

from __future__ import annotations

import json

import fastapi
from fastapi.responses import JSONResponse

from inngest_lambda.http.routing import Router, in_thread, problem


def register(router: Router) -> None:
    svc = router.services

    @router.plain("POST", "/v2/runs/{run_id}/rerun")
    async def rerun(request: fastapi.Request) -> JSONResponse:
        from inngest_lambda.admin import operations
        from inngest_lambda.admin import rerun as reruns

        if denied := router.denied(request):
            return denied
        run_id = request.path_params["run_id"]
        raw = await request.body()
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            return problem(400, "the body is not JSON")
        if not isinstance(body, dict):
            return problem(400, "the body must be a JSON object")
        from_step = body.get("fromStep")
        step_id: str | None = None
        step_input: object = None
        if from_step is not None:
            if not isinstance(from_step, dict):
                return problem(400, "fromStep must be an object with stepId")
            step_id = from_step.get("stepId")
            if not isinstance(step_id, str) or not step_id:
                return problem(400, "fromStep.stepId is required (a step id or name)")
            step_input = from_step.get("input")
            if step_input is not None and not isinstance(step_input, list):
                return problem(400, "fromStep.input must be an array")
        try:
            new = await in_thread(lambda: reruns.rerun(svc, run_id, step_id, step_input))
        except operations.NotFound as err:
            return problem(404, str(err))
        except reruns.BadRequest as err:
            return problem(400, str(err))
        return JSONResponse({"data": {"runId": new.run_id}})
