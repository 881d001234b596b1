"""The composed app: each surface's routes in the order that decides a shared path's 405, and
building it imports no surface's heavy parts (GraphQL, page rendering, realtime's engine)."""

from __future__ import annotations

import os
import subprocess
import sys

from fastapi.testclient import TestClient

from inngest_lambda.http.app import create_app
from inngest_lambda.runtime import get_runtime


def test_a_wrong_method_on_a_run_is_answered_by_the_read_route(fresh_runtime):
    client = TestClient(create_app(get_runtime()))
    # GET (runs_api) and DELETE (ops_api) share the path; the read route was added first.
    wrong = client.put("/v1/runs/r1")
    assert (wrong.status_code, wrong.headers["allow"]) == (405, "GET")
    assert client.post("/v1/events").headers["allow"] == "GET"
    assert client.get("/fn/register").headers["allow"] == "POST"


def test_building_the_app_leaves_graphql_pages_and_realtime_unimported(fresh_runtime):
    code = (
        "import sys; from inngest_lambda.runtime import get_runtime; "
        "get_runtime().app.api_app; "
        "heavy = {'ariadne', 'graphql', 'inngest_lambda.http.gql.schema', "
        "'inngest_lambda.http.dashboard.pages', 'inngest_lambda.realtime.service'}; "
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, env=os.environ
    )
    assert out.stdout.strip() == "[]"
