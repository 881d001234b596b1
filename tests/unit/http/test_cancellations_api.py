"""`/v1/cancellations` is signed in production: every route refuses a caller without the key
before it reads or stores anything."""

from __future__ import annotations

import fastapi
import pytest
from fastapi.testclient import TestClient

from inngest_lambda.http import cancellations_api
from inngest_lambda.http.routing import Router
from tests.unit.http.test_routing import KEY, Keys


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1/cancellations"),
        ("GET", "/v1/cancellations"),
        ("GET", "/v1/cancellations/01J0000000000000000000000"),
        ("DELETE", "/v1/cancellations/01J0000000000000000000000"),
    ],
)
def test_unsigned_requests_are_refused(method, path):
    router = Router(fastapi.FastAPI(), Keys(KEY))  # type: ignore[arg-type]  # no store: refused first
    cancellations_api.register(router)
    res = TestClient(router.app).request(method, path, json={"function_id": "f"})
    assert res.status_code == 401
    assert res.json()["error"] == "a valid signing key is required"
